//! Check-in at the kiosk (or the guide desk): with the booking code, the
//! ID card number or the phone, within the early and late limits, the
//! resident gets an appointment ticket from the queue — at once, and
//! exactly once: the queue's callable route is called with the booking's
//! id as the idempotency key (a retry after a lost answer gets the same
//! ticket, never a second one), and a booking already checked in is
//! refused with the ticket it got.

use crate::book::{self, normal_code};
use crate::config::Config;
use crate::db::{self, BOOKING_COLUMNS, Booking, hhmm, local_day};
use linli_sdk::Fail;
use linli_sdk::prelude::*;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

fn not_found() -> Fail {
    Fail::user(404, "booking_not_found", "没有找到您的预约，请核对预约码、身份证号或手机号", "no booking found; please check the booking code, ID card number or phone")
}

/// The booking the kiosk means.
fn find(ask: &Ask, today: &str, now: i64, cfg: &Config, caller: &linli_sdk::Caller) -> Result<Booking, Fail> {
    let given = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(code) = given(&ask.code) {
        return db::row::<Booking>(&format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE code = ?1"), &[sql::text(&normal_code(&code))])?.ok_or_else(not_found);
    }
    // A phone number or an ID card number is no secret: checking in with
    // one (which uses up the booking and takes its ticket) only at the
    // hall's own kiosks or by staff; anywhere else the booking code.
    if given(&ask.id_number).is_none() && given(&ask.phone).is_none() {
        return Err(Fail::user(422, "check_in_empty", "请输入预约码、身份证号或手机号", "enter the booking code, ID card number or phone"));
    }
    if !(caller.is_device("kiosk") || caller.is_staff()) {
        return Err(Fail::user(
            403,
            "kiosk_only",
            "用身份证号或手机号签到，请在大厅的自助终端上办理；在其他地方请输入预约码",
            "checking in with an ID card number or phone works only at the hall's kiosks; elsewhere enter the booking code",
        ));
    }
    let (column, key) = if let Some(id) = given(&ask.id_number) {
        ("id_key", book::id_key(&id)?)
    } else if let Some(p) = given(&ask.phone) {
        ("resident", book::resident(&p)?.key)
    } else {
        return Err(Fail::user(422, "check_in_empty", "请输入预约码、身份证号或手机号", "enter the booking code, ID card number or phone"));
    };
    // Today's bookings first (the one whose check-in is open now), then
    // the next one ahead (to say it is not today).
    let mine: Vec<Booking> = db::rows(
        &format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE {column} = ?1 AND day >= ?2 AND status IN ('booked', 'checked_in') ORDER BY day, start_ms LIMIT 20"),
        &[sql::text(&key), sql::text(today)],
    )?;
    let early = cfg.check_in.early_minutes as i64 * 60_000;
    let late = cfg.check_in.late_minutes as i64 * 60_000;
    let open = |b: &&Booking| b.status == "booked" && b.day == today && now >= b.start_ms - early && now <= b.start_ms + late;
    mine.iter()
        .find(open)
        .or_else(|| mine.iter().find(|b| b.day == today && b.status == "booked"))
        .or_else(|| mine.iter().find(|b| b.day == today))
        .or_else(|| mine.first())
        .cloned()
        .ok_or_else(not_found)
}

pub fn check_in(cfg: &Config, ask: Ask, caller: &linli_sdk::Caller, lang: &str, now: i64) -> Result<(u16, serde_json::Value), Fail> {
    let today = calendar::today();
    book::sweep_no_shows(cfg, now)?;
    let b = find(&ask, &today, now, cfg, caller)?;
    match b.status.as_str() {
        "booked" => {}
        "checked_in" => {
            let t = b.ticket.clone().unwrap_or_default();
            return Err(Fail::user(409, "already_checked_in", format!("该预约已签到，号票为 {t}，请留意叫号"), format!("this booking is already checked in with ticket {t}; please wait to be called")));
        }
        "cancelled" => return Err(Fail::user(409, "booking_cancelled", "该预约已取消，请现场取号", "this booking was cancelled; please take a ticket")),
        _ => return Err(Fail::user(409, "check_in_closed", "该预约已过签到时间，请现场取号", "check-in for this booking has closed; please take a ticket")),
    }
    if b.day != today {
        return Err(Fail::user(
            409,
            "not_today",
            format!("您的预约是 {} {}，不是今天，请在预约当天签到", b.day, b.slot),
            format!("your booking is on {} at {}, not today; please check in on that day", b.day, b.slot),
        ));
    }
    let early = cfg.check_in.early_minutes as i64 * 60_000;
    let late = cfg.check_in.late_minutes as i64 * 60_000;
    if now < b.start_ms - early {
        let opens = hhmm(local_day(b.start_ms - early).1);
        return Err(Fail::user(409, "too_early", format!("签到时间未到：您预约的是 {}，请于 {opens} 后签到", b.slot), format!("too early: your booking is at {}; check in from {opens}", b.slot)));
    }
    if now > b.start_ms + late {
        let closed = hhmm(local_day(b.start_ms + late).1);
        return Err(Fail::user(409, "too_late", format!("已超过签到时间（{closed}），请现场取号"), format!("check-in closed at {closed}; please take a ticket")));
    }
    let it = book::item(cfg, &b.item)?;
    let reply = services::Call::post(&cfg.queue_plugin, "/api/queue/appointments")
        .json(&json!({"appointment_id": b.code, "service": it.queue_service, "time": b.start_ms}))
        .idempotency_key(&format!("booking-{}", b.id))
        .send()
        .map_err(|e| {
            log::error(&format!("check-in of booking {}: the queue could not be called: {e}", b.id));
            Fail::user(503, "queue_unavailable", "排队叫号暂时无法出号，请到导办台办理", "the queue cannot issue a ticket right now; please go to the guide desk")
        })?;
    if !reply.is_success() {
        let v: serde_json::Value = reply.json().unwrap_or_default();
        let zh = v["error"]["message_zh"].as_str().unwrap_or("").to_owned();
        let en = v["error"]["message_en"].as_str().unwrap_or("").to_owned();
        log::warn(&format!("check-in of booking {}: the queue answered {}: {en}", b.id, reply.status));
        let status = if (400..500).contains(&reply.status) { 409 } else { 503 };
        return Err(Fail::user(status, "queue_refused", format!("排队叫号未能出号：{zh}"), format!("the queue did not issue a ticket: {en}")));
    }
    let t: serde_json::Value = reply.json().map_err(|e| Fail::Internal(format!("the queue's answer: {e}")))?;
    let label = t["ticket"].as_str().unwrap_or("").to_owned();
    let page = t["page"].as_str().map(str::to_owned);
    let done = db::row::<Booking>(
        &format!(
            "UPDATE bookings SET status = 'checked_in', checked_in_at = ?2, ticket = ?3, ticket_page = ?4, phone = NULL, updated_at = ?2
             WHERE id = ?1 AND status = 'booked' RETURNING {BOOKING_COLUMNS}"
        ),
        &[sql::int(b.id), sql::int(now), sql::text(&label), db::opt_text(page.as_deref())],
    )?
    .ok_or_else(|| Fail::Internal("the checked-in booking vanished".into()))?;
    book::changed(&done, "checked_in");
    let mut v = book::view(cfg, &done, lang);
    v["queue_ticket"] = t;
    Ok((201, v))
}
