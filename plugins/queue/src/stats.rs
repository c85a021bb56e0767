//! Statistics per day, service, window and clerk: counts, waits, handling
//! times, busiest hours and how accurate the wait estimates were.

use crate::day::Local;
use crate::db;
use crate::fail::Fail;
use linli_sdk::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The longest range one request may cover, in days.
pub const MAX_DAYS: i64 = 62;

/// The most tickets one report adds up (a district hall's three busiest
/// days; about 0.4 s of the call's 1 s).
pub const MAX_TICKETS: i64 = 100_000;

/// One group's counts and times as SQL adds them up (times in ms).
#[derive(Deserialize)]
struct Sums {
    key: String,
    n: i64,
    called: i64,
    served: i64,
    no_shows: i64,
    abandoned: i64,
    transferred: i64,
    done: i64,
    incomplete: i64,
    referred: i64,
    wait_avg: Option<f64>,
    wait_max: Option<i64>,
    handle_avg: Option<f64>,
    handle_max: Option<i64>,
}

/// Average, nearest-rank 90th percentile and maximum, in ms.
#[derive(Default, Clone, Copy)]
struct Summary {
    avg: Option<f64>,
    p90: Option<f64>,
    max: Option<i64>,
}

#[derive(Default, Clone)]
pub struct Metrics {
    pub issued: i64,
    pub called: i64,
    pub served: i64,
    pub no_shows: i64,
    pub abandoned: i64,
    pub transferred: i64,
    /// Finished tickets by outcome: 完成, 需补正, 转办.
    pub done: i64,
    pub incomplete: i64,
    pub referred: i64,
    waits: Summary,
    handles: Summary,
}

fn minutes(ms: f64) -> f64 {
    (ms / 60_000.0 * 10.0).round() / 10.0
}

fn summary(s: &Summary) -> serde_json::Value {
    let m = |v: Option<f64>| v.map(minutes);
    serde_json::json!({"avg": m(s.avg), "p90": m(s.p90), "max": m(s.max.map(|v| v as f64))})
}

impl Metrics {
    fn json(&self, key: &str) -> serde_json::Value {
        serde_json::json!({
            "key": key,
            "issued": self.issued,
            "called": self.called,
            "served": self.served,
            "no_shows": self.no_shows,
            "abandoned": self.abandoned,
            "transferred": self.transferred,
            "outcomes": {"done": self.done, "incomplete": self.incomplete, "referred": self.referred},
            "wait_min": summary(&self.waits),
            "handling_min": summary(&self.handles),
        })
    }

    fn csv(&self, scope: &str, key: &str) -> String {
        let w = summary(&self.waits);
        let h = summary(&self.handles);
        let f = |v: &serde_json::Value| v.as_f64().map(|x| x.to_string()).unwrap_or_default();
        format!(
            "{scope},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            csv_field(key),
            self.issued,
            self.called,
            self.served,
            self.no_shows,
            self.abandoned,
            self.transferred,
            self.done,
            self.incomplete,
            self.referred,
            f(&w["avg"]),
            f(&w["p90"]),
            f(&w["max"]),
            f(&h["avg"]),
            f(&h["p90"]),
            f(&h["max"]),
        )
    }
}

fn csv_field(s: &str) -> String {
    // Quote, and defuse spreadsheet formulas in names.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub struct Report {
    pub from: String,
    pub to: String,
    pub total: Metrics,
    pub by_day: BTreeMap<String, Metrics>,
    pub by_service: BTreeMap<String, Metrics>,
    pub by_window: BTreeMap<String, Metrics>,
    pub by_clerk: BTreeMap<String, Metrics>,
    pub hours: [i64; 24],
    estimate: Estimate,
}

/// How far the wait estimates were off (ms), over the called tickets.
#[derive(Deserialize, Default)]
struct Estimate {
    samples: i64,
    mean_abs_error: Option<f64>,
    within_5_min: Option<i64>,
}

