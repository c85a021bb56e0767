//! Booking, moving and cancelling; the no-show rule and its pauses.
//!
//! The plugin's calls run one at a time on its lane, each one transaction,
//! so "check, then write" below is safe: two requests for the last seat,
//! or the same booking sent twice at once, are answered one after the
//! other, and the second sees the first. The UNIQUE constraints on
//! `active_key` and `(item, day, slot, seat)` stand behind the checks.

use crate::config::{Config, Item, Slot, minutes};
use crate::db::{self, BOOKING_COLUMNS, Booking, hhmm, local_day};
use linli_sdk::Fail;
use linli_sdk::prelude::*;
use serde::Deserialize;
use serde_json::json;

const DAY_MS: i64 = 86_400_000;

/// A resident as the plugin knows them: the host's pseudonym of the
/// normalised phone (one phone typed three ways is one resident), the
/// phone itself (kept only for the reminders) and its masked form.
pub struct Resident {
    pub key: String,
    pub phone: String,
    pub shown: String,
}

pub fn resident(phone: &str) -> Result<Resident, Fail> {
    let trimmed = phone.trim();
    if trimmed.is_empty() {
        return Err(Fail::user(422, "phone_required", "请填写手机号码", "the phone number is required"));
    }
    let p = linli_sdk::normalise::phone(trimmed)
        .map_err(|_| Fail::user(422, "phone_invalid", "手机号码格式不正确，应为 7 至 15 位数字", "that phone number does not look right (7 to 15 digits)"))?;
    Ok(Resident { key: pseudonyms::of("phone", &p), shown: mask::phone(&p), phone: p })
}

/// The pseudonym of an ID card number, checked (18 characters with the
/// right check character).
pub fn id_key(id_number: &str) -> Result<String, Fail> {
    let n = linli_sdk::normalise::id_number(id_number);
    if !linli_sdk::normalise::id_check_digit_ok(&n) {
        return Err(Fail::user(422, "id_invalid", "身份证号码不正确（应为 18 位，末位校验码需正确）", "that ID card number is not valid (18 characters with a correct check character)"));
    }
    Ok(pseudonyms::of("id", &n))
}

/// What a resident (or a guide for them) asks for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    pub item: String,
    pub day: String,
    pub slot: String,
    pub phone: String,
    #[serde(default)]
    pub id_number: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveAsk {
    pub phone: String,
    pub day: String,
    pub slot: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneOnly {
    pub phone: String,
}

pub fn item<'a>(cfg: &'a Config, code: &str) -> Result<&'a Item, Fail> {
    cfg.item(code.trim()).ok_or_else(|| Fail::user(404, "item_unknown", format!("没有可预约的事项“{code}”，请重新选择"), format!("there is no bookable item `{code}`; please choose again")))
}

fn slot<'a>(it: &'a Item, start: &str) -> Result<&'a Slot, Fail> {
    it.slot(start.trim()).ok_or_else(|| {
        Fail::user(404, "slot_unknown", format!("{}没有 {start} 开始的时段，请重新选择", it.name_zh), format!("{} has no slot starting at {start}; please choose again", it.name_en))
    })
}

/// Whether `day` may be booked now for `it`, and if not, why: a bad date,
/// today or the past, a day the hall is closed (weekend, holiday; a 调休
/// make-up Saturday is open), further ahead than the item allows, or the
/// furthest day before today's release time.
pub fn check_day(it: &Item, day: &str, now: i64) -> Result<(), Fail> {
    if db::days_of(day).is_none() {
        return Err(Fail::user(422, "day_invalid", format!("日期“{day}”不正确，应为 YYYY-MM-DD"), format!("the date `{day}` is not valid; use YYYY-MM-DD")));
    }
    let today = calendar::today();
    if day <= today.as_str() {
        return Err(Fail::user(409, "day_past", format!("{day} 不能预约：只能预约明天及以后的日期，当天请现场取号"), format!("{day} cannot be booked: only from tomorrow on; today, take a ticket at the hall")));
    }
    if !calendar::is_working_day(day)? {
        return Err(Fail::user(409, "day_closed", format!("{day} 是休息日或法定节假日，大厅不办公，请选择工作日"), format!("the hall is closed on {day} (weekend or public holiday); please choose a working day")));
    }
    let n = calendar::working_days_between(&today, day)?;
    let ahead = it.days_ahead as i32;
    if n > ahead {
        return Err(Fail::user(
            409,
            "day_not_open",
            format!("{}最多可提前 {ahead} 个工作日预约，{day} 尚未开放", it.name_zh),
            format!("{} can be booked at most {ahead} working days ahead; {day} is not open yet", it.name_en),
        ));
    }
    let release = minutes(&it.release_time).unwrap_or(0);
    if n == ahead && local_day(now).1 < release {
        return Err(Fail::user(
            409,
            "day_not_released",
            format!("{day} 的号源今天 {} 放出，请到时再约", it.release_time),
            format!("places for {day} are released today at {}; please book then", it.release_time),
        ));
    }
    Ok(())
}

