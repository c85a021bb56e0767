//! The weekly calendar: activities (weekly or once) that staff and
//! volunteers enter, and the occurrences they make on the days the hall is
//! open.

use crate::config::Config;
use crate::db::{self, local_day, weekday};
use linli_sdk::input::{self, hhmm, minutes};
use linli_sdk::prelude::*;
use linli_sdk::Fail;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Deserialize)]
pub struct Activity {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub place: String,
    pub leader: String,
    pub note: String,
    pub start_min: i64,
    pub end_min: i64,
    pub capacity: i64,
    pub weekday: Option<i64>,
    pub day: Option<String>,
    pub from_day: String,
    pub until_day: Option<String>,
    pub active: i64,
}

const COLUMNS: &str = "id, kind, title, place, leader, note, start_min, end_min, capacity, weekday, day, from_day, until_day, active";

/// What staff send to enter or change an activity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub leader: String,
    #[serde(default)]
    pub note: String,
    pub start: String,
    pub end: String,
    pub capacity: i64,
    /// `weekly` or `once`.
    pub repeat: String,
    /// Weekly: 1 = Monday … 7 = Sunday.
    #[serde(default)]
    pub weekday: Option<i64>,
    /// Once: the date; weekly: the first date (today when left out).
    #[serde(default)]
    pub day: Option<String>,
    /// Weekly: the last date (none: until taken off).
    #[serde(default)]
    pub until: Option<String>,
}

pub fn get(id: i64) -> Result<Activity, Fail> {
    db::row(&format!("SELECT {COLUMNS} FROM activities WHERE id = ?1"), &[sql::int(id)])?
        .ok_or_else(|| Fail::field(404, "activity_unknown", "activity", format!("没有编号为 {id} 的活动"), format!("there is no activity {id}")))
}

fn date_field(field: &str, label: &str, v: &str) -> Result<String, Fail> {
    let v = v.trim();
    if calendar::days_of(v).is_none() {
        return Err(Fail::field(422, "day_invalid", field, format!("{label}“{}”不正确，应为 YYYY-MM-DD", input::text(field, label, v, 20, false).unwrap_or_default()), format!("{field} must be a date YYYY-MM-DD")));
    }
    Ok(v.to_owned())
}

/// The entry checked, each refusal naming its field; the values to store.
struct Checked {
    kind: String,
    title: String,
    place: String,
    leader: String,
    note: String,
    start: u32,
    end: u32,
    capacity: i64,
    weekday: Option<i64>,
    day: Option<String>,
    from_day: String,
    until_day: Option<String>,
}

