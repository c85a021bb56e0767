//! Issue 17, item 5: the `parcels` plugin (快递代收), written with the SDK
//! alone. Registering (one phone written three ways is one resident; a
//! tracking number registered twice is refused), the pickup code through
//! `notify` and never on a page, the shelf rule or a typed location, the
//! handover by code or by ID card with 代取 recorded, ten wrong codes
//! locking the phone's code pickups (listed for staff, lifted by staff),
//! reminders after N days, returns after M days, the day's counts; bad
//! input refused naming the field with nothing changed. The harness tests
//! run again on PostgreSQL; the main flow runs over HTTP on the real
//! server with its roles; Chromium opens the pages for the screenshots.

use linli_host::auth::Caller;
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
/// Wednesday 2026-03-04.
const MAR04: i64 = DAY1 + 62 * DAY;
const ID: &str = "11010519491231002X";

fn at(day: i64, hh: i64, mm: i64) -> i64 {
    day + hh * HOUR + mm * MINUTE
}

mod sandbox {
    use super::*;

    pub fn anyone() -> Caller {
        Caller::anonymous("zh-CN")
    }

    pub fn clerk() -> Caller {
        let mut c = Caller::staff(&["clerk"]);
        c.id = Some("clerk-7".into());
        c.name = Some("王柜员".into());
        c
    }

    pub fn harness() -> PluginHarness {
        let h = PluginHarness::load(fixtures::PLUGIN_PARCELS).expect("parcels loads");
        h.set_time(at(MAR04, 9, 0));
        h
    }

    pub fn register(h: &PluginHarness, tracking: &str, phone: &str) -> TestResponse {
        h.post_json("/api/parcels", &json!({"tracking": tracking, "carrier": "顺丰", "phone": phone}), &clerk())
    }

