//! Issuing: numbering per service per day, opening hours, the daily reset
//! by the tick, limits and quotas, idempotent retries, reprints, one ticket
//! per phone (never for 代办), and the events issuing publishes.

use super::kit::*;
use serde_json::json;

#[test]
fn numbers_are_per_service_contiguous_and_events_carry_nothing_personal() {
    let h = harness();
    let first = ticket(&h, "A");
    assert_eq!(first["ticket"], "A001");
    assert!(first.get("print_html").is_none(), "a ticket taken on a phone carries no slip");
    assert_eq!(ticket(&h, "A")["ticket"], "A002");
    assert_eq!(ticket(&h, "B")["ticket"], "B001");
    let r = h.post_json("/api/queue/tickets?paper=58", &json!({ "service": "A" }), &anyone());
    assert_eq!(r.status, 201, "{}", r.text());
    let third = r.json();
    assert_eq!(third["ticket"], "A003");
    assert_eq!(third["ahead"], 2);
    assert!(third["print_html"].as_str().unwrap().contains("<svg"), "the slip carries a QR code");
    assert!(third["page"].as_str().unwrap().starts_with("/queue/t/"));
    let issued = events(&h, "queue.issued");
    assert_eq!(issued.len(), 4);
    assert_eq!(issued[3]["ticket"], "A003");
    assert_eq!(issued[3]["ahead"], 2);
    // The signage player's payload: services with code, names and counts.
    let waiting = events(&h, "queue.waiting");
    let last = waiting.last().unwrap();
    let a = last["services"].as_array().unwrap().iter().find(|s| s["code"] == "A").unwrap();
    assert_eq!(a["waiting"], 3);
    assert_eq!(a["name_zh"], "民政事务");
    assert_eq!(a["name_en"], "Civil affairs");
    // The resident's secret token never goes on the public bus.
    let token = third["token"].as_str().unwrap();
    assert!(h.events().iter().all(|e| !e.payload.contains(token)));
}

#[test]
fn opening_hours_and_the_daily_reset_follow_the_clock() {
    let h = harness();
    h.set_time(at(DAY1, 8, 0));
    let r = take(&h, "A");
    assert_eq!(r.status, 409);
    assert!(message(&r).contains("08:30"), "{}", message(&r));
    h.set_time(at(DAY1, 8, 30));
    assert_eq!(ticket(&h, "A")["ticket"], "A001");
    assert_eq!(ticket(&h, "A")["ticket"], "A002");
    // Last ticket at 16:30.
    h.set_time(at(DAY1, 16, 30));
    let r = take(&h, "A");
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(message(&r).contains("16:30"));
    // Closing time: the tick clears the queue (the default `at_close`).
    h.set_time(at(DAY1, 17, 0));
    h.tick().unwrap();
    let board = h.get("/api/queue/services").json();
    assert_eq!(board["services"][0]["waiting"], 0, "{board}");
    // Next morning the numbers start again.
    h.set_time(at(DAY1 + DAY, 8, 31));
    h.tick().unwrap();
    assert_eq!(ticket(&h, "A")["ticket"], "A001");
    // Sunday (2026-01-04) the hall is closed by default.
    h.set_time(at(DAY1 + 3 * DAY, 10, 0));
    let r = take(&h, "A");
    assert_eq!(r.status, 409);
    assert!(message(&r).contains("closed today"));
}

#[test]
fn carry_over_keeps_waiting_tickets_for_the_next_day() {
    let h = harness_with(json!({"hours": {"open": "08:30", "close": "17:00", "last_ticket": "16:30", "days": [1,2,3,4,5,6], "at_close": "carry"}}));
    let old = ticket(&h, "A");
    h.set_time(at(DAY1 + DAY, 8, 40));
    h.tick().unwrap();
    let new = ticket(&h, "A");
    assert_eq!(new["ticket"], "A001", "numbers restart every day");
    // Yesterday's ticket is still first in line.
    assert_eq!(call(&h, "1").as_deref(), Some("A001"));
    let s = h.get(&format!("/api/queue/t/{}", old["token"].as_str().unwrap())).json();
    assert_eq!(s["status"], "called");
}

#[test]
fn limits_and_quotas_refuse_with_a_message_and_change_nothing() {
    let h = harness_with(json!({"services": [
        {"code": "A", "name_zh": "民政事务", "name_en": "Civil affairs", "daily_limit": 3, "quota": {"am": 2}}
    ], "windows": [{"number": "1", "services": ["A"]}]}));
    ticket(&h, "A");
    ticket(&h, "A");
    let r = take(&h, "A");
    assert_eq!(r.status, 409);
    assert!(message(&r).contains("Morning"), "{}", message(&r));
    h.set_time(at(DAY1, 13, 0));
    assert_eq!(ticket(&h, "A")["ticket"], "A003");
    let r = take(&h, "A");
    assert_eq!(r.status, 409);
    assert!(message(&r).contains("限 3 个"), "{}", message(&r));
    assert_eq!(events(&h, "queue.issued").len(), 3, "refusals publish nothing");
    // An unknown service.
    let r = take(&h, "Z");
    assert_eq!(r.status, 404);
    assert!(message(&r).contains("no service `Z`"));
    // Malformed bodies.
    assert_eq!(h.post_json("/api/queue/tickets", &json!({"svc": "A"}), &anyone()).status, 400);
}

