//! Issue 15, item 2 and the bookings part of item 6: the `appointments`
//! plugin (预约). Booking, moving and cancelling on the working-day
//! calendar (the Spring Festival holiday and its make-up Saturday), the
//! release time, full slots and the walk-in share, the cancellation limit,
//! one booking per resident per item per day with the phone written three
//! ways, the no-show pause and its lift (audited), reminders, and check-in
//! at the kiosk giving exactly one appointment ticket from the queue
//! (through `services`). Every refusal is a 4xx naming the problem in
//! Chinese and English, with nothing changed. The main flow runs over HTTP
//! on SQLite and on PostgreSQL, with the same booking sent at once and a
//! small booking rush.

use linli_host::auth::Caller;
use linli_host::runtime::capabilities::ManualClock;
use linli_host::runtime::plugin::PluginSettings;
use linli_host::testing::{PluginHarness, TestResponse};
use linli_tests::{Staff, TestServer, fixtures, http, http_json, postgres, sign_in, store_settings};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;

const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * HOUR;
/// 2026-01-01 00:00 at +08:00.
const DAY1: i64 = 1_767_196_800_000;
/// Friday 2026-02-13, the last working day before the Spring Festival
/// holiday (02-15 … 02-23); Saturday 02-14 is a make-up working day.
const FEB13: i64 = DAY1 + 43 * DAY;
/// Wednesday 2026-03-04.
const MAR04: i64 = DAY1 + 62 * DAY;
const ID: &str = "11010519491231002X";

fn at(day: i64, hh: i64, mm: i64) -> i64 {
    day + hh * HOUR + mm * MINUTE
}

fn anyone() -> Caller {
    Caller::anonymous("zh-CN")
}

/// One of the hall's paired kiosks.
fn kiosk() -> Caller {
    Caller { kind: linli_host::auth::CallerKind::Device { device_kind: "kiosk".into() }, id: Some("kiosk-1".into()), name: Some("取号机".into()), roles: vec![], window: None, lang: "zh-CN".into() }
}

/// The appointments plugin with the queue beside it, allowed to call it.
fn harness() -> PluginHarness {
    let h = PluginHarness::load(fixtures::PLUGIN_APPOINTMENTS).expect("appointments loads");
    h.add_plugin(fixtures::PLUGIN_QUEUE, PluginSettings::default()).expect("queue loads");
    h.allow_call("appointments", "queue");
    h
}

fn book(h: &PluginHarness, item: &str, day: &str, slot: &str, phone: &str) -> TestResponse {
    h.post_json("/api/appointments/bookings", &json!({"item": item, "day": day, "slot": slot, "phone": phone}), &anyone())
}

/// A 4xx with a code and a message in both languages.
fn refused(r: &TestResponse, status: u16, code: &str) -> Value {
    assert_eq!(r.status, status, "{}", r.text());
    let v = r.json();
    assert_eq!(v["error"]["code"], code, "{v}");
    let zh = v["error"]["message_zh"].as_str().unwrap_or("");
    let en = v["error"]["message_en"].as_str().unwrap_or("");
    assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "a Chinese message: {v}");
    assert!(!en.is_empty() && !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "an English message: {v}");
    v
}

/// Places left per slot of `item` on `day`.
fn left(h: &PluginHarness, item: &str, day: &str) -> Vec<(String, i64)> {
    let v = h.get(&format!("/api/appointments/items/{item}")).json();
    let d = v["days"].as_array().unwrap().iter().find(|d| d["day"] == day).unwrap_or_else(|| panic!("{day} not offered: {v}"));
    d["slots"].as_array().unwrap().iter().map(|s| (s["start"].as_str().unwrap().to_owned(), s["left"].as_i64().unwrap())).collect()
}

fn bookings(h: &PluginHarness) -> i64 {
    h.sql(|c| c.query_row("SELECT COUNT(*) FROM bookings WHERE active_key IS NOT NULL", [], |r| r.get(0))).unwrap()
}

