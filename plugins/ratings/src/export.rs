//! What the supervision plugin (督查评估) reads of the ratings (capability
//! `services`, a link an admin allows): raw records paged by id (keyset:
//! `after` = the last id of the previous page, at most `limit` ≤ 5000 a
//! page), so one call stays inside the sandbox's limits however large the
//! month. `GET /api/ratings/export/{what}?from=YYYY-MM-DD&to=YYYY-MM-DD&after=ID`:
//!
//! - `ratings`: each rating's day (the day the ticket was served), window,
//!   clerk, service, level, source, and whether it is a default (given by
//!   the rule, never by a resident) or voided (an upheld appeal);
//! - `counts`: the same ratings counted per day, service, window, clerk,
//!   level, default and voided (one row per group, not paged: at most
//!   a row per day, window, clerk, service and level), which is all the
//!   satisfaction figures need, so a month's ratings cost a few hundred
//!   rows, not one per ticket;
//! - `cases`: each 差评 case's day, window, clerk, service, status,
//!   deadline, when it was opened, put right, called back and closed, and
//!   its outcome (`resolved`, `appeal_upheld`).
//!
//! A page answers `{"rows": [...], "next": ID or null}`.

use linli_sdk::Fail;
use linli_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

const MAX_PAGE: i64 = 5000;
const MAX_DAYS: i64 = 62;

#[derive(Serialize, Deserialize)]
struct RatingRow {
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
    voided: i64,
    created_at: i64,
}

#[derive(Serialize, Deserialize)]
struct CaseRow {
    id: i64,
    rating_id: i64,
    day: String,
    ticket: String,
    service: String,
    window: String,
    clerk_id: Option<String>,
    clerk_name: Option<String>,
    level: i64,
    status: String,
    opened_at: i64,
    deadline: String,
    fix_at: Option<i64>,
    callback_at: Option<i64>,
    callback_result: Option<String>,
    appeal_at: Option<i64>,
    decided_at: Option<i64>,
    closed_at: Option<i64>,
    outcome: Option<String>,
    overdue_at: Option<i64>,
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

/// `GET /api/ratings/export/{what}`.
pub fn export(req: &Request) -> Result<Response, Fail> {
    if req.caller.kind != "plugin" && !req.caller.has_role("supervisor") {
        return Err(Fail::status(403, "仅供其他插件和主管读取", "for other plugins and supervisors only"));
    }
    let from = date_param(req, "from")?;
    let to = date_param(req, "to")?;
    let (a, b) = (calendar::days_of(&from).unwrap_or(0), calendar::days_of(&to).unwrap_or(0));
    if b < a || b - a >= MAX_DAYS {
        return Err(Fail::field(422, "bad_range", "to", format!("日期范围须从 from 到 to，且不超过 {MAX_DAYS} 天"), format!("the range runs from `from` to `to`, at most {MAX_DAYS} days")));
    }
    let after = int_param(req, "after", 0)?;
    let limit = int_param(req, "limit", MAX_PAGE)?.clamp(1, MAX_PAGE);
    // LIMIT as a literal (a bound one is planned again on every run).
    let params = [sql::text(&from), sql::text(&to), sql::int(after)];
    fn page<T: Serialize>(mut rows: Vec<T>, limit: i64, id: fn(&T) -> i64) -> Response {
        let next = (rows.len() as i64 > limit).then(|| {
            rows.truncate(limit as usize);
            rows.last().map(id).unwrap_or(0)
        });
        Response::json(200, &json!({"rows": rows, "next": next}))
    }
    match req.param("what").unwrap_or("") {
        "ratings" => {
            let rows: Vec<RatingRow> = sql::query_as(
                &format!("SELECT id, day, ticket, service, \"window\", clerk_id, clerk_name, level, source, is_default, voided, created_at
                 FROM ratings WHERE day >= ?1 AND day <= ?2 AND id > ?3 ORDER BY id LIMIT {}", limit + 1),
                &params,
            )?;
            Ok(page(rows, limit, |r| r.id))
        }
        "counts" => {
            #[derive(Serialize, Deserialize)]
            struct Count {
                day: String,
                service: String,
                window: String,
                clerk_id: Option<String>,
                clerk_name: Option<String>,
                level: i64,
                is_default: i64,
                voided: i64,
                n: i64,
            }
            const MAX_GROUPS: usize = 20_000;
            let rows: Vec<Count> = sql::query_as(
                &format!("SELECT day, service, \"window\", clerk_id, clerk_name, level, is_default, voided, COUNT(*) AS n FROM ratings
                 WHERE day >= ?1 AND day <= ?2
                 GROUP BY day, service, \"window\", clerk_id, clerk_name, level, is_default, voided
                 ORDER BY day, \"window\" LIMIT {}", MAX_GROUPS + 1),
                &params[..2],
            )?;
            if rows.len() > MAX_GROUPS {
                return Err(Fail::user(413, "too_many_groups", "所选时段的评价分组过多，请缩短日期范围", "too many rating groups in this range; choose fewer days"));
            }
            Ok(Response::json(200, &json!({"rows": rows, "next": null})))
        }
        "cases" => {
            let rows: Vec<CaseRow> = sql::query_as(
                &format!("SELECT id, rating_id, day, ticket, service, \"window\", clerk_id, clerk_name, level, status, opened_at, deadline,
                        fix_at, callback_at, callback_result, appeal_at, decided_at, closed_at, outcome, overdue_at
                 FROM cases WHERE day >= ?1 AND day <= ?2 AND id > ?3 ORDER BY id LIMIT {}", limit + 1),
                &params,
            )?;
            Ok(page(rows, limit, |r| r.id))
        }
        other => Err(Fail::status(404, format!("没有 {other} 这类导出，可选 ratings、counts、cases"), format!("no export `{other}`: ratings, counts or cases"))),
    }
}