    /// A 4xx with a code, a message in both languages and (when given) the field.
    pub fn refused(r: &TestResponse, status: u16, code: &str, field: Option<&str>) -> Value {
        assert_eq!(r.status, status, "{}", r.text());
        let v = r.json();
        assert_eq!(v["error"]["code"], code, "{v}");
        let zh = v["error"]["message_zh"].as_str().unwrap_or("");
        let en = v["error"]["message_en"].as_str().unwrap_or("");
        assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "a Chinese message: {v}");
        assert!(!en.is_empty() && !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "an English message: {v}");
        if let Some(f) = field {
            assert_eq!(v["error"]["field"], f, "{v}");
        }
        v
    }

    /// The pickup code of the newest message of `template` to `phone`.
    pub fn code_sent(h: &PluginHarness, phone: &str) -> String {
        let rows = h.outbox();
        let m = rows.iter().rev().find(|m| m.message.template == "parcel-arrived" && m.message.recipient.ends_with(phone)).unwrap_or_else(|| panic!("no code to {phone}: {rows:?}"));
        m.message.params.iter().find(|(k, _)| k == "code").map(|(_, v)| v.clone()).expect("a code param")
    }

    pub fn waiting(h: &PluginHarness) -> Vec<Value> {
        let r = h.request("GET", "/api/parcels/waiting", b"", &clerk());
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["parcels"].as_array().unwrap().clone()
    }

    pub fn counts(h: &PluginHarness) -> Value {
        h.request("GET", "/api/parcels/day", b"", &clerk()).json()["counts"].clone()
    }

    #[test]
    fn register_and_pick_up_with_the_phone_written_three_ways() {
        let h = harness();
        let r = register(&h, "sf 1234 5678 901", "138 0013 8000");
        assert_eq!(r.status, 201, "{}", r.text());
        let p = r.json();
        assert_eq!((p["tracking"].as_str(), p["location"].as_str(), p["status"].as_str()), (Some("SF12345678901"), Some("A-001"), Some("waiting")), "{p}");
        assert!(p["notified"].as_bool().unwrap(), "{p}");
        let code = code_sent(&h, "13800138000");
        assert_eq!(code.len(), 6);
        assert!(!r.text().contains(&code) && !p["phone"].as_str().unwrap().contains("13800138000"), "neither the code nor the whole phone in the staff's answer: {p}");
        // The same resident, written another way: the next shelf place.
        let r = register(&h, "YT9988776655", "+86 138-0013-8000");
        assert_eq!(r.json()["location"], "A-002", "{}", r.text());
        let code2 = code_sent(&h, "13800138000");
        // A typed location.
        let r = h.post_json("/api/parcels", &json!({"tracking": "ZT555666777", "carrier": "中通", "phone": "13911112222", "location": "地面大件区"}), &clerk());
        assert_eq!(r.json()["location"], "地面大件区", "{}", r.text());
        assert_eq!(waiting(&h).len(), 3);
        // Staff find the resident's two parcels by the third spelling.
        let r = h.request("GET", "/api/parcels/waiting?q=0086%2013800138000", b"", &clerk());
        assert_eq!(r.json()["parcels"].as_array().unwrap().len(), 2, "{}", r.text());
        // The resident sees both with one code; the codes and places stay off the page.
        let r = h.post_json("/api/parcels/mine", &json!({"phone": "13800138000", "code": code2}), &anyone());
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["parcels"].as_array().unwrap().len(), 2);
        assert!(!r.text().contains(&code) && !r.text().contains("A-001"), "{}", r.text());
        // Picked up by code with the phone in a third spelling.
        h.set_time(at(MAR04, 17, 30));
        let r = h.post_json("/api/parcels/pickup", &json!({"phone": "138-0013-8000", "code": code}), &clerk());
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        assert_eq!(v["handed"].as_array().unwrap().len(), 1, "one parcel for one code: {v}");
        let hand = &v["handed"][0];
        assert_eq!((hand["tracking"].as_str(), hand["status"].as_str()), (Some("SF12345678901"), Some("picked")));
        assert_eq!(hand["handover"]["by"], "王柜员", "who handed over: {v}");
        assert_eq!(hand["handover"]["at"], "2026-03-04 17:30", "when: {v}");
        assert_eq!((hand["handover"]["how"].as_str(), hand["handover"]["proxy"].as_bool()), (Some("code"), Some(false)), "to whom: {v}");
        assert_eq!(v["still_waiting"], 1);
        // The code does not work twice; the place is free for the next parcel.
        refused(&h.post_json("/api/parcels/pickup", &json!({"phone": "13800138000", "code": code}), &clerk()), 422, "code_wrong", Some("code"));
        assert_eq!(register(&h, "JD0000111122", "13700001111").json()["location"], "A-001", "the freed place is used again");
        assert!(h.outbox().iter().any(|m| m.message.template == "parcel-picked" && m.message.recipient.ends_with("13800138000")), "the resident is told");
        let c = counts(&h);
        assert_eq!((c["arrived"].as_i64(), c["picked"].as_i64(), c["waiting"].as_i64(), c["returned"].as_i64()), (Some(4), Some(1), Some(3), Some(0)), "{c}");
        // No screen item of this plugin shows anything (the code never leaves the message).
        assert!(h.screen_items().is_empty());
        for (path, who) in [("/parcels/desk", clerk()), ("/parcels", anyone())] {
            let page = h.request("GET", path, b"", &who).text();
            assert!(!page.contains(&code2), "{path} shows no code");
        }
    }

    #[test]
    fn a_tracking_number_twice_and_bad_input_are_refused_with_nothing_changed() {
        let h = harness();
        assert_eq!(register(&h, "SF1000200030", "13800138000").status, 201);
        let v = refused(&register(&h, " sf 1000 2000 30 ", "13911112222"), 409, "tracking_taken", Some("tracking"));
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("不能重复登记") && v["error"]["message_zh"].as_str().unwrap().contains("2026-03-04"), "{v}");
        let long = "1".repeat(100_000);
        for (body, status, code, field) in [
            (json!({"tracking": long, "carrier": "顺丰", "phone": "13800138000"}), 422, "text_too_long", "tracking"),
            (json!({"tracking": "SF\u{7}123456", "carrier": "顺丰", "phone": "13800138000"}), 422, "text_control_characters", "tracking"),
            (json!({"tracking": "顺丰快递一二三", "carrier": "顺丰", "phone": "13800138000"}), 422, "tracking_invalid", "tracking"),
            (json!({"tracking": "SF5550001112", "carrier": "不存在的快递", "phone": "13800138000"}), 422, "carrier_unknown", "carrier"),
            (json!({"tracking": "SF5550001112", "carrier": "顺丰", "phone": "call me"}), 422, "phone_invalid", "phone"),
            (json!({"tracking": "SF5550001112", "carrier": "顺丰", "phone": "13800138000", "location": "A\n-1"}), 422, "text_control_characters", "location"),
            (json!({"tracking": "SF5550001112", "carrier": "顺丰", "phone": "13800138000", "location": "位".repeat(21)}), 422, "text_too_long", "location"),
        ] {
            let v = refused(&h.post_json("/api/parcels", &body, &clerk()), status, code, Some(field));
            let zh = v["error"]["message_zh"].as_str().unwrap();
            assert!(!zh.chars().any(|c| c.is_ascii_alphabetic()), "the Chinese message names the field in Chinese: {zh}");
        }
        let r = h.post_json("/api/parcels", &json!({"tracking": "SF5550001112", "carrier": "顺丰", "phone": "13800138000", "weight": 3}), &clerk());
        assert_eq!((r.status, r.json()["error"]["code"].as_str()), (422, Some("field_unknown")), "{}", r.text());
        assert_eq!(h.request("POST", "/api/parcels", b"{not json", &clerk()).status, 400);
        assert_eq!(waiting(&h).len(), 1, "nothing registered");
        assert_eq!(h.outbox().iter().filter(|m| m.message.template == "parcel-arrived").count(), 1, "no message for a refusal");
        // Pickup input.
        refused(&h.post_json("/api/parcels/pickup", &json!({"phone": "13800138000"}), &clerk()), 422, "code_required", Some("code"));
        refused(&h.post_json("/api/parcels/pickup", &json!({"phone": "13800138000", "code": "123456", "id_number": ID}), &clerk()), 422, "code_or_id", Some("code"));
        refused(&h.post_json("/api/parcels/pickup", &json!({"phone": "13800138000", "id_number": "110105194912310021"}), &clerk()), 422, "id_invalid", Some("id_number"));
        refused(&h.post_json("/api/parcels/pickup", &json!({"phone": "13900000000", "code": "123456"}), &clerk()), 404, "no_parcels", Some("phone"));
        // The resident's page does not tell a stranger whether a phone has parcels.
        refused(&h.post_json("/api/parcels/mine", &json!({"phone": "13900000000", "code": "123456"}), &anyone()), 422, "code_wrong", Some("code"));
        refused(&h.post_json("/api/parcels/pickup", &json!({"phone": "13800138000", "id_number": ID, "proxy_phone": "13911112222"}), &clerk()), 422, "proxy_name_required", Some("proxy_name"));
        assert_eq!(waiting(&h).len(), 1, "nothing handed over");
        // Roles: anonymous callers and the wrong role never reach the desk.
        assert_eq!(h.post_json("/api/parcels", &json!({}), &anyone()).status, 401);
        assert_eq!(h.post_json("/api/parcels", &json!({}), &Caller::staff(&["editor"])).status, 403);
        assert_eq!(h.request("GET", "/parcels/desk", b"", &Caller::staff(&["maintainer"])).status, 403);
        assert_eq!(h.post_json("/api/parcels/locks/lift", &json!({"phone": "13800138000"}), &Caller::staff(&["volunteer"])).status, 403);
    }

    #[test]
    fn ten_wrong_codes_lock_the_phone_staff_see_it_and_the_id_card_still_works() {
        let h = harness();
        register(&h, "SF1000200030", "13800138000");
        let code = code_sent(&h, "13800138000");
        register(&h, "YT1000200031", "13800138000");
        let wrong = if code == "000000" { "000001" } else { "000000" };
        for i in 1..10 {
            let v = refused(&h.post_json("/api/parcels/pickup", &json!({"phone": "13800138000", "code": wrong}), &clerk()), 422, "code_wrong", Some("code"));
            assert!(v["error"]["message_zh"].as_str().unwrap().contains(&format!("还可再试 {} 次", 10 - i)), "{v}");
        }
        // The resident page counts towards the same limit: the tenth try locks.
        let v = refused(&h.post_json("/api/parcels/mine", &json!({"phone": "138 0013 8000", "code": wrong}), &anyone()), 423, "pickup_locked", Some("code"));
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("锁定至 2026-03-04 09:30"), "{v}");
        // Locked: even the right code is refused, at the desk and on the page.
        refused(&h.post_json("/api/parcels/pickup", &json!({"phone": "13800138000", "code": code}), &clerk()), 423, "pickup_locked", Some("code"));
        refused(&h.post_json("/api/parcels/mine", &json!({"phone": "13800138000", "code": code}), &anyone()), 423, "pickup_locked", None);
        assert_eq!(waiting(&h).len(), 2, "nothing handed over");
        let locks = h.request("GET", "/api/parcels/locks", b"", &clerk()).json();
        assert_eq!(locks["locks"].as_array().unwrap().len(), 1, "{locks}");
        assert_eq!((locks["locks"][0]["phone"].as_str(), locks["locks"][0]["parcels"].as_i64()), (Some("********000"), Some(2)), "{locks}");
        // With the ID card checked, a neighbour picks up one parcel for the resident (代取).
        let ids: Vec<i64> = waiting(&h).iter().map(|p| p["id"].as_i64().unwrap()).collect();
        let r = h.post_json("/api/parcels/pickup", &json!({"phone": "13800138000", "id_number": "110105 19491231 002x", "parcels": [ids[1]], "proxy_name": "李四邻", "proxy_phone": "139 1111 2222"}), &clerk());
        assert_eq!(r.status, 200, "{}", r.text());
        let hand = &r.json()["handed"][0]["handover"];
        assert_eq!((hand["how"].as_str(), hand["proxy"].as_bool(), hand["proxy_name"].as_str()), (Some("id"), Some(true), Some("李四邻")), "{hand}");
        assert_eq!(hand["id_number"], "11************002X", "the ID masked: {hand}");
        assert_eq!(hand["proxy_phone"], "********222");
        // The lock ends by itself after its minutes, or a clerk lifts it.
        let lift = h.post_json("/api/parcels/locks/lift", &json!({"phone": "+86 13800138000"}), &clerk());
        assert_eq!(lift.status, 200, "{}", lift.text());
        assert_eq!(h.request("GET", "/api/parcels/locks", b"", &clerk()).json()["locks"].as_array().unwrap().len(), 0);
        refused(&h.post_json("/api/parcels/locks/lift", &json!({"phone": "13800138000"}), &clerk()), 404, "not_locked", Some("phone"));
        let r = h.post_json("/api/parcels/pickup", &json!({"phone": "13800138000", "code": code}), &clerk());
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["still_waiting"], 0);
        // A lock left alone ends after lock_minutes.
        register(&h, "ZT1000200032", "13911112222");
        let c3 = code_sent(&h, "13911112222");
        let bad = if c3 == "000000" { "000001" } else { "000000" };
        for _ in 0..10 {
            h.post_json("/api/parcels/pickup", &json!({"phone": "13911112222", "code": bad}), &clerk());
        }
        refused(&h.post_json("/api/parcels/pickup", &json!({"phone": "13911112222", "code": c3}), &clerk()), 423, "pickup_locked", None);
        h.set_time(at(MAR04, 9, 31));
        assert_eq!(h.post_json("/api/parcels/pickup", &json!({"phone": "13911112222", "code": c3}), &clerk()).status, 200);
    }

    #[test]
    fn reminders_after_n_days_returns_after_m_days_and_the_days_counts() {
        let h = harness();
        register(&h, "SF1000200030", "13800138000");
        register(&h, "SF1000200031", "13911112222");
        h.set_time(at(MAR04 + 2 * DAY, 9, 0));
        h.tick().expect("tick");
        assert!(!h.outbox().iter().any(|m| m.message.template == "parcel-reminder"), "not before 3 days");
        h.set_time(at(MAR04 + 3 * DAY, 9, 1));
        h.tick().expect("tick");
        h.tick().expect("tick");
        let reminders: Vec<_> = h.outbox().into_iter().filter(|m| m.message.template == "parcel-reminder").collect();
        assert_eq!(reminders.len(), 2, "one each, once: {reminders:?}");
        assert!(reminders.iter().any(|m| m.message.params.iter().any(|(k, v)| k == "return_on" && v == "2026-03-11")), "{reminders:?}");
        // One picked up by ID before the return day.
        let r = h.post_json("/api/parcels/pickup", &json!({"phone": "13911112222", "id_number": ID}), &clerk());
        assert_eq!(r.status, 200, "{}", r.text());
        h.set_time(at(MAR04 + 7 * DAY, 9, 1));
        h.tick().expect("tick");
        assert!(waiting(&h).is_empty(), "returned after 7 days");
        let day = h.request("GET", "/api/parcels/day", b"", &clerk()).json();
        assert_eq!(day["counts"]["returned"], 1, "{day}");
        assert_eq!(day["done"][0]["status"], "returned");
        assert_eq!(day["done"][0]["status_name"], "退回");
        assert_eq!(day["done"][0]["returned"]["by"], "auto", "recorded: {day}");
        assert!(h.outbox().iter().any(|m| m.message.template == "parcel-returned" && m.message.recipient.ends_with("13800138000")));
        // The arrival day keeps its counts.
        let d = h.request("GET", "/api/parcels/day?day=2026-03-04", b"", &clerk()).json();
        assert_eq!((d["counts"]["arrived"].as_i64(), d["counts"]["picked"].as_i64()), (Some(2), Some(0)), "{d}");
        refused(&h.request("GET", "/api/parcels/day?day=2026-02-30", b"", &clerk()), 422, "day_invalid", Some("day"));
        // A returned parcel cannot be picked up or returned again.
        let id = day["done"][0]["id"].as_i64().unwrap();
        refused(&h.post_json(&format!("/api/parcels/{id}/return"), &json!({}), &clerk()), 409, "parcel_not_waiting", None);
        // Staff return one early, with a note.
        register(&h, "SF1000200099", "13800138000");
        let id = waiting(&h)[0]["id"].as_i64().unwrap();
        let r = h.post_json(&format!("/api/parcels/{id}/return"), &json!({"note": "收件人拒收"}), &clerk());
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!((r.json()["returned"]["by"].as_str(), r.json()["returned"]["note"].as_str()), (Some("王柜员"), Some("收件人拒收")));
    }

    #[test]
    fn a_lost_code_is_sent_again_to_the_phone_only_and_settings_are_checked() {
        let h = harness();
        register(&h, "SF1000200030", "13800138000");
        let old = code_sent(&h, "13800138000");
        let r = h.post_json("/api/parcels/resend", &json!({"phone": "138 0013 8000"}), &anyone());
        assert_eq!(r.status, 200, "{}", r.text());
        let new = code_sent(&h, "13800138000");
        assert_eq!(h.outbox().iter().filter(|m| m.message.template == "parcel-arrived").count(), 2);
        // A phone with nothing waiting gets the same answer and no message.
        assert_eq!(h.post_json("/api/parcels/resend", &json!({"phone": "13900000000"}), &anyone()).json(), r.json());
        assert_eq!(h.outbox().iter().filter(|m| m.message.recipient.ends_with("13900000000")).count(), 0);
        if new != old {
            refused(&h.post_json("/api/parcels/mine", &json!({"phone": "13800138000", "code": old}), &anyone()), 422, "code_wrong", None);
        }
        assert_eq!(h.post_json("/api/parcels/mine", &json!({"phone": "13800138000", "code": new}), &anyone()).status, 200);
        // The settings form: each field checked and named; nothing kept on a mistake.
        let admin = Caller::staff(&["admin"]);
        let page = h.request("GET", "/parcels/admin", b"", &admin);
        assert!(page.status == 200 && page.text().contains("几天未取退回"), "{}", page.text());
        let r = h.post_json("/api/parcels/config", &json!({"remind_after_days": 9, "return_after_days": 5, "code_tries": 1}), &admin);
        let v = refused(&r, 422, "config_invalid", Some("return_after_days"));
        let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
        assert_eq!(fields, ["return_after_days", "code_tries"], "{v}");
        assert_eq!(h.request("GET", "/api/parcels/config", b"", &admin).json()["effective"]["return_after_days"], 7, "nothing kept");
        let r = h.post_json("/api/parcels/config", &json!({"shelves": ["X"], "places_per_shelf": 1}), &admin);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(register(&h, "SF1000200031", "13911112222").json()["location"], "X-001");
        refused(&register(&h, "SF1000200032", "13911112222"), 409, "shelves_full", Some("location"));
        assert_eq!(h.post_json("/api/parcels/config", &json!({}), &clerk()).status, 403);
        // Pages in both languages; the English one has no Chinese words.
        for (path, who) in [("/parcels", anyone()), ("/parcels/desk", clerk())] {
            assert_eq!(h.request("GET", path, b"", &who).status, 200, "{path}");
        }
        let en = h.request("GET", "/parcels", b"", &Caller::anonymous("en")).text();
        assert!(en.contains("My parcels") && !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{en}");
    }
}