/// How the tickets are grouped for one table of the report.
struct Scope {
    /// SQL for a group's key.
    key: &'static str,
    /// Which tickets count in it (SQL, besides the date range).
    filter: &'static str,
    /// Whether the group counts the tickets as issued there (a window or a
    /// clerk serves tickets, it does not issue them).
    issued: bool,
}

const TOTAL: Scope = Scope { key: "'all'", filter: "1 = 1", issued: true };
const BY_DAY: Scope = Scope { key: "day", filter: "1 = 1", issued: true };
const BY_SERVICE: Scope = Scope { key: "origin_service", filter: "1 = 1", issued: true };
const BY_WINDOW: Scope = Scope { key: "\"window\"", filter: "\"window\" IS NOT NULL", issued: false };
const BY_CLERK: Scope = Scope {
    key: "COALESCE(clerk_name, '') || ' (' || COALESCE(clerk_id, '') || ')'",
    filter: "\"window\" IS NOT NULL AND (clerk_id IS NOT NULL OR clerk_name IS NOT NULL)",
    issued: false,
};

/// A ticket's wait (issue to first call) and handling time (start, or the
/// last call, to finish; only for served tickets), in ms.
const WAIT: &str = "called_at - issued_at";
const HANDLE: &str = "CASE WHEN status = 'finished' AND finished_at IS NOT NULL THEN finished_at - COALESCE(serving_at, last_called_at, finished_at) END";

