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

/// 2026-11-29 10:00 in the hall (UTC+8).
const TODAY_10AM: i64 = 1_795_917_600_000;

fn manual_server(now: i64, settings: &str) -> (TestServer, std::sync::Arc<linli_host::runtime::capabilities::ManualClock>) {
    let clock = std::sync::Arc::new(linli_host::runtime::capabilities::ManualClock(std::sync::atomic::AtomicI64::new(now)));
    (TestServer::start_custom(&[fixtures::PLUGIN_NOTICES], settings, None, clock.clone()), clock)
}

#[test]
fn the_public_replays_only_the_halls_day_and_staff_the_whole_log() {
    // The host starts yesterday; the log fills in time order. (Queue
    // events are kept 90 days here, like the rest, so that the background
    // pruning cannot take yesterday's away before staff replay them.)
    let (s, clock) = manual_server(TODAY_10AM - 86_400_000, "[events]\nretention_by_topic = {}\n");
    let bus = s.host.bus();
    bus.publish("queue.called", r#"{"ticket":"A001"}"#, "queue", TODAY_10AM - 86_400_000).unwrap();
    bus.publish("queue.called", r#"{"ticket":"A002"}"#, "queue", TODAY_10AM - 11 * 3_600_000).unwrap();
    clock.0.store(TODAY_10AM, std::sync::atomic::Ordering::SeqCst);
    bus.publish("queue.called", r#"{"ticket":"A003"}"#, "queue", TODAY_10AM - 3_600_000).unwrap();
    // A screen asking for everything since id 0 gets today's call only
    // (09:00); yesterday's (10:00, and 23:00) are not the public's.
    let rx = follow(format!("{}/api/events?topics=queue.&after=0", s.url), None);
    let ev = rx.recv_timeout(Duration::from_secs(5)).expect("today's event");
    assert_eq!(ev["payload"]["ticket"], "A003", "{ev}");
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "nothing else");
    // Staff replay the whole log.
    let staff = sign_in(&s, "super", &["supervisor"]);
    let (tx, rx) = mpsc::channel();
    let url = format!("{}/api/events?topics=queue.&after=0", s.url);
    let cookie = staff.cookie.clone();
    std::thread::spawn(move || {
        let Ok(resp) = ureq::get(&url).set("Cookie", &cookie).call() else { return };
        for line in BufReader::new(resp.into_reader()).lines().map_while(Result::ok) {
            if let Some(data) = line.strip_prefix("data:")
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(data.trim())
                && tx.send(v).is_err()
            {
                return;
            }
        }
    });
    let tickets: Vec<String> = (0..3).map(|_| rx.recv_timeout(Duration::from_secs(5)).expect("event")["payload"]["ticket"].as_str().unwrap().to_owned()).collect();
    assert_eq!(tickets, ["A001", "A002", "A003"]);
}

#[test]
fn events_past_their_retention_are_pruned() {
    let (s, _clock) = manual_server(TODAY_10AM, "");
    let bus = s.host.bus();
    let day = 86_400_000;
    bus.publish("queue.called", "{}", "queue", TODAY_10AM - day).unwrap(); // yesterday: the queue keeps a day
    bus.publish("queue.called", "{}", "queue", TODAY_10AM - 60_000).unwrap(); // today: kept
    bus.publish("notices.created", "{}", "notices", TODAY_10AM - 30 * day).unwrap(); // kept 90 days
    bus.publish("notices.created", "{}", "notices", TODAY_10AM - 91 * day).unwrap(); // gone
    let last = bus.last_id().unwrap();
    let before = bus.since(0, 1000).unwrap().len();
    // (The host also prunes by itself at start and every ten minutes; its
    // first round may already have run, so only what is left is checked.)
    s.host.prune_events();
    let left: Vec<(String, i64)> = bus.since(0, 1000).unwrap().into_iter().filter(|e| e.topic != "host.plugin.loaded").map(|e| (e.topic, TODAY_10AM - e.time)).collect();
    assert_eq!(left, [("queue.called".to_owned(), 60_000), ("notices.created".to_owned(), 30 * day)]);
    assert_eq!(bus.since(0, 1000).unwrap().len(), before - 2);
    // Ids go on from where they were: a resumed stream never sees an id twice.
    assert_eq!(bus.last_id().unwrap(), last);
    let next = bus.publish("notices.created", "{}", "notices", TODAY_10AM).unwrap();
    assert_eq!(next, last + 1);
}