/// Every harness test above again with the plugin's SQL in PostgreSQL
/// (`LINLI_TEST_POSTGRES`), in a child process of this test binary.
#[test]
fn the_parcels_harness_tests_pass_on_postgres() {
    let Some(pg) = postgres() else { return };
    let exe = std::env::current_exe().expect("this test binary");
    let out = std::process::Command::new(exe).args(["sandbox::", "--test-threads", "1"]).env("LINLI_TEST_POSTGRES", pg.url()).output().expect("run the parcels tests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passed = stdout.lines().filter(|l| l.starts_with("test ") && l.ends_with(" ok")).count();
    assert!(out.status.success(), "on PostgreSQL:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(passed >= 5, "{passed} tests passed:\n{stdout}");
}

// ---- On a real host ------------------------------------------------------

fn post(s: &TestServer, who: Option<&Staff>, path: &str, body: &Value) -> (u16, Value) {
    let mut r = ureq::post(&format!("{}{path}", s.url));
    if let Some(st) = who {
        r = r.set("Cookie", &st.cookie).set("X-CSRF-Token", &st.csrf);
    }
    http_json(r, body)
}

fn sent_code(s: &TestServer, phone: &str) -> String {
    let rows = s.host.services.outbox.list(1000);
    let m = rows.iter().find(|m| m.message.template == "parcel-arrived" && m.message.recipient.ends_with(phone)).unwrap_or_else(|| panic!("no code to {phone}"));
    m.message.params.iter().find(|(k, _)| k == "code").map(|(_, v)| v.clone()).unwrap()
}

/// Through the real server: the roles (a resident, an editor refused),
/// the same parcel registered from two desks at once (one kept), ten
/// wrong codes locking over HTTP, the handover.
#[test]
fn the_desk_over_http_with_its_roles() {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_PARCELS], "", None, clock.clone());
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    let editor = sign_in(&s, "editor", &["editor"]);
    let arrival = json!({"tracking": "SF1000200030", "carrier": "顺丰", "phone": "138 0013 8000"});
    assert_eq!(post(&s, None, "/api/parcels", &arrival).0, 401, "a resident cannot register");
    assert_eq!(post(&s, Some(&editor), "/api/parcels", &arrival).0, 403, "an editor cannot either");
    let answers: Vec<(u16, Value)> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..6).map(|_| sc.spawn(|| post(&s, Some(&clerk), "/api/parcels", &arrival))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers.iter().filter(|(c, _)| *c == 201).count(), 1, "{answers:?}");
    assert!(answers.iter().filter(|(c, _)| *c != 201).all(|(c, v)| *c == 409 && v["error"]["code"] == "tracking_taken"), "{answers:?}");
    let code = sent_code(&s, "13800138000");
    let (status, page) = s.get("/parcels");
    assert!(status == 200 && page.contains("我的快递") && !page.contains(&code), "the resident's page");
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let mut last = (0, Value::Null);
    for _ in 0..10 {
        last = post(&s, Some(&clerk), "/api/parcels/pickup", &json!({"phone": "13800138000", "code": wrong}));
    }
    assert_eq!((last.0, last.1["error"]["code"].as_str()), (423, Some("pickup_locked")), "{last:?}");
    assert_eq!(post(&s, Some(&clerk), "/api/parcels/pickup", &json!({"phone": "13800138000", "code": code})).0, 423);
    let (_, locks) = linli_tests::http(ureq::get(&format!("{}/api/parcels/locks", s.url)).set("Cookie", &clerk.cookie));
    assert!(locks.contains("********000"), "the locked phone, masked, for the staff: {locks}");
    clock.0.store(at(MAR04, 10, 0), Ordering::SeqCst);
    let (status, v) = post(&s, Some(&clerk), "/api/parcels/pickup", &json!({"phone": "+86 13800138000", "code": code, "proxy_name": "李四邻"}));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["handed"][0]["handover"]["proxy_name"], "李四邻");
    let (_, day) = linli_tests::http(ureq::get(&format!("{}/api/parcels/day", s.url)).set("Cookie", &clerk.cookie));
    let day: Value = serde_json::from_str(&day).unwrap();
    assert_eq!((day["counts"]["arrived"].as_i64(), day["counts"]["picked"].as_i64(), day["counts"]["waiting"].as_i64()), (Some(1), Some(1), Some(0)), "{day}");
}