/// The days one can see now for `it`: the released working days, and the
/// next one with the time it opens.
pub fn days(it: &Item, now: i64) -> Result<Vec<(String, bool)>, Fail> {
    let today = calendar::today();
    let release = minutes(&it.release_time).unwrap_or(0);
    let released = local_day(now).1 >= release;
    let mut out = Vec::new();
    for k in 1..=it.days_ahead as i32 {
        let d = calendar::add_working_days(&today, k)?;
        out.push((d, k < it.days_ahead as i32 || released));
    }
    Ok(out)
}

/// Seats taken per slot of `it` on `day`.
pub fn taken(it: &Item, day: &str) -> Result<Vec<(String, i64)>, Fail> {
    db::rows::<(String, i64)>(
        "SELECT slot, COUNT(*) AS n FROM bookings WHERE item = ?1 AND day = ?2 AND seat IS NOT NULL GROUP BY slot",
        &[sql::text(&it.code), sql::text(day)],
    )
}

/// Refuse a resident whose booking is paused after no-shows.
fn refuse_banned(r: &Resident, now: i64) -> Result<(), Fail> {
    let until = db::int("SELECT until_ms FROM bans WHERE resident = ?1 AND lifted_at IS NULL AND until_ms > ?2 ORDER BY until_ms DESC LIMIT 1", &[sql::text(&r.key), sql::int(now)])?;
    if until > 0 {
        let (d, _) = local_day(until);
        return Err(Fail::user(
            403,
            "booking_paused",
            format!("该手机号因多次预约未到，{d} 前暂停预约；如有特殊情况请联系大厅工作人员"),
            format!("this phone missed too many appointments: booking is paused until {d}; ask the hall's staff if there is a good reason"),
        ));
    }
    Ok(())
}

/// The first free seat of a slot, or `slot_full`.
fn free_seat(it: &Item, s: &Slot, day: &str) -> Result<i64, Fail> {
    let seats: Vec<i64> = db::rows("SELECT seat FROM bookings WHERE item = ?1 AND day = ?2 AND slot = ?3 AND seat IS NOT NULL", &[sql::text(&it.code), sql::text(day), sql::text(&s.start)])?;
    let bookable = it.bookable(s) as i64;
    (1..=bookable).find(|n| !seats.contains(n)).ok_or_else(|| {
        Fail::user(
            409,
            "slot_full",
            format!("{day} {}–{} 的{}已约满，请选择其他时段", s.start, s.end, it.name_zh),
            format!("{} on {day} {}–{} is fully booked; please choose another slot", it.name_en, s.start, s.end),
        )
    })
}

fn active_key(item: &str, day: &str, resident: &str) -> String {
    format!("{item}|{day}|{resident}")
}

fn refuse_second(it: &Item, day: &str, r: &Resident, except: Option<i64>) -> Result<(), Fail> {
    let held = db::int("SELECT id FROM bookings WHERE active_key = ?1", &[sql::text(&active_key(&it.code, day, &r.key))])?;
    if held > 0 && Some(held) != except {
        return Err(Fail::user(
            409,
            "already_booked",
            format!("该手机号 {day} 已预约{}，每人每项事项每天限约一次", it.name_zh),
            format!("this phone already has a booking for {} on {day}; one per person per item per day", it.name_en),
        ));
    }
    Ok(())
}

/// A booking code: 8 characters a resident can read out and type at the
/// kiosk (no 0/O, 1/I), 40 random bits, never all digits (the kiosk's one
/// box reads a run of digits as a phone number).
fn new_code() -> Result<String, Fail> {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    loop {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).map_err(|e| Fail::Internal(format!("no random bytes for a booking code: {e}")))?;
        let code: String = b.iter().map(|x| ALPHABET[(*x & 31) as usize] as char).collect();
        if code.bytes().any(|c| c.is_ascii_alphabetic()) {
            return Ok(code);
        }
    }
}

pub fn normal_code(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase()
}

