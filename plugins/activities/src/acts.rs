//! Activities and sign-ups: capacity, a waiting list promoted in order when
//! someone cancels (the promoted resident is told through `notify`),
//! check-in by the code the sign-up's QR carries (once), and the figures.

use linli_sdk::input;
use crate::config::Config;
use linli_sdk::prelude::*;
use linli_sdk::sql::{int, text};
use serde::Deserialize;
use serde_json::{Value as Json, json};

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

#[derive(Debug, Clone, Deserialize)]
pub struct Activity {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub place: String,
    pub description: String,
    pub day: String,
    pub start_time: String,
    pub end_time: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: i64,
    pub waitlist: i64,
    pub status: String,
    pub created_by_name: String,
}

const COLUMNS: &str = "id, title, category, place, description, day, start_time, end_time, starts_at, ends_at, capacity, waitlist, status, created_by_name";

#[derive(Debug, Clone, Deserialize)]
pub struct Signup {
    pub id: i64,
    pub activity_id: i64,
    pub phone: Option<String>,
    pub name: String,
    pub status: String,
    pub code: String,
    pub queued_at: i64,
    pub checked_in_at: Option<i64>,
    pub acted_by: Option<String>,
}

const SIGNUP_COLUMNS: &str = "id, activity_id, phone, name, status, code, queued_at, checked_in_at, acted_by";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewActivity {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub capacity: i64,
    pub waitlist: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub name: String,
    /// Join the waiting list when the activity is full.
    #[serde(default)]
    pub waitlist: bool,
}

#[derive(Debug, Deserialize)]
pub struct Code {
    #[serde(default)]
    pub code: String,
    /// The activity the check-in desk is for (a code of another one is refused).
    pub activity: Option<i64>,
}

fn who(caller: &Caller) -> (String, String) {
    let id = caller.id.clone().unwrap_or_else(|| "?".into());
    let name = caller.name.clone().unwrap_or_else(|| id.clone());
    (id, name)
}

pub fn when(a: &Activity) -> String {
    format!("{} {}–{}", a.day, a.start_time, a.end_time)
}

pub fn get(id: i64) -> Result<Activity, Fail> {
    sql::query_one::<Activity>(&format!("SELECT {COLUMNS} FROM activities WHERE id = ?1"), &[int(id)])?.ok_or_else(|| Fail::user(404, "activity_not_found", "没有这个活动", "no such activity"))
}

pub fn counts(id: i64) -> Result<(i64, i64), Fail> {
    let confirmed = sql::query_i64("SELECT COUNT(*) AS n FROM signups WHERE activity_id = ?1 AND status = 'confirmed'", &[int(id)])?;
    let waiting = sql::query_i64("SELECT COUNT(*) AS n FROM signups WHERE activity_id = ?1 AND status = 'waiting'", &[int(id)])?;
    Ok((confirmed, waiting))
}

pub fn public_json(cfg: &Config, a: &Activity, lang: &str) -> Result<Json, Fail> {
    let (confirmed, waiting) = counts(a.id)?;
    Ok(json!({
        "id": a.id,
        "title": a.title,
        "category": a.category,
        "category_name": cfg.category_name(&a.category, lang),
        "place": a.place,
        "description": a.description,
        "when": when(a),
        "day": a.day,
        "capacity": a.capacity,
        "left": (a.capacity - confirmed).max(0),
        "waiting": waiting,
        "waitlist_left": (a.waitlist - waiting).max(0),
        "status": a.status,
    }))
}

/// Activities residents can still sign up for or attend, soonest first.
pub fn upcoming(now: i64) -> Result<Vec<Activity>, Fail> {
    Ok(sql::query_as::<Activity>(&format!("SELECT {COLUMNS} FROM activities WHERE status = 'open' AND ends_at > ?1 ORDER BY starts_at, id LIMIT 200"), &[int(now)])?)
}

/// Every activity for staff, newest start first.
pub fn all() -> Result<Vec<Activity>, Fail> {
    Ok(sql::query_as::<Activity>(&format!("SELECT {COLUMNS} FROM activities ORDER BY starts_at DESC, id DESC LIMIT 300"), &[])?)
}

