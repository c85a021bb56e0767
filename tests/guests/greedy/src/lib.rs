//! A plugin that stays inside its grants but makes the host work for it:
//! a query that never ends, a database filled with blobs, a key-value
//! namespace filled to the brim, events and logs by the megabyte, a PRAGMA
//! that would lift its own quota. Each route reports what every host call
//! answered (`{"ok": …}` or `{"err": …}`), so a test can tell "refused with
//! a clear error" from "the host call broke". It also sends messages
//! (`/greedy/notify`, capability `notify`) on its lane (it has `sql`).

use linli_sdk::prelude::*;
use serde_json::{Value as J, json};

struct Greedy;

fn outcome<T: Into<J>, E: std::fmt::Display>(r: Result<T, E>) -> J {
    match r {
        Ok(v) => json!({"ok": v.into()}),
        Err(e) => json!({"err": e.to_string()}),
    }
}

impl Plugin for Greedy {
    fn manifest() -> Manifest {
        let mut m = Manifest::new("greedy", "贪心测试", "Greedy", "0.1.0")
            .capability("kv")
            .capability("sql")
            .capability("log")
            .capability("events")
            .capability("calendar")
            .capability("notify")
            .capability("screens");
        for r in ["calendar", "endless", "blobs", "count", "kv-fill", "kv-scan", "events", "events-small", "pragma", "logs", "sort", "notify", "screen", "screen-withdraw", "screen-list", "sql"] {
            m = m.route(Route::get(&format!("/greedy/{r}"), Audience::Public));
        }
        m
    }

    fn handle(req: Request) -> Response {
        match req.path.as_str() {
            // Never ends by itself; the host must stop it at the call's deadline.
            "/greedy/endless" => {
                let r = sql::query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", &[]);
                Response::json(200, &json!({"endless": outcome(r.map(|r| r.rows.len()))}))
            }
            // A sort of many rows: work inside SQLite the sandbox cannot see.
            "/greedy/sort" => {
                let r = sql::query(
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100000000) SELECT x FROM c ORDER BY random() LIMIT 1",
                    &[],
                );
                Response::json(200, &json!({"sort": outcome(r.map(|r| r.rows.len()))}))
            }
            // 16 MB blobs, `?n=` of them per call (eight: 128 MB a request).
            "/greedy/blobs" => {
                let n: usize = req.query.strip_prefix("n=").and_then(|n| n.parse().ok()).unwrap_or(8);
                let made = sql::execute("CREATE TABLE IF NOT EXISTS blobs (b BLOB)", &[]);
                let inserts: Vec<J> = (0..n).map(|_| outcome(sql::execute("INSERT INTO blobs VALUES (zeroblob(16000000))", &[]))).collect();
                Response::json(200, &json!({"create": outcome(made), "inserts": inserts}))
            }
            // Any statement (`q`), as a query or (`exec=1`) a change: what a
            // plugin can and cannot reach with its own SQL.
            "/greedy/sql" => {
                let q = req.query_param("q").unwrap_or_default();
                let r = if req.query_param("exec").as_deref() == Some("1") {
                    outcome(sql::execute(&q, &[]).map(|n| J::from(n)))
                } else {
                    outcome(sql::query(&q, &[]).map(|rows| {
                        J::from(rows.rows.iter().map(|row| J::from(row.iter().map(|v| match v {
                            sql::Value::Null => J::Null,
                            sql::Value::Integer(i) => J::from(*i),
                            sql::Value::Real(f) => J::from(*f),
                            sql::Value::Text(t) => J::from(t.clone()),
                            sql::Value::Blob(b) => J::from(b.len()),
                        }).collect::<Vec<_>>())).collect::<Vec<_>>())
                    }))
                };
                Response::json(200, &json!({"sql": r}))
            }
            "/greedy/count" => {
                let made = sql::execute("CREATE TABLE IF NOT EXISTS blobs (b BLOB)", &[]);
                let n = sql::query("SELECT count(*) FROM blobs", &[]).map(|r| match r.rows.first().and_then(|row| row.first()) {
                    Some(sql::Value::Integer(n)) => *n,
                    _ => -1,
                });
                let status = if made.is_ok() && n.is_ok() { 200 } else { 500 };
                Response::json(status, &json!({"count": outcome(n)}))
            }
            // 256 KiB values under new keys until the host says no (at most 200).
            "/greedy/kv-fill" => {
                let value = vec![b'x'; 256 * 1024];
                let mut written = 0;
                let mut last = J::Null;
                for i in 0..200 {
                    match kv::set(&format!("fill/{i:04}"), &value) {
                        Ok(()) => written += 1,
                        Err(e) => {
                            last = json!(e.to_string());
                            break;
                        }
                    }
                }
                // Shrinking is always allowed: an existing key made smaller.
                let shrink = outcome(kv::set("fill/0000", b"small"));
                Response::json(200, &json!({"written": written, "refused": last, "shrink": shrink}))
            }
            "/greedy/kv-scan" => {
                let r = kv::scan("fill/", None, 1000);
                Response::json(200, &json!({"scan": outcome(r.map(|v| v.len()))}))
            }
            // One 1 MiB event, then small ones until refused (at most 2,000).
            "/greedy/events" => {
                let big = "x".repeat(1024 * 1024 - 64);
                let first = outcome(events::publish("greedy.big", &big));
                let mut published = 0;
                let mut refused = J::Null;
                let chunk = "y".repeat(60 * 1024);
                for _ in 0..2000 {
                    match events::publish("greedy.chunk", &chunk) {
                        Ok(_) => published += 1,
                        Err(e) => {
                            refused = json!(e.to_string());
                            break;
                        }
                    }
                }
                Response::json(200, &json!({"big": first, "published": published, "refused": refused}))
            }
            "/greedy/events-small" => Response::json(200, &json!({"small": outcome(events::publish("greedy.small", &json!({"n": 1})))})),
            // Lifting its own quota, or making writes unsafe.
            "/greedy/pragma" => {
                let quota = sql::query("PRAGMA max_page_count = 2147483647", &[]);
                let sync = sql::execute("PRAGMA synchronous = OFF", &[]);
                let version = sql::execute("PRAGMA user_version = 7", &[]);
                let read = sql::query("PRAGMA user_version", &[]);
                Response::json(200, &json!({
                    "quota": outcome(quota.map(|r| r.rows.len())),
                    "synchronous": outcome(sync),
                    "user_version": outcome(version),
                    "read": outcome(read.map(|r| format!("{:?}", r.rows))),
                }))
            }
            // 2,000 lines of 4 KiB: 8 MB of log from one request.
            "/greedy/logs" => {
                let line = format!("\u{1b}[31mred\u{1b}[0m {}", "z".repeat(4000));
                for _ in 0..2000 {
                    log::info(&line);
                }
                Response::json(200, &json!({"logged": 2000}))
            }
            // The working-day clock from today (the host's clock): is today
            // a working day, the deadline `?days=` working days on, and an
            // unknown year.
            "/greedy/calendar" => {
                let days: i32 = req.query.strip_prefix("days=").and_then(|n| n.parse().ok()).unwrap_or(5);
                let today = calendar::today();
                Response::json(200, &json!({
                    "today": today,
                    "working": outcome(calendar::is_working_day(&today)),
                    "deadline": outcome(calendar::add_working_days(&today, days)),
                    "passed": outcome(calendar::working_days_between("2026-02-13", &today)),
                    "unknown": outcome(calendar::is_working_day("2031-05-06")),
                    "bad": outcome(calendar::add_working_days("2026-02-30", 1)),
                }))
            }
            "/greedy/notify" => notify_route(&req),
            "/greedy/screen" => screen_route(&req),
            "/greedy/screen-withdraw" => Response::json(200, &json!({"withdraw": outcome(screens::withdraw(&req.query_param("id").unwrap_or_default()))})),
            "/greedy/screen-list" => {
                let r = screens::list().map(|items| items.into_iter().map(|i| json!({"id": i.id, "zone": i.zone, "title": i.title})).collect::<Vec<J>>());
                Response::json(200, &json!({"list": outcome(r)}))
            }
            _ => Response::not_found(&req),
        }
    }
}

