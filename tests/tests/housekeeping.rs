//! Issue 17, item 6: the `housekeeping` plugin (家政服务预约), written with
//! the SDK alone. Staff manage partner providers, services with prices and
//! slots (capacity 1 unless set); a resident books by phone (a full slot
//! refused, the same booking twice gives one); the provider confirms or
//! declines through an access the plugin manages (a one-time code shown
//! once, exchanged for a key, both kept only as pseudonyms, guessing
//! paused, revocable), never a staff account; the resident is told through
//! `notify` and rates a confirmed visit once after it, the ratings shown
//! per provider. Bad input is refused naming the field with nothing
//! changed. The harness tests run again on PostgreSQL; the main flow runs
//! over HTTP with the roles; Chromium opens the pages for screenshots.

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
        c.id = Some("clerk-3".into());
        c
    }

    /// A 4xx with a code, a message in both languages and (when given) the field.
    pub fn refused(r: &TestResponse, status: u16, code: &str, field: Option<&str>) -> Value {
        assert_eq!(r.status, status, "{}", r.text());
        let v = r.json();
        assert_eq!(v["error"]["code"], code, "{v}");
        let zh = v["error"]["message_zh"].as_str().unwrap_or("");
        let en = v["error"]["message_en"].as_str().unwrap_or("");
        assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "a Chinese message: {v}");
        // English words around the data (a provider's or service's name may be Chinese).
        assert!(en.split(' ').filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()) && !w.is_empty()).count() >= 2, "an English message: {v}");
        if let Some(f) = field {
            assert_eq!(v["error"]["field"], f, "{v}");
        }
        v
    }

    pub struct World {
        pub h: PluginHarness,
        pub provider: i64,
        pub code: String,
        pub service: i64,
        /// 2026-03-05 09:00–11:00, one place.
        pub slot1: i64,
        /// 2026-03-05 14:00–16:00, two places.
        pub slot2: i64,
    }

    /// A provider with one service and two slots, added by a clerk.
    pub fn world() -> World {
        let h = PluginHarness::load(fixtures::PLUGIN_HOUSEKEEPING).expect("housekeeping loads");
        h.set_time(at(MAR04, 9, 0));
        let (provider, code) = add_provider(&h, "安心家政", "135 0000 1111");
        let r = h.post_json(&format!("/api/housekeeping/providers/{provider}/services"), &json!({"name": "日常保洁", "price": 60, "unit": "小时"}), &clerk());
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(r.json()["price"], "60");
        let service = r.json()["id"].as_i64().unwrap();
        let slot1 = add_slot(&h, json!({"service": service, "day": "2026-03-05", "start": "09:00", "end": "11:00"}));
        let slot2 = add_slot(&h, json!({"service": service, "day": "2026-03-05", "start": "14:00", "end": "16:00", "capacity": 2}));
        World { h, provider, code, service, slot1, slot2 }
    }

    pub fn add_provider(h: &PluginHarness, name: &str, contact: &str) -> (i64, String) {
        let r = h.post_json("/api/housekeeping/providers", &json!({"name": name, "contact": contact, "intro": "十年老店"}), &clerk());
        assert_eq!(r.status, 201, "{}", r.text());
        let v = r.json();
        let code = v["sign_in"]["code"].as_str().unwrap().to_owned();
        assert_eq!(v["sign_in"]["link"], format!("/housekeeping/provider#{code}"), "the code travels after # only");
        (v["id"].as_i64().unwrap(), code)
    }

    pub fn add_slot(h: &PluginHarness, body: Value) -> i64 {
        let r = h.post_json("/api/housekeeping/slots", &body, &clerk());
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["id"].as_i64().unwrap()
    }

    pub fn book(h: &PluginHarness, slot: i64, phone: &str) -> TestResponse {
        h.post_json("/api/housekeeping/bookings", &json!({"slot": slot, "phone": phone, "address": "幸福小区 3 栋 501"}), &anyone())
    }

    pub fn sign_in_provider(h: &PluginHarness, code: &str) -> String {
        let r = h.post_json("/api/housekeeping/provider/sign-in", &json!({"code": code}), &anyone());
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["key"].as_str().unwrap().to_owned()
    }

    pub fn left(h: &PluginHarness, service: i64) -> Vec<i64> {
        h.get(&format!("/api/housekeeping/services/{service}/slots")).json()["slots"].as_array().unwrap().iter().map(|s| s["left"].as_i64().unwrap()).collect()
    }

    fn on_sqlite() -> bool {
        std::env::var("LINLI_TEST_POSTGRES").is_err()
    }

    #[test]
    fn book_confirm_decline_through_the_providers_own_access() {
        let w = world();
        let h = &w.h;
        // The code is in the staff's answer once, never stored as it is nor listed again.
        let staff = h.request("GET", "/api/housekeeping/staff/providers", b"", &clerk());
        assert!(!staff.text().contains(&w.code), "{}", staff.text());
        assert_eq!(staff.json()["providers"][0]["access"]["code_waiting"], true);
        if on_sqlite() {
            let stored: Vec<String> = h.sql(|c| c.prepare("SELECT hash FROM access")?.query_map([], |r| r.get(0))?.collect()).unwrap();
            assert!(!stored.is_empty() && stored.iter().all(|s| !s.contains(&w.code)), "only pseudonyms: {stored:?}");
        }
        // A resident books; the provider's phone hears of it.
        let r = book(h, w.slot1, "138 0013 8000");
        assert_eq!(r.status, 201, "{}", r.text());
        let b = r.json();
        assert_eq!((b["status"].as_str(), b["provider"].as_str(), b["price"].as_str()), (Some("pending"), Some("安心家政"), Some("60 元/小时")), "{b}");
        let code = b["code"].as_str().unwrap().to_owned();
        let sent = h.outbox();
        assert!(sent.iter().any(|m| m.message.template == "housekeeping-booked" && m.message.recipient.ends_with("13800138000")), "{sent:?}");
        assert!(sent.iter().any(|m| m.message.template == "housekeeping-new" && m.message.recipient.ends_with("13500001111")), "{sent:?}");
        // The same resident again (another spelling): one booking. Someone else: the slot is full.
        refused(&book(h, w.slot1, "+86 138-0013-8000"), 409, "already_booked", Some("slot"));
        let v = refused(&book(h, w.slot1, "13911112222"), 409, "slot_full", Some("slot"));
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("安心家政") && v["error"]["message_zh"].as_str().unwrap().contains("已约满"), "{v}");
        assert_eq!(left(h, w.service), [0, 2]);
        // The provider signs in once with the code; the code does not work twice.
        let key = sign_in_provider(h, &w.code.to_lowercase());
        refused(&h.post_json("/api/housekeeping/provider/sign-in", &json!({"code": w.code}), &anyone()), 401, "provider_key_wrong", None);
        let list = h.post_json("/api/housekeeping/provider/bookings", &json!({"key": key}), &anyone());
        assert_eq!(list.status, 200, "{}", list.text());
        let first = &list.json()["bookings"][0];
        assert_eq!((first["status"].as_str(), first["phone"].as_str()), (Some("pending"), Some("********000")), "masked before confirming: {first}");
        assert!(first.get("code").is_none(), "the resident's booking code is not the provider's: {first}");
        let id = first["id"].as_i64().unwrap();
        let r = h.post_json(&format!("/api/housekeeping/provider/bookings/{id}/confirm"), &json!({"key": key}), &anyone());
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!((r.json()["status"].as_str(), r.json()["phone"].as_str()), (Some("confirmed"), Some("13800138000")), "the phone to call once confirmed");
        assert!(h.outbox().iter().any(|m| m.message.template == "housekeeping-confirmed" && m.message.recipient.ends_with("13800138000")));
        refused(&h.post_json(&format!("/api/housekeeping/provider/bookings/{id}/decline"), &json!({"key": key}), &anyone()), 409, "booking_decided", None);
        // Two residents in the two places; one declined with a reason frees its place.
        book(h, w.slot2, "13911112222");
        let other = book(h, w.slot2, "13700001111").json();
        assert_eq!(left(h, w.service), [0, 0]);
        let list = h.post_json("/api/housekeeping/provider/bookings", &json!({"key": key}), &anyone()).json();
        let declined = list["bookings"].as_array().unwrap().iter().find(|b| b["address"].is_string() && b["status"] == "pending" && b["phone"] == "********111").unwrap()["id"].as_i64().unwrap();
        let r = h.post_json(&format!("/api/housekeeping/provider/bookings/{declined}/decline"), &json!({"key": key, "reason": "当天人手不足"}), &anyone());
        assert_eq!(r.json()["status"], "declined", "{}", r.text());
        assert_eq!(left(h, w.service), [0, 1]);
        let m = h.outbox().into_iter().find(|m| m.message.template == "housekeeping-declined").expect("the resident is told");
        assert!(m.message.recipient.ends_with("13700001111") && m.message.params.iter().any(|(k, v)| k == "reason" && v.contains("当天人手不足")), "{m:?}");
        let _ = other;
        // Another provider's key cannot touch these bookings.
        let (_, code2) = add_provider(h, "巧手保洁", "13600002222");
        let key2 = sign_in_provider(h, &code2);
        refused(&h.post_json(&format!("/api/housekeeping/provider/bookings/{id}/confirm"), &json!({"key": key2}), &anyone()), 404, "booking_not_found", None);
        assert_eq!(h.post_json("/api/housekeeping/provider/bookings", &json!({"key": key2}), &anyone()).json()["bookings"].as_array().unwrap().len(), 0);
        // The resident cancels with the code and phone.
        let r = h.post_json(&format!("/api/housekeeping/bookings/{code}/cancel"), &json!({"phone": "13800138000"}), &anyone());
        assert_eq!(r.json()["status"], "cancelled", "{}", r.text());
        refused(&h.post_json(&format!("/api/housekeeping/bookings/{code}/cancel"), &json!({"phone": "13900000000"}), &anyone()), 404, "booking_not_found", None);
        // Revoked: the key stops at once; a new code works.
        let r = h.post_json(&format!("/api/housekeeping/providers/{}/revoke", w.provider), &json!({}), &clerk());
        assert_eq!(r.status, 200, "{}", r.text());
        refused(&h.post_json("/api/housekeeping/provider/bookings", &json!({"key": key}), &anyone()), 401, "provider_key_wrong", None);
        let r = h.post_json(&format!("/api/housekeeping/providers/{}/sign-in-code", w.provider), &json!({}), &clerk());
        let fresh = r.json()["sign_in"]["code"].as_str().unwrap().to_owned();
        let key3 = sign_in_provider(h, &fresh);
        assert_eq!(h.post_json("/api/housekeeping/provider/bookings", &json!({"key": key3}), &anyone()).status, 200);
        // Roles: residents and providers never reach the staff side; a guide sees but does not manage.
        assert_eq!(h.request("GET", "/api/housekeeping/staff/providers", b"", &anyone()).status, 401);
        assert_eq!(h.request("GET", "/housekeeping/desk", b"", &anyone()).status, 401);
        assert_eq!(h.request("GET", "/api/housekeeping/staff/bookings", b"", &Caller::staff(&["guide"])).status, 200);
        assert_eq!(h.post_json("/api/housekeeping/providers", &json!({"name": "x", "contact": "13500001111"}), &Caller::staff(&["guide"])).status, 403);
        assert_eq!(h.post_json("/api/housekeeping/slots", &json!({}), &Caller::staff(&["volunteer"])).status, 403);
    }

    #[test]
    fn guessing_a_providers_code_pauses_its_sign_in() {
        let w = world();
        let h = &w.h;
        let wrong = format!("{}-AAAAAAAAAAAA", w.provider);
        for _ in 0..9 {
            refused(&h.post_json("/api/housekeeping/provider/sign-in", &json!({"code": wrong}), &anyone()), 401, "provider_key_wrong", None);
        }
        let v = refused(&h.post_json("/api/housekeeping/provider/sign-in", &json!({"code": wrong}), &anyone()), 429, "too_many_tries", None);
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("暂停至 2026-03-04 09:15"), "{v}");
        // Paused: the right code too, and keys naming this provider.
        refused(&h.post_json("/api/housekeeping/provider/sign-in", &json!({"code": w.code}), &anyone()), 429, "too_many_tries", None);
        refused(&h.post_json("/api/housekeeping/provider/bookings", &json!({"key": format!("{}.XYZ", w.provider)}), &anyone()), 429, "too_many_tries", None);
        // Another provider is not paused.
        let (_, code2) = add_provider(h, "巧手保洁", "13600002222");
        sign_in_provider(h, &code2);
        h.set_time(at(MAR04, 9, 16));
        let key = sign_in_provider(h, &w.code);
        assert_eq!(h.post_json("/api/housekeeping/provider/bookings", &json!({"key": key}), &anyone()).status, 200);
        // Empty or missing keys are refused plainly.
        refused(&h.post_json("/api/housekeeping/provider/bookings", &json!({"key": ""}), &anyone()), 401, "provider_key_missing", None);
        assert_eq!(h.post_json("/api/housekeeping/provider/bookings", &json!({}), &anyone()).status, 422);
    }

    #[test]
    fn ratings_once_after_a_confirmed_visit_shown_per_provider() {
        let w = world();
        let h = &w.h;
        let b1 = book(h, w.slot1, "13800138000").json()["code"].as_str().unwrap().to_owned();
        let b2 = book(h, w.slot2, "13911112222").json()["code"].as_str().unwrap().to_owned();
        let b3 = book(h, w.slot2, "13700001111").json()["code"].as_str().unwrap().to_owned();
        let key = sign_in_provider(h, &w.code);
        let list = h.post_json("/api/housekeeping/provider/bookings", &json!({"key": key}), &anyone()).json();
        let ids: Vec<i64> = list["bookings"].as_array().unwrap().iter().map(|b| b["id"].as_i64().unwrap()).collect();
        for id in &ids[..2] {
            assert_eq!(h.post_json(&format!("/api/housekeeping/provider/bookings/{id}/confirm"), &json!({"key": key}), &anyone()).status, 200);
        }
        let rate = |code: &str, phone: &str, stars: i64, words: &str| h.post_json(&format!("/api/housekeeping/bookings/{code}/rate"), &json!({"phone": phone, "stars": stars, "words": words}), &anyone());
        refused(&rate(&b1, "13800138000", 5, "很好"), 409, "visit_not_over", None);
        h.set_time(at(MAR04 + DAY, 16, 30));
        refused(&rate(&b3, "13700001111", 5, ""), 409, "not_confirmed", None);
        refused(&rate(&b1, "13800138000", 6, ""), 422, "stars_invalid", Some("stars"));
        refused(&rate(&b1, "13800138000", 4, &"好".repeat(100_000)), 422, "text_too_long", Some("words"));
        refused(&rate(&b1, "13900000000", 4, ""), 404, "booking_not_found", None);
        let r = rate(&b1, "138 0013 8000", 4, "准时，干净");
        assert_eq!((r.status, r.json()["rating"].as_i64()), (200, Some(4)), "{}", r.text());
        refused(&rate(&b1, "13800138000", 1, "改主意了"), 409, "already_rated", None);
        assert_eq!(rate(&b2, "13911112222", 5, "").status, 200);
        let p = h.get("/api/housekeeping/providers").json();
        assert_eq!((p["providers"][0]["ratings"]["average"].as_f64(), p["providers"][0]["ratings"]["count"].as_i64()), (Some(4.5), Some(2)), "{p}");
        let s = h.request("GET", "/api/housekeeping/staff/providers", b"", &clerk()).json();
        assert_eq!(s["providers"][0]["ratings"]["count"], 2);
        assert!(p.to_string().find("13500001111").is_none(), "residents do not see the provider's contact phone");
        // 30 days after the visit the phone itself is forgotten; the rating stays.
        h.set_time(at(MAR04 + 32 * DAY, 9, 0));
        h.tick().expect("tick");
        if on_sqlite() {
            let phones: Vec<String> = h.sql(|c| c.prepare("SELECT phone FROM bookings")?.query_map([], |r| r.get(0))?.collect()).unwrap();
            assert!(phones.iter().all(|p| p.is_empty()), "{phones:?}");
        }
        assert_eq!(h.post_json("/api/housekeeping/lookup", &json!({"code": b1, "phone": "13800138000"}), &anyone()).json()["rating"], 4);
    }

    #[test]
    fn bad_input_is_refused_naming_the_field_with_nothing_changed() {
        let w = world();
        let h = &w.h;
        let long = "家".repeat(100_000);
        for (body, status, code, field) in [
            (json!({"name": long, "contact": "13500001111"}), 422, "text_too_long", "name"),
            (json!({"name": "坏\u{1b}[31m家政", "contact": "13500001111"}), 422, "text_control_characters", "name"),
            (json!({"name": "好家政", "contact": "not a phone"}), 422, "phone_invalid", "contact"),
            (json!({"name": "安心家政", "contact": "13500001111"}), 409, "provider_exists", "name"),
        ] {
            let v = refused(&h.post_json("/api/housekeeping/providers", &body, &clerk()), status, code, Some(field));
            let zh = v["error"]["message_zh"].as_str().unwrap();
            assert!(!zh.chars().any(|c| c.is_ascii_alphabetic()), "the Chinese message names the field in Chinese: {zh}");
        }
        let svc = format!("/api/housekeeping/providers/{}/services", w.provider);
        refused(&h.post_json(&svc, &json!({"name": "擦窗", "price": -1}), &clerk()), 422, "price_invalid", Some("price"));
        refused(&h.post_json(&svc, &json!({"name": "日常保洁", "price": 50}), &clerk()), 409, "service_exists", Some("name"));
        assert_eq!(h.post_json(&svc, &json!({"name": "擦窗", "price": "五十"}), &clerk()).json()["error"]["code"], "field_type");
        for (body, code, field) in [
            (json!({"service": w.service, "day": "2026-02-30", "start": "09:00", "end": "10:00"}), "day_invalid", "day"),
            (json!({"service": w.service, "day": "2026-03-06", "start": "9点", "end": "10:00"}), "time_invalid", "start"),
            (json!({"service": w.service, "day": "2026-03-06", "start": "11:00", "end": "10:00"}), "end_before_start", "end"),
            (json!({"service": w.service, "day": "2026-03-06", "start": "09:00", "end": "10:00", "capacity": 0}), "capacity_invalid", "capacity"),
            (json!({"service": w.service, "day": "2026-03-03", "start": "09:00", "end": "10:00"}), "slot_in_past", "day"),
            (json!({"service": 999, "day": "2026-03-06", "start": "09:00", "end": "10:00"}), "service_not_found", "service"),
        ] {
            refused(&h.post_json("/api/housekeeping/slots", &body, &clerk()), 422, code, Some(field));
        }
        refused(&h.post_json("/api/housekeeping/slots", &json!({"service": w.service, "day": "2026-03-05", "start": "09:00", "end": "10:00"}), &clerk()), 409, "slot_exists", Some("start"));
        assert_eq!(left(h, w.service), [1, 2], "no slot added");
        for (body, status, code, field) in [
            (json!({"slot": w.slot1, "phone": "13800138000", "address": ""}), 422, "field_required", "address"),
            (json!({"slot": w.slot1, "phone": "13800138000", "address": long}), 422, "text_too_long", "address"),
            (json!({"slot": w.slot1, "phone": "123", "address": "幸福小区"}), 422, "phone_invalid", "phone"),
            (json!({"slot": 999, "phone": "13800138000", "address": "幸福小区"}), 404, "slot_not_found", "slot"),
        ] {
            let v = refused(&h.post_json("/api/housekeeping/bookings", &body, &anyone()), status, code, Some(field));
            let zh = v["error"]["message_zh"].as_str().unwrap();
            assert!(!zh.chars().any(|c| c.is_ascii_alphabetic()), "the Chinese message names the field in Chinese: {zh}");
        }
        let r = h.post_json("/api/housekeeping/bookings", &json!({"slot": w.slot1, "phone": "13800138000", "address": "幸福小区", "admin": true}), &anyone());
        assert_eq!(r.json()["error"]["code"], "field_unknown", "{}", r.text());
        assert_eq!(left(h, w.service), [1, 2], "no booking made");
        assert!(h.outbox().is_empty(), "no message for a refusal");
        // A stopped service takes no booking; its slots stay listed for staff.
        assert_eq!(h.post_json(&format!("/api/housekeeping/services/{}", w.service), &json!({"active": false}), &clerk()).status, 200);
        refused(&book(h, w.slot1, "13800138000"), 409, "service_closed", Some("slot"));
        assert!(h.get("/api/housekeeping/providers").json()["providers"][0]["services"].as_array().unwrap().is_empty());
        // The slot has begun.
        assert_eq!(h.post_json(&format!("/api/housekeeping/services/{}", w.service), &json!({"active": true}), &clerk()).status, 200);
        h.set_time(at(MAR04 + DAY, 9, 1));
        refused(&book(h, w.slot1, "13800138000"), 409, "slot_past", Some("slot"));
    }

    #[test]
    fn settings_are_a_checked_form_and_pages_render_in_both_languages() {
        let w = world();
        let h = &w.h;
        let admin = Caller::staff(&["admin"]);
        let page = h.request("GET", "/housekeeping/admin", b"", &admin);
        assert!(page.status == 200 && page.text().contains("可预约天数"), "{}", page.text());
        let v = refused(&h.post_json("/api/housekeeping/config", &json!({"days_ahead": 0, "guess_limit": 1}), &admin), 422, "config_invalid", Some("days_ahead"));
        assert_eq!(v["error"]["fields"].as_array().unwrap().len(), 2, "{v}");
        // Two days ahead only: a slot four days out is not offered nor bookable.
        let far = add_slot(h, json!({"service": w.service, "day": "2026-03-08", "start": "09:00", "end": "10:00"}));
        assert_eq!(left(h, w.service).len(), 3);
        assert_eq!(h.post_json("/api/housekeeping/config", &json!({"days_ahead": 2}), &admin).status, 200);
        assert_eq!(left(h, w.service).len(), 2);
        refused(&book(h, far, "13800138000"), 409, "slot_not_open", Some("slot"));
        assert_eq!(h.post_json("/api/housekeeping/config", &json!({}), &clerk()).status, 403);
        for (path, who, text) in [("/housekeeping", anyone(), "家政服务预约"), ("/housekeeping/provider", anyone(), "登录码"), ("/housekeeping/desk", clerk(), "添加合作服务商")] {
            let r = h.request("GET", path, b"", &who);
            assert!(r.status == 200 && r.text().contains(text), "{path}: {}", r.text());
        }
        let guide = h.request("GET", "/housekeeping/desk", b"", &Caller::staff(&["guide"])).text();
        assert!(!guide.contains("添加合作服务商"), "a guide sees no management forms");
        for path in ["/housekeeping", "/housekeeping/provider"] {
            let en = h.request("GET", path, b"", &Caller::anonymous("en")).text();
            assert!(!en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{path} in English has no Chinese: {en}");
        }
    }
}

