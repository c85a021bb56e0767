//! A plugin that stays inside its grants but makes the host work for it.
//! Every limit of the sandbox holds for the work the host does on the
//! plugin's behalf: a query that never ends is stopped at the call's
//! deadline, the plugin's database and key-value namespace have quotas, its
//! events a budget per call and per minute, and it cannot lift any of them
//! with a PRAGMA. Each refusal names the plugin and the limit, and the
//! plugin (and its neighbour) go on serving.

use linli_host::runtime::capabilities::ManualClock;
use linli_tests::{TestServer, fixtures};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::Ordering;

fn server(limits: &str) -> TestServer {
    TestServer::start_with_settings(&[fixtures::PLUGIN_NOTICES, fixtures::GREEDY], &format!("[plugins.greedy.limits]\n{limits}"))
}

fn err_of(v: &Value) -> String {
    v["err"].as_str().unwrap_or_else(|| panic!("expected a refusal, got {v}")).to_owned()
}

#[test]
fn a_query_that_never_ends_is_stopped_at_the_calls_deadline() {
    let s = server("time_ms = 500\n");
    let (code, body) = s.get_json("/greedy/endless");
    // The statement is stopped at the call's deadline and the call ends as
    // timed out, whatever the plugin makes of the statement's error.
    let text = body.to_string();
    assert_eq!(code, 504, "{text}");
    assert_eq!(body["error"]["code"], "plugin_timeout", "{text}");
    assert!(text.contains("time limit"), "the refusal names the time limit: {text}");
    assert!(text.contains("greedy"), "and the plugin: {text}");
    // The plugin's later calls are not stuck behind it, and its database works.
    let (code, body) = s.get_json("/greedy/count");
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["count"]["ok"], 0);
    // A sort bigger than the call's time is stopped the same way.
    let (code, body) = s.get_json("/greedy/sort");
    assert_eq!(code, 504, "{body}");
    assert!(body.to_string().contains("time limit"), "{code} {body}");
    // The neighbour never noticed.
    assert_eq!(s.get("/api/notices").0, 200);
}

#[test]
fn a_plugin_cannot_fill_the_disk() {
    let s = server("storage_mib = 64\n");
    // One 16 MB blob per call: calls succeed until the quota is near.
    let mut stored = 0;
    let mut refusal = None;
    for _ in 0..6 {
        let (code, body) = s.get_json("/greedy/blobs?n=1");
        match code {
            200 if body["inserts"][0].get("ok").is_some() => stored += 1,
            _ => {
                refusal = Some(body.to_string());
                break;
            }
        }
    }
    // 64 MiB (67,108,864 bytes) hold four 16 MB blobs; the fifth is refused.
    assert_eq!(stored, 4, "{refusal:?}");
    let refusal = refusal.expect("a refusal");
    assert!(refusal.contains("greedy") && refusal.contains("storage quota of 64 MiB"), "{refusal}");
    // A call writing eight at once (128 MB) is refused as a whole: nothing
    // of it is kept, however many of its statements fitted.
    let (code, body) = s.get_json("/greedy/blobs?n=8");
    assert_eq!(code, 507, "{body}");
    assert_eq!(body["error"]["code"], "plugin_storage_quota", "{body}");
    assert!(body["error"]["message_en"].as_str().unwrap().contains("storage quota of 64 MiB"), "{body}");
    let db = s.host.config.data_dir.join("plugins/greedy.sqlite");
    let size = std::fs::metadata(&db).unwrap().len();
    assert!(size <= 64 * 1024 * 1024, "the database file stays within its quota: {size} bytes");
    // What was acknowledged is all there, and the plugin still reads.
    let (code, body) = s.get_json("/greedy/count");
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["count"]["ok"], stored, "{body}");
    // The plugins page shows the quota and the use.
    let snapshot = s.host.registry.snapshot();
    let plugin = snapshot.plugins.get("greedy").expect("loaded");
    let (used, quota) = plugin.sql_db().expect("has a database").usage();
    assert_eq!(quota, 64 * 1024 * 1024);
    assert!(used >= 4 * 16_000_000, "{used}");
    let admin = linli_tests::sign_in(&s, "admin", &["admin"]);
    let (_, status) = linli_tests::http(ureq::get(&format!("{}/api/host/plugins", s.url)).set("Cookie", &admin.cookie));
    let status: Value = serde_json::from_str(&status).unwrap_or(Value::Null);
    let greedy = status["plugins"].as_array().expect("plugin list").iter().find(|p| p["id"] == "greedy").unwrap().clone();
    assert_eq!(greedy["storage"]["sql_quota_bytes"], 64 * 1024 * 1024, "{greedy}");
    let (_, page) = linli_tests::http(ureq::get(&format!("{}/admin/host/plugins", s.url)).set("Cookie", &admin.cookie));
    assert!(page.contains("存储（已用/上限）") && page.contains("/ 64.0 MB"), "the plugins page shows the quota");
}

