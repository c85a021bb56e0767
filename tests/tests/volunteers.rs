//! Issue 17, item 3: the `volunteers` plugin (志愿者服务报名), written with
//! the public SDK only. Positions and shifts; sign-up by phone with the
//! same shift signed twice, a full shift and overlapping shifts refused
//! clearly and nothing kept; hours recorded by the shift lead (another
//! staff member refused; a correction needs a reason and goes on the
//! timeline); the certificate of hours with its verification code and QR
//! code, checked by anyone with the name masked; the yearly ranking with
//! masked names on the public view. The harness tests run again on
//! PostgreSQL; roles and a duplicate submit over HTTP; pages in Chromium.

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
/// Wednesday 2026-03-04.
const MAR04: i64 = DAY1 + 62 * DAY;

fn at(day: i64, hh: i64, mm: i64) -> i64 {
    day + hh * HOUR + mm * MINUTE
}

fn anyone() -> Caller {
    Caller::anonymous("zh-CN")
}

fn staff(id: &str, name: &str, roles: &[&str]) -> Caller {
    Caller { kind: CallerKind::Staff, id: Some(id.into()), name: Some(name.into()), roles: roles.iter().map(|r| r.to_string()).collect(), window: None, lang: "zh-CN".into() }
}

/// The clerk who enters shifts and issues certificates.
fn clerk() -> Caller {
    staff("5", "陈办事", &["clerk"])
}

/// A guide who leads shifts.
fn lead() -> Caller {
    staff("7", "周带班", &["guide"])
}

fn harness() -> PluginHarness {
    PluginHarness::load(fixtures::PLUGIN_VOLUNTEERS).expect("volunteers loads")
}

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