/// Every harness test above again with the plugin's SQL in PostgreSQL
/// (`LINLI_TEST_POSTGRES`), in a child process of this test binary.
#[test]
fn the_housekeeping_harness_tests_pass_on_postgres() {
    let Some(pg) = postgres() else { return };
    let exe = std::env::current_exe().expect("this test binary");
    let out = std::process::Command::new(exe).args(["sandbox::", "--test-threads", "1"]).env("LINLI_TEST_POSTGRES", pg.url()).output().expect("run the housekeeping tests");
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

/// A provider with a service and a one-place slot, through HTTP: (code, slot).
fn set_up(s: &TestServer, clerk: &Staff) -> (String, i64) {
    let (c, p) = post(s, Some(clerk), "/api/housekeeping/providers", &json!({"name": "安心家政", "contact": "13500001111", "intro": "社区合作十年"}));
    assert_eq!(c, 201, "{p}");
    let code = p["sign_in"]["code"].as_str().unwrap().to_owned();
    let (c, svc) = post(s, Some(clerk), &format!("/api/housekeeping/providers/{}/services", p["id"]), &json!({"name": "日常保洁", "price": 60, "unit": "小时"}));
    assert_eq!(c, 201, "{svc}");
    post(s, Some(clerk), &format!("/api/housekeeping/providers/{}/services", p["id"]), &json!({"name": "深度保洁", "price": 88.5, "unit": "次"}));
    let (c, slot) = post(s, Some(clerk), "/api/housekeeping/slots", &json!({"service": svc["id"], "day": "2026-03-05", "start": "09:00", "end": "11:00"}));
    assert_eq!(c, 201, "{slot}");
    post(s, Some(clerk), "/api/housekeeping/slots", &json!({"service": svc["id"], "day": "2026-03-05", "start": "14:00", "end": "16:00", "capacity": 2}));
    (code, slot["id"].as_i64().unwrap())
}

/// Through the real server: the roles, the same booking sent six times at
/// once (one booking), a full slot refused, the provider's page with its
/// own access (no staff session), confirm, and the provider kept off the
/// staff routes.
#[test]
fn booking_and_the_provider_over_http_with_the_roles() {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_HOUSEKEEPING], "", None, clock.clone());
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    let editor = sign_in(&s, "editor", &["editor"]);
    assert_eq!(post(&s, None, "/api/housekeeping/providers", &json!({"name": "x", "contact": "13500001111"})).0, 401, "a resident cannot add providers");
    assert_eq!(post(&s, Some(&editor), "/api/housekeeping/providers", &json!({"name": "x", "contact": "13500001111"})).0, 403, "nor an editor");
    let (code, slot) = set_up(&s, &clerk);
    let same = json!({"slot": slot, "phone": "138 0013 8000", "address": "幸福小区 3 栋 501"});
    let answers: Vec<(u16, Value)> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..6).map(|_| sc.spawn(|| post(&s, None, "/api/housekeeping/bookings", &same))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers.iter().filter(|(c, _)| *c == 201).count(), 1, "{answers:?}");
    assert!(answers.iter().filter(|(c, _)| *c != 201).all(|(c, v)| *c == 409 && v["error"]["code"] == "already_booked"), "{answers:?}");
    let (c, v) = post(&s, None, "/api/housekeeping/bookings", &json!({"slot": slot, "phone": "13911112222", "address": "幸福小区 5 栋"}));
    assert_eq!((c, v["error"]["code"].as_str()), (409, Some("slot_full")), "{v}");
    // The provider: its page is public, its data needs its key; the key opens no staff route.
    let (status, page) = s.get("/housekeeping/provider");
    assert!(status == 200 && page.contains("/housekeeping/assets/provider.js"), "the provider's page");
    let (c, v) = post(&s, None, "/api/housekeeping/provider/sign-in", &json!({"code": code}));
    assert_eq!(c, 200, "{v}");
    let key = v["key"].as_str().unwrap().to_owned();
    let (c, list) = post(&s, None, "/api/housekeeping/provider/bookings", &json!({"key": key}));
    assert_eq!(c, 200, "{list}");
    let id = list["bookings"][0]["id"].as_i64().unwrap();
    let (c, v) = post(&s, None, &format!("/api/housekeeping/provider/bookings/{id}/confirm"), &json!({"key": key}));
    assert_eq!((c, v["status"].as_str()), (200, Some("confirmed")), "{v}");
    let (c, _) = post(&s, None, "/api/housekeeping/slots", &json!({"key": key}));
    assert_eq!(c, 401, "the provider's key is no staff sign-in");
    let (c, _) = linli_tests::http(ureq::get(&format!("{}/api/housekeeping/staff/bookings", s.url)));
    assert_eq!(c, 401);
    let rows = s.host.services.outbox.list(100);
    assert!(rows.iter().any(|m| m.message.template == "housekeeping-confirmed" && m.message.recipient.ends_with("13800138000")), "{rows:?}");
    // Rated after the visit.
    clock.0.store(at(MAR04 + DAY, 12, 0), Ordering::SeqCst);
    let booking = answers.iter().find(|(c, _)| *c == 201).unwrap().1["code"].as_str().unwrap().to_owned();
    let (c, v) = post(&s, None, &format!("/api/housekeeping/bookings/{booking}/rate"), &json!({"phone": "13800138000", "stars": 5, "words": "很满意"}));
    assert_eq!(c, 200, "{v}");
    let (_, p) = s.get_json("/api/housekeeping/providers");
    assert_eq!(p["providers"][0]["ratings"]["count"], 1, "{p}");
}