/// Add up the tickets issued from `from` to `to` (inclusive), in SQL: the
/// answer has a row per group (days, services, windows, clerks), never a
/// row per ticket, so a district hall's 30,000 tickets a day report as
/// readily as 30, well inside the host's limit on rows per query.
pub fn report(from: &str, to: &str) -> Result<Report, Fail> {
    let first = day_start(from)?;
    let last = day_start(to)?;
    if last.midnight_ms < first.midnight_ms || (last.midnight_ms - first.midnight_ms) / 86_400_000 >= MAX_DAYS {
        return Err(Fail::status(422, format!("统计区间应在 1 至 {MAX_DAYS} 天之间"), format!("The range must be 1 to {MAX_DAYS} days")));
    }
    let range = [sql::text(&first.day), sql::text(&last.day)];
    // Each table reads the range's tickets once more: past this many, the
    // report would run out of the call's time. Say so, and what to do,
    // rather than time out. (Counted from the day index alone.)
    let n = db::int("SELECT COUNT(*) FROM tickets WHERE day BETWEEN ?1 AND ?2", &range)?;
    if n > MAX_TICKETS {
        return Err(Fail::status(
            422,
            format!("该区间共有 {n} 张号票，一次最多统计 {MAX_TICKETS} 张，请缩短统计区间（例如按周或按日）"),
            format!("The range holds {n} tickets; one report covers at most {MAX_TICKETS}: choose a shorter range (a week or a day)"),
        ));
    }
    let mut r = Report {
        from: from.into(),
        to: to.into(),
        total: scope(&TOTAL, &range)?.remove("all").unwrap_or_default(),
        by_day: scope(&BY_DAY, &range)?,
        by_service: scope(&BY_SERVICE, &range)?,
        by_window: scope(&BY_WINDOW, &range)?,
        by_clerk: scope(&BY_CLERK, &range)?,
        hours: [0; 24],
        estimate: Estimate::default(),
    };
    // A ticket transferred away from a window counts as a transfer there
    // too (the window it ended at, if any, counts it above).
    #[derive(Deserialize)]
    struct Away {
        key: String,
        n: i64,
    }
    let away: Vec<Away> = db::rows(
        "SELECT from_window AS key, COUNT(*) AS n FROM tickets
         WHERE day BETWEEN ?1 AND ?2 AND from_window IS NOT NULL AND (\"window\" IS NULL OR \"window\" <> from_window)
         GROUP BY from_window",
        &range,
    )?;
    for a in away {
        r.by_window.entry(a.key).or_default().transferred += a.n;
    }
    // Busiest hours, by the hall's local hour of issue.
    let offset_ms = clock::utc_offset_minutes() as i64 * 60_000;
    let hours: Vec<(i64, i64)> = db::rows(
        "SELECT ((issued_at + ?3) / 3600000) % 24 AS hour, COUNT(*) AS n FROM tickets WHERE day BETWEEN ?1 AND ?2 GROUP BY hour",
        &[range[0].clone(), range[1].clone(), sql::int(offset_ms)],
    )?;
    for (h, n) in hours {
        r.hours[h.rem_euclid(24) as usize] += n;
    }
    r.estimate = db::row(
        &format!(
            "SELECT COUNT(*) AS samples, AVG(ABS(est_wait_ms - ({WAIT}))) AS mean_abs_error,
                    SUM(CASE WHEN ABS(est_wait_ms - ({WAIT})) <= 300000 THEN 1 ELSE 0 END) AS within_5_min
             FROM tickets WHERE day BETWEEN ?1 AND ?2 AND called_at IS NOT NULL"
        ),
        &range,
    )?
    .unwrap_or_default();
    Ok(r)
}

/// One table of the report: counts, averages and maxima in one GROUP BY,
/// then the 90th percentiles of waits and handling times (see [`p90s`]).
fn scope(s: &Scope, range: &[sql::Value; 2]) -> Result<BTreeMap<String, Metrics>, Fail> {
    let Scope { key, filter, issued } = s;
    let rows: Vec<Sums> = db::rows(
        &format!(
            "SELECT {key} AS key, COUNT(*) AS n,
                    COUNT(called_at) AS called,
                    SUM(CASE WHEN status = 'finished' THEN 1 ELSE 0 END) AS served,
                    SUM(CASE WHEN missed_at IS NOT NULL AND status IN ('missed', 'left') THEN 1 ELSE 0 END) AS no_shows,
                    SUM(CASE WHEN status = 'left' AND called_at IS NULL THEN 1 ELSE 0 END) AS abandoned,
                    SUM(CASE WHEN transfers > 0 THEN 1 ELSE 0 END) AS transferred,
                    SUM(CASE WHEN status = 'finished' AND outcome = 'done' THEN 1 ELSE 0 END) AS done,
                    SUM(CASE WHEN status = 'finished' AND outcome = 'incomplete' THEN 1 ELSE 0 END) AS incomplete,
                    SUM(CASE WHEN status = 'finished' AND outcome = 'referred' THEN 1 ELSE 0 END) AS referred,
                    AVG({WAIT}) AS wait_avg, MAX({WAIT}) AS wait_max,
                    AVG({HANDLE}) AS handle_avg, MAX({HANDLE}) AS handle_max
             FROM tickets WHERE day BETWEEN ?1 AND ?2 AND {filter} GROUP BY 1"
        ),
        range,
    )?;
    let mut out: BTreeMap<String, Metrics> = rows
        .into_iter()
        .map(|g| {
            let m = Metrics {
                issued: if *issued { g.n } else { 0 },
                called: g.called,
                served: g.served,
                no_shows: g.no_shows,
                abandoned: g.abandoned,
                transferred: g.transferred,
                done: g.done,
                incomplete: g.incomplete,
                referred: g.referred,
                waits: Summary { avg: g.wait_avg, p90: None, max: g.wait_max },
                handles: Summary { avg: g.handle_avg, p90: None, max: g.handle_max },
            };
            (g.key, m)
        })
        .collect();
    for (value, handles) in [(WAIT, false), (HANDLE, true)] {
        for (k, p90) in p90s(key, filter, value, range)? {
            if let Some(m) = out.get_mut(&k) {
                if handles { m.handles.p90 = Some(p90) } else { m.waits.p90 = Some(p90) }
            }
        }
    }
    Ok(out)
}

/// The nearest-rank 90th percentile of `value` per group, in ms, at the
/// report's resolution (0.1 minute = 6 s): the values are rounded to that
/// first and counted per step, and the step where the running count reaches
/// rank ⌈0.9 n⌉ (integer arithmetic: (9n + 9) / 10) is the answer. Rounding
/// keeps the order, so this is the exact percentile as the report shows it,
/// while SQLite sorts a few hundred steps per group instead of every ticket
/// (a window function over 30,000 tickets took most of the report's time).
/// The sums are cast to integers: in PostgreSQL a SUM of integers is a
/// NUMERIC, and (9n + 9) / 10 would not round down.
fn p90s(key: &str, filter: &str, value: &str, range: &[sql::Value; 2]) -> Result<Vec<(String, f64)>, Fail> {
    db::rows(
        &format!(
            "SELECT key, step * 6000.0 FROM (
                 SELECT key, step, c,
                        CAST(SUM(c) OVER (PARTITION BY key ORDER BY step ROWS UNBOUNDED PRECEDING) AS INTEGER) AS upto,
                        CAST(SUM(c) OVER (PARTITION BY key) AS INTEGER) AS n
                 FROM (SELECT {key} AS key, ROUND(({value}) / 6000.0) AS step, COUNT(*) AS c
                       FROM tickets WHERE day BETWEEN ?1 AND ?2 AND {filter} AND ({value}) IS NOT NULL GROUP BY 1, 2) AS steps) AS ranked
             WHERE upto >= (9 * n + 9) / 10 AND upto - c < (9 * n + 9) / 10"
        ),
        range,
    )
}