#[test]
fn book_move_cancel_with_one_resident_whatever_the_phone_looks_like() {
    let h = harness();
    h.set_time(at(MAR04, 9, 0));
    let r = book(&h, "dibao", "2026-03-05", "09:00", "138 0013 8000");
    assert_eq!(r.status, 201, "{}", r.text());
    let b = r.json();
    let code = b["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 8);
    assert_eq!((b["status"].as_str(), b["end"].as_str()), (Some("booked"), Some("09:30")), "{b}");
    assert!(b["phone"].as_str().unwrap().starts_with("****") && !b.to_string().contains("13800138000"), "the phone masked: {b}");
    // The confirmation went to the phone with the code.
    let sent = h.outbox();
    assert!(sent.iter().any(|m| m.message.template == "appointment-booked" && m.message.recipient.ends_with("13800138000") && m.message.params.iter().any(|(_, v)| *v == code)), "{sent:?}");
    // The same resident, the phone written another way: one booking per item per day.
    let v = refused(&book(&h, "dibao", "2026-03-05", "14:00", "+86 13800138000"), 409, "already_booked");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("每人每项事项每天限约一次"), "{v}");
    // Another item the same day, or the same item another day, is fine.
    assert_eq!(book(&h, "juzhu-zhengming", "2026-03-05", "10:00", "138-0013-8000").status, 201);
    assert_eq!(bookings(&h), 2);
    // Looked up and moved with the third spelling.
    let r = h.post_json("/api/appointments/lookup", &json!({"code": code.to_lowercase(), "phone": "138-0013-8000"}), &anyone());
    assert_eq!(r.status, 200, "{}", r.text());
    // Someone else's phone does not open it.
    refused(&h.post_json("/api/appointments/lookup", &json!({"code": code, "phone": "13900001111"}), &anyone()), 404, "booking_not_found");
    let r = h.post_json(&format!("/api/appointments/bookings/{code}/move"), &json!({"phone": "+86 138 0013 8000", "day": "2026-03-06", "slot": "10:30"}), &anyone());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((r.json()["day"].as_str(), r.json()["slot"].as_str()), (Some("2026-03-06"), Some("10:30")));
    assert_eq!(left(&h, "dibao", "2026-03-05")[0], ("09:00".to_owned(), 3), "the old place is free again");
    assert_eq!(left(&h, "dibao", "2026-03-06")[3], ("10:30".to_owned(), 2), "the new place is taken");
    // Cancelled: the place is free and the resident may book that day again.
    let r = h.post_json(&format!("/api/appointments/bookings/{code}/cancel"), &json!({"phone": "13800138000"}), &anyone());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "cancelled");
    assert_eq!(left(&h, "dibao", "2026-03-06")[3].1, 3);
    refused(&h.post_json(&format!("/api/appointments/bookings/{code}/cancel"), &json!({"phone": "13800138000"}), &anyone()), 409, "booking_not_active");
    assert_eq!(book(&h, "dibao", "2026-03-06", "09:00", "13800138000").status, 201);
    // A guide books by phone for a resident (代办): the same rules.
    let guide = Caller::staff(&["guide"]);
    let r = h.post_json("/api/appointments/desk/bookings", &json!({"item": "dibao", "day": "2026-03-06", "slot": "09:30", "phone": "13800138000"}), &guide);
    refused(&r, 409, "already_booked");
    let r = h.post_json("/api/appointments/desk/bookings", &json!({"item": "dibao", "day": "2026-03-06", "slot": "09:30", "phone": "13911112222"}), &guide);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["proxy"], true);
    assert_eq!(h.post_json("/api/appointments/desk/bookings", &json!({}), &anyone()).status, 401, "the desk route is for staff");
}

/// The Spring Festival: the make-up Saturday is open, the holiday is not,
/// days ahead are counted in working days, and the furthest day opens at
/// the release time.
#[test]
fn closed_days_release_time_full_slots_and_bad_input_are_refused_with_nothing_changed() {
    let h = harness();
    h.set_time(at(FEB13, 7, 30));
    let offered: Vec<String> = h.get("/api/appointments/items/dibao").json()["days"].as_array().unwrap().iter().map(|d| d["day"].as_str().unwrap().to_owned()).collect();
    assert_eq!(offered, ["2026-02-14", "2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27"], "working days across the holiday");
    let v = refused(&book(&h, "dibao", "2026-02-27", "09:00", "13800138000"), 409, "day_not_released");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("08:00"), "{v}");
    h.set_time(at(FEB13, 8, 0));
    assert_eq!(book(&h, "dibao", "2026-02-27", "09:00", "13800138000").status, 201, "released at 08:00");
    assert_eq!(book(&h, "dibao", "2026-02-14", "09:00", "13800138000").status, 201, "the make-up Saturday is a working day");
    let v = refused(&book(&h, "dibao", "2026-02-16", "09:00", "13800138001"), 409, "day_closed");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("节假日") && v["error"]["message_en"].as_str().unwrap().contains("closed"), "{v}");
    refused(&book(&h, "dibao", "2026-02-21", "09:00", "13800138001"), 409, "day_closed");
    refused(&book(&h, "dibao", "2026-03-02", "09:00", "13800138001"), 409, "day_not_open");
    refused(&book(&h, "dibao", "2026-02-13", "09:00", "13800138001"), 409, "day_past");
    // A slot of 4 keeps 1 (25 %, rounded up) for walk-ins: 3 bookings, the fourth is refused.
    for p in ["13800000001", "13800000002"] {
        assert_eq!(book(&h, "dibao", "2026-02-27", "09:00", p).status, 201);
    }
    let before = bookings(&h);
    let v = refused(&book(&h, "dibao", "2026-02-27", "09:00", "13800000003"), 409, "slot_full");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("已约满"), "{v}");
    assert_eq!(left(&h, "dibao", "2026-02-27")[0], ("09:00".to_owned(), 0));
    // Bad input, each named; nothing changed.
    refused(&book(&h, "dibao", "2026-02-24", "09:00", "12ab"), 422, "phone_invalid");
    refused(&book(&h, "dibao", "2026-02-24", "09:00", " "), 422, "phone_required");
    refused(&book(&h, "nosuch", "2026-02-24", "09:00", "13800000003"), 404, "item_unknown");
    refused(&book(&h, "dibao", "2026-02-24", "09:10", "13800000003"), 404, "slot_unknown");
    refused(&book(&h, "dibao", "2026-02-30", "09:00", "13800000003"), 422, "day_invalid");
    let r = h.post_json("/api/appointments/bookings", &json!({"item": "dibao", "day": "2026-02-24", "slot": "09:00", "phone": "13800000003", "id_number": "110105194912310021"}), &anyone());
    refused(&r, 422, "id_invalid");
    let r = h.post_json("/api/appointments/bookings", &json!({"item": "dibao", "day": "2026-02-24", "slot": "09:00", "phone": "13800000003", "colour": 1}), &anyone());
    refused(&r, 422, "field_unknown");
    assert_eq!(h.request("POST", "/api/appointments/bookings", b"{not json", &anyone()).status, 400);
    assert_eq!(bookings(&h), before, "nothing was booked by a refused request");
}

