//! Pre-acceptance (预受理) for the community service hall.
//!
//! A resident, or a guide for them (代办), applies for a service item (事项)
//! and uploads each listed material (capability `files`); the list comes
//! from the guides plugin (capability `services`) or from configuration.
//! A clerk reviews material by material: accepted, or a correction with
//! reasons from a list plus free text, all told in one notice (`notify`);
//! the resident re-uploads only what was asked. The legal clock: what is
//! missing must be told within 5 working days (`calendar`), otherwise the
//! application counts as accepted; supervisors see what is about to go
//! overdue. At the window the outcome is 办结 or 不予受理 with a reason;
//! community certificates (社区证明) print with a verification code and a
//! QR code that anyone can check, masked. Forms fill from the resident
//! record (`residents`) with the resident's consent, and a material the
//! hall already holds is not asked again. Every step is on a timeline.

mod apply;
mod cert;
mod config;
mod db;
mod fail;
mod items;
mod pages;
mod review;
mod text;
mod thread;

use config::Config;
use fail::Fail;
use linli_sdk::files::Upload;
use linli_sdk::prelude::*;
use serde_json::json;

struct Applications;

/// Reviewing and deciding at the window.
const CLERK: &[&str] = &["clerk"];
/// Seeing every application (the console, one application, its files).
const STAFF: &[&str] = &["clerk", "supervisor", "guide"];
/// Applying for a resident (代办) and filling the form from their record.
const DESK: &[&str] = &["guide", "clerk"];
const SUPERVISOR: &[&str] = &["supervisor"];
/// Opening a resident's uploaded material (personal, audited by the host).
const REVIEWERS: &[&str] = &["clerk", "supervisor"];
/// The largest material a resident uploads.
pub const MAX_MIB: u64 = 20;

impl Plugin for Applications {
    fn manifest() -> Manifest {
        Manifest::new("applications", "预受理", "Pre-acceptance", env!("CARGO_PKG_VERSION"))
            .description("预受理：在线提交申请材料，逐项审核、一次性告知补正，五个工作日法定时限，证明开具与验证 / apply online, material-by-material review, one correction notice, the 5-working-day clock, certificates with a verification code")
            .capability("kv")
            .capability("sql")
            .capability("events")
            .capability("clock")
            .capability("log")
            .capability("config")
            .capability("pseudonyms")
            .capability("calendar")
            .capability("notify")
            .capability("services")
            .capability("files")
            .capability("residents")
            .config(config::schema(), config::default_json())
            .route(Route::get("/applications", Audience::Public))
            .route(Route::get("/applications/a/{token}", Audience::Public))
            .route(Route::get("/applications/verify/{code}", Audience::Public))
            // The short address printed on certificates and in their QR
            // code (the one above stays for certificates printed before).
            .route(Route::get("/verify/{code}", Audience::Public))
            .route(Route::get("/applications/a/{token}/thread", Audience::Public))
            .route(Route::get("/applications/review/{id}/thread", Audience::Staff).roles(STAFF))
            .route(Route::get("/applications/assets/{file}", Audience::Public))
            .route(Route::get("/applications/desk", Audience::Staff).roles(DESK))
            .route(Route::get("/applications/review", Audience::Staff).roles(STAFF))
            .route(Route::get("/applications/review/{id}", Audience::Staff).roles(STAFF))
            .route(Route::get("/applications/certificate/{code}", Audience::Staff).roles(STAFF))
            .route(Route::get("/api/applications/items", Audience::Public))
            .route(Route::post("/api/applications", Audience::Public))
            .route(Route::get("/api/applications/a/{token}", Audience::Public))
            .upload(Upload::post("/api/applications/a/{token}/materials/{mid}", Audience::Public).types(&["pdf", "jpeg", "png"]).max_mib(MAX_MIB).personal())
            .route(Route::post("/api/applications/a/{token}/submit", Audience::Public))
            .route(Route::post("/api/applications/a/{token}/booking", Audience::Public))
            .route(Route::get("/api/applications/a/{token}/thread", Audience::Public))
            .route(Route::get("/api/applications/verify/{code}", Audience::Public))
            .route(Route::post("/api/applications/desk", Audience::Staff).roles(DESK))
            .route(Route::post("/api/applications/desk/prefill", Audience::Staff).roles(DESK))
            .route(Route::get("/api/applications/cases", Audience::Staff).roles(STAFF))
            .route(Route::get("/api/applications/cases/{id}", Audience::Staff).roles(STAFF))
            .route(Route::get("/api/applications/cases/{id}/materials/{mid}/file", Audience::Staff).roles(REVIEWERS))
            .route(Route::post("/api/applications/cases/{id}/claim", Audience::Staff).roles(CLERK))
            .route(Route::post("/api/applications/cases/{id}/review", Audience::Staff).roles(CLERK))
            .route(Route::post("/api/applications/cases/{id}/decide", Audience::Staff).roles(CLERK))
            .route(Route::post("/api/applications/cases/{id}/assign", Audience::Staff).roles(SUPERVISOR))
            .route(Route::post("/api/applications/cases/{id}/ticket", Audience::Staff).roles(DESK))
            .route(Route::get("/api/applications/due", Audience::Staff).roles(SUPERVISOR))
            .route(Route::get("/api/applications/cases/{id}/thread", Audience::Staff).roles(STAFF))
            .route(Route::post("/api/applications/certificates/{code}/revoke", Audience::Staff).roles(SUPERVISOR))
            .page(Page::new("/applications", "预受理申请", "Apply online", Audience::Public))
            .page(Page::new("/applications/desk", "代办申请", "Apply for a resident", Audience::Staff).roles(DESK))
            .page(Page::new("/applications/review", "材料审核", "Review materials", Audience::Staff).roles(STAFF))
    }