fn day_start(d: &str) -> Result<Local, Fail> {
    let bad = || Fail::status(422, format!("日期 {d} 格式应为 YYYY-MM-DD"), format!("date `{d}` must be YYYY-MM-DD"));
    let parts: Vec<i64> = d.split('-').map(|p| p.parse::<i64>()).collect::<Result<_, _>>().map_err(|_| bad())?;
    let [y, m, dd] = parts[..] else { return Err(bad()) };
    if !(1..=12).contains(&m) || !(1..=31).contains(&dd) {
        return Err(bad());
    }
    // Days from civil (Howard Hinnant), then noon UTC of that date is
    // safely inside the local day for any offset up to ±12 h.
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let l = Local::at(days * 86_400_000 + 12 * 3_600_000 - clock::utc_offset_minutes() as i64 * 60_000 + 60_000);
    if l.day != d { Err(bad()) } else { Ok(l) }
}

impl Report {
    /// Mean absolute error of the estimates in minutes, and the share
    /// within five minutes.
    pub fn accuracy(&self) -> serde_json::Value {
        let e = &self.estimate;
        if e.samples == 0 {
            return serde_json::json!({"samples": 0, "mean_abs_error_min": null, "within_5_min_pct": null});
        }
        let within = e.within_5_min.unwrap_or(0) as f64 / e.samples as f64;
        serde_json::json!({
            "samples": e.samples,
            "mean_abs_error_min": e.mean_abs_error.map(minutes),
            "within_5_min_pct": (within * 1000.0).round() / 10.0,
        })
    }

    pub fn json(&self) -> serde_json::Value {
        let list = |m: &BTreeMap<String, Metrics>| m.iter().map(|(k, v)| v.json(k)).collect::<Vec<_>>();
        serde_json::json!({
            "from": self.from,
            "to": self.to,
            "total": self.total.json("all"),
            "by_day": list(&self.by_day),
            "by_service": list(&self.by_service),
            "by_window": list(&self.by_window),
            "by_clerk": list(&self.by_clerk),
            "hours": self.hours.iter().enumerate().map(|(h, n)| serde_json::json!({"hour": h, "issued": n})).collect::<Vec<_>>(),
            "estimate": self.accuracy(),
        })
    }

    pub fn csv(&self) -> String {
        let mut out = String::from("scope,key,issued,called,served,no_shows,abandoned,transferred,done,incomplete,referred,wait_avg_min,wait_p90_min,wait_max_min,handling_avg_min,handling_p90_min,handling_max_min\n");
        out.push_str(&self.total.csv("total", "all"));
        for (scope, m) in [("day", &self.by_day), ("service", &self.by_service), ("window", &self.by_window), ("clerk", &self.by_clerk)] {
            for (k, v) in m {
                out.push_str(&v.csv(scope, k));
            }
        }
        for (h, n) in self.hours.iter().enumerate() {
            out.push_str(&format!("hour,{h:02},{n},,,,,,,,,,,\n"));
        }
        out
    }
}
