//! Reading the other plugins' records through their callable export
//! routes (capability `services`), page by page (keyset: each answer names
//! the id to go on `after`). A link the admin has not allowed, or a plugin
//! that is missing or disabled, is a refusal saying what the admin must do.

use crate::config::Config;
use linli_sdk::prelude::*;
use linli_sdk::store::HostError;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// At most this many records (tickets, spans, ratings, cases, complaints
/// together) a figure page reads: past it the supervisor is asked for a
/// shorter range, so one request stays well inside its time limit (1 s by
/// default: a day of 10,001 tickets, three pages of 5000, was summed in
/// about 0.3 s in the tests; 40,000 tickets ran past the limit).
pub const MAX_ROWS: usize = 15_000;
const PAGE: usize = 5000;

#[derive(Deserialize)]
struct Page<T> {
    rows: Vec<T>,
    next: Option<i64>,
    /// How many records the range holds in all (the queue's tickets say
    /// so on their first page).
    #[serde(default)]
    total: Option<usize>,
    /// Rows sent as arrays name their columns: they must be the ones the
    /// record's fields are read in.
    #[serde(default)]
    columns: Option<Vec<String>>,
}

fn too_many() -> Fail {
    Fail::user(
        413,
        "too_many_records",
        format!("所选时段的记录超过 {MAX_ROWS} 条（号票、评价、整改单、投诉合计），无法在一次请求内汇总：请按日查看。"),
        format!("The chosen range has more than {MAX_ROWS} records (tickets, ratings, cases, complaints together) to sum up in one request: view it day by day."),
    )
}

/// The plugin's Chinese and English names, for the messages.
fn names(id: &str) -> (&'static str, &'static str) {
    match id {
        "queue" => ("排队叫号", "Queue"),
        "ratings" => ("服务评价", "Ratings"),
        "feedback" => ("意见箱", "Feedback"),
        _ => ("", ""),
    }
}

fn not_linked(plugin: &str, why: &str) -> Fail {
    let (zh, en) = names(plugin);
    log::warn(&format!("supervision cannot read {plugin}: {why}"));
    Fail::user(
        503,
        "not_linked",
        format!("督查评估无法读取“{zh}”（{plugin}）的数据：请管理员在“插件管理”中允许“督查评估”调用“{zh}”。"),
        format!("Supervision cannot read the {en} plugin ({plugin}): an admin must allow supervision to call {plugin} on the plugins page."),
    )
}

fn missing(plugin: &str) -> Fail {
    let (zh, en) = names(plugin);
    Fail::user(
        503,
        "plugin_missing",
        format!("“{zh}”（{plugin}）未安装、已停用或版本过旧（没有导出接口）：请管理员在“插件管理”中安装最新版本并启用它。"),
        format!("The {en} plugin ({plugin}) is not installed, is disabled or is too old (no export route): an admin must install its current version and enable it on the plugins page."),
    )
}

/// One GET to `plugin`'s `path`, as this plugin itself.
pub fn get<T: DeserializeOwned>(plugin: &str, path: &str) -> Result<T, Fail> {
    let reply = match services::Call::get(plugin, path).send() {
        Ok(r) => r,
        Err(HostError::Denied(e)) => return Err(not_linked(plugin, &e)),
        Err(e) => return Err(e.into()),
    };
    match reply.status {
        200 => reply.json().map_err(|e| Fail::Internal(format!("{plugin} answered {path} with: {e}"))),
        404 => Err(missing(plugin)),
        403 => Err(not_linked(plugin, "403")),
        s => Err(Fail::Internal(format!("{plugin} answered {s} to {path}: {}", reply.text().chars().take(300).collect::<String>()))),
    }
}

/// Every record of `what` between the two days, read page by page.
pub fn all<T: DeserializeOwned>(plugin: &str, base: &str, from: &str, to: &str, read: &mut usize, columns: &[&str]) -> Result<Vec<T>, Fail> {
    let mut out = Vec::new();
    let mut after = 0i64;
    loop {
        let p: Page<T> = get(plugin, &format!("{base}?from={from}&to={to}&after={after}&limit={PAGE}"))?;
        if let Some(c) = &p.columns
            && c.iter().map(String::as_str).ne(columns.iter().copied())
        {
            return Err(Fail::Internal(format!("{plugin} {base} sends columns {c:?}, not {columns:?}: a version this plugin does not know")));
        }
        *read += p.rows.len();
        // Refused as soon as it is known, before the pages are read.
        if *read > MAX_ROWS || p.total.is_some_and(|t| *read - p.rows.len() + t > MAX_ROWS) {
            return Err(too_many());
        }
        out.extend(p.rows);
        match p.next {
            Some(n) if n > after => after = n,
            _ => return Ok(out),
        }
    }
}

/// Everything the figures are made of, for the days `from` … `to`.
pub struct Records {
    pub tickets: Vec<crate::figures::Ticket>,
    pub spans: Vec<crate::figures::Span>,
    pub hall: crate::figures::Hall,
    pub ratings: Vec<crate::figures::Rating>,
    pub cases: Vec<crate::figures::Case>,
    pub complaints: Vec<crate::figures::Complaint>,
}

pub fn records(cfg: &Config, from: &str, to: &str) -> Result<Records, Fail> {
    let mut read = 0;
    let q = cfg.queue_plugin.as_str();
    let hall = get(q, &format!("/api/queue/export/hall?from={from}&to={to}"))?;
    let tickets = all(q, "/api/queue/export/tickets", from, to, &mut read, crate::figures::TICKET_COLUMNS)?;
    let spans = all(q, "/api/queue/export/spans", from, to, &mut read, &[])?;
    let r = cfg.ratings_plugin.as_str();
    // The ratings counted per group by the ratings plugin (one row per
    // day, window, clerk, service and level, not one per ticket).
    let counted: Page<crate::figures::Rating> = get(r, &format!("/api/ratings/export/counts?from={from}&to={to}"))?;
    read += counted.rows.len();
    let ratings = counted.rows;
    let cases = all(r, "/api/ratings/export/cases", from, to, &mut read, &[])?;
    let complaints = all(&cfg.feedback_plugin, "/api/feedback/export/cases", from, to, &mut read, &[])?;
    Ok(Records { tickets, spans, hall, ratings, cases, complaints })
}
