//! The real `linli` binary SIGKILLed while kiosks issue and windows call:
//! after a restart every acknowledged ticket is there, no ticket is called
//! twice, and the numbers of each service are still 1..n without a gap.

use super::kit::*;
use linli_tests::{create_staff_cli, fixtures, free_port, spawn_linli, wait_for};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WINDOWS: [&str; 3] = ["1", "3", "4"]; // together they serve A, B, C and D
const SERVICES: [&str; 4] = ["A", "B", "C", "D"];

fn create_clerk(data: &Path, username: &str) {
    create_staff_cli(data, username, "clerk", PASSWORD);
}

#[test]
fn sigkill_mid_run_loses_no_ticket_and_calls_none_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (data, plugins) = (dir.path().join("data"), dir.path().join("plugins"));
    std::fs::create_dir_all(&plugins).expect("plugins dir");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::copy(fixtures::PLUGIN_QUEUE, plugins.join("queue.wasm")).expect("copy plugin");
    std::fs::write(data.join("linli.toml"), OPEN_ALL_DAY).expect("settings");
    for w in WINDOWS {
        create_clerk(&data, &format!("clerk{w}"));
    }

    let port = free_port();
    let mut child = spawn_linli(&data, &plugins, port);
    let base = format!("http://127.0.0.1:{port}");
    let issued = Arc::new(Mutex::new(Vec::<String>::new()));
    let called = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = vec![];
    for k in 0..4 {
        let (base, issued, stop) = (base.clone(), issued.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                match kiosk_take(&base, SERVICES[(k + i) % 4], &format!("d{k}-{i}")) {
                    Ok((201, t)) => issued.lock().unwrap().push(t["ticket"].as_str().unwrap_or("").to_owned()),
                    _ => break, // the server is gone
                }
            }
        }));
    }
    for w in WINDOWS {
        let desk = Desk::sign_in(&base, &format!("clerk{w}"), Some(w));
        let (called, stop) = (called.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match desk.post("/api/queue/counter/call-next", &json!({})) {
                    Ok((200, r)) => match r["ticket"]["ticket"].as_str() {
                        Some(label) => {
                            called.lock().unwrap().push(label.to_owned());
                            if !matches!(desk.post("/api/queue/counter/finish", &json!({})), Ok((200, _))) {
                                break;
                            }
                        }
                        None => std::thread::sleep(Duration::from_millis(10)),
                    },
                    _ => break,
                }
            }
        }));
    }
    let enough = wait_for(Duration::from_secs(60), || (issued.lock().unwrap().len() >= 120 && called.lock().unwrap().len() >= 30).then_some(()));
    assert!(enough.is_some(), "the run got going");
    // SIGKILL: no shutdown code runs, requests are cut mid-flight.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().expect("killed");
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("thread");
    }
    let issued_before = issued.lock().unwrap().clone();
    let called_before = called.lock().unwrap().clone();

    let port = free_port();
    let mut child = spawn_linli(&data, &plugins, port);
    let base = format!("http://127.0.0.1:{port}");
    let desks: Vec<Desk> = WINDOWS.iter().map(|w| Desk::sign_in(&base, &format!("clerk{w}"), Some(w))).collect();
    // A call cut off by the kill left its ticket at the window: finish it.
    let mut held = vec![];
    for d in &desks {
        let (code, state) = d.get("/api/queue/counter").expect("counter state");
        assert_eq!(code, 200, "{state}");
        if let Some(label) = state["current"]["ticket"].as_str() {
            held.push(label.to_owned());
            assert_eq!(d.post("/api/queue/counter/finish", &json!({})).expect("finish").0, 200);
        }
    }
    // Issuing goes on where it stopped.
    let mut issued_after = vec![];
    for (i, s) in SERVICES.iter().enumerate() {
        let (code, t) = kiosk_take(&base, s, &format!("after-{i}")).expect("kiosk");
        assert_eq!(code, 201, "{t}");
        issued_after.push(t["ticket"].as_str().unwrap_or("").to_owned());
    }
    // Drain the queue.
    let mut called_after = vec![];
    loop {
        let mut any = false;
        for d in &desks {
            let (code, r) = d.post("/api/queue/counter/call-next", &json!({})).expect("call");
            assert_eq!(code, 200, "{r}");
            if let Some(label) = r["ticket"]["ticket"].as_str() {
                any = true;
                called_after.push(label.to_owned());
                assert_eq!(d.post("/api/queue/counter/finish", &json!({})).expect("finish").0, 200);
            }
        }
        if !any {
            break;
        }
    }
    child.kill().expect("stop linli");
    child.wait().expect("linli ends");

    let calls: Vec<&String> = called_before.iter().chain(&called_after).collect();
    let unique: BTreeSet<&String> = calls.iter().copied().collect();
    assert_eq!(unique.len(), calls.len(), "a ticket was called twice across the kill");
    let everything: BTreeSet<String> = unique.iter().map(|s| s.to_string()).chain(held.iter().cloned()).collect();
    for t in issued_before.iter().chain(&issued_after) {
        assert!(everything.contains(t), "acknowledged ticket {t} was lost");
    }
    // Every ticket that exists was called exactly once; together they are
    // each service's 1..n.
    assert_contiguous(&everything.into_iter().collect::<Vec<_>>());
    assert!(issued_before.len() >= 120);
}
