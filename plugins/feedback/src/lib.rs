//! 意见箱 / Feedback for the community service hall.
//!
//! Residents send a suggestion, complaint or praise, anonymous or with
//! their name (and phone, for a text message when it is answered), from
//! the kiosk, their phone or the page a QR poster opens, with a category
//! and an optional photo (capability `files`: the type read from the
//! bytes, at most 5 MiB). They get a tracking code (10 letters and digits
//! without 0/O/1/I) to follow it. Staff assign it, take it in hand and
//! reply within a deadline in working days counted from the day it was
//! sent (capability `calendar`); the resident accepts the reply or
//! reopens the case once. A supervisor may publish a reply on the public
//! page with personal details masked, after reading and confirming it.

mod cases;
mod config;
mod db;
mod export;
mod pages;
mod privacy;

use config::Config;
use linli_sdk::files::Upload;
use linli_sdk::prelude::*;
use serde_json::json;

struct Feedback;

/// Staff who answer feedback.
const HANDLERS: &[&str] = &["supervisor", "clerk", "guide"];
/// Assigning, closing and publishing.
const SUPERVISOR: &[&str] = &["supervisor"];
/// The largest photo (the host refuses a bigger one while it arrives).
pub const PHOTO_MIB: u64 = 5;

impl Plugin for Feedback {
    fn manifest() -> Manifest {
        Manifest::new("feedback", "意见箱", "Feedback", env!("CARGO_PKG_VERSION"))
            .description("意见箱：居民提建议、投诉、表扬，凭跟踪码查看答复 / suggestions, complaints and praise, followed by a tracking code")
            .capability("kv")
            .capability("sql")
            .capability("events")
            .capability("clock")
            .capability("log")
            .capability("config")
            .capability("calendar")
            .capability("notify")
            .capability("files")
            .config(config::schema(), config::default_json())
            .route(Route::get("/feedback", Audience::Public))
            .route(Route::get("/feedback/track", Audience::Public))
            .route(Route::get("/feedback/replies", Audience::Public))
            .route(Route::get("/feedback/console", Audience::Staff).roles(HANDLERS))
            .route(Route::get("/feedback/console/{id}", Audience::Staff).roles(HANDLERS))
            .route(Route::get("/feedback/poster", Audience::Staff).roles(HANDLERS))
            .route(Route::get("/feedback/admin", Audience::Admin))
            .route(Route::get("/feedback/assets/{file}", Audience::Public))
            .route(Route::post("/api/feedback", Audience::Public))
            .upload(Upload::post("/api/feedback/photo", Audience::Public).types(&["jpeg", "png", "webp", "heic"]).max_mib(PHOTO_MIB).personal())
            .route(Route::post("/api/feedback/track", Audience::Public))
            .route(Route::post("/api/feedback/track/accept", Audience::Public))
            .route(Route::post("/api/feedback/track/reopen", Audience::Public))
            .route(Route::get("/api/feedback/public", Audience::Public))
            .route(Route::get("/api/feedback/cases", Audience::Staff).roles(HANDLERS))
            .route(Route::get("/api/feedback/cases/{id}", Audience::Staff).roles(HANDLERS))
            .route(Route::get("/api/feedback/cases/{id}/photo", Audience::Staff).roles(HANDLERS))
            .route(Route::post("/api/feedback/cases/{id}/assign", Audience::Staff).roles(SUPERVISOR))
            .route(Route::post("/api/feedback/cases/{id}/start", Audience::Staff).roles(HANDLERS))
            .route(Route::post("/api/feedback/cases/{id}/reply", Audience::Staff).roles(HANDLERS))
            .route(Route::post("/api/feedback/cases/{id}/close", Audience::Staff).roles(SUPERVISOR))
            .route(Route::post("/api/feedback/cases/{id}/publish/preview", Audience::Staff).roles(SUPERVISOR))
            .route(Route::post("/api/feedback/cases/{id}/publish", Audience::Staff).roles(SUPERVISOR))
            // Callable: the supervision plugin (督查评估) pages through the
            // cases' times (export.rs).
            .route(Route::get("/api/feedback/export/{what}", Audience::Staff).roles(SUPERVISOR).callable())
            .route(Route::get("/api/feedback/config", Audience::Admin))
            .route(Route::post("/api/feedback/config", Audience::Admin))
            .page(Page::new("/feedback", "意见箱", "Feedback", Audience::Public))
            .page(Page::new("/feedback/track", "查询意见办理", "Follow my feedback", Audience::Public))
            .page(Page::new("/feedback/replies", "意见答复公开", "Published replies", Audience::Public))
            .page(Page::new("/feedback/console", "意见处理", "Feedback console", Audience::Staff).roles(HANDLERS))
            .page(Page::new("/feedback/poster", "意见箱二维码海报", "Feedback QR poster", Audience::Staff).roles(HANDLERS))
            .page(Page::new("/feedback/admin", "意见箱设置", "Feedback settings", Audience::Admin))
    }

    fn handle(req: Request) -> Response {
        match route(&req) {
            Ok(r) => r,
            Err(f) => f.into_response(),
        }
    }

