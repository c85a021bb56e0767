//! Appointments (预约) for the community service hall.
//!
//! Residents book a time for a service item (事项) on their phone, move or
//! cancel it, and check in at the kiosk with the booking code, their ID
//! card or their phone; the check-in gets an appointment ticket from the
//! queue (capability `services`), which the queue's appointment policy
//! calls ahead of walk-ins. A guide books by phone for a resident (代办).
//! Per item: slots with a capacity each, a walk-in share booking never
//! takes, how many working days ahead (from the hall's `calendar`), the
//! daily release time, the cancellation limit; one booking per resident
//! per item per day; no-shows pause booking (staff can lift it, and the
//! host's audit log keeps who did). Reminders go through `notify`.

mod book;
mod checkin;
mod config;
mod db;
mod pages;
mod remind;

use config::Config;
use linli_sdk::Fail;
use linli_sdk::prelude::*;
use serde_json::json;

struct Appointments;

/// Check-in at the kiosk. Public until kiosks get device tokens (as the
/// queue's kiosk).
const KIOSK: Audience = Audience::Public;
/// 代办: guides and volunteers book and check in for residents.
const GUIDE: &[&str] = &["guide", "volunteer"];
/// Lifting a pause after no-shows.
const SUPERVISOR: &[&str] = &["supervisor"];
const DESK: &[&str] = &["guide", "volunteer", "supervisor"];

impl Plugin for Appointments {
    fn manifest() -> Manifest {
        Manifest::new("appointments", "预约", "Appointments", env!("CARGO_PKG_VERSION"))
            .description("预约：按事项预约办事时间、改约取消、现场签到取号 / book a time, move or cancel it, check in for an appointment ticket")
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
            .config(config::schema(), config::default_json())
            .route(Route::get("/appointments", Audience::Public))
            .route(Route::get("/appointments/kiosk", KIOSK))
            .route(Route::get("/appointments/desk", Audience::Staff).roles(DESK))
            .route(Route::get("/appointments/admin", Audience::Admin))
            .route(Route::get("/appointments/assets/{file}", Audience::Public))
            .route(Route::get("/api/appointments/items", Audience::Public))
            .route(Route::get("/api/appointments/items/{item}", Audience::Public))
            .route(Route::post("/api/appointments/bookings", Audience::Public))
            .route(Route::post("/api/appointments/desk/bookings", Audience::Staff).roles(GUIDE))
            .route(Route::post("/api/appointments/lookup", Audience::Public))
            .route(Route::post("/api/appointments/bookings/{code}/move", Audience::Public))
            .route(Route::post("/api/appointments/bookings/{code}/cancel", Audience::Public))
            .route(Route::post("/api/appointments/check-in", KIOSK))
            // Also callable (capability `services`): the applications
            // plugin records the booking an application was booked with
            // and shows it, and the ticket it got, on the case thread.
            .route(Route::get("/api/appointments/bookings/{code}", Audience::Staff).roles(DESK).callable())
            .route(Route::get("/api/appointments/bans", Audience::Staff).roles(SUPERVISOR))
            .route(Route::post("/api/appointments/bans/lift", Audience::Staff).roles(SUPERVISOR))
            .route(Route::get("/api/appointments/config", Audience::Admin))
            .route(Route::post("/api/appointments/config", Audience::Admin))
            .page(Page::new("/appointments", "预约办事", "Book a time", Audience::Public))
            .page(Page::new("/appointments/kiosk", "预约签到", "Appointment check-in", KIOSK))
            .page(Page::new("/appointments/desk", "代办预约", "Booking desk", Audience::Staff).roles(DESK))
            .page(Page::new("/appointments/admin", "预约设置", "Appointment settings", Audience::Admin))
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
            book::sweep_no_shows(&cfg, now)?;
            remind::tick(&cfg, now)
        };
        run().map_err(|e| format!("{e:?}"))
    }
}