fn check(cfg: &Config, e: &Entry) -> Result<Checked, Fail> {
    let kind = e.kind.trim().to_owned();
    if cfg.kind(&kind).is_none() {
        let known: Vec<String> = cfg.kinds.iter().map(|k| format!("{}（{}）", k.name_zh, k.code)).collect();
        return Err(Fail::field(422, "kind_unknown", "kind", format!("活动类别不正确，可选：{}", known.join("、")), format!("unknown kind; one of {}", cfg.kinds.iter().map(|k| k.code.as_str()).collect::<Vec<_>>().join(", "))));
    }
    let title = input::required("title", "活动名称", &e.title, 40)?;
    let place = input::text("place", "地点", &e.place, 40, false)?;
    let leader = input::text("leader", "主讲或带领人", &e.leader, 40, false)?;
    let note = input::text("note", "说明", &e.note, 300, true)?;
    let start = minutes(&e.start).ok_or_else(|| Fail::field(422, "time_invalid", "start", "开始时间应为 HH:MM（如 09:30）", "the start must be HH:MM (e.g. 09:30)"))?;
    let end = minutes(&e.end).ok_or_else(|| Fail::field(422, "time_invalid", "end", "结束时间应为 HH:MM（如 11:00）", "the end must be HH:MM (e.g. 11:00)"))?;
    if end <= start {
        return Err(Fail::field(422, "time_order", "end", "结束时间应晚于开始时间", "the end must be after the start"));
    }
    if !(1..=500).contains(&e.capacity) {
        return Err(Fail::field(422, "capacity_invalid", "capacity", "名额应为 1 至 500 人", "the capacity must be 1 to 500"));
    }
    let today = calendar::today();
    match e.repeat.as_str() {
        "weekly" => {
            let wd = e.weekday.filter(|w| (1..=7).contains(w)).ok_or_else(|| Fail::field(422, "weekday_invalid", "weekday", "请选择每周几（1 为周一，7 为周日）", "choose the day of the week (1 Monday … 7 Sunday)"))?;
            let from_day = match e.day.as_deref().filter(|d| !d.trim().is_empty()) {
                Some(d) => date_field("day", "开始日期", d)?,
                None => today.clone(),
            };
            let until_day = match e.until.as_deref().filter(|d| !d.trim().is_empty()) {
                Some(d) => {
                    let u = date_field("until", "结束日期", d)?;
                    if u < from_day {
                        return Err(Fail::field(422, "until_before_start", "until", "结束日期应不早于开始日期", "the last date must not be before the first"));
                    }
                    Some(u)
                }
                None => None,
            };
            Ok(Checked { kind, title, place, leader, note, start, end, capacity: e.capacity, weekday: Some(wd), day: None, from_day, until_day })
        }
        "once" => {
            let d = date_field("day", "活动日期", e.day.as_deref().unwrap_or(""))?;
            if d < today {
                return Err(Fail::field(422, "day_past", "day", format!("{d} 已经过去，请选择今天或以后的日期"), format!("{d} is in the past")));
            }
            if !db::open_on(&d) {
                return Err(Fail::field(409, "day_closed", "day", format!("{d} 大厅休息（周末或节假日），活动角不开放，请选择开放日"), format!("the hall is closed on {d} (weekend or public holiday); choose a day it is open")));
            }
            Ok(Checked { kind, title, place, leader, note, start, end, capacity: e.capacity, weekday: None, day: Some(d.clone()), from_day: d, until_day: None })
        }
        _ => Err(Fail::field(422, "repeat_invalid", "repeat", "请选择“每周”或“单次”", "repeat must be `weekly` or `once`")),
    }
}

fn who(req: &Request) -> String {
    format!("{}:{}", req.caller.id.as_deref().unwrap_or("?"), req.caller.name.as_deref().unwrap_or(""))
}

pub fn create(cfg: &Config, req: &Request, now: i64) -> Result<serde_json::Value, Fail> {
    let e: Entry = req.json()?;
    let c = check(cfg, &e)?;
    let by = who(req);
    let ids: Vec<i64> = db::rows(
        "INSERT INTO activities (kind, title, place, leader, note, start_min, end_min, capacity, weekday, day, from_day, until_day, active, created_by, created_at, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 1, ?13, ?14, ?13, ?14) RETURNING id",
        &[
            sql::text(&c.kind), sql::text(&c.title), sql::text(&c.place), sql::text(&c.leader), sql::text(&c.note),
            sql::int(c.start as i64), sql::int(c.end as i64), sql::int(c.capacity),
            c.weekday.map(sql::int).unwrap_or(sql::Value::Null), db::opt_text(c.day.as_deref()), sql::text(&c.from_day), db::opt_text(c.until_day.as_deref()),
            sql::text(&by), sql::int(now),
        ],
    )?;
    let id = ids.first().copied().ok_or_else(|| Fail::internal("no activity id returned"))?;
    log::info(&format!("activity {id} entered by staff {}", req.caller.id.as_deref().unwrap_or("?")));
    view(cfg, &get(id)?, req.lang())
}