    fn tick(now: i64) -> Result<(), String> {
        let run = || -> Result<(), Fail> {
            let cfg = Config::load()?;
            db::ensure_schema()?;
            cases::tick(&cfg, now)
        };
        run().map_err(|e| format!("{e:?}"))
    }
}

fn id_param(req: &Request) -> Result<i64, Fail> {
    req.param("id")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| Fail::user(404, "case_not_found", "没有这个编号的意见", "no feedback with this number"))
}

fn route(req: &Request) -> Result<Response, Fail> {
    if req.route == "/feedback/assets/{file}" {
        return Ok(pages::asset(req));
    }
    // The settings are read and saved even when they are broken: that is
    // how an admin mends them.
    match (req.method.as_str(), req.route.as_str()) {
        ("POST", "/api/feedback/config") => return linli_sdk::settings::change(req, Config::from_json, "feedback settings changed by an admin"),
        ("GET", "/api/feedback/config") => return Ok(linli_sdk::settings::form(Config::from_json)?),
        ("GET", "/feedback/admin") => return pages::admin(req),
        _ => {}
    }
    let cfg = Config::load()?;
    db::ensure_schema()?;
    let now = clock::now();
    let lang = req.lang();
    let ok = |status: u16, v: serde_json::Value| Ok(Response::json(status, &v));
    match (req.method.as_str(), req.route.as_str()) {
        ("GET", "/feedback") => pages::submit(&cfg, req),
        ("GET", "/feedback/track") => pages::track(req),
        ("GET", "/feedback/replies") => pages::replies(&cfg, req),
        ("GET", "/feedback/poster") => pages::poster(&cfg, req),
        ("GET", "/feedback/console") => pages::console(&cfg, req, now),
        ("GET", "/feedback/console/{id}") => pages::case(&cfg, req, id_param(req)?, now),
        ("POST", "/api/feedback") => ok(201, cases::submit(&cfg, req.json()?, &req.caller, now)?),
        ("POST", "/api/feedback/photo") => match files::uploaded(req) {
            Some(Ok(f)) => ok(201, json!({"photo": f.id, "size": f.size, "type": f.content_type})),
            _ => Err(Fail::field(400, "photo_missing", "photo", "没有收到照片，请重新选择后上传", "no photo arrived; choose it and upload again")),
        },
        ("POST", "/api/feedback/track") => ok(200, cases::track(&cfg, req.json()?, lang, now)?),
        ("POST", "/api/feedback/track/accept") => ok(200, cases::accept(&cfg, req.json()?, lang, now)?),
        ("POST", "/api/feedback/track/reopen") => ok(200, cases::reopen(&cfg, req.json()?, lang, now)?),
        ("GET", "/api/feedback/export/{what}") => Ok(export::export(&cfg, req)?),
        ("GET", "/api/feedback/public") => ok(200, json!({"replies": cases::public_list(&cfg, lang, 100)?})),
        ("GET", "/api/feedback/cases") => {
            let f = cases::Filter::parse(req, &cfg)?;
            let (rows, next) = cases::list(&f, &req.caller, now)?;
            let mut v = json!({"cases": rows.iter().map(|r| cases::listed_json(&cfg, r, lang, now)).collect::<Vec<_>>(), "next": next});
            if req.query_param("counts").is_some() {
                v["counts"] = cases::counts(now)?;
            }
            ok(200, v)
        }
        ("GET", "/api/feedback/cases/{id}") => ok(200, cases::staff_view(&cfg, &cases::get(id_param(req)?)?, lang, now)?),
        ("GET", "/api/feedback/cases/{id}/photo") => match cases::get(id_param(req)?)?.photo {
            Some(p) => Ok(files::serve(&p)),
            None => Err(Fail::user(404, "no_photo", "这件意见没有照片", "this feedback has no photo")),
        },
        ("POST", "/api/feedback/cases/{id}/assign") => staff_answer(&cfg, cases::assign(id_param(req)?, req.json()?, &req.caller, now)?, lang, now),
        ("POST", "/api/feedback/cases/{id}/start") => staff_answer(&cfg, cases::start(id_param(req)?, &req.caller, now)?, lang, now),
        ("POST", "/api/feedback/cases/{id}/reply") => staff_answer(&cfg, cases::reply(&cfg, id_param(req)?, req.json()?, &req.caller, now)?, lang, now),
        ("POST", "/api/feedback/cases/{id}/close") => staff_answer(&cfg, cases::close(id_param(req)?, req.json()?, &req.caller, now)?, lang, now),
        ("POST", "/api/feedback/cases/{id}/publish/preview") => ok(200, cases::publish_preview(&cfg, id_param(req)?)?),
        ("POST", "/api/feedback/cases/{id}/publish") => ok(200, cases::publish(&cfg, id_param(req)?, req.json()?, &req.caller, now)?),
        _ => Ok(Response::not_found(req)),
    }
}

fn staff_answer(cfg: &Config, c: cases::Case, lang: &str, now: i64) -> Result<Response, Fail> {
    Ok(Response::json(200, &cases::staff_view(cfg, &c, lang, now)?))
}

export_plugin!(Feedback);