#[test]
fn cancel_or_move_after_the_deadline_is_refused() {
    let h = harness();
    h.set_time(at(MAR04, 9, 0));
    let b = book(&h, "dibao", "2026-03-05", "09:00", "13800138000").json();
    let code = b["code"].as_str().unwrap();
    // Two hours before 09:00 is 07:00; at 07:01 it is too late.
    h.set_time(at(MAR04 + DAY, 7, 1));
    let v = refused(&h.post_json(&format!("/api/appointments/bookings/{code}/cancel"), &json!({"phone": "13800138000"}), &anyone()), 409, "cancel_too_late");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("07:00"), "{v}");
    refused(&h.post_json(&format!("/api/appointments/bookings/{code}/move"), &json!({"phone": "13800138000", "day": "2026-03-06", "slot": "09:00"}), &anyone()), 409, "cancel_too_late");
    let r = h.post_json("/api/appointments/lookup", &json!({"code": code, "phone": "13800138000"}), &anyone());
    assert_eq!((r.json()["status"].as_str(), r.json()["day"].as_str()), (Some("booked"), Some("2026-03-05")), "unchanged");
}

#[test]
fn check_in_gives_one_ticket_once_and_not_a_day_early_and_reminders_go_out() {
    let h = harness();
    h.set_time(at(MAR04, 9, 0));
    let r = h.post_json("/api/appointments/bookings", &json!({"item": "dibao", "day": "2026-03-05", "slot": "09:00", "phone": "13800138000", "id_number": "110105 19491231 002x"}), &anyone());
    assert_eq!(r.status, 201, "{}", r.text());
    let code = r.json()["code"].as_str().unwrap().to_owned();
    // The day before: refused, naming the day.
    let v = refused(&h.post_json("/api/appointments/check-in", &json!({"code": code}), &anyone()), 409, "not_today");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("2026-03-05"), "{v}");
    refused(&h.post_json("/api/appointments/check-in", &json!({"phone": "13800138000"}), &kiosk()), 409, "not_today");
    refused(&h.post_json("/api/appointments/check-in", &json!({}), &anyone()), 422, "check_in_empty");
    // A phone or an ID card number is no secret: only at the hall's kiosks
    // (or by staff) do they check in; from anywhere else, the code.
    let v = refused(&h.post_json("/api/appointments/check-in", &json!({"phone": "13800138000"}), &anyone()), 403, "kiosk_only");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("自助终端"), "{v}");
    refused(&h.post_json("/api/appointments/check-in", &json!({"id_number": ID}), &anyone()), 403, "kiosk_only");
    refused(&h.post_json("/api/appointments/check-in", &json!({"code": "ZZZZZZZZ"}), &anyone()), 404, "booking_not_found");
    // The day-before reminder from 18:00, once.
    h.set_time(at(MAR04, 18, 5));
    h.tick().unwrap();
    h.tick().unwrap();
    let day_before = |h: &PluginHarness| h.outbox().iter().filter(|m| m.message.template == "appointment-day-before").count();
    assert_eq!(day_before(&h), 1);
    // The day: 08:00 is before check-in opens (30 minutes before 09:00); the hour-before reminder goes out.
    h.set_time(at(MAR04 + DAY, 8, 0));
    h.tick().unwrap();
    assert_eq!(h.outbox().iter().filter(|m| m.message.template == "appointment-hour-before").count(), 1);
    let v = refused(&h.post_json("/api/appointments/check-in", &json!({"id_number": ID}), &kiosk()), 409, "too_early");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("08:30"), "{v}");
    let waiting = |h: &PluginHarness| h.get("/api/queue/services").json()["services"].as_array().unwrap().iter().find(|s| s["code"] == "A").unwrap()["waiting"].as_i64().unwrap();
    assert_eq!(waiting(&h), 0, "no ticket for a refused check-in");
    // 08:40, with the ID card: an appointment ticket at once.
    h.set_time(at(MAR04 + DAY, 8, 40));
    let r = h.post_json("/api/appointments/check-in", &json!({"id_number": ID}), &kiosk());
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    let ticket = v["ticket"].as_str().unwrap().to_owned();
    assert!(ticket.starts_with('A'), "{v}");
    assert_eq!(v["queue_ticket"]["kind"], "appointment", "{v}");
    assert_eq!(waiting(&h), 1);
    // Again, by code and by phone: refused with the ticket it has; still one ticket.
    let v = refused(&h.post_json("/api/appointments/check-in", &json!({"code": code}), &anyone()), 409, "already_checked_in");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains(&ticket), "{v}");
    refused(&h.post_json("/api/appointments/check-in", &json!({"phone": "+86 138 0013 8000"}), &kiosk()), 409, "already_checked_in");
    assert_eq!(waiting(&h), 1, "exactly one ticket");
    // A checked-in booking is not a no-show, and cannot be cancelled.
    h.set_time(at(MAR04 + DAY, 12, 0));
    h.tick().unwrap();
    let r = h.post_json("/api/appointments/lookup", &json!({"code": code, "phone": "13800138000"}), &anyone());
    assert_eq!(r.json()["status"], "checked_in");
}