/// A handover by ID card is in the host's audit log (capability `audit`):
/// the clerk, the plugin, the parcel, the ID masked, and the chain still
/// verifies; a handover by code writes no such entry.
#[test]
fn a_handover_by_id_card_is_in_the_host_audit_log() {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_PARCELS], "", None, clock.clone());
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    let boss = sign_in(&s, "boss", &["supervisor"]);
    let entries = || {
        let (code, body) = linli_tests::http(ureq::get(&format!("{}/api/host/audit", s.url)).set("Cookie", &boss.cookie));
        assert_eq!(code, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["intact"], json!(true), "the chain verifies");
        v["entries"].as_array().unwrap().iter().filter(|e| e["action"].as_str().unwrap_or("").starts_with("parcels: ")).cloned().collect::<Vec<Value>>()
    };
    let (c1, v) = post(&s, Some(&clerk), "/api/parcels", &json!({"tracking": "SF1000200031", "carrier": "顺丰", "phone": "13800138000"}));
    assert_eq!(c1, 201, "{v}");
    let (c2, v) = post(&s, Some(&clerk), "/api/parcels", &json!({"tracking": "SF1000200032", "carrier": "顺丰", "phone": "13900139000"}));
    assert_eq!(c2, 201, "{v}");
    let code = sent_code(&s, "13900139000");
    assert_eq!(post(&s, Some(&clerk), "/api/parcels/pickup", &json!({"phone": "13900139000", "code": code})).0, 200);
    assert!(entries().is_empty(), "a handover by code reads no ID card");
    let (status, v) = post(&s, Some(&clerk), "/api/parcels/pickup", &json!({"phone": "13800138000", "id_number": ID}));
    assert_eq!(status, 200, "{v}");
    let id = v["handed"][0]["id"].as_i64().unwrap();
    let list = entries();
    assert_eq!(list.len(), 1, "{list:?}");
    let e = &list[0];
    assert_eq!((e["action"].as_str(), e["actor_kind"].as_str()), (Some("parcels: handover.id_card"), Some("staff")), "{e}");
    assert_eq!(e["target"], format!("parcel:{id}"), "{e}");
    assert!(e["actor_id"].is_string() && e["actor_name"] == "测试员", "{e}");
    assert!(!e.to_string().contains(ID) && !e.to_string().contains("13800138000"), "the ID and phone masked: {e}");
}