#[test]
fn a_retry_or_double_tap_never_makes_two_tickets_and_reprints_do_not_issue() {
    let h = harness();
    let body = json!({"service": "A", "idem_key": "tap-1"});
    let first = h.post_json("/api/queue/tickets", &body, &anyone());
    assert_eq!(first.status, 201);
    let again = h.post_json("/api/queue/tickets", &body, &anyone());
    assert_eq!(again.status, 200, "a retry answers with the same ticket");
    assert_eq!(again.json()["ticket"], "A001");
    assert_eq!(again.json()["replayed"], true);
    assert_eq!(ticket(&h, "A")["ticket"], "A002", "no number was used by the retry");
    let token = first.json()["token"].as_str().unwrap().to_owned();
    let r = h.post_json(&format!("/api/queue/t/{token}/reprint"), &json!({}), &anyone());
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["ticket"], "A001");
    assert_eq!(events(&h, "queue.issued").len(), 2);
    assert_eq!(h.post_json("/api/queue/t/0123456789abcdef0123456789abcdef/reprint", &json!({}), &anyone()).status, 404);
}

#[test]
fn one_ticket_per_phone_but_never_blocking_proxy_taking() {
    let h = harness();
    let g = guide();
    let t1 = h.post_json("/api/queue/guide/tickets", &json!({"service": "B", "phone": "13812341234", "name": "张三明"}), &g);
    assert_eq!(t1.status, 201, "{}", t1.text());
    assert_eq!(t1.json()["phone"], "138****1234", "the phone is shown masked");
    assert_eq!(t1.json()["name"], "张*明");
    let r = h.post_json("/api/queue/tickets", &json!({"service": "B", "phone": "138-1234-1234"}), &anyone());
    assert_eq!(r.status, 409);
    assert!(message(&r).contains("B001"));
    // Another service is fine; so is a volunteer taking for several people.
    assert_eq!(h.post_json("/api/queue/tickets", &json!({"service": "C", "phone": "13812341234"}), &anyone()).status, 201);
    for _ in 0..3 {
        let r = h.post_json("/api/queue/guide/tickets", &json!({"service": "B", "phone": "13812341234", "proxy": true}), &g);
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(r.json()["proxy"], true);
    }
    let r = h.post_json("/api/queue/tickets", &json!({"service": "B", "phone": "12ab"}), &anyone());
    assert_eq!(r.status, 422);
    // Nothing personal on the bus.
    assert!(h.events().iter().all(|e| !e.payload.contains("1234") && !e.payload.contains("张")));
}

#[test]
fn appointment_check_in_issues_an_appointment_ticket_once() {
    let h = harness();
    let slot = at(DAY1, 9, 30);
    let body = json!({"appointment_id": "YY-20260101-7", "service": "C", "time": slot});
    let r = h.post_json("/api/queue/appointments", &body, &guide());
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["kind"], "appointment");
    let again = h.post_json("/api/queue/appointments", &body, &guide());
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["ticket"], r.json()["ticket"]);
    let issued = events(&h, "queue.issued");
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0]["appointment_id"], "YY-20260101-7");
    // Audiences: the desk is for guides, not for residents.
    assert_eq!(h.post_json("/api/queue/appointments", &body, &anyone()).status, 401);
    assert_eq!(h.post_json("/api/queue/guide/tickets", &json!({"service": "A"}), &clerk("1")).status, 403);
}

/// A hall that ran an old version of the plugin (schema 2: no
/// `issue_counts` or `handling`, whole-table indexes) keeps its numbering and
/// its limits after the upgrade: the counts are rebuilt from the tickets it
/// has, and the indexes are the current ones.
#[test]
fn a_database_from_the_previous_version_keeps_numbers_and_limits() {
    let h = harness_with(json!({"services": [
        {"code": "A", "name_zh": "民政事务", "name_en": "Civil affairs", "daily_limit": 4}
    ], "windows": [{"number": "1", "services": ["A"]}]}));
    for _ in 0..3 {
        ticket(&h, "A");
    }
    // Turn the database back into what version 2 left.
    h.sql(|c| {
        c.execute_batch(
            "DROP TABLE issue_counts;
             DROP TABLE handling;
             DROP INDEX tickets_waiting;
             DROP INDEX tickets_at_window;
             DROP INDEX tickets_done;
             DROP INDEX tickets_missed;
             DROP INDEX tickets_phone;
             CREATE INDEX tickets_queue ON tickets (status, service, sort_time);
             CREATE INDEX tickets_window ON tickets (window, status);
             CREATE INDEX tickets_finished ON tickets (status, service, finished_at);
             CREATE INDEX tickets_day ON tickets (day, origin_service);",
        )
    })
    .unwrap();
    h.kv_set("schema", b"2");
    assert_eq!(ticket(&h, "A")["ticket"], "A004", "numbering continues");
    assert_eq!(h.kv_get("schema").as_deref(), Some(&b"5"[..]));
    let handling: i64 = h.sql(|c| c.query_row("SELECT COUNT(*) FROM handling", [], |r| r.get(0))).unwrap();
    assert_eq!(handling, 0, "no ticket was finished, so no handling time yet");
    let counted: i64 = h.sql(|c| c.query_row("SELECT issued FROM issue_counts WHERE service = 'A'", [], |r| r.get(0))).unwrap();
    assert_eq!(counted, 4, "the old tickets were counted");
    let r = take(&h, "A");
    assert_eq!(r.status, 409, "the daily limit of 4 counts the tickets issued before the upgrade");
    assert!(message(&r).contains("限 4 个"), "{}", message(&r));
    let indexes: Vec<String> = h
        .sql(|c| c.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")?.query_map([], |r| r.get(0))?.collect())
        .unwrap();
    assert_eq!(indexes, ["tickets_at_window", "tickets_done", "tickets_missed", "tickets_phone", "tickets_waiting"]);
}
