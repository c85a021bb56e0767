//! 快递代收 / Parcel station for the community service hall.
//!
//! Staff register an arriving parcel (tracking number, carrier, the
//! recipient's phone; a tracking number once) on a shelf place the rule
//! gives or one they type; the resident gets a pickup code through
//! `notify` (kept only as a pseudonym, never shown on any page or
//! screen). At the desk staff hand it over against the phone and the code,
//! or the phone and the ID card, recording who handed over, when, to whom
//! and 代取 by someone else. Ten wrong codes for one phone lock its code
//! pickups for a while (the staff page lists the locks and can lift one).
//! A reminder goes out after N days, the parcel goes back to the carrier
//! after M days (status 退回, recorded); the staff page shows the day's
//! counts.

mod config;
mod db;
mod pages;
mod station;

use config::Config;
use linli_sdk::prelude::*;

struct Parcels;

/// Staff who run the station's desk (volunteers often do).
const DESK: &[&str] = &["clerk", "guide", "volunteer", "supervisor"];
/// Lifting a lock after checking the resident in person.
const LIFT: &[&str] = &["clerk", "supervisor"];

impl Plugin for Parcels {
    fn manifest() -> Manifest {
        Manifest::new("parcels", "快递代收", "Parcels", env!("CARGO_PKG_VERSION"))
            .description("快递代收：登记到件、短信取件码、凭码或身份证取件、超期提醒与退回 / parcel station: register, pickup code, handover, reminders, returns")
            .capability("kv")
            .capability("sql")
            .capability("clock")
            .capability("log")
            .capability("config")
            .capability("notify")
            .capability("pseudonyms")
            .capability("audit")
            .config(config::schema(), config::default_json())
            .route(Route::get("/parcels", Audience::Public))
            .route(Route::get("/parcels/desk", Audience::Staff).roles(DESK))
            .route(Route::get("/parcels/admin", Audience::Admin))
            .route(Route::get("/parcels/assets/{file}", Audience::Public))
            .route(Route::post("/api/parcels", Audience::Staff).roles(DESK))
            .route(Route::get("/api/parcels/waiting", Audience::Staff).roles(DESK))
            .route(Route::get("/api/parcels/day", Audience::Staff).roles(DESK))
            .route(Route::post("/api/parcels/pickup", Audience::Staff).roles(DESK))
            .route(Route::post("/api/parcels/{id}/return", Audience::Staff).roles(DESK))
            .route(Route::get("/api/parcels/locks", Audience::Staff).roles(DESK))
            .route(Route::post("/api/parcels/locks/lift", Audience::Staff).roles(LIFT))
            .route(Route::post("/api/parcels/mine", Audience::Public))
            .route(Route::post("/api/parcels/resend", Audience::Public))
            .route(Route::get("/api/parcels/config", Audience::Admin))
            .route(Route::post("/api/parcels/config", Audience::Admin))
            .page(Page::new("/parcels", "我的快递", "My parcels", Audience::Public))
            .page(Page::new("/parcels/desk", "快递代收", "Parcel desk", Audience::Staff).roles(DESK))
            .page(Page::new("/parcels/admin", "快递代收设置", "Parcel settings", Audience::Admin))
    }

    fn handle(req: Request) -> Response {
        route(&req).unwrap_or_else(Fail::into_response)
    }

    fn tick(now: i64) -> Result<(), String> {
        let run = || -> Result<(), Fail> {
            let cfg = Config::load()?;
            db::ensure_schema()?;
            station::tick(&cfg, now)
        };
        run().map_err(|e| format!("{e:?}"))
    }
}

fn route(req: &Request) -> Result<Response, Fail> {
    if req.route == "/parcels/assets/{file}" {
        return Ok(pages::asset(req));
    }
    // The settings are read and saved even when they are broken: that is
    // how an admin mends them.
    match (req.method.as_str(), req.route.as_str()) {
        ("POST", "/api/parcels/config") => return linli_sdk::settings::change(req, Config::from_json, "parcel settings changed by an admin"),
        ("GET", "/api/parcels/config") => return Ok(linli_sdk::settings::form(Config::from_json)?),
        ("GET", "/parcels/admin") => return pages::admin(req),
        _ => {}
    }
    let cfg = Config::load()?;
    db::ensure_schema()?;
    let now = clock::now();
    let lang = req.lang();
    let ok = |status: u16, v: serde_json::Value| Ok(Response::json(status, &v));
    match (req.method.as_str(), req.route.as_str()) {
        ("GET", "/parcels") => pages::resident(req),
        ("GET", "/parcels/desk") => pages::desk(&cfg, req),
        ("POST", "/api/parcels") => ok(201, station::register(&cfg, req.json()?, &req.caller, lang, now)?),
        ("GET", "/api/parcels/waiting") => ok(200, station::waiting(req.query_param("q").as_deref(), lang, now)?),
        ("GET", "/api/parcels/day") => {
            let day = match req.query_param("day") {
                Some(d) if calendar::days_of(&d).is_some() => d,
                Some(_) => return Err(Fail::field(422, "day_invalid", "day", "日期格式应为 YYYY-MM-DD", "the day must be YYYY-MM-DD")),
                None => db::day_of(now),
            };
            ok(200, station::day(&day, lang, now)?)
        }
        ("POST", "/api/parcels/pickup") => ok(200, station::pickup(&cfg, req.json()?, &req.caller, lang, now)?),
        ("POST", "/api/parcels/{id}/return") => {
            let id = req.param("id").and_then(|s| s.parse::<i64>().ok()).ok_or_else(|| Fail::user(404, "parcel_not_found", "没有这个快递", "no such parcel"))?;
            ok(200, station::give_back(&cfg, id, req.json()?, &req.caller, lang, now)?)
        }
        ("GET", "/api/parcels/locks") => ok(200, station::locks(now)?),
        ("POST", "/api/parcels/locks/lift") => ok(200, station::lift(req.json()?, &req.caller, now)?),
        ("POST", "/api/parcels/mine") => ok(200, station::mine(&cfg, req.json()?, lang, now)?),
        ("POST", "/api/parcels/resend") => ok(200, station::resend(&cfg, req.json()?)?),
        _ => Ok(Response::not_found(req)),
    }
}

export_plugin!(Parcels);
