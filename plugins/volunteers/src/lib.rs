//! 志愿者服务报名 (volunteer service) of the community service hall.
//!
//! Positions (导办, 助老, 环境 …) and their shifts (a day, a time, a place,
//! so many places). Volunteers sign up by phone: the same shift twice, a
//! full shift and a shift overlapping another of theirs are refused
//! clearly. The shift lead (a staff member) confirms attendance and hours
//! per person; a correction needs a reason and is kept on the shift's
//! timeline with who changed what. The desk prints a certificate of hours
//! (志愿服务时长证明) with a verification code and a QR code anyone can
//! check (the name masked there); a yearly ranking of hours shows masked
//! names to the public.

mod config;
mod db;
mod pages;
mod work;

use config::Config;
use linli_sdk::Fail;
use linli_sdk::prelude::*;

struct Volunteers;

/// Staff who see the shifts and lead them (a lead records its hours).
const STAFF: &[&str] = &["volunteer", "guide", "clerk", "supervisor"];
/// Staff who enter shifts and issue certificates.
const OFFICE: &[&str] = &["clerk", "supervisor"];

impl Plugin for Volunteers {
    fn manifest() -> Manifest {
        Manifest::new("volunteers", "志愿者服务", "Volunteers", env!("CARGO_PKG_VERSION"))
            .description("志愿者服务报名：岗位与班次、报名、带班人登记时长、服务时长证明、年度排行 / volunteer service: positions and shifts, sign-up, hours recorded by the shift lead, certificates of hours, a yearly ranking")
            .capability("kv")
            .capability("sql")
            .capability("clock")
            .capability("log")
            .capability("config")
            .capability("calendar")
            .capability("pseudonyms")
            .capability("notify")
            .config(config::schema(), config::default_json())
            .route(Route::get("/volunteers", Audience::Public))
            .route(Route::get("/volunteers/ranking", Audience::Public))
            .route(Route::get("/volunteers/verify", Audience::Public))
            .route(Route::get("/volunteers/verify/{code}", Audience::Public))
            .route(Route::get("/volunteers/assets/{file}", Audience::Public))
            .route(Route::get("/volunteers/desk", Audience::Staff).roles(STAFF))
            .route(Route::get("/volunteers/certificate/{code}", Audience::Staff).roles(OFFICE))
            .route(Route::get("/volunteers/admin", Audience::Admin))
            .route(Route::get("/api/volunteers/shifts", Audience::Public))
            .route(Route::post("/api/volunteers/signups", Audience::Public))
            .route(Route::post("/api/volunteers/me", Audience::Public))
            .route(Route::post("/api/volunteers/signups/{id}/cancel", Audience::Public))
            .route(Route::get("/api/volunteers/ranking", Audience::Public))
            .route(Route::get("/api/volunteers/verify/{code}", Audience::Public))
            .route(Route::get("/api/volunteers/desk/shifts", Audience::Staff).roles(STAFF))
            .route(Route::post("/api/volunteers/shifts", Audience::Staff).roles(OFFICE))
            .route(Route::get("/api/volunteers/shifts/{id}/roster", Audience::Staff).roles(STAFF))
            .route(Route::post("/api/volunteers/shifts/{id}/hours", Audience::Staff).roles(STAFF))
            .route(Route::get("/api/volunteers/desk/ranking", Audience::Staff).roles(OFFICE))
            .route(Route::post("/api/volunteers/certificates", Audience::Staff).roles(OFFICE))
            .route(Route::get("/api/volunteers/config", Audience::Admin))
            .route(Route::post("/api/volunteers/config", Audience::Admin))
            .page(Page::new("/volunteers", "志愿者服务", "Volunteers", Audience::Public))
            .page(Page::new("/volunteers/ranking", "志愿者年度排行", "Volunteer ranking", Audience::Public))
            .page(Page::new("/volunteers/verify", "时长证明验证", "Certificate check", Audience::Public))
            .page(Page::new("/volunteers/desk", "志愿者管理", "Volunteer desk", Audience::Staff).roles(STAFF))
            .page(Page::new("/volunteers/admin", "志愿者设置", "Volunteer settings", Audience::Admin))
    }