#[test]
fn key_value_storage_has_a_quota() {
    let s = server("kv_mib = 4\nvalue_bytes = 300000\n");
    let (code, body) = s.get_json("/greedy/kv-fill");
    assert_eq!(code, 200, "{body}");
    let written = body["written"].as_u64().unwrap();
    // 4 MiB hold fifteen values of 256 KiB with their keys, not sixteen.
    assert_eq!(written, 15, "{body}");
    let refused = body["refused"].as_str().unwrap_or_default();
    assert!(refused.contains("greedy") && refused.contains("quota of 4 MiB"), "{refused}");
    // Making a value smaller is always allowed, so a full plugin can clean up.
    assert_eq!(body["shrink"]["ok"], Value::Null, "{body}");
    assert!(body["shrink"].get("ok").is_some(), "{body}");
    // The next call may write the same keys again (the first one back to
    // its full size, fitting where it shrank), but no new one: the quota
    // is kept across calls.
    let (_, body) = s.get_json("/greedy/kv-fill");
    assert_eq!(body["written"], 15, "{body}");
    assert!(body["refused"].as_str().unwrap_or_default().contains("quota of 4 MiB"), "{body}");
    let used = linli_host::storage::KvStore::kv_usage(&*s.host.db, "greedy").unwrap();
    assert!(used <= 4 * 1024 * 1024, "{used}");
    // A scan hands over at most four values' worth (value_bytes × 4 =
    // 1,200,000 bytes) at a time: the shrunk first value and four of
    // 256 KiB, not all fifteen.
    let (_, body) = s.get_json("/greedy/kv-scan");
    assert_eq!(body["scan"]["ok"], 5, "{body}");
}

#[test]
fn events_have_a_budget_per_call_and_per_minute() {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(1_796_000_000_000)));
    let s = TestServer::start_custom(
        &[fixtures::PLUGIN_NOTICES, fixtures::GREEDY],
        "[plugins.greedy.limits]\nevent_bytes_per_minute = 1000000\n",
        None,
        clock.clone(),
    );
    let before = s.host.bus().last_id().unwrap();
    let (code, body) = s.get_json("/greedy/events");
    assert_eq!(code, 200, "{body}");
    // One megabyte in one event is over the call's 256 KiB.
    let big = err_of(&body["big"]);
    assert!(big.contains("greedy") && big.contains("event_bytes_per_call"), "{big}");
    // Four chunks of 60 KiB fit in 256 KiB; the fifth is refused.
    assert_eq!(body["published"], 4, "{body}");
    assert!(body["refused"].as_str().unwrap().contains("event_bytes_per_call"), "{body}");
    // Three more calls fill the minute's 1,000,000 bytes (16 chunks of
    // 61,454 bytes with their topic; a seventeenth would pass it)…
    for _ in 0..3 {
        assert_eq!(s.get_json("/greedy/events").1["published"], 4);
    }
    // …and then nothing more this minute, not even a small one.
    let (_, body) = s.get_json("/greedy/events");
    assert_eq!(body["published"], 0, "{body}");
    assert!(body["refused"].as_str().unwrap().contains("this minute"), "{body}");
    // The budget is in bytes: a small event still fits in what is left.
    let small = s.get_json("/greedy/events-small").1;
    assert!(small["small"].get("ok").is_some(), "{small}");
    // Exactly what was accepted was stored.
    let stored = s.host.bus().since(before, 1000).unwrap().into_iter().filter(|e| e.source == "greedy").count();
    assert_eq!(stored, 17);
    // A new minute, a new budget.
    clock.0.fetch_add(60_000, Ordering::SeqCst);
    assert_eq!(s.get_json("/greedy/events").1["published"], 4);
}

