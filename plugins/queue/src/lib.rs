//! Queue and calling (排队叫号) for the community service hall.
//!
//! Residents take a ticket for a service (业务) at the kiosk, at the guide
//! desk or by checking in for an appointment; clerks call tickets to their
//! window (窗口) from the counter console; screens and residents' phones
//! follow every change live over the event bus; supervisors read the
//! statistics. Every call runs in a fresh instance, so all state lives in
//! the plugin's SQLite database (tickets, windows) and kv (schema version,
//! the admin's configuration, the current day).

mod announce;
mod api;
mod closing;
mod config;
mod counter;
mod day;
mod db;
mod estimate;
mod export;
mod fail;
mod issue;
mod pages;
mod policy;
use linli_sdk::qr;
mod schema;
mod served;
mod stats;
mod ticket;
mod windows;

use config::Config;
use fail::{Fail, config_fail};
use linli_sdk::prelude::*;

struct Queue;

/// Who issues at the kiosk. Public until kiosks get device tokens; then
/// this one line becomes `Audience::Kiosk`.
const KIOSK: Audience = Audience::Public;
const CLERK: &[&str] = &["clerk"];
const GUIDE: &[&str] = &["guide", "volunteer"];
/// A skipped resident who returns may be requeued at the desk or window.
const RETURNERS: &[&str] = &["guide", "volunteer", "clerk"];
const SUPERVISOR: &[&str] = &["supervisor"];

impl Plugin for Queue {
    fn manifest() -> Manifest {
        Manifest::new("queue", "排队叫号", "Queue", env!("CARGO_PKG_VERSION"))
            .description("排队叫号：取号、窗口叫号、实时等候、统计 / tickets, window calling, live waiting, statistics")
            .capability("kv")
            .capability("sql")
            .capability("events")
            .capability("clock")
            .capability("log")
            .capability("config")
            .capability("pseudonyms")
            .capability("calendar")
            .subscribe("appointments.checked-in")
            .config(schema::schema(), schema::default())
            // Residents and kiosks.
            .route(Route::get("/queue/kiosk", KIOSK))
            // The pages' scripts (no page carries inline script).
            .route(Route::get("/queue/assets/{file}", Audience::Public))
            .route(Route::get("/api/queue/services", Audience::Public))
            .route(Route::post("/api/queue/tickets", KIOSK))
            .route(Route::get("/queue/t/{token}", Audience::Public))
            .route(Route::get("/queue/t/{token}/print", Audience::Public))
            .route(Route::get("/api/queue/t/{token}", Audience::Public))
            .route(Route::post("/api/queue/t/{token}/reprint", Audience::Public))
            // Guide desk.
            .route(Route::get("/queue/guide", Audience::Staff).roles(GUIDE))
            .route(Route::post("/api/queue/guide/tickets", Audience::Staff).roles(GUIDE))
            // Also callable (capability `services`): the appointments
            // plugin checks a booking in here, with the booking as the
            // idempotency key, so a check-in gets its ticket exactly once.
            .route(Route::post("/api/queue/appointments", Audience::Staff).roles(GUIDE).callable())
            // Also callable: the ratings plugin (好差评) reads a served
            // ticket's clerk, window, service and day, and a window's clerk.
            .route(Route::get("/api/queue/served", Audience::Staff).roles(SUPERVISOR).callable())
            // Also callable: the supervision plugin (督查评估) pages through
            // tickets, window spans and opening hours (export.rs).
            .route(Route::get("/api/queue/export/{what}", Audience::Staff).roles(SUPERVISOR).callable())
            .route(Route::get("/api/queue/missed", Audience::Staff).roles(RETURNERS))
            .route(Route::post("/api/queue/tickets/{id}/return", Audience::Staff).roles(RETURNERS))
            // Counter console.
            .route(Route::get("/queue/counter", Audience::Staff).roles(CLERK))
            .route(Route::get("/api/queue/counter", Audience::Staff).roles(CLERK))
            .route(Route::post("/api/queue/counter/{action}", Audience::Staff).roles(CLERK))
            // Supervision and settings.
            .route(Route::get("/queue/stats", Audience::Staff).roles(SUPERVISOR))
            .route(Route::get("/api/queue/stats", Audience::Staff).roles(SUPERVISOR))
            .route(Route::get("/api/queue/stats.csv", Audience::Staff).roles(SUPERVISOR))
            .route(Route::get("/queue/admin", Audience::Admin))
            .route(Route::get("/api/queue/config", Audience::Admin))
            .route(Route::post("/api/queue/config", Audience::Admin))
            .page(Page::new("/queue/kiosk", "自助取号", "Take a ticket", KIOSK))
            .page(Page::new("/queue/guide", "导办取号", "Guide desk", Audience::Staff).roles(GUIDE))
            .page(Page::new("/queue/counter", "窗口叫号", "Counter", Audience::Staff).roles(CLERK))
            .page(Page::new("/queue/stats", "排队统计", "Queue statistics", Audience::Staff).roles(SUPERVISOR))
            .page(Page::new("/queue/admin", "排队设置", "Queue settings", Audience::Admin))
    }

