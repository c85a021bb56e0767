//! Sign-up with capacity and a waiting list, cancelling (the first on the
//! waiting list moves up and is told), 代办 for a resident without a phone,
//! and check-in at the corner's tablet.
//!
//! The plugin's calls run one at a time, each one transaction, so "count,
//! then insert" is safe; the UNIQUE `active_key` stands behind it (one
//! sign-up per resident per activity and day, the same request sent twice
//! at once included).

use crate::acts::{self, Activity};
use crate::config::Config;
use crate::db::{self, local_day};
use linli_sdk::input::{self, hhmm};
use linli_sdk::prelude::*;
use linli_sdk::Fail;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Deserialize)]
pub struct Signup {
    pub id: i64,
    pub code: String,
    pub activity: i64,
    pub day: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub resident: String,
    pub name: String,
    pub phone: Option<String>,
    pub phone_shown: String,
    pub status: String,
    pub proxy: i64,
    pub signed_by: Option<String>,
    pub signed_by_name: Option<String>,
    pub checked_in_at: Option<i64>,
}

pub const COLUMNS: &str = "id, code, activity, day, start_ms, end_ms, resident, name, phone, phone_shown, status, proxy, signed_by, signed_by_name, checked_in_at";

/// Who the sign-up is for: the pseudonym that recognises them again, the
/// name (may be empty for a resident with a phone), the phone for the
/// messages (none for 代办 without a phone) and what pages show.
struct Who {
    key: String,
    name: String,
    phone: Option<String>,
    shown: String,
}

fn phone_of(typed: &str) -> Result<String, Fail> {
    let t = typed.trim();
    if t.is_empty() {
        return Err(Fail::field(422, "phone_required", "phone", "请填写手机号码", "the phone number is required"));
    }
    linli_sdk::normalise::phone(t).map_err(|_| Fail::field(422, "phone_invalid", "phone", "手机号码格式不正确，应为 7 至 15 位数字", "that phone number does not look right (7 to 15 digits)"))
}

fn by_phone(typed: &str, name: &str) -> Result<Who, Fail> {
    let p = phone_of(typed)?;
    Ok(Who { key: pseudonyms::of("phone", &p), name: name.to_owned(), shown: mask::phone(&p), phone: Some(p) })
}