/// `HH:MM` as minutes after midnight, or 422 naming the field.
fn minutes(field: &str, zh: &str, en: &str, s: &str) -> Result<u32, Fail> {
    input::minutes(s).ok_or_else(|| Fail::field(422, "bad_time", field, format!("{zh}应写成 14:30 这样的时间"), format!("{en} must be a time like 14:30")))
}

/// A new activity from staff, checked field by field. The same activity
/// sent twice (a double tap) is one.
pub fn create(cfg: &Config, n: NewActivity, caller: &Caller, now: i64) -> Result<i64, Fail> {
    let title = input::required("title", "活动名称", &n.title, 40)?;
    if cfg.category(&n.category).is_none() {
        return Err(Fail::field(422, "bad_category", "category", "请选择类别", "choose a category"));
    }
    let place = input::required("place", "活动地点", &n.place, 60)?;
    let description = input::text("description", "活动介绍", &n.description, 1000, true)?;
    let date = n.date.trim();
    if calendar::days_of(date).is_none() {
        return Err(Fail::field(422, "bad_date", "date", "日期应写成 2026-03-31 这样的日期", "the date must be like 2026-03-31"));
    }
    let start = minutes("start", "开始时间", "The start", &n.start)?;
    let end = minutes("end", "结束时间", "The end", &n.end)?;
    if end <= start {
        return Err(Fail::field(422, "bad_time", "end", "结束时间应晚于开始时间", "the end must be after the start"));
    }
    let starts_at = calendar::instant(date, start).ok_or_else(|| Fail::internal("date without an instant"))?;
    let ends_at = calendar::instant(date, end).ok_or_else(|| Fail::internal("date without an instant"))?;
    if starts_at <= now {
        return Err(Fail::field(422, "in_the_past", "date", "活动开始时间已过，请填写以后的时间", "the start has passed; choose a later time"));
    }
    if starts_at > now + 366 * DAY {
        return Err(Fail::field(422, "too_far", "date", "活动日期最多在一年以内", "the activity must be within a year"));
    }
    if !(1..=2000).contains(&n.capacity) {
        return Err(Fail::field(422, "bad_capacity", "capacity", "名额应为 1 至 2000 人", "the places must be 1 to 2000"));
    }
    let waitlist = n.waitlist.unwrap_or(i64::from(cfg.default_waitlist));
    if !(0..=500).contains(&waitlist) {
        return Err(Fail::field(422, "bad_waitlist", "waitlist", "候补人数应为 0 至 500", "the waiting list must be 0 to 500"));
    }
    let dup: Option<i64> = sql::query_one("SELECT id FROM activities WHERE title = ?1 AND starts_at = ?2 AND status = 'open'", &[text(&title), int(starts_at)])?;
    if let Some(id) = dup {
        return Err(Fail::user(409, "duplicate_activity", format!("同一时间的同名活动已录入（编号 {id}），请勿重复提交"), format!("the same activity at the same time is already entered (number {id})")));
    }
    let fmt = input::hhmm;
    let (by, by_name) = who(caller);
    let id: Option<i64> = sql::query_one(
        "INSERT INTO activities (title, category, place, description, day, start_time, end_time, starts_at, ends_at, capacity, waitlist, status, created_by, created_by_name, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'open', ?12, ?13, ?14, ?14) RETURNING id",
        &[text(&title), text(&n.category), text(&place), text(&description), text(date), text(&fmt(start)), text(&fmt(end)), int(starts_at), int(ends_at), int(n.capacity), int(waitlist), text(&by), text(&by_name), int(now)],
    )?;
    let id = id.ok_or_else(|| Fail::internal("insert returned no id"))?;
    show_on_screens(cfg, &get(id)?)?;
    events::publish("activities.created", &json!({"activity": id}))?;
    Ok(id)
}

fn screen_id(id: i64) -> String {
    format!("act-{id}")
}

