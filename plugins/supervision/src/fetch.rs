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
/// together) one request reads (a month's closed days are read a share
/// per request and kept), so it stays well inside its time limit (1 s by
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
        format!("所选时段一次要读的记录超过 {MAX_ROWS} 条（号票、评价、整改单、投诉合计）：请按日查看；一天也超过时，请管理员调高“督查评估”的时限（time_ms）。"),
        format!("The chosen range needs more than {MAX_ROWS} records (tickets, ratings, cases, complaints together) in one request: view it day by day; where one day is more, an admin must raise supervision's time limit (time_ms)."),
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
    // Info, not a warning: until an admin allows the link the tick meets
    // this every minute, and the plugins page already points it out.
    log::info(&format!("supervision cannot read {plugin}: {why}"));
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
    /// The tickets' times, one part per day.
    pub parts: Vec<crate::figures::Part>,
    pub spans: Vec<crate::figures::Span>,
    pub hall: crate::figures::Hall,
    pub ratings: Vec<crate::figures::Rating>,
    pub cases: Vec<crate::figures::Case>,
    pub complaints: Vec<crate::figures::Complaint>,
}

/// A closed day's ticket figures are kept (table `days`), so a month is
/// summed from a part per day instead of every ticket again: a busy hall's
/// month is read once, a share per request (and per tick), then shown at
/// once.
const SCHEMA: &[&str] = &["CREATE TABLE IF NOT EXISTS days (day TEXT PRIMARY KEY, body TEXT NOT NULL, made_at INTEGER NOT NULL)"];

/// Days before this one are kept: over, and the day after them too (a
/// ticket carried over to the next opening may still be called then).
fn keep_before() -> String {
    let today = calendar::today();
    let d = calendar::days_of(&today).unwrap_or(0) - 1;
    let ms = (d * 1440 + 720 - clock::utc_offset_minutes() as i64) * 60_000;
    let (y, m, dd, _, _) = clock::local(ms);
    format!("{y:04}-{m:02}-{dd:02}")
}

#[derive(Deserialize)]
struct Kept {
    body: String,
}

/// The ticket parts of the days, read from the kept ones or from the
/// queue. `Ok(n)`: n days could not be read within this request's share.
fn parts(cfg: &Config, days: &[String], only_kept: bool, read: &mut usize, out: &mut Vec<crate::figures::Part>) -> Result<usize, Fail> {
    let keep = keep_before();
    let mut left = 0;
    for d in days {
        let kept = *d < keep;
        if !kept && only_kept {
            continue;
        }
        if kept && let Some(k) = sql::query_one::<Kept>("SELECT body FROM days WHERE day = ?1", &[sql::text(d)])? {
            out.push(serde_json::from_str(&k.body).map_err(|e| Fail::Internal(format!("the kept figures of {d}: {e}")))?);
            continue;
        }
        if left > 0 {
            // Counted are the closed days still to read; the others are
            // read afresh anyway once these are done.
            left += kept as usize;
            continue;
        }
        let before = *read;
        match all::<crate::figures::Ticket>(&cfg.queue_plugin, "/api/queue/export/tickets", d, d, read, crate::figures::TICKET_COLUMNS) {
            Ok(t) => {
                let p = crate::figures::Part::of(&t);
                if kept {
                    let body = serde_json::to_string(&p).map_err(|e| Fail::Internal(e.to_string()))?;
                    sql::execute(
                        "INSERT INTO days (day, body, made_at) VALUES (?1, ?2, ?3) ON CONFLICT (day) DO UPDATE SET body = excluded.body, made_at = excluded.made_at",
                        &[sql::text(d), sql::text(&body), sql::int(clock::now())],
                    )?;
                }
                out.push(p);
            }
            // This request's share is used up by the days before: the next
            // request (or tick) goes on where this one stopped.
            Err(Fail::User(413, ..)) if before > 0 && kept => {
                *read = before;
                left += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(left)
}

pub fn records(cfg: &Config, from: &str, to: &str) -> Result<Records, Fail> {
    sql::ensure_schema("1", SCHEMA)?;
    let mut read = 0;
    let q = cfg.queue_plugin.as_str();
    let hall: crate::figures::Hall = get(q, &format!("/api/queue/export/hall?from={from}&to={to}"))?;
    let days: Vec<String> = hall.days.iter().map(|d| d.day.clone()).collect();
    let mut ps = Vec::new();
    let left = parts(cfg, &days, false, &mut read, &mut ps)?;
    if left > 0 {
        return Err(Fail::user(
            503,
            "summing_up",
            format!("正在汇总所选时段：还有 {left} 天的号票尚未汇总（每次打开本页和每分钟各汇总一部分，汇总过的日子不再重算），请稍后刷新本页。"),
            format!("Still summing up this range: {left} days of tickets to go (a share each time the page opens and each minute; a day summed is kept), refresh in a while."),
        ));
    }
    let spans = all(q, "/api/queue/export/spans", from, to, &mut read, &[])?;
    let r = cfg.ratings_plugin.as_str();
    // The ratings counted per group by the ratings plugin (one row per
    // day, window, clerk, service and level, not one per ticket).
    let counted: Page<crate::figures::Rating> = get(r, &format!("/api/ratings/export/counts?from={from}&to={to}"))?;
    read += counted.rows.len();
    let ratings = counted.rows;
    let cases = all(r, "/api/ratings/export/cases", from, to, &mut read, &[])?;
    let complaints = all(&cfg.feedback_plugin, "/api/feedback/export/cases", from, to, &mut read, &[])?;
    Ok(Records { parts: ps, spans, hall, ratings, cases, complaints })
}

/// The tick: keep the closed days of this month and the last one, a share
/// a minute, so the month's page opens at once.
pub fn warm(cfg: &Config) -> Result<(), Fail> {
    sql::ensure_schema("1", SCHEMA)?;
    let keep = keep_before();
    let first_this = format!("{}-01", &keep[..7]);
    let start = calendar::days_of(&first_this).unwrap_or(0) - 1;
    let ms = (start * 1440 + 720 - clock::utc_offset_minutes() as i64) * 60_000;
    let (y, m, _, _, _) = clock::local(ms);
    let from = format!("{y:04}-{m:02}-01");
    let days: Vec<String> = {
        let a = calendar::days_of(&from).unwrap_or(0);
        let b = calendar::days_of(&keep).unwrap_or(0) - 1;
        (a..=b)
            .map(|d| {
                let (y, m, dd, _, _) = clock::local((d * 1440 + 720 - clock::utc_offset_minutes() as i64) * 60_000);
                format!("{y:04}-{m:02}-{dd:02}")
            })
            .collect()
    };
    let mut read = 0;
    let mut sink = Vec::new();
    parts(cfg, &days, true, &mut read, &mut sink)?;
    Ok(())
}
