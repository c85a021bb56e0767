//! Finished tickets and their one rating each: from the window's evaluator
//! (only tickets of its own window), from the resident's phone by the
//! ticket's token (for `phone_days`), or the default after
//! `default_after_days` (marked, never a real rating).

use crate::config::Config;
use crate::db;
use linli_sdk::Fail;
use linli_sdk::prelude::*;
use linli_sdk::store::HostError;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub const DAY_MS: i64 = 86_400_000;

/// The five levels of the national 好差评 rules, best first.
pub const LEVELS: [(i64, &str, &str); 5] = [
    (5, "非常满意", "Very satisfied"),
    (4, "满意", "Satisfied"),
    (3, "基本满意", "Fairly satisfied"),
    (2, "不满意", "Dissatisfied"),
    (1, "非常不满意", "Very dissatisfied"),
];

/// Why a resident was dissatisfied (asked for 不满意 or worse).
pub const REASONS: [(&str, &str, &str); 5] = [
    ("attitude", "态度", "Attitude"),
    ("efficiency", "效率", "Efficiency"),
    ("repeat_visits", "多次跑动", "Had to come several times"),
    ("unclear_materials", "材料要求不清", "Unclear about the materials"),
    ("other", "其他", "Other"),
];

/// A rating of this level or worse is a 差评 and opens a case.
pub const POOR: i64 = 2;
/// The longest free text (words, reasons, notes), in characters.
pub const TEXT_MAX: usize = 500;

pub fn level_name(level: i64, lang: &str) -> &'static str {
    LEVELS.iter().find(|l| l.0 == level).map(|l| if lang == "en" { l.2 } else { l.1 }).unwrap_or("")
}

pub fn reason_name(code: &str, lang: &str) -> &'static str {
    REASONS.iter().find(|r| r.0 == code).map(|r| if lang == "en" { r.2 } else { r.1 }).unwrap_or("")
}

/// A finished ticket as this plugin keeps it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Served {
    pub id: i64,
    pub queue_id: i64,
    pub day: String,
    pub ticket: String,
    pub service: String,
    pub service_name_zh: String,
    pub service_name_en: String,
    pub window: String,
    pub clerk_id: Option<String>,
    pub clerk_name: Option<String>,
    pub finished_at: i64,
    pub rated: i64,
}

const SERVED: &str = "id, queue_id, day, ticket, service, service_name_zh, service_name_en, \"window\", clerk_id, clerk_name, finished_at, rated";

impl Served {
    pub fn service_name(&self, lang: &str) -> &str {
        if lang == "en" { &self.service_name_en } else { &self.service_name_zh }
    }
}

/// A ticket as the queue's callable `GET /api/queue/served` reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct QueueTicket {
    pub id: i64,
    pub day: String,
    pub ticket: String,
    pub service: String,
    #[serde(default)]
    pub service_name_zh: String,
    #[serde(default)]
    pub service_name_en: String,
    pub status: String,
    pub window: Option<String>,
    pub clerk_id: Option<String>,
    pub clerk_name: Option<String>,
    pub finished_at: Option<i64>,
}

/// The clerk on duty at a window, as the queue knows it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct OnDuty {
    pub clerk_id: Option<String>,
    pub clerk_name: Option<String>,
    /// When the clerk last acted at the window (ms).
    #[serde(default)]
    pub last_seen: Option<i64>,
}