/// The pages in Chromium: a resident books, the provider signs in with the
/// link and confirms, the staff page; screenshots for the README.
#[test]
fn pages_in_chromium() {
    let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_HOUSEKEEPING], "", None, clock.clone());
    linli_host::auth::sessions::create_staff(&s.host.db, "boss", "管理员", "correct horse battery", &["admin".to_string()], s.host.now_ms()).expect("admin");
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    let (code, _) = set_up(&s, &clerk);
    let (c, p2) = post(&s, Some(&clerk), "/api/housekeeping/providers", &json!({"name": "巧手保洁", "contact": "13600002222"}));
    assert_eq!(c, 201, "{p2}");
    post(&s, Some(&clerk), &format!("/api/housekeeping/providers/{}/services", p2["id"]), &json!({"name": "家电清洗", "price": 120, "unit": "台"}));
    b.resize(1280, 1400);
    b.open(&format!("{}/housekeeping?lang=zh-CN", s.url));
    b.until("the services", "document.querySelector('#hk-providers button')");
    b.click("#hk-providers button");
    b.until("the slots", "document.querySelector('#hk-slots button')");
    b.click("#hk-slots button");
    b.js("document.getElementById('hk-phone').value = '138 0013 8000'; document.getElementById('hk-address').value = '幸福小区 3 栋 2 单元 501'; return 1;");
    b.click("#hk-book button[type=submit]");
    b.until("the booking code", "document.getElementById('hk-booked-code')");
    snap(&b, "housekeeping-resident");
    // The provider opens the link it was given: signed in, the code gone from the address.
    b.open(&format!("{}/housekeeping/provider?lang=zh-CN#{code}", s.url));
    b.until("the bookings", "!document.getElementById('hk-list').hidden && document.querySelector('#hk-list tbody button')");
    assert!(!b.js("return location.href;").as_str().unwrap_or("").contains(&code), "the code is taken out of the address bar");
    b.click("#hk-list tbody button.primary");
    b.until("confirmed", "document.getElementById('hk-list').textContent.includes('已确认')");
    snap(&b, "housekeeping-provider");
    b.open(&format!("{}/login?lang=zh-CN", s.url));
    b.js("var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'boss'; f.password.value = 'correct horse battery'; f.submit(); return 1;");
    b.until("signed in", "document.querySelector('.who')");
    b.open(&format!("{}/housekeeping/desk?lang=zh-CN", s.url));
    b.until("the providers", "document.querySelector('#hk-providers .hk-provider')");
    b.js("document.getElementById('hk-name').value = '邻家帮'; document.getElementById('hk-contact').value = '137 0000 3333'; return 1;");
    b.click("#hk-add button[type=submit]");
    b.until("the code shown once", "document.getElementById('hk-secret-code')");
    b.until("the booking listed", "document.getElementById('hk-bookings').textContent.includes('已确认')");
    b.js("window.scrollTo(0, 0); return 1;");
    snap(&b, "housekeeping-desk");
    // The settings form (linli_sdk::settings_page): a bad value named
    // beside its field, a good one saved and in force.
    b.open(&format!("{}/housekeeping/admin?lang=zh-CN", s.url));
    b.until("the form", "document.querySelector('[data-path=\"days_ahead\"] > input')");
    b.js("document.querySelector('[data-path=\"days_ahead\"] > input').value = '0'; return 1;");
    b.click("#linli-settings-save");
    b.until("the field named", "document.querySelector('[data-path=\"days_ahead\"] > .ls-err').textContent.includes('1 至 60')");
    b.js("document.querySelector('[data-path=\"days_ahead\"] > input').value = '20'; return 1;");
    b.click("#linli-settings-save");
    b.until("saved", "document.getElementById('linli-settings-status').textContent.includes('已保存') && document.querySelector('[data-path=\"days_ahead\"] > .ls-err').textContent === ''");
    b.open(&format!("{}/housekeeping/admin?lang=zh-CN", s.url));
    b.until("the saved value in force", "document.querySelector('[data-path=\"days_ahead\"] > input') && document.querySelector('[data-path=\"days_ahead\"] > input').value === '20'");
}

/// With `LINLI_SCREENSHOTS=DIR`, the page as it is now, as base64 PNG in
/// DIR/NAME.png.b64 (for the README's screenshots).
fn snap(b: &linli_tests::browser::Browser, name: &str) {
    if let Ok(dir) = std::env::var("LINLI_SCREENSHOTS") {
        let v = b.call("GET", "/screenshot", None);
        std::fs::write(format!("{dir}/{name}.png.b64"), v["value"].as_str().unwrap_or("")).expect("writing a screenshot");
    }
}