    fn handle(req: Request) -> Response {
        route(&req).unwrap_or_else(Fail::into_response)
    }
}

fn id_param(req: &Request) -> Result<i64, Fail> {
    req.param("id").and_then(|s| s.parse().ok()).ok_or_else(|| Fail::user(404, "not_found", "没有这一项", "no such item"))
}

fn route(req: &Request) -> Result<Response, Fail> {
    if req.route == "/volunteers/assets/{file}" {
        return Ok(pages::asset(req));
    }
    match (req.method.as_str(), req.route.as_str()) {
        ("POST", "/api/volunteers/config") => return linli_sdk::settings::change(req, Config::from_json, "volunteer settings changed by an admin"),
        ("GET", "/api/volunteers/config") => return Ok(linli_sdk::settings::form(Config::from_json)?),
        ("GET", "/volunteers/admin") => return pages::admin(req),
        _ => {}
    }
    let cfg = Config::load()?;
    db::ensure_schema()?;
    let now = clock::now();
    let lang = req.lang();
    let ok = |status: u16, v: serde_json::Value| Ok(Response::json(status, &v));
    match (req.method.as_str(), req.route.as_str()) {
        ("GET", "/volunteers") => pages::public(&cfg, req),
        ("GET", "/volunteers/desk") => pages::desk(&cfg, req, now),
        ("GET", "/volunteers/ranking") => pages::ranking(req, &work::year_param(req, now)?),
        ("GET", "/volunteers/verify") => match req.query_param("code").map(|c| linli_sdk::input::code(&c)).filter(|c| !c.is_empty() && c.len() <= 20 && c.bytes().all(|b| b.is_ascii_alphanumeric())) {
            Some(code) => Ok(Response::redirect(&format!("/volunteers/verify/{code}"))),
            None => pages::verify(req, None, false),
        },
        ("GET", "/volunteers/verify/{code}") => pages::verify(req, work::cert(req.param("code").unwrap_or(""))?, true),
        ("GET", "/volunteers/certificate/{code}") => {
            let c = work::cert(req.param("code").unwrap_or(""))?.ok_or_else(|| Fail::user(404, "certificate_not_found", "没有这份证明", "no such certificate"))?;
            pages::certificate(&cfg, req, &c)
        }
        ("GET", "/api/volunteers/shifts") => ok(200, work::shifts(&cfg, now, lang, now)?),
        ("GET", "/api/volunteers/desk/shifts") => ok(200, work::shifts(&cfg, now - 60 * 86_400_000, lang, now)?),
        ("POST", "/api/volunteers/signups") => ok(201, work::sign_up(&cfg, req.json()?, lang, now)?),
        ("POST", "/api/volunteers/me") => {
            let (key, name) = work::proven(&req.json()?)?;
            ok(200, work::me(&cfg, &key, &name, lang, now)?)
        }
        ("POST", "/api/volunteers/signups/{id}/cancel") => {
            let (key, _) = work::proven(&req.json()?)?;
            ok(200, work::cancel(&key, id_param(req)?, now)?)
        }
        ("GET", "/api/volunteers/ranking") => ok(200, work::ranking(&work::year_param(req, now)?, false)?),
        ("GET", "/api/volunteers/desk/ranking") => ok(200, work::ranking(&work::year_param(req, now)?, true)?),
        ("GET", "/api/volunteers/verify/{code}") => match work::cert(req.param("code").unwrap_or(""))? {
            Some(c) => ok(200, work::cert_public(&c)),
            None => Err(Fail::user(404, "certificate_not_found", "没有这个验证码对应的证明，请核对验证码", "no certificate has this verification code; check the code")),
        },
        ("POST", "/api/volunteers/shifts") => ok(201, work::create_shift(&cfg, req, now)?),
        ("GET", "/api/volunteers/shifts/{id}/roster") => ok(200, work::roster(&cfg, req, id_param(req)?, now)?),
        ("POST", "/api/volunteers/shifts/{id}/hours") => ok(200, work::record(&cfg, req, id_param(req)?, now)?),
        ("POST", "/api/volunteers/certificates") => ok(201, work::issue(&cfg, req, now)?),
        _ => Ok(Response::not_found(req)),
    }
}

export_plugin!(Volunteers);