/// The activity on the screens' zone until it starts, with the places
/// left (republished as they change). A hall whose layouts lack the zone
/// still has it on the kiosk and phones: the failure is logged.
pub fn show_on_screens(cfg: &Config, a: &Activity) -> Result<(), Fail> {
    if cfg.screen_zone.is_empty() || a.status != "open" {
        return Ok(());
    }
    let (confirmed, waiting) = counts(a.id)?;
    let left = a.capacity - confirmed;
    let seats = if left > 0 {
        format!("剩余名额 {left} 个")
    } else if waiting < a.waitlist {
        "名额已满，可排队候补".to_owned()
    } else {
        "名额和候补都已满".to_owned()
    };
    let cut = |s: String, n: usize| s.chars().take(n).collect::<String>();
    let item = if cfg.screen_zone == "ticker" {
        screens::Item::new(&screen_id(a.id), "ticker", &cut(format!("活动报名：{}｜{}｜{}｜{}", a.title, when(a), a.place, seats), 190)).kind("ticker")
    } else {
        screens::Item::new(&screen_id(a.id), &cfg.screen_zone, &cut(format!("活动报名：{}", a.title), 190))
            .body(&cut(format!("时间：{}\n地点：{}\n{}\n请在自助机或手机“社区活动”报名。", when(a), a.place, seats), 600))
    };
    if let Err(e) = screens::publish(&item.until(a.starts_at).priority(1)) {
        log::warn(&format!("activities: activity {} not shown on the screens: {e:?}", a.id));
    }
    Ok(())
}

fn withdraw(id: i64) {
    if let Err(e) = screens::withdraw(&screen_id(id)) {
        log::warn(&format!("activities: activity {id} not withdrawn from the screens: {e:?}"));
    }
}

/// A check-in code from the SDK's alphabet (no 0/O, 1/I/L a clerk could
/// misread from a phone).
fn new_code() -> Result<String, Fail> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| Fail::internal(format!("no random bytes for a check-in code: {e}")))?;
    input::code_from(&b, 8).ok_or_else(|| Fail::internal("too few random bytes for a check-in code"))
}

/// A code as typed or scanned: the QR's `LINLI-ACT:` prefix, spaces and
/// case dropped.
pub fn clean_code(s: &str) -> String {
    let s = s.trim();
    let s = s.strip_prefix("LINLI-ACT:").or_else(|| s.strip_prefix("linli-act:")).unwrap_or(s);
    input::code(&s.chars().take(40).collect::<String>())
}

/// What the QR code on the resident's sign-up carries.
pub fn qr_text(code: &str) -> String {
    format!("LINLI-ACT:{code}")
}

/// A resident signs up with a phone (a staff member doing it for them is
/// recorded by name, 代办): a place if there is one; when full,
/// the waiting list only if asked for (`waitlist`), else a clear refusal.
pub fn sign_up(cfg: &Config, id: i64, f: SignupForm, caller: &Caller, lang: &str, now: i64) -> Result<Json, Fail> {
    let phone = input::phone("phone", &f.phone)?;
    let name = input::text("name", "称呼", &f.name, 20, false)?;
    let a = get(id)?;
    if a.status != "open" {
        return Err(Fail::user(410, "activity_cancelled", "该活动已取消", "this activity was cancelled"));
    }
    if now >= a.starts_at {
        return Err(Fail::user(409, "signup_closed", "活动已开始，不能再报名", "the activity has started; sign-up is closed"));
    }
    let key = pseudonyms::of("phone", &phone);
    #[derive(Deserialize)]
    struct Prior {
        id: i64,
        status: String,
    }
    let prior: Option<Prior> = sql::query_one("SELECT id, status FROM signups WHERE activity_id = ?1 AND phone_key = ?2", &[int(id), text(&key)])?;
    if let Some(p) = prior.as_ref().filter(|p| p.status != "cancelled") {
        let (zh, en) = if p.status == "waiting" { ("候补", "on the waiting list") } else { ("报名", "signed up") };
        return Err(Fail::user(409, "already_signed_up", format!("这个手机号已{zh}此活动，不能重复报名"), format!("this phone is already {en} for this activity")));
    }
    let (confirmed, waiting) = counts(id)?;
    let status = if confirmed < a.capacity {
        "confirmed"
    } else if !f.waitlist {
        return Err(Fail::user(
            409,
            "activity_full",
            format!("活动名额已满（{} 人）{}", a.capacity, if waiting < a.waitlist { "，可以选择加入候补名单" } else { "，候补名单也已满" }),
            format!("the activity is full ({} places){}", a.capacity, if waiting < a.waitlist { "; you may join the waiting list" } else { " and so is its waiting list" }),
        ));
    } else if waiting < a.waitlist {
        "waiting"
    } else {
        return Err(Fail::user(409, "waitlist_full", "活动名额和候补名单都已满", "the activity and its waiting list are full"));
    };
    let code = new_code()?;
    let acted_by = if caller.is_staff() { text(&who(caller).1) } else { linli_sdk::sql::Value::Null };
    match prior {
        Some(p) => {
            sql::execute(
                "UPDATE signups SET status = ?1, code = ?2, phone = ?3, name = ?4, queued_at = ?5, promoted_at = NULL, cancelled_at = NULL, checked_in_at = NULL, checked_in_by = NULL, acted_by = ?7, updated_at = ?5 WHERE id = ?6",
                &[text(status), text(&code), text(&phone), text(&name), int(now), int(p.id), acted_by],
            )?;
        }
        None => {
            sql::execute(
                "INSERT INTO signups (activity_id, phone_key, phone, name, status, code, acted_by, created_at, queued_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8)",
                &[int(id), text(&key), text(&phone), text(&name), text(status), text(&code), acted_by, int(now)],
            )?;
        }
    }
    // The code by message too: a resident who signed up at the kiosk has
    // no page to keep.
    let (st_zh, st_en) = if status == "confirmed" { ("报名成功", "you are signed up") } else { ("已加入候补名单，有人取消时按顺序递补并再通知您", "you are on the waiting list; you will be told if a place frees up") };
    notify::Message::to_phone(&phone, "activity-signed-up", "“{title}”（{when}，{place}）：{status}。签到码：{code}", "“{title}” ({when}, {place}): {status_en}. Check-in code: {code}")
        .param("title", &a.title)
        .param("when", &when(&a))
        .param("place", &a.place)
        .param("status", st_zh)
        .param("status_en", st_en)
        .param("code", &code)
        .send()?;
    show_on_screens(cfg, &a)?;
    events::publish("activities.signed_up", &json!({"activity": id, "status": status}))?;
    mine(cfg, &code, lang, now)
}

