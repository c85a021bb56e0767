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
    assert_eq!(p["kind"], "appointment");
    assert_eq!(p["appointment_id"], "YY-9");
    assert!(issued.iter().filter(|e| e.source == "queue").all(|e| !e.payload.contains("王五")));
}