pub fn view(cfg: &Config, b: &Booking, lang: &str) -> serde_json::Value {
    let it = cfg.item(&b.item);
    let end = it.and_then(|i| i.slot(&b.slot)).map(|s| s.end.clone()).unwrap_or_default();
    json!({
        "code": b.code,
        "item": b.item,
        "item_name": it.map(|i| i.name(lang)).unwrap_or(&b.item),
        "day": b.day,
        "slot": b.slot,
        "end": end,
        "start_ms": b.start_ms,
        "phone": b.phone_shown,
        "status": b.status,
        "status_text": status_text(&b.status, lang),
        "proxy": b.proxy != 0,
        "ticket": b.ticket,
        "checked_in_at": b.checked_in_at,
        "ticket_page": b.ticket_page,
    })
}

pub fn status_text(s: &str, lang: &str) -> &'static str {
    match s {
        "booked" => if lang == "en" { "booked" } else { "已预约" },
        "cancelled" => if lang == "en" { "cancelled" } else { "已取消" },
        "checked_in" => if lang == "en" { "checked in" } else { "已签到" },
        "no_show" => if lang == "en" { "missed" } else { "未到" },
        _ => "",
    }
}

/// Book: `by` is the guide's account when booked on the resident's behalf.
pub fn book(cfg: &Config, ask: Ask, by: Option<&str>, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let it = item(cfg, &ask.item)?;
    let r = resident(&ask.phone)?;
    let idk = match ask.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(n) => Some(id_key(n)?),
        None => None,
    };
    let s = slot(it, &ask.slot)?;
    let day = ask.day.trim();
    check_day(it, day, now)?;
    sweep_no_shows(cfg, now)?;
    refuse_banned(&r, now)?;
    refuse_second(it, day, &r, None)?;
    let seat = free_seat(it, s, day)?;
    let start = db::instant(day, minutes(&s.start).unwrap_or(0)).ok_or_else(|| Fail::Internal("slot start".into()))?;
    let code = new_code()?;
    let inserted = db::row::<Booking>(
        &format!(
            "INSERT INTO bookings (code, item, day, slot, start_ms, resident, phone, phone_shown, id_key, status, seat, active_key, proxy, booked_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'booked', ?10, ?11, ?12, ?13, ?14, ?14)
             ON CONFLICT DO NOTHING RETURNING {BOOKING_COLUMNS}"
        ),
        &[
            sql::text(&code),
            sql::text(&it.code),
            sql::text(day),
            sql::text(&s.start),
            sql::int(start),
            sql::text(&r.key),
            sql::text(&r.phone),
            sql::text(&r.shown),
            db::opt_text(idk.as_deref()),
            sql::int(seat),
            sql::text(&active_key(&it.code, day, &r.key)),
            sql::int(by.is_some() as i64),
            db::opt_text(by),
            sql::int(now),
        ],
    )?;
    // The checks above saw every booking (one call at a time); a row the
    // UNIQUE constraints still turned away means another writer got there.
    let Some(b) = inserted else {
        return Err(Fail::user(409, "conflict", "预约未成功（该时段刚被占用），请重新选择", "the booking did not go through (the place was just taken); please choose again"));
    };
    let sent = notify::Message::to_phone(
        &r.phone,
        "appointment-booked",
        "您已预约{item}，时间 {day} {slot}，预约码 {code}。到大厅后凭预约码、身份证或手机号签到。",
        "Booked: {item_en}, {day} {slot}, booking code {code}. Check in at the hall with the code, your ID card or your phone.",
    )
    .param("item", &it.name_zh)
    .param("item_en", &it.name_en)
    .param("day", day)
    .param("slot", &s.start)
    .param("code", &b.code)
    .send();
    confirmed(b.id, sent);
    changed(&b, "booked");
    log::info(&format!("booked {} {} {} ({})", it.code, day, s.start, if by.is_some() { "by a guide" } else { "by the resident" }));
    Ok(view(cfg, &b, lang))
}

/// Mark the booking confirmed when its message went out; one over the
/// host's notify limits (a booking rush) never undoes the booking: the
/// tick sends it later.
fn confirmed(id: i64, sent: Result<u64, linli_sdk::store::HostError>) {
    match sent {
        Ok(_) => {
            let _ = sql::execute("UPDATE bookings SET confirmed = 1 WHERE id = ?1", &[sql::int(id)]);
        }
        Err(e) => log::warn(&format!("booking {id}: confirmation not sent yet: {e}")),
    }
}