/// The pages in Chromium: register and hand over at the desk, the
/// resident's page, the settings form; screenshots for the README.
#[test]
fn pages_in_chromium() {
    let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_PARCELS], "", None, clock.clone());
    linli_host::auth::sessions::create_staff(&s.host.db, "boss", "管理员", "correct horse battery", &["admin".to_string()], s.host.now_ms()).expect("admin");
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    for (i, phone) in ["13800138000", "13911112222", "13700001111"].iter().enumerate() {
        let (c, v) = post(&s, Some(&clerk), "/api/parcels", &json!({"tracking": format!("YT88001234{i}"), "carrier": "圆通", "phone": phone}));
        assert_eq!(c, 201, "{v}");
    }
    let code = sent_code(&s, "13911112222");
    b.resize(1280, 1700);
    b.open(&format!("{}/login?lang=zh-CN", s.url));
    b.js("var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'boss'; f.password.value = 'correct horse battery'; f.submit(); return 1;");
    b.until("signed in", "document.querySelector('.who')");
    b.open(&format!("{}/parcels/desk?lang=zh-CN", s.url));
    b.until("the counts", "document.getElementById('pc-n-waiting').textContent === '3'");
    b.js("document.getElementById('pc-tracking').value = 'SF1234567890'; document.getElementById('pc-phone').value = '138 0013 8000'; return 1;");
    b.click("#pc-reg button[type=submit]");
    b.until("registered", "document.getElementById('pc-reg-ok').textContent.includes('A-004')");
    b.js(&format!("document.getElementById('pc-pphone').value = '139-1111-2222'; document.getElementById('pc-code').value = '{code}'; document.getElementById('pc-pname').value = '李四邻'; return 1;"));
    b.click("#pc-pick button[type=submit]");
    b.until("handed over", "document.getElementById('pc-pick-ok').textContent.includes('A-002')");
    b.until("the day's handover listed", "document.getElementById('pc-done').textContent.includes('李四邻')");
    b.js("window.scrollTo(0, 0); return 1;");
    snap(&b, "parcels-desk");
    b.open(&format!("{}/parcels/admin?lang=zh-CN", s.url));
    b.until("the form", "document.querySelector('[data-path=\"return_after_days\"] input')");
    b.js("document.querySelector('[data-path=\"return_after_days\"] input').dataset.was = document.querySelector('[data-path=\"return_after_days\"] input').value; document.querySelector('[data-path=\"return_after_days\"] input').value = '2'; return 1;");
    b.click("#linli-settings-save");
    b.until("the field named", "document.querySelector('[data-path=\"return_after_days\"] .ls-err').textContent.includes('退回天数')");
    snap(&b, "parcels-settings");
    // The value in force again: saved, and the field's reason cleared.
    b.js("var i = document.querySelector('[data-path=\"return_after_days\"] input'); i.value = i.dataset.was; return 1;");
    b.click("#linli-settings-save");
    b.until("saved", "document.getElementById('linli-settings-status').textContent.includes('已保存') && document.querySelector('[data-path=\"return_after_days\"] .ls-err').textContent === ''");
    let c1 = sent_code(&s, "13800138000");
    b.open(&format!("{}/parcels?lang=zh-CN", s.url));
    b.until("the page", "document.getElementById('pc-phone')");
    b.js(&format!("document.getElementById('pc-phone').value = '13800138000'; document.getElementById('pc-code').value = '{c1}'; return 1;"));
    b.click("#pc-mine button[type=submit]");
    b.until("the list", "!document.getElementById('pc-list').hidden");
    snap(&b, "parcels-resident");
}

/// With `LINLI_SCREENSHOTS=DIR`, the page as it is now, as base64 PNG in
/// DIR/NAME.png.b64 (for the README's screenshots).
fn snap(b: &linli_tests::browser::Browser, name: &str) {
    if let Ok(dir) = std::env::var("LINLI_SCREENSHOTS") {
        let v = b.call("GET", "/screenshot", None);
        std::fs::write(format!("{dir}/{name}.png.b64"), v["value"].as_str().unwrap_or("")).expect("writing a screenshot");
    }
}
