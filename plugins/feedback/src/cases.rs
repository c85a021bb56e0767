//! The life of one suggestion, complaint or praise: received → assigned →
//! in hand → replied → closed, the deadline in working days from the day
//! it was sent, the resident's side (tracking code, accept, reopen once)
//! and the staff's (assign, take in hand, reply, close, publish).

use crate::config::{Config, kind_name};
use crate::db::{self, opt_text};
use crate::privacy::{clean, mask_personal};
use linli_sdk::prelude::*;
use linli_sdk::sql::Value;
use serde::Deserialize;
use serde_json::{Value as Json, json};

/// Tracking codes: no 0/O or 1/I, so a code read aloud or copied from a
/// slip is never mistaken (32 letters: five random bits each).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// 10 characters, 50 random bits: guessing one is hopeless even without
/// the host's per-client limit on public writes.
const CODE_LEN: usize = 10;
pub const MAX_TEXT: usize = 2000;
const MAX_NAME: usize = 20;
const MAX_REASON: usize = 500;

pub const STATUSES: &[(&str, &str, &str)] = &[
    ("received", "已受理", "Received"),
    ("assigned", "已分派", "Assigned"),
    ("in_hand", "办理中", "In hand"),
    ("replied", "已答复", "Replied"),
    ("closed", "已办结", "Closed"),
];

pub fn status_name<'a>(status: &str, lang: &str) -> &'a str {
    STATUSES.iter().find(|s| s.0 == status).map(|s| t(lang, s.1, s.2)).unwrap_or("")
}

const OPEN: &[&str] = &["received", "assigned", "in_hand"];

/// A case as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub category: String,
    pub channel: String,
    pub body: String,
    pub anonymous: bool,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub photo: Option<String>,
    pub status: String,
    pub assignee: Option<String>,
    pub assignee_name: Option<String>,
    pub created_at: i64,
    pub due_day: String,
    pub open_due: Option<i64>,
    pub reply: Option<String>,
    pub replied_at: Option<i64>,
    pub replied_by: Option<String>,
    pub reopened: bool,
    pub reopen_reason: Option<String>,
    pub accepted: bool,
    pub closed_at: Option<i64>,
    pub close_note: Option<String>,
}

const COLUMNS: &str = "id, code, kind, category, channel, body, anonymous, name, phone, photo, status, assignee, assignee_name, created_at, due_day, open_due, reply, replied_at, replied_by, reopened, reopen_reason, accepted, closed_at, close_note";

impl Case {
    pub fn overdue(&self, now: i64) -> bool {
        self.open_due.is_some_and(|d| d < now)
    }
    pub fn is_open(&self) -> bool {
        OPEN.contains(&self.status.as_str())
    }
}

pub fn code_shown(code: &str) -> String {
    if code.len() == CODE_LEN { format!("{}-{}", &code[..5], &code[5..]) } else { code.to_owned() }
}

/// A code as typed (lower case, spaces, the dash) in its stored form, or
/// None when it cannot be one (then it is answered like an unknown code).
fn normal_code(code: &str) -> Option<String> {
    let c: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase();
    (c.len() == CODE_LEN && c.bytes().all(|b| ALPHABET.contains(&b))).then_some(c)
}

fn new_code() -> Result<String, Fail> {
    loop {
        let mut b = [0u8; CODE_LEN];
        getrandom::fill(&mut b).map_err(|e| Fail::Internal(format!("no random bytes for a tracking code: {e}")))?;
        let code: String = b.iter().map(|x| ALPHABET[(*x & 31) as usize] as char).collect();
        if db::opt_int("SELECT id FROM cases WHERE code = ?1", &[sql::text(&code)])?.is_none() {
            return Ok(code);
        }
    }
}

/// The deadline `days` working days after `day`: the day and the instant
/// it ends (the case is overdue from then on).
fn deadline(day: &str, days: u32) -> Result<(String, i64), Fail> {
    let due = calendar::add_working_days(day, days as i32)?;
    let end = db::day_start(&due).ok_or_else(|| Fail::Internal(format!("the calendar gave `{due}`")))? + 86_400_000;
    Ok((due, end))
}

fn load(id: i64) -> Result<Case, Fail> {
    db::row(&format!("SELECT {COLUMNS} FROM cases WHERE id = ?1"), &[sql::int(id)])?
        .ok_or_else(|| Fail::user(404, "case_not_found", format!("没有编号为 {id} 的意见"), format!("no feedback with number {id}")))
}

/// The same answer for a malformed, unknown or mistyped code: it says
/// nothing about which codes exist.
fn not_found() -> Fail {
    Fail::user(404, "code_not_found", "没有找到这个跟踪码，请核对后再试（跟踪码为 10 位字母和数字）", "no feedback has this tracking code; check it and try again (10 letters and digits)")
}