#[test]
fn late_check_in_is_refused_and_counts_as_a_no_show() {
    let h = harness();
    h.set_time(at(MAR04, 9, 0));
    let code = book(&h, "dibao", "2026-03-05", "09:00", "13800138000").json()["code"].as_str().unwrap().to_owned();
    h.set_time(at(MAR04 + DAY, 9, 16));
    refused(&h.post_json("/api/appointments/check-in", &json!({"code": code}), &anyone()), 409, "check_in_closed");
    assert_eq!(h.post_json("/api/appointments/lookup", &json!({"code": code, "phone": "13800138000"}), &anyone()).json()["status"], "no_show");
}

#[test]
fn two_no_shows_pause_booking_until_a_supervisor_lifts_it() {
    let h = harness();
    h.set_time(at(MAR04, 9, 0));
    assert_eq!(book(&h, "dibao", "2026-03-05", "09:00", "13800138000").status, 201);
    assert_eq!(book(&h, "juzhu-zhengming", "2026-03-05", "10:00", "13800138000").status, 201);
    // Both missed: after the day, the tick counts them.
    h.set_time(at(MAR04 + DAY, 18, 0));
    h.tick().unwrap();
    let v = refused(&book(&h, "dibao", "2026-03-09", "09:00", "138 0013 8000"), 403, "booking_paused");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("2026-06-03"), "paused 90 days: {v}");
    // Another resident is not affected.
    assert_eq!(book(&h, "dibao", "2026-03-09", "09:00", "13900001111").status, 201);
    let sup = Caller::staff(&["supervisor"]);
    let list = h.request("GET", "/api/appointments/bans", b"", &sup);
    assert_eq!(list.json()["bans"][0]["noshows"], 2, "{}", list.text());
    assert!(!list.text().contains("13800138000"), "masked: {}", list.text());
    assert_eq!(h.post_json("/api/appointments/bans/lift", &json!({"phone": "13800138000"}), &Caller::staff(&["guide"])).status, 403, "only supervisors lift");
    let r = h.post_json("/api/appointments/bans/lift", &json!({"phone": "+86 138-0013-8000"}), &sup);
    assert_eq!(r.status, 200, "{}", r.text());
    refused(&h.post_json("/api/appointments/bans/lift", &json!({"phone": "13800138000"}), &sup), 404, "no_pause");
    assert_eq!(book(&h, "dibao", "2026-03-09", "09:30", "13800138000").status, 201, "booking again after the lift");
}

// ---- Over HTTP, on SQLite and on PostgreSQL -------------------------------

/// A kiosk paired with the server: its device token.
fn pair_kiosk(s: &TestServer) -> String {
    linli_host::auth::devices::create(&s.host.db, "大厅取号机", "kiosk", None, s.host.now_ms()).expect("pair a kiosk").1
}

/// POST as the kiosk with `token`.
fn post_kiosk(s: &TestServer, token: &str, path: &str, body: &Value) -> (u16, Value) {
    http_json(ureq::post(&format!("{}{path}", s.url)).set("Authorization", &format!("Bearer {token}")), body)
}

fn post(s: &TestServer, who: Option<&Staff>, path: &str, body: &Value) -> (u16, Value) {
    let mut r = ureq::post(&format!("{}{path}", s.url));
    if let Some(st) = who {
        r = r.set("Cookie", &st.cookie).set("X-CSRF-Token", &st.csrf);
    }
    http_json(r, body)
}

