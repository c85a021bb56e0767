//! 就业信息发布区 / Jobs board for migrant workers and local residents.
//!
//! Staff enter postings for employers (title, pay range, place, hours,
//! requirements, the employer's contact, a closing date); a second staff
//! member checks each before it goes live (the author cannot approve their
//! own). Live postings are on the kiosk, the resident's phone page and a
//! zone of the waiting-area screens (capability `screens`), searchable by
//! Chinese words and by category, until the end of their closing day. The
//! contact is never on a public page or screen: a resident registers
//! interest with a phone (once per phone per posting, however it is
//! written) and then sees it; staff see whom to call, masked unless they
//! ask for the full phones, which is recorded.

mod check;
mod config;
mod db;
mod pages;
mod postings;

use config::Config;
use linli_sdk::prelude::*;
use serde::Deserialize;
use serde_json::json;

struct Jobs;

/// Staff who enter and check postings.
pub const STAFF: &[&str] = &["supervisor", "clerk", "guide"];

impl Plugin for Jobs {
    fn manifest() -> Manifest {
        Manifest::new("jobs", "就业信息", "Jobs", env!("CARGO_PKG_VERSION"))
            .description("就业信息发布区：工作人员代用人单位发布招聘，复核后在自助机、手机和信息屏展示，居民登记意向后获得联系方式 / job postings checked by a second staff member, on the kiosk, phones and screens; residents register interest to get the contact")
            .capability("kv")
            .capability("sql")
            .capability("events")
            .capability("clock")
            .capability("log")
            .capability("config")
            .capability("calendar")
            .capability("pseudonyms")
            .capability("screens")
            .capability("audit")
            .config(config::schema(), config::default_json())
            .route(Route::get("/jobs", Audience::Public))
            .route(Route::get("/jobs/kiosk", Audience::Kiosk))
            .route(Route::get("/jobs/staff", Audience::Staff).roles(STAFF))
            .route(Route::get("/jobs/admin", Audience::Admin))
            .route(Route::get("/jobs/assets/{file}", Audience::Public))
            .route(Route::get("/api/jobs/postings", Audience::Public))
            .route(Route::get("/api/jobs/postings/{id}", Audience::Public))
            .route(Route::post("/api/jobs/postings/{id}/interest", Audience::Public))
            .route(Route::get("/api/jobs/staff/postings", Audience::Staff).roles(STAFF))
            .route(Route::post("/api/jobs/staff/postings", Audience::Staff).roles(STAFF))
            .route(Route::post("/api/jobs/staff/postings/{id}/approve", Audience::Staff).roles(STAFF))
            .route(Route::post("/api/jobs/staff/postings/{id}/reject", Audience::Staff).roles(STAFF))
            .route(Route::post("/api/jobs/staff/postings/{id}/close", Audience::Staff).roles(STAFF))
            .route(Route::get("/api/jobs/staff/postings/{id}/interests", Audience::Staff).roles(STAFF))
            .route(Route::get("/api/jobs/config", Audience::Admin))
            .route(Route::post("/api/jobs/config", Audience::Admin))
            .page(Page::new("/jobs", "就业信息", "Jobs", Audience::Public))
            .page(Page::new("/jobs/kiosk", "就业信息（自助机）", "Jobs (kiosk)", Audience::Kiosk))
            .page(Page::new("/jobs/staff", "招聘信息录入与审核", "Job postings: entry and review", Audience::Staff).roles(STAFF))
            .page(Page::new("/jobs/admin", "就业信息设置", "Jobs settings", Audience::Admin))
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
            postings::tick(&cfg, now)
        };
        run().map_err(|e| format!("{e:?}"))
    }
}

fn id_param(req: &Request) -> Result<i64, Fail> {
    req.param("id")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| Fail::user(404, "posting_not_found", "没有这个招聘信息", "no such job posting"))
}

#[derive(Deserialize, Default)]
struct Note {
    #[serde(default)]
    note: String,
}

fn route(req: &Request) -> Result<Response, Fail> {
    if req.route == "/jobs/assets/{file}" {
        return Ok(pages::asset(req));
    }
    // The settings are read and saved even when they are broken: that is
    // how an admin mends them.
    match (req.method.as_str(), req.route.as_str()) {
        ("POST", "/api/jobs/config") => return linli_sdk::settings::change(req, Config::from_json, "jobs settings changed by an admin"),
        ("GET", "/api/jobs/config") => return Ok(linli_sdk::settings::form(Config::from_json)?),
        ("GET", "/jobs/admin") => return pages::admin(req),
        _ => {}
    }
    let cfg = Config::load()?;
    db::ensure_schema()?;
    let now = clock::now();
    let lang = req.lang();
    let ok = |status: u16, v: serde_json::Value| Ok(Response::json(status, &v));
    match (req.method.as_str(), req.route.as_str()) {
        ("GET", "/jobs") => pages::board(&cfg, req, false, now),
        ("GET", "/jobs/kiosk") => pages::board(&cfg, req, true, now),
        ("GET", "/jobs/staff") => pages::staff(&cfg, req, now),
        ("GET", "/api/jobs/postings") => {
            let q = req.query_param("q").unwrap_or_default();
            let cat = req.query_param("category").unwrap_or_default();
            let list = postings::live(&cfg, &q, &cat, now)?;
            ok(200, json!({"postings": list.iter().map(|p| postings::public_json(&cfg, p, lang)).collect::<Vec<_>>()}))
        }
        ("GET", "/api/jobs/postings/{id}") => ok(200, postings::public_json(&cfg, &postings::get_live(id_param(req)?, now)?, lang)),
        ("POST", "/api/jobs/postings/{id}/interest") => {
            let channel = if req.caller.is_device("kiosk") { "kiosk" } else if req.caller.is_staff() { "staff" } else { "phone" };
            ok(200, postings::register(id_param(req)?, req.json()?, channel, &req.caller, now)?)
        }
        ("GET", "/api/jobs/staff/postings") => {
            let list = postings::all(now)?;
            let mut out = Vec::with_capacity(list.len());
            for p in &list {
                out.push(postings::staff_json(&cfg, p, lang, now, &req.caller)?);
            }
            ok(200, json!({"postings": out}))
        }
        ("POST", "/api/jobs/staff/postings") => {
            let id = postings::create(&cfg, req.json()?, &req.caller, now)?;
            ok(201, postings::staff_json(&cfg, &postings::get(id)?, lang, now, &req.caller)?)
        }
        ("POST", "/api/jobs/staff/postings/{id}/approve") => {
            let p = postings::review(&cfg, id_param(req)?, true, "", &req.caller, now)?;
            ok(200, postings::staff_json(&cfg, &p, lang, now, &req.caller)?)
        }
        ("POST", "/api/jobs/staff/postings/{id}/reject") => {
            let n: Note = if req.body.is_empty() { Note::default() } else { req.json()? };
            let p = postings::review(&cfg, id_param(req)?, false, &n.note, &req.caller, now)?;
            ok(200, postings::staff_json(&cfg, &p, lang, now, &req.caller)?)
        }
        ("POST", "/api/jobs/staff/postings/{id}/close") => {
            let p = postings::close(id_param(req)?, &req.caller, now)?;
            ok(200, postings::staff_json(&cfg, &p, lang, now, &req.caller)?)
        }
        ("GET", "/api/jobs/staff/postings/{id}/interests") => {
            let full = req.query_param("full").as_deref() == Some("1");
            ok(200, postings::interested(id_param(req)?, full, &req.caller, now)?)
        }
        _ => Ok(Response::not_found(req)),
    }
}

export_plugin!(Jobs);