    fn handle(req: Request) -> Response {
        match route(&req) {
            Ok(r) => r,
            Err(f) => f.into_response(),
        }
    }

    fn on_event(event: Event) -> Result<(), String> {
        if event.topic != "appointments.checked-in" {
            return Ok(());
        }
        let run = || -> Result<(), Fail> {
            let cfg = Config::load().map_err(config_fail)?;
            db::ensure_schema()?;
            let c: api::CheckIn = event.json().map_err(|e| Fail::status(422, e.clone(), e))?;
            let done = api::check_in(&cfg, c, clock::now())?;
            log::info(&format!("appointment check-in: ticket {}", done.ticket.label));
            Ok(())
        };
        match run() {
            // A refused check-in (closed, unknown service) is the resident's
            // to sort out at the desk, not a plugin failure.
            Err(Fail::User(_, _, _, en)) => {
                log::warn(&format!("appointment check-in {} refused: {en}", event.id));
                Ok(())
            }
            Err(e) => Err(format!("{e:?}")),
            Ok(()) => Ok(()),
        }
    }

    fn tick(now: i64) -> Result<(), String> {
        let cfg = Config::load().map_err(|e| e.to_string())?;
        db::ensure_schema().map_err(|e| format!("{e:?}"))?;
        closing::tick(&cfg, now).map_err(|e| format!("{e:?}"))
    }
}

fn route(req: &Request) -> Result<Response, Fail> {
    // The scripts need neither the configuration nor the database.
    if req.route == "/queue/assets/{file}" {
        return Ok(pages::asset(req));
    }
    // The admin's settings are read and saved even when the configuration
    // is broken: that is how an admin mends it (every other call answers
    // 503 naming the fields until then).
    let cfg = match (req.method.as_str(), req.route.as_str(), Config::load()) {
        ("POST", "/api/queue/config", _) => return api::config_set(req),
        ("GET", "/api/queue/config", Err(bad)) => return api::config_get_broken(&bad),
        (_, _, loaded) => loaded.map_err(config_fail)?,
    };
    db::ensure_schema()?;
    let now = clock::now();
    let c = &cfg;
    match (req.method.as_str(), req.route.as_str()) {
        ("GET", "/queue/kiosk") => pages::kiosk::page(c, req, now),
        ("GET", "/api/queue/services") => api::services(c, req, now),
        ("POST", "/api/queue/tickets") => api::kiosk_issue(c, req, now),
        ("GET", "/queue/t/{token}") => pages::ticket::page(c, req, now),
        ("GET", "/queue/t/{token}/print") => pages::ticket::print(c, req, now),
        ("GET", "/api/queue/t/{token}") => api::ticket_status(c, req, now),
        ("POST", "/api/queue/t/{token}/reprint") => api::reprint(c, req, now),
        ("GET", "/queue/guide") => pages::guide::page(c, req),
        ("POST", "/api/queue/guide/tickets") => api::guide_issue(c, req, now),
        ("POST", "/api/queue/appointments") => api::guide_check_in(c, req, now),
        ("GET", "/api/queue/served") => served::served(c, req),
        ("GET", "/api/queue/export/{what}") => export::export(c, req),
        ("GET", "/api/queue/missed") => api::missed(c, req),
        ("POST", "/api/queue/tickets/{id}/return") => api::comeback(c, req, now),
        ("GET", "/queue/counter") => pages::counter::page(c, req, now),
        ("GET", "/api/queue/counter") => api::counter_state(c, req, now),
        ("POST", "/api/queue/counter/{action}") => api::counter_action(c, req, now),
        ("GET", "/queue/stats") => pages::stats::page(req, now),
        ("GET", "/api/queue/stats") => api::stats_json(req, now),
        ("GET", "/api/queue/stats.csv") => api::stats_csv(req, now),
        ("GET", "/queue/admin") => pages::admin::page(c, req),
        ("GET", "/api/queue/config") => api::config_get(c),
        ("POST", "/api/queue/config") => api::config_set(req),
        _ => Ok(Response::not_found(req)),
    }
}

export_plugin!(Queue);