#[test]
fn a_plugin_cannot_lift_its_own_limits() {
    let s = server("");
    let (code, body) = s.get_json("/greedy/pragma");
    assert_eq!(code, 200, "{body}");
    for field in ["quota", "synchronous"] {
        let e = err_of(&body[field]);
        assert!(e.contains("greedy") && e.contains("not allowed"), "{field}: {e}");
    }
    // Its own bookkeeping PRAGMAs still work.
    assert!(body["user_version"].get("ok").is_some(), "{body}");
    assert!(body["read"]["ok"].as_str().unwrap().contains('7'), "{body}");
}

#[test]
fn a_plugin_writing_megabytes_of_log_is_cut_short() {
    let s = server("");
    // 8 MB of log lines (with terminal escapes) in one call: the call ends
    // normally, the host stays up, and the next call is served.
    let (code, body) = s.get_json("/greedy/logs");
    assert_eq!(code, 200, "{body}");
    let (code, _) = s.get_json("/greedy/count");
    assert_eq!(code, 200);
}

/// The `calendar` capability: deadlines in working days across the Spring
/// Festival of 2026 and its make-up Saturdays, with the host's clock moved
/// by hand (the calendar is the one shipped in `content/calendar/`).
#[test]
fn working_days_are_counted_across_the_spring_festival() {
    // Thursday 12 February 2026, 10:00 in the hall (UTC+8).
    let thursday = 1_770_861_600_000;
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(thursday)));
    let s = TestServer::start_custom(&[fixtures::GREEDY], "", None, clock.clone());
    let (code, body) = s.get_json("/greedy/calendar?days=5");
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["today"], "2026-02-12");
    assert_eq!(body["working"]["ok"], true);
    // 13 (Fri), 14 (Sat, worked), then 24, 25, 26 after the holiday.
    assert_eq!(body["deadline"]["ok"], "2026-02-26", "{body}");
    assert!(err_of(&body["unknown"]).contains("2031"), "an unknown year is named: {body}");
    assert!(err_of(&body["bad"]).contains("2026-02-30"), "{body}");
    // Saturday 14 February: a working day; Monday 16 February: a holiday.
    let day = 86_400_000;
    clock.0.store(thursday + 2 * day, Ordering::SeqCst);
    let (_, body) = s.get_json("/greedy/calendar");
    assert_eq!((body["today"].as_str(), body["working"]["ok"].as_bool()), (Some("2026-02-14"), Some(true)), "{body}");
    clock.0.store(thursday + 4 * day, Ordering::SeqCst);
    let (_, body) = s.get_json("/greedy/calendar");
    assert_eq!((body["today"].as_str(), body["working"]["ok"].as_bool()), (Some("2026-02-16"), Some(false)), "{body}");
    // On Saturday 28 February (worked), six working days have passed since the 13th.
    clock.0.store(thursday + 16 * day, Ordering::SeqCst);
    let (_, body) = s.get_json("/greedy/calendar");
    assert_eq!(body["today"], "2026-02-28");
    assert_eq!(body["passed"]["ok"], 6, "{body}");
}