/// `?to=&n=&channel=&trap=1`: `n` messages (1 by default) to the phone
/// `to` (an inbox key with `inbox=`), each answer reported; with `trap=1`
/// the call panics afterwards, so none of them may be sent.
fn notify_route(req: &Request) -> Response {
    let n: usize = req.query_param("n").and_then(|n| n.parse().ok()).unwrap_or(1);
    let results: Vec<J> = (0..n)
        .map(|i| {
            let mut m = match req.query_param("inbox") {
                Some(key) => notify::Message::to_inbox(&key, "ticket-near", "您的 {number} 号快到了", "Number {number} is nearly up"),
                None => notify::Message::to_phone(&req.query_param("to").unwrap_or_default(), "ticket-near", "您的 {number} 号快到了", "Number {number} is nearly up"),
            }
            .param("number", &format!("A{i:03}"));
            if let Some(c) = req.query_param("channel") {
                m = m.channel(&c);
            }
            match m.send() {
                Ok(v) => json!({"ok": v}),
                Err(e) => json!({"err": e.to_string()}),
            }
        })
        .collect();
    if req.query_param("trap").as_deref() == Some("1") {
        panic!("trapping after sending {n} messages");
    }
    Response::json(200, &json!({"results": results}))
}

export_plugin!(Greedy);

/// `?id=&zone=&kind=&title=&body=&from=&until=&priority=`: publish one
/// screen item (`n=` of them, ids `ID-0`…; `title_len=` a title that long);
/// `sql=1` also writes a row (the call then waits for its group's commit);
/// `trap=1` panics afterwards, so nothing may show.
fn screen_route(req: &Request) -> Response {
    let q = |k: &str| req.query_param(k);
    let n: usize = q("n").and_then(|n| n.parse().ok()).unwrap_or(1);
    let id = q("id").unwrap_or_else(|| "item".into());
    let title = match q("title_len").and_then(|n| n.parse::<usize>().ok()) {
        Some(len) => "招".repeat(len),
        None => q("title").unwrap_or_else(|| "社区招聘".into()),
    };
    let results: Vec<J> = (0..n)
        .map(|i| {
            let mut item = screens::Item::new(&if n == 1 { id.clone() } else { format!("{id}-{i}") }, &q("zone").unwrap_or_else(|| "carousel".into()), &title)
                .kind(&q("kind").unwrap_or_else(|| "notice".into()))
                .body(&q("body").unwrap_or_default());
            if let Some(ms) = q("from").and_then(|v| v.parse().ok()) {
                item = item.from(ms);
            }
            if let Some(ms) = q("until").and_then(|v| v.parse().ok()) {
                item = item.until(ms);
            }
            if let Some(p) = q("priority").and_then(|v| v.parse().ok()) {
                item = item.priority(p);
            }
            outcome(screens::publish(&item).map(|()| true))
        })
        .collect();
    if q("sql").as_deref() == Some("1") {
        let _ = sql::execute("CREATE TABLE IF NOT EXISTS posted (id TEXT)", &[]);
        let _ = sql::execute("INSERT INTO posted VALUES (?1)", &[sql::Value::Text(id.clone())]);
    }
    if q("trap").as_deref() == Some("1") {
        panic!("trapping after publishing {n} screen items");
    }
    Response::json(200, &json!({"publish": results}))
}
