//! Issue 17, item 2: the `seniors` plugin (老年活动角), written with the
//! public SDK only. The weekly calendar on the hall's working days (the
//! Spring Festival holiday and its make-up Saturday), sign-up with places
//! and a waiting list, promotion on cancel with a notice, 代办 for a
//! resident without a phone (recorded; check-in by code and name), tablet
//! check-in, reminders sent once, the large-type screen, the settings
//! form, and bad input refused naming the field with nothing changed. The
//! harness tests run again on PostgreSQL; the roles and a duplicate submit
//! over HTTP on a real server; the pages in Chromium.

use linli_host::auth::{Caller, CallerKind};
use linli_host::runtime::capabilities::ManualClock;
use linli_host::testing::{PluginHarness, TestResponse};
use linli_tests::{Staff, TestServer, fixtures, http_json, postgres, sign_in};
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

fn at(day: i64, hh: i64, mm: i64) -> i64 {
    day + hh * HOUR + mm * MINUTE
}

fn anyone() -> Caller {
    Caller::anonymous("zh-CN")
}

fn volunteer() -> Caller {
    Caller { kind: CallerKind::Staff, id: Some("21".into()), name: Some("李志愿".into()), roles: vec!["volunteer".into()], window: None, lang: "zh-CN".into() }
}

/// The corner's tablet: a paired kiosk.
fn tablet() -> Caller {
    Caller { kind: CallerKind::Device { device_kind: "kiosk".into() }, id: Some("tablet-1".into()), name: Some("活动角平板".into()), roles: vec![], window: None, lang: "zh-CN".into() }
}

fn harness() -> PluginHarness {
    PluginHarness::load(fixtures::PLUGIN_SENIORS).expect("seniors loads")
}

/// A 4xx with a code and a message in both languages.
fn refused(r: &TestResponse, status: u16, code: &str) -> Value {
    assert_eq!(r.status, status, "{}", r.text());
    let v = r.json();
    assert_eq!(v["error"]["code"], code, "{v}");
    let zh = v["error"]["message_zh"].as_str().unwrap_or("");
    let en = v["error"]["message_en"].as_str().unwrap_or("");
    assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "a Chinese message: {v}");
    // What people typed (a title, a name) is quoted in `backticks`.
    let en_own: String = en.split('`').step_by(2).collect();
    assert!(!en.is_empty() && !en_own.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "an English message: {v}");
    v
}