fn by_code(code: &str) -> Result<Case, Fail> {
    let code = normal_code(code).ok_or_else(not_found)?;
    db::row(&format!("SELECT {COLUMNS} FROM cases WHERE code = ?1"), &[sql::text(&code)])?.ok_or_else(not_found)
}

/// Keep the per-status counts with a change of status (same transaction).
fn tally(from: Option<&str>, to: &str) -> Result<(), Fail> {
    if let Some(f) = from {
        sql::execute("UPDATE tallies SET n = n - 1 WHERE status = ?1", &[sql::text(f)])?;
    }
    sql::execute("INSERT INTO tallies (status, n) VALUES (?1, 1) ON CONFLICT (status) DO UPDATE SET n = tallies.n + 1", &[sql::text(to)])?;
    Ok(())
}

fn step(case: i64, now: i64, action: &str, actor: Option<&str>, note: Option<&str>) -> Result<(), Fail> {
    sql::execute("INSERT INTO steps (case_id, at, action, actor, note) VALUES (?1, ?2, ?3, ?4, ?5)", &[sql::int(case), sql::int(now), sql::text(action), opt_text(actor), opt_text(note)])?;
    Ok(())
}

/// A message to the resident's phone: never allowed to undo the change
/// it reports (the host's limits may refuse it; the tracking page shows
/// the same).
fn tell_resident(cfg: &Config, c: &Case, template: &str, zh: &str, en: &str) {
    if !cfg.notify_residents {
        return;
    }
    if let Some(phone) = &c.phone
        && let Err(e) = notify::Message::to_phone(phone, template, zh, en).param("code", &code_shown(&c.code)).send()
    {
        log::warn(&format!("feedback {}: message {template} not sent: {e}", c.id));
    }
}

fn tell_staff(staff: &str, c: &Case, template: &str, zh: &str, en: &str) {
    if let Err(e) = notify::Message::to_staff(staff, template, zh, en).param("id", &c.id.to_string()).send() {
        log::warn(&format!("feedback {}: message {template} to staff not sent: {e}", c.id));
    }
}

// ---- Residents -----------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    kind: String,
    category: String,
    text: String,
    #[serde(default)]
    anonymous: bool,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    photo: Option<String>,
    /// `poster` when sent from the page a QR poster opens.
    #[serde(default)]
    channel: Option<String>,
}

pub fn submit(cfg: &Config, n: NewCase, caller: &Caller, now: i64) -> Result<Json, Fail> {
    if !crate::config::KINDS.iter().any(|k| k.0 == n.kind) {
        return Err(Fail::field(422, "kind_unknown", "kind", "请选择类型：建议、投诉或表扬", "choose a kind: suggestion, complaint or praise"));
    }
    if cfg.category(&n.category).is_none() {
        return Err(Fail::field(422, "category_unknown", "category", "请从列表中选择类别", "choose a category from the list"));
    }
    let body = clean("text", ("内容", "The text"), &n.text, MAX_TEXT, true)?;
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|v| v.trim().is_empty());
    let (name, phone) = if n.anonymous {
        if !blank(&n.name) || !blank(&n.phone) {
            return Err(Fail::field(
                422,
                "anonymous_with_contact",
                "anonymous",
                "匿名提交时请不要填写姓名和电话；想收到短信答复请取消“匿名”",
                "an anonymous message has no name or phone; untick “anonymous” to get the reply by text message",
            ));
        }
        (None, None)
    } else {
        let name = clean("name", ("姓名", "The name"), n.name.as_deref().unwrap_or(""), MAX_NAME, false)?;
        let phone = match n.phone.as_deref().filter(|p| !p.trim().is_empty()) {
            None => None,
            Some(p) => Some(linli_sdk::normalise::phone(p).map_err(|_| Fail::field(422, "phone_invalid", "phone", "手机号码不正确，请检查", "the phone number is not valid"))?),
        };
        (Some(name), phone)
    };
    let photo = match n.photo.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(id) => {
            let bad = || Fail::field(422, "photo_unknown", "photo", "照片未上传成功或已使用，请重新上传", "the photo was not uploaded or is already used; upload it again");
            let f = files::get(id)?.ok_or_else(bad)?;
            if !f.content_type.starts_with("image/") || db::opt_int("SELECT id FROM cases WHERE photo = ?1", &[sql::text(id)])?.is_some() {
                return Err(bad());
            }
            files::keep(id)?;
            Some(id.to_owned())
        }
    };
    let channel = if caller.is_device("kiosk") {
        "kiosk"
    } else if caller.is_staff() {
        "desk"
    } else if n.channel.as_deref() == Some("poster") {
        "poster"
    } else {
        "phone"
    };
    let code = new_code()?;
    let day = db::local_day(now);
    let (due_day, due_ms) = deadline(&day, cfg.deadline_days(&n.kind))?;
    // The code in both spellings, so staff find a case by what a resident reads out.
    let words = format!("{} {} {} {}", body.to_lowercase(), code.to_lowercase(), code_shown(&code).to_lowercase(), name.as_deref().unwrap_or("").to_lowercase());
    let id = db::opt_int(
        "INSERT INTO cases (code, kind, category, channel, body, words, anonymous, name, phone, photo, status, created_at, created_day, due_day, open_due, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'received', ?11, ?12, ?13, ?14, ?11) RETURNING id",
        &[
            sql::text(&code),
            sql::text(&n.kind),
            sql::text(&n.category),
            sql::text(channel),
            sql::text(&body),
            sql::text(&words),
            sql::int(n.anonymous as i64),
            opt_text(name.as_deref()),
            opt_text(phone.as_deref()),
            opt_text(photo.as_deref()),
            sql::int(now),
            sql::text(&day),
            sql::text(&due_day),
            sql::int(due_ms),
        ],
    )?
    .ok_or_else(|| Fail::Internal("INSERT … RETURNING gave no id".into()))?;
    tally(None, "received")?;
    step(id, now, "received", None, None)?;
    events::publish("feedback.received", &json!({"id": id, "kind": n.kind, "category": n.category, "channel": channel, "due_day": due_day}))?;
    let c = load(id)?;
    tell_resident(
        cfg,
        &c,
        "feedback-received",
        "您的意见已收到，跟踪码 {code}，可凭跟踪码查看办理进度。",
        "Your feedback was received; tracking code {code}. Follow it with this code.",
    );
    Ok(json!({"id": id, "code": code_shown(&code), "due_day": due_day, "track": format!("/feedback/track?code={code}")}))
}

