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

#[derive(Deserialize)]
struct Row {
    day: String,
    origin_service: String,
    window: Option<String>,
    from_window: Option<String>,
    clerk_id: Option<String>,
    clerk_name: Option<String>,
    status: String,
    issued_at: i64,
    called_at: Option<i64>,
    last_called_at: Option<i64>,
    serving_at: Option<i64>,
    finished_at: Option<i64>,
    missed_at: Option<i64>,
    transfers: i64,
    est_wait_ms: i64,
}

#[derive(Default, Clone)]
pub struct Metrics {
    pub issued: i64,
    pub called: i64,
    pub served: i64,
    pub no_shows: i64,
    pub abandoned: i64,
    pub transferred: i64,
    waits: Vec<i64>,
    handles: Vec<i64>,
}

fn minutes(ms: f64) -> f64 {
    (ms / 60_000.0 * 10.0).round() / 10.0
}

fn summary(v: &[i64]) -> serde_json::Value {
    if v.is_empty() {
        return serde_json::json!({"avg": null, "p90": null, "max": null});
    }
    let mut s = v.to_vec();
    s.sort_unstable();
    let avg = s.iter().sum::<i64>() as f64 / s.len() as f64;
    // Nearest-rank 90th percentile.
    let p90 = s[((s.len() as f64 * 0.9).ceil() as usize).clamp(1, s.len()) - 1];
    serde_json::json!({"avg": minutes(avg), "p90": minutes(p90 as f64), "max": minutes(*s.last().unwrap_or(&0) as f64)})
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
            "wait_min": summary(&self.waits),
            "handling_min": summary(&self.handles),
        })
    }

    fn csv(&self, scope: &str, key: &str) -> String {
        let w = summary(&self.waits);
        let h = summary(&self.handles);
        let f = |v: &serde_json::Value| v.as_f64().map(|x| x.to_string()).unwrap_or_default();
        format!(
            "{scope},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            csv_field(key),
            self.issued,
            self.called,
            self.served,
            self.no_shows,
            self.abandoned,
            self.transferred,
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
    est_errors: Vec<i64>,
}

/// Read and add up the tickets issued from `from` to `to` (inclusive).
pub fn report(from: &str, to: &str) -> Result<Report, Fail> {
    let mut r = Report {
        from: from.into(),
        to: to.into(),
        total: Metrics::default(),
        by_day: BTreeMap::new(),
        by_service: BTreeMap::new(),
        by_window: BTreeMap::new(),
        by_clerk: BTreeMap::new(),
        hours: [0; 24],
        est_errors: vec![],
    };
    // One query per day keeps each answer well under the host's row limit.
    let mut day = day_start(from)?;
    let end = day_start(to)?;
    if end.midnight_ms < day.midnight_ms || (end.midnight_ms - day.midnight_ms) / 86_400_000 >= MAX_DAYS {
        return Err(Fail::user(422, format!("统计区间应在 1 至 {MAX_DAYS} 天之间"), format!("The range must be 1 to {MAX_DAYS} days")));
    }
    loop {
        let rows: Vec<Row> = db::rows(
            "SELECT day, origin_service, window, from_window, clerk_id, clerk_name, status, issued_at, called_at, last_called_at,
                    serving_at, finished_at, missed_at, transfers, est_wait_ms FROM tickets WHERE day = ?1",
            &[sql::text(&day.day)],
        )?;
        for t in &rows {
            r.add(t);
        }
        if day.day == end.day {
            break;
        }
        day = day.plus_days(1);
    }
    Ok(r)
}

fn day_start(d: &str) -> Result<Local, Fail> {
    let bad = || Fail::user(422, format!("日期 {d} 格式应为 YYYY-MM-DD"), format!("date `{d}` must be YYYY-MM-DD"));
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
    fn add(&mut self, t: &Row) {
        let wait = t.called_at.map(|c| c - t.issued_at);
        let handle = t.finished_at.map(|f| f - t.serving_at.or(t.last_called_at).unwrap_or(f));
        let served = t.status == "finished";
        let no_show = t.missed_at.is_some() && matches!(t.status.as_str(), "missed" | "left");
        let abandoned = t.status == "left" && t.called_at.is_none();
        let add = |m: &mut Metrics, issued: bool| {
            m.issued += issued as i64;
            m.called += wait.is_some() as i64;
            m.served += served as i64;
            m.no_shows += no_show as i64;
            m.abandoned += abandoned as i64;
            m.transferred += (t.transfers > 0) as i64;
            m.waits.extend(wait);
            if served {
                m.handles.extend(handle);
            }
        };
        add(&mut self.total, true);
        add(self.by_day.entry(t.day.clone()).or_default(), true);
        add(self.by_service.entry(t.origin_service.clone()).or_default(), true);
        if let Some(w) = &t.window {
            add(self.by_window.entry(w.clone()).or_default(), false);
        }
        if let Some(w) = &t.from_window
            && t.window.as_ref() != Some(w)
        {
            self.by_window.entry(w.clone()).or_default().transferred += 1;
        }
        if t.window.is_some() && (t.clerk_id.is_some() || t.clerk_name.is_some()) {
            let key = format!("{} ({})", t.clerk_name.clone().unwrap_or_default(), t.clerk_id.clone().unwrap_or_default());
            add(self.by_clerk.entry(key).or_default(), false);
        }
        let (_, _, _, hh, _) = clock::local(t.issued_at);
        self.hours[hh as usize % 24] += 1;
        if let Some(w) = wait {
            self.est_errors.push((t.est_wait_ms - w).abs());
        }
    }

    /// Mean absolute error of the estimates in minutes, and the share
    /// within five minutes.
    pub fn accuracy(&self) -> serde_json::Value {
        let n = self.est_errors.len();
        if n == 0 {
            return serde_json::json!({"samples": 0, "mean_abs_error_min": null, "within_5_min_pct": null});
        }
        let mean = self.est_errors.iter().sum::<i64>() as f64 / n as f64;
        let within = self.est_errors.iter().filter(|e| **e <= 5 * 60_000).count() as f64 / n as f64;
        serde_json::json!({"samples": n, "mean_abs_error_min": minutes(mean), "within_5_min_pct": (within * 1000.0).round() / 10.0})
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
        let mut out = String::from("scope,key,issued,called,served,no_shows,abandoned,transferred,wait_avg_min,wait_p90_min,wait_max_min,handling_avg_min,handling_p90_min,handling_max_min\n");
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
