//! Calling at the counter: the signage payloads, recall limits, no-shows
//! and their return, transfers keeping the original time, pausing, the
//! call-next policy with its fairness limit, and every bad input refused
//! with a message and nothing changed.

use super::kit::*;
use serde_json::json;

#[test]
fn a_call_publishes_exactly_what_the_signage_player_reads() {
    let h = harness();
    for _ in 0..12 {
        ticket(&h, "A");
    }
    for _ in 0..11 {
        call(&h, "3");
        finish(&h, "3");
    }
    assert_eq!(call(&h, "3").as_deref(), Some("A012"));
    let called = events(&h, "queue.called");
    assert_eq!(
        called.last().unwrap(),
        &json!({"ticket": "A012", "service": "A", "window": "3",
                "display_zh": "请 A012 号到 3 号窗口办理",
                "display_en": "Ticket A012, please go to window 3",
                "speak_zh": "请 A零幺二 号到 三 号窗口办理"})
    );
    let r = act(&h, "3", "recall", json!({}));
    assert_eq!(r.status, 200);
    let recalled = events(&h, "queue.recalled");
    assert_eq!(recalled[0]["display_zh"], "请 A012 号到 3 号窗口办理");
    assert_eq!(recalled[0]["speak_zh"], "再次呼叫，请 A零幺二 号到 三 号窗口办理");
    // Two recalls by default, then a clear refusal.
    assert_eq!(act(&h, "3", "recall", json!({})).status, 200);
    let r = act(&h, "3", "recall", json!({}));
    assert_eq!(r.status, 409);
    assert!(message(&r).contains("recalled 2 times"));
    assert_eq!(events(&h, "queue.recalled").len(), 2);
    // A finished ticket says which window it left, and nothing of the
    // clerk (name, staff id), the outcome or the handling time: the bus is
    // public.
    act(&h, "3", "start", json!({}));
    h.set_time(at(DAY1, 9, 10));
    finish(&h, "3");
    let done = events(&h, "queue.finished");
    assert_eq!(done.last().unwrap(), &json!({"ticket": "A012", "service": "A", "window": "3", "time": at(DAY1, 9, 10)}));
}

#[test]
fn main_service_first_then_secondary_and_nobody_waiting_is_not_an_error() {
    let h = harness();
    ticket(&h, "D"); // D is window 1's secondary service
    ticket(&h, "A");
    assert_eq!(call(&h, "1").as_deref(), Some("A001"));
    finish(&h, "1");
    assert_eq!(call(&h, "1").as_deref(), Some("D001"));
    finish(&h, "1");
    let r = act(&h, "1", "call-next", json!({}));
    assert_eq!(r.status, 200);
    assert!(r.json()["ticket"].is_null());
}

#[test]
fn pressing_call_next_twice_keeps_the_first_call() {
    let h = harness();
    ticket(&h, "A");
    ticket(&h, "A");
    assert_eq!(call(&h, "2").as_deref(), Some("A001"));
    let r = act(&h, "2", "call-next", json!({}));
    assert_eq!(r.status, 409);
    assert!(message(&r).contains("A001"));
    assert_eq!(events(&h, "queue.called").len(), 1);
}

#[test]
fn a_no_show_is_skipped_and_requeued_a_few_places_back_when_they_return() {
    let h = harness();
    for i in 0..6 {
        h.set_time(at(DAY1, 9, i));
        ticket(&h, "A");
    }
    assert_eq!(call(&h, "2").as_deref(), Some("A001"));
    let r = act(&h, "2", "skip", json!({}));
    assert_eq!(r.status, 200);
    let id = r.json()["ticket"]["id"].as_i64().unwrap();
    assert_eq!(events(&h, "queue.skipped")[0]["ticket"], "A001");
    let missed = h.request("GET", "/api/queue/missed", b"", &guide()).json();
    assert_eq!(missed["tickets"][0]["ticket"], "A001");
    // Back within the time: three places behind the head (A002 A003 A004).
    let r = h.post_json(&format!("/api/queue/tickets/{id}/return"), &json!({}), &guide());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["ahead"], 3);
    let order: Vec<_> = (0..5).map(|_| { let t = call(&h, "2"); finish(&h, "2"); t.unwrap() }).collect();
    assert_eq!(order, ["A002", "A003", "A004", "A001", "A005"]);
    // Too late: the tick expires a skipped ticket after 30 minutes.
    call(&h, "2");
    let id = act(&h, "2", "skip", json!({})).json()["ticket"]["id"].as_i64().unwrap();
    h.set_time(at(DAY1, 9, 40));
    h.tick().unwrap();
    let r = h.post_json(&format!("/api/queue/tickets/{id}/return"), &json!({}), &guide());
    assert_eq!(r.status, 409);
}