/// A change to an activity. Sign-ups already made keep their places: a
/// smaller capacity takes no place away (the waiting list simply moves
/// no more until places free up).
pub fn update(cfg: &Config, req: &Request, id: i64, now: i64) -> Result<serde_json::Value, Fail> {
    let old = get(id)?;
    let e: Entry = req.json()?;
    let c = check(cfg, &e)?;
    if old.weekday.is_some() != c.weekday.is_some() {
        return Err(Fail::field(409, "repeat_fixed", "repeat", "每周活动和单次活动不能互相改，请停止此活动后新建", "a weekly activity cannot become a one-off (or back); take it off and enter a new one"));
    }
    sql::execute(
        "UPDATE activities SET kind = ?1, title = ?2, place = ?3, leader = ?4, note = ?5, start_min = ?6, end_min = ?7, capacity = ?8, weekday = ?9, day = ?10, from_day = ?11, until_day = ?12, updated_by = ?13, updated_at = ?14 WHERE id = ?15",
        &[
            sql::text(&c.kind), sql::text(&c.title), sql::text(&c.place), sql::text(&c.leader), sql::text(&c.note),
            sql::int(c.start as i64), sql::int(c.end as i64), sql::int(c.capacity),
            c.weekday.map(sql::int).unwrap_or(sql::Value::Null), db::opt_text(c.day.as_deref()), sql::text(&c.from_day), db::opt_text(c.until_day.as_deref()),
            sql::text(&who(req)), sql::int(now), sql::int(id),
        ],
    )?;
    // The sign-ups still to come follow the new times (reminders, check-in).
    let days: Vec<(String,)> = db::rows("SELECT DISTINCT day FROM signups WHERE activity = ?1 AND start_ms > ?2", &[sql::int(id), sql::int(now)])?;
    for (day,) in days {
        let (s, e) = (calendar::instant(&day, c.start).unwrap_or(0), calendar::instant(&day, c.end).unwrap_or(0));
        sql::execute("UPDATE signups SET start_ms = ?1, end_ms = ?2 WHERE activity = ?3 AND day = ?4", &[sql::int(s), sql::int(e), sql::int(id), sql::text(&day)])?;
    }
    view(cfg, &get(id)?, req.lang())
}

/// Take an activity off the calendar: the sign-ups still to come are
/// cancelled and their residents told.
pub fn stop(req: &Request, id: i64, now: i64) -> Result<serde_json::Value, Fail> {
    let a = get(id)?;
    if a.active == 0 {
        return Err(Fail::user(409, "activity_stopped", "这项活动已经停止", "this activity was already taken off"));
    }
    sql::execute("UPDATE activities SET active = 0, updated_by = ?1, updated_at = ?2 WHERE id = ?3", &[sql::text(&who(req)), sql::int(now), sql::int(id)])?;
    let n = crate::signup::cancel_all(&a, now, req.caller.id.as_deref().unwrap_or("staff"))?;
    log::info(&format!("activity {id} taken off by staff {}; {n} sign-ups cancelled", req.caller.id.as_deref().unwrap_or("?")));
    Ok(json!({"id": id, "active": false, "cancelled_signups": n}))
}

/// Whether `a` takes place on `day` (the hall open, within its dates).
pub fn happens_on(a: &Activity, day: &str) -> bool {
    if a.active == 0 || !db::open_on(day) {
        return false;
    }
    match (&a.day, a.weekday) {
        (Some(d), _) => d == day,
        (None, Some(w)) => weekday(day) == Some(w as u32) && a.from_day.as_str() <= day && a.until_day.as_deref().is_none_or(|u| day <= u),
        _ => false,
    }
}

/// The activities on `day`, by start time.
pub fn on_day(day: &str) -> Result<Vec<Activity>, Fail> {
    if !db::open_on(day) {
        return Ok(vec![]);
    }
    let wd = weekday(day).unwrap_or(0) as i64;
    let mut v: Vec<Activity> = db::rows(
        &format!("SELECT {COLUMNS} FROM activities WHERE active = 1 AND (day = ?1 OR (weekday = ?2 AND from_day <= ?1 AND (until_day IS NULL OR until_day >= ?1))) ORDER BY start_min, id"),
        &[sql::text(day), sql::int(wd)],
    )?;
    v.retain(|a| happens_on(a, day));
    Ok(v)
}