fn signup_by_code(code: &str) -> Result<Signup, Fail> {
    let code = clean_code(code);
    if code.is_empty() {
        return Err(Fail::field(422, "code_required", "code", "请输入或扫描签到码", "type or scan the check-in code"));
    }
    sql::query_one::<Signup>(&format!("SELECT {SIGNUP_COLUMNS} FROM signups WHERE code = ?1"), &[text(&code)])?
        .ok_or_else(|| Fail::field(404, "code_not_found", "code", "没有这个签到码，请核对", "no sign-up has this code; check it"))
}

/// A resident's sign-up as their page shows it (by its code).
pub fn mine(cfg: &Config, code: &str, lang: &str, now: i64) -> Result<Json, Fail> {
    let s = signup_by_code(code)?;
    let a = get(s.activity_id)?;
    let position = if s.status == "waiting" {
        sql::query_i64("SELECT COUNT(*) AS n FROM signups WHERE activity_id = ?1 AND status = 'waiting' AND (queued_at < ?2 OR (queued_at = ?2 AND id <= ?3))", &[int(a.id), int(s.queued_at), int(s.id)])?
    } else {
        0
    };
    let status_name = match s.status.as_str() {
        "confirmed" if s.checked_in_at.is_some() => t(lang, "已签到", "Checked in"),
        "confirmed" => t(lang, "报名成功", "Signed up"),
        "waiting" => t(lang, "候补中", "On the waiting list"),
        _ => t(lang, "已取消", "Cancelled"),
    };
    Ok(json!({
        "code": s.code,
        "qr": qr_text(&s.code),
        "status": s.status,
        "status_name": status_name,
        "position": position,
        "checked_in": s.checked_in_at.map(clock::format_local),
        "can_cancel": s.status != "cancelled" && now < a.starts_at && s.checked_in_at.is_none() && a.status == "open",
        "phone": s.phone.as_deref().map(mask::phone),
        "activity": public_json(cfg, &a, lang)?,
    }))
}

