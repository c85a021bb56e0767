//! 差评 follow-up: every poor rating opens a case for the supervisors with
//! a deadline `case_days` working days later (the hall's `calendar`):
//! what was put right (整改), the call back to the resident (回访) and its
//! result, then closed. The clerk who served may appeal (申诉) once with a
//! reason; a supervisor other than the one handling the case decides. A
//! case still open after its deadline is overdue: listed, and announced
//! once (`ratings.case_overdue`).

use crate::config::Config;
use crate::db;
use linli_sdk::Fail;
use crate::rate::{Served, check_text};
use linli_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub mod status {
    pub const OPEN: &str = "open";
    pub const APPEALED: &str = "appealed";
    pub const CLOSED: &str = "closed";
}

/// Results of the call back (回访).
pub const CALLBACK: [(&str, &str, &str); 4] = [
    ("satisfied", "满意", "Satisfied"),
    ("basically_satisfied", "基本满意", "Fairly satisfied"),
    ("dissatisfied", "仍不满意", "Still dissatisfied"),
    ("unreachable", "联系不上", "Could not be reached"),
];

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Case {
    pub id: i64,
    pub rating_id: i64,
    pub day: String,
    pub ticket: String,
    pub service: String,
    pub window: String,
    pub clerk_id: Option<String>,
    pub clerk_name: Option<String>,
    pub level: i64,
    pub reasons: String,
    pub words: String,
    pub status: String,
    pub opened_at: i64,
    pub deadline: String,
    pub handler_id: Option<String>,
    pub handler_name: Option<String>,
    pub fix_text: Option<String>,
    pub fix_at: Option<i64>,
    pub callback_result: Option<String>,
    pub callback_note: Option<String>,
    pub callback_at: Option<i64>,
    pub appeal_reason: Option<String>,
    pub appeal_at: Option<i64>,
    pub appeal_decision: Option<String>,
    pub appeal_note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub closed_by: Option<String>,
    pub outcome: Option<String>,
    pub overdue_at: Option<i64>,
}

const COLUMNS: &str = "id, rating_id, day, ticket, service, \"window\", clerk_id, clerk_name, level, reasons, words, status, opened_at, deadline, \
    handler_id, handler_name, fix_text, fix_at, callback_result, callback_note, callback_at, appeal_reason, appeal_at, appeal_decision, \
    appeal_note, decided_by, decided_by_name, decided_at, closed_at, closed_by, outcome, overdue_at";

impl Case {
    /// Still open past its last working day (`today` is the hall's date).
    pub fn overdue(&self, today: &str) -> bool {
        self.status != status::CLOSED && today > self.deadline.as_str()
    }

    pub fn view(&self, lang: &str, today: &str) -> serde_json::Value {
        let status_name = match self.status.as_str() {
            status::OPEN => t(lang, "待整改", "Open"),
            status::APPEALED => t(lang, "申诉中", "Appealed"),
            _ => t(lang, "已办结", "Closed"),
        };
        json!({
            "id": self.id, "rating": self.rating_id, "day": self.day, "ticket": self.ticket, "service": self.service,
            "window": self.window, "clerk_id": self.clerk_id, "clerk_name": self.clerk_name,
            "level": self.level, "level_name": crate::rate::level_name(self.level, lang),
            "reasons": self.reasons.split(',').filter(|x| !x.is_empty()).map(|r| json!({"code": r, "name": crate::rate::reason_name(r, lang)})).collect::<Vec<_>>(),
            "words": self.words, "status": self.status, "status_name": status_name,
            "opened_at": self.opened_at, "opened_local": clock::format_local(self.opened_at), "deadline": self.deadline,
            "overdue": self.overdue(today), "handler_name": self.handler_name,
            "fix_text": self.fix_text, "fix_at": self.fix_at,
            "callback_result": self.callback_result, "callback_name": self.callback_result.as_deref().map(|c| callback_name(c, lang)),
            "callback_note": self.callback_note, "callback_at": self.callback_at,
            "appeal_reason": self.appeal_reason, "appeal_at": self.appeal_at, "appeal_decision": self.appeal_decision,
            "appeal_note": self.appeal_note, "decided_by_name": self.decided_by_name, "decided_at": self.decided_at,
            "closed_at": self.closed_at, "outcome": self.outcome,
        })
    }
}

fn callback_name(code: &str, lang: &str) -> &'static str {
    CALLBACK.iter().find(|c| c.0 == code).map(|c| if lang == "en" { c.2 } else { c.1 }).unwrap_or("")
}

