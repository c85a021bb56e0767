//! The queue on the real bus: another plugin's `appointments.checked-in`
//! issues an appointment ticket (once, however often it is delivered), and
//! the queue's own events reach an anonymous listener without personal data.

use super::kit::*;
use linli_tests::{TestServer, fixtures, wait_for};
use std::time::Duration;

#[test]
fn an_appointment_check_in_event_issues_one_appointment_ticket() {
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_QUEUE], OPEN_ALL_DAY);
    let now = s.host.now_ms();
    let payload = serde_json::json!({"appointment_id": "YY-9", "service": "B", "time": now + 10 * 60_000, "name": "王五"}).to_string();
    // Delivered twice (a retry by the publisher): still one ticket.
    for _ in 0..2 {
        s.host.bus().publish("appointments.checked-in", &payload, "appointments", now).expect("publish");
    }
    let b = wait_for(Duration::from_secs(10), || {
        let (_, board) = s.get_json("/api/queue/services");
        (board["services"][1]["waiting"] == 1).then_some(board)
    });
    assert!(b.is_some(), "the check-in issued a ticket");
    std::thread::sleep(Duration::from_millis(300));
    let (_, board) = s.get_json("/api/queue/services");
    assert_eq!(board["services"][1]["waiting"], 1, "and only one: {board}");
    let issued = s.host.bus().since(0, 1000).expect("events");
    let ours: Vec<_> = issued.iter().filter(|e| e.topic == "queue.issued").collect();
    assert_eq!(ours.len(), 1);
    let p: serde_json::Value = serde_json::from_str(&ours[0].payload).expect("json");
    assert_eq!(p["ticket"], "B001");
    // Whose appointment it was stays off the public bus.
    assert!(issued.iter().filter(|e| e.source == "queue").all(|e| !e.payload.contains("王五") && !e.payload.contains("YY-9")), "{issued:?}");
}

/// A whole day at the counter, and what the public bus carried of it: only
/// what the screens show (numbers, services, windows, the words to show
/// and say). No clerk's name or staff id, no resident's token, phone or
/// name, no priority; and the staff views carry no token either.
#[test]
fn public_events_carry_what_screens_show_and_staff_views_carry_no_tokens() {
    let h = harness();
    let mut tokens = Vec::new();
    let g = guide();
    for body in [
        serde_json::json!({"service": "A", "phone": "13900001111", "name": "王五六", "priority": true}),
        serde_json::json!({"service": "A", "phone": "13900002222", "name": "赵钱孙"}),
        serde_json::json!({"service": "A"}),
    ] {
        let r = h.post_json("/api/queue/guide/tickets", &body, &g);
        assert_eq!(r.status, 201, "{}", r.text());
        tokens.push(r.json()["token"].as_str().unwrap().to_owned());
    }
    tokens.push(ticket(&h, "A")["token"].as_str().unwrap().to_owned());
    let mut staff_answers = Vec::new();
    for (action, body) in [
        ("call-next", serde_json::json!({})),
        ("recall", serde_json::json!({})),
        ("start", serde_json::json!({})),
        ("transfer", serde_json::json!({"service": "B"})),
        ("call-next", serde_json::json!({})),
        ("skip", serde_json::json!({})),
        ("call-next", serde_json::json!({})),
        ("finish-next", serde_json::json!({"outcome": "incomplete"})),
        ("pause", serde_json::json!({})),
        ("resume", serde_json::json!({})),
    ] {
        let r = act(&h, "1", action, body);
        assert_eq!(r.status, 200, "{action}: {}", r.text());
        staff_answers.push(r.text());
    }
    let missed = h.request("GET", "/api/queue/missed", b"", &g);
    assert_eq!(missed.status, 200);
    assert!(missed.json()["tickets"].as_array().is_some_and(|t| !t.is_empty()), "{}", missed.text());
    let id = missed.json()["tickets"][0]["id"].as_i64().unwrap();
    let back = h.post_json(&format!("/api/queue/tickets/{id}/return"), &serde_json::json!({}), &g);
    assert_eq!(back.status, 200, "{}", back.text());
    staff_answers.extend([missed.text(), back.text(), h.request("GET", "/api/queue/counter", b"", &clerk("1")).text()]);

    let all = h.events();
    let topics: std::collections::BTreeSet<&str> = all.iter().map(|e| e.topic.as_str()).collect();
    for t in ["queue.issued", "queue.called", "queue.recalled", "queue.serving", "queue.transferred", "queue.skipped", "queue.finished", "queue.returned", "queue.window", "queue.waiting"] {
        assert!(topics.contains(t), "{t} was published: {topics:?}");
    }
    for e in &all {
        let p = &e.payload;
        for secret in ["clerk-1", "办事员", "测试员", "13900001111", "王五六", "赵钱孙", "priority", "phone", "\"name\"", "clerk", "outcome", "incomplete", "handling"] {
            assert!(!p.contains(secret), "{} carries {secret:?}: {p}", e.topic);
        }
        for t in &tokens {
            assert!(!p.contains(t.as_str()), "{} carries a ticket token: {p}", e.topic);
        }
    }
    // Staff answers and lists: masked, and never a resident's token or the
    // page address that holds it.
    for a in &staff_answers {
        assert!(!a.contains("/queue/t/"), "{a}");
        for t in &tokens {
            assert!(!a.contains(t.as_str()), "a staff view carries a ticket token: {a}");
        }
        assert!(!a.contains("王五六") && !a.contains("13900001111"), "{a}");
    }
}