/// A weekly activity (1 = Monday) entered by a volunteer: its id.
// One argument per field of the desk's form.
#[allow(clippy::too_many_arguments)]
fn weekly(h: &PluginHarness, kind: &str, title: &str, weekday: i64, start: &str, end: &str, capacity: i64, from: &str) -> i64 {
    let r = h.post_json(
        "/api/seniors/activities",
        &json!({"kind": kind, "title": title, "place": "二楼活动室", "start": start, "end": end, "capacity": capacity, "repeat": "weekly", "weekday": weekday, "day": from}),
        &volunteer(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().unwrap()
}

fn sign(h: &PluginHarness, activity: i64, day: &str, phone: &str) -> TestResponse {
    h.post_json("/api/seniors/signups", &json!({"activity": activity, "day": day, "phone": phone}), &anyone())
}

fn week(h: &PluginHarness, from: &str) -> Value {
    let r = h.get(&format!("/api/seniors/week?from={from}"));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// The occurrence of `activity` on `day` as the week shows it.
fn occurrence(h: &PluginHarness, activity: i64, day: &str) -> Value {
    let w = week(h, day);
    w["days"][0]["activities"].as_array().unwrap().iter().find(|a| a["id"] == activity).cloned().unwrap_or_else(|| panic!("{activity} not on {day}: {w}"))
}

mod harness {
    use super::*;

    /// Weekly entries and one-offs on the hall's calendar: nothing on the
    /// Spring Festival holiday, the make-up Saturday open.
    #[test]
    fn the_calendar_follows_the_hall_and_skips_closed_days() {
        let h = harness();
        h.set_time(at(FEB13, 9, 0));
        let chess = weekly(&h, "chess", "象棋对弈", 1, "14:00", "16:00", 12, "2026-02-09");
        // A one-off on the holiday is refused, naming the day; on the make-up Saturday it is fine.
        let r = h.post_json("/api/seniors/activities", &json!({"kind": "health", "title": "春节健康讲座", "start": "09:30", "end": "10:30", "capacity": 30, "repeat": "once", "day": "2026-02-16"}), &volunteer());
        let v = refused(&r, 409, "day_closed");
        assert_eq!(v["error"]["field"], "day");
        let r = h.post_json("/api/seniors/activities", &json!({"kind": "health", "title": "节前健康讲座", "start": "09:30", "end": "10:30", "capacity": 30, "repeat": "once", "day": "2026-02-14"}), &volunteer());
        assert_eq!(r.status, 201, "{}", r.text());
        let w = week(&h, "2026-02-09");
        let days: Vec<(String, bool, usize)> = w["days"].as_array().unwrap().iter().map(|d| (d["day"].as_str().unwrap().to_owned(), d["open"].as_bool().unwrap(), d["activities"].as_array().unwrap().len())).collect();
        assert_eq!(days[0], ("2026-02-09".into(), true, 1), "Monday's chess: {w}");
        assert_eq!(days[5], ("2026-02-14".into(), true, 1), "the make-up Saturday's talk: {w}");
        assert_eq!(days[6], ("2026-02-15".into(), false, 0), "{w}");
        // Both holiday Mondays: the corner is closed, no chess; it comes back on 03-02.
        for monday in ["2026-02-16", "2026-02-23"] {
            let d = &week(&h, monday)["days"][0];
            assert_eq!((d["open"].as_bool(), d["activities"].as_array().unwrap().len()), (Some(false), 0), "{monday}: {d}");
            refused(&sign(&h, chess, monday, "13800138000"), 409, "day_closed");
        }
        assert_eq!(week(&h, "2026-03-02")["days"][0]["activities"][0]["title"], "象棋对弈");
        // A weekly entry's own days only.
        refused(&sign(&h, chess, "2026-02-24", "13800138000"), 409, "not_on_day");
        // Too far ahead (two weeks by default), then open.
        refused(&sign(&h, chess, "2026-03-02", "13800138000"), 409, "signup_not_open");
        h.set_time(at(MAR04 - 3 * DAY, 9, 0));
        assert_eq!(sign(&h, chess, "2026-03-02", "13800138000").status, 201);
        // Taken off: gone from the calendar, the sign-up cancelled and its resident told.
        let r = h.post_json(&format!("/api/seniors/activities/{chess}/stop"), &json!({}), &volunteer());
        assert_eq!((r.status, r.json()["cancelled_signups"].as_i64()), (200, Some(1)), "{}", r.text());
        assert!(week(&h, "2026-03-02")["days"][0]["activities"].as_array().unwrap().is_empty());
        assert!(h.outbox().iter().any(|m| m.message.template == "seniors-activity-off" && m.message.recipient.ends_with("13800138000")));
    }

    /// Places, the waiting list, one sign-up per resident whatever the
    /// phone looks like, and the first waiting resident moved up and told
    /// when someone cancels.
    #[test]
    fn a_full_activity_has_a_waiting_list_and_a_cancel_promotes_with_a_notice() {
        let h = harness();
        h.set_time(at(MAR04, 9, 0));
        let id = weekly(&h, "calligraphy", "书法班", 4, "10:00", "11:30", 2, "2026-03-05");
        let a = sign(&h, id, "2026-03-05", "138 0013 8000");
        assert_eq!((a.status, a.json()["status"].as_str()), (201, Some("booked")), "{}", a.text());
        let code_a = a.json()["code"].as_str().unwrap().to_owned();
        assert_eq!(code_a.len(), 6);
        assert!(a.json()["phone"].as_str().unwrap().contains("****") && !a.text().contains("13800138000"), "the phone masked: {}", a.text());
        // The same resident, the phone written another way: refused, nothing added.
        let v = refused(&sign(&h, id, "2026-03-05", "+86 138-0013-8000"), 409, "already_signed_up");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("不能重复报名"), "{v}");
        assert_eq!(sign(&h, id, "2026-03-05", "13900001111").json()["status"], "booked");
        let c = sign(&h, id, "2026-03-05", "13700002222");
        assert_eq!((c.status, c.json()["status"].as_str(), c.json()["waiting_position"].as_i64()), (201, Some("waiting"), Some(1)), "{}", c.text());
        let o = occurrence(&h, id, "2026-03-05");
        assert_eq!((o["booked"].as_i64(), o["waiting"].as_i64(), o["left"].as_i64()), (Some(2), Some(1), Some(0)), "{o}");
        assert!(h.outbox().iter().any(|m| m.message.template == "seniors-waiting" && m.message.recipient.ends_with("13700002222")));
        // The waiting list is one place long now: the next is refused, nothing added.
        let admin = Caller::staff(&["admin"]);
        assert_eq!(h.post_json("/api/seniors/config", &json!({"waitlist_max": 1}), &admin).status, 200);
        let v = refused(&sign(&h, id, "2026-03-05", "13600003333"), 409, "activity_full");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("名额已满"), "{v}");
        assert_eq!(occurrence(&h, id, "2026-03-05")["waiting"], 1);
        // A cancels with the code and a third spelling of the phone: C moves up and is told.
        refused(&h.post_json(&format!("/api/seniors/signups/{code_a}/cancel"), &json!({"phone": "13900001111"}), &anyone()), 404, "signup_not_found");
        let r = h.post_json(&format!("/api/seniors/signups/{}/cancel", code_a.to_lowercase()), &json!({"phone": "138-0013-8000"}), &anyone());
        assert_eq!((r.status, r.json()["status"].as_str()), (200, Some("cancelled")), "{}", r.text());
        assert_eq!(r.json()["promoted"], c.json()["code"]);
        let sent: Vec<_> = h.outbox().into_iter().filter(|m| m.message.template == "seniors-promoted").collect();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert!(sent[0].message.recipient.ends_with("13700002222") && sent[0].message.params.iter().any(|(_, v)| v == c.json()["code"].as_str().unwrap()), "{sent:?}");
        let o = occurrence(&h, id, "2026-03-05");
        assert_eq!((o["booked"].as_i64(), o["waiting"].as_i64()), (Some(2), Some(0)), "{o}");
        let mine = h.post_json("/api/seniors/lookup", &json!({"code": c.json()["code"], "phone": "13700002222"}), &anyone());
        assert_eq!(mine.json()["signups"][0]["status"], "booked", "{}", mine.text());
        refused(&h.post_json(&format!("/api/seniors/signups/{code_a}/cancel"), &json!({"phone": "13800138000"}), &anyone()), 409, "signup_not_active");
        // Once it has started, no sign-up and no cancel.
        h.set_time(at(MAR04 + DAY, 10, 1));
        refused(&sign(&h, id, "2026-03-05", "13500004444"), 409, "signup_closed");
        refused(&h.post_json(&format!("/api/seniors/signups/{}/cancel", c.json()["code"].as_str().unwrap()), &json!({"phone": "13700002222"}), &anyone()), 409, "already_started");
    }

    /// 代办: a volunteer signs up a resident who has no phone; who signed up
    /// whom is kept; the resident checks in at the tablet with the code and
    /// the name; a resident with a phone checks in by phone; once.
    #[test]
    fn a_volunteer_signs_up_a_resident_without_a_phone_who_checks_in_by_code_and_name() {
        let h = harness();
        h.set_time(at(MAR04, 9, 0));
        let id = weekly(&h, "exercise", "健身操", 4, "10:00", "11:00", 1, "2026-03-05");
        let r = h.post_json("/api/seniors/desk/signups", &json!({"activity": id, "day": "2026-03-05", "name": "王秀英"}), &volunteer());
        assert_eq!(r.status, 201, "{}", r.text());
        let p = r.json();
        assert_eq!((p["proxy"].as_bool(), p["signed_by"].as_str(), p["status"].as_str(), p["name"].as_str()), (Some(true), Some("李志愿"), Some("booked"), Some("王秀英")), "{p}");
        let code = p["code"].as_str().unwrap().to_owned();
        // The slip to print or copy for her.
        let slip = h.request("GET", &format!("/seniors/slip/{code}"), b"", &volunteer());
        assert_eq!(slip.status, 200);
        assert!(slip.text().contains(&code) && slip.text().contains("王秀英") && slip.text().contains("代办：李志愿"), "{}", slip.text());
        // The same name again for the same activity and day: refused.
        refused(&h.post_json("/api/seniors/desk/signups", &json!({"activity": id, "day": "2026-03-05", "name": " 王 秀英"}), &volunteer()), 409, "already_signed_up");
        // Without a name: refused naming it.
        assert_eq!(refused(&h.post_json("/api/seniors/desk/signups", &json!({"activity": id, "day": "2026-03-05", "name": ""}), &volunteer()), 422, "name_required")["error"]["field"], "name");
        // A resident with a phone goes on the waiting list; the roster shows who signed up whom.
        assert_eq!(sign(&h, id, "2026-03-05", "13800138000").json()["status"], "waiting");
        let roster = h.request("GET", &format!("/api/seniors/roster?activity={id}&day=2026-03-05"), b"", &volunteer()).json();
        assert_eq!(roster["signups"][0]["signed_by"], "李志愿", "{roster}");
        assert_eq!(roster["signups"][1]["status"], "waiting", "{roster}");
        // A resident (not signed in) may not use the desk; the tablet is for the paired tablet.
        assert_eq!(h.post_json("/api/seniors/desk/signups", &json!({"activity": id, "day": "2026-03-05", "name": "张三"}), &anyone()).status, 401);
        assert_eq!(h.post_json("/api/seniors/desk/signups", &json!({"activity": id, "day": "2026-03-05", "name": "张三"}), &Caller::staff(&["editor"])).status, 403);
        assert_eq!(h.post_json("/api/seniors/check-in", &json!({"code": code}), &anyone()).status, 401);
        // At the tablet: too early, then the code with a wrong name, then right.
        h.set_time(at(MAR04 + DAY, 9, 20));
        refused(&h.post_json("/api/seniors/check-in", &json!({"code": code, "name": "王秀英"}), &tablet()), 409, "too_early");
        h.set_time(at(MAR04 + DAY, 9, 45));
        refused(&h.post_json("/api/seniors/check-in", &json!({"code": code, "name": "王秀兰"}), &tablet()), 404, "signup_not_found");
        let r = h.post_json("/api/seniors/check-in", &json!({"code": code.to_lowercase(), "name": "王秀英"}), &tablet());
        assert_eq!((r.status, r.json()["status"].as_str()), (200, Some("checked_in")), "{}", r.text());
        refused(&h.post_json("/api/seniors/check-in", &json!({"code": code}), &tablet()), 409, "already_checked_in");
        // The waiting resident has no place: told so at the tablet.
        refused(&h.post_json("/api/seniors/check-in", &json!({"phone": "138 0013 8000"}), &tablet()), 409, "on_waiting_list");
        refused(&h.post_json("/api/seniors/check-in", &json!({"phone": "13911112222"}), &tablet()), 404, "no_signup_today");
        let roster = h.request("GET", &format!("/api/seniors/roster?activity={id}&day=2026-03-05"), b"", &volunteer()).json();
        assert_eq!(roster["signups"][0]["checked_in"], true, "{roster}");
    }

    /// A resident with a phone checks in by phone at the tablet.
    #[test]
    fn a_resident_checks_in_by_phone_at_the_tablet() {
        let h = harness();
        h.set_time(at(MAR04, 9, 0));
        let id = weekly(&h, "health", "高血压讲座", 4, "14:00", "15:00", 30, "2026-03-05");
        assert_eq!(sign(&h, id, "2026-03-05", "13800138000").status, 201);
        h.set_time(at(MAR04 + DAY, 13, 40));
        let r = h.post_json("/api/seniors/check-in", &json!({"phone": "+86 138 0013 8000"}), &tablet());
        assert_eq!((r.status, r.json()["title"].as_str()), (200, Some("高血压讲座")), "{}", r.text());
        refused(&h.post_json("/api/seniors/check-in", &json!({"phone": "13800138000"}), &tablet()), 409, "already_checked_in");
        h.set_time(at(MAR04 + DAY, 15, 5));
        refused(&h.post_json("/api/seniors/check-in", &json!({"phone": "13800138000"}), &tablet()), 409, "already_checked_in");
    }

    /// Reminders the day before (from 18:00) and an hour before, each once;
    /// a resident without a phone through the volunteer who signed them up.
    #[test]
    fn reminders_go_once_the_day_before_and_an_hour_before() {
        let h = harness();
        h.set_time(at(MAR04, 9, 0));
        let id = weekly(&h, "chess", "围棋", 4, "10:00", "11:30", 10, "2026-03-05");
        assert_eq!(sign(&h, id, "2026-03-05", "13800138000").status, 201);
        assert_eq!(h.post_json("/api/seniors/desk/signups", &json!({"activity": id, "day": "2026-03-05", "name": "赵大爷"}), &volunteer()).status, 201);
        let count = |t: &str| h.outbox().iter().filter(|m| m.message.template == t).count();
        h.set_time(at(MAR04, 17, 59));
        h.tick().expect("tick");
        assert_eq!(count("seniors-day-before"), 0, "not before 18:00");
        h.set_time(at(MAR04, 18, 0));
        h.tick().expect("tick");
        h.set_time(at(MAR04, 18, 1));
        h.tick().expect("tick");
        assert_eq!((count("seniors-day-before"), count("seniors-day-before-proxy")), (1, 1), "once each");
        let proxy = h.outbox().into_iter().find(|m| m.message.template == "seniors-day-before-proxy").unwrap();
        assert_eq!((proxy.message.recipient_kind.as_str(), proxy.message.recipient.as_str()), ("staff", "21"), "the volunteer who signed him up");
        h.set_time(at(MAR04 + DAY, 8, 59));
        h.tick().expect("tick");
        assert_eq!(count("seniors-hour-before"), 0);
        h.set_time(at(MAR04 + DAY, 9, 5));
        h.tick().expect("tick");
        h.set_time(at(MAR04 + DAY, 9, 10));
        h.tick().expect("tick");
        assert_eq!(count("seniors-hour-before"), 1, "once, and only to a phone");
        // A day after the activity the phone is no longer kept (SQLite: the test reads the table).
        if std::env::var("LINLI_TEST_POSTGRES").is_err() {
            let phones = || h.sql(|c| c.query_row("SELECT COUNT(*) FROM signups WHERE phone IS NOT NULL", [], |r| r.get::<_, i64>(0))).unwrap();
            h.set_time(at(MAR04 + 2 * DAY, 11, 0));
            h.tick().expect("tick");
            assert_eq!(phones(), 1, "kept until a day after");
            h.set_time(at(MAR04 + 2 * DAY, 11, 31));
            h.tick().expect("tick");
            assert_eq!(phones(), 0, "gone a day after the activity");
        }
    }

    /// Bad input: a 4xx naming the field, in both languages, and nothing
    /// kept (control characters, 100,000-character fields, times, places,
    /// kinds, unknown fields, phones).
    #[test]
    fn bad_input_is_refused_naming_the_field_with_nothing_changed() {
        let h = harness();
        h.set_time(at(MAR04, 9, 0));
        let good = json!({"kind": "chess", "title": "象棋", "start": "14:00", "end": "16:00", "capacity": 10, "repeat": "weekly", "weekday": 2});
        let mut cases: Vec<(Value, u16, &str, &str)> = Vec::new();
        let with = |k: &str, v: Value| {
            let mut b = good.clone();
            b[k] = v;
            b
        };
        cases.push((with("title", json!("字".repeat(100_000))), 422, "text_too_long", "title"));
        cases.push((with("title", json!("象\u{0007}棋")), 422, "text_control_characters", "title"));
        cases.push((with("title", json!("   ")), 422, "field_required", "title"));
        cases.push((with("end", json!("13:00")), 422, "time_order", "end"));
        cases.push((with("start", json!("25:00")), 422, "time_invalid", "start"));
        cases.push((with("capacity", json!(0)), 422, "capacity_invalid", "capacity"));
        cases.push((with("kind", json!("dance")), 422, "kind_unknown", "kind"));
        cases.push((with("weekday", json!(9)), 422, "weekday_invalid", "weekday"));
        cases.push((with("repeat", json!("daily")), 422, "repeat_invalid", "repeat"));
        cases.push((with("note", json!("说明\u{202E}")), 422, "text_control_characters", "note"));
        for (body, status, code, field) in cases {
            let v = refused(&h.post_json("/api/seniors/activities", &body, &volunteer()), status, code);
            assert_eq!(v["error"]["field"], field, "{v}");
        }
        let v = h.post_json("/api/seniors/activities", &with("colour", json!("red")), &volunteer()).json();
        assert_eq!(v["error"]["code"], "field_unknown", "{v}");
        assert_eq!(h.request("GET", "/api/seniors/activities", b"", &volunteer()).json()["activities"].as_array().unwrap().len(), 0, "nothing kept");
        let id = weekly(&h, "chess", "象棋", 4, "14:00", "16:00", 10, "2026-03-05");
        for (body, code, field) in [
            (json!({"activity": id, "day": "2026-03-05", "phone": "12"}), "phone_invalid", "phone"),
            (json!({"activity": id, "day": "2026-03-05", "phone": ""}), "phone_required", "phone"),
            (json!({"activity": id, "day": "2026-03-05", "phone": "13800138000", "name": "a\u{0000}b"}), "text_control_characters", "name"),
            (json!({"activity": id, "day": "2026-13-45", "phone": "13800138000"}), "day_invalid", "day"),
            (json!({"activity": 999, "day": "2026-03-05", "phone": "13800138000"}), "activity_unknown", "activity"),
        ] {
            let r = h.post_json("/api/seniors/signups", &body, &anyone());
            assert!(r.status >= 400 && r.status < 500, "{}", r.text());
            assert_eq!((r.json()["error"]["code"].as_str(), r.json()["error"]["field"].as_str()), (Some(code), Some(field)), "{}", r.text());
        }
        assert_eq!(occurrence(&h, id, "2026-03-05")["booked"], 0, "nothing kept");
        refused(&h.post_json("/api/seniors/lookup", &json!({"code": "ZZZZZZ", "phone": "13800138000"}), &anyone()), 404, "signup_not_found");
        // The settings: each bad field named, nothing kept.
        let admin = Caller::staff(&["admin"]);
        let r = h.post_json("/api/seniors/config", &json!({"weeks_ahead": 0, "remind_day_before_at": "6pm", "kinds": [{"code": "Chess!", "name_zh": "棋牌", "name_en": "Chess"}]}), &admin);
        let v = refused(&r, 422, "config_invalid");
        let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
        assert_eq!(fields, ["kinds[0].code", "weeks_ahead", "remind_day_before_at"], "{v}");
        assert_eq!(h.request("GET", "/api/seniors/config", b"", &admin).json()["effective"]["weeks_ahead"], 2, "nothing kept");
        assert_eq!(h.post_json("/api/seniors/config", &json!({"weeks_ahead": 3}), &volunteer()).status, 403);
    }

    /// The pages in both languages; the screen is a page of its own in
    /// very large type with today's activities at the top.
    #[test]
    fn pages_render_in_both_languages_and_the_screen_is_large_type() {
        let h = harness();
        h.set_time(at(MAR04, 9, 0));
        let id = weekly(&h, "health", "高血压<防治>讲座", 3, "10:00", "11:00", 2, "2026-03-04");
        for p in ["13800138000", "13900001111"] {
            assert_eq!(sign(&h, id, "2026-03-04", p).status, 201);
        }
        let board = h.get("/seniors/board");
        assert_eq!(board.status, 200);
        let html = board.text();
        assert!(html.starts_with("<!doctype html>") && !html.contains("<nav"), "a page of its own");
        assert!(html.contains("高血压&lt;防治&gt;讲座") && !html.contains("<防治>"), "escaped");
        assert!(html.contains("10:00–11:00") && html.contains("已满") && html.contains("今天的活动") && html.contains("本周活动"), "{html}");
        assert!(html.contains("td { font-size: 5vh") && html.contains("overflow: hidden"), "very large type, no scrolling");
        assert!(h.get("/seniors/board?lang=en").text().contains("Today"));
        for (path, who, zh) in [("/seniors", anyone(), "老年活动角"), ("/seniors/desk", volunteer(), "代办报名"), ("/seniors/tablet", tablet(), "没有手机？用报名码签到"), ("/seniors/admin", Caller::staff(&["admin"]), "活动角设置")] {
            let r = h.request("GET", path, b"", &who);
            assert_eq!(r.status, 200, "{path}: {}", r.text());
            assert!(r.text().contains(zh), "{path}");
            assert!(!r.text().contains("<script>"), "no inline script: {path}");
        }
        let en = h.request("GET", "/seniors", b"", &Caller::anonymous("en"));
        assert!(en.text().contains("Previous week") && !en.text().contains("老年活动角"), "the English page has no Chinese words");
        assert_eq!(h.request("GET", "/seniors/tablet", b"", &anyone()).status, 401, "the tablet page is the paired tablet's");
        assert_eq!(h.request("GET", "/seniors/desk", b"", &Caller::staff(&["editor"])).status, 403);
        let js = h.get("/seniors/assets/settings.js").text();
        assert!(js.contains("data-path"), "the settings form names each field");
    }
}

/// Every harness test above, again with the plugin's SQL in PostgreSQL.
#[test]
fn the_harness_tests_pass_on_postgres() {
    let Some(pg) = postgres() else { return };
    let exe = std::env::current_exe().expect("this test binary");
    let out = std::process::Command::new(exe)
        .args(["harness::", "--test-threads", "1"])
        .env("LINLI_TEST_POSTGRES", pg.url())
        .output()
        .expect("run the seniors harness tests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passed = stdout.lines().filter(|l| l.starts_with("test harness::") && l.ends_with(" ok")).count();
    assert!(out.status.success(), "the seniors tests on PostgreSQL failed:\n{stdout}\n{}\nPostgreSQL's log:\n{}", String::from_utf8_lossy(&out.stderr), pg.log());
    assert!(passed >= 7, "only {passed} seniors tests ran on PostgreSQL:\n{stdout}");
    let mut c = pg.client().expect("client");
    let n: i64 = c.query_one("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'h\\_%\\_\\_seniors'", &[]).expect("schemas").get(0);
    assert!(n >= 7, "{n} seniors schemas in PostgreSQL");
}

// ---- On a real host, over HTTP ------------------------------------------

fn post(s: &TestServer, who: Option<&Staff>, path: &str, body: &Value) -> (u16, Value) {
    let mut r = ureq::post(&format!("{}{path}", s.url));
    if let Some(st) = who {
        r = r.set("Cookie", &st.cookie).set("X-CSRF-Token", &st.csrf);
    }
    http_json(r, body)
}

/// Over HTTP on the real sandbox: the roles (a resident and the wrong
/// staff role are refused the desk; the tablet's routes are the paired
/// tablet's), the same sign-up sent eight times at once is one sign-up,
/// and a full activity is refused clearly with nothing kept.
#[test]
fn roles_duplicate_submits_and_a_full_activity_over_http() {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_SENIORS], "", None, clock.clone());
    let vol = sign_in(&s, "vol", &["volunteer"]);
    let editor = sign_in(&s, "ed", &["editor"]);
    let act = json!({"kind": "calligraphy", "title": "书法", "start": "10:00", "end": "11:00", "capacity": 1, "repeat": "weekly", "weekday": 4, "day": "2026-03-05"});
    assert_eq!(post(&s, None, "/api/seniors/activities", &act).0, 401);
    assert_eq!(post(&s, Some(&editor), "/api/seniors/activities", &act).0, 403);
    let (code, v) = post(&s, Some(&vol), "/api/seniors/activities", &act);
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let same = json!({"activity": id, "day": "2026-03-05", "phone": "13800138000"});
    let answers: Vec<(u16, Value)> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..8).map(|_| sc.spawn(|| post(&s, None, "/api/seniors/signups", &same))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers.iter().filter(|(c, _)| *c == 201).count(), 1, "{answers:?}");
    assert!(answers.iter().filter(|(c, _)| *c != 201).all(|(c, v)| *c == 409 && v["error"]["code"] == "already_signed_up"), "{answers:?}");
    // The waiting list off: the next is refused as full, nothing kept.
    let admin = sign_in(&s, "admin", &["admin"]);
    assert_eq!(post(&s, Some(&admin), "/api/seniors/config", &json!({"waitlist_max": 0})).0, 200);
    let (code, v) = post(&s, None, "/api/seniors/signups", &json!({"activity": id, "day": "2026-03-05", "phone": "13900001111"}));
    assert_eq!((code, v["error"]["code"].as_str()), (409, Some("activity_full")), "{v}");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("名额已满"), "{v}");
    let (_, w) = s.get_json("/api/seniors/week?from=2026-03-05");
    assert_eq!((w["days"][0]["activities"][0]["booked"].as_i64(), w["days"][0]["activities"][0]["waiting"].as_i64()), (Some(1), Some(0)), "{w}");
    // The tablet: refused to a phone, served to the paired tablet.
    let token = linli_host::auth::devices::create(&s.host.db, "活动角平板", "kiosk", None, s.host.now_ms()).expect("pair").1;
    assert_eq!(post(&s, None, "/api/seniors/check-in", &json!({"phone": "13800138000"})).0, 401);
    clock.0.store(at(MAR04 + DAY, 9, 40), Ordering::SeqCst);
    let (code, v) = http_json(ureq::post(&format!("{}/api/seniors/check-in", s.url)).set("Authorization", &format!("Bearer {token}")), &json!({"phone": "138 0013 8000"}));
    assert_eq!((code, v["status"].as_str()), (200, Some("checked_in")), "{v}");
    let (code, page) = s.get("/seniors/board");
    assert_eq!(code, 200);
    assert!(page.contains("书法"), "the screen shows today's activity");
}

