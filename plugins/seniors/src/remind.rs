//! Reminders from `tick`: the day before (from the configured time) and an
//! hour before, each sent once: a flag on the sign-up set in the same call
//! as the message, which the host sends only if the call's changes are
//! kept. A resident without a phone (代办) is reminded through the staff
//! member who signed them up, the day before.

use crate::config::Config;
use crate::db::{self, local_day};
use linli_sdk::Fail;
use linli_sdk::input::{hhmm, minutes};
use linli_sdk::prelude::*;

/// Messages per tick and kind: well under the host's per-call limit; the
/// rest go on the next tick.
const BATCH: i64 = 9;

#[derive(serde::Deserialize)]
struct Due {
    id: i64,
    code: String,
    day: String,
    start_ms: i64,
    name: String,
    phone: Option<String>,
    signed_by: Option<String>,
    title: String,
    place: String,
}

const DUE: &str = "SELECT s.id AS id, s.code AS code, s.day AS day, s.start_ms AS start_ms, s.name AS name, s.phone AS phone, s.signed_by AS signed_by, a.title AS title, a.place AS place FROM signups s JOIN activities a ON a.id = s.activity";

/// Phones are kept only for the messages: a day after the activity
/// the phone goes (the pseudonym still recognises the resident).
const KEEP_PHONE_MS: i64 = 86_400_000;

pub fn tick(cfg: &Config, now: i64) -> Result<(), Fail> {
    sql::execute("UPDATE signups SET phone = NULL WHERE phone IS NOT NULL AND end_ms < ?1", &[sql::int(now - KEEP_PHONE_MS)])?;
    if let Some(at) = minutes(&cfg.remind_day_before_at)
        && local_day(now).1 >= at
    {
        let tomorrow = local_day(now + 86_400_000).0;
        let due: Vec<Due> = db::rows(&format!("{DUE} WHERE s.status = 'booked' AND s.day = ?1 AND s.reminded_day = 0 ORDER BY s.id LIMIT {BATCH}"), &[sql::text(&tomorrow)])?;
        for d in due {
            let start = hhmm(local_day(d.start_ms).1);
            let place = if d.place.is_empty() { "老年活动角".to_owned() } else { d.place.clone() };
            let msg = match (d.phone.as_deref(), d.signed_by.as_deref()) {
                (Some(p), _) => Some(notify::Message::to_phone(p, "seniors-day-before", "提醒：明天 {start} 有“{title}”，地点{place}，报名码 {code}。来了在活动角平板上签到。", "Reminder: tomorrow at {start}, {title} at {place}; code {code}. Check in on the corner's tablet.")),
                (None, Some(staff)) => Some(
                    notify::Message::to_staff(staff, "seniors-day-before-proxy", "提醒：您代办报名的{name}明天 {start} 参加“{title}”（{place}），报名码 {code}，请转告老人。", "Reminder: {name}, whom you signed up, has {title} tomorrow at {start} ({place}); code {code}. Please tell them.")
                        .param("name", &d.name),
                ),
                _ => None,
            };
            if let Some(m) = msg
                && let Err(e) = m.param("start", &start).param("title", &d.title).param("place", &place).param("code", &d.code).send()
            {
                log::warn(&format!("day-before reminders paused: {e}"));
                return Ok(());
            }
            sql::execute("UPDATE signups SET reminded_day = 1 WHERE id = ?1", &[sql::int(d.id)])?;
        }
    }
    if cfg.remind_hour_before {
        let due: Vec<Due> = db::rows(
            &format!("{DUE} WHERE s.status = 'booked' AND s.reminded_hour = 0 AND s.start_ms > ?1 AND s.start_ms <= ?2 ORDER BY s.start_ms LIMIT {BATCH}"),
            &[sql::int(now), sql::int(now + 3_600_000)],
        )?;
        for d in due {
            if let Some(p) = d.phone.as_deref() {
                let place = if d.place.is_empty() { "老年活动角".to_owned() } else { d.place.clone() };
                let sent = notify::Message::to_phone(p, "seniors-hour-before", "提醒：今天 {start} 的“{title}”快开始了，地点{place}。", "Reminder: {title} starts today at {start}, {place}.")
                    .param("start", &hhmm(local_day(d.start_ms).1))
                    .param("title", &d.title)
                    .param("place", &place)
                    .send();
                if let Err(e) = sent {
                    log::warn(&format!("hour-before reminders paused: {e}"));
                    return Ok(());
                }
            }
            // An hour before also stands for the day before: never two at once.
            sql::execute("UPDATE signups SET reminded_hour = 1, reminded_day = 1 WHERE id = ?1", &[sql::int(d.id)])?;
            let _ = &d.day;
        }
    }
    Ok(())
}