/// The main flow through the real server: book (the same booking sent at
/// once: one booking; a rush on one slot: never over its places), check
/// in for a ticket once, the no-show pause lifted by a supervisor and
/// audited.
fn main_flow(settings: &str) {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_APPOINTMENTS, fixtures::PLUGIN_QUEUE], settings, None, clock.clone());
    let admin = sign_in(&s, "admin", &["admin"]);
    let (code, r) = post(&s, Some(&admin), "/api/host/plugins/appointments/calls", &json!({"callees": ["queue"]}));
    assert_eq!(code, 200, "{r}");
    let (code, page) = s.get("/appointments");
    assert_eq!(code, 200);
    assert!(page.contains("预约办事") && page.contains("/appointments/assets/book.js"), "the booking page");
    // The same booking sent eight times at once: one booking.
    let same = json!({"item": "dibao", "day": "2026-03-05", "slot": "09:00", "phone": "13800138000", "id_number": ID});
    let answers: Vec<(u16, Value)> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..8).map(|_| sc.spawn(|| post(&s, None, "/api/appointments/bookings", &same))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok: Vec<&Value> = answers.iter().filter(|(c, _)| *c == 201).map(|(_, v)| v).collect();
    assert_eq!(ok.len(), 1, "{answers:?}");
    assert!(answers.iter().filter(|(c, _)| *c != 201).all(|(c, v)| *c == 409 && v["error"]["code"] == "already_booked"), "{answers:?}");
    let booking = ok[0]["code"].as_str().unwrap().to_owned();
    // A rush: 24 residents at once for the 3 places of one slot.
    let answers: Vec<u16> = std::thread::scope(|sc| {
        let s = &s;
        let hs: Vec<_> = (0..24)
            .map(|i| sc.spawn(move || post(s, None, "/api/appointments/bookings", &json!({"item": "dibao", "day": "2026-03-05", "slot": "10:00", "phone": format!("1390000{i:04}")})).0))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers.iter().filter(|c| **c == 201).count(), 3, "{answers:?}");
    assert_eq!(answers.iter().filter(|c| **c == 409).count(), 21, "everyone answered: {answers:?}");
    let (_, days) = s.get_json("/api/appointments/items/dibao");
    let d = days["days"].as_array().unwrap().iter().find(|d| d["day"] == "2026-03-05").unwrap();
    assert_eq!(d["slots"][2]["left"], 0, "{d}");
    // Two more bookings to miss.
    for item in ["linshi-jiuzhu", "juzhu-zhengming"] {
        let (code, v) = post(&s, None, "/api/appointments/bookings", &json!({"item": item, "day": "2026-03-05", "slot": "14:00", "phone": "13711112222"}));
        assert_eq!(code, 201, "{v}");
    }
    // Check-in on the day at the kiosk with the code: one ticket, once.
    clock.0.store(at(MAR04 + DAY, 8, 45), Ordering::SeqCst);
    // Checked in from two kiosks at once (code and ID card): one ticket.
    let kiosk_token = pair_kiosk(&s);
    let answers: Vec<(u16, Value)> = std::thread::scope(|sc| {
        let (s, token) = (&s, kiosk_token.as_str());
        let hs: Vec<_> = [json!({"code": booking}), json!({"id_number": ID}), json!({"code": booking.to_lowercase()}), json!({"phone": "138-0013-8000"})]
            .into_iter()
            .map(|body| sc.spawn(move || post_kiosk(s, token, "/api/appointments/check-in", &body)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok: Vec<&Value> = answers.iter().filter(|(c, _)| *c == 201).map(|(_, v)| v).collect();
    assert_eq!(ok.len(), 1, "{answers:?}");
    assert!(answers.iter().filter(|(c, _)| *c != 201).all(|(c, v)| *c == 409 && v["error"]["code"] == "already_checked_in"), "{answers:?}");
    let ticket = ok[0]["ticket"].as_str().unwrap().to_owned();
    let (code, v) = post(&s, None, "/api/appointments/check-in", &json!({"id_number": ID}));
    assert_eq!((code, v["error"]["code"].as_str()), (403, Some("kiosk_only")), "not from a phone: {v}");
    let (code, v) = post_kiosk(&s, &kiosk_token, "/api/appointments/check-in", &json!({"id_number": ID}));
    assert_eq!((code, v["error"]["code"].as_str()), (409, Some("already_checked_in")), "{v}");
    let (_, board) = s.get_json("/api/queue/services");
    let a = board["services"].as_array().unwrap().iter().find(|x| x["code"] == "A").cloned().unwrap();
    assert_eq!(a["waiting"], 1, "one ticket {ticket}: {board}");
    // The 14:00 bookings are missed; the next booking of that phone finds it paused.
    clock.0.store(at(MAR04 + DAY, 15, 0), Ordering::SeqCst);
    let again = json!({"item": "dibao", "day": "2026-03-09", "slot": "09:00", "phone": "137 1111 2222"});
    let (code, v) = post(&s, None, "/api/appointments/bookings", &again);
    assert_eq!((code, v["error"]["code"].as_str()), (403, Some("booking_paused")), "{v}");
    let sup = sign_in(&s, "super", &["supervisor"]);
    let (code, v) = post(&s, Some(&sup), "/api/appointments/bans/lift", &json!({"phone": "13711112222"}));
    assert_eq!(code, 200, "{v}");
    let (code, v) = post(&s, None, "/api/appointments/bookings", &again);
    assert_eq!(code, 201, "{v}");
    let (_, log) = http(ureq::get(&format!("{}/api/host/audit", s.url)).set("Cookie", &sup.cookie));
    let log: Value = serde_json::from_str(&log).unwrap();
    assert!(
        log["entries"].as_array().unwrap().iter().any(|e| e["action"] == "plugin.change" && e["target"] == "appointments: POST /api/appointments/bans/lift"),
        "the lift is in the audit log: {log}"
    );
}

#[test]
fn main_flow_over_http_on_sqlite() {
    main_flow("");
}

#[test]
fn main_flow_over_http_on_postgres() {
    let Some(pg) = postgres() else { return };
    main_flow(&store_settings(&pg, "hall"));
    let mut c = pg.client().expect("client");
    let n: i64 = c.query_one("SELECT count(*) FROM h_hall__appointments.bookings", &[]).expect("the bookings in the hall's schema").get(0);
    assert!(n >= 7, "{n} bookings in PostgreSQL");
}

/// The settings are a form (each field explained), saved field-checked:
/// a bad value is refused naming its field and nothing is kept; a good
/// one applies at once. The pages render in both languages.
#[test]
fn settings_form_checks_each_field_and_pages_render() {
    let h = harness();
    h.set_time(at(MAR04, 9, 0));
    let admin = Caller::staff(&["admin"]);
    let page = h.request("GET", "/appointments/admin", b"", &admin);
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("预约设置") && page.text().contains("/appointments/assets/settings.js"), "the form page");
    let page_en = h.request("GET", "/appointments/admin", b"", &Caller { lang: "en".into(), ..admin.clone() });
    assert!(page.text().contains("现场号比例") && page.text().contains("每个时段留给现场取号的比例") && page_en.text().contains("Walk-in share") && page_en.text().contains("kept for walk-ins"), "each field has a label and a help line in both languages");
    let mut items = h.request("GET", "/api/appointments/config", b"", &admin).json()["effective"]["items"].clone();
    items[0]["days_ahead"] = json!(7);
    items[0]["slots"][1]["end"] = json!("09:00");
    let r = h.post_json("/api/appointments/config", &json!({"items": items}), &admin);
    assert_eq!(r.status, 422, "{}", r.text());
    let v = r.json();
    let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(fields, ["items[0].days_ahead", "items[0].slots[1].end"], "{v}");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("1 至 5") && v["error"]["message_en"].as_str().unwrap().contains("1 to 5"), "{v}");
    assert_eq!(left(&h, "dibao", "2026-03-05")[0].1, 3, "nothing kept");
    items[0]["days_ahead"] = json!(5);
    items[0]["slots"][1]["end"] = json!("10:00");
    items[0]["walk_in_percent"] = json!(50);
    let r = h.post_json("/api/appointments/config", &json!({"items": items}), &admin);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(left(&h, "dibao", "2026-03-05")[0].1, 2, "half of 4 kept for walk-ins now");
    assert_eq!(h.post_json("/api/appointments/config", &json!({"items": []}), &Caller::staff(&["guide"])).status, 403);
    for (path, who, text) in [("/appointments", anyone(), "预约办事"), ("/appointments/kiosk", anyone(), "预约签到"), ("/appointments/desk", Caller::staff(&["supervisor"]), "暂停预约的居民")] {
        let r = h.request("GET", path, b"", &who);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert!(r.text().contains(text), "{path}");
    }
    let r = h.request("GET", "/appointments", b"", &Caller::anonymous("en"));
    assert!(r.text().contains("Book a time") && !r.text().contains("预约办事"), "the English page has no Chinese words");
}

// ---- The booking rush (a benchmark, not part of the suite) ---------------

/// 5,000 residents ask at once, through HTTP, for the 200 places of a day
/// released at 08:00 (40 slots of 5, no walk-in share): every resident is
/// answered (booked or full), no slot takes more than its places, and the
/// latencies are printed. Not a timed assertion. Run with
/// `cargo test --release -p linli-tests --test appointments -- --ignored booking_rush --nocapture`
/// (on PostgreSQL too when a server can be started).
#[test]
#[ignore]
fn booking_rush_5000_residents_200_places() {
    rush("SQLite", "");
    if let Some(pg) = postgres() {
        rush("PostgreSQL", &store_settings(&pg, "rush"));
    }
}

fn rush(store: &str, settings: &str) {
    const RESIDENTS: usize = 5_000;
    const CLIENTS: usize = 64;
    // Friday 2026-03-06 07:59: the fifth working day ahead (03-13) opens at 08:00.
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04 + 2 * DAY, 7, 59))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_APPOINTMENTS, fixtures::PLUGIN_QUEUE], settings, None, clock.clone());
    let admin = sign_in(&s, "admin", &["admin"]);
    let slots: Vec<Value> = (0..40).map(|i| json!({"start": format!("{:02}:{:02}", 8 + i / 6, (i % 6) * 10), "end": format!("{:02}:{:02}", 8 + (i + 1) / 6, ((i + 1) % 6) * 10), "capacity": 5})).collect();
    let item = json!({"code": "dibao", "name_zh": "最低生活保障申请", "name_en": "Minimum living allowance", "queue_service": "A", "days_ahead": 5, "release_time": "08:00", "walk_in_percent": 0, "cancel_hours": 2, "slots": slots});
    let (code, v) = post(&s, Some(&admin), "/api/appointments/config", &json!({"items": [item]}));
    assert_eq!(code, 200, "{v}");
    let day = "2026-03-13";
    let ask = |i: usize| json!({"item": "dibao", "day": day, "slot": slots[i % 40]["start"], "phone": format!("139{i:08}")});
    let (code, v) = post(&s, None, "/api/appointments/bookings", &ask(0));
    assert_eq!((code, v["error"]["code"].as_str()), (409, Some("day_not_released")), "{v}");
    clock.0.store(at(MAR04 + 2 * DAY, 8, 0), Ordering::SeqCst);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let started = std::time::Instant::now();
    let results: Vec<(u16, String, u128)> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (s, next, ask) = (&s, &next, &ask);
                sc.spawn(move || {
                    let agent = ureq::AgentBuilder::new().build();
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= RESIDENTS {
                            break out;
                        }
                        let t = std::time::Instant::now();
                        let (code, v) = http_json(agent.post(&format!("{}/api/appointments/bookings", s.url)), &ask(i));
                        out.push((code, v["error"]["code"].as_str().unwrap_or("").to_owned(), t.elapsed().as_micros()));
                    }
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let wall = started.elapsed();
    let booked = results.iter().filter(|r| r.0 == 201).count();
    let full = results.iter().filter(|r| r.0 == 409 && r.1 == "slot_full").count();
    let other: Vec<_> = results.iter().filter(|r| r.0 != 201 && !(r.0 == 409 && r.1 == "slot_full")).take(5).collect();
    assert_eq!(results.len(), RESIDENTS);
    assert!(other.is_empty(), "every resident is answered booked or full: {other:?}");
    assert_eq!(booked, 200, "exactly the day's places");
    assert_eq!(full, RESIDENTS - 200);
    let (_, days) = s.get_json("/api/appointments/items/dibao");
    let d = days["days"].as_array().unwrap().iter().find(|d| d["day"] == day).unwrap();
    assert!(d["slots"].as_array().unwrap().iter().all(|x| x["left"] == 0 && x["bookable"] == 5), "{d}");
    let mut lat: Vec<u128> = results.iter().map(|r| r.2).collect();
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).saturating_sub(1).min(lat.len() - 1)] as f64 / 1000.0;
    println!(
        "booking rush on {store}: {RESIDENTS} residents, {CLIENTS} clients, 200 places: {booked} booked, {full} full, 0 over; {:.0} requests/s; p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        RESIDENTS as f64 / wall.as_secs_f64(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
}

