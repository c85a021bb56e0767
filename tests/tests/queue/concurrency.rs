//! Many kiosks issuing and many windows calling at once over real HTTP:
//! hundreds of operations in parallel, no ticket called twice, none lost,
//! numbers contiguous, and a retried request never issues twice.

use super::kit::*;
use linli_tests::{TestServer, fixtures};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const KIOSKS: usize = 8;
const PER_KIOSK: usize = 30;
const WINDOWS: [&str; 5] = ["1", "2", "3", "4", "5"];
const SERVICES: [&str; 4] = ["A", "B", "C", "D"];

pub fn staff(s: &TestServer, username: &str, roles: &[&str]) {
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    linli_host::auth::sessions::create_staff(&s.host.db, username, username, PASSWORD, &roles, s.host.now_ms()).expect("create staff");
}

#[test]
fn many_windows_and_kiosks_at_once_never_call_twice_or_lose_a_ticket() {
    many_at_once(OPEN_ALL_DAY);
}

/// The test above with these settings (also run with the queue's SQL in
/// PostgreSQL: `postgres.rs`).
pub fn many_at_once(settings: &str) {
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], settings);
    let desks: Vec<Desk> = WINDOWS
        .iter()
        .map(|w| {
            staff(&s, &format!("clerk{w}"), &["clerk"]);
            Desk::sign_in(&s.url, &format!("clerk{w}"), Some(w))
        })
        .collect();
    let issued = Arc::new(Mutex::new(Vec::<String>::new()));
    let called = Arc::new(Mutex::new(Vec::<String>::new()));
    let kiosks_done = Arc::new(AtomicBool::new(false));

    let kiosks: Vec<_> = (0..KIOSKS)
        .map(|k| {
            let (base, issued) = (s.url.clone(), issued.clone());
            std::thread::spawn(move || {
                for i in 0..PER_KIOSK {
                    let service = SERVICES[(k + i) % SERVICES.len()];
                    let key = format!("k{k}-{i}");
                    let (code, t) = kiosk_take(&base, service, &key).expect("kiosk request");
                    assert_eq!(code, 201, "{t}");
                    // Every fifth tap is a double tap: same key, same ticket.
                    if i % 5 == 0 {
                        let (code, again) = kiosk_take(&base, service, &key).expect("retry");
                        assert_eq!(code, 200, "{again}");
                        assert_eq!(again["ticket"], t["ticket"]);
                    }
                    issued.lock().unwrap().push(t["ticket"].as_str().unwrap().to_owned());
                }
            })
        })
        .collect();
    let windows: Vec<_> = desks
        .into_iter()
        .map(|desk| {
            let (called, done) = (called.clone(), kiosks_done.clone());
            std::thread::spawn(move || {
                let mut ops = 0;
                loop {
                    let finished_issuing = done.load(Ordering::SeqCst);
                    let (code, r) = desk.post("/api/queue/counter/call-next", &serde_json::json!({})).expect("call next");
                    assert_eq!(code, 200, "{r}");
                    ops += 1;
                    match r["ticket"]["ticket"].as_str() {
                        Some(label) => {
                            called.lock().unwrap().push(label.to_owned());
                            let (code, f) = desk.post("/api/queue/counter/finish", &serde_json::json!({"outcome": "done"})).expect("finish");
                            assert_eq!(code, 200, "{f}");
                            ops += 1;
                        }
                        // Nobody waits for this window and nobody will come.
                        None if finished_issuing => return ops,
                        None => std::thread::sleep(std::time::Duration::from_millis(20)),
                    }
                }
            })
        })
        .collect();
    for k in kiosks {
        k.join().expect("kiosk thread");
    }
    kiosks_done.store(true, Ordering::SeqCst);
    let window_ops: usize = windows.into_iter().map(|w| w.join().expect("window thread")).sum();

    let issued = issued.lock().unwrap().clone();
    let called = called.lock().unwrap().clone();
    assert_eq!(issued.len(), KIOSKS * PER_KIOSK);
    assert!(window_ops + issued.len() >= 700, "hundreds of operations in parallel: {}", window_ops + issued.len());
    let unique: BTreeSet<_> = called.iter().collect();
    assert_eq!(unique.len(), called.len(), "a ticket was called twice");
    let issued_set: BTreeSet<_> = issued.iter().collect();
    assert_eq!(unique, issued_set, "every issued ticket was called, and nothing else");
    assert_contiguous(&issued);
    let (_, board) = s.get_json("/api/queue/services");
    assert!(board["services"].as_array().unwrap().iter().all(|s| s["waiting"] == 0), "{board}");
    // Every write above was committed and counted; calls that queued up
    // for the database may have shared a commit, never the other way round.
    let metrics = s.metrics();
    let metric = |name: &str| -> u64 {
        let line = metrics.lines().find(|l| l.starts_with(&format!("{name}{{plugin=\"queue\"}}"))).unwrap_or_else(|| panic!("{name} missing: {metrics}"));
        line.rsplit(' ').next().and_then(|v| v.parse().ok()).expect("a count")
    };
    let (commits, calls) = (metric("linli_plugin_sql_commits_total"), metric("linli_plugin_sql_committed_calls_total"));
    assert!(calls >= (issued.len() + window_ops) as u64, "{calls} committed calls for {} writes", issued.len() + window_ops);
    assert!(commits >= 1 && commits <= calls, "{commits} commits for {calls} calls");
    // The queue's calls ran on its lane: nothing is left waiting on it, and
    // the time it was busy is counted.
    assert_eq!(metric("linli_plugin_lane_queued"), 0);
    let busy: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("linli_plugin_lane_busy_seconds_total{plugin=\"queue\"} "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("lane busy time missing: {metrics}"));
    assert!(busy > 0.0, "{busy}");
}
