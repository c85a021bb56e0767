//! What the supervision plugin (督查评估) reads of the suggestion and
//! complaint box (capability `services`, a link an admin allows): raw
//! records paged by id (keyset: `after` = the last id of the previous
//! page, at most `limit` ≤ 5000 a page).
//! `GET /api/feedback/export/cases?from=YYYY-MM-DD&to=YYYY-MM-DD&after=ID`:
//! the cases submitted on those days, each with its kind, category,
//! status, submission time, its FIRST reply's time (from the case's steps:
//! a reopened case is replied to again, and `replied_at` keeps only the
//! last) and the deadline that first reply had (a reopened case's
//! `due_day` is the reopening's deadline, so the first one is worked out
//! again from the submission day and the kind's working days). No text,
//! name or phone leaves the plugin.
//!
//! A page answers `{"rows": [...], "next": ID or null}`.

use crate::config::Config;
use linli_sdk::Fail;
use linli_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

const MAX_PAGE: i64 = 5000;
const MAX_DAYS: i64 = 62;

#[derive(Serialize, Deserialize)]
struct Row {
    id: i64,
    kind: String,
    category: String,
    channel: String,
    status: String,
    anonymous: i64,
    created_at: i64,
    created_day: String,
    due_day: String,
    reopened: i64,
    first_reply_at: Option<i64>,
    closed_at: Option<i64>,
}

fn date_param(req: &Request, name: &'static str) -> Result<String, Fail> {
    let v = req.query_param(name).unwrap_or_default();
    if calendar::days_of(&v).is_none() {
        return Err(Fail::field(422, "bad_date", name, format!("{name} 须为 YYYY-MM-DD 格式的日期"), format!("{name} must be a date YYYY-MM-DD")));
    }
    Ok(v)
}

fn int_param(req: &Request, name: &'static str, default: i64) -> Result<i64, Fail> {
    match req.query_param(name).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| Fail::field(422, "bad_number", name, format!("{name} 须为整数"), format!("{name} must be a whole number"))),
    }
}

/// `GET /api/feedback/export/{what}`.
pub fn export(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    if req.caller.kind != "plugin" && !req.caller.has_role("supervisor") {
        return Err(Fail::status(403, "仅供其他插件和主管读取", "for other plugins and supervisors only"));
    }
    if req.param("what") != Some("cases") {
        return Err(Fail::status(404, "没有这类导出，可选 cases", "no such export: cases"));
    }
    let from = date_param(req, "from")?;
    let to = date_param(req, "to")?;
    let (a, b) = (calendar::days_of(&from).unwrap_or(0), calendar::days_of(&to).unwrap_or(0));
    if b < a || b - a >= MAX_DAYS {
        return Err(Fail::field(422, "bad_range", "to", format!("日期范围须从 from 到 to，且不超过 {MAX_DAYS} 天"), format!("the range runs from `from` to `to`, at most {MAX_DAYS} days")));
    }
    let after = int_param(req, "after", 0)?;
    let limit = int_param(req, "limit", MAX_PAGE)?.clamp(1, MAX_PAGE);
    // The days as a range of submission times (the `cases_created` index).
    let start = calendar::instant(&from, 0).unwrap_or(0);
    let end = calendar::instant(&to, 0).unwrap_or(0) + 86_400_000;
    // LIMIT as a literal (a bound one is planned again on every run).
    let mut rows: Vec<Row> = sql::query_as(
        &format!("SELECT c.id, c.kind, c.category, c.channel, c.status, c.anonymous, c.created_at, c.created_day, c.due_day, c.reopened,
                (SELECT MIN(s.at) FROM steps s WHERE s.case_id = c.id AND s.action = 'replied') AS first_reply_at, c.closed_at
         FROM cases c WHERE c.created_at >= ?1 AND c.created_at < ?2 AND c.id > ?3 ORDER BY c.id LIMIT {}", limit + 1),
        &[sql::int(start), sql::int(end), sql::int(after)],
    )?;
    let next = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id).unwrap_or(0)
    });
    for r in rows.iter_mut().filter(|r| r.reopened != 0) {
        r.due_day = calendar::add_working_days(&r.created_day, cfg.deadline_days(&r.kind) as i32)?;
    }
    let rows: Vec<_> = rows
        .into_iter()
        .map(|r| {
            let first_due_day = r.due_day.clone();
            let mut v = serde_json::to_value(&r).unwrap_or_default();
            v["first_due_day"] = json!(first_due_day);
            v
        })
        .collect();
    Ok(Response::json(200, &json!({"rows": rows, "next": next})))
}
