//! 社区文化活动报名 / Community cultural activities.
//!
//! Staff publish activities with a number of places; residents sign up
//! with a phone (once per phone), join a waiting list when it is full (a
//! full activity is refused clearly otherwise), and cancel; a cancelled
//! place goes to the first on the waiting list, who is told by message
//! (`notify`). A sign-up's page shows a QR code; the desk scans it (or
//! types the code) and the plugin checks it in once. Staff see each
//! activity's figures: signed up, checked in, no-shows. Activities are on
//! the kiosk, the resident's phone and a zone of the waiting-area screens
//! until they start.

mod acts;
mod config;
mod db;
mod pages;

use config::Config;
use linli_sdk::prelude::*;
use serde_json::json;

struct Activities;

/// Staff who publish activities and see their figures.
pub const ORGANISERS: &[&str] = &["supervisor", "clerk", "guide", "editor"];
/// Staff (and volunteers) at the check-in desk.
pub const DESK: &[&str] = &["supervisor", "clerk", "guide", "editor", "volunteer"];

impl Plugin for Activities {
    fn manifest() -> Manifest {
        Manifest::new("activities", "社区活动", "Community activities", env!("CARGO_PKG_VERSION"))
            .description("社区文化活动报名：名额、候补自动递补并通知、扫码签到、出勤统计，活动在信息屏展示 / activities with places, a waiting list promoted with a message, QR check-in and attendance figures, shown on the screens")
            .capability("kv")
            .capability("sql")
            .capability("events")
            .capability("clock")
            .capability("log")
            .capability("config")
            .capability("calendar")
            .capability("pseudonyms")
            .capability("notify")
            .capability("screens")
            .config(config::schema(), config::default_json())
            .route(Route::get("/activities", Audience::Public))
            .route(Route::get("/activities/kiosk", Audience::Kiosk))
            .route(Route::get("/activities/mine", Audience::Public))
            .route(Route::get("/activities/staff", Audience::Staff).roles(ORGANISERS))
            .route(Route::get("/activities/checkin", Audience::Staff).roles(DESK))
            .route(Route::get("/activities/admin", Audience::Admin))
            .route(Route::get("/activities/assets/{file}", Audience::Public))
            .route(Route::get("/api/activities/events", Audience::Public))
            .route(Route::post("/api/activities/events/{id}/signup", Audience::Public))
            .route(Route::post("/api/activities/mine", Audience::Public))
            .route(Route::post("/api/activities/cancel", Audience::Public))
            .route(Route::post("/api/activities/checkin", Audience::Staff).roles(DESK))
            .route(Route::get("/api/activities/staff/events", Audience::Staff).roles(ORGANISERS))
            .route(Route::post("/api/activities/staff/events", Audience::Staff).roles(ORGANISERS))
            .route(Route::post("/api/activities/staff/events/{id}/cancel", Audience::Staff).roles(ORGANISERS))
            .route(Route::get("/api/activities/staff/events/{id}/attendance", Audience::Staff).roles(DESK))
            .route(Route::get("/api/activities/staff/events/{id}/signups", Audience::Staff).roles(ORGANISERS))
            .route(Route::get("/api/activities/config", Audience::Admin))
            .route(Route::post("/api/activities/config", Audience::Admin))
            .page(Page::new("/activities", "社区活动报名", "Community activities", Audience::Public))
            .page(Page::new("/activities/kiosk", "社区活动报名（自助机）", "Community activities (kiosk)", Audience::Kiosk))
            .page(Page::new("/activities/mine", "我的活动报名", "My activity sign-up", Audience::Public))
            .page(Page::new("/activities/staff", "活动管理", "Activities: management", Audience::Staff).roles(ORGANISERS))
            .page(Page::new("/activities/checkin", "活动签到", "Activity check-in", Audience::Staff).roles(DESK))
            .page(Page::new("/activities/admin", "社区活动设置", "Activities settings", Audience::Admin))
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
            acts::tick(&cfg, now)
        };
        run().map_err(|e| format!("{e:?}"))
    }
}

fn id_param(req: &Request) -> Result<i64, Fail> {
    req.param("id")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| Fail::user(404, "activity_not_found", "没有这个活动", "no such activity"))
}

fn route(req: &Request) -> Result<Response, Fail> {
    if req.route == "/activities/assets/{file}" {
        return Ok(pages::asset(req));
    }
    match (req.method.as_str(), req.route.as_str()) {
        ("POST", "/api/activities/config") => return linli_sdk::settings::change(req, Config::from_json, "activities settings changed by an admin"),
        ("GET", "/api/activities/config") => return Ok(linli_sdk::settings::form(Config::from_json)?),
        ("GET", "/activities/admin") => return pages::admin(req),
        _ => {}
    }
    let cfg = Config::load()?;
    db::ensure_schema()?;
    let now = clock::now();
    let lang = req.lang();
    let ok = |status: u16, v: serde_json::Value| Ok(Response::json(status, &v));
    match (req.method.as_str(), req.route.as_str()) {
        ("GET", "/activities") => pages::board(&cfg, req, false, now),
        ("GET", "/activities/kiosk") => pages::board(&cfg, req, true, now),
        ("GET", "/activities/mine") => pages::mine(req),
        ("GET", "/activities/staff") => pages::staff(&cfg, req, now),
        ("GET", "/activities/checkin") => pages::checkin(req, now),
        ("GET", "/api/activities/events") => {
            let mut out = Vec::new();
            for a in acts::upcoming(now)? {
                out.push(acts::public_json(&cfg, &a, lang)?);
            }
            ok(200, json!({"activities": out}))
        }
        ("POST", "/api/activities/events/{id}/signup") => ok(201, acts::sign_up(&cfg, id_param(req)?, req.json()?, &req.caller, lang, now)?),
        ("POST", "/api/activities/mine") => {
            let c: acts::Code = req.json()?;
            ok(200, acts::mine(&cfg, &c.code, lang, now)?)
        }
        ("POST", "/api/activities/cancel") => {
            let c: acts::Code = req.json()?;
            ok(200, acts::cancel(&cfg, &c.code, now)?)
        }
        ("POST", "/api/activities/checkin") => ok(200, acts::check_in(&cfg, req.json()?, &req.caller, now)?),
        ("GET", "/api/activities/staff/events") => {
            let mut out = Vec::new();
            for a in acts::all()? {
                let mut v = acts::public_json(&cfg, &a, lang)?;
                v["attendance"] = acts::attendance(&a, now)?;
                out.push(v);
            }
            ok(200, json!({"activities": out}))
        }
        ("POST", "/api/activities/staff/events") => {
            let id = acts::create(&cfg, req.json()?, &req.caller, now)?;
            ok(201, acts::public_json(&cfg, &acts::get(id)?, lang)?)
        }
        ("POST", "/api/activities/staff/events/{id}/cancel") => {
            let a = acts::cancel_activity(id_param(req)?, now)?;
            ok(200, acts::public_json(&cfg, &a, lang)?)
        }
        ("GET", "/api/activities/staff/events/{id}/attendance") => ok(200, acts::attendance(&acts::get(id_param(req)?)?, now)?),
        ("GET", "/api/activities/staff/events/{id}/signups") => {
            let id = id_param(req)?;
            acts::get(id)?;
            ok(200, json!({"signups": acts::signups(id)?}))
        }
        _ => Ok(Response::not_found(req)),
    }
}

export_plugin!(Activities);