/// The resident cancels; a place they held goes to the first on the
/// waiting list, who is told by message.
pub fn cancel(cfg: &Config, code: &str, now: i64) -> Result<Json, Fail> {
    let s = signup_by_code(code)?;
    let a = get(s.activity_id)?;
    if s.status == "cancelled" {
        return Err(Fail::user(409, "already_cancelled", "这个报名已经取消了", "this sign-up is already cancelled"));
    }
    if now >= a.starts_at {
        return Err(Fail::user(409, "too_late", "活动已开始，不能再取消", "the activity has started; it can no longer be cancelled"));
    }
    if s.checked_in_at.is_some() {
        return Err(Fail::user(409, "already_checked_in", "已经签到，不能再取消报名", "already checked in; the sign-up can no longer be cancelled"));
    }
    sql::execute("UPDATE signups SET status = 'cancelled', cancelled_at = ?1, updated_at = ?1 WHERE id = ?2", &[int(now), int(s.id)])?;
    let promoted = if s.status == "confirmed" && a.status == "open" { promote(&a, now)? } else { None };
    show_on_screens(cfg, &a)?;
    events::publish("activities.cancelled", &json!({"activity": a.id, "promoted": promoted.is_some()}))?;
    Ok(json!({"cancelled": true, "promoted": promoted.is_some()}))
}

/// The first on the waiting list takes the free place and is told.
fn promote(a: &Activity, now: i64) -> Result<Option<i64>, Fail> {
    let (confirmed, _) = counts(a.id)?;
    if confirmed >= a.capacity {
        return Ok(None);
    }
    let next: Option<Signup> = sql::query_one(&format!("SELECT {SIGNUP_COLUMNS} FROM signups WHERE activity_id = ?1 AND status = 'waiting' ORDER BY queued_at, id LIMIT 1"), &[int(a.id)])?;
    let Some(next) = next else { return Ok(None) };
    sql::execute("UPDATE signups SET status = 'confirmed', promoted_at = ?1, updated_at = ?1 WHERE id = ?2", &[int(now), int(next.id)])?;
    if let Some(phone) = &next.phone {
        notify::Message::to_phone(
            phone,
            "activity-promoted",
            "您候补的活动“{title}”有人取消，您已转为正式报名。时间：{when}，地点：{place}。签到码：{code}",
            "A place opened in “{title}”: you are now signed up. When: {when}, where: {place}. Check-in code: {code}",
        )
        .param("title", &a.title)
        .param("when", &when(a))
        .param("place", &a.place)
        .param("code", &next.code)
        .send()?;
    }
    Ok(Some(next.id))
}

/// Check-in at the desk: the code from the resident's QR (or typed). Once
/// per sign-up; only a confirmed place, from `checkin_before` minutes
/// before the start until the end.
pub fn check_in(cfg: &Config, c: Code, caller: &Caller, now: i64) -> Result<Json, Fail> {
    let s = signup_by_code(&c.code)?;
    let a = get(s.activity_id)?;
    if c.activity.is_some_and(|want| want != a.id) {
        return Err(Fail::user(409, "wrong_activity", format!("这个签到码是另一场活动的：{}（{}）", a.title, when(&a)), format!("this code is for another activity (number {}, {})", a.id, when(&a))));
    }
    if a.status != "open" {
        return Err(Fail::user(410, "activity_cancelled", "该活动已取消", "this activity was cancelled"));
    }
    match s.status.as_str() {
        "waiting" => return Err(Fail::user(409, "not_confirmed", "这是候补报名，尚未转为正式报名，不能签到", "this sign-up is still on the waiting list; it cannot check in")),
        "cancelled" => return Err(Fail::user(409, "signup_cancelled", "这个报名已取消，不能签到", "this sign-up was cancelled; it cannot check in")),
        _ => {}
    }
    if let Some(at) = s.checked_in_at {
        let t = clock::format_local(at);
        return Err(Fail::user(409, "already_checked_in", format!("已于 {t} 签到过，不能重复签到"), format!("already checked in at {t}; a code checks in once")));
    }
    if now < a.starts_at - i64::from(cfg.checkin_before) * MINUTE {
        return Err(Fail::user(409, "checkin_not_open", format!("签到还没开始：活动开始前 {} 分钟开放签到", cfg.checkin_before), format!("check-in has not opened: it opens {} minutes before the start", cfg.checkin_before)));
    }
    if now >= a.ends_at {
        return Err(Fail::user(409, "activity_over", "活动已结束，不能再签到", "the activity is over; check-in is closed"));
    }
    let (by, _) = who(caller);
    sql::execute("UPDATE signups SET checked_in_at = ?1, checked_in_by = ?2, updated_at = ?1 WHERE id = ?3", &[int(now), text(&by), int(s.id)])?;
    events::publish("activities.checked_in", &json!({"activity": a.id}))?;
    let checked = sql::query_i64("SELECT COUNT(*) AS n FROM signups WHERE activity_id = ?1 AND checked_in_at IS NOT NULL", &[int(a.id)])?;
    Ok(json!({"ok": true, "title": a.title, "name": mask::name(&s.name), "phone": s.phone.as_deref().map(mask::phone), "checked_in": checked, "capacity": a.capacity}))
}