/// The case as its resident sees it: no staff names, no contact details.
pub fn resident_view(cfg: &Config, c: &Case, lang: &str, now: i64) -> Result<Json, Fail> {
    let steps: Vec<(i64, String)> = db::rows("SELECT at, action FROM steps WHERE case_id = ?1 ORDER BY id", &[sql::int(c.id)])?;
    Ok(json!({
        "code": code_shown(&c.code),
        "kind": c.kind,
        "kind_name": kind_name(&c.kind, lang),
        "category": cfg.category_name(&c.category, lang),
        "anonymous": c.anonymous,
        "text": c.body,
        "status": c.status,
        "status_name": status_name(&c.status, lang),
        "sent": clock::format_local(c.created_at),
        "due_day": c.due_day,
        "overdue": c.overdue(now),
        "reply": c.reply,
        "replied": c.replied_at.map(clock::format_local),
        "reopened": c.reopened,
        "accepted": c.accepted,
        "can_accept": c.status == "replied",
        "can_reopen": c.status == "replied" && !c.reopened,
        "steps": steps.iter().map(|(at, a)| json!({"at": clock::format_local(*at), "action": a, "name": action_name(a, lang)})).collect::<Vec<_>>(),
    }))
}

pub fn action_name<'a>(a: &str, lang: &str) -> &'a str {
    match a {
        "received" => t(lang, "已受理", "Received"),
        "assigned" => t(lang, "已分派给工作人员", "Assigned to a staff member"),
        "in_hand" => t(lang, "开始办理", "Taken in hand"),
        "replied" => t(lang, "已答复", "Replied"),
        "accepted" => t(lang, "居民认可答复，已办结", "The resident accepted the reply; closed"),
        "reopened" => t(lang, "居民不满意，重新办理", "Reopened by the resident"),
        "closed" => t(lang, "已办结", "Closed"),
        "auto_closed" => t(lang, "答复后居民未回应，自动办结", "Closed: no answer from the resident after the reply"),
        "published" => t(lang, "答复已公开（已隐去个人信息）", "Reply published (personal details removed)"),
        _ => "",
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeOnly {
    code: String,
}

pub fn track(cfg: &Config, q: CodeOnly, lang: &str, now: i64) -> Result<Json, Fail> {
    resident_view(cfg, &by_code(&q.code)?, lang, now)
}

pub fn accept(cfg: &Config, q: CodeOnly, lang: &str, now: i64) -> Result<Json, Fail> {
    let c = by_code(&q.code)?;
    if c.status != "replied" {
        return Err(not_answerable(&c));
    }
    sql::execute("UPDATE cases SET status = 'closed', accepted = 1, closed_at = ?2, updated_at = ?2 WHERE id = ?1", &[sql::int(c.id), sql::int(now)])?;
    tally(Some("replied"), "closed")?;
    step(c.id, now, "accepted", None, None)?;
    events::publish("feedback.closed", &json!({"id": c.id, "accepted": true}))?;
    resident_view(cfg, &load(c.id)?, lang, now)
}

fn not_answerable(c: &Case) -> Fail {
    if c.status == "closed" {
        Fail::user(409, "case_closed", "这件意见已办结，不能再确认或重新办理", "this feedback is closed; it can no longer be accepted or reopened")
    } else {
        Fail::user(409, "not_replied", "这件意见还没有答复，答复后才能确认或重新办理", "this feedback has no reply yet; accept or reopen it once it is answered")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reopen {
    code: String,
    reason: String,
}

pub fn reopen(cfg: &Config, r: Reopen, lang: &str, now: i64) -> Result<Json, Fail> {
    let c = by_code(&r.code)?;
    if c.status != "replied" {
        return Err(not_answerable(&c));
    }
    if c.reopened {
        return Err(Fail::user(409, "reopen_used", "每件意见只能重新办理一次；如仍不满意，请到大厅服务台或拨打监督电话", "a case can be reopened only once; if you are still not satisfied, ask at the hall's service desk"));
    }
    let reason = clean("reason", ("不满意的原因", "The reason"), &r.reason, MAX_REASON, true)?;
    let (due_day, due_ms) = deadline(&db::local_day(now), cfg.reopen_days)?;
    // Back to the member who answered (or whoever it was assigned to).
    let assignee = c.assignee.clone().or(c.replied_by.clone());
    sql::execute(
        "UPDATE cases SET status = 'in_hand', reopened = 1, reopen_reason = ?2, due_day = ?3, open_due = ?4, overdue_sent = 0, assignee = ?5, updated_at = ?6 WHERE id = ?1",
        &[sql::int(c.id), sql::text(&reason), sql::text(&due_day), sql::int(due_ms), opt_text(assignee.as_deref()), sql::int(now)],
    )?;
    tally(Some("replied"), "in_hand")?;
    step(c.id, now, "reopened", None, Some(&reason))?;
    events::publish("feedback.reopened", &json!({"id": c.id, "due_day": due_day}))?;
    if let Some(a) = &assignee {
        tell_staff(a, &c, "feedback-reopened", "意见 {id} 被居民重新提出，请重新办理。", "Feedback {id} was reopened by the resident; please handle it again.");
    }
    resident_view(cfg, &load(c.id)?, lang, now)
}

// ---- Staff ---------------------------------------------------------------

fn staff_id(caller: &Caller) -> String {
    caller.id.clone().unwrap_or_else(|| "staff".into())
}

fn staff_name(caller: &Caller) -> String {
    caller.name.clone().or(caller.id.clone()).unwrap_or_else(|| "staff".into())
}

/// Only the member it is assigned to, or a supervisor, works on a case.
fn may_handle(c: &Case, caller: &Caller) -> Result<(), Fail> {
    if caller.has_role("supervisor") || (c.assignee.is_some() && c.assignee == caller.id) {
        return Ok(());
    }
    Err(Fail::user(403, "not_assignee", "这件意见没有分派给您；请主管分派后再办理", "this feedback is not assigned to you; ask a supervisor to assign it"))
}

fn closed(c: &Case) -> Result<(), Fail> {
    if c.status == "closed" {
        return Err(Fail::user(409, "case_closed", "这件意见已办结，不能再操作", "this feedback is closed; nothing more can be done to it"));
    }
    Ok(())
}

pub fn staff_view(cfg: &Config, c: &Case, lang: &str, now: i64) -> Result<Json, Fail> {
    let steps: Vec<(i64, String, Option<String>, Option<String>)> = db::rows("SELECT at, action, actor, note FROM steps WHERE case_id = ?1 ORDER BY id", &[sql::int(c.id)])?;
    let published = db::opt_int("SELECT case_id FROM published WHERE case_id = ?1", &[sql::int(c.id)])?.is_some();
    Ok(json!({
        "id": c.id,
        "code": code_shown(&c.code),
        "kind": c.kind,
        "kind_name": kind_name(&c.kind, lang),
        "category": c.category,
        "category_name": cfg.category_name(&c.category, lang),
        "channel": c.channel,
        "text": c.body,
        "anonymous": c.anonymous,
        "name": c.name,
        "phone": c.phone.as_deref().map(mask::phone),
        "photo": c.photo.as_ref().map(|_| format!("/api/feedback/cases/{}/photo", c.id)),
        "status": c.status,
        "status_name": status_name(&c.status, lang),
        "assignee": c.assignee,
        "assignee_name": c.assignee_name,
        "sent": clock::format_local(c.created_at),
        "created_at": c.created_at,
        "due_day": c.due_day,
        "overdue": c.overdue(now),
        "reply": c.reply,
        "replied": c.replied_at.map(clock::format_local),
        "replied_by": c.replied_by,
        "reopened": c.reopened,
        "reopen_reason": c.reopen_reason,
        "accepted": c.accepted,
        "close_note": c.close_note,
        "closed": c.closed_at.map(clock::format_local),
        "published": published,
        "steps": steps.iter().map(|(at, a, who, note)| json!({"at": clock::format_local(*at), "action": a, "name": action_name(a, lang), "by": who, "note": note})).collect::<Vec<_>>(),
    }))
}

pub fn get(id: i64) -> Result<Case, Fail> {
    load(id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    staff_id: String,
    #[serde(default)]
    staff_name: Option<String>,
}

pub fn assign(id: i64, a: Assign, caller: &Caller, now: i64) -> Result<Case, Fail> {
    let c = load(id)?;
    closed(&c)?;
    if c.status == "replied" {
        return Err(Fail::user(409, "already_replied", "这件意见已经答复，等待居民确认，不能再分派", "this feedback is answered and waits for the resident; it cannot be assigned now"));
    }
    let to = clean("staff_id", ("工作人员", "The staff member"), &a.staff_id, 40, false)?;
    let name = match a.staff_name.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(n) => clean("staff_name", ("工作人员姓名", "The staff member's name"), n, 40, false)?,
        None => to.clone(),
    };
    sql::execute(
        "UPDATE cases SET status = 'assigned', assignee = ?2, assignee_name = ?3, updated_at = ?4 WHERE id = ?1",
        &[sql::int(id), sql::text(&to), sql::text(&name), sql::int(now)],
    )?;
    tally(Some(&c.status), "assigned")?;
    step(id, now, "assigned", Some(&staff_name(caller)), Some(&name))?;
    events::publish("feedback.assigned", &json!({"id": id, "to": to}))?;
    tell_staff(&to, &c, "feedback-assigned", "意见 {id} 已分派给您，请按时答复。", "Feedback {id} was assigned to you; please reply in time.");
    load(id)
}

pub fn start(id: i64, caller: &Caller, now: i64) -> Result<Case, Fail> {
    let c = load(id)?;
    closed(&c)?;
    if !c.is_open() {
        return Err(Fail::user(409, "already_replied", "这件意见已经答复", "this feedback is already answered"));
    }
    if c.assignee.is_none() {
        // A supervisor taking an unassigned case takes it themselves.
        sql::execute("UPDATE cases SET assignee = ?2, assignee_name = ?3 WHERE id = ?1", &[sql::int(id), sql::text(&staff_id(caller)), sql::text(&staff_name(caller))])?;
    }
    let c = if c.assignee.is_none() { load(id)? } else { c };
    may_handle(&c, caller)?;
    sql::execute("UPDATE cases SET status = 'in_hand', updated_at = ?2 WHERE id = ?1", &[sql::int(id), sql::int(now)])?;
    tally(Some(&c.status), "in_hand")?;
    step(id, now, "in_hand", Some(&staff_name(caller)), None)?;
    load(id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    text: String,
}

pub fn reply(cfg: &Config, id: i64, r: Reply, caller: &Caller, now: i64) -> Result<Case, Fail> {
    let c = load(id)?;
    closed(&c)?;
    if c.status == "replied" {
        return Err(Fail::user(409, "already_replied", "这件意见已经答复，等待居民确认", "this feedback is already answered and waits for the resident"));
    }
    may_handle(&c, caller)?;
    let text = clean("text", ("答复", "The reply"), &r.text, MAX_TEXT, true)?;
    sql::execute(
        "UPDATE cases SET status = 'replied', reply = ?2, replied_at = ?3, replied_by = ?4, open_due = NULL, assignee = COALESCE(assignee, ?4), assignee_name = COALESCE(assignee_name, ?5), updated_at = ?3 WHERE id = ?1",
        &[sql::int(id), sql::text(&text), sql::int(now), sql::text(&staff_id(caller)), sql::text(&staff_name(caller))],
    )?;
    tally(Some(&c.status), "replied")?;
    step(id, now, "replied", Some(&staff_name(caller)), None)?;
    events::publish("feedback.replied", &json!({"id": id, "late": c.overdue(now)}))?;
    let c = load(id)?;
    tell_resident(
        cfg,
        &c,
        "feedback-replied",
        "您的意见（跟踪码 {code}）已有答复，请凭跟踪码查看；如不满意可申请重新办理一次。",
        "Your feedback (tracking code {code}) has a reply; read it with the code. If you are not satisfied you may reopen it once.",
    );
    Ok(c)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Close {
    #[serde(default)]
    note: Option<String>,
}

pub fn close(id: i64, r: Close, caller: &Caller, now: i64) -> Result<Case, Fail> {
    let c = load(id)?;
    closed(&c)?;
    let note = match r.note.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(n) => Some(clean("note", ("办结说明", "The note"), n, MAX_REASON, true)?),
        None => None,
    };
    sql::execute(
        "UPDATE cases SET status = 'closed', open_due = NULL, closed_at = ?2, close_note = ?3, updated_at = ?2 WHERE id = ?1",
        &[sql::int(id), sql::int(now), opt_text(note.as_deref())],
    )?;
    tally(Some(&c.status), "closed")?;
    step(id, now, "closed", Some(&staff_name(caller)), note.as_deref())?;
    events::publish("feedback.closed", &json!({"id": id, "accepted": false}))?;
    load(id)
}

/// What would be published: the resident's text and the reply with
/// personal details masked, for a staff member to read and confirm.
pub fn publish_preview(cfg: &Config, id: i64) -> Result<Json, Fail> {
    let c = publishable(cfg, id)?;
    Ok(json!({
        "question": mask_personal(&c.body, c.name.as_deref()),
        "answer": mask_personal(c.reply.as_deref().unwrap_or(""), c.name.as_deref()),
    }))
}

fn publishable(cfg: &Config, id: i64) -> Result<Case, Fail> {
    if !cfg.public_replies {
        return Err(Fail::user(409, "public_replies_off", "意见箱设置未开启公开答复", "public replies are turned off in the feedback settings"));
    }
    let c = load(id)?;
    if c.reply.is_none() {
        return Err(Fail::user(409, "not_replied", "这件意见还没有答复，不能公开", "this feedback has no reply to publish yet"));
    }
    Ok(c)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    question: String,
    answer: String,
    #[serde(default)]
    confirm: bool,
}

pub fn publish(cfg: &Config, id: i64, p: Publish, caller: &Caller, now: i64) -> Result<Json, Fail> {
    let c = publishable(cfg, id)?;
    if !p.confirm {
        return Err(Fail::field(422, "confirm_required", "confirm", "请先核对已隐去个人信息的内容，勾选确认后再公开", "read the text with personal details removed, then tick to confirm before publishing"));
    }
    let question = clean("question", ("公开的意见内容", "The published question"), &p.question, MAX_TEXT, true)?;
    let answer = clean("answer", ("公开的答复", "The published reply"), &p.answer, MAX_TEXT, true)?;
    // What the staff member confirmed must itself pass the masking: an
    // edit that put a phone, an ID number or the resident's name back is
    // refused, not published.
    for (field, text) in [("question", &question), ("answer", &answer)] {
        if mask_personal(text, c.name.as_deref()) != *text {
            return Err(Fail::field(
                422,
                "personal_details",
                if field == "question" { "question" } else { "answer" },
                "内容中仍有电话号码、身份证号或居民姓名，请隐去后再公开",
                "the text still has a phone number, an ID card number or the resident's name; remove it before publishing",
            ));
        }
    }
    sql::execute(
        "INSERT INTO published (case_id, kind, category, question, answer, published_at, published_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (case_id) DO UPDATE SET question = excluded.question, answer = excluded.answer, published_at = excluded.published_at, published_by = excluded.published_by",
        &[sql::int(id), sql::text(&c.kind), sql::text(&c.category), sql::text(&question), sql::text(&answer), sql::int(now), sql::text(&staff_name(caller))],
    )?;
    step(id, now, "published", Some(&staff_name(caller)), None)?;
    events::publish("feedback.published", &json!({"id": id}))?;
    Ok(json!({"id": id, "question": question, "answer": answer}))
}

pub fn public_list(cfg: &Config, lang: &str, limit: i64) -> Result<Vec<Json>, Fail> {
    if !cfg.public_replies {
        return Ok(vec![]);
    }
    let rows: Vec<(i64, String, String, String, String, i64)> = db::rows(
        &format!("SELECT case_id, kind, category, question, answer, published_at FROM published ORDER BY published_at DESC, case_id DESC LIMIT {}", limit.clamp(1, 200)),
        &[],
    )?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, cat, q, a, at)| json!({"id": id, "kind": kind_name(&kind, lang), "category": cfg.category_name(&cat, lang), "question": q, "answer": a, "published": clock::format_local(at)}))
        .collect())
}

// ---- The console's list --------------------------------------------------

/// The console's filters, from the query string.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub overdue: bool,
    pub mine: bool,
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
    pub after: Option<i64>,
    pub limit: i64,
}

impl Filter {
    pub fn parse(req: &Request, cfg: &Config) -> Result<Filter, Fail> {
        let get = |k: &str| req.query_param(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut f = Filter { limit: 50, ..Default::default() };
        if let Some(s) = get("status") {
            if !STATUSES.iter().any(|x| x.0 == s) && s != "open" {
                return Err(Fail::field(422, "filter_invalid", "status", "状态筛选不正确", "unknown status filter"));
            }
            f.status = Some(s);
        }
        if let Some(k) = get("kind") {
            if !crate::config::KINDS.iter().any(|x| x.0 == k) {
                return Err(Fail::field(422, "filter_invalid", "kind", "类型筛选不正确", "unknown kind filter"));
            }
            f.kind = Some(k);
        }
        if let Some(c) = get("category") {
            if cfg.category(&c).is_none() {
                return Err(Fail::field(422, "filter_invalid", "category", "类别筛选不正确", "unknown category filter"));
            }
            f.category = Some(c);
        }
        f.overdue = get("overdue").is_some_and(|v| v == "1" || v == "true" || v == "on");
        f.mine = get("mine").is_some_and(|v| v == "1" || v == "true" || v == "on");
        for (k, slot) in [("from", &mut f.from), ("to", &mut f.to)] {
            if let Some(d) = get(k) {
                if db::days_of(&d).is_none() {
                    return Err(Fail::field(422, "filter_invalid", k, "日期应为 YYYY-MM-DD", "a date must be YYYY-MM-DD"));
                }
                *slot = Some(d);
            }
        }
        if let Some(q) = get("q") {
            let q = clean("q", ("搜索词", "The search words"), &q, 50, false)?;
            f.q = Some(q);
        }
        if let Some(a) = get("after") {
            f.after = Some(a.parse().map_err(|_| Fail::field(422, "filter_invalid", "after", "翻页位置不正确", "bad page position"))?);
        }
        if let Some(l) = get("limit") {
            f.limit = l.parse::<i64>().ok().filter(|l| (1..=200).contains(l)).ok_or_else(|| Fail::field(422, "filter_invalid", "limit", "每页条数应为 1 至 200", "the page size must be 1 to 200"))?;
        }
        Ok(f)
    }

    /// The query string of these filters (for the next page's link).
    pub fn query(&self, after: Option<i64>) -> String {
        let mut parts = Vec::new();
        let enc = |s: &str| -> String {
            s.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
        };
        for (k, v) in [("status", &self.status), ("kind", &self.kind), ("category", &self.category), ("from", &self.from), ("to", &self.to), ("q", &self.q)] {
            if let Some(v) = v {
                parts.push(format!("{k}={}", enc(v)));
            }
        }
        if self.overdue {
            parts.push("overdue=1".into());
        }
        if self.mine {
            parts.push("mine=1".into());
        }
        if let Some(a) = after {
            parts.push(format!("after={a}"));
        }
        parts.join("&")
    }
}

/// One row of the console's list.
#[derive(Debug, Deserialize)]
pub struct Listed {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub category: String,
    pub body: String,
    pub anonymous: bool,
    pub name: Option<String>,
    pub status: String,
    pub assignee_name: Option<String>,
    pub created_at: i64,
    pub due_day: String,
    pub open_due: Option<i64>,
    pub reopened: bool,
}

/// A page of the list, newest first, and the id to continue after.
/// Keyset paging (`id < after`): every page costs the same however deep,
/// and each filter is a range of its own index.
pub fn list(f: &Filter, caller: &Caller, now: i64) -> Result<(Vec<Listed>, Option<i64>), Fail> {
    let mut cond: Vec<String> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    let p = |v: Value, params: &mut Vec<Value>| {
        params.push(v);
        format!("?{}", params.len())
    };
    match f.status.as_deref() {
        // Waiting for staff is exactly "has a deadline running".
        Some("open") => cond.push("open_due IS NOT NULL".into()),
        Some(s) => {
            let n = p(sql::text(s), &mut params);
            cond.push(format!("status = {n}"));
        }
        None => {}
    }
    if let Some(k) = &f.kind {
        let n = p(sql::text(k), &mut params);
        cond.push(format!("kind = {n}"));
    }
    if let Some(c) = &f.category {
        let n = p(sql::text(c), &mut params);
        cond.push(format!("category = {n}"));
    }
    if f.overdue {
        let n = p(sql::int(now), &mut params);
        // `+ 0`: walk the waiting cases newest first (their own index)
        // rather than sort every overdue one by id.
        cond.push(format!("open_due IS NOT NULL AND open_due + 0 < {n}"));
    }
    if f.mine {
        let n = p(sql::text(&staff_id(caller)), &mut params);
        cond.push(format!("assignee = {n}"));
    }
    // A date range as an id range: ids grow with the time of sending (the
    // plugin's calls run one at a time, each stamped with the host's
    // clock), so the first and last cases of the range (one step down an
    // index each) bound it and every other filter's index stays usable.
    // `MIN(id) … WHERE created_at >= ?` is not used: PostgreSQL answers it
    // by walking the ids from the oldest, 60,000 rows for a recent date.
    if let Some(from) = &f.from {
        let start = db::day_start(from).unwrap_or(0);
        match db::opt_int("SELECT id FROM cases WHERE created_at >= ?1 ORDER BY created_at, id LIMIT 1", &[sql::int(start)])? {
            Some(lo) => {
                let n = p(sql::int(lo), &mut params);
                let m = p(sql::int(start), &mut params);
                cond.push(format!("id >= {n} AND created_at >= {m}"));
            }
            None => return Ok((vec![], None)),
        }
    }
    if let Some(to) = &f.to {
        let end = db::day_start(to).unwrap_or(0) + 86_400_000;
        match db::opt_int("SELECT id FROM cases WHERE created_at < ?1 ORDER BY created_at DESC, id DESC LIMIT 1", &[sql::int(end)])? {
            Some(hi) => {
                let n = p(sql::int(hi), &mut params);
                let m = p(sql::int(end), &mut params);
                cond.push(format!("id <= {n} AND created_at < {m}"));
            }
            None => return Ok((vec![], None)),
        }
    }
    if let Some(q) = &f.q {
        for w in q.split_whitespace().take(5) {
            let pat = format!("%{}%", w.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            let n = p(sql::text(&pat), &mut params);
            cond.push(format!("words LIKE {n} ESCAPE '\\'"));
        }
    }
    if let Some(a) = f.after {
        let n = p(sql::int(a), &mut params);
        cond.push(format!("id < {n}"));
    }
    let wh = if cond.is_empty() { String::new() } else { format!("WHERE {}", cond.join(" AND ")) };
    // One more than a page: whether there is a next page, without a count.
    let stmt = format!(
        "SELECT id, code, kind, category, body, anonymous, name, status, assignee_name, created_at, due_day, open_due, reopened FROM cases {wh} ORDER BY id DESC LIMIT {}",
        f.limit + 1
    );
    let mut rows: Vec<Listed> = db::rows(&stmt, &params)?;
    let next = if rows.len() as i64 > f.limit {
        rows.truncate(f.limit as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok((rows, next))
}

pub fn listed_json(cfg: &Config, r: &Listed, lang: &str, now: i64) -> Json {
    let preview: String = r.body.chars().take(120).collect();
    json!({
        "id": r.id,
        "code": code_shown(&r.code),
        "kind": r.kind,
        "kind_name": kind_name(&r.kind, lang),
        "category": r.category,
        "category_name": cfg.category_name(&r.category, lang),
        "text": preview,
        "anonymous": r.anonymous,
        "name": r.name.as_deref().map(mask::name),
        "status": r.status,
        "status_name": status_name(&r.status, lang),
        "assignee_name": r.assignee_name,
        "sent": clock::format_local(r.created_at),
        "due_day": r.due_day,
        "overdue": r.open_due.is_some_and(|d| d < now),
        "reopened": r.reopened,
    })
}

/// Counts for the console's header: per status, and overdue.
pub fn counts(now: i64) -> Result<Json, Fail> {
    let rows: Vec<(String, i64)> = db::rows("SELECT status, n FROM tallies WHERE n > 0", &[])?;
    let overdue = db::opt_int("SELECT COUNT(*) FROM cases WHERE open_due IS NOT NULL AND open_due < ?1", &[sql::int(now)])?.unwrap_or(0);
    let mut m = serde_json::Map::new();
    for (s, n) in rows {
        m.insert(s, json!(n));
    }
    m.insert("overdue".into(), json!(overdue));
    Ok(Json::Object(m))
}

// ---- Tick ----------------------------------------------------------------

/// Overdue cases raise `feedback.overdue` once (and a message to the
/// member they are assigned to); a reply the resident neither accepted nor
/// reopened within `answer_days` working days closes the case.
pub fn tick(cfg: &Config, now: i64) -> Result<(), Fail> {
    let late: Vec<(i64, Option<String>, String)> =
        db::rows("SELECT id, assignee, due_day FROM cases WHERE open_due IS NOT NULL AND open_due < ?1 AND overdue_sent = 0 ORDER BY id LIMIT 200", &[sql::int(now)])?;
    for (id, assignee, due_day) in late {
        sql::execute("UPDATE cases SET overdue_sent = 1 WHERE id = ?1", &[sql::int(id)])?;
        events::publish("feedback.overdue", &json!({"id": id, "due_day": due_day}))?;
        if let Some(a) = assignee
            && let Err(e) = notify::Message::to_staff(&a, "feedback-overdue", "意见 {id} 已超过答复期限（{due}），请尽快办理。", "Feedback {id} is past its deadline ({due}); please handle it now.")
                .param("id", &id.to_string())
                .param("due", &due_day)
                .send()
        {
            log::warn(&format!("feedback {id}: overdue message not sent: {e}"));
        }
    }
    let today = db::local_day(now);
    let cut_day = calendar::add_working_days(&today, -(cfg.answer_days as i32))?;
    if let Some(cut) = db::day_start(&cut_day) {
        let stale: Vec<i64> = db::rows("SELECT id FROM cases WHERE status = 'replied' AND replied_at < ?1 ORDER BY replied_at LIMIT 200", &[sql::int(cut)])?;
        for id in stale {
            sql::execute("UPDATE cases SET status = 'closed', closed_at = ?2, updated_at = ?2 WHERE id = ?1", &[sql::int(id), sql::int(now)])?;
            tally(Some("replied"), "closed")?;
            step(id, now, "auto_closed", None, None)?;
            events::publish("feedback.closed", &json!({"id": id, "accepted": false, "auto": true}))?;
        }
    }
    Ok(())
}