/// Places taken and waiting for `activity` on `day`.
pub fn counts(activity: i64, day: &str) -> Result<(i64, i64), Fail> {
    #[derive(Deserialize)]
    struct C {
        booked: Option<i64>,
        waiting: Option<i64>,
    }
    let c: Option<C> = db::row(
        "SELECT SUM(CASE WHEN status = 'booked' OR status = 'checked_in' THEN 1 ELSE 0 END) AS booked, SUM(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END) AS waiting FROM signups WHERE activity = ?1 AND day = ?2",
        &[sql::int(activity), sql::text(day)],
    )?;
    Ok(c.map(|c| (c.booked.unwrap_or(0), c.waiting.unwrap_or(0))).unwrap_or((0, 0)))
}

/// An activity as the pages show it.
pub fn view(cfg: &Config, a: &Activity, lang: &str) -> Result<serde_json::Value, Fail> {
    Ok(json!({
        "id": a.id, "kind": a.kind, "kind_name": cfg.kind_name(&a.kind, lang), "title": a.title, "place": a.place, "leader": a.leader, "note": a.note,
        "start": hhmm(a.start_min as u32), "end": hhmm(a.end_min as u32), "capacity": a.capacity,
        "repeat": if a.weekday.is_some() { "weekly" } else { "once" }, "weekday": a.weekday, "day": a.day, "from_day": a.from_day, "until": a.until_day, "active": a.active == 1,
    }))
}

/// One occurrence: the activity on a day with its places.
pub fn occurrence(cfg: &Config, a: &Activity, day: &str, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let (booked, waiting) = counts(a.id, day)?;
    let mut v = view(cfg, a, lang)?;
    let start_ms = calendar::instant(day, a.start_min as u32).unwrap_or(0);
    let end_ms = calendar::instant(day, a.end_min as u32).unwrap_or(0);
    v["day"] = json!(day);
    v["booked"] = json!(booked);
    v["waiting"] = json!(waiting);
    v["left"] = json!((a.capacity - booked).max(0));
    v["waitlist_left"] = json!((cfg.waitlist_max as i64 - waiting).max(0));
    v["started"] = json!(now >= start_ms);
    v["over"] = json!(now >= end_ms);
    v["open_for_signup"] = json!(now < start_ms && day <= last_signup_day(cfg, now).as_str());
    Ok(v)
}

/// The last day one may sign up for now.
pub fn last_signup_day(cfg: &Config, now: i64) -> String {
    let today = local_day(now).0;
    db::add_days(&today, cfg.weeks_ahead as i64 * 7).unwrap_or(today)
}

/// The Monday of the week of `day`.
pub fn monday_of(day: &str) -> String {
    let wd = weekday(day).unwrap_or(1) as i64;
    db::add_days(day, 1 - wd).unwrap_or_else(|| day.to_owned())
}

/// Seven days from `from`: each day, whether the corner is open, and its
/// activities with their places.
pub fn week(cfg: &Config, from: &str, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let mut days = Vec::new();
    for i in 0..7 {
        let Some(day) = db::add_days(from, i) else { continue };
        let mut items = Vec::new();
        for a in on_day(&day)? {
            items.push(occurrence(cfg, &a, &day, lang, now)?);
        }
        days.push(json!({"day": day, "weekday": weekday(&day), "open": db::open_on(&day), "activities": items}));
    }
    Ok(json!({"from": from, "today": local_day(now).0, "days": days}))
}

/// Every activity still on the calendar (the staff's list).
pub fn all(cfg: &Config, lang: &str) -> Result<serde_json::Value, Fail> {
    let list: Vec<Activity> = db::rows(&format!("SELECT {COLUMNS} FROM activities WHERE active = 1 ORDER BY weekday, day, start_min, id"), &[])?;
    let v: Result<Vec<_>, Fail> = list.iter().map(|a| view(cfg, a, lang)).collect();
    Ok(json!({"activities": v?}))
}