/// The figures of one activity: places, signed up, checked in, no-shows
/// (once it has ended), waiting, cancelled.
pub fn attendance(a: &Activity, now: i64) -> Result<Json, Fail> {
    let n = |cond: &str| sql::query_i64(&format!("SELECT COUNT(*) AS n FROM signups WHERE activity_id = ?1 AND {cond}"), &[int(a.id)]);
    let signed = n("status = 'confirmed'")?;
    let checked = n("status = 'confirmed' AND checked_in_at IS NOT NULL")?;
    let ended = now >= a.ends_at;
    Ok(json!({
        "activity": a.id,
        "title": a.title,
        "when": when(a),
        "capacity": a.capacity,
        "signed_up": signed,
        "checked_in": checked,
        "no_shows": if ended { json!(signed - checked) } else { Json::Null },
        "ended": ended,
        "waiting": n("status = 'waiting'")?,
        "cancelled": n("status = 'cancelled'")?,
    }))
}

/// The sign-ups of one activity for staff (phones and names masked: staff
/// check people in by their code, not by their phone).
pub fn signups(id: i64) -> Result<Json, Fail> {
    let rows: Vec<Signup> = sql::query_as(&format!("SELECT {SIGNUP_COLUMNS} FROM signups WHERE activity_id = ?1 ORDER BY CASE status WHEN 'confirmed' THEN 0 WHEN 'waiting' THEN 1 ELSE 2 END, queued_at, id"), &[int(id)])?;
    Ok(json!(rows
        .iter()
        .map(|s| json!({"name": mask::name(&s.name), "phone": s.phone.as_deref().map(mask::phone), "status": s.status, "checked_in": s.checked_in_at.map(clock::format_local), "acted_by": s.acted_by}))
        .collect::<Vec<_>>()))
}

/// Staff cancel an activity: off the screens, everyone signed up told.
pub fn cancel_activity(id: i64, now: i64) -> Result<Activity, Fail> {
    let a = get(id)?;
    if a.status != "open" {
        return Err(Fail::user(409, "activity_cancelled", "该活动已取消", "this activity was cancelled"));
    }
    sql::execute("UPDATE activities SET status = 'cancelled', updated_at = ?1 WHERE id = ?2", &[int(now), int(id)])?;
    withdraw(id);
    let phones: Vec<Option<String>> = sql::query_as("SELECT phone FROM signups WHERE activity_id = ?1 AND status IN ('confirmed', 'waiting')", &[int(id)])?;
    for phone in phones.into_iter().flatten() {
        notify::Message::to_phone(&phone, "activity-cancelled", "很抱歉，您报名的活动“{title}”（{when}）已取消。", "Sorry: the activity “{title}” ({when}) you signed up for is cancelled.")
            .param("title", &a.title)
            .param("when", &when(&a))
            .send()?;
    }
    events::publish("activities.activity_cancelled", &json!({"activity": id}))?;
    get(id)
}

/// About once a minute: started activities leave the screens (their item
/// already ended at the start), phones are cleared after `keep_days`.
pub fn tick(cfg: &Config, now: i64) -> Result<(), Fail> {
    for item in screens::list()? {
        let Some(id) = item.id.strip_prefix("act-").and_then(|s| s.parse::<i64>().ok()) else { continue };
        let gone = sql::query_one::<i64>("SELECT id FROM activities WHERE id = ?1 AND (starts_at <= ?2 OR status <> 'open')", &[int(id), int(now)])?.is_some();
        if gone {
            withdraw(id);
        } else if item.zone != cfg.screen_zone {
            // An admin moved activities to another zone (or off the screens).
            withdraw(id);
            show_on_screens(cfg, &get(id)?)?;
        }
    }
    sql::execute(
        "UPDATE signups SET phone = NULL WHERE phone IS NOT NULL AND activity_id IN (SELECT id FROM activities WHERE ends_at < ?1)",
        &[int(now - i64::from(cfg.keep_days) * DAY)],
    )?;
    Ok(())
}