/// The guides' items (read through `services` when an admin allowed the
/// link) are offered on the settings page to add as bookable items; the
/// same codes link the booking page to each item's guide.
#[test]
fn settings_offer_the_guides_items_when_linked() {
    let h = harness();
    let admin = Caller::staff(&["admin"]);
    let page = h.request("GET", "/appointments/admin", b"", &admin).text();
    assert!(page.contains("\"entries\":null"), "no guides plugin: nothing offered");
    h.add_plugin(fixtures::PLUGIN_GUIDES, PluginSettings::default()).expect("guides loads");
    let page = h.request("GET", "/appointments/admin", b"", &admin).text();
    assert!(page.contains("\"entries\":null"), "not linked yet: nothing offered");
    h.allow_call("appointments", "guides");
    let page = h.request("GET", "/appointments/admin", b"", &admin).text();
    assert!(page.contains("\"code\":\"tekun-gongyang\""), "a guide's item not bookable yet is offered: {page}");
    let guide = h.get("/api/guides/items/dibao");
    assert_eq!(guide.status, 200, "the booking page's item code is the guide's: {}", guide.text());
}

/// In a rush the host's notify limits hold back confirmations: the
/// bookings still go through, and the tick sends what was held back.
#[test]
fn confirmations_held_back_by_notify_limits_are_sent_later_and_never_undo_a_booking() {
    let mut limits = linli_host::runtime::limits::Limits::default();
    limits.notify_per_minute = 2;
    let h = PluginHarness::load_with(fixtures::PLUGIN_APPOINTMENTS, PluginSettings { limits, ..PluginSettings::default() }).expect("loads");
    h.set_time(at(MAR04, 9, 0));
    for i in 0..4 {
        let r = book(&h, "dibao", "2026-03-06", "09:00", &format!("1380000000{i}"));
        assert!(r.status == 201 || i == 3, "{}", r.text());
    }
    let confirmations = |h: &PluginHarness| h.outbox().iter().filter(|m| m.message.template == "appointment-booked").count();
    assert_eq!(confirmations(&h), 2, "two within the limit");
    assert_eq!(bookings(&h), 3, "every booking kept (the fourth: slot full)");
    h.set_time(at(MAR04, 9, 5));
    h.tick().unwrap();
    assert_eq!(confirmations(&h), 3, "the held-back one sent by the tick");
    h.tick().unwrap();
    assert_eq!(confirmations(&h), 3, "once");
}