/// A name in one form for matching: no spaces, as typed otherwise.
fn name_key(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A resident without a phone, known by name (代办). Two residents with
/// the same name on one activity and day are told apart by the staff
/// adding a word to the name (王秀英（3栋）).
fn by_name(name: &str) -> Who {
    Who { key: pseudonyms::of("name", &name_key(name)), name: name.to_owned(), phone: None, shown: String::new() }
}

/// A new sign-up code: six letters and digits, easy to write down.
fn new_code() -> Result<String, Fail> {
    for _ in 0..8 {
        let mut b = [0u8; 6];
        getrandom::fill(&mut b).map_err(|e| Fail::internal(format!("no random bytes for a sign-up code: {e}")))?;
        let code = input::code_from(&b, 6).ok_or_else(|| Fail::internal("code"))?;
        if db::int("SELECT COUNT(*) AS n FROM signups WHERE code = ?1", &[sql::text(&code)])? == 0 {
            return Ok(code);
        }
    }
    Err(Fail::internal("no free sign-up code after 8 tries"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    pub activity: i64,
    pub day: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub name: String,
}

/// A resident signs up (`by` None), or staff sign up for one (代办: `by` is
/// the staff member's id and name; a phone is optional, a name required).
pub fn sign_up(cfg: &Config, ask: Ask, by: Option<(&str, &str)>, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let name = input::text("name", "姓名", &ask.name, 20, false)?;
    let who = match by {
        None => by_phone(&ask.phone, &name)?,
        Some(_) => {
            if name.is_empty() {
                return Err(Fail::field(422, "name_required", "name", "代办报名请填写老人的姓名", "enter the resident's name"));
            }
            if ask.phone.trim().is_empty() { by_name(&name) } else { by_phone(&ask.phone, &name)? }
        }
    };
    let a = acts::get(ask.activity).map_err(|_| Fail::field(404, "activity_unknown", "activity", "没有这项活动，请重新选择", "there is no such activity; please choose again"))?;
    let day = ask.day.trim();
    if calendar::days_of(day).is_none() {
        return Err(Fail::field(422, "day_invalid", "day", "日期不正确，应为 YYYY-MM-DD", "the date must be YYYY-MM-DD"));
    }
    if !db::open_on(day) {
        return Err(Fail::field(409, "day_closed", "day", format!("{day} 大厅休息（周末或节假日），没有活动"), format!("the hall is closed on {day} (weekend or public holiday); there is no activity")));
    }
    if !acts::happens_on(&a, day) {
        return Err(Fail::field(409, "not_on_day", "day", format!("“{}”在 {day} 没有安排", a.title), format!("`{}` does not take place on {day}", a.title)));
    }
    let start_ms = calendar::instant(day, a.start_min as u32).ok_or_else(|| Fail::internal("start"))?;
    let end_ms = calendar::instant(day, a.end_min as u32).ok_or_else(|| Fail::internal("end"))?;
    if now >= start_ms {
        return Err(Fail::user(409, "signup_closed", format!("“{}”已经开始或结束，不能再报名", a.title), format!("`{}` has started or is over; sign-up is closed", a.title)));
    }
    let last = acts::last_signup_day(cfg, now);
    if day > last.as_str() {
        return Err(Fail::user(409, "signup_not_open", format!("{day} 的活动还未开放报名，最多可提前 {} 周报名", cfg.weeks_ahead), format!("sign-up for {day} is not open yet; at most {} weeks ahead", cfg.weeks_ahead)));
    }
    let active_key = format!("{}|{day}|{}", a.id, who.key);
    let mine: Option<(String, String)> = db::row("SELECT status, code FROM signups WHERE active_key = ?1", &[sql::text(&active_key)])?;
    if let Some((status, _)) = mine {
        let (zh, en) = if status == "waiting" { ("已在候补名单中", "already on the waiting list") } else { ("已经报名", "already signed up") };
        return Err(Fail::user(409, "already_signed_up", format!("{}{day} 的“{}”{zh}，不能重复报名", if by.is_some() { "这位老人" } else { "您" }, a.title), format!("{en} for `{}` on {day}; one sign-up per person", a.title)));
    }
    let (booked, waiting) = acts::counts(a.id, day)?;
    let status = if booked < a.capacity {
        "booked"
    } else if waiting < cfg.waitlist_max as i64 {
        "waiting"
    } else {
        return Err(Fail::user(
            409,
            "activity_full",
            format!("“{}”{day} 的 {} 个名额已满{}，请选择其他活动或日期", a.title, a.capacity, if cfg.waitlist_max > 0 { "，候补名单也已满" } else { "" }),
            format!("`{}` on {day} is full ({} places{}); choose another activity or day", a.title, a.capacity, if cfg.waitlist_max > 0 { ", waiting list full too" } else { "" }),
        ));
    };
    let code = new_code()?;
    let (by_id, by_name) = by.map(|(i, n)| (Some(i), Some(n))).unwrap_or((None, None));
    let ids: Vec<i64> = db::rows(
        "INSERT INTO signups (code, activity, day, start_ms, end_ms, resident, name, phone, phone_shown, status, active_key, proxy, signed_by, signed_by_name, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15) RETURNING id",
        &[
            sql::text(&code), sql::int(a.id), sql::text(day), sql::int(start_ms), sql::int(end_ms), sql::text(&who.key), sql::text(&who.name),
            db::opt_text(who.phone.as_deref()), sql::text(&who.shown), sql::text(status), sql::text(&active_key), sql::int(by.is_some() as i64),
            db::opt_text(by_id), db::opt_text(by_name), sql::int(now),
        ],
    )?;
    let id = ids.first().copied().ok_or_else(|| Fail::internal("no sign-up id returned"))?;
    let s = get(id)?;
    if let Some(phone) = who.phone.as_deref() {
        let (zh, en) = if status == "booked" {
            ("您已报名{day} {start}的“{title}”，地点{place}，报名码 {code}。到活动角平板上输入手机号或报名码签到。", "Signed up: {title}, {day} {start}, {place}; code {code}. Check in on the corner's tablet with your phone or the code.")
        } else {
            ("“{title}”（{day} {start}）名额已满，您在候补名单中，报名码 {code}。有人取消时我们会通知您。", "{title} ({day} {start}) is full; you are on the waiting list, code {code}. We will tell you if a place frees up.")
        };
        let sent = notify::Message::to_phone(phone, if status == "booked" { "seniors-signed-up" } else { "seniors-waiting" }, zh, en)
            .param("title", &a.title)
            .param("day", day)
            .param("start", &hhmm(a.start_min as u32))
            .param("place", if a.place.is_empty() { "老年活动角" } else { &a.place })
            .param("code", &code)
            .send();
        if let Err(e) = sent {
            // The sign-up stands; the code is on the screen.
            log::warn(&format!("sign-up confirmation not sent: {e}"));
        }
    }
    if by.is_some() {
        log::info(&format!("sign-up {id} made by staff {} for a resident (代办)", by_id.unwrap_or("?")));
    }
    view(cfg, &s, &a, lang)
}

pub fn get(id: i64) -> Result<Signup, Fail> {
    db::row(&format!("SELECT {COLUMNS} FROM signups WHERE id = ?1"), &[sql::int(id)])?.ok_or_else(|| Fail::internal("sign-up vanished"))
}

pub fn by_code(code: &str) -> Result<Option<Signup>, Fail> {
    let c = input::code(code);
    if c.is_empty() || c.len() > 12 || !c.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    db::row(&format!("SELECT {COLUMNS} FROM signups WHERE code = ?1"), &[sql::text(&c)])
}

fn position(s: &Signup) -> Result<i64, Fail> {
    db::int("SELECT COUNT(*) AS n FROM signups WHERE activity = ?1 AND day = ?2 AND status = 'waiting' AND id <= ?3", &[sql::int(s.activity), sql::text(&s.day), sql::int(s.id)])
}

/// A sign-up as the resident and the staff see it (phone masked).
pub fn view(cfg: &Config, s: &Signup, a: &Activity, lang: &str) -> Result<serde_json::Value, Fail> {
    let pos = if s.status == "waiting" { Some(position(s)?) } else { None };
    Ok(json!({
        "id": s.id, "code": s.code, "status": s.status, "waiting_position": pos,
        "activity": a.id, "title": a.title, "kind_name": cfg.kind_name(&a.kind, lang), "place": a.place,
        "day": s.day, "start": hhmm(a.start_min as u32), "end": hhmm(a.end_min as u32),
        "name": s.name, "name_shown": if s.name.is_empty() { String::new() } else { mask::name(&s.name) }, "phone": s.phone_shown,
        "proxy": s.proxy == 1, "signed_by": s.signed_by_name, "checked_in": s.checked_in_at.is_some(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub name: String,
}

fn not_found() -> Fail {
    Fail::user(404, "signup_not_found", "没有找到这个报名，请核对报名码和手机号（或姓名）", "no sign-up with that code and phone (or name); please check them")
}

/// The sign-up with `code` if `phone` (or, for a resident without a phone,
/// the name) is the one it was made with.
pub fn owned(p: &Proof) -> Result<Signup, Fail> {
    if p.code.trim().is_empty() {
        return Err(Fail::field(422, "code_required", "code", "请填写报名码", "enter the sign-up code"));
    }
    let s = by_code(&p.code)?.ok_or_else(not_found)?;
    if !p.phone.trim().is_empty() {
        let ph = phone_of(&p.phone)?;
        if pseudonyms::of("phone", &ph) != s.resident {
            return Err(not_found());
        }
    } else if !p.name.trim().is_empty() {
        let n = input::text("name", "姓名", &p.name, 20, false)?;
        if s.name.is_empty() || name_key(&n) != name_key(&s.name) {
            return Err(not_found());
        }
    } else {
        return Err(Fail::field(422, "phone_required", "phone", "请填写报名时的手机号码；没有手机的老人请填写姓名", "enter the phone used to sign up, or the name for a resident without a phone"));
    }
    Ok(s)
}

/// The resident's sign-ups from today on (after proving one of them).
pub fn mine(cfg: &Config, s: &Signup, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let today = local_day(now).0;
    let list: Vec<Signup> = db::rows(&format!("SELECT {COLUMNS} FROM signups WHERE resident = ?1 AND day >= ?2 AND status <> 'cancelled' ORDER BY start_ms LIMIT 50"), &[sql::text(&s.resident), sql::text(&today)])?;
    let mut out = Vec::new();
    for x in &list {
        out.push(view(cfg, x, &acts::get(x.activity)?, lang)?);
    }
    Ok(json!({"signups": out}))
}

/// Cancel a sign-up; a place freed moves the first on the waiting list up.
pub fn cancel(cfg: &Config, s: &Signup, by: &str, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    if s.status != "booked" && s.status != "waiting" {
        return Err(Fail::user(409, "signup_not_active", "这个报名已经取消或已签到，不能再取消", "this sign-up is already cancelled or checked in"));
    }
    if now >= s.start_ms {
        return Err(Fail::user(409, "already_started", "活动已经开始，不能取消", "the activity has started; it can no longer be cancelled"));
    }
    sql::execute("UPDATE signups SET status = 'cancelled', active_key = NULL, updated_at = ?1, cancelled_by = ?2 WHERE id = ?3", &[sql::int(now), sql::text(by), sql::int(s.id)])?;
    let a = acts::get(s.activity)?;
    let promoted = if s.status == "booked" { promote(&a, &s.day, now)? } else { None };
    let mut v = view(cfg, &get(s.id)?, &a, lang)?;
    v["promoted"] = json!(promoted.map(|p| p.code));
    Ok(v)
}

/// Free places of `a` on `day` go to the waiting list in order; each one
/// moved up is told (by phone; for 代办 without a phone, the staff member
/// who signed them up is told, to pass it on).
fn promote(a: &Activity, day: &str, now: i64) -> Result<Option<Signup>, Fail> {
    let (booked, _) = acts::counts(a.id, day)?;
    if booked >= a.capacity {
        return Ok(None);
    }
    let next: Option<Signup> = db::row(&format!("SELECT {COLUMNS} FROM signups WHERE activity = ?1 AND day = ?2 AND status = 'waiting' ORDER BY id LIMIT 1"), &[sql::int(a.id), sql::text(day)])?;
    let Some(n) = next else { return Ok(None) };
    sql::execute("UPDATE signups SET status = 'booked', promoted_at = ?1, updated_at = ?1 WHERE id = ?2", &[sql::int(now), sql::int(n.id)])?;
    let msg = match (n.phone.as_deref(), n.signed_by.as_deref()) {
        (Some(phone), _) => Some(notify::Message::to_phone(
            phone,
            "seniors-promoted",
            "有人取消报名，您已从候补转为正式报名：{day} {start}“{title}”，报名码 {code}。",
            "A place freed up: you are now signed up for {title}, {day} {start}; code {code}.",
        )),
        (None, Some(staff)) => Some(
            notify::Message::to_staff(staff, "seniors-promoted-proxy", "您代办报名的{name}已从候补转为正式报名：{day} {start}“{title}”，报名码 {code}，请转告老人。", "{name}, whom you signed up, now has a place: {title}, {day} {start}; code {code}. Please tell them.")
                .param("name", &n.name),
        ),
        _ => None,
    };
    if let Some(m) = msg {
        let sent = m.param("title", &a.title).param("day", day).param("start", &hhmm(a.start_min as u32)).param("code", &n.code).send();
        if let Err(e) = sent {
            log::warn(&format!("promotion notice not sent: {e}"));
        }
    }
    Ok(Some(n))
}

/// Every sign-up still to come of `a` cancelled (the activity was taken
/// off), each resident told.
pub fn cancel_all(a: &Activity, now: i64, by: &str) -> Result<i64, Fail> {
    let list: Vec<Signup> = db::rows(&format!("SELECT {COLUMNS} FROM signups WHERE activity = ?1 AND start_ms > ?2 AND (status = 'booked' OR status = 'waiting') ORDER BY id"), &[sql::int(a.id), sql::int(now)])?;
    for s in &list {
        sql::execute("UPDATE signups SET status = 'cancelled', active_key = NULL, updated_at = ?1, cancelled_by = ?2 WHERE id = ?3", &[sql::int(now), sql::text(by), sql::int(s.id)])?;
        if let Some(phone) = s.phone.as_deref() {
            let sent = notify::Message::to_phone(phone, "seniors-activity-off", "很抱歉，{day} {start}的“{title}”已取消，您的报名随之取消。", "Sorry: {title} on {day} at {start} has been cancelled, and your sign-up with it.")
                .param("title", &a.title)
                .param("day", &s.day)
                .param("start", &hhmm(a.start_min as u32))
                .send();
            if let Err(e) = sent {
                log::warn(&format!("cancellation notice not sent: {e}"));
            }
        }
    }
    Ok(list.len() as i64)
}

/// Check-in at the corner's tablet: by phone (the sign-up of today whose
/// check-in is open) or by the sign-up code (with the name, for a resident
/// without a phone, when given).
pub fn check_in(cfg: &Config, p: Proof, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let today = local_day(now).0;
    let early = cfg.check_in_early_minutes as i64 * 60_000;
    let s = if !p.code.trim().is_empty() {
        let s = by_code(&p.code)?.ok_or_else(|| Fail::field(404, "signup_not_found", "code", "没有这个报名码，请核对", "no sign-up has that code; please check it"))?;
        if !p.name.trim().is_empty() && (s.name.is_empty() || name_key(&p.name) != name_key(&s.name)) {
            return Err(Fail::field(404, "signup_not_found", "name", "姓名和报名码对不上，请核对", "the name does not match the code; please check them"));
        }
        s
    } else if !p.phone.trim().is_empty() {
        let key = pseudonyms::of("phone", &phone_of(&p.phone)?);
        let list: Vec<Signup> = db::rows(&format!("SELECT {COLUMNS} FROM signups WHERE resident = ?1 AND day = ?2 AND status <> 'cancelled' ORDER BY start_ms"), &[sql::text(&key), sql::text(&today)])?;
        // The one whose check-in is open now; else the next, for a clear answer.
        let open = list.iter().find(|s| s.status == "booked" && now >= s.start_ms - early && now < s.end_ms);
        match open.or_else(|| list.iter().find(|s| now < s.end_ms)).or(list.first()) {
            Some(s) => s.clone(),
            None => return Err(Fail::field(404, "no_signup_today", "phone", "这个手机号今天没有活动报名", "this phone has no sign-up today")),
        }
    } else {
        return Err(Fail::field(422, "phone_required", "phone", "请输入手机号或报名码", "enter your phone or your sign-up code"));
    };
    let a = acts::get(s.activity)?;
    let what = format!("{} {}", s.day, hhmm(a.start_min as u32));
    match s.status.as_str() {
        "checked_in" => return Err(Fail::user(409, "already_checked_in", format!("已经签到过了：{what}“{}”", a.title), format!("already checked in: `{}`, {what}", a.title))),
        "waiting" => return Err(Fail::user(409, "on_waiting_list", format!("您在“{}”的候补名单中，还没有名额，请问问工作人员", a.title), format!("you are on the waiting list of `{}`; no place yet, please ask the staff", a.title))),
        "cancelled" => return Err(Fail::user(409, "signup_not_active", "这个报名已经取消", "this sign-up was cancelled")),
        _ => {}
    }
    if s.day != today || now < s.start_ms - early {
        return Err(Fail::user(409, "too_early", format!("还没到签到时间：“{}”在 {what} 开始，开始前 {} 分钟可以签到", a.title, cfg.check_in_early_minutes), format!("too early: `{}` starts {what}; check-in opens {} minutes before", a.title, cfg.check_in_early_minutes)));
    }
    if now >= s.end_ms {
        return Err(Fail::user(409, "activity_over", format!("“{}”已经结束", a.title), format!("`{}` is over", a.title)));
    }
    sql::execute("UPDATE signups SET status = 'checked_in', checked_in_at = ?1, updated_at = ?1 WHERE id = ?2", &[sql::int(now), sql::int(s.id)])?;
    view(cfg, &get(s.id)?, &a, lang)
}

/// Who signed up for `activity` on `day` (staff): names, masked phones,
/// who signed up whom, status and check-in.
pub fn roster(cfg: &Config, activity: i64, day: &str, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let a = acts::get(activity)?;
    let list: Vec<Signup> = db::rows(&format!("SELECT {COLUMNS} FROM signups WHERE activity = ?1 AND day = ?2 AND status <> 'cancelled' ORDER BY CASE WHEN status = 'waiting' THEN 1 ELSE 0 END, id"), &[sql::int(activity), sql::text(day)])?;
    let mut out = Vec::new();
    for s in &list {
        out.push(view(cfg, s, &a, lang)?);
    }
    Ok(json!({"occurrence": acts::occurrence(cfg, &a, day, lang, now)?, "signups": out}))
}