// ---- In Chromium ----------------------------------------------------------

/// The main pages as people use them: a resident signs up on the phone
/// page; the desk signs up a resident without a phone; the tablet checks
/// in with the keypad; the corner's screen. Screenshots for the README.
#[test]
fn pages_in_chromium_sign_up_proxy_tablet_and_screen() {
    let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_SENIORS], "", None, clock.clone());
    let vol = sign_in(&s, "vol", &["volunteer"]);
    for (kind, title, wd, start, end, cap) in [
        ("health", "高血压防治讲座", 3, "09:30", "10:30", 40),
        ("chess", "象棋对弈", 3, "14:00", "16:00", 12),
        ("calligraphy", "书法班", 4, "09:30", "11:00", 2),
        ("exercise", "健身操", 5, "08:30", "09:30", 20),
        ("chess", "围棋", 1, "14:00", "16:00", 8),
    ] {
        let (code, v) = post(&s, Some(&vol), "/api/seniors/activities", &json!({"kind": kind, "title": title, "place": "二楼活动室", "start": start, "end": end, "capacity": cap, "repeat": "weekly", "weekday": wd, "day": "2026-03-02"}));
        assert_eq!(code, 201, "{v}");
    }
    b.resize(1280, 1400);
    b.open(&format!("{}/seniors?lang=zh-CN", s.url));
    b.until("the week", "document.querySelector('#sn-week .sn-act button')");
    b.js("document.getElementById('sn-phone').value = '138 0013 8000'; return 1;");
    b.js("var bs = Array.from(document.querySelectorAll('#sn-week .sn-act')).filter(function (c) { return c.textContent.includes('书法班'); }); bs[0].querySelector('button').click(); return 1;");
    let code = b.until("the sign-up code", "document.getElementById('sn-code') && document.getElementById('sn-code').textContent");
    assert_eq!(code.as_str().unwrap().len(), 6, "{code}");
    b.js("window.scrollTo(0, 0); return 1;");
    snap(&b, "seniors-resident");
    // The desk: a resident without a phone.
    b.call("POST", "/cookie", Some(json!({"cookie": {"name": vol.cookie.split_once('=').unwrap().0, "value": vol.cookie.split_once('=').unwrap().1, "path": "/", "httpOnly": true}})));
    b.open(&format!("{}/seniors/desk?lang=zh-CN", s.url));
    b.until("the occurrences", "document.querySelector('#sn-occ option')");
    b.js("var s = document.getElementById('sn-occ'); s.value = Array.from(s.options).find(function (o) { return o.textContent.includes('书法班'); }).value; document.getElementById('sn-pname').value = '王秀英'; return 1;");
    b.click("#sn-proxy button[type=submit]");
    let pcode = b.until("the proxy code", "document.getElementById('sn-pcode') && document.getElementById('sn-pcode').textContent");
    b.js("var s = document.getElementById('sn-rocc'); s.value = Array.from(s.options).find(function (o) { return o.textContent.includes('书法班'); }).value; s.dispatchEvent(new Event('change')); return 1;");
    b.until("the roster", "document.getElementById('sn-roster').textContent.includes('王秀英')");
    b.js("document.getElementById('sn-proxy').scrollIntoView(); return 1;");
    snap(&b, "seniors-desk");
    // The tablet on the day, paired: the keypad.
    let token = linli_host::auth::devices::create(&s.host.db, "活动角平板", "kiosk", None, s.host.now_ms()).expect("pair").1;
    b.call("DELETE", "/cookie", None);
    b.call("POST", "/cookie", Some(json!({"cookie": {"name": "linli_device", "value": token, "path": "/", "httpOnly": true}})));
    clock.0.store(at(MAR04 + DAY, 9, 10), Ordering::SeqCst);
    b.resize(1024, 1366);
    b.open(&format!("{}/seniors/tablet?lang=zh-CN", s.url));
    b.until("the keypad", "document.querySelector('.sn-keys button')");
    for d in "13800138000".chars() {
        b.click(&format!(".sn-keys button[data-key='{d}']"));
    }
    b.click("#sn-phone-form button[type=submit]");
    b.until("welcome", "document.getElementById('sn-tok').textContent.includes('书法班')");
    snap(&b, "seniors-tablet");
    b.js(&format!("document.getElementById('sn-tok').textContent = ''; document.getElementById('sn-code-box').open = true; document.getElementById('sn-tcode').value = '{}'; document.getElementById('sn-tname').value = '王秀英'; return 1;", pcode.as_str().unwrap()));
    b.click("#sn-code-form button[type=submit]");
    b.until("welcome by code", "document.getElementById('sn-tok').textContent.includes('书法班')");
    // The corner's screen at 1920×1080: today's activities without scrolling.
    b.resize(1920, 1080);
    b.open(&format!("{}/seniors/board", s.url));
    b.until("the screen", "document.getElementById('sn-today')");
    let fits = b.js("return document.documentElement.scrollHeight <= window.innerHeight + 2 && document.getElementById('sn-today').getBoundingClientRect().bottom <= window.innerHeight;");
    assert_eq!(fits, json!(true), "today's activities fit without scrolling");
    let size = b.js("return parseFloat(getComputedStyle(document.querySelector('#sn-today td')).fontSize);");
    assert!(size.as_f64().unwrap_or(0.0) >= 40.0, "very large type: {size}");
    snap(&b, "seniors-screen");
    // The settings form: a bad value named beside its field, a good one saved.
    let admin = sign_in(&s, "admin", &["admin"]);
    b.call("DELETE", "/cookie", None);
    b.call("POST", "/cookie", Some(json!({"cookie": {"name": admin.cookie.split_once('=').unwrap().0, "value": admin.cookie.split_once('=').unwrap().1, "path": "/", "httpOnly": true}})));
    b.resize(1280, 1300);
    b.open(&format!("{}/seniors/admin?lang=zh-CN", s.url));
    b.until("the form", "document.querySelector('[data-path=\"weeks_ahead\"] > input')");
    b.js("document.querySelector('[data-path=\"weeks_ahead\"] > input').value = '0'; return 1;");
    b.click("#linli-settings-save");
    b.until("the field named", "document.querySelector('[data-path=\"weeks_ahead\"] > .ls-err').textContent.includes('1 至 8')");
    b.js("document.querySelector('[data-path=\"weeks_ahead\"] > input').value = '3'; return 1;");
    b.click("#linli-settings-save");
    b.until("saved", "document.getElementById('linli-settings-status').textContent.includes('已保存')");
    let (code, v) = http_json(ureq::post(&format!("{}/api/seniors/config", s.url)).set("Cookie", &admin.cookie).set("X-CSRF-Token", &admin.csrf), &json!({}));
    assert_eq!((code, v["effective"]["weeks_ahead"].as_i64()), (200, Some(3)), "{v}");
    // A resident without a phone finds her sign-up by code and name on the residents' page.
    b.call("DELETE", "/cookie", None);
    b.open(&format!("{}/seniors?lang=zh-CN", s.url));
    b.until("the page", "document.getElementById('sn-mine')");
    b.js(&format!("document.getElementById('sn-mcode').value = '{}'; document.getElementById('sn-mphone').value = '王秀英'; return 1;", pcode.as_str().unwrap()));
    b.click("#sn-mine button[type=submit]");
    b.until("her sign-up", "document.getElementById('sn-list').textContent.includes('书法班')");
}

/// With `LINLI_SCREENSHOTS=DIR`, the page as it is now, as base64 PNG in
/// DIR/NAME.png.b64 (for the README's screenshots).
fn snap(b: &linli_tests::browser::Browser, name: &str) {
    if let Ok(dir) = std::env::var("LINLI_SCREENSHOTS") {
        let v = b.call("GET", "/screenshot", None);
        std::fs::write(format!("{dir}/{name}.png.b64"), v["value"].as_str().unwrap_or("")).expect("writing a screenshot");
    }
}