/// The pages in Chromium: a resident books on the booking page and moves
/// it, checks in at the kiosk page and sees the ticket; an admin changes
/// a setting on the form and sees a bad value named beside its field.
#[test]
fn pages_in_chromium_book_move_check_in_and_edit_settings() {
    let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_APPOINTMENTS, fixtures::PLUGIN_QUEUE], "", None, clock.clone());
    let admin = sign_in(&s, "admin", &["admin"]);
    assert_eq!(post(&s, Some(&admin), "/api/host/plugins/appointments/calls", &json!({"callees": ["queue"]})).0, 200);
    b.resize(1280, 1500);
    b.open(&format!("{}/appointments?item=juzhu-zhengming&lang=zh-CN", s.url));
    b.until("the days", "document.querySelector('#ap-days button')");
    assert_eq!(b.js("return document.getElementById('ap-item').value;"), "juzhu-zhengming", "?item= chose the item");
    b.click("#ap-days button");
    b.until("the slots", "document.querySelector('#ap-slots button')");
    b.click("#ap-slots button");
    b.js("document.getElementById('ap-phone').value = '138 0013 8000'; return 1;");
    b.click("#ap-book button[type=submit]");
    let code = b.until("the booking code", "document.getElementById('ap-code') && document.getElementById('ap-code').textContent");
    let code = code.as_str().unwrap().to_owned();
    assert_eq!(code.len(), 8, "{code}");
    snap(&b, "appointments-book");
    // The day stays open, its places counted again.
    b.until("the slot's places counted again", "document.querySelector('#ap-slots button small').textContent.includes('余 2')");
    // Move it to the next day's first slot from the same page.
    b.click("#ap-days button:nth-child(2)");
    b.until("the slots", "document.querySelector('#ap-slots button')");
    b.click("#ap-slots button");
    b.click("#ap-manage button[type=submit]");
    b.until("the booking found", "!document.getElementById('ap-found').hidden");
    b.click("#ap-move");
    b.until("moved", "document.getElementById('ap-found-text').textContent.includes('2026-03-06')");
    // The kiosk on the day.
    clock.0.store(at(MAR04 + 2 * DAY, 8, 45), Ordering::SeqCst);
    b.open(&format!("{}/appointments/kiosk?lang=zh-CN", s.url));
    b.until("the kiosk", "document.getElementById('ap-key')");
    b.js(&format!("document.getElementById('ap-key').value = '{}'; return 1;", code.to_lowercase()));
    b.click("#ap-checkin button[type=submit]");
    let ticket = b.until("the ticket", "document.getElementById('ap-ticket') && document.getElementById('ap-ticket').textContent");
    assert!(ticket.as_str().unwrap().starts_with('D'), "the certificates queue (D): {ticket}");
    snap(&b, "appointments-kiosk");
    b.js(&format!("document.getElementById('ap-key').value = '{code}'; return 1;"));
    b.click("#ap-checkin button[type=submit]");
    b.until("refused a second time, naming the ticket", &format!("document.getElementById('ap-err').textContent.includes('{}')", ticket.as_str().unwrap()));
    // The settings form.
    linli_host::auth::sessions::create_staff(&s.host.db, "boss", "管理员", "correct horse battery", &["admin".to_string()], s.host.now_ms()).expect("admin");
    b.open(&format!("{}/login?lang=zh-CN", s.url));
    b.js("var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'boss'; f.password.value = 'correct horse battery'; f.submit(); return 1;");
    b.until("signed in", "document.querySelector('.who')");
    b.open(&format!("{}/appointments/admin?lang=zh-CN", s.url));
    b.until("the form", "document.querySelector('[data-path=\"items[0].days_ahead\"] input')");
    b.js("document.querySelector('[data-path=\"items[0].days_ahead\"] input').value = '9'; return 1;");
    // A slot added to the first item and left empty: named beside its own
    // start field, under the item (a list inside a row).
    let n = b.js("var box = document.querySelector('[data-path=\"items[0].slots\"]'); var n = box.querySelectorAll(':scope > div > .ls-row').length; box.querySelector(':scope > p > button').click(); return n;");
    let n = n.as_i64().expect("the slots counted");
    b.click("#linli-settings-save");
    b.until("the field named", "document.querySelector('[data-path=\"items[0].days_ahead\"] .ls-err').textContent.includes('1 至 5')");
    b.until("the new slot named", &format!("document.querySelector('[data-path=\"items[0].slots[{n}].start\"] > .ls-err').textContent.includes('HH:MM')"));
    b.js("var rows = document.querySelector('[data-path=\"items[0].slots\"] > div'); rows.lastElementChild.querySelector(':scope > button').click(); return 1;");
    b.js("document.querySelector('[data-path=\"items[0].days_ahead\"] input').value = '5'; document.querySelector('[data-path=\"items[0].walk_in_percent\"] input').value = '50'; return 1;");
    b.click("#linli-settings-save");
    b.until("saved", "document.getElementById('linli-settings-status').textContent.includes('已保存')");
    b.js("window.scrollTo(0, 0); return 1;");
    snap(&b, "appointments-settings");
    let (_, v) = s.get_json("/api/appointments/items/dibao");
    assert_eq!(v["days"][0]["slots"][0]["bookable"], 2, "half of 4 kept for walk-ins: {v}");
}

