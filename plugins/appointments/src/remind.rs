//! Reminders through `notify`: the day before (from the configured time)
//! and an hour before the slot, each sent once (a flag on the booking,
//! set in the same call as the message, which is only sent if the call's
//! changes are kept).

use crate::config::{Config, minutes};
use crate::db::{self, local_day};
use linli_sdk::Fail;
use linli_sdk::prelude::*;

/// Messages per tick and kind: well under the host's per-call limit.
const BATCH: i64 = 9;

#[derive(serde::Deserialize)]
struct Due {
    id: i64,
    code: String,
    item: String,
    day: String,
    slot: String,
    phone: Option<String>,
}

fn due(statement: &str, params: &[sql::Value]) -> Result<Vec<Due>, Fail> {
    db::rows(statement, params)
}

pub fn tick(cfg: &Config, now: i64) -> Result<(), Fail> {
    let name = |code: &str| cfg.item(code).map(|i| (i.name_zh.clone(), i.name_en.clone())).unwrap_or((code.to_owned(), code.to_owned()));
    // Confirmations a booking rush held back (the host's notify limits).
    for d in due(
        &format!("SELECT id, code, item, day, slot, phone FROM bookings WHERE status = 'booked' AND confirmed = 0 AND start_ms > ?1 ORDER BY id LIMIT {BATCH}"),
        &[sql::int(now)],
    )? {
        if let Some(phone) = d.phone.as_deref() {
            let (zh, en) = name(&d.item);
            let sent = notify::Message::to_phone(
                phone,
                "appointment-booked",
                "您已预约{item}，时间 {day} {slot}，预约码 {code}。到大厅后凭预约码、身份证或手机号签到。",
                "Booked: {item_en}, {day} {slot}, booking code {code}. Check in at the hall with the code, your ID card or your phone.",
            )
            .param("item", &zh)
            .param("item_en", &en)
            .param("day", &d.day)
            .param("slot", &d.slot)
            .param("code", &d.code)
            .send();
            if let Err(e) = sent {
                log::warn(&format!("confirmations paused: {e}"));
                return Ok(());
            }
        }
        sql::execute("UPDATE bookings SET confirmed = 1 WHERE id = ?1", &[sql::int(d.id)])?;
    }
    if let Some(at) = minutes(&cfg.reminders.day_before_at)
        && local_day(now).1 >= at
    {
        let tomorrow = local_day(now + 86_400_000).0;
        for d in due(
            &format!("SELECT id, code, item, day, slot, phone FROM bookings WHERE status = 'booked' AND day = ?1 AND reminded_day = 0 ORDER BY id LIMIT {BATCH}"),
            &[sql::text(&tomorrow)],
        )? {
            if let Some(phone) = d.phone.as_deref() {
                let (zh, en) = name(&d.item);
                let sent = notify::Message::to_phone(phone, "appointment-day-before", "提醒：您明天 {slot} 预约了{item}，预约码 {code}，请按时到大厅签到。", "Reminder: tomorrow at {slot} you have a booking for {item_en}, code {code}; please check in at the hall on time.")
                    .param("slot", &d.slot)
                    .param("item", &zh)
                    .param("item_en", &en)
                    .param("code", &d.code)
                    .send();
                // Over the host's limits: the rest wait for the next tick.
                if let Err(e) = sent {
                    log::warn(&format!("day-before reminders paused: {e}"));
                    return Ok(());
                }
            }
            sql::execute("UPDATE bookings SET reminded_day = 1 WHERE id = ?1", &[sql::int(d.id)])?;
        }
    }
    if cfg.reminders.hour_before {
        for d in due(
            &format!("SELECT id, code, item, day, slot, phone FROM bookings WHERE status = 'booked' AND reminded_hour = 0 AND start_ms > ?1 AND start_ms <= ?2 ORDER BY start_ms LIMIT {BATCH}"),
            &[sql::int(now), sql::int(now + 3_600_000)],
        )? {
            if let Some(phone) = d.phone.as_deref() {
                let (zh, en) = name(&d.item);
                let sent = notify::Message::to_phone(phone, "appointment-hour-before", "提醒：您今天 {slot} 预约了{item}，预约码 {code}，请提前到大厅签到。", "Reminder: today at {slot} you have a booking for {item_en}, code {code}; please check in at the hall a little early.")
                    .param("slot", &d.slot)
                    .param("item", &zh)
                    .param("item_en", &en)
                    .param("code", &d.code)
                    .send();
                if let Err(e) = sent {
                    log::warn(&format!("hour-before reminders paused: {e}"));
                    return Ok(());
                }
            }
            sql::execute("UPDATE bookings SET reminded_hour = 1, reminded_day = 1 WHERE id = ?1", &[sql::int(d.id)])?;
        }
    }
    Ok(())
}
