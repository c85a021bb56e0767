//! What the supervision plugin (督查评估) reads of the queue (capability
//! `services`, a link an admin allows), as raw records paged by id
//! (keyset: `after` = the last id of the previous page), so one call stays
//! well inside the sandbox's time and answer limits however large the
//! month: `GET /api/queue/export/{what}`:
//!
//! - `tickets?from=YYYY-MM-DD&to=YYYY-MM-DD&after=ID&limit=N`: each
//!   ticket's day, service, window, clerk, status and times (issued, first
//!   called, last called, finished), as arrays in the order `columns`
//!   names, at most `limit` (≤ 5000) a page;
//! - `spans?from&to&after`: the time each clerk had the counter console
//!   open at a window, open or paused (recorded here, see [`seen`]);
//! - `hall?from&to`: the opening hours of each day of the range (closed
//!   days included), the services' and windows' names.
//!
//! A page answers `{"rows": [...], "next": ID or null}` (the first page
//! of tickets also `"total"`, when there is more than one page).
//!
//! Attendance (a clerk's time at a window) was recorded nowhere before:
//! `windows.last_seen` kept only the latest moment. [`seen`] keeps spans
//! instead, from the same heartbeat: the counter console asks for its
//! state every minute and every action touches the window; a span goes on
//! while these come at most [`GAP_MS`] apart, the clerk and the paused
//! state unchanged, and a new one starts otherwise.

use crate::config::Config;
use crate::day::{self, Local};
use crate::db;
use crate::fail::Fail;
use linli_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A span ends when the console has been silent this long (it refreshes
/// every minute, and a window's `last_seen` is written once a minute).
pub const GAP_MS: i64 = 3 * 60_000;
const MAX_PAGE: i64 = 5000;
const MAX_DAYS: i64 = 62;

/// The span table (schema v6, with the queue's other tables).
pub const SPANS_TABLE: &str = "CREATE TABLE IF NOT EXISTS window_spans (
        id INTEGER PRIMARY KEY,
        \"window\" TEXT NOT NULL,
        clerk_id TEXT,
        clerk_name TEXT,
        day TEXT NOT NULL,
        paused INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        seen_at INTEGER NOT NULL
    )";
pub const SPANS_INDEX: &str = "CREATE INDEX IF NOT EXISTS window_spans_window ON window_spans (\"window\", id)";
pub const SPANS_DAY_INDEX: &str = "CREATE INDEX IF NOT EXISTS window_spans_day ON window_spans (day, id)";

/// The clerk `caller` is at window `number` now, the window `paused` or
/// not: the window's latest span goes on to now when it is the same clerk
/// in the same state on the same day, seen within [`GAP_MS`]; otherwise a
/// new span starts (the latest one, if it is that clerk's and recent,
/// first carried on to now, so a pause ends one span exactly where the
/// next begins).
pub fn seen(number: &str, caller: &Caller, paused: bool, now: i64) -> Result<(), Fail> {
    #[derive(Deserialize)]
    struct Last {
        id: i64,
        clerk_id: Option<String>,
        paused: i64,
        day: String,
        seen_at: i64,
    }
    let today = Local::at(now).day;
    let last = db::row::<Last>(
        "SELECT id, clerk_id, paused, day, seen_at FROM window_spans WHERE \"window\" = ?1 ORDER BY id DESC LIMIT 1",
        &[sql::text(number)],
    )?;
    if let Some(l) = &last
        && l.clerk_id == caller.id
        && l.day == today
        && (0..=GAP_MS).contains(&(now - l.seen_at))
    {
        sql::execute("UPDATE window_spans SET seen_at = ?2 WHERE id = ?1", &[sql::int(l.id), sql::int(now)])?;
        if (l.paused != 0) == paused {
            return Ok(());
        }
    }
    sql::execute(
        "INSERT INTO window_spans (\"window\", clerk_id, clerk_name, day, paused, started_at, seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        &[sql::text(number), db::opt_text(caller.id.as_deref()), db::opt_text(caller.name.as_deref()), sql::text(&today), sql::int(paused as i64), sql::int(now)],
    )?;
    Ok(())
}

