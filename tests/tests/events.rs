//! The live event stream: ordered ids, resume after reconnect, visibility.

use linli_tests::{TestServer, fixtures, http_json, sign_in};
use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::Duration;

/// Follow `/api/events` in a thread; sends each event's JSON.
fn follow(url: String, last_id: Option<u64>) -> mpsc::Receiver<serde_json::Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut req = ureq::get(&url);
        if let Some(id) = last_id {
            req = req.set("Last-Event-ID", &id.to_string());
        }
        let Ok(resp) = req.call() else { return };
        for line in BufReader::new(resp.into_reader()).lines() {
            let Ok(line) = line else { return };
            if let Some(data) = line.strip_prefix("data:")
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(data.trim())
                && tx.send(v).is_err()
            {
                return;
            }
        }
    });
    rx
}

fn post_notice(s: &TestServer, staff: &linli_tests::Staff, title: &str) -> i64 {
    let (code, body) = http_json(
        ureq::post(&format!("{}/api/notices", s.url)).set("Cookie", &staff.cookie).set("X-CSRF-Token", &staff.csrf),
        &serde_json::json!({"title": title, "body": ""}),
    );
    assert_eq!(code, 201, "{body}");
    body["id"].as_i64().unwrap()
}

#[test]
fn events_resume_after_reconnect_without_gaps() {
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES]);
    let staff = sign_in(&s, "editor", &["editor"]);
    // Follow from "now" as the server knows it, so a slow start of the stream
    // cannot miss the first events (they are replayed from the log).
    let start = s.host.bus().last_id().unwrap();
    let rx = follow(format!("{}/api/events?topics=notices.&after={start}", s.url), None);
    for i in 0..3 {
        post_notice(&s, &staff, &format!("第 {i} 条"));
    }
    let first: Vec<serde_json::Value> = (0..3).map(|_| rx.recv_timeout(Duration::from_secs(5)).expect("live event")).collect();
    assert!(first.iter().all(|e| e["topic"] == "notices.created" && e["source"] == "notices"));
    let ids: Vec<u64> = first.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ordered ids {ids:?}");
    drop(rx);

    // While disconnected, two more happen.
    post_notice(&s, &staff, "断线期间 1");
    post_notice(&s, &staff, "断线期间 2");
    let rx = follow(format!("{}/api/events?topics=notices.", s.url), Some(ids[2]));
    let missed: Vec<serde_json::Value> = (0..2).map(|_| rx.recv_timeout(Duration::from_secs(5)).expect("replayed event")).collect();
    assert_eq!(missed[0]["payload"]["title"], "断线期间 1");
    assert_eq!(missed[1]["payload"]["title"], "断线期间 2");
    assert!(missed[0]["id"].as_u64().unwrap() > ids[2]);
    // And nothing else was replayed.
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
}

#[test]
fn anonymous_listeners_do_not_see_host_events() {
    let s = TestServer::start(&[fixtures::PLUGIN_NOTICES]);
    // Replay everything from the start: the host published `host.plugin.loaded`.
    let rx = follow(format!("{}/api/events?after=0", s.url), None);
    let staff = sign_in(&s, "editor", &["editor"]);
    post_notice(&s, &staff, "公开");
    let ev = rx.recv_timeout(Duration::from_secs(5)).expect("an event");
    assert_eq!(ev["topic"], "notices.created", "the first visible event is the notice, not host.*: {ev}");
}