fn route(req: &Request) -> Result<Response, Fail> {
    if req.route == "/appointments/assets/{file}" {
        return Ok(pages::asset(req));
    }
    // The settings are read and saved even when they are broken: that is
    // how an admin mends them.
    match (req.method.as_str(), req.route.as_str()) {
        ("POST", "/api/appointments/config") => return linli_sdk::settings::change(req, Config::from_json, "appointment settings changed by an admin"),
        ("GET", "/api/appointments/config") => return Ok(linli_sdk::settings::form(Config::from_json)?),
        ("GET", "/appointments/admin") => return pages::admin(req),
        _ => {}
    }
    let cfg = Config::load()?;
    db::ensure_schema()?;
    let now = clock::now();
    let lang = req.lang();
    let ok = |status: u16, v: serde_json::Value| Ok(Response::json(status, &v));
    match (req.method.as_str(), req.route.as_str()) {
        ("GET", "/appointments") => pages::book(&cfg, req, false),
        ("GET", "/appointments/desk") => pages::book(&cfg, req, true),
        ("GET", "/appointments/kiosk") => pages::kiosk(&cfg, req),
        ("GET", "/api/appointments/items") => ok(200, json!({"items": cfg.items.iter().map(|i| json!({"code": i.code, "name": i.name(lang), "name_zh": i.name_zh, "name_en": i.name_en, "days_ahead": i.days_ahead, "release_time": i.release_time, "cancel_hours": i.cancel_hours})).collect::<Vec<_>>()})),
        ("GET", "/api/appointments/items/{item}") => item_days(&cfg, req, now),
        ("POST", "/api/appointments/bookings") => ok(201, book::book(&cfg, req.json()?, None, lang, now)?),
        ("POST", "/api/appointments/desk/bookings") => {
            let by = req.caller.id.clone().unwrap_or_else(|| "staff".into());
            ok(201, book::book(&cfg, req.json()?, Some(&by), lang, now)?)
        }
        ("POST", "/api/appointments/lookup") => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Lookup {
                code: String,
                phone: String,
            }
            let l: Lookup = req.json()?;
            let (b, _) = book::owned(&l.code, &l.phone)?;
            ok(200, book::view(&cfg, &b, lang))
        }
        ("POST", "/api/appointments/bookings/{code}/move") => ok(200, book::move_to(&cfg, req.param("code").unwrap_or(""), req.json()?, lang, now)?),
        ("POST", "/api/appointments/bookings/{code}/cancel") => ok(200, book::cancel(&cfg, req.param("code").unwrap_or(""), req.json()?, lang, now)?),
        ("POST", "/api/appointments/check-in") => {
            let (status, v) = checkin::check_in(&cfg, req.json()?, &req.caller, lang, now)?;
            ok(status, v)
        }
        ("GET", "/api/appointments/bookings/{code}") => booking(&cfg, req),
        ("GET", "/api/appointments/bans") => ok(200, book::bans(now)?),
        ("POST", "/api/appointments/bans/lift") => {
            let by = req.caller.id.clone().unwrap_or_else(|| "staff".into());
            ok(200, book::lift(req.json()?, &by, now)?)
        }
        _ => Ok(Response::not_found(req)),
    }
}

/// One booking as another plugin (or hall staff) reads it: the public view
/// with when it was made, by whom (代办: the staff account) and the ticket.
fn booking(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    if req.caller.kind != "plugin" && !req.caller.is_staff() {
        return Err(Fail::user(403, "plugins_only", "仅供其他插件和大厅工作人员读取", "for other plugins and hall staff only"));
    }
    let code = book::normal_code(req.param("code").unwrap_or(""));
    let b = db::row::<db::Booking>(&format!("SELECT {} FROM bookings WHERE code = ?1", db::BOOKING_COLUMNS), &[sql::text(&code)])?
        .ok_or_else(|| Fail::user(404, "booking_not_found", "没有这个预约码", "no booking has this code"))?;
    let (created_at, booked_by): (i64, Option<String>) =
        db::row("SELECT created_at, booked_by FROM bookings WHERE id = ?1", &[sql::int(b.id)])?.ok_or_else(|| Fail::Internal("the booking vanished".into()))?;
    let mut v = book::view(cfg, &b, req.lang());
    v["booked_at"] = json!(created_at);
    v["booked_by"] = json!(booked_by);
    Ok(Response::json(200, &v))
}

/// The days one can book `item` on now and each slot's free places.
fn item_days(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let it = book::item(cfg, req.param("item").unwrap_or(""))?;
    let mut days = Vec::new();
    for (day, released) in book::days(it, now)? {
        let taken = book::taken(it, &day)?;
        let slots: Vec<_> = it
            .slots
            .iter()
            .map(|s| {
                let used = taken.iter().find(|(k, _)| *k == s.start).map(|(_, n)| *n).unwrap_or(0);
                let bookable = it.bookable(s) as i64;
                json!({"start": s.start, "end": s.end, "bookable": bookable, "left": (bookable - used).max(0)})
            })
            .collect();
        days.push(json!({"day": day, "released": released, "slots": slots}));
    }
    Ok(Response::json(200, &json!({"item": it.code, "name": it.name(req.lang()), "release_time": it.release_time, "cancel_hours": it.cancel_hours, "days": days})))
}

export_plugin!(Appointments);