/// Open the case of a poor rating; returns its id and deadline.
pub fn open(cfg: &Config, rating: i64, s: &Served, level: i64, reasons: &str, words: &str, now: i64) -> Result<serde_json::Value, Fail> {
    let opened = db::local_day(now);
    let deadline = calendar::add_working_days(&opened, cfg.case_days as i32)?;
    let ids: Vec<i64> = db::rows(
        "INSERT INTO cases (rating_id, day, ticket, service, \"window\", clerk_id, clerk_name, level, reasons, words, status, opened_at, deadline)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'open', ?11, ?12) RETURNING id",
        &[
            sql::int(rating),
            sql::text(&s.day),
            sql::text(&s.ticket),
            sql::text(&s.service),
            sql::text(&s.window),
            db::opt_text(s.clerk_id.as_deref()),
            db::opt_text(s.clerk_name.as_deref()),
            sql::int(level),
            sql::text(reasons),
            sql::text(words),
            sql::int(now),
            sql::text(&deadline),
        ],
    )?;
    let id = ids.into_iter().next().ok_or_else(|| Fail::Internal("case insert returned no id".into()))?;
    events::publish("ratings.case_opened", &json!({"case": id, "window": s.window, "deadline": deadline}))?;
    Ok(json!({"id": id, "deadline": deadline}))
}

pub fn get(id: i64) -> Result<Case, Fail> {
    db::row(&format!("SELECT {COLUMNS} FROM cases WHERE id = ?1"), &[sql::int(id)])?
        .ok_or_else(|| Fail::user(404, "case_unknown", format!("没有编号为 {id} 的整改单"), format!("No case {id}")))
}

fn case_id(req: &Request) -> Result<i64, Fail> {
    req.param("id").and_then(|v| v.parse().ok()).ok_or_else(|| Fail::user(404, "case_unknown", "没有这个整改单", "No such case"))
}

/// The cases a caller may see: supervisors every one; a clerk their own.
pub fn list(req: &Request, today: &str) -> Result<serde_json::Value, Fail> {
    let filter = req.query_param("status").unwrap_or_else(|| "all".into());
    let supervisor = req.caller.has_role("supervisor");
    let mut cases: Vec<Case> = if supervisor {
        db::rows(&format!("SELECT {COLUMNS} FROM cases ORDER BY id DESC LIMIT 500"), &[])?
    } else {
        db::rows(&format!("SELECT {COLUMNS} FROM cases WHERE clerk_id = ?1 ORDER BY id DESC LIMIT 500"), &[db::opt_text(req.caller.id.as_deref())])?
    };
    cases.retain(|c| match filter.as_str() {
        "open" => c.status != status::CLOSED,
        "overdue" => c.overdue(today),
        "appealed" => c.status == status::APPEALED,
        "closed" => c.status == status::CLOSED,
        _ => true,
    });
    let lang = req.lang();
    Ok(json!({"today": today, "cases": cases.iter().map(|c| c.view(lang, today)).collect::<Vec<_>>()}))
}