/// A shift led by the guide (staff 7): its id.
fn shift(h: &PluginHarness, position: &str, day: &str, start: &str, end: &str, places: i64) -> i64 {
    let r = h.post_json(
        "/api/volunteers/shifts",
        &json!({"position": position, "day": day, "start": start, "end": end, "place": "大厅一楼", "places": places, "lead_id": "7", "lead_name": "周带班"}),
        &clerk(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().unwrap()
}

fn sign(h: &PluginHarness, shift: i64, phone: &str, name: &str) -> TestResponse {
    h.post_json("/api/volunteers/signups", &json!({"shift": shift, "phone": phone, "name": name}), &anyone())
}

fn taken(h: &PluginHarness, id: i64) -> i64 {
    let v = h.request("GET", "/api/volunteers/desk/shifts", b"", &lead()).json();
    v["shifts"].as_array().unwrap().iter().find(|s| s["id"] == id).map(|s| s["taken"].as_i64().unwrap()).unwrap_or(-1)
}

fn roster(h: &PluginHarness, id: i64, who: &Caller) -> Value {
    let r = h.request("GET", &format!("/api/volunteers/shifts/{id}/roster"), b"", who);
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

mod harness {
    use super::*;

    /// The same shift twice (the phone written another way), a full
    /// shift, an overlapping shift: each refused clearly, nothing kept.
    #[test]
    fn a_shift_signed_twice_a_full_shift_and_overlapping_shifts_are_refused() {
        let h = harness();
        h.set_time(at(MAR04, 9, 0));
        let morning = shift(&h, "guide", "2026-03-05", "09:00", "12:00", 2);
        let overlap = shift(&h, "elderly", "2026-03-05", "11:00", "13:00", 5);
        let afternoon = shift(&h, "environment", "2026-03-05", "12:00", "14:00", 5);
        let r = sign(&h, morning, "138 0013 8000", "张三明");
        assert_eq!(r.status, 201, "{}", r.text());
        let code = r.json()["volunteer_code"].as_str().unwrap().to_owned();
        assert_eq!(code.len(), 6);
        assert!(h.outbox().iter().any(|m| m.message.template == "volunteers-welcome" && m.message.recipient.ends_with("13800138000") && m.message.params.iter().any(|(_, v)| *v == code)));
        let v = refused(&sign(&h, morning, "+86 138-0013-8000", ""), 409, "already_signed_up");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("同一班次不能重复报名"), "{v}");
        let v = refused(&sign(&h, overlap, "13800138000", ""), 409, "shift_overlap");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("时间重叠") && v["error"]["message_zh"].as_str().unwrap().contains("09:00–12:00"), "names the other shift: {v}");
        // Back to back is not an overlap; a later sign-up gets no new code.
        let r = sign(&h, afternoon, "13800138000", "");
        assert_eq!((r.status, r.json()["volunteer_code"].clone()), (201, Value::Null), "{}", r.text());
        assert_eq!(sign(&h, morning, "13900001111", "李四").status, 201);
        let v = refused(&sign(&h, morning, "13700002222", "王五"), 409, "shift_full");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("名额已满"), "{v}");
        assert_eq!((taken(&h, morning), taken(&h, overlap), taken(&h, afternoon)), (2, 0, 1), "nothing kept by the refusals");
        // A first sign-up needs a name (it goes on the certificate).
        assert_eq!(refused(&sign(&h, overlap, "13600003333", ""), 422, "name_required")["error"]["field"], "name");
        // Cancelled by the volunteer (phone + code): the place is free, and the shift can be signed again.
        let me = h.post_json("/api/volunteers/me", &json!({"phone": "13800138000", "code": code.to_lowercase()}), &anyone());
        assert_eq!(me.status, 200, "{}", me.text());
        let signup = me.json()["shifts"].as_array().unwrap().iter().find(|s| s["id"] == morning).unwrap()["signup"].as_i64().unwrap();
        refused(&h.post_json(&format!("/api/volunteers/signups/{signup}/cancel"), &json!({"phone": "13800138000", "code": "ZZZZZZ"}), &anyone()), 404, "volunteer_not_found");
        assert_eq!(h.post_json(&format!("/api/volunteers/signups/{signup}/cancel"), &json!({"phone": "13800138000", "code": code}), &anyone()).status, 200);
        assert_eq!(taken(&h, morning), 1);
        assert_eq!(sign(&h, overlap, "13800138000", "").status, 409, "still overlaps the afternoon? no: 11–13 overlaps 12–14");
        assert_eq!(sign(&h, morning, "13800138000", "").status, 201);
        // Once the shift has started: no sign-up.
        h.set_time(at(MAR04 + DAY, 9, 1));
        refused(&sign(&h, morning, "13500004444", "赵六"), 409, "shift_started");
    }

    /// The lead confirms attendance and hours per person; another staff
    /// member cannot; a correction needs a reason and is on the timeline.
    #[test]
    fn the_lead_records_hours_and_a_correction_is_audited_on_the_timeline() {
        let h = harness();
        h.set_time(at(MAR04, 9, 0));
        let id = shift(&h, "elderly", "2026-03-05", "09:00", "12:00", 5);
        for (p, n) in [("13800138000", "张三明"), ("13900001111", "李四"), ("13700002222", "王五")] {
            assert_eq!(sign(&h, id, p, n).status, 201);
        }
        let r = roster(&h, id, &lead());
        let ids: Vec<i64> = r["volunteers"].as_array().unwrap().iter().map(|v| v["signup"].as_i64().unwrap()).collect();
        let body = json!({"entries": [{"signup": ids[0], "attended": true, "minutes": 180}, {"signup": ids[1], "attended": true, "minutes": 120}, {"signup": ids[2], "attended": false, "minutes": 0}]});
        // Not before the shift starts.
        refused(&h.post_json(&format!("/api/volunteers/shifts/{id}/hours"), &body, &lead()), 409, "shift_not_started");
        h.set_time(at(MAR04 + DAY, 12, 30));
        // Another guide is not this shift's lead; a resident is not staff.
        refused(&h.post_json(&format!("/api/volunteers/shifts/{id}/hours"), &body, &staff("8", "吴导办", &["guide"])), 403, "not_shift_lead");
        assert_eq!(h.post_json(&format!("/api/volunteers/shifts/{id}/hours"), &body, &anyone()).status, 401);
        // More than the shift lasted, or minutes without coming: refused naming the entry, nothing kept.
        let bad = json!({"entries": [{"signup": ids[0], "attended": true, "minutes": 181}]});
        assert_eq!(refused(&h.post_json(&format!("/api/volunteers/shifts/{id}/hours"), &bad, &lead()), 422, "minutes_invalid")["error"]["field"], "entries[0].minutes");
        let bad = json!({"entries": [{"signup": ids[0], "attended": true, "minutes": 60}, {"signup": ids[2], "attended": false, "minutes": 30}]});
        assert_eq!(refused(&h.post_json(&format!("/api/volunteers/shifts/{id}/hours"), &bad, &lead()), 422, "minutes_without_attendance")["error"]["field"], "entries[1].minutes");
        assert!(roster(&h, id, &lead())["volunteers"].as_array().unwrap().iter().all(|v| v["minutes"].is_null()), "all or nothing");
        let r = h.post_json(&format!("/api/volunteers/shifts/{id}/hours"), &body, &lead());
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        assert_eq!((v["volunteers"][0]["hours"].as_str(), v["volunteers"][1]["hours"].as_str(), v["volunteers"][2]["attended"].as_bool()), (Some("3.0"), Some("2.0"), Some(false)), "{v}");
        assert_eq!(v["timeline"].as_array().unwrap().len(), 3);
        // A correction without a reason: refused; with one: kept, on the timeline with before and after.
        let fix = json!({"entries": [{"signup": ids[1], "attended": true, "minutes": 150}]});
        assert_eq!(refused(&h.post_json(&format!("/api/volunteers/shifts/{id}/hours"), &fix, &lead()), 422, "reason_required")["error"]["field"], "reason");
        let fix = json!({"entries": [{"signup": ids[1], "attended": true, "minutes": 150}], "reason": "李四提前半小时到岗布置场地"});
        let sup = staff("9", "孙主管", &["supervisor"]);
        let v = h.post_json(&format!("/api/volunteers/shifts/{id}/hours"), &fix, &sup).json();
        assert_eq!(v["volunteers"][1]["minutes"], 150, "{v}");
        let last = v["timeline"].as_array().unwrap().last().cloned().unwrap();
        assert_eq!((last["action"].as_str(), last["by"].as_str(), last["before"]["minutes"].as_i64(), last["after"]["minutes"].as_i64(), last["reason"].as_str()), (Some("corrected"), Some("孙主管"), Some(120), Some(150), Some("李四提前半小时到岗布置场地")), "{last}");
        // The same values again change nothing and add no line.
        let v = h.post_json(&format!("/api/volunteers/shifts/{id}/hours"), &body_same(ids[0]), &lead()).json();
        assert_eq!(v["timeline"].as_array().unwrap().len(), 4, "{v}");
        // The volunteer sees their hours with phone + code.
        let code = h.outbox().into_iter().find(|m| m.message.template == "volunteers-welcome" && m.message.recipient.ends_with("13900001111")).unwrap().message.params.into_iter().find(|(k, _)| k == "code").unwrap().1;
        let me = h.post_json("/api/volunteers/me", &json!({"phone": "13900001111", "code": code}), &anyone()).json();
        assert_eq!((me["hours"].as_str(), me["shifts"][0]["attended"].as_bool()), (Some("2.5"), Some(true)), "{me}");
    }

    fn body_same(signup: i64) -> Value {
        json!({"entries": [{"signup": signup, "attended": true, "minutes": 180}]})
    }

    /// The yearly ranking (masked names in public, full at the office) and
    /// the certificate of hours: print page with the code and QR code, a
    /// public check with the name masked.
    #[test]
    fn ranking_and_certificate_of_hours_with_a_verification_code() {
        let h = harness();
        h.set_time(at(MAR04, 9, 0));
        let a = shift(&h, "guide", "2026-03-05", "09:00", "12:00", 5);
        let b = shift(&h, "environment", "2026-03-06", "14:00", "16:00", 5);
        for (p, n) in [("13800138000", "张三明"), ("13900001111", "欧阳小芳")] {
            assert_eq!(sign(&h, a, p, n).status, 201);
        }
        assert_eq!(sign(&h, b, "13900001111", "").status, 201);
        h.set_time(at(MAR04 + 2 * DAY, 17, 0));
        let ra = roster(&h, a, &lead());
        let ia: Vec<i64> = ra["volunteers"].as_array().unwrap().iter().map(|v| v["signup"].as_i64().unwrap()).collect();
        assert_eq!(h.post_json(&format!("/api/volunteers/shifts/{a}/hours"), &json!({"entries": [{"signup": ia[0], "attended": true, "minutes": 180}, {"signup": ia[1], "attended": true, "minutes": 150}]}), &lead()).status, 200);
        let ib = roster(&h, b, &lead())["volunteers"][0]["signup"].as_i64().unwrap();
        assert_eq!(h.post_json(&format!("/api/volunteers/shifts/{b}/hours"), &json!({"entries": [{"signup": ib, "attended": true, "minutes": 120}]}), &lead()).status, 200);
        let public = h.get("/api/volunteers/ranking?year=2026").json();
        let names: Vec<(&str, &str)> = public["ranking"].as_array().unwrap().iter().map(|r| (r["name"].as_str().unwrap(), r["hours"].as_str().unwrap())).collect();
        assert_eq!(names.len(), 2, "{public}");
        assert_eq!(names[0].1, "4.5", "欧阳小芳 first: {public}");
        assert!(!public.to_string().contains("欧阳小芳") && !public.to_string().contains("张三明"), "masked: {public}");
        let page = h.get("/volunteers/ranking?year=2026").text();
        assert!(page.contains(names[0].0) && !page.contains("张三明"), "the page is masked too");
        let office = h.request("GET", "/api/volunteers/desk/ranking?year=2026", b"", &clerk()).json();
        assert_eq!(office["ranking"][0]["name"], "欧阳小芳");
        assert_eq!(h.request("GET", "/api/volunteers/desk/ranking?year=2026", b"", &lead()).status, 403, "full names at the office only");
        refused(&h.get("/api/volunteers/ranking?year=20x6"), 422, "year_invalid");
        // The certificate: issued at the office; the print page has the code and a QR code.
        refused(&h.post_json("/api/volunteers/certificates", &json!({"phone": "13700002222", "year": 2026}), &clerk()), 404, "volunteer_not_found");
        refused(&h.post_json("/api/volunteers/certificates", &json!({"phone": "13900001111", "year": 2025}), &clerk()), 409, "no_hours");
        assert_eq!(h.post_json("/api/volunteers/certificates", &json!({"phone": "13900001111", "year": 2026}), &lead()).status, 403);
        let r = h.post_json("/api/volunteers/certificates", &json!({"phone": "139 0000 1111", "year": 2026}), &clerk());
        assert_eq!(r.status, 201, "{}", r.text());
        let c = r.json();
        let code = c["code"].as_str().unwrap().to_owned();
        assert_eq!((code.len(), c["hours"].as_str(), c["shifts"].as_i64()), (10, Some("4.5"), Some(2)), "{c}");
        let print = h.request("GET", &format!("/volunteers/certificate/{code}"), b"", &clerk());
        assert_eq!(print.status, 200);
        let html = print.text();
        assert!(html.contains("志愿服务时长证明") && html.contains("欧阳小芳") && html.contains("4.5 小时") && html.contains(&code), "{html}");
        assert!(html.contains("<svg") && html.contains("@media print"), "a QR code and print CSS");
        assert_eq!(h.request("GET", &format!("/volunteers/certificate/{code}"), b"", &anyone()).status, 401, "the full certificate is the office's");
        // Anyone checks the code (typed in lower case with a space): the name masked.
        let v = h.get(&format!("/api/volunteers/verify/{}", code.to_lowercase())).json();
        assert_eq!((v["valid"].as_bool(), v["hours"].as_str(), v["year"].as_i64()), (Some(true), Some("4.5"), Some(2026)), "{v}");
        assert!(!v.to_string().contains("欧阳小芳") && v["name"].as_str().unwrap().starts_with('欧'), "masked: {v}");
        let page = h.get(&format!("/volunteers/verify/{code}")).text();
        assert!(page.contains("证明有效") && !page.contains("欧阳小芳"), "{page}");
        refused(&h.get("/api/volunteers/verify/NOSUCHCODE"), 404, "certificate_not_found");
        assert!(h.get("/volunteers/verify/NOSUCHCODE").text().contains("没有这个验证码"));
    }

    /// Bad input: a 4xx naming the field, nothing kept; the settings form
    /// names each bad field.
    #[test]
    fn bad_input_is_refused_naming_the_field_with_nothing_changed() {
        let h = harness();
        h.set_time(at(MAR04, 9, 0));
        let good = json!({"position": "guide", "day": "2026-03-05", "start": "09:00", "end": "12:00", "place": "大厅", "places": 3});
        let with = |k: &str, v: Value| {
            let mut b = good.clone();
            b[k] = v;
            b
        };
        for (body, code, field) in [
            (with("position", json!("dance")), "position_unknown", "position"),
            (with("day", json!("2026-02-30")), "day_invalid", "day"),
            (with("end", json!("08:00")), "time_order", "end"),
            (with("start", json!("9:00")), "time_invalid", "start"),
            (with("places", json!(0)), "places_invalid", "places"),
            (with("place", json!("大".repeat(100_000))), "text_too_long", "place"),
            (with("place", json!("大\u{0008}厅")), "text_control_characters", "place"),
            (with("day", json!("2026-03-01")), "day_past", "day"),
        ] {
            let r = h.post_json("/api/volunteers/shifts", &body, &clerk());
            assert!(r.status == 422, "{}", r.text());
            assert_eq!((r.json()["error"]["code"].as_str(), r.json()["error"]["field"].as_str()), (Some(code), Some(field)), "{}", r.text());
        }
        assert_eq!(h.post_json("/api/volunteers/shifts", &good, &lead()).status, 403, "a guide does not enter shifts");
        assert_eq!(h.request("GET", "/api/volunteers/shifts", b"", &anyone()).json()["shifts"].as_array().unwrap().len(), 0, "nothing kept");
        let id = shift(&h, "guide", "2026-03-05", "09:00", "12:00", 3);
        for (body, code, field) in [
            (json!({"shift": id, "phone": "abc", "name": "张三"}), "phone_invalid", "phone"),
            (json!({"shift": id, "phone": "13800138000", "name": "张\u{202E}三"}), "text_control_characters", "name"),
            (json!({"shift": id, "phone": "13800138000", "name": "张".repeat(100_000)}), "text_too_long", "name"),
            (json!({"shift": 999, "phone": "13800138000", "name": "张三"}), "shift_unknown", "shift"),
        ] {
            let r = h.post_json("/api/volunteers/signups", &body, &anyone());
            assert!(r.status >= 400 && r.status < 500, "{}", r.text());
            assert_eq!((r.json()["error"]["code"].as_str(), r.json()["error"]["field"].as_str()), (Some(code), Some(field)), "{}", r.text());
        }
        assert_eq!(h.post_json("/api/volunteers/signups", &json!({"shift": id, "phone": "13800138000", "name": "张三", "x": 1}), &anyone()).json()["error"]["code"], "field_unknown");
        assert_eq!(taken(&h, id), 0, "nothing kept");
        let admin = Caller::staff(&["admin"]);
        let r = h.post_json("/api/volunteers/config", &json!({"issuer": "", "public_url": "ftp://x", "positions": []}), &admin);
        let v = refused(&r, 422, "config_invalid");
        let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
        assert_eq!(fields, ["positions", "issuer", "public_url"], "{v}");
        assert_eq!(h.request("GET", "/api/volunteers/config", b"", &admin).json()["effective"]["positions"].as_array().unwrap().len(), 3, "nothing kept");
        assert_eq!(h.post_json("/api/volunteers/config", &json!({"public_url": "https://hall.example"}), &admin).status, 200);
    }

    /// The pages in both languages.
    #[test]
    fn pages_render_in_both_languages() {
        let h = harness();
        h.set_time(at(MAR04, 9, 0));
        shift(&h, "guide", "2026-03-05", "09:00", "12:00", 3);
        for (path, who, zh) in [
            ("/volunteers", anyone(), "志愿者服务报名"),
            ("/volunteers/ranking", anyone(), "志愿服务时长排行"),
            ("/volunteers/verify", anyone(), "志愿服务时长证明验证"),
            ("/volunteers/desk", clerk(), "开具志愿服务时长证明"),
            ("/volunteers/admin", Caller::staff(&["admin"]), "志愿者设置"),
        ] {
            let r = h.request("GET", path, b"", &who);
            assert_eq!(r.status, 200, "{path}: {}", r.text());
            assert!(r.text().contains(zh), "{path}");
            assert!(!r.text().contains("<script>"), "no inline script: {path}");
        }
        let desk = h.request("GET", "/volunteers/desk", b"", &lead()).text();
        assert!(!desk.contains("id=\"vo-cert\""), "a lead without the office role gets no certificate form");
        let en = h.request("GET", "/volunteers", b"", &Caller::anonymous("en")).text();
        assert!(en.contains("Volunteer sign-up") && !en.contains("志愿者"), "the English page has no Chinese words");
        assert_eq!(h.request("GET", "/volunteers/desk", b"", &anyone()).status, 401);
        assert_eq!(h.request("GET", "/volunteers/desk", b"", &Caller::staff(&["editor"])).status, 403);
    }
}

