//! Shifts, sign-up, hours recorded by the shift lead (every recording and
//! correction on the timeline), the yearly ranking and certificates.
//!
//! The plugin's calls run one at a time, each one transaction: "check,
//! then write" is safe; the UNIQUE `active_key` stands behind the check
//! that a shift is signed once.

use crate::config::Config;
use crate::db::{self, hours, local_day};
use linli_sdk::Fail;
use linli_sdk::input::{self, hhmm, minutes};
use linli_sdk::prelude::*;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Deserialize)]
pub struct Shift {
    pub id: i64,
    pub position: String,
    pub day: String,
    pub start_min: i64,
    pub end_min: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub place: String,
    pub places: i64,
    pub lead_id: String,
    pub lead_name: String,
    pub note: String,
}

const SHIFT: &str = "id, position, day, start_min, end_min, start_ms, end_ms, place, places, lead_id, lead_name, note";

pub fn shift(id: i64) -> Result<Shift, Fail> {
    db::row(&format!("SELECT {SHIFT} FROM shifts WHERE id = ?1"), &[sql::int(id)])?
        .ok_or_else(|| Fail::field(404, "shift_unknown", "shift", "没有这个班次，请重新选择", "there is no such shift; please choose again"))
}

fn taken(id: i64) -> Result<i64, Fail> {
    db::int("SELECT COUNT(*) AS n FROM signups WHERE shift = ?1 AND status = 'signed'", &[sql::int(id)])
}