/// The booking `code` if it belongs to the resident with `phone` (else
/// "not found": a code alone does not show whose it is).
pub fn owned(code: &str, phone: &str) -> Result<(Booking, Resident), Fail> {
    let r = resident(phone)?;
    let b = db::row::<Booking>(&format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE code = ?1"), &[sql::text(&normal_code(code))])?;
    match b {
        Some(b) if b.resident == r.key => Ok((b, r)),
        _ => Err(Fail::user(404, "booking_not_found", "找不到该预约，请核对预约码和手机号", "no such booking; please check the booking code and phone number")),
    }
}

fn refuse_unless_booked(b: &Booking) -> Result<(), Fail> {
    if b.status != "booked" {
        return Err(Fail::user(
            409,
            "booking_not_active",
            format!("该预约{}，不能再改约或取消", status_text(&b.status, "zh-CN")),
            format!("this booking is {}; it can no longer be moved or cancelled", status_text(&b.status, "en")),
        ));
    }
    Ok(())
}

fn refuse_past_deadline(cfg: &Config, b: &Booking, now: i64) -> Result<(), Fail> {
    let hours = cfg.item(&b.item).map(|i| i.cancel_hours).unwrap_or(0) as i64;
    let deadline = b.start_ms - hours * 3_600_000;
    if now > deadline {
        let (d, m) = local_day(deadline);
        return Err(Fail::user(
            409,
            "cancel_too_late",
            format!("已超过改约或取消时限（需在预约时间前 {hours} 小时，即 {d} {} 前）", hhmm(m)),
            format!("too late to move or cancel: allowed until {hours} hours before, i.e. {d} {}", hhmm(m)),
        ));
    }
    Ok(())
}

pub fn move_to(cfg: &Config, code: &str, ask: MoveAsk, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let (b, r) = owned(code, &ask.phone)?;
    refuse_unless_booked(&b)?;
    refuse_past_deadline(cfg, &b, now)?;
    let it = item(cfg, &b.item)?;
    let s = slot(it, &ask.slot)?;
    let day = ask.day.trim();
    if day == b.day && s.start == b.slot {
        return Err(Fail::user(409, "same_slot", "新时间与原预约相同", "the new time is the same as the booking's"));
    }
    check_day(it, day, now)?;
    sweep_no_shows(cfg, now)?;
    refuse_second(it, day, &r, Some(b.id))?;
    let seat = free_seat(it, s, day)?;
    let start = db::instant(day, minutes(&s.start).unwrap_or(0)).ok_or_else(|| Fail::Internal("slot start".into()))?;
    let moved = db::row::<Booking>(
        &format!(
            "UPDATE bookings SET day = ?2, slot = ?3, start_ms = ?4, seat = ?5, active_key = ?6, reminded_day = 0, reminded_hour = 0, updated_at = ?7
             WHERE id = ?1 AND status = 'booked' RETURNING {BOOKING_COLUMNS}"
        ),
        &[sql::int(b.id), sql::text(day), sql::text(&s.start), sql::int(start), sql::int(seat), sql::text(&active_key(&it.code, day, &r.key)), sql::int(now)],
    )?
    .ok_or_else(|| Fail::Internal("the moved booking vanished".into()))?;
    let sent = notify::Message::to_phone(&r.phone, "appointment-moved", "您的{item}预约已改到 {day} {slot}，预约码 {code}。", "Your {item_en} booking is moved to {day} {slot}, code {code}.")
        .param("item", &it.name_zh)
        .param("item_en", &it.name_en)
        .param("day", day)
        .param("slot", &s.start)
        .param("code", &moved.code)
        .send();
    // A moved booking is confirmed anew (at its new time).
    let _ = sql::execute("UPDATE bookings SET confirmed = 0 WHERE id = ?1", &[sql::int(moved.id)]);
    confirmed(moved.id, sent);
    changed(&moved, "moved");
    Ok(view(cfg, &moved, lang))
}

pub fn cancel(cfg: &Config, code: &str, ask: PhoneOnly, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let (b, r) = owned(code, &ask.phone)?;
    refuse_unless_booked(&b)?;
    refuse_past_deadline(cfg, &b, now)?;
    let done = db::row::<Booking>(
        &format!("UPDATE bookings SET status = 'cancelled', seat = NULL, active_key = NULL, phone = NULL, updated_at = ?2 WHERE id = ?1 AND status = 'booked' RETURNING {BOOKING_COLUMNS}"),
        &[sql::int(b.id), sql::int(now)],
    )?
    .ok_or_else(|| Fail::Internal("the cancelled booking vanished".into()))?;
    let name = cfg.item(&b.item).map(|i| (i.name_zh.clone(), i.name_en.clone())).unwrap_or((b.item.clone(), b.item.clone()));
    notify::Message::to_phone(&r.phone, "appointment-cancelled", "您 {day} {slot} 的{item}预约已取消。", "Your {item_en} booking on {day} {slot} is cancelled.")
        .param("item", &name.0)
        .param("item_en", &name.1)
        .param("day", &b.day)
        .param("slot", &b.slot)
        .send()
        .map_err(|e| log::warn(&format!("cancel confirmation not sent: {e}")))
        .ok();
    changed(&done, "cancelled");
    Ok(view(cfg, &done, lang))
}

/// Tell other plugins (the case thread, statistics) what happened; no
/// personal data in the event.
pub fn changed(b: &Booking, what: &str) {
    let _ = events::publish("appointments.changed", &json!({"id": b.id, "item": b.item, "day": b.day, "slot": b.slot, "status": b.status, "change": what}));
}

/// Bookings still `booked` after their check-in closed are no-shows; a
/// resident who reaches the rule's count within its period is paused.
/// Run by `tick` and before each booking, so the rule holds whenever the
/// plugin is asked.
pub fn sweep_no_shows(cfg: &Config, now: i64) -> Result<(), Fail> {
    let closed = now - cfg.check_in.late_minutes as i64 * 60_000;
    let missed: Vec<(String, String)> = db::rows(
        "UPDATE bookings SET status = 'no_show', seat = NULL, active_key = NULL, phone = NULL, updated_at = ?2
         WHERE status = 'booked' AND start_ms < ?1 RETURNING resident, phone_shown",
        &[sql::int(closed), sql::int(now)],
    )?;
    if missed.is_empty() || cfg.no_show.limit == 0 {
        return Ok(());
    }
    let since = now - cfg.no_show.within_days as i64 * DAY_MS;
    let mut seen: Vec<&str> = Vec::new();
    for (who, shown) in &missed {
        if seen.contains(&who.as_str()) {
            continue;
        }
        seen.push(who);
        let n = db::int(
            "SELECT COUNT(*) FROM bookings WHERE resident = ?1 AND status = 'no_show' AND noshow_used = 0 AND start_ms >= ?2",
            &[sql::text(who), sql::int(since)],
        )?;
        if n >= cfg.no_show.limit as i64 {
            sql::execute(
                "INSERT INTO bans (resident, phone_shown, since_ms, until_ms, noshows) VALUES (?1, ?2, ?3, ?4, ?5)",
                &[sql::text(who), sql::text(shown), sql::int(now), sql::int(now + cfg.no_show.ban_days as i64 * DAY_MS), sql::int(n)],
            )?;
            // These no-shows have had their consequence; a lifted pause
            // does not come straight back from them.
            sql::execute("UPDATE bookings SET noshow_used = 1 WHERE resident = ?1 AND status = 'no_show' AND noshow_used = 0", &[sql::text(who)])?;
            log::info(&format!("booking paused for {shown} after {n} no-shows"));
        }
    }
    Ok(())
}

/// The pauses in force (staff list).
pub fn bans(now: i64) -> Result<serde_json::Value, Fail> {
    let rows: Vec<(i64, String, i64, i64, i64)> = db::rows(
        "SELECT id, phone_shown, since_ms, until_ms, noshows FROM bans WHERE lifted_at IS NULL AND until_ms > ?1 ORDER BY since_ms DESC LIMIT 200",
        &[sql::int(now)],
    )?;
    Ok(json!({"bans": rows.iter().map(|(id, p, s, u, n)| json!({"id": id, "phone": p, "since": local_day(*s).0, "until": local_day(*u).0, "noshows": n})).collect::<Vec<_>>()}))
}

/// Lift a resident's pause (staff; the host's audit log records who).
pub fn lift(ask: PhoneOnly, by: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let r = resident(&ask.phone)?;
    let n = sql::execute(
        "UPDATE bans SET lifted_at = ?2, lifted_by = ?3 WHERE resident = ?1 AND lifted_at IS NULL AND until_ms > ?2",
        &[sql::text(&r.key), sql::int(now), sql::text(by)],
    )?;
    if n == 0 {
        return Err(Fail::user(404, "no_pause", format!("手机号 {} 没有被暂停预约", r.shown), format!("booking is not paused for phone {}", r.shown)));
    }
    log::info(&format!("booking pause lifted for {} by staff {by}", r.shown));
    Ok(json!({"lifted": n, "phone": r.shown}))
}