/// With `LINLI_SCREENSHOTS=DIR`, the page as it is now, as base64 PNG in
/// DIR/NAME.png.b64 (for the README's screenshots).
fn snap(b: &linli_tests::browser::Browser, name: &str) {
    if let Ok(dir) = std::env::var("LINLI_SCREENSHOTS") {
        let v = b.call("GET", "/screenshot", None);
        std::fs::write(format!("{dir}/{name}.png.b64"), v["value"].as_str().unwrap_or("")).expect("writing a screenshot");
    }
}

/// The appointment ticket is called at its time ahead of walk-ins who
/// came earlier (the queue's `appointments_first` policy).
#[test]
fn the_appointment_ticket_is_called_ahead_of_walk_ins() {
    let h = harness();
    h.set_time(at(MAR04, 9, 0));
    let code = book(&h, "dibao", "2026-03-05", "09:00", "13800138000").json()["code"].as_str().unwrap().to_owned();
    h.set_time(at(MAR04 + DAY, 8, 35));
    let walk_in = h.post_json("/api/queue/tickets", &json!({"service": "A"}), &anyone());
    assert_eq!(walk_in.status, 201, "{}", walk_in.text());
    h.set_time(at(MAR04 + DAY, 8, 50));
    let r = h.post_json("/api/appointments/check-in", &json!({"code": code}), &anyone());
    assert_eq!(r.status, 201, "{}", r.text());
    let ticket = r.json()["ticket"].as_str().unwrap().to_owned();
    h.set_time(at(MAR04 + DAY, 9, 0));
    let mut clerk = Caller::staff(&["clerk"]);
    clerk.window = Some("1".into());
    clerk.id = Some("clerk-1".into());
    let called = h.post_json("/api/queue/counter/call-next", &json!({}), &clerk);
    assert_eq!(called.status, 200, "{}", called.text());
    assert_eq!(called.json()["ticket"]["ticket"], ticket.as_str(), "the appointment first: {}", called.text());
}