#[test]
fn the_harness_tests_pass_on_postgres() {
    let Some(pg) = postgres() else { return };
    let exe = std::env::current_exe().expect("this test binary");
    let out = std::process::Command::new(exe)
        .args(["harness::", "--test-threads", "1"])
        .env("LINLI_TEST_POSTGRES", pg.url())
        .output()
        .expect("run the volunteers harness tests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passed = stdout.lines().filter(|l| l.starts_with("test harness::") && l.ends_with(" ok")).count();
    assert!(out.status.success(), "the volunteers tests on PostgreSQL failed:\n{stdout}\n{}\nPostgreSQL's log:\n{}", String::from_utf8_lossy(&out.stderr), pg.log());
    assert!(passed >= 5, "only {passed} volunteers tests ran on PostgreSQL:\n{stdout}");
    let mut c = pg.client().expect("client");
    let n: i64 = c.query_one("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'h\\_%\\_\\_volunteers'", &[]).expect("schemas").get(0);
    assert!(n >= 5, "{n} volunteers schemas in PostgreSQL");
}

fn post(s: &TestServer, who: Option<&Staff>, path: &str, body: &Value) -> (u16, Value) {
    let mut r = ureq::post(&format!("{}{path}", s.url));
    if let Some(st) = who {
        r = r.set("Cookie", &st.cookie).set("X-CSRF-Token", &st.csrf);
    }
    http_json(r, body)
}

/// Over HTTP on the real sandbox: roles (a resident and the wrong role
/// refused; the lead records), the same sign-up sent eight times at once
/// is one sign-up, a full shift refused.
#[test]
fn roles_and_a_shift_signed_twice_over_http() {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_VOLUNTEERS], "", None, clock.clone());
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    let editor = sign_in(&s, "ed", &["editor"]);
    let body = json!({"position": "elderly", "day": "2026-03-05", "start": "09:00", "end": "11:00", "place": "敬老院", "places": 1});
    assert_eq!(post(&s, None, "/api/volunteers/shifts", &body).0, 401);
    assert_eq!(post(&s, Some(&editor), "/api/volunteers/shifts", &body).0, 403);
    let (code, v) = post(&s, Some(&clerk), "/api/volunteers/shifts", &body);
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let same = json!({"shift": id, "phone": "13800138000", "name": "张三明"});
    let answers: Vec<(u16, Value)> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..8).map(|_| sc.spawn(|| post(&s, None, "/api/volunteers/signups", &same))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers.iter().filter(|(c, _)| *c == 201).count(), 1, "{answers:?}");
    assert!(answers.iter().filter(|(c, _)| *c != 201).all(|(c, v)| *c == 409 && v["error"]["code"] == "already_signed_up"), "{answers:?}");
    let (code, v) = post(&s, None, "/api/volunteers/signups", &json!({"shift": id, "phone": "13900001111", "name": "李四"}));
    assert_eq!((code, v["error"]["code"].as_str()), (409, Some("shift_full")), "{v}");
    // After the shift a supervisor records the hours (the clerk, its lead,
    // could too; the clerk's session has timed out by the next day).
    clock.0.store(at(MAR04 + DAY, 11, 30), Ordering::SeqCst);
    let sup = sign_in(&s, "sup", &["supervisor"]);
    assert_eq!(s.get_json(&format!("/api/volunteers/shifts/{id}/roster")).0, 401);
    let (code, r) = linli_tests::http(ureq::get(&format!("{}/api/volunteers/shifts/{id}/roster", s.url)).set("Cookie", &sup.cookie));
    assert_eq!(code, 200, "{r}");
    let r: Value = serde_json::from_str(&r).expect("json");
    let signup = r["volunteers"][0]["signup"].as_i64().unwrap();
    let (code, v) = post(&s, Some(&sup), &format!("/api/volunteers/shifts/{id}/hours"), &json!({"entries": [{"signup": signup, "attended": true, "minutes": 120}]}));
    assert_eq!(code, 200, "{v}");
    let (_, rank) = s.get_json("/api/volunteers/ranking?year=2026");
    assert_eq!((rank["ranking"][0]["name"].as_str(), rank["ranking"][0]["hours"].as_str()), (Some("张**"), Some("2.0")), "{rank}");
}