fn closed(c: &Case) -> Fail {
    Fail::user(409, "case_closed", format!("整改单 {} 已办结，不能再修改", c.id), format!("Case {} is closed; it cannot be changed", c.id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Text {
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Callback {
    result: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    uphold: bool,
    #[serde(default)]
    note: String,
}

/// The supervisor who acts first becomes the case's handler.
fn take(c: &Case, who: &Caller) -> Result<(), Fail> {
    if c.handler_id.is_none() {
        sql::execute(
            "UPDATE cases SET handler_id = ?2, handler_name = ?3 WHERE id = ?1 AND handler_id IS NULL",
            &[sql::int(c.id), db::opt_text(who.id.as_deref()), db::opt_text(who.name.as_deref())],
        )?;
    }
    Ok(())
}

/// `POST /api/ratings/cases/{id}/{action}`.
pub fn act(req: &Request, now: i64) -> Result<serde_json::Value, Fail> {
    let id = case_id(req)?;
    let action = req.param("action").unwrap_or("");
    let c = get(id)?;
    let who = &req.caller;
    let supervisor_only = || -> Result<(), Fail> {
        if who.has_role("supervisor") {
            Ok(())
        } else {
            Err(Fail::user(403, "supervisor_only", "只有主管可以处理整改单", "only supervisors handle cases"))
        }
    };
    match action {
        "fix" => {
            supervisor_only()?;
            let t: Text = req.json()?;
            let text = check_text("text", "整改情况", "What was put right", &t.text, true)?;
            if c.status == status::CLOSED {
                return Err(closed(&c));
            }
            take(&c, who)?;
            sql::execute("UPDATE cases SET fix_text = ?2, fix_at = ?3 WHERE id = ?1", &[sql::int(id), sql::text(&text), sql::int(now)])?;
        }
        "callback" => {
            supervisor_only()?;
            let b: Callback = req.json()?;
            if !CALLBACK.iter().any(|x| x.0 == b.result) {
                return Err(Fail::user(
                    422,
                    "callback_invalid",
                    "回访结果（result）应为 满意、基本满意、仍不满意 或 联系不上",
                    "the call-back result (`result`) must be satisfied, basically_satisfied, dissatisfied or unreachable",
                ));
            }
            let note = check_text("note", "回访记录", "The call-back note", &b.note, false)?;
            if c.status == status::CLOSED {
                return Err(closed(&c));
            }
            take(&c, who)?;
            sql::execute(
                "UPDATE cases SET callback_result = ?2, callback_note = ?3, callback_at = ?4 WHERE id = ?1",
                &[sql::int(id), sql::text(&b.result), sql::text(&note), sql::int(now)],
            )?;
        }
        "close" => {
            supervisor_only()?;
            if c.status == status::CLOSED {
                return Err(closed(&c));
            }
            if c.status == status::APPEALED {
                return Err(Fail::user(409, "appeal_pending", "办事员的申诉还没有裁定，裁定后才能办结", "The clerk's appeal is not decided yet; decide it before closing"));
            }
            let mut missing = Vec::new();
            if c.fix_text.is_none() {
                missing.push(("整改情况", "what was put right"));
            }
            if c.callback_result.is_none() {
                missing.push(("回访结果", "the call back"));
            }
            if !missing.is_empty() {
                return Err(Fail::user(
                    409,
                    "steps_missing",
                    format!("请先填写{}再办结", missing.iter().map(|m| m.0).collect::<Vec<_>>().join("和")),
                    format!("record {} before closing", missing.iter().map(|m| m.1).collect::<Vec<_>>().join(" and ")),
                ));
            }
            sql::execute(
                "UPDATE cases SET status = 'closed', closed_at = ?2, closed_by = ?3, outcome = 'resolved' WHERE id = ?1",
                &[sql::int(id), sql::int(now), db::opt_text(who.name.as_deref())],
            )?;
        }
        "appeal" => {
            let t: Text = req.json()?;
            let reason = check_text("text", "申诉理由", "The reason for the appeal", &t.text, true)?;
            if !who.is_staff() || who.id.is_none() || who.id != c.clerk_id {
                return Err(Fail::user(403, "not_your_case", "只有办理这张号的办事员本人可以申诉", "only the clerk who served this ticket may appeal"));
            }
            if c.status == status::CLOSED {
                return Err(closed(&c));
            }
            if c.appeal_at.is_some() {
                return Err(Fail::user(409, "appeal_exists", "这条差评已经申诉过，每条只能申诉一次", "This rating has been appealed already; once only"));
            }
            sql::execute(
                "UPDATE cases SET status = 'appealed', appeal_reason = ?2, appeal_at = ?3 WHERE id = ?1",
                &[sql::int(id), sql::text(&reason), sql::int(now)],
            )?;
        }
        "decide" => {
            supervisor_only()?;
            let d: Decision = req.json()?;
            let note = check_text("note", "裁定意见", "The decision's note", &d.note, true)?;
            if c.status == status::CLOSED {
                return Err(closed(&c));
            }
            if c.status != status::APPEALED {
                return Err(Fail::user(409, "no_appeal", "这个整改单没有待裁定的申诉", "This case has no appeal to decide"));
            }
            if who.id.is_some() && (who.id == c.handler_id || who.id == c.clerk_id) {
                return Err(Fail::user(
                    409,
                    "second_supervisor",
                    "申诉须由另一位主管裁定：处理这个整改单的主管不能裁定自己的案子",
                    "The appeal must be decided by a second supervisor, not the one handling the case",
                ));
            }
            let (status, outcome) = if d.uphold { ("closed", Some("appeal_upheld")) } else { ("open", None) };
            sql::execute(
                "UPDATE cases SET status = ?2, appeal_decision = ?3, appeal_note = ?4, decided_by = ?5, decided_by_name = ?6, decided_at = ?7,
                 outcome = ?8, closed_at = CASE WHEN ?2 = 'closed' THEN ?7 ELSE closed_at END WHERE id = ?1",
                &[
                    sql::int(id),
                    sql::text(status),
                    sql::text(if d.uphold { "upheld" } else { "rejected" }),
                    sql::text(&note),
                    db::opt_text(who.id.as_deref()),
                    db::opt_text(who.name.as_deref()),
                    sql::int(now),
                    db::opt_text(outcome),
                ],
            )?;
            if d.uphold {
                // The poor rating was not the clerk's doing: it no longer counts.
                sql::execute("UPDATE ratings SET voided = 1 WHERE id = ?1", &[sql::int(c.rating_id)])?;
            }
        }
        _ => return Err(Fail::user(404, "action_unknown", "没有这个操作", "No such action")),
    }
    let today = calendar::today();
    Ok(get(id)?.view(req.lang(), &today))
}

/// Cases past their deadline, announced once each.
pub fn mark_overdue(now: i64) -> Result<usize, Fail> {
    let today = calendar::today();
    let due: Vec<Case> = db::rows(
        &format!("SELECT {COLUMNS} FROM cases WHERE status <> 'closed' AND deadline < ?1 AND overdue_at IS NULL ORDER BY id LIMIT 200"),
        &[sql::text(&today)],
    )?;
    for c in &due {
        sql::execute("UPDATE cases SET overdue_at = ?2 WHERE id = ?1", &[sql::int(c.id), sql::int(now)])?;
        events::publish("ratings.case_overdue", &json!({"case": c.id, "window": c.window, "day": c.day, "deadline": c.deadline}))?;
    }
    Ok(due.len())
}
