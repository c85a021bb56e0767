//! 督查评估 / Supervision dashboards for the community service hall.
//!
//! Supervisors (role `supervisor`; admins pass) see, per service, window,
//! clerk, day and month: waiting and handling times (count, mean, median,
//! p90), the satisfaction rate by the national 好差评 rule, 差评 counts
//! and their follow-up, complaint reply times and the share replied in
//! time, each clerk's attendance at the windows against the opening hours,
//! and a monthly window ranking; charts drawn here as SVG; CSV and Excel
//! (.xlsx) export; a printable A4 monthly report. The figures and their
//! rules: `figures.rs`.
//!
//! Every figure is worked out from the raw records of the queue, ratings
//! and feedback plugins, read through their callable export routes
//! (capability `services`), page by page; the only thing kept is each
//! closed day's ticket times (`fetch.rs`), so a busy month is read once. An admin allows the links supervision → queue, ratings,
//! feedback on the plugins page; until then the page says which.

mod config;
mod fetch;
mod figures;
mod pages;
mod svg;

use config::Config;
use linli_sdk::prelude::*;

struct Supervision;

const SUPERVISOR: &[&str] = &["supervisor"];

impl Plugin for Supervision {
    fn manifest() -> Manifest {
        Manifest::new("supervision", "督查评估", "Supervision", env!("CARGO_PKG_VERSION"))
            .description("督查评估：等候与办理时长、好差评满意率、差评整改、投诉答复、在岗情况、窗口排名、导出与月报 / supervisors' dashboards, exports and the monthly report")
            .capability("kv")
            .capability("sql")
            .capability("clock")
            .capability("log")
            .capability("config")
            .capability("calendar")
            .capability("services")
            .config(config::schema(), config::default_json())
            .route(Route::get("/supervision", Audience::Staff).roles(SUPERVISOR))
            .route(Route::get("/supervision/report", Audience::Staff).roles(SUPERVISOR))
            .route(Route::get("/api/supervision/figures", Audience::Staff).roles(SUPERVISOR))
            .route(Route::get("/api/supervision/export.csv", Audience::Staff).roles(SUPERVISOR))
            .route(Route::get("/api/supervision/export.xlsx", Audience::Staff).roles(SUPERVISOR))
            .page(Page::new("/supervision", "督查评估", "Supervision", Audience::Staff).roles(SUPERVISOR))
    }

    fn handle(req: Request) -> Response {
        match route(&req) {
            Ok(r) => r,
            Err(f) => f.into_response(),
        }
    }

    /// Keep the closed days' ticket figures, a share a minute. Nothing to
    /// do (and no failure) until an admin has allowed the links.
    fn tick(_now: i64) -> Result<(), String> {
        match fetch::warm(&Config::load()) {
            Ok(()) | Err(Fail::User(..)) => Ok(()),
            Err(e) => Err(format!("{e:?}")),
        }
    }
}

fn route(req: &Request) -> Result<Response, Fail> {
    // The host already lets only supervisors (and admins) in; said again
    // here so a route added later without its roles stays closed.
    if !req.caller.has_role("supervisor") {
        return Err(Fail::status(403, "仅限主管查看督查评估", "supervision is for supervisors only"));
    }
    let cfg = Config::load();
    match (req.method.as_str(), req.route.as_str()) {
        ("GET", "/supervision") => pages::dashboard(&cfg, req),
        ("GET", "/supervision/report") => pages::report(&cfg, req),
        ("GET", "/api/supervision/figures") => pages::json(&cfg, req),
        ("GET", "/api/supervision/export.csv") => pages::csv(&cfg, req),
        ("GET", "/api/supervision/export.xlsx") => pages::xlsx(&cfg, req),
        _ => Ok(Response::not_found(req)),
    }
}

export_plugin!(Supervision);