    fn handle(req: Request) -> Response {
        match route(&req) {
            Ok(r) => r,
            Err(f) => f.into_response(),
        }
    }

    fn tick(now: i64) -> Result<(), String> {
        let run = || -> Result<(), Fail> {
            db::ensure_schema()?;
            review::sweep(now)?;
            Ok(())
        };
        run().map_err(|e| format!("{e:?}"))
    }
}

fn route(req: &Request) -> Result<Response, Fail> {
    if req.route == "/applications/assets/{file}" {
        return Ok(pages::asset(req));
    }
    let cfg = Config::load();
    db::ensure_schema()?;
    let now = clock::now();
    let lang = req.lang();
    let p = |name: &str| req.param(name).unwrap_or("");
    let ok = |status: u16, v: serde_json::Value| Ok(Response::json(status, &v));
    // The legal clock is applied before anything is read or changed.
    review::sweep(now)?;
    match (req.method.as_str(), req.route.as_str()) {
        ("GET", "/applications") => pages::start(&cfg, req),
        ("GET", "/applications/a/{token}") => pages::resident(&cfg, req, &apply::by_token(p("token"))?),
        ("GET", "/applications/verify/{code}" | "/verify/{code}") => pages::verify(req, cert::find(p("code"))?),
        ("GET", "/applications/a/{token}/thread") => {
            let app = apply::by_token(p("token"))?;
            pages::thread(req, &app, &thread::build(&cfg, &app, lang, false, now)?, false)
        }
        ("GET", "/applications/review/{id}/thread") => {
            let app = review::by_id(p("id"))?;
            pages::thread(req, &app, &thread::build(&cfg, &app, lang, true, now)?, true)
        }
        ("GET", "/api/applications/a/{token}/thread") => ok(200, thread::build(&cfg, &apply::by_token(p("token"))?, lang, false, now)?),
        ("GET", "/api/applications/cases/{id}/thread") => ok(200, thread::build(&cfg, &review::by_id(p("id"))?, lang, true, now)?),
        ("POST", "/api/applications/a/{token}/booking") => {
            let app = apply::by_token(p("token"))?;
            ok(200, thread::link_booking(&cfg, &app, req.json()?, &req.caller, now)?)
        }
        ("POST", "/api/applications/certificates/{code}/revoke") => {
            let c = cert::find(p("code"))?.ok_or_else(|| Fail::user(404, "certificate_not_found", "没有这个证明", "no such certificate"))?;
            ok(200, cert::revoke(&c, req.json()?, &req.caller, now)?)
        }
        ("GET", "/applications/desk") => pages::desk(&cfg, req),
        ("GET", "/applications/review") => pages::console(req),
        ("GET", "/applications/review/{id}") => pages::case(&cfg, req, &review::by_id(p("id"))?),
        ("GET", "/applications/certificate/{code}") => {
            let c = cert::find(p("code"))?.ok_or_else(|| Fail::user(404, "certificate_not_found", "没有这个证明", "no such certificate"))?;
            pages::certificate(&cfg, req, &c)
        }
        ("GET", "/api/applications/items") => ok(200, items::list(&cfg, lang)),
        ("POST", "/api/applications") => ok(201, apply::create(&cfg, req.json()?, &req.caller, now)?),
        ("POST", "/api/applications/desk") => ok(201, apply::create(&cfg, req.json()?, &req.caller, now)?),
        ("POST", "/api/applications/desk/prefill") => prefill(req),
        ("GET", "/api/applications/a/{token}") => {
            let app = apply::by_token(p("token"))?;
            let mut v = apply::view(&cfg, &app, lang, true)?;
            v["notices"] = json!(notify::inbox(&format!("app-{}", app.token), 10)?.iter().map(|m| json!({"text": if lang == "en" { &m.text_en } else { &m.text_zh }})).collect::<Vec<_>>());
            ok(200, v)
        }
        ("POST", "/api/applications/a/{token}/materials/{mid}") => {
            let app = apply::by_token(p("token"))?;
            ok(201, apply::upload(&app, p("mid"), req, now)?)
        }
        ("POST", "/api/applications/a/{token}/submit") => {
            let app = apply::by_token(p("token"))?;
            apply::submit(&cfg, &app, &req.caller, now)?;
            let app = apply::by_token(p("token"))?;
            ok(200, apply::view(&cfg, &app, lang, true)?)
        }
        ("GET", "/api/applications/verify/{code}") => match cert::find(p("code"))? {
            Some(c) => ok(200, cert::public_view(&c, lang)?),
            None => Err(Fail::user(404, "certificate_not_found", "没有这个验证码对应的证明，请核对验证码", "no certificate has this verification code; check the code")),
        },
        ("GET", "/api/applications/cases") => ok(200, review::list(&req.caller, lang)?),
        ("GET", "/api/applications/cases/{id}") => ok(200, apply::view(&cfg, &review::by_id(p("id"))?, lang, true)?),
        ("GET", "/api/applications/cases/{id}/materials/{mid}/file") => {
            let app = review::by_id(p("id"))?;
            let m = db::materials(app.id)?.into_iter().find(|m| m.mid == p("mid"));
            match m.and_then(|m| m.file_id) {
                Some(f) => Ok(files::serve(&f)),
                None => Err(Fail::user(404, "file_not_found", "这份材料还没有上传文件", "no file was uploaded for this material")),
            }
        }
        ("POST", "/api/applications/cases/{id}/claim") => {
            let app = review::by_id(p("id"))?;
            review::claim(&app, &req.caller, now)?;
            ok(200, apply::view(&cfg, &review::by_id(p("id"))?, lang, true)?)
        }
        ("POST", "/api/applications/cases/{id}/review") => {
            let app = review::by_id(p("id"))?;
            ok(200, review::review(&cfg, &app, req.json()?, &req.caller, now)?)
        }
        ("POST", "/api/applications/cases/{id}/decide") => {
            let app = review::by_id(p("id"))?;
            ok(200, review::decide(&cfg, &app, req.json()?, &req.caller, now)?)
        }
        ("POST", "/api/applications/cases/{id}/assign") => {
            let app = review::by_id(p("id"))?;
            review::assign(&app, req.json()?, &req.caller, now)?;
            ok(200, apply::view(&cfg, &review::by_id(p("id"))?, lang, true)?)
        }
        ("POST", "/api/applications/cases/{id}/ticket") => {
            let app = review::by_id(p("id"))?;
            ok(201, review::ticket(&cfg, &app, &req.caller, now)?)
        }
        ("GET", "/api/applications/due") => ok(200, review::due(&cfg, now, lang)?),
        _ => Ok(Response::not_found(req)),
    }
}

/// The desk's form filled from the resident record, with consent.
fn prefill(req: &Request) -> Result<Response, Fail> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Ask {
        #[serde(default)]
        id_number: String,
        #[serde(default)]
        consent: bool,
    }
    let a: Ask = req.json()?;
    let id = apply::id_number(&a.id_number)?;
    match apply::record(&id, a.consent)? {
        Some(r) => Ok(Response::json(200, &json!({"found": true, "name": r.name, "phone": r.phone, "address": r.address}))),
        None => Ok(Response::json(200, &json!({"found": false}))),
    }
}

export_plugin!(Applications);