/// A ticket as the export sends it: an array in the order of
/// [`TICKET_COLUMNS`] (the answer names them), not an object, so a page of
/// 5000 is half the bytes to write and to read.
#[derive(Serialize, Deserialize)]
struct TicketRow(
    #[serde(skip_serializing)] i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

const TICKET_COLUMNS: [&str; 10] = ["day", "service", "window", "clerk_id", "clerk_name", "status", "issued_at", "called_at", "last_called_at", "finished_at"];

#[derive(Serialize, Deserialize)]
struct SpanRow {
    id: i64,
    window: String,
    clerk_id: Option<String>,
    clerk_name: Option<String>,
    day: String,
    paused: i64,
    started_at: i64,
    seen_at: i64,
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

/// `GET /api/queue/export/{what}`.
pub fn export(cfg: &Config, req: &Request) -> Result<Response, Fail> {
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
    let page = |mut rows: Vec<serde_json::Value>, id: fn(&serde_json::Value) -> i64| {
        let next = (rows.len() as i64 > limit).then(|| {
            rows.truncate(limit as usize);
            rows.last().map(id).unwrap_or(0)
        });
        Response::json(200, &json!({"rows": rows, "next": next}))
    };
    match req.param("what").unwrap_or("") {
        "tickets" => {
            // A day's tickets come after the day before's (ids in issue
            // order, a ticket keeps its day), so the range is one run of
            // ids: found from its first day through the (day, …) index, then
            // read along the primary key, stopping at the first later day.
            let start = if after > 0 {
                after
            } else {
                sql::query_i64(
                    "SELECT COALESCE(MIN(id), 0) - 1 FROM tickets WHERE day = (SELECT MIN(day) FROM tickets WHERE day >= ?1 AND day <= ?2)",
                    &[sql::text(&from), sql::text(&to)],
                )?
            };
            if start < 0 {
                return Ok(Response::json(200, &json!({"rows": [], "next": null})));
            }
            // Read by position: the columns in the order of `TicketRow`.
            let got = db::rows::<TicketRow>(
                &format!("SELECT id, day, service, \"window\", clerk_id, clerk_name, status, issued_at, called_at, last_called_at, finished_at
                 FROM tickets WHERE id > ?1 ORDER BY id LIMIT {}", limit + 1),
                &[sql::int(start)],
            )?;
            let full = got.len() as i64 > limit;
            let mut rows = Vec::new();
            let mut past_end = false;
            for r in got.into_iter().take(limit as usize) {
                if r.1 > to {
                    past_end = true;
                    break;
                }
                if r.1 >= from {
                    rows.push(r);
                }
            }
            let next = if full && !past_end { rows.last().map(|r| r.0) } else { None };
            // The first page says how many there are in all (the day index
            // counts them), so a reader can refuse a range too large for it
            // before reading page after page.
            let total = if after == 0 && next.is_some() {
                Some(sql::query_i64("SELECT COUNT(*) FROM tickets WHERE day >= ?1 AND day <= ?2", &[sql::text(&from), sql::text(&to)])?)
            } else {
                None
            };
            Ok(Response::json(200, &json!({"columns": TICKET_COLUMNS, "rows": rows, "next": next, "total": total})))
        }
        "spans" => {
            let rows = db::rows::<SpanRow>(
                &format!("SELECT id, \"window\", clerk_id, clerk_name, day, paused, started_at, seen_at FROM window_spans
                 WHERE day >= ?1 AND day <= ?2 AND id > ?3 ORDER BY id LIMIT {}", limit + 1),
                &params,
            )?;
            let rows = rows.into_iter().map(|r| serde_json::to_value(r).unwrap_or_default()).collect();
            Ok(page(rows, |r| r["id"].as_i64().unwrap_or(0)))
        }
        "hall" => {
            let open = day::minutes(&cfg.hours.open).unwrap_or(0);
            let close = day::minutes(&cfg.hours.close).unwrap_or(1440);
            let mut days = Vec::new();
            for d in a..=b {
                // Noon of the day, so the hall's offset never moves it.
                let l = Local::at((d * 1440 + 720 - clock::utc_offset_minutes() as i64) * 60_000);
                let is_open = day::open_day(cfg, &l);
                days.push(json!({"day": l.day, "open": is_open, "open_minute": open, "close_minute": close}));
            }
            let services: Vec<_> = cfg.services.iter().map(|s| json!({"code": s.code, "name_zh": s.name_zh, "name_en": s.name_en})).collect();
            let windows: Vec<_> = cfg.windows.iter().map(|w| json!({"number": w.number, "services": w.services})).collect();
            Ok(Response::json(200, &json!({"days": days, "hours": {"open": cfg.hours.open, "close": cfg.hours.close}, "services": services, "windows": windows})))
        }
        other => Err(Fail::status(404, format!("没有 {other} 这类导出，可选 tickets、spans、hall"), format!("no export `{other}`: tickets, spans or hall"))),
    }
}