/// The main pages in Chromium: sign-up on the public page, the lead's
/// hours on the desk, the certificate's print page, the ranking and the
/// public check. Screenshots for the README.
#[test]
fn pages_in_chromium_sign_up_hours_certificate_and_ranking() {
    let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_VOLUNTEERS], "", None, clock.clone());
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    let mut ids = Vec::new();
    for (pos, day, start, end, place, places) in [
        ("guide", "2026-03-05", "09:00", "12:00", "大厅一楼导办台", 2),
        ("elderly", "2026-03-05", "14:00", "16:00", "幸福里敬老院", 4),
        ("environment", "2026-03-07", "08:30", "10:30", "社区公园", 10),
    ] {
        let (code, v) = post(&s, Some(&clerk), "/api/volunteers/shifts", &json!({"position": pos, "day": day, "start": start, "end": end, "place": place, "places": places}));
        assert_eq!(code, 201, "{v}");
        ids.push(v["id"].as_i64().unwrap());
    }
    for (p, n) in [("13900001111", "欧阳小芳"), ("13700002222", "王五")] {
        assert_eq!(post(&s, None, "/api/volunteers/signups", &json!({"shift": ids[0], "phone": p, "name": n})).0, 201);
    }
    b.resize(1280, 1300);
    b.open(&format!("{}/volunteers?lang=zh-CN", s.url));
    b.until("the shifts", "document.querySelector('#vo-shifts .vo-shift button')");
    b.js("document.getElementById('vo-phone').value = '138 0013 8000'; document.getElementById('vo-name').value = '张三明'; return 1;");
    b.js("Array.from(document.querySelectorAll('#vo-shifts .vo-shift')).find(function (c) { return c.textContent.includes('幸福里敬老院'); }).querySelector('button').click(); return 1;");
    b.until("the volunteer code", "document.getElementById('vo-code') && document.getElementById('vo-code').textContent.length === 6");
    b.js("Array.from(document.querySelectorAll('#vo-shifts .vo-shift')).find(function (c) { return c.textContent.includes('幸福里敬老院'); }).querySelector('button').click(); return 1;");
    b.until("refused twice", "document.getElementById('vo-err').textContent.includes('同一班次不能重复报名')");
    b.js("window.scrollTo(0, 0); return 1;");
    snap(&b, "volunteers-signup");
    // The desk after the morning shift: a supervisor records the hours.
    clock.0.store(at(MAR04 + DAY, 12, 10), Ordering::SeqCst);
    let sup = sign_in(&s, "sup", &["supervisor"]);
    let (name, value) = sup.cookie.split_once('=').unwrap();
    b.call("POST", "/cookie", Some(json!({"cookie": {"name": name, "value": value, "path": "/", "httpOnly": true}})));
    b.open(&format!("{}/volunteers/desk?lang=zh-CN", s.url));
    b.until("the shifts", &format!("document.querySelector('button[data-shift=\"{}\"]')", ids[0]));
    b.click(&format!("button[data-shift=\"{}\"]", ids[0]));
    b.until("the roster", "document.querySelectorAll('#vo-roster tr').length === 2");
    b.js("var m = document.querySelectorAll('#vo-roster .vo-min'); m[1].value = '150'; return 1;");
    b.click("#vo-save");
    b.until("saved", "document.getElementById('vo-timeline').children.length === 2");
    b.js("var m = document.querySelectorAll('#vo-roster .vo-min'); m[1].value = '165'; return 1;");
    b.click("#vo-save");
    b.until("a reason asked for", "document.getElementById('vo-rerr').textContent.includes('更正原因')");
    b.js("document.getElementById('vo-reason').value = '王五提前到岗'; return 1;");
    b.click("#vo-save");
    b.until("corrected on the timeline", "document.getElementById('vo-timeline').textContent.includes('王五提前到岗')");
    snap(&b, "volunteers-desk");
    // The certificate.
    b.js("document.getElementById('vo-cphone').value = '13900001111'; return 1;");
    b.click("#vo-cert button[type=submit]");
    let code = b.until("the certificate", "document.getElementById('vo-ccode') && document.getElementById('vo-ccode').textContent");
    let code = code.as_str().unwrap().to_owned();
    b.open(&format!("{}/volunteers/certificate/{code}?lang=zh-CN", s.url));
    b.until("the print page", "document.getElementById('vo-cert-body')");
    assert!(b.js("return document.getElementById('vo-cert-body').textContent;").as_str().unwrap().contains("欧阳小芳"));
    snap(&b, "volunteers-certificate");
    // Anyone: the ranking and the check, names masked.
    b.call("DELETE", "/cookie", None);
    b.open(&format!("{}/volunteers/ranking?year=2026&lang=zh-CN", s.url));
    b.until("the ranking", "document.querySelector('#vo-ranking tbody tr')");
    assert!(!b.js("return document.body.textContent;").as_str().unwrap().contains("欧阳小芳"), "masked");
    snap(&b, "volunteers-ranking");
    b.open(&format!("{}/volunteers/verify?lang=zh-CN", s.url));
    b.js(&format!("document.getElementById('vo-vcode').value = '{}'; document.querySelector('form').submit(); return 1;", code.to_lowercase()));
    b.until("checked", "document.getElementById('vo-verdict')");
    let text = b.js("return document.body.textContent;");
    assert!(text.as_str().unwrap().contains("证明有效") && !text.as_str().unwrap().contains("欧阳小芳"), "{text}");
    snap(&b, "volunteers-verify");
    // The settings form: a bad value named beside its field, a good one saved.
    let admin = sign_in(&s, "admin", &["admin"]);
    let (name, value) = admin.cookie.split_once('=').unwrap();
    b.call("POST", "/cookie", Some(json!({"cookie": {"name": name, "value": value, "path": "/", "httpOnly": true}})));
    b.open(&format!("{}/volunteers/admin?lang=zh-CN", s.url));
    b.until("the form", "document.querySelector('[data-path=\"public_url\"] > input')");
    b.js("document.querySelector('[data-path=\"public_url\"] > input').value = 'hall.example'; return 1;");
    b.click("#linli-settings-save");
    b.until("the field named", "document.querySelector('[data-path=\"public_url\"] > .ls-err').textContent.includes('http')");
    b.js("document.querySelector('[data-path=\"public_url\"] > input').value = 'https://hall.example'; return 1;");
    b.click("#linli-settings-save");
    b.until("saved", "document.getElementById('linli-settings-status').textContent.includes('已保存')");
    b.open(&format!("{}/volunteers/certificate/{code}?lang=zh-CN", s.url));
    b.until("the print page", "document.getElementById('vo-cert-body')");
    assert!(b.js("return document.body.textContent;").as_str().unwrap().contains("https://hall.example/volunteers/verify/"), "the QR code's address");
}

fn snap(b: &linli_tests::browser::Browser, name: &str) {
    if let Ok(dir) = std::env::var("LINLI_SCREENSHOTS") {
        let v = b.call("GET", "/screenshot", None);
        std::fs::write(format!("{dir}/{name}.png.b64"), v["value"].as_str().unwrap_or("")).expect("writing a screenshot");
    }
}