pub fn shift_view(cfg: &Config, s: &Shift, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let n = taken(s.id)?;
    Ok(json!({
        "id": s.id, "position": s.position, "position_name": cfg.position_name(&s.position, lang), "day": s.day,
        "start": hhmm(s.start_min as u32), "end": hhmm(s.end_min as u32), "place": s.place, "places": s.places,
        "taken": n, "left": (s.places - n).max(0), "lead": s.lead_name, "note": s.note, "started": now >= s.start_ms,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewShift {
    pub position: String,
    pub day: String,
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub place: String,
    pub places: i64,
    /// The lead's staff id and name (default: whoever enters the shift).
    #[serde(default)]
    pub lead_id: Option<String>,
    #[serde(default)]
    pub lead_name: Option<String>,
    #[serde(default)]
    pub note: String,
}

pub fn create_shift(cfg: &Config, req: &Request, now: i64) -> Result<serde_json::Value, Fail> {
    let n: NewShift = req.json()?;
    if cfg.position(n.position.trim()).is_none() {
        let known: Vec<String> = cfg.positions.iter().map(|p| format!("{}（{}）", p.name_zh, p.code)).collect();
        return Err(Fail::field(422, "position_unknown", "position", format!("没有这个岗位，可选：{}", known.join("、")), "unknown position"));
    }
    let day = n.day.trim();
    if calendar::days_of(day).is_none() {
        return Err(Fail::field(422, "day_invalid", "day", "日期不正确，应为 YYYY-MM-DD", "day must be a date YYYY-MM-DD"));
    }
    let start = minutes(&n.start).ok_or_else(|| Fail::field(422, "time_invalid", "start", "开始时间应为 HH:MM", "the start must be HH:MM"))?;
    let end = minutes(&n.end).ok_or_else(|| Fail::field(422, "time_invalid", "end", "结束时间应为 HH:MM", "the end must be HH:MM"))?;
    if end <= start {
        return Err(Fail::field(422, "time_order", "end", "结束时间应晚于开始时间", "the end must be after the start"));
    }
    let start_ms = calendar::instant(day, start).ok_or_else(|| Fail::internal("start"))?;
    let end_ms = calendar::instant(day, end).ok_or_else(|| Fail::internal("end"))?;
    if start_ms <= now {
        return Err(Fail::field(422, "day_past", "day", "班次的开始时间已经过去", "the shift would start in the past"));
    }
    if !(1..=200).contains(&n.places) {
        return Err(Fail::field(422, "places_invalid", "places", "名额应为 1 至 200 人", "places must be 1 to 200"));
    }
    let place = input::required("place", "地点", &n.place, 40)?;
    let note = input::text("note", "说明", &n.note, 300, true)?;
    let lead_id = input::text("lead_id", "带班人编号", n.lead_id.as_deref().unwrap_or(""), 40, false)?;
    let lead_name = input::text("lead_name", "带班人", n.lead_name.as_deref().unwrap_or(""), 20, false)?;
    let (lead_id, lead_name) = if lead_id.is_empty() {
        (req.caller.id.clone().unwrap_or_default(), req.caller.name.clone().unwrap_or_default())
    } else {
        (lead_id, lead_name)
    };
    let ids: Vec<i64> = db::rows(
        "INSERT INTO shifts (position, day, start_min, end_min, start_ms, end_ms, place, places, lead_id, lead_name, note, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id",
        &[
            sql::text(n.position.trim()), sql::text(day), sql::int(start as i64), sql::int(end as i64), sql::int(start_ms), sql::int(end_ms), sql::text(&place), sql::int(n.places),
            sql::text(&lead_id), sql::text(&lead_name), sql::text(&note), sql::text(req.caller.id.as_deref().unwrap_or("")), sql::int(now),
        ],
    )?;
    let id = ids.first().copied().ok_or_else(|| Fail::internal("no shift id"))?;
    shift_view(cfg, &shift(id)?, req.lang(), now)
}

/// Shifts from `from_ms` on (residents: those still to come; the desk:
/// the last 60 days too).
pub fn shifts(cfg: &Config, from_ms: i64, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let list: Vec<Shift> = db::rows(&format!("SELECT {SHIFT} FROM shifts WHERE end_ms > ?1 ORDER BY start_ms, id LIMIT 300"), &[sql::int(from_ms)])?;
    let v: Result<Vec<_>, Fail> = list.iter().map(|s| shift_view(cfg, s, lang, now)).collect();
    Ok(json!({"shifts": v?}))
}

struct Volunteer {
    key: String,
    phone: String,
}

fn volunteer_of(phone: &str) -> Result<Volunteer, Fail> {
    let t = phone.trim();
    if t.is_empty() {
        return Err(Fail::field(422, "phone_required", "phone", "请填写手机号码", "the phone number is required"));
    }
    let p = linli_sdk::normalise::phone(t).map_err(|_| Fail::field(422, "phone_invalid", "phone", "手机号码格式不正确，应为 7 至 15 位数字", "that phone number does not look right (7 to 15 digits)"))?;
    Ok(Volunteer { key: pseudonyms::of("phone", &p), phone: p })
}

fn new_code(len: usize, table: &str, column: &str) -> Result<String, Fail> {
    for _ in 0..8 {
        let mut b = [0u8; 12];
        getrandom::fill(&mut b).map_err(|e| Fail::internal(format!("no random bytes for a code: {e}")))?;
        let code = input::code_from(&b, len).ok_or_else(|| Fail::internal("code"))?;
        if db::int(&format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = ?1"), &[sql::text(&code)])? == 0 {
            return Ok(code);
        }
    }
    Err(Fail::internal("no free code after 8 tries"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    pub shift: i64,
    pub phone: String,
    #[serde(default)]
    pub name: String,
}

/// A volunteer signs up for a shift. Refused clearly: the same shift
/// twice, a full shift, a shift overlapping another of theirs, a shift
/// that has started.
pub fn sign_up(cfg: &Config, ask: Ask, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let v = volunteer_of(&ask.phone)?;
    let name = input::text("name", "姓名", &ask.name, 20, false)?;
    let s = shift(ask.shift)?;
    let known: Option<(String, String)> = db::row("SELECT name, code FROM volunteers WHERE vkey = ?1", &[sql::text(&v.key)])?;
    if known.is_none() && name.is_empty() {
        return Err(Fail::field(422, "name_required", "name", "第一次报名请填写姓名（用于服务时长证明）", "enter your name the first time (it goes on the certificate of hours)"));
    }
    let what = format!("{} {}–{}", s.day, hhmm(s.start_min as u32), hhmm(s.end_min as u32));
    if now >= s.start_ms {
        return Err(Fail::user(409, "shift_started", format!("{what} 的班次已经开始，不能再报名"), format!("the shift {what} has started; sign-up is closed")));
    }
    let active_key = format!("{}|{}", s.id, v.key);
    if db::int("SELECT COUNT(*) AS n FROM signups WHERE active_key = ?1", &[sql::text(&active_key)])? > 0 {
        return Err(Fail::user(409, "already_signed_up", format!("您已经报名了 {what} 的{}班次，同一班次不能重复报名", cfg.position_name(&s.position, "zh-CN")), format!("you already signed up for this shift ({what}); one sign-up per shift")));
    }
    if taken(s.id)? >= s.places {
        return Err(Fail::user(409, "shift_full", format!("{what} 的班次 {} 个名额已满，请选择其他班次", s.places), format!("the shift {what} is full ({} places); choose another", s.places)));
    }
    #[derive(Deserialize)]
    struct Other {
        day: String,
        start_ms: i64,
        end_ms: i64,
        position: String,
    }
    let clash: Option<Other> = db::row(
        "SELECT s.day AS day, s.start_ms AS start_ms, s.end_ms AS end_ms, s.position AS position FROM signups g JOIN shifts s ON s.id = g.shift WHERE g.vkey = ?1 AND g.status = 'signed' AND s.start_ms < ?3 AND s.end_ms > ?2 LIMIT 1",
        &[sql::text(&v.key), sql::int(s.start_ms), sql::int(s.end_ms)],
    )?;
    if let Some(o) = clash {
        let other = format!("{} {}–{}", o.day, hhmm(local_day(o.start_ms).1), hhmm(local_day(o.end_ms).1));
        return Err(Fail::user(
            409,
            "shift_overlap",
            format!("这个班次和您已报名的{}班次（{other}）时间重叠，不能同时报名", cfg.position_name(&o.position, "zh-CN")),
            format!("this shift overlaps your {} shift ({other}); you cannot take both", cfg.position_name(&o.position, "en")),
        ));
    }
    // A first sign-up registers the volunteer and gives them their code.
    let mut first_code = None;
    match known {
        Some(_) => {
            if !name.is_empty() {
                sql::execute("UPDATE volunteers SET name = ?1 WHERE vkey = ?2", &[sql::text(&name), sql::text(&v.key)])?;
            }
        }
        None => {
            let code = new_code(6, "volunteers", "code")?;
            sql::execute(
                "INSERT INTO volunteers (vkey, name, phone_shown, code, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                &[sql::text(&v.key), sql::text(&name), sql::text(&mask::phone(&v.phone)), sql::text(&code), sql::int(now)],
            )?;
            first_code = Some(code);
        }
    }
    let ids: Vec<i64> = db::rows(
        "INSERT INTO signups (shift, vkey, day, start_ms, end_ms, status, active_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'signed', ?6, ?7) RETURNING id",
        &[sql::int(s.id), sql::text(&v.key), sql::text(&s.day), sql::int(s.start_ms), sql::int(s.end_ms), sql::text(&active_key), sql::int(now)],
    )?;
    let id = ids.first().copied().ok_or_else(|| Fail::internal("no sign-up id"))?;
    let pos = cfg.position(&s.position).map(|p| (p.name_zh.clone(), p.name_en.clone())).unwrap_or_default();
    let msg = match &first_code {
        Some(code) => notify::Message::to_phone(&v.phone, "volunteers-welcome", "欢迎加入志愿者！您已报名{day} {start}的{position}班次（{place}）。您的志愿者码是 {code}，查看时长、取消报名时使用。", "Welcome! You signed up for {position_en}, {day} {start} ({place}). Your volunteer code is {code}: use it to see your hours or cancel.").param("code", code),
        None => notify::Message::to_phone(&v.phone, "volunteers-signed-up", "您已报名{day} {start}的{position}班次（{place}）。", "You signed up for {position_en}, {day} {start} ({place})."),
    };
    if let Err(e) = msg.param("day", &s.day).param("start", &hhmm(s.start_min as u32)).param("position", &pos.0).param("position_en", &pos.1).param("place", &s.place).send() {
        log::warn(&format!("sign-up message not sent: {e}"));
    }
    let mut out = shift_view(cfg, &s, lang, now)?;
    out["signup"] = json!(id);
    out["volunteer_code"] = json!(first_code);
    Ok(out)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    pub phone: String,
    pub code: String,
}

/// The volunteer whose phone and personal code these are.
pub fn proven(p: &Proof) -> Result<(String, String), Fail> {
    let v = volunteer_of(&p.phone)?;
    let known: Option<(String, String)> = db::row("SELECT name, code FROM volunteers WHERE vkey = ?1", &[sql::text(&v.key)])?;
    match known {
        Some((name, code)) if code == input::code(&p.code) => Ok((v.key, name)),
        _ => Err(Fail::user(404, "volunteer_not_found", "手机号和志愿者码对不上，请核对", "the phone and the volunteer code do not match; please check them")),
    }
}

/// A volunteer's own record: shifts, hours this year.
pub fn me(cfg: &Config, key: &str, name: &str, lang: &str, now: i64) -> Result<serde_json::Value, Fail> {
    #[derive(Deserialize)]
    struct Mine {
        id: i64,
        shift: i64,
        status: String,
        attended: Option<i64>,
        minutes: Option<i64>,
    }
    let list: Vec<Mine> = db::rows("SELECT id, shift, status, attended, minutes FROM signups WHERE vkey = ?1 AND status = 'signed' ORDER BY start_ms DESC LIMIT 100", &[sql::text(key)])?;
    let mut out = Vec::new();
    for m in list {
        let mut v = shift_view(cfg, &shift(m.shift)?, lang, now)?;
        v["signup"] = json!(m.id);
        v["status"] = json!(m.status);
        v["attended"] = json!(m.attended.map(|a| a == 1));
        v["hours"] = json!(m.minutes.map(hours));
        out.push(v);
    }
    let year = &local_day(now).0[..4];
    let total = year_minutes(key, year)?;
    Ok(json!({"name": name, "year": year, "hours": hours(total), "minutes": total, "shifts": out}))
}

fn year_minutes(key: &str, year: &str) -> Result<i64, Fail> {
    db::int(
        "SELECT CAST(SUM(minutes) AS INTEGER) AS n FROM signups WHERE vkey = ?1 AND status = 'signed' AND attended = 1 AND day >= ?2 AND day <= ?3",
        &[sql::text(key), sql::text(&format!("{year}-01-01")), sql::text(&format!("{year}-12-31"))],
    )
}

pub fn cancel(key: &str, signup: i64, now: i64) -> Result<serde_json::Value, Fail> {
    let row: Option<(i64, String, i64)> = db::row("SELECT id, status, start_ms FROM signups WHERE id = ?1 AND vkey = ?2", &[sql::int(signup), sql::text(key)])?;
    let Some((id, status, start_ms)) = row else {
        return Err(Fail::user(404, "signup_not_found", "没有找到这个报名", "no such sign-up"));
    };
    if status != "signed" {
        return Err(Fail::user(409, "signup_not_active", "这个报名已经取消", "this sign-up was already cancelled"));
    }
    if now >= start_ms {
        return Err(Fail::user(409, "shift_started", "班次已经开始，不能取消，请联系带班人", "the shift has started; it cannot be cancelled, please tell the lead"));
    }
    sql::execute("UPDATE signups SET status = 'cancelled', active_key = NULL WHERE id = ?1", &[sql::int(id)])?;
    Ok(json!({"signup": id, "status": "cancelled"}))
}

/// Whether the caller may record the shift's hours: its lead, or a
/// supervisor (admins pass every role check).
fn may_record(req: &Request, s: &Shift) -> bool {
    req.caller.id.as_deref() == Some(s.lead_id.as_str()) || req.caller.has_role("supervisor") || req.caller.has_role("admin")
}

/// The shift's volunteers with what was recorded.
pub fn roster(cfg: &Config, req: &Request, id: i64, now: i64) -> Result<serde_json::Value, Fail> {
    let s = shift(id)?;
    #[derive(Deserialize)]
    struct R {
        id: i64,
        name: String,
        phone_shown: String,
        attended: Option<i64>,
        minutes: Option<i64>,
    }
    let list: Vec<R> = db::rows(
        "SELECT g.id AS id, v.name AS name, v.phone_shown AS phone_shown, g.attended AS attended, g.minutes AS minutes FROM signups g JOIN volunteers v ON v.vkey = g.vkey WHERE g.shift = ?1 AND g.status = 'signed' ORDER BY g.id",
        &[sql::int(id)],
    )?;
    let people: Vec<_> = list.iter().map(|r| json!({"signup": r.id, "name": r.name, "phone": r.phone_shown, "attended": r.attended.map(|a| a == 1), "minutes": r.minutes, "hours": r.minutes.map(hours)})).collect();
    Ok(json!({"shift": shift_view(cfg, &s, req.lang(), now)?, "length_minutes": s.end_min - s.start_min, "may_record": may_record(req, &s), "volunteers": people, "timeline": timeline(id)?}))
}

fn timeline(shift: i64) -> Result<serde_json::Value, Fail> {
    #[derive(Deserialize)]
    struct T {
        signup: i64,
        at: i64,
        by_name: String,
        action: String,
        before_attended: Option<i64>,
        before_minutes: Option<i64>,
        after_attended: i64,
        after_minutes: i64,
        reason: String,
    }
    let list: Vec<T> = db::rows("SELECT signup, at, by_name, action, before_attended, before_minutes, after_attended, after_minutes, reason FROM timeline WHERE shift = ?1 ORDER BY id", &[sql::int(shift)])?;
    Ok(json!(list.iter().map(|t| json!({
        "signup": t.signup, "at": clock::format_local(t.at), "by": t.by_name, "action": t.action,
        "before": t.before_minutes.map(|m| json!({"attended": t.before_attended == Some(1), "minutes": m})),
        "after": {"attended": t.after_attended == 1, "minutes": t.after_minutes}, "reason": t.reason,
    })).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub signup: i64,
    pub attended: bool,
    pub minutes: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hours {
    pub entries: Vec<Entry>,
    #[serde(default)]
    pub reason: String,
}

/// The lead confirms attendance and hours per person. A change to hours
/// already recorded is a correction: it needs a reason, and the timeline
/// keeps who changed what from what to what. All entries or none.
pub fn record(cfg: &Config, req: &Request, id: i64, now: i64) -> Result<serde_json::Value, Fail> {
    let s = shift(id)?;
    if !may_record(req, &s) {
        return Err(Fail::user(403, "not_shift_lead", format!("只有本班次的带班人（{}）或主管可以登记时长", s.lead_name), format!("only the shift's lead (`{}`) or a supervisor may record hours", s.lead_name)));
    }
    if now < s.start_ms {
        return Err(Fail::user(409, "shift_not_started", "班次还没开始，不能登记时长", "the shift has not started; hours cannot be recorded yet"));
    }
    let h: Hours = req.json()?;
    if h.entries.is_empty() || h.entries.len() > 200 {
        return Err(Fail::field(422, "entries_invalid", "entries", "请至少登记一位志愿者", "record at least one volunteer"));
    }
    let reason = input::text("reason", "更正原因", &h.reason, 200, false)?;
    let length = s.end_min - s.start_min;
    // Check every entry before writing any.
    let mut plan = Vec::new();
    for (i, e) in h.entries.iter().enumerate() {
        let field = format!("entries[{i}].minutes");
        let row: Option<(String, Option<i64>, Option<i64>)> = db::row("SELECT status, attended, minutes FROM signups WHERE id = ?1 AND shift = ?2", &[sql::int(e.signup), sql::int(id)])?;
        let Some((status, before_att, before_min)) = row else {
            return Err(Fail::field(404, "signup_unknown", &format!("entries[{i}].signup"), format!("第 {} 条：这个班次没有这位志愿者", i + 1), format!("entry {}: no such volunteer on this shift", i + 1)));
        };
        if status != "signed" {
            return Err(Fail::field(409, "signup_not_active", &format!("entries[{i}].signup"), format!("第 {} 条：这位志愿者已取消报名", i + 1), format!("entry {}: this volunteer cancelled", i + 1)));
        }
        if e.minutes < 0 || e.minutes > length {
            return Err(Fail::field(422, "minutes_invalid", &field, format!("第 {} 条：时长应为 0 至 {} 分钟（班次长度）", i + 1, length), format!("entry {}: minutes must be 0 to {length} (the shift's length)", i + 1)));
        }
        if !e.attended && e.minutes != 0 {
            return Err(Fail::field(422, "minutes_without_attendance", &field, format!("第 {} 条：未到岗的志愿者时长应为 0", i + 1), format!("entry {}: a volunteer who did not come has 0 minutes", i + 1)));
        }
        let after_att = e.attended as i64;
        let changed = before_min.is_some() && (before_min != Some(e.minutes) || before_att != Some(after_att));
        if changed && reason.is_empty() {
            return Err(Fail::field(422, "reason_required", "reason", "更正已登记的时长，请填写更正原因", "a correction of recorded hours needs a reason"));
        }
        if before_min == Some(e.minutes) && before_att == Some(after_att) {
            continue;
        }
        plan.push((e.signup, before_att, before_min, after_att, e.minutes, if before_min.is_some() { "corrected" } else { "recorded" }));
    }
    let (by_id, by_name) = (req.caller.id.clone().unwrap_or_default(), req.caller.name.clone().unwrap_or_default());
    for (signup, before_att, before_min, after_att, after_min, action) in &plan {
        sql::execute("UPDATE signups SET attended = ?1, minutes = ?2, recorded_by = ?3, recorded_at = ?4 WHERE id = ?5", &[sql::int(*after_att), sql::int(*after_min), sql::text(&by_id), sql::int(now), sql::int(*signup)])?;
        sql::execute(
            "INSERT INTO timeline (signup, shift, at, by_id, by_name, action, before_attended, before_minutes, after_attended, after_minutes, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            &[
                sql::int(*signup), sql::int(id), sql::int(now), sql::text(&by_id), sql::text(&by_name), sql::text(action),
                before_att.map(sql::int).unwrap_or(sql::Value::Null), before_min.map(sql::int).unwrap_or(sql::Value::Null), sql::int(*after_att), sql::int(*after_min), sql::text(&reason),
            ],
        )?;
    }
    if plan.iter().any(|p| p.5 == "corrected") {
        log::info(&format!("hours of shift {id} corrected by staff {by_id}"));
    }
    roster(cfg, req, id, now)
}

/// The year's hours per volunteer, most first. Public views mask names.
pub fn ranking(year: &str, full_names: bool) -> Result<serde_json::Value, Fail> {
    #[derive(Deserialize)]
    struct R {
        name: String,
        n: Option<i64>,
        shifts: i64,
    }
    let list: Vec<R> = db::rows(
        "SELECT v.name AS name, CAST(SUM(g.minutes) AS INTEGER) AS n, COUNT(*) AS shifts FROM signups g JOIN volunteers v ON v.vkey = g.vkey WHERE g.status = 'signed' AND g.attended = 1 AND g.day >= ?1 AND g.day <= ?2 GROUP BY v.vkey, v.name ORDER BY n DESC, v.name LIMIT 100",
        &[sql::text(&format!("{year}-01-01")), sql::text(&format!("{year}-12-31"))],
    )?;
    let rows: Vec<_> = list
        .iter()
        .filter(|r| r.n.unwrap_or(0) > 0)
        .enumerate()
        .map(|(i, r)| json!({"rank": i + 1, "name": if full_names { r.name.clone() } else { mask::name(&r.name) }, "hours": hours(r.n.unwrap_or(0)), "minutes": r.n.unwrap_or(0), "shifts": r.shifts}))
        .collect();
    Ok(json!({"year": year, "ranking": rows}))
}

pub fn year_param(req: &Request, now: i64) -> Result<String, Fail> {
    match req.query_param("year") {
        None => Ok(local_day(now).0[..4].to_owned()),
        Some(y) if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) && y.as_str() >= "2000" => Ok(y),
        Some(_) => Err(Fail::field(422, "year_invalid", "year", "年份应为四位数字，如 2026", "year must be four digits, e.g. 2026")),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertAsk {
    pub phone: String,
    pub year: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Cert {
    pub code: String,
    pub name: String,
    pub year: i64,
    pub minutes: i64,
    pub shifts: i64,
    pub issuer: String,
    pub issued_day: String,
}

/// A certificate of a volunteer's hours for a year, issued at the desk.
pub fn issue(cfg: &Config, req: &Request, now: i64) -> Result<serde_json::Value, Fail> {
    let a: CertAsk = req.json()?;
    let v = volunteer_of(&a.phone)?;
    let this_year: i64 = local_day(now).0[..4].parse().unwrap_or(0);
    if a.year < 2000 || a.year > this_year {
        return Err(Fail::field(422, "year_invalid", "year", format!("年份应为 2000 至 {this_year}"), format!("year must be 2000 to {this_year}")));
    }
    let name: Option<(String,)> = db::row("SELECT name FROM volunteers WHERE vkey = ?1", &[sql::text(&v.key)])?;
    let Some((name,)) = name else {
        return Err(Fail::field(404, "volunteer_not_found", "phone", "没有用这个手机号登记的志愿者", "no volunteer has this phone"));
    };
    let y = a.year.to_string();
    let total = year_minutes(&v.key, &y)?;
    if total <= 0 {
        return Err(Fail::user(409, "no_hours", format!("{}年没有已确认的服务时长，不能出具证明", a.year), format!("no confirmed hours in {}; no certificate", a.year)));
    }
    let shifts = db::int(
        "SELECT COUNT(*) AS n FROM signups WHERE vkey = ?1 AND status = 'signed' AND attended = 1 AND minutes > 0 AND day >= ?2 AND day <= ?3",
        &[sql::text(&v.key), sql::text(&format!("{y}-01-01")), sql::text(&format!("{y}-12-31"))],
    )?;
    let code = new_code(10, "certificates", "code")?;
    sql::execute(
        "INSERT INTO certificates (code, vkey, name, year, minutes, shifts, issuer, issued_day, issued_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &[sql::text(&code), sql::text(&v.key), sql::text(&name), sql::int(a.year), sql::int(total), sql::int(shifts), sql::text(&cfg.issuer), sql::text(&local_day(now).0), sql::text(req.caller.id.as_deref().unwrap_or("")), sql::int(now)],
    )?;
    log::info(&format!("certificate of hours issued by staff {}", req.caller.id.as_deref().unwrap_or("?")));
    Ok(json!({"code": code, "name": name, "year": a.year, "hours": hours(total), "shifts": shifts, "print": format!("/volunteers/certificate/{code}")}))
}

pub fn cert(code: &str) -> Result<Option<Cert>, Fail> {
    let c = input::code(code);
    if c.is_empty() || c.len() > 20 || !c.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    db::row("SELECT code, name, year, minutes, shifts, issuer, issued_day FROM certificates WHERE code = ?1", &[sql::text(&c)])
}

/// What anyone checking a code sees: the name masked, the year, the hours.
pub fn cert_public(c: &Cert) -> serde_json::Value {
    json!({"code": c.code, "valid": true, "name": mask::name(&c.name), "year": c.year, "hours": hours(c.minutes), "shifts": c.shifts, "issuer": c.issuer, "issued_day": c.issued_day})
}

pub fn verify_url(cfg: &Config, code: &str) -> String {
    // The volunteers' own override, else the hall's address (大厅信息).
    format!("{}/volunteers/verify/{code}", linli_sdk::hall::public_url_or(&cfg.public_url))
}