/// Decodes `payload` as the shared type and encodes it again: the same
/// JSON back means the plugin published exactly the contract the signage
/// player decodes, no field more (one the player would never read), none
/// missing or renamed (one it would read as blank). A macro, as this crate
/// names no serde traits.
macro_rules! is_contract {
    ($ty:ty, $topic:expr, $payload:expr) => {{
        let (topic, payload): (&str, &str) = ($topic, $payload);
        let published: serde_json::Value = serde_json::from_str(payload).expect("JSON payload");
        let decoded: $ty = serde_json::from_value(published.clone())
            .unwrap_or_else(|e| panic!("{topic}: the player cannot decode what the queue publishes ({e}): {payload}"));
        assert_eq!(serde_json::to_value(&decoded).expect("encodes"), published, "{topic}: the queue's payload and the shared contract differ");
    }};
}

#[test]
fn every_queue_event_is_the_shared_contract_and_the_player_speaks_the_plugins_sentence() {
    use linli_shared::events::{self as contract, topic};
    let h = harness();
    let g = guide();
    for _ in 0..3 {
        ticket(&h, "A");
    }
    for (action, body) in [
        ("call-next", serde_json::json!({})),
        ("recall", serde_json::json!({})),
        ("start", serde_json::json!({})),
        ("transfer", serde_json::json!({"service": "B"})),
        ("call-next", serde_json::json!({})),
        ("skip", serde_json::json!({})),
        ("call-next", serde_json::json!({})),
        ("finish-next", serde_json::json!({})),
        ("pause", serde_json::json!({})),
        ("resume", serde_json::json!({})),
    ] {
        let r = act(&h, "1", action, body);
        assert_eq!(r.status, 200, "{action}: {}", r.text());
    }
    let missed = h.request("GET", "/api/queue/missed", b"", &g);
    let id = missed.json()["tickets"][0]["id"].as_i64().expect("a missed ticket");
    let back = h.post_json(&format!("/api/queue/tickets/{id}/return"), &serde_json::json!({}), &g);
    assert_eq!(back.status, 200, "{}", back.text());

    let all = h.events();
    for t in topic::ALL {
        assert!(all.iter().any(|e| e.topic == t), "{t} was published");
    }
    for e in all.iter().filter(|e| e.topic.starts_with("queue.")) {
        let p = e.payload.as_str();
        match e.topic.as_str() {
            topic::ISSUED => is_contract!(contract::Issued, &e.topic, p),
            topic::CALLED | topic::RECALLED => is_contract!(contract::Call, &e.topic, p),
            topic::SERVING => is_contract!(contract::AtWindow, &e.topic, p),
            topic::SKIPPED => is_contract!(contract::Skipped, &e.topic, p),
            topic::RETURNED => is_contract!(contract::Returned, &e.topic, p),
            topic::TRANSFERRED => is_contract!(contract::Transferred, &e.topic, p),
            topic::FINISHED => is_contract!(contract::Finished, &e.topic, p),
            topic::WINDOW => is_contract!(contract::WindowState, &e.topic, p),
            topic::WAITING => is_contract!(contract::Waiting, &e.topic, p),
            other => panic!("{other}: a queue topic the shared contract does not name (add it to linli_shared::events)"),
        }
    }

    // The player, fed the real call and recall, says exactly the plugin's
    // sentence: the reading of numbers is decided once, in the plugin.
    for t in [topic::CALLED, topic::RECALLED] {
        let e = all.iter().find(|e| e.topic == t).expect("published");
        let payload: serde_json::Value = serde_json::from_str(&e.payload).expect("JSON");
        let speak = payload["speak_zh"].as_str().expect("speak_zh").to_owned();
        assert!(speak.contains("A零零幺"), "{t}: digits read one by one, 1 as 幺: {speak}");
        assert_eq!(speak.starts_with("再次呼叫，"), t == topic::RECALLED, "{t}: {speak}");
        assert_eq!(spoken_by_the_player(e.id, t, payload), speak, "{t}: the player re-derived its own sentence");
    }
}

/// What a hall screen's speaker says for one event, as the player follows it.
fn spoken_by_the_player(id: u64, topic: &str, payload: serde_json::Value) -> String {
    use linli_signage::follow::{Envelope, HostEvent};
    use linli_signage::player::{Player, Source, VoiceConfig};
    use linli_signage::voice::{Speaker, Voice};
    use std::sync::{Mutex, mpsc};

    struct Recorder(mpsc::Sender<String>);
    impl Speaker for Recorder {
        fn chime(&mut self) {}
        fn say(&mut self, text: &str) {
            let _ = self.0.send(text.to_string());
        }
    }
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let voice = Voice::new(6, move || Box::new(Recorder(tx.lock().map(|t| t.clone()).expect("sender"))) as Box<dyn Speaker>);
    let mut player = Player::new("hall-main", linli_signage::layout::Layout::builtin_landscape(), Source::Fixed);
    // The player's own reading of "1" set to 一, unlike the plugin's 幺: a
    // player composing its own sentence would be heard here.
    let config = VoiceConfig { repeats: 1, digits: linli_signage::speech::Digits::Yi, ..VoiceConfig::default() };
    player.set_voice(Some(voice), config);
    player.apply_host_event(HostEvent::Event(Envelope { id, topic: topic.into(), payload, source: "queue".into(), time: 0 }), 1.0);
    player.presented();
    rx.recv_timeout(Duration::from_secs(5)).expect("the player announced the call")
}