/// Ask the queue (as this plugin, along the link an admin allowed).
/// `Ok(None)`: the queue has no such ticket.
fn ask_queue<T: serde::de::DeserializeOwned>(cfg: &Config, path: &str) -> Result<Option<T>, Fail> {
    let reply = match services::Call::get(&cfg.queue_plugin, path).send() {
        Ok(r) => r,
        Err(HostError::Denied(e)) => {
            log::warn(&format!("reading the queue: {e}"));
            return Err(Fail::user(
                503,
                "queue_not_linked",
                "服务评价无法读取排队叫号的办结记录：请管理员在插件管理中允许“服务评价”调用“排队叫号”".to_string(),
                format!("ratings cannot read the queue ({}): an admin must allow ratings to call {} on the plugins page", cfg.queue_plugin, cfg.queue_plugin),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    match reply.status {
        200 => reply.json().map(Some).map_err(|e| Fail::Internal(format!("the queue's answer to {path}: {e}"))),
        404 => Ok(None),
        s => Err(Fail::Internal(format!("the queue answered {s} to {path}: {}", reply.text().chars().take(200).collect::<String>()))),
    }
}

/// The clerk at `window` today (none when the queue cannot say, or the
/// last clerk there worked on another day).
pub fn on_duty(cfg: &Config, window: &str, now: i64) -> Option<OnDuty> {
    let today = db::local_day(now);
    match ask_queue::<OnDuty>(cfg, &format!("/api/queue/served?window={}", encode(window))) {
        Ok(d) => d.filter(|d| (d.clerk_id.is_some() || d.clerk_name.is_some()) && d.last_seen.is_some_and(|t| db::local_day(t) == today)),
        Err(e) => {
            log::warn(&format!("the clerk at window {window}: {e:?}"));
            None
        }
    }
}

fn encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Keep a finished ticket the queue reported (once: the same ticket again
/// is the row kept the first time). A ticket not finished is refused.
fn keep(q: QueueTicket) -> Result<Served, Fail> {
    let (Some(window), Some(finished_at), "finished") = (q.window.clone(), q.finished_at, q.status.as_str()) else {
        return Err(not_finished(&q.ticket));
    };
    sql::execute(
        "INSERT INTO served (queue_id, day, ticket, service, service_name_zh, service_name_en, \"window\", clerk_id, clerk_name, finished_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (queue_id) DO NOTHING",
        &[
            sql::int(q.id),
            sql::text(&q.day),
            sql::text(&q.ticket),
            sql::text(&q.service),
            sql::text(&q.service_name_zh),
            sql::text(&q.service_name_en),
            sql::text(&window),
            db::opt_text(q.clerk_id.as_deref()),
            db::opt_text(q.clerk_name.as_deref()),
            sql::int(finished_at),
        ],
    )?;
    db::row(&format!("SELECT {SERVED} FROM served WHERE queue_id = ?1"), &[sql::int(q.id)])?.ok_or_else(|| Fail::Internal("a served ticket kept but not found".into()))
}

fn not_finished(ticket: &str) -> Fail {
    Fail::user(409, "not_finished", format!("{ticket} 号还没有办结，办结后才能评价"), format!("Ticket {ticket} is not finished yet; it can be rated once it is"))
}

fn unknown_ticket(ticket: &str) -> Fail {
    Fail::user(404, "ticket_unknown", format!("今天没有 {ticket} 号"), format!("There is no ticket {ticket} today"))
}

/// The payload of `queue.finished` this plugin reads: the queue's contract
/// (`linli_shared::events::Finished`, written by the queue), read here with
/// the SDK alone; fields this plugin does not need are ignored.
#[derive(Debug, Deserialize)]
pub struct Finished {
    pub ticket: String,
    #[serde(default)]
    pub time: Option<i64>,
}

/// `queue.finished`: keep the ticket with its clerk, and tell the window's
/// evaluator (`ratings.pending`) to ask for a rating.
pub fn on_finished(cfg: &Config, e: &Finished, now: i64) -> Result<(), Fail> {
    let day = db::local_day(e.time.unwrap_or(now));
    let Some(q) = ask_queue::<QueueTicket>(cfg, &format!("/api/queue/served?day={day}&ticket={}", encode(&e.ticket)))? else {
        return Err(unknown_ticket(&e.ticket));
    };
    let s = keep(q)?;
    if s.rated == 0 {
        events::publish("ratings.pending", &json!({"window": s.window, "ticket": s.ticket}))?;
    }
    Ok(())
}

/// What a rating says: the level, the reasons (不满意 or worse only) and
/// optional words.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRating {
    pub level: i64,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub words: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceRating {
    pub ticket: String,
    pub level: i64,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub words: String,
}

/// A free text as kept: trimmed, at most [`TEXT_MAX`] characters, no
/// control characters but line breaks. The error names the field.
pub fn check_text(field: &str, zh: &str, en: &str, text: &str, required: bool) -> Result<String, Fail> {
    let t = text.trim();
    if required && t.is_empty() {
        return Err(Fail::user(422, "text_required", format!("请填写{zh}（{field}）"), format!("{en} (`{field}`) is required")));
    }
    let n = t.chars().count();
    if n > TEXT_MAX {
        return Err(Fail::user(
            422,
            "text_too_long",
            format!("{zh}（{field}）最多 {TEXT_MAX} 字，现在有 {n} 字"),
            format!("{en} (`{field}`) may have at most {TEXT_MAX} characters, not {n}"),
        ));
    }
    let bidi = |c: char| matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if t.chars().any(|c| (c.is_control() && c != '\n') || bidi(c)) {
        return Err(Fail::user(
            422,
            "text_invalid",
            format!("{zh}（{field}）含有控制字符，请删除后再提交"),
            format!("{en} (`{field}`) contains control characters; remove them and send again"),
        ));
    }
    Ok(t.replace("\r\n", "\n"))
}

/// Check a rating's level, reasons and words; nothing is stored yet.
pub fn check(level: i64, reasons: &[String], words: &str) -> Result<(String, String), Fail> {
    if !(1..=5).contains(&level) {
        return Err(Fail::user(
            422,
            "level_invalid",
            "评价等级（level）应为 1 至 5：5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意",
            "the level (`level`) must be 1 to 5: 5 very satisfied, 4 satisfied, 3 fairly satisfied, 2 dissatisfied, 1 very dissatisfied",
        ));
    }
    let mut codes: Vec<&str> = Vec::new();
    for r in reasons {
        if !REASONS.iter().any(|x| x.0 == r) {
            let shown: String = r.chars().take(40).collect();
            return Err(Fail::user(
                422,
                "reason_unknown",
                format!("没有“{shown}”这个原因（reasons）：可选 态度、效率、多次跑动、材料要求不清、其他"),
                format!("unknown reason `{shown}` (`reasons`): attitude, efficiency, repeat_visits, unclear_materials or other"),
            ));
        }
        if !codes.contains(&r.as_str()) {
            codes.push(r);
        }
    }
    if level <= POOR && codes.is_empty() {
        return Err(Fail::user(422, "reasons_required", "不满意时请至少选择一个原因（reasons）", "choose at least one reason (`reasons`) for a poor rating"));
    }
    if level > POOR && !codes.is_empty() {
        return Err(Fail::user(422, "reasons_not_asked", "只有不满意或非常不满意时才选择原因（reasons）", "reasons (`reasons`) are given only with a poor rating"));
    }
    let words = check_text("words", "意见", "The words", words, false)?;
    Ok((codes.join(","), words))
}

/// Who rated, and how: the level, the reasons' codes (comma-separated)
/// and the words, checked.
struct Given<'a> {
    level: i64,
    reasons: &'a str,
    words: &'a str,
    /// `evaluator`, `phone` or `default`.
    source: &'a str,
    /// The evaluator's device id.
    device: Option<&'a str>,
}

/// Record the one rating of `s`; a poor one opens a case.
fn record(cfg: &Config, s: &Served, g: Given, now: i64) -> Result<serde_json::Value, Fail> {
    let Given { level, reasons, words, source, device } = g;
    if s.rated != 0 {
        return Err(already(&s.ticket));
    }
    // Claimed first: whatever reads the row next sees it rated.
    if sql::execute("UPDATE served SET rated = 1 WHERE id = ?1 AND rated = 0", &[sql::int(s.id)])? != 1 {
        return Err(already(&s.ticket));
    }
    let is_default = (source == "default") as i64;
    let ids: Vec<i64> = db::rows(
        "INSERT INTO ratings (served_id, day, ticket, service, \"window\", clerk_id, clerk_name, level, source, is_default, reasons, words, device_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) RETURNING id",
        &[
            sql::int(s.id),
            sql::text(&s.day),
            sql::text(&s.ticket),
            sql::text(&s.service),
            sql::text(&s.window),
            db::opt_text(s.clerk_id.as_deref()),
            db::opt_text(s.clerk_name.as_deref()),
            sql::int(level),
            sql::text(source),
            sql::int(is_default),
            sql::text(reasons),
            sql::text(words),
            db::opt_text(device),
            sql::int(now),
        ],
    )?;
    let id = ids.into_iter().next().ok_or_else(|| Fail::Internal("rating insert returned no id".into()))?;
    let case = if level <= POOR && is_default == 0 { Some(crate::cases::open(cfg, id, s, level, reasons, words, now)?) } else { None };
    // Public like every event: the window and ticket, never the clerk or words.
    events::publish("ratings.rated", &json!({"window": s.window, "ticket": s.ticket, "default": is_default == 1}))?;
    Ok(json!({"rating": id, "ticket": s.ticket, "window": s.window, "level": level, "source": source, "case": case}))
}

fn already(ticket: &str) -> Fail {
    Fail::user(409, "already_rated", format!("{ticket} 号已经评价过了，每张号只能评价一次"), format!("Ticket {ticket} has been rated already; each ticket is rated once"))
}

/// The window a paired evaluator stands at (an admin trying the page
/// names one with `?window=`).
pub fn device_window(req: &Request) -> Result<String, Fail> {
    let w = if req.caller.is_device("evaluator") { req.caller.window.clone() } else { req.query_param("window") };
    w.map(|w| w.trim().to_owned()).filter(|w| !w.is_empty()).ok_or_else(|| {
        Fail::user(
            409,
            "device_without_window",
            "这台评价器登记时没有填写窗口号：请管理员在设备管理中重新登记并填写窗口号",
            "This evaluator was registered without a window number: an admin must register it again with its window",
        )
    })
}

/// The evaluator rates a ticket of its own window finished today.
pub fn rate_at_window(cfg: &Config, req: &Request, now: i64) -> Result<serde_json::Value, Fail> {
    let window = device_window(req)?;
    let r: DeviceRating = req.json()?;
    let (reasons, words) = check(r.level, &r.reasons, &r.words)?;
    let ticket = r.ticket.trim().to_uppercase();
    if ticket.is_empty() || ticket.len() > 16 || !ticket.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Fail::user(422, "ticket_invalid", "号码（ticket）应为字母和数字，如 A012", "the ticket (`ticket`) is letters and digits, e.g. A012"));
    }
    let today = db::local_day(now);
    let s = match db::row::<Served>(&format!("SELECT {SERVED} FROM served WHERE day = ?1 AND ticket = ?2"), &[sql::text(&today), sql::text(&ticket)])? {
        Some(s) => s,
        // Not reported yet (the event is on its way, or was missed): ask.
        None => match ask_queue::<QueueTicket>(cfg, &format!("/api/queue/served?day={today}&ticket={ticket}"))? {
            Some(q) => keep(q)?,
            None => return Err(unknown_ticket(&ticket)),
        },
    };
    if s.window != window {
        return Err(Fail::user(
            403,
            "other_window",
            format!("{} 号是在 {} 号窗口办理的，本评价器只能评价 {} 号窗口的服务", s.ticket, s.window, window),
            format!("Ticket {} was served at window {}; this evaluator rates window {} only", s.ticket, s.window, window),
        ));
    }
    record(cfg, &s, Given { level: r.level, reasons: &reasons, words: &words, source: "evaluator", device: req.caller.id.as_deref() }, now)
}

fn token_ok(token: &str) -> bool {
    !token.is_empty() && token.len() <= 100 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The ticket behind a resident's token, kept here once it is finished.
/// `Ok(Err(q))`: the queue knows it but it is not finished yet.
pub fn by_token(cfg: &Config, token: &str) -> Result<Result<Served, QueueTicket>, Fail> {
    let missing = || Fail::user(404, "ticket_unknown", "找不到这张号票", "No such ticket");
    if !token_ok(token) {
        return Err(missing());
    }
    let q = ask_queue::<QueueTicket>(cfg, &format!("/api/queue/served?token={token}"))?.ok_or_else(missing)?;
    if q.status != "finished" {
        return Ok(Err(q));
    }
    keep(q).map(Ok)
}

/// Until when a resident may rate `s` on the phone.
pub fn phone_until(cfg: &Config, s: &Served) -> i64 {
    s.finished_at + cfg.phone_days as i64 * DAY_MS
}

/// The resident rates on the phone, by the ticket's token.
pub fn rate_by_token(cfg: &Config, req: &Request, now: i64) -> Result<serde_json::Value, Fail> {
    let r: NewRating = req.json()?;
    let (reasons, words) = check(r.level, &r.reasons, &r.words)?;
    let s = match by_token(cfg, req.param("token").unwrap_or(""))? {
        Ok(s) => s,
        Err(q) => return Err(not_finished(&q.ticket)),
    };
    if s.rated == 0 && now > phone_until(cfg, &s) {
        return Err(Fail::user(
            409,
            "rating_closed",
            format!("评价期限已过：办结后 {} 天内可以评价（至 {}）", cfg.phone_days, clock::format_local(phone_until(cfg, &s))),
            format!("Too late to rate: a service can be rated for {} days (until {})", cfg.phone_days, clock::format_local(phone_until(cfg, &s))),
        ));
    }
    record(cfg, &s, Given { level: r.level, reasons: &reasons, words: &words, source: "phone", device: None }, now)
}

/// The rating a ticket got, if any (for the pages).
pub fn rating_of(served_id: i64) -> Result<Option<(i64, i64)>, Fail> {
    db::row("SELECT level, is_default FROM ratings WHERE served_id = ?1", &[sql::int(served_id)])
}

/// The evaluator's screen: its window, the clerk on duty and the ticket
/// to rate (the newest finished there within `prompt_minutes`, unrated).
pub fn evaluator_state(cfg: &Config, req: &Request, now: i64) -> Result<serde_json::Value, Fail> {
    let window = device_window(req)?;
    let lang = req.lang();
    let since = now - cfg.prompt_minutes as i64 * 60_000;
    let pending = db::row::<Served>(
        &format!("SELECT {SERVED} FROM served WHERE \"window\" = ?1 AND finished_at >= ?2 ORDER BY finished_at DESC, id DESC LIMIT 1"),
        &[sql::text(&window), sql::int(since)],
    )?
    .filter(|s| s.rated == 0);
    let duty = on_duty(cfg, &window, now);
    Ok(json!({
        "window": window,
        "clerk": duty.map(|d| json!({"name": d.clerk_name, "staff_no": d.clerk_id})),
        "pending": pending.map(|s| json!({"ticket": s.ticket, "service_name": s.service_name(lang), "finished_at": s.finished_at})),
    }))
}

/// Unrated tickets past `default_after_days` get the default rating.
pub fn apply_defaults(cfg: &Config, now: i64) -> Result<usize, Fail> {
    let before = now - cfg.default_after_days as i64 * DAY_MS;
    let due: Vec<Served> = db::rows(&format!("SELECT {SERVED} FROM served WHERE rated = 0 AND finished_at <= ?1 ORDER BY finished_at LIMIT 200"), &[sql::int(before)])?;
    for s in &due {
        record(cfg, s, Given { level: cfg.default_level as i64, reasons: "", words: "", source: "default", device: None }, now)?;
    }
    Ok(due.len())
}

/// Ratings of a day (supervisors): every rating with its ticket, window,
/// clerk, service, source and whether it counts.
pub fn list(req: &Request, now: i64) -> Result<serde_json::Value, Fail> {
    #[derive(Deserialize, Serialize)]
    struct Row {
        id: i64,
        day: String,
        ticket: String,
        service: String,
        window: String,
        clerk_id: Option<String>,
        clerk_name: Option<String>,
        level: i64,
        source: String,
        is_default: i64,
        reasons: String,
        words: String,
        voided: i64,
        created_at: i64,
    }
    let day = req.query_param("day").unwrap_or_else(|| db::local_day(now));
    let rows: Vec<Row> = db::rows(
        "SELECT id, day, ticket, service, \"window\", clerk_id, clerk_name, level, source, is_default, reasons, words, voided, created_at FROM ratings WHERE day = ?1 ORDER BY id",
        &[sql::text(&day)],
    )?;
    let lang = req.lang();
    let real: Vec<&Row> = rows.iter().filter(|r| r.is_default == 0 && r.voided == 0).collect();
    let satisfied = real.iter().filter(|r| r.level >= 3).count();
    Ok(json!({
        "day": day,
        "ratings": rows.iter().map(|r| json!({
            "id": r.id, "day": r.day, "ticket": r.ticket, "service": r.service, "window": r.window,
            "clerk_id": r.clerk_id, "clerk_name": r.clerk_name, "level": r.level, "level_name": level_name(r.level, lang),
            "source": r.source, "default": r.is_default == 1, "voided": r.voided == 1,
            "reasons": r.reasons.split(',').filter(|x| !x.is_empty()).collect::<Vec<_>>(), "words": r.words, "created_at": r.created_at,
        })).collect::<Vec<_>>(),
        // Real ratings only: defaults and voided ones are not counted.
        "real": real.len(),
        "satisfied": satisfied,
        "defaults": rows.iter().filter(|r| r.is_default == 1).count(),
    }))
}