#[test]
fn a_transfer_keeps_the_original_time_and_can_name_a_window() {
    let h = harness();
    ticket(&h, "A"); // A001, the one to transfer
    h.set_time(at(DAY1, 9, 5));
    ticket(&h, "C"); // C001 was taken later than A001
    assert_eq!(call(&h, "2").as_deref(), Some("A001"));
    let r = act(&h, "2", "transfer", json!({"service": "C"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let tr = events(&h, "queue.transferred");
    assert_eq!(tr[0]["ticket"], "A001");
    assert_eq!(tr[0]["from_service"], "A");
    assert_eq!(tr[0]["service"], "C");
    // Window 4 serves C: the transferred ticket comes before C001.
    assert_eq!(call(&h, "4").as_deref(), Some("A001"));
    // To a named window: only that window calls it.
    let r = act(&h, "4", "transfer", json!({"window": "5"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(call(&h, "4").as_deref(), Some("C001"));
    assert_eq!(call(&h, "5").as_deref(), Some("A001"));
}

#[test]
fn bad_counter_input_is_refused_with_a_message_and_changes_nothing() {
    let h = harness_with(json!({"services": [
        {"code": "A", "name_zh": "民政事务", "name_en": "Civil affairs"},
        {"code": "E", "name_zh": "暂停业务", "name_en": "Suspended service"}
    ], "windows": [{"number": "1", "services": ["A"]}, {"number": "2", "services": ["A"]}]}));
    ticket(&h, "A");
    // A clerk who signed in without a window number.
    let r = h.post_json("/api/queue/counter/call-next", &json!({}), &linli_host::auth::Caller::staff(&["clerk"]));
    assert_eq!(r.status, 403);
    assert!(message(&r).contains("without a window"), "{}", message(&r));
    // A window the configuration does not know.
    assert_eq!(act(&h, "9", "call-next", json!({})).status, 404);
    // Nothing to recall, skip or finish yet.
    assert_eq!(act(&h, "1", "recall", json!({})).status, 409);
    assert_eq!(act(&h, "1", "finish", json!({})).status, 409);
    // Issuing a service no window serves.
    let r = take(&h, "E");
    assert_eq!(r.status, 409);
    assert_eq!(call(&h, "1").as_deref(), Some("A001"));
    // Transfer to a service nobody serves, or to nowhere.
    let r = act(&h, "1", "transfer", json!({"service": "E"}));
    assert_eq!(r.status, 422);
    assert!(message(&r).contains("No window handles Suspended service"), "{}", message(&r));
    assert_eq!(act(&h, "1", "transfer", json!({"service": "Q"})).status, 404);
    assert_eq!(act(&h, "1", "transfer", json!({})).status, 422);
    assert_eq!(act(&h, "1", "finish", json!({"outcome": "maybe"})).status, 422);
    // Finishing twice.
    let r = act(&h, "1", "finish", json!({"outcome": "incomplete"}));
    assert_eq!(r.status, 200);
    let id = r.json()["ticket"]["id"].as_i64().unwrap();
    let r = act(&h, "1", "finish", json!({"id": id}));
    assert_eq!(r.status, 409);
    assert!(message(&r).contains("already finished"));
    assert_eq!(events(&h, "queue.finished").len(), 1);
    assert_eq!(events(&h, "queue.transferred").len(), 0);
    assert_eq!(act(&h, "1", "dance", json!({})).status, 404);
    // Audiences: residents and guides cannot call.
    assert_eq!(h.post_json("/api/queue/counter/call-next", &json!({}), &anyone()).status, 401);
    assert_eq!(h.post_json("/api/queue/counter/call-next", &json!({}), &guide()).status, 403);
}

#[test]
fn a_paused_window_does_not_call() {
    let h = harness();
    ticket(&h, "A");
    assert_eq!(act(&h, "1", "pause", json!({})).status, 200);
    let r = act(&h, "1", "call-next", json!({}));
    assert_eq!(r.status, 409);
    assert!(message(&r).contains("paused"));
    assert_eq!(events(&h, "queue.window")[0], json!({"window": "1", "paused": true}));
    act(&h, "1", "resume", json!({}));
    assert_eq!(call(&h, "1").as_deref(), Some("A001"));
}

#[test]
fn priority_goes_first_but_never_more_than_three_in_a_row() {
    let h = harness();
    ticket(&h, "A"); // A001, A002: walk-ins who came first
    ticket(&h, "A");
    for _ in 0..5 {
        let r = h.post_json("/api/queue/guide/tickets", &json!({"service": "A", "priority": true}), &guide());
        assert_eq!(r.status, 201);
    }
    let order: Vec<_> = (0..7).map(|_| { let t = call(&h, "2"); finish(&h, "2"); t.unwrap() }).collect();
    assert_eq!(order, ["A003", "A004", "A005", "A001", "A006", "A007", "A002"]);
}

#[test]
fn appointments_are_called_at_their_time() {
    let h = harness();
    ticket(&h, "C"); // walk-ins at 09:00
    ticket(&h, "C");
    h.set_time(at(DAY1, 9, 10));
    let slot = at(DAY1, 10, 0);
    let r = h.post_json("/api/queue/appointments", &json!({"appointment_id": "42", "service": "C", "time": slot}), &guide());
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["ticket"], "C003");
    // Before its time the appointment waits its turn.
    assert_eq!(call(&h, "4").as_deref(), Some("C001"));
    finish(&h, "4");
    h.set_time(at(DAY1, 9, 56));
    assert_eq!(call(&h, "4").as_deref(), Some("C003"), "due within five minutes: called first");
    finish(&h, "4");
    assert_eq!(call(&h, "4").as_deref(), Some("C002"));
}

#[test]
fn done_and_call_next_finishes_the_current_ticket_and_calls_the_next_in_one_step() {
    let h = harness();
    for _ in 0..3 {
        ticket(&h, "A");
    }
    // Nothing at the window yet: it only calls.
    let r = act(&h, "1", "finish-next", json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["finished"].is_null());
    assert_eq!(r.json()["ticket"]["ticket"], "A001");
    let boards_before = events(&h, "queue.waiting").len();
    // A001 is finished as 完成, A002 is called: one request, one waiting board.
    let r = act(&h, "1", "finish-next", json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["finished"]["ticket"], "A001");
    assert_eq!(r.json()["finished"]["status"], "finished");
    assert_eq!(r.json()["ticket"]["ticket"], "A002");
    let done = events(&h, "queue.finished");
    assert_eq!(done.last().unwrap()["ticket"], "A001");
    assert_eq!(events(&h, "queue.called").last().unwrap()["ticket"], "A002");
    assert_eq!(events(&h, "queue.waiting").len(), boards_before + 1);
    // Another outcome can be given.
    let r = act(&h, "1", "finish-next", json!({"outcome": "incomplete"}));
    assert_eq!(r.json()["finished"]["outcome"], "incomplete");
    assert_eq!(r.json()["ticket"]["ticket"], "A003");
    // The last one finished, nobody waiting: not an error.
    let r = act(&h, "1", "finish-next", json!({}));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["finished"]["ticket"], "A003");
    assert!(r.json()["ticket"].is_null());
    // A bad outcome or a paused window changes nothing.
    ticket(&h, "A");
    assert_eq!(call(&h, "1").as_deref(), Some("A004"));
    let r = act(&h, "1", "finish-next", json!({"outcome": "maybe"}));
    assert_eq!(r.status, 422);
    act(&h, "1", "pause", json!({}));
    let r = act(&h, "1", "finish-next", json!({}));
    assert_eq!(r.status, 409);
    assert!(message(&r).contains("paused"));
    let state = act(&h, "1", "resume", json!({}));
    assert_eq!(state.status, 200);
    let r = act(&h, "1", "finish-next", json!({}));
    assert_eq!(r.json()["finished"]["ticket"], "A004", "A004 was still at the window: {}", r.text());
}
