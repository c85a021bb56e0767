//! Ratings at the window (好差评) for the community service hall.
//!
//! The window's evaluator (a paired `evaluator` device, one per window)
//! shows the clerk on duty and, as soon as the clerk finishes a ticket
//! (the queue's `queue.finished`), asks for one of five levels; 不满意 or
//! worse asks for reasons and optional words. One rating per ticket, and
//! an evaluator rates only its own window's tickets. A resident may rate
//! from the phone by the ticket's token for `phone_days`; a ticket still
//! unrated after `default_after_days` gets the default rating (marked,
//! never counted as real). Each rating is tied to the ticket, window,
//! clerk, service and day, read from the queue's callable
//! `GET /api/queue/served` (capability `services`: an admin allows
//! ratings → queue), since the public events never name a clerk.
//!
//! Every 差评 opens a case for the supervisors with a deadline in working
//! days (`calendar`): 整改, 回访 and its result, closed; the clerk may
//! appeal once and a second supervisor decides; overdue cases are listed
//! and announced (`ratings.case_overdue`).

mod cases;
mod config;
mod db;
mod export;
mod pages;
mod rate;

use config::Config;
use linli_sdk::Fail;
use linli_sdk::prelude::*;
use serde_json::json;

struct Ratings;

const SUPERVISOR: &[&str] = &["supervisor"];
/// Supervisors follow cases up; a clerk sees and appeals their own.
const CASES: &[&str] = &["supervisor", "clerk"];

impl Plugin for Ratings {
    fn manifest() -> Manifest {
        Manifest::new("ratings", "服务评价", "Ratings", env!("CARGO_PKG_VERSION"))
            .description("好差评：窗口评价器、手机评价、差评整改与申诉 / ratings at the window and on the phone, poor-rating follow-up and appeals")
            .capability("kv")
            .capability("sql")
            .capability("events")
            .capability("clock")
            .capability("log")
            .capability("config")
            .capability("calendar")
            .capability("services")
            .subscribe("queue.finished")
            .config(config::schema(), config::default_json())
            .route(Route::get("/ratings/assets/{file}", Audience::Public))
            .route(Route::get("/ratings/evaluator", Audience::Evaluator))
            .route(Route::get("/api/ratings/evaluator", Audience::Evaluator))
            .route(Route::post("/api/ratings/evaluator/rate", Audience::Evaluator))
            .route(Route::get("/ratings/t/{token}", Audience::Public))
            .route(Route::post("/api/ratings/t/{token}", Audience::Public))
            .route(Route::get("/ratings/cases", Audience::Staff).roles(CASES))
            .route(Route::get("/api/ratings/cases", Audience::Staff).roles(CASES))
            .route(Route::post("/api/ratings/cases/{id}/{action}", Audience::Staff).roles(CASES))
            .route(Route::get("/api/ratings/list", Audience::Staff).roles(SUPERVISOR))
            // Callable: the supervision plugin (督查评估) pages through the
            // ratings and cases (export.rs).
            .route(Route::get("/api/ratings/export/{what}", Audience::Staff).roles(SUPERVISOR).callable())
            .route(Route::get("/ratings/admin", Audience::Admin))
            .route(Route::get("/api/ratings/config", Audience::Admin))
            .route(Route::post("/api/ratings/config", Audience::Admin))
            .page(Page::new("/ratings/evaluator", "服务评价", "Rate our service", Audience::Evaluator))
            .page(Page::new("/ratings/cases", "差评整改", "Poor-rating cases", Audience::Staff).roles(CASES))
            .page(Page::new("/ratings/admin", "评价设置", "Rating settings", Audience::Admin))
    }

    fn handle(req: Request) -> Response {
        match route(&req) {
            Ok(r) => r,
            Err(f) => f.into_response(),
        }
    }

    fn on_event(event: Event) -> Result<(), String> {
        if event.topic != "queue.finished" {
            return Ok(());
        }
        let run = || -> Result<(), Fail> {
            let cfg = Config::load()?;
            if event.source != cfg.queue_plugin {
                return Ok(());
            }
            db::ensure_schema()?;
            let e: rate::Finished = event.json().map_err(Fail::Internal)?;
            rate::on_finished(&cfg, &e, clock::now())
        };
        run().map_err(|e| format!("queue.finished {}: {e:?}", event.id))
    }

    fn tick(now: i64) -> Result<(), String> {
        let run = || -> Result<(), Fail> {
            let cfg = Config::load()?;
            db::ensure_schema()?;
            rate::apply_defaults(&cfg, now)?;
            cases::mark_overdue(now)?;
            Ok(())
        };
        run().map_err(|e| format!("{e:?}"))
    }
}

fn route(req: &Request) -> Result<Response, Fail> {
    if req.route == "/ratings/assets/{file}" {
        return Ok(pages::asset(req));
    }
    // The settings are read and saved even when they are broken: that is
    // how an admin mends them.
    match (req.method.as_str(), req.route.as_str()) {
        ("POST", "/api/ratings/config") => return linli_sdk::settings::change(req, Config::from_json, "rating settings changed by an admin"),
        ("GET", "/api/ratings/config") => return Ok(Response::json(200, &json!({"effective": config::merged(None)?}))),
        ("GET", "/ratings/admin") => return pages::admin(req),
        _ => {}
    }
    let cfg = Config::load()?;
    db::ensure_schema()?;
    let now = clock::now();
    let ok = |status: u16, v: serde_json::Value| Ok(Response::json(status, &v));
    match (req.method.as_str(), req.route.as_str()) {
        ("GET", "/ratings/evaluator") => pages::evaluator(&cfg, req, now),
        ("GET", "/api/ratings/evaluator") => ok(200, rate::evaluator_state(&cfg, req, now)?),
        ("POST", "/api/ratings/evaluator/rate") => ok(201, rate::rate_at_window(&cfg, req, now)?),
        ("GET", "/ratings/t/{token}") => pages::resident(&cfg, req, now),
        ("POST", "/api/ratings/t/{token}") => ok(201, rate::rate_by_token(&cfg, req, now)?),
        ("GET", "/ratings/cases") => pages::cases_page(req),
        ("GET", "/api/ratings/cases") => ok(200, cases::list(req, &calendar::today())?),
        ("POST", "/api/ratings/cases/{id}/{action}") => ok(200, cases::act(req, now)?),
        ("GET", "/api/ratings/list") => ok(200, rate::list(req, now)?),
        ("GET", "/api/ratings/export/{what}") => export::export(req),
        _ => Ok(Response::not_found(req)),
    }
}

export_plugin!(Ratings);
