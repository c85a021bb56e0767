//! Issue 16, item 3 and the complaint parts of item 5: the `feedback`
//! plugin (意见箱). Residents send a suggestion, complaint or praise,
//! anonymous or named, with an optional photo, and follow it by a tracking
//! code; staff assign, take in hand and reply within a deadline in working
//! days from the day it was sent (across a weekend, the Spring Festival
//! holiday and its make-up Saturdays, on a controllable clock); the
//! resident accepts or reopens once; a reply is published with personal
//! details masked after a staff member confirms. Bad input is a clear 4xx
//! in both languages with nothing changed. The harness tests run again
//! with the plugin's SQL in PostgreSQL; the main flow runs on a real host
//! over HTTP. The console's benchmark over 100,000 records is an ignored
//! test that prints its figures.

use linli_host::auth::{Caller, CallerKind};
use linli_host::runtime::capabilities::ManualClock;
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
/// holiday (02-15 … 02-23); Saturdays 02-14 and 02-28 are make-up working days.
const FEB13: i64 = DAY1 + 43 * DAY;
/// Thursday 2026-03-05.
const MAR05: i64 = DAY1 + 63 * DAY;
/// A 1×1 PNG's first bytes (the type is read from them).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89 a tiny picture";

fn at(day: i64, hh: i64, mm: i64) -> i64 {
    day + hh * HOUR + mm * MINUTE
}

fn anyone() -> Caller {
    Caller::anonymous("zh-CN")
}

fn staff(id: &str, name: &str, roles: &[&str]) -> Caller {
    Caller { kind: CallerKind::Staff, id: Some(id.into()), name: Some(name.into()), roles: roles.iter().map(|r| r.to_string()).collect(), window: None, lang: "zh-CN".into() }
}

fn supervisor() -> Caller {
    staff("1", "李主管", &["supervisor"])
}

fn clerk() -> Caller {
    staff("7", "王五", &["clerk"])
}

/// A 4xx with a code and a message in both languages (English without
/// Chinese characters).
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

fn harness() -> PluginHarness {
    PluginHarness::load(fixtures::PLUGIN_FEEDBACK).expect("feedback loads")
}

fn send(h: &PluginHarness, body: Value) -> TestResponse {
    h.post_json("/api/feedback", &body, &anyone())
}

/// An anonymous complaint; its id and tracking code.
fn complain(h: &PluginHarness, text: &str) -> (i64, String) {
    let r = send(h, json!({"kind": "complaint", "category": "attitude", "text": text, "anonymous": true}));
    assert_eq!(r.status, 201, "{}", r.text());
    (r.json()["id"].as_i64().unwrap(), r.json()["code"].as_str().unwrap().to_owned())
}

fn track(h: &PluginHarness, code: &str) -> TestResponse {
    h.post_json("/api/feedback/track", &json!({"code": code}), &anyone())
}

fn act(h: &PluginHarness, id: i64, action: &str, body: Value, who: &Caller) -> TestResponse {
    h.post_json(&format!("/api/feedback/cases/{id}/{action}"), &body, who)
}

fn list(h: &PluginHarness, query: &str) -> Value {
    let r = h.request("GET", &format!("/api/feedback/cases?{query}"), b"", &supervisor());
    assert_eq!(r.status, 200, "{query}: {}", r.text());
    r.json()
}

fn ids(v: &Value) -> Vec<i64> {
    v["cases"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

/// Every case's status, as the console counts them (either backend).
fn counts(h: &PluginHarness) -> Value {
    list(h, "counts=1&limit=1")["counts"].clone()
}

mod harness {
    use super::*;

    /// Issue 16: "a complaint sent anonymously is replied to and reopened
    /// once, followed by tracking code", in the sandbox.
    #[test]
    fn anonymous_complaint_is_replied_reopened_once_and_accepted_by_its_code() {
        let h = harness();
        h.set_time(at(MAR05, 10, 0));
        let (id, code) = complain(&h, "三号窗口工作人员态度生硬。");
        // Easy to read aloud: two groups of five, never 0, O, 1 or I.
        assert_eq!(code.len(), 11, "{code}");
        assert_eq!(&code[5..6], "-");
        assert!(code.chars().filter(|c| *c != '-').all(|c| c.is_ascii_alphanumeric() && !"01OI".contains(c) && !c.is_ascii_lowercase()), "{code}");
        // Typed in lower case, with spaces instead of the dash: the same case.
        let typed = code.to_lowercase().replace('-', " ");
        let v = track(&h, &typed).json();
        assert_eq!((v["status"].as_str(), v["due_day"].as_str(), v["can_reopen"].as_bool()), (Some("received"), Some("2026-03-12"), Some(false)), "{v}");
        assert!(v.get("name").is_none() && v.get("phone").is_none());
        // Assigned to the clerk, who takes it in hand and replies.
        let r = act(&h, id, "assign", json!({"staff_id": "7", "staff_name": "王五"}), &supervisor());
        assert_eq!((r.status, r.json()["status"].as_str()), (200, Some("assigned")), "{}", r.text());
        // Another clerk cannot answer it.
        refused(&act(&h, id, "reply", json!({"text": "x"}), &staff("8", "赵六", &["clerk"])), 403, "not_assignee");
        assert_eq!(act(&h, id, "start", json!({}), &clerk()).json()["status"], "in_hand");
        let r = act(&h, id, "reply", json!({"text": "已核实并对该工作人员进行了批评教育。"}), &clerk());
        assert_eq!((r.status, r.json()["status"].as_str()), (200, Some("replied")), "{}", r.text());
        let v = track(&h, &code).json();
        assert_eq!((v["reply"].as_str(), v["can_accept"].as_bool(), v["can_reopen"].as_bool()), (Some("已核实并对该工作人员进行了批评教育。"), Some(true), Some(true)), "{v}");
        // Not satisfied: reopened once, with a new deadline from today.
        h.set_time(at(MAR05 + DAY, 9, 0));
        refused(&h.post_json("/api/feedback/track/reopen", &json!({"code": code, "reason": "  "}), &anyone()), 422, "field_empty");
        let r = h.post_json("/api/feedback/track/reopen", &json!({"code": code, "reason": "没有说明以后如何改进。"}), &anyone());
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        assert_eq!((v["status"].as_str(), v["reopened"].as_bool(), v["due_day"].as_str(), v["can_reopen"].as_bool()), (Some("in_hand"), Some(true), Some("2026-03-13"), Some(false)), "{v}");
        let staff_view = h.request("GET", &format!("/api/feedback/cases/{id}"), b"", &clerk()).json();
        assert_eq!(staff_view["reopen_reason"], "没有说明以后如何改进。");
        assert_eq!(staff_view["assignee"], "7", "back to the member who answered");
        assert!(h.outbox().iter().any(|m| m.message.template == "feedback-reopened" && m.message.recipient.contains('7')), "the clerk is told");
        let r = act(&h, id, "reply", json!({"text": "已制定文明服务整改措施，每周检查。"}), &clerk());
        assert_eq!(r.status, 200, "{}", r.text());
        // Reopening twice is refused and changes nothing.
        let v = refused(&h.post_json("/api/feedback/track/reopen", &json!({"code": code, "reason": "还是不满意"}), &anyone()), 409, "reopen_used");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("只能重新办理一次"), "{v}");
        assert_eq!(track(&h, &code).json()["status"], "replied");
        // Accepted: closed.
        let r = h.post_json("/api/feedback/track/accept", &json!({"code": code}), &anyone());
        assert_eq!((r.status, r.json()["status"].as_str(), r.json()["accepted"].as_bool()), (200, Some("closed"), Some(true)), "{}", r.text());
        let steps: Vec<String> = track(&h, &code).json()["steps"].as_array().unwrap().iter().map(|s| s["action"].as_str().unwrap().to_owned()).collect();
        assert_eq!(steps, ["received", "assigned", "in_hand", "replied", "reopened", "replied", "accepted"]);
        // A reply to a closed case, or closing it again: refused, nothing changed.
        let v = refused(&act(&h, id, "reply", json!({"text": "补充答复"}), &supervisor()), 409, "case_closed");
        assert!(v["error"]["message_en"].as_str().unwrap().contains("closed"), "{v}");
        refused(&act(&h, id, "close", json!({}), &supervisor()), 409, "case_closed");
        refused(&act(&h, id, "assign", json!({"staff_id": "8"}), &supervisor()), 409, "case_closed");
        refused(&h.post_json("/api/feedback/track/accept", &json!({"code": code}), &anyone()), 409, "case_closed");
        let v = track(&h, &code).json();
        assert_eq!((v["status"].as_str(), v["reply"].as_str()), (Some("closed"), Some("已制定文明服务整改措施，每周检查。")), "{v}");
        assert_eq!(counts(&h), json!({"closed": 1, "overdue": 0}), "the console's counts follow each change");
        let topics: Vec<String> = h.events().iter().map(|e| e.topic.clone()).collect();
        assert!(["feedback.received", "feedback.assigned", "feedback.replied", "feedback.reopened", "feedback.closed"].iter().all(|t| topics.iter().any(|x| x == t)), "{topics:?}");
        // An anonymous case has nobody's phone: no message went to a phone.
        assert!(!h.outbox().iter().any(|m| m.message.template.starts_with("feedback-re") && m.message.recipient.starts_with("phone")), "{:?}", h.outbox());
    }

    /// Deadlines in working days from the day it was sent: the Spring
    /// Festival holiday skipped, its make-up Saturdays counted, a plain
    /// weekend skipped; overdue from the end of the due day (the clock
    /// moved by the test), raised once.
    #[test]
    fn deadlines_count_working_days_across_weekend_and_holiday() {
        let h = harness();
        h.set_time(at(FEB13, 16, 30));
        let (c1, _) = complain(&h, "节前最后一天投诉。");
        let r = send(&h, json!({"kind": "suggestion", "category": "facilities", "text": "建议增加座椅。", "anonymous": true}));
        assert_eq!(r.status, 201, "{}", r.text());
        let s1 = r.json()["id"].as_i64().unwrap();
        assert_eq!(r.json()["due_day"], "2026-03-05", "10 working days: 02-14 and 02-28 count, the holiday does not");
        let view = |id: i64| h.request("GET", &format!("/api/feedback/cases/{id}"), b"", &supervisor()).json();
        assert_eq!(view(c1)["due_day"], "2026-02-27", "5 working days: Sat 02-14, then 02-24 … 02-27");
        // Sent on a holiday: the clock starts that day; the first working day counts as one.
        h.set_time(at(FEB13 + 2 * DAY, 11, 0));
        let (c2, _) = complain(&h, "春节期间投诉。");
        assert_eq!(view(c2)["due_day"], "2026-02-28");
        // A plain weekend.
        h.set_time(at(MAR05, 9, 0));
        let (c3, _) = complain(&h, "周四投诉。");
        assert_eq!(view(c3)["due_day"], "2026-03-12", "Fri, then Mon to Thu");
        // Overdue only once the due day is over.
        h.set_time(at(FEB13 + 14 * DAY, 23, 59));
        assert_eq!(view(c1)["overdue"], false);
        assert!(ids(&list(&h, "overdue=1")).is_empty());
        h.tick().unwrap();
        assert!(!h.events().iter().any(|e| e.topic == "feedback.overdue"));
        h.set_time(at(FEB13 + 15 * DAY, 0, 1));
        assert_eq!(view(c1)["overdue"], true);
        assert_eq!(ids(&list(&h, "overdue=1")), [c1]);
        assert_eq!(counts(&h)["overdue"], 1);
        act(&h, c1, "assign", json!({"staff_id": "7", "staff_name": "王五"}), &supervisor());
        h.tick().unwrap();
        h.tick().unwrap();
        let late: Vec<Value> = h.events().iter().filter(|e| e.topic == "feedback.overdue").map(|e| serde_json::from_str(&e.payload).unwrap()).collect();
        assert_eq!(late, [json!({"id": c1, "due_day": "2026-02-27"})], "raised once");
        assert!(h.outbox().iter().any(|m| m.message.template == "feedback-overdue"), "the assignee is told");
        // The console page marks it.
        let page = h.request("GET", "/feedback/console?overdue=1", b"", &supervisor()).text();
        assert!(page.contains("超期") && page.contains(&format!("/feedback/console/{c1}")), "{page}");
        // Replied late: no longer waiting, so no longer overdue.
        act(&h, c1, "reply", json!({"text": "抱歉答复晚了。"}), &clerk());
        assert!(ids(&list(&h, "overdue=1")).is_empty());
        assert_eq!(view(s1)["overdue"], false);
        // A reply nobody answers closes after 10 working days.
        // Replied on Saturday 02-28 (a make-up working day): the tenth
        // working day after it is Friday 03-13.
        h.set_time(at(MAR05 + 8 * DAY, 23, 0));
        h.tick().unwrap();
        assert_eq!(view(c1)["status"], "replied", "03-13 is the tenth working day after the reply");
        h.set_time(at(MAR05 + 9 * DAY, 0, 30));
        h.tick().unwrap();
        assert_eq!(view(c1)["status"], "closed");
        assert_eq!(view(c1)["steps"].as_array().unwrap().last().unwrap()["action"], "auto_closed");
    }

    /// A named resident with a phone gets a message when the case is
    /// received and when it is answered; staff see the phone masked.
    #[test]
    fn a_named_resident_is_told_by_text_message_and_the_phone_is_masked() {
        let h = harness();
        h.set_time(at(MAR05, 10, 0));
        let r = send(&h, json!({"kind": "praise", "category": "efficiency", "text": "窗口办事很快，谢谢！", "anonymous": false, "name": "张三明", "phone": "+86 138-0013-8000"}));
        assert_eq!(r.status, 201, "{}", r.text());
        let (id, code) = (r.json()["id"].as_i64().unwrap(), r.json()["code"].as_str().unwrap().to_owned());
        let sent = h.outbox();
        assert!(sent.iter().any(|m| m.message.template == "feedback-received" && m.message.recipient.ends_with("13800138000") && m.message.params.iter().any(|(_, v)| *v == code)), "{sent:?}");
        let v = h.request("GET", &format!("/api/feedback/cases/{id}"), b"", &supervisor()).json();
        assert_eq!((v["name"].as_str(), v["channel"].as_str()), (Some("张三明"), Some("phone")), "{v}");
        assert!(!v.to_string().contains("13800138000") && v["phone"].as_str().unwrap().ends_with("000"), "{v}");
        let row = &list(&h, "")["cases"][0];
        assert_eq!(row["name"], "张**", "masked in the list: {row}");
        act(&h, id, "reply", json!({"text": "感谢您的表扬！"}), &supervisor());
        assert!(h.outbox().iter().any(|m| m.message.template == "feedback-replied" && m.message.recipient.ends_with("13800138000")));
        // From a paired kiosk, or a QR poster's page.
        let kiosk = Caller { kind: CallerKind::Device { device_kind: "kiosk".into() }, id: Some("k1".into()), name: None, roles: vec![], window: None, lang: "zh-CN".into() };
        let r = h.post_json("/api/feedback", &json!({"kind": "suggestion", "category": "other", "text": "自助机旁边放一支笔。", "anonymous": true}), &kiosk);
        let k = r.json()["id"].as_i64().unwrap();
        assert_eq!(h.request("GET", &format!("/api/feedback/cases/{k}"), b"", &supervisor()).json()["channel"], "kiosk");
        let r = send(&h, json!({"kind": "suggestion", "category": "other", "text": "海报扫码提交。", "anonymous": true, "channel": "poster"}));
        let p = r.json()["id"].as_i64().unwrap();
        assert_eq!(h.request("GET", &format!("/api/feedback/cases/{p}"), b"", &supervisor()).json()["channel"], "poster");
    }

    /// Item 4's bad input: each a clear 4xx in both languages, naming the
    /// field, with nothing stored.
    #[test]
    fn bad_input_is_refused_with_nothing_changed() {
        let h = harness();
        h.set_time(at(MAR05, 10, 0));
        // A 10 MiB photo: refused by the host while it arrives; nothing kept.
        let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
        big.resize(10 * 1024 * 1024, 0);
        let r = h.upload("/api/feedback/photo", "photo.jpg", &big, &anyone());
        assert_eq!(r.status, 413, "{}", r.text());
        assert!(r.text().contains("feedback"), "names the plugin: {}", r.text());
        // A page with script, named like a picture: refused by its bytes.
        let r = h.upload("/api/feedback/photo", "photo.png", b"<html><script>alert(1)</script></html>", &anyone());
        assert_eq!(r.status, 415, "{}", r.text());
        assert!(h.files().is_empty(), "{:?}", h.files());
        let ok = |body: Value| send(&h, body);
        let base = json!({"kind": "complaint", "category": "attitude", "text": "正常内容", "anonymous": true});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        let long = "投".repeat(100_000);
        let cases = [
            (with("text", json!(long)), 422, "text_too_long", "text"),
            (with("text", json!("窗口\u{0007}工作人员")), 422, "control_character", "text"),
            (with("text", json!("abc\u{202e}def")), 422, "control_character", "text"),
            (with("text", json!("   \n ")), 422, "field_empty", "text"),
            (with("kind", json!("threat")), 422, "kind_unknown", "kind"),
            (with("category", json!("nope")), 422, "category_unknown", "category"),
            (with("phone", json!("13800138000")), 422, "anonymous_with_contact", "anonymous"),
            (json!({"kind": "complaint", "category": "attitude", "text": "x", "anonymous": false, "name": "", "phone": "13800138000"}), 422, "field_empty", "name"),
            (json!({"kind": "complaint", "category": "attitude", "text": "x", "anonymous": false, "name": "张三", "phone": "12ab"}), 422, "phone_invalid", "phone"),
            (with("photo", json!("f_not_uploaded")), 422, "photo_unknown", "photo"),
        ];
        for (body, status, code, field) in cases {
            let r = ok(body);
            let v = refused(&r, status, code);
            assert_eq!(v["error"]["field"], field, "{v}");
        }
        let v = refused(&ok(with("text", json!(long))), 422, "text_too_long");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("2000") && v["error"]["message_en"].as_str().unwrap().contains("2000"), "{v}");
        assert!(v.to_string().len() < 1000, "the text is not echoed back");
        refused(&h.post_json("/api/feedback", &json!({"kind": "complaint"}), &anyone()), 422, "field_required");
        refused(&h.request("POST", "/api/feedback", b"{not json", &anyone()), 400, "body_not_json");
        assert_eq!(counts(&h), json!({"overdue": 0}), "nothing stored");
        // A picture goes in, once.
        let r = h.upload("/api/feedback/photo", "现场.png", PNG, &anyone());
        assert_eq!(r.status, 201, "{}", r.text());
        let photo = r.json()["photo"].as_str().unwrap().to_owned();
        // Script in the text is kept as typed and shown escaped to staff.
        let script = "<script>alert('x')</script><img src=x onerror=alert(1)> 大厅空调太冷";
        let r = ok(json!({"kind": "complaint", "category": "facilities", "text": script, "anonymous": true, "photo": photo}));
        assert_eq!(r.status, 201, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        assert!(h.files().iter().any(|f| f.id == photo && f.kept), "the photo is kept with the case");
        refused(&ok(with("photo", json!(photo))), 422, "photo_unknown");
        for path in ["/feedback/console".to_owned(), format!("/feedback/console/{id}")] {
            let page = h.request("GET", &path, b"", &supervisor()).text();
            assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"), "{path} shows it escaped: {page}");
            assert!(!page.contains("<script>alert") && !page.contains("<img src=x"), "{path}");
        }
        let r = h.request("GET", &format!("/api/feedback/cases/{id}/photo"), b"", &supervisor());
        assert_eq!(r.headers.iter().find(|(k, _)| k == "x-linli-serve-file").map(|(_, v)| v.as_str()), Some(photo.as_str()));
        // Wrong tracking codes, many times: one answer, naming nothing.
        let mut answers = std::collections::BTreeSet::new();
        for guess in ["ABCDE-FGHJK", "abcde fghjk", "0000000000", "短码", "", "AAAAAAAAAAAAAAAAAAAAA", "2345678923"] {
            let r = track(&h, guess);
            refused(&r, 404, "code_not_found");
            answers.insert(r.text());
        }
        for i in 0..100 {
            answers.insert(track(&h, &format!("{:010}", i).replace('0', "Z").replace('1', "Y")).text());
        }
        assert_eq!(answers.len(), 1, "{answers:?}");
        // Staff input: a reply with control characters or 100,000 characters.
        refused(&act(&h, id, "reply", json!({"text": "好\u{0000}的"}), &supervisor()), 422, "control_character");
        refused(&act(&h, id, "reply", json!({"text": long}), &supervisor()), 422, "text_too_long");
        refused(&act(&h, 999_999, "reply", json!({"text": "好"}), &supervisor()), 404, "case_not_found");
        refused(&h.request("GET", "/api/feedback/cases?status=lost", b"", &supervisor()), 422, "filter_invalid");
        refused(&h.request("GET", "/api/feedback/cases?from=2026-13-01", b"", &supervisor()), 422, "filter_invalid");
        refused(&h.request("GET", "/api/feedback/cases?q=a%07b", b"", &supervisor()), 422, "control_character");
        let c = counts(&h);
        assert_eq!((c["received"].as_i64(), c.get("replied")), (Some(1), None), "{c}");
        assert_eq!(h.request("GET", "/api/feedback/cases", b"", &anyone()).status, 401, "the console is for staff");
        assert_eq!(h.request("POST", &format!("/api/feedback/cases/{id}/assign"), b"{}", &clerk()).status, 403, "assigning is for supervisors");
    }

    /// The console: each filter, words, a date range, "mine", and keyset
    /// paging that visits every case once.
    #[test]
    fn console_filters_and_pages_without_repeats() {
        let h = harness();
        let kinds = ["complaint", "suggestion", "praise"];
        let cats = ["attitude", "efficiency", "facilities"];
        let mut all = vec![];
        for i in 0..24i64 {
            h.set_time(at(MAR05 + (i / 6) * DAY, 9, i));
            let text = if i == 5 { "空调温度太低，冻得发抖".to_owned() } else { format!("第{i}条意见") };
            let r = send(&h, json!({"kind": kinds[(i % 3) as usize], "category": cats[(i % 4 % 3) as usize], "text": text, "anonymous": true}));
            assert_eq!(r.status, 201, "{}", r.text());
            all.push((r.json()["id"].as_i64().unwrap(), r.json()["code"].as_str().unwrap().to_owned()));
        }
        let newest_first: Vec<i64> = all.iter().rev().map(|(id, _)| *id).collect();
        // Paging by 7: every case once, newest first.
        let mut seen = vec![];
        let mut q = "limit=7".to_owned();
        loop {
            let v = list(&h, &q);
            seen.extend(ids(&v));
            match v["next"].as_i64() {
                Some(n) => q = format!("limit=7&after={n}"),
                None => break,
            }
        }
        assert_eq!(seen, newest_first);
        assert_eq!(ids(&list(&h, "kind=praise")).len(), 8);
        assert!(list(&h, "kind=praise&category=efficiency")["cases"].as_array().unwrap().iter().all(|c| c["kind"] == "praise" && c["category"] == "efficiency"));
        assert_eq!(ids(&list(&h, "q=空调  冻得")), [all[5].0], "words");
        assert_eq!(ids(&list(&h, &format!("q={}", all[9].1.to_lowercase()))), [all[9].0], "a tracking code");
        assert_eq!(ids(&list(&h, "q=%25")).len(), 0, "a % is a character, not a wildcard");
        assert_eq!(ids(&list(&h, "from=2026-03-06&to=2026-03-07")), newest_first[6..18].to_vec(), "two days");
        assert!(ids(&list(&h, "from=2026-04-01")).is_empty());
        assert!(ids(&list(&h, "to=2026-03-01")).is_empty());
        act(&h, all[2].0, "assign", json!({"staff_id": "7", "staff_name": "王五"}), &supervisor());
        act(&h, all[3].0, "assign", json!({"staff_id": "8", "staff_name": "赵六"}), &supervisor());
        let mine = h.request("GET", "/api/feedback/cases?mine=1", b"", &clerk()).json();
        assert_eq!(ids(&mine), [all[2].0]);
        assert_eq!(ids(&list(&h, "status=assigned")), [all[3].0, all[2].0]);
        assert_eq!(ids(&list(&h, "status=open")).len(), 24);
        let page = h.request("GET", "/feedback/console?kind=praise&limit=3", b"", &clerk()).text();
        assert!(page.contains("下一页") && page.contains("kind=praise&amp;after="), "the next page keeps the filters: {page}");
    }

    /// A reply published with the resident's phone, ID number and name
    /// masked, only once a staff member confirms, and never with a
    /// personal detail put back by an edit.
    #[test]
    fn public_replies_mask_personal_details_after_a_staff_member_confirms() {
        let h = harness();
        h.set_time(at(MAR05, 10, 0));
        let text = "我是张三明，电话 139-1234-5678，身份证 11010519491231002X，办低保被要求跑了三次。";
        let r = send(&h, json!({"kind": "complaint", "category": "process", "text": text, "anonymous": false, "name": "张三明", "phone": "13912345678"}));
        let id = r.json()["id"].as_i64().unwrap();
        refused(&act(&h, id, "publish/preview", json!({}), &supervisor()), 409, "not_replied");
        act(&h, id, "reply", json!({"text": "张三明您好，已电话 13912345678 联系您，材料清单已更新。"}), &supervisor());
        let p = act(&h, id, "publish/preview", json!({}), &supervisor()).json();
        let (q, a) = (p["question"].as_str().unwrap().to_owned(), p["answer"].as_str().unwrap().to_owned());
        for raw in ["张三明", "1234-5678", "13912345678", "19491231", "11010519491231002X"] {
            assert!(!q.contains(raw) && !a.contains(raw), "{raw} in {q} / {a}");
        }
        assert!(q.contains("张**") && q.contains("办低保被要求跑了三次"), "{q}");
        refused(&act(&h, id, "publish", json!({"question": q, "answer": a}), &supervisor()), 422, "confirm_required");
        let v = refused(&act(&h, id, "publish", json!({"question": format!("{q} 13912345678"), "answer": a, "confirm": true}), &supervisor()), 422, "personal_details");
        assert_eq!(v["error"]["field"], "question");
        refused(&act(&h, id, "publish", json!({"question": q, "answer": "张三明：已处理", "confirm": true}), &supervisor()), 422, "personal_details");
        assert_eq!(h.get("/api/feedback/public").json()["replies"], json!([]), "nothing published yet");
        assert_eq!(h.request("POST", &format!("/api/feedback/cases/{id}/publish"), b"{}", &clerk()).status, 403, "publishing is for supervisors");
        let r = act(&h, id, "publish", json!({"question": q, "answer": a, "confirm": true}), &supervisor());
        assert_eq!(r.status, 200, "{}", r.text());
        let public = h.get("/api/feedback/public").json();
        assert_eq!(public["replies"][0]["question"], q.as_str());
        let page = h.get("/feedback/replies").text();
        assert!(page.contains("办低保被要求跑了三次") && !page.contains("13912345678") && !page.contains("张三明"), "{page}");
        // Turned off in the settings: nothing is shown or published.
        let r = h.post_json("/api/feedback/config", &json!({"public_replies": false}), &staff("1", "管理员", &["admin"]));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(h.get("/api/feedback/public").json()["replies"], json!([]));
        refused(&act(&h, id, "publish/preview", json!({}), &supervisor()), 409, "public_replies_off");
    }

    /// The settings are a form with every field explained, saved only when
    /// every field is right; the pages are zh-CN first, English by the
    /// switch, with no inline script.
    #[test]
    fn settings_form_checks_each_field_and_pages_render_in_both_languages() {
        let h = harness();
        h.set_time(at(MAR05, 9, 0));
        let admin = staff("1", "管理员", &["admin"]);
        let page = h.request("GET", "/feedback/admin", b"", &admin);
        assert_eq!(page.status, 200, "{}", page.text());
        assert!(page.text().contains("意见箱设置") && page.text().contains("/feedback/assets/settings.js"));
        assert!(h.get("/feedback/assets/settings.js").text().contains("data-path") || h.get("/feedback/assets/settings.js").text().contains("dataset.path"));
        // Each field's label, in the page's language (the form's data).
        let page_en = h.request("GET", "/feedback/admin", b"", &Caller { lang: "en".into(), ..admin.clone() });
        for (zh, en) in [("投诉答复时限（工作日）", "Complaint reply deadline"), ("居民确认期限", "Time for the resident to answer"), ("允许公开答复", "Allow published replies"), ("类别编号", "Category code")] {
            assert!(page.text().contains(zh) && page_en.text().contains(en) && !page_en.text().contains(zh), "{zh} / {en}");
        }
        let r = h.post_json("/api/feedback/config", &json!({"deadlines": {"complaint": 0, "suggestion": 10, "praise": 10}, "categories": [{"code": "A B", "name_zh": "甲", "name_en": "A"}]}), &admin);
        assert_eq!(r.status, 422, "{}", r.text());
        let fields: Vec<String> = r.json()["error"]["fields"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_owned()).collect();
        assert_eq!(fields, ["categories[0].code", "deadlines.complaint"]);
        let (_, code) = complain(&h, "设置未保存时的投诉");
        assert_eq!(track(&h, &code).json()["due_day"], "2026-03-12", "nothing kept");
        let r = h.post_json("/api/feedback/config", &json!({"deadlines": {"complaint": 3, "suggestion": 10, "praise": 10}}), &admin);
        assert_eq!(r.status, 200, "{}", r.text());
        let (_, code) = complain(&h, "三天时限");
        assert_eq!(track(&h, &code).json()["due_day"], "2026-03-10");
        assert_eq!(h.post_json("/api/feedback/config", &json!({}), &supervisor()).status, 403);
        // The QR poster points at the hall's address, set here and checked.
        let r = h.post_json("/api/feedback/config", &json!({"public_url": "javascript:alert(1)"}), &admin);
        assert_eq!(r.json()["error"]["field"], "public_url", "{}", r.text());
        let r = h.post_json("/api/feedback/config", &json!({"public_url": "http://192.168.1.10:8080"}), &admin);
        assert_eq!(r.status, 200, "{}", r.text());
        let poster = h.request("GET", "/feedback/poster", b"", &clerk()).text();
        assert!(poster.contains("<svg") && poster.contains("http://192.168.1.10:8080/feedback?from=poster") && poster.contains("扫码提建议"), "{poster}");
        let en = Caller::anonymous("en");
        let pages = [("/feedback", anyone(), "意见箱"), ("/feedback/track?code=ab<c", anyone(), "跟踪码"), ("/feedback/replies", anyone(), "意见答复公开"), ("/feedback/console", supervisor(), "意见处理")];
        for (path, who, zh) in pages {
            let r = h.request("GET", path, b"", &who);
            assert_eq!(r.status, 200, "{path}: {}", r.text());
            let text = r.text();
            assert!(text.contains(zh), "{path}");
            for tag in text.split("<script").skip(1) {
                let head = &tag[..tag.find('>').unwrap_or(0)];
                assert!(head.contains(" src=\"/feedback/assets/") || head.contains("type=\"application/json\""), "{path}: an inline script: <script{head}>");
            }
            assert!(!text.contains(" onclick=") && !text.contains(" onerror="), "{path}");
            let who_en = if who.kind == CallerKind::Anonymous { en.clone() } else { Caller { lang: "en".into(), ..who.clone() } };
            let text = h.request("GET", path, b"", &who_en).text();
            let chinese: String = text.chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).collect();
            assert!(chinese.is_empty() || path == "/feedback/console", "{path}: Chinese words on the English page: {chinese}");
        }
        assert!(!h.request("GET", "/feedback/track?code=ab<c", b"", &anyone()).text().contains("ab<c"), "the code in the link is not echoed raw");
    }
}

/// Every harness test above, again with the plugin's SQL in PostgreSQL
/// (`LINLI_TEST_POSTGRES`), in a child process of this test binary.
#[test]
fn the_harness_tests_pass_on_postgres() {
    let Some(pg) = postgres() else { return };
    let exe = std::env::current_exe().expect("this test binary");
    let out = std::process::Command::new(exe)
        // One at a time: each statement is a round trip to the server on
        // the same busy cores, and a plugin call has 1 s.
        .args(["harness::", "--test-threads", "1"])
        .env("LINLI_TEST_POSTGRES", pg.url())
        .output()
        .expect("run the feedback harness tests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passed = stdout.lines().filter(|l| l.starts_with("test harness::") && l.ends_with(" ok")).count();
    assert!(out.status.success(), "the feedback tests on PostgreSQL failed:\n{stdout}\n{}\nPostgreSQL's log:\n{}", String::from_utf8_lossy(&out.stderr), pg.log());
    assert!(passed >= 7, "only {passed} feedback tests ran on PostgreSQL:\n{stdout}");
    // They really ran there: the plugin's schemas are in the server.
    let mut c = pg.client().expect("client");
    let n: i64 = c.query_one("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'h\\_%\\_\\_feedback'", &[]).expect("schemas").get(0);
    assert!(n >= 7, "{n} feedback schemas in PostgreSQL");
}

// ---- On a real host, over HTTP ------------------------------------------

fn post(s: &TestServer, who: Option<&Staff>, path: &str, body: &Value) -> (u16, Value) {
    let mut r = ureq::post(&format!("{}{path}", s.url));
    if let Some(st) = who {
        r = r.set("Cookie", &st.cookie).set("X-CSRF-Token", &st.csrf);
    }
    http_json(r, body)
}

/// Sign in through the login form with an account `sign_in` made.
fn sign_in_again(s: &TestServer, username: &str) -> Staff {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let resp = agent.post(&format!("{}/login", s.url)).send_form(&[("username", username), ("password", "correct horse battery"), ("next", "/")]).expect("login answers");
    let cookie = resp.header("set-cookie").expect("session cookie").split(';').next().unwrap().to_owned();
    let page = agent.get(&format!("{}/", s.url)).set("Cookie", &cookie).call().unwrap().into_string().unwrap();
    let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|x| x.split('"').next()).unwrap_or("").to_owned();
    Staff { cookie, csrf }
}

fn staff_id(s: &TestServer, username: &str) -> String {
    linli_host::auth::sessions::list_staff(&s.host.db).expect("staff").into_iter().find(|st| st.username == username).expect("the account").id.to_string()
}

/// Issue 16's "a complaint sent anonymously is replied to and reopened
/// once, followed by tracking code", through the real host: the resident
/// without an account, the supervisor and the clerk signed in.
fn anonymous_complaint_over_http(settings: &str) {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(FEB13, 15, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_FEEDBACK], settings, None, clock.clone());
    let (code, page) = s.get("/feedback?from=poster");
    assert_eq!(code, 200);
    assert!(page.contains("意见箱") && page.contains("/feedback/assets/submit.js"), "the form page");
    let (code, v) = post(&s, None, "/api/feedback", &json!({"kind": "complaint", "category": "efficiency", "text": "<b>排队</b>等了两个小时没人叫号。", "anonymous": true, "channel": "poster"}));
    assert_eq!(code, 201, "{v}");
    let (id, tracking) = (v["id"].as_i64().unwrap(), v["code"].as_str().unwrap().to_owned());
    assert_eq!(v["due_day"], "2026-02-27", "5 working days across the holiday");
    // A 10 MiB photo: 413 with both languages, nothing stored.
    let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
    big.resize(10 * 1024 * 1024, 0);
    let sent = ureq::post(&format!("{}/api/feedback/photo", s.url)).set("x-linli-file-name", "big.jpg").set("content-type", "image/jpeg").send_bytes(&big);
    let (code, body) = match sent {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(c, r)) => (c, r.into_string().unwrap_or_default()),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(code, 413, "{body}");
    assert!(body.contains("message_zh") && body.contains("message_en"), "{body}");
    let sup = sign_in(&s, "super", &["supervisor"]);
    let clerk = sign_in(&s, "clerk1", &["clerk"]);
    let clerk_id = staff_id(&s, "clerk1");
    // The console shows it escaped.
    let (code, page) = http(ureq::get(&format!("{}/feedback/console", s.url)).set("Cookie", &sup.cookie));
    assert_eq!(code, 200);
    assert!(page.contains("&lt;b&gt;排队&lt;/b&gt;") && !page.contains("<b>排队"), "{page}");
    let (code, v) = post(&s, Some(&sup), &format!("/api/feedback/cases/{id}/assign"), &json!({"staff_id": clerk_id, "staff_name": "窗口一"}));
    assert_eq!(code, 200, "{v}");
    let (code, v) = post(&s, Some(&clerk), &format!("/api/feedback/cases/{id}/reply"), &json!({"text": "已增加叫号窗口。"}));
    assert_eq!(code, 200, "{v}");
    // The resident follows it by the code only.
    let (code, page) = s.get(&format!("/feedback/track?code={tracking}"));
    assert!(code == 200 && page.contains(&tracking) && page.contains("/feedback/assets/track.js"));
    let (code, v) = post(&s, None, "/api/feedback/track", &json!({"code": tracking}));
    assert_eq!((code, v["reply"].as_str(), v["can_reopen"].as_bool()), (200, Some("已增加叫号窗口。"), Some(true)), "{v}");
    clock.0.store(at(FEB13 + 11 * DAY, 10, 0), Ordering::SeqCst); // Tue 02-24
    let (code, v) = post(&s, None, "/api/feedback/track/reopen", &json!({"code": tracking, "reason": "周末仍然排很久。"}));
    assert_eq!((code, v["status"].as_str(), v["due_day"].as_str()), (200, Some("in_hand"), Some("2026-03-02")), "{v}"); // 02-28 is a make-up working day
    // Eleven days later the clerk signs in again (sessions last 12 hours).
    let clerk = sign_in_again(&s, "clerk1");
    let (code, v) = post(&s, Some(&clerk), &format!("/api/feedback/cases/{id}/reply"), &json!({"text": "高峰时段增开两个窗口。"}));
    assert_eq!(code, 200, "{v}");
    let (code, v) = post(&s, None, "/api/feedback/track/reopen", &json!({"code": tracking, "reason": "再试一次"}));
    assert_eq!((code, v["error"]["code"].as_str()), (409, Some("reopen_used")), "{v}");
    let (code, v) = post(&s, None, "/api/feedback/track/accept", &json!({"code": tracking}));
    assert_eq!((code, v["status"].as_str()), (200, Some("closed")), "{v}");
    let sup = sign_in_again(&s, "super");
    let (code, v) = post(&s, Some(&sup), &format!("/api/feedback/cases/{id}/reply"), &json!({"text": "补充"}));
    assert_eq!((code, v["error"]["code"].as_str()), (409, Some("case_closed")), "{v}");
    let (_, v) = post(&s, None, "/api/feedback/track", &json!({"code": tracking.to_lowercase()}));
    assert_eq!((v["status"].as_str(), v["reply"].as_str(), v["reopened"].as_bool()), (Some("closed"), Some("高峰时段增开两个窗口。"), Some(true)), "{v}");
}

#[test]
fn anonymous_complaint_replied_and_reopened_once_over_http_on_sqlite() {
    anonymous_complaint_over_http("");
}

#[test]
fn anonymous_complaint_replied_and_reopened_once_over_http_on_postgres() {
    let Some(pg) = postgres() else { return };
    anonymous_complaint_over_http(&store_settings(&pg, "fb"));
    let mut c = pg.client().expect("client");
    let n: i64 = c.query_one("SELECT count(*) FROM h_fb__feedback.cases", &[]).expect("the cases in the hall's schema").get(0);
    assert_eq!(n, 1);
}

/// Wrong tracking codes tried many times through the host: the same
/// answer each time until the host's per-client limit on public writes
/// answers 429.
#[test]
fn wrong_codes_over_http_get_one_answer_then_the_rate_limit() {
    let s = TestServer::start_with_settings(&[fixtures::PLUGIN_FEEDBACK], "[http]\nrate_per_minute = 10\nrate_burst = 10\n");
    let mut statuses = vec![];
    let mut bodies = std::collections::BTreeSet::new();
    for i in 0..30 {
        let (code, v) = post(&s, None, "/api/feedback/track", &json!({"code": format!("ZZZZZ-{:05}", i + 22222)}));
        statuses.push(code);
        if code == 404 {
            bodies.insert(v.to_string());
        }
    }
    assert!(statuses.iter().take(5).all(|c| *c == 404), "{statuses:?}");
    assert!(statuses.contains(&429), "rate-limited: {statuses:?}");
    assert_eq!(bodies.len(), 1, "{bodies:?}");
}

// ---- The benchmark (not part of the suite) --------------------------------

/// The staff console over 100,000 feedback records: each filter's listing
/// timed through the real sandbox (the plugin's call, its SQL and the
/// answer), p50 and p99 printed; goal p99 ≤ 50 ms. Not a timed assertion.
/// `cargo test --release -p linli-tests --test feedback -- --ignored console_bench --nocapture`
/// (on PostgreSQL too when a server can be started).
#[test]
#[ignore]
fn console_bench_100000_records() {
    let h = harness();
    h.set_time(at(MAR05, 9, 0));
    complain(&h, "建表"); // the schema
    h.sql(|c| {
        let tx = c.transaction()?;
        {
            let mut st = tx.prepare(
                "INSERT INTO cases (code, kind, category, channel, body, words, anonymous, name, phone, photo, status, assignee, assignee_name, created_at, created_day, due_day, open_due, updated_at)
                 VALUES (?1, ?2, ?3, 'phone', ?4, ?5, 1, NULL, NULL, NULL, ?6, ?7, ?7, ?8, ?9, ?9, ?10, ?8)",
            )?;
            for (code, kind, cat, body, status, assignee, created, day, open_due) in seed_rows() {
                st.execute((&code, kind, cat, &body, body.to_lowercase(), status, assignee, created, &day, open_due))?;
            }
        }
        tx.execute("DELETE FROM tallies", [])?;
        tx.execute("INSERT INTO tallies (status, n) SELECT status, COUNT(*) FROM cases GROUP BY status", [])?;
        tx.commit()
    })
    .expect("seed");
    bench("SQLite (in the harness)", &|q| {
        let r = h.request("GET", q, b"", &supervisor());
        assert_eq!(r.status, 200, "{q}: {}", r.text());
        r.status
    });
    if let Some(pg) = postgres() {
        let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR05 + 200 * DAY, 9, 0))));
        let s = TestServer::start_custom(&[fixtures::PLUGIN_FEEDBACK], &store_settings(&pg, "bench"), None, clock);
        let (code, v) = post(&s, None, "/api/feedback", &json!({"kind": "complaint", "category": "attitude", "text": "建表", "anonymous": true}));
        assert_eq!(code, 201, "{v}");
        let mut c = pg.client().expect("client");
        let mut tx = c.transaction().unwrap();
        let st = tx
            .prepare(
                "INSERT INTO h_bench__feedback.cases (code, kind, category, channel, body, words, anonymous, status, assignee, assignee_name, created_at, created_day, due_day, open_due, updated_at)
                 VALUES ($1, $2, $3, 'phone', $4, $5, 1, $6, $7, $7, $8, $9, $9, $10, $8)",
            )
            .unwrap();
        for (code, kind, cat, body, status, assignee, created, day, open_due) in seed_rows() {
            tx.execute(&st, &[&code, &kind, &cat, &body, &body.to_lowercase(), &status, &assignee, &created, &day, &open_due]).unwrap();
        }
        tx.batch_execute("DELETE FROM h_bench__feedback.tallies; INSERT INTO h_bench__feedback.tallies (status, n) SELECT status, COUNT(*) FROM h_bench__feedback.cases GROUP BY status").unwrap();
        tx.commit().unwrap();
        // As a database that has been in use: vacuumed and analysed (else
        // autovacuum runs during the first timings).
        c.batch_execute("VACUUM ANALYZE h_bench__feedback.cases").unwrap();
        let sup = sign_in(&s, "super", &["supervisor"]);
        let agent = ureq::AgentBuilder::new().build();
        bench("PostgreSQL (a real host, over HTTP)", &|q| match agent.get(&format!("{}{q}", s.url)).set("Cookie", &sup.cookie).call() {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(c, _)) => c,
            Err(e) => panic!("{e}"),
        });
    }
}

type Seed = (String, &'static str, &'static str, String, &'static str, Option<String>, i64, String, Option<i64>);

/// 100,000 records over 200 days: a tenth still waiting (some overdue),
/// the rest answered or closed; 50 staff; words from a small vocabulary.
fn seed_rows() -> Vec<Seed> {
    let kinds = ["complaint", "suggestion", "praise"];
    let cats = ["attitude", "efficiency", "process", "facilities", "policy", "other"];
    let words = ["排队", "空调", "态度", "材料", "窗口", "预约", "停车", "厕所", "网络", "打印"];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..100_000i64)
        .map(|i| {
            let created = at(MAR05, 9, 0) - 200 * DAY + i * (200 * DAY / 100_000);
            let r = rnd();
            let status = match r % 10 {
                0 => "received",
                1 => "in_hand",
                2 => "replied",
                _ => "closed",
            };
            let open = matches!(status, "received" | "in_hand");
            let day = format!("2025-{:02}-{:02}", 8 + i / 20_000, 1 + i % 28);
            let body = format!("{}{}问题，编号{i}，希望尽快处理。", words[(r >> 8) as usize % words.len()], words[(r >> 16) as usize % words.len()]);
            let assignee = (status != "received").then(|| format!("{}", 100 + (r >> 24) % 50));
            (format!("B{i:09}"), kinds[(r >> 32) as usize % 3], cats[(r >> 40) as usize % 6], body, status, assignee, created, day, open.then_some(created + 7 * DAY))
        })
        .collect()
}

fn bench(store: &str, get: &dyn Fn(&str) -> u16) {
    let queries = [
        ("newest page", "/api/feedback/cases"),
        ("page 200 deep (keyset)", "/api/feedback/cases?after=90000"),
        ("status received", "/api/feedback/cases?status=received"),
        ("waiting for staff", "/api/feedback/cases?status=open"),
        ("overdue", "/api/feedback/cases?overdue=1"),
        ("category + kind", "/api/feedback/cases?category=facilities&kind=complaint"),
        ("one staff member's", "/api/feedback/cases?mine=1"),
        ("date range (a week)", "/api/feedback/cases?from=2025-12-01&to=2025-12-07"),
        ("words (two)", "/api/feedback/cases?q=%E7%A9%BA%E8%B0%83%20%E5%8E%95%E6%89%80"),
        ("words, rare (full scan)", "/api/feedback/cases?q=%E7%BC%96%E5%8F%B712345%EF%BC%8C"),
        ("everything combined", "/api/feedback/cases?status=closed&category=attitude&from=2025-10-01&to=2025-12-31&q=%E7%AA%97%E5%8F%A3"),
        ("console page (counts + list)", "/feedback/console?status=open"),
    ];
    println!("\nfeedback console, 100,000 records, {store}:");
    println!("| listing | p50 ms | p99 ms |");
    println!("|---|---|---|");
    let mut all = vec![];
    for (name, q) in queries {
        for _ in 0..5 {
            std::thread::sleep(std::time::Duration::from_millis(2));
            assert_eq!(get(q), 200, "{q}");
        }
        let mut t = vec![];
        for _ in 0..100 {
            // A pause between requests, outside the timing: a caller that
            // sends its next call the instant it has its answer never lets
            // the plugin's lane go idle to drop finished instances, and
            // after about 500 calls the instance pool is full (reported).
            std::thread::sleep(std::time::Duration::from_millis(2));
            let start = std::time::Instant::now();
            let status = get(q);
            t.push(start.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(status, 200, "{q}");
        }
        t.sort_by(|a, b| a.total_cmp(b));
        println!("| {name} | {:.2} | {:.2} |", t[49], t[98]);
        all.extend(t);
    }
    all.sort_by(|a, b| a.total_cmp(b));
    println!("| all {} requests | {:.2} | {:.2} |", all.len(), all[all.len() / 2], all[all.len() * 99 / 100]);
}

// ---- In Chromium -----------------------------------------------------------

/// With `LINLI_SCREENSHOTS=DIR`, the page as it is now, as base64 PNG in
/// DIR/NAME.png.b64 (for the README's screenshots).
fn snap(b: &linli_tests::browser::Browser, name: &str) {
    if let Ok(dir) = std::env::var("LINLI_SCREENSHOTS") {
        let v = b.call("GET", "/screenshot", None);
        std::fs::write(format!("{dir}/{name}.png.b64"), v["value"].as_str().unwrap_or("")).expect("writing a screenshot");
    }
}

/// The browser as this staff member (their session cookie), or as an
/// anonymous resident (`None`: no cookies).
fn browse_as(b: &linli_tests::browser::Browser, who: Option<&Staff>) {
    b.call("DELETE", "/cookie", None);
    b.call("POST", "/cookie", Some(json!({"cookie": {"name": "lang", "value": "zh-CN", "path": "/"}})));
    if let Some(st) = who {
        let (name, value) = st.cookie.split_once('=').expect("name=value");
        b.call("POST", "/cookie", Some(json!({"cookie": {"name": name, "value": value, "path": "/", "httpOnly": true}})));
    }
}

/// Issue 16's "a complaint sent anonymously is replied to and reopened
/// once, followed by tracking code", as people do it in Chromium: the
/// resident sends an anonymous complaint from the form the kiosk and the
/// phone open (its text has markup and a script; a control character is
/// refused first, naming it, with nothing stored) and gets a tracking
/// code; the supervisor finds it with the console's filters and assigns
/// it; the clerk replies; the resident opens the tracking page by the
/// code, reads the reply and reopens once; the clerk replies again; the
/// page says a second reopen is not possible and the host refuses one
/// with a clear message; the resident accepts and it is closed. What the
/// resident typed is shown as text on the console, the case page and the
/// tracking page, never as markup.
#[test]
fn anonymous_complaint_in_chromium_replied_reopened_once_and_closed_by_its_code() {
    let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR05, 10, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_FEEDBACK], "", None, clock.clone());
    let now = s.host.now_ms();
    for (user, name, role) in [("zhang", "张主管", "supervisor"), ("wang", "王五", "clerk")] {
        linli_host::auth::sessions::create_staff(&s.host.db, user, name, "correct horse battery", &[role.to_string()], now).expect("staff");
    }
    let (sup, clerk) = (sign_in_again(&s, "zhang"), sign_in_again(&s, "wang"));
    let clerk_id = staff_id(&s, "wang");
    // Someone else's named praise, for the filters to tell apart.
    let (code, v) = post(&s, None, "/api/feedback", &json!({"kind": "praise", "category": "efficiency", "text": "二号窗口办事很快。", "anonymous": false, "name": "赵六明"}));
    assert_eq!(code, 201, "{v}");
    let count = || {
        let (code, body) = http(ureq::get(&format!("{}/api/feedback/cases", s.url)).set("Cookie", &sup.cookie));
        assert_eq!(code, 200, "{body}");
        serde_json::from_str::<Value>(&body).unwrap()["cases"].as_array().map(|a| a.len()).unwrap_or(0)
    };
    assert_eq!(count(), 1);

    // The resident, on the kiosk or a phone.
    b.resize(1280, 1000);
    b.open(&format!("{}/?lang=zh-CN", s.url));
    browse_as(&b, None);
    b.open(&format!("{}/feedback", s.url));
    b.until("the form", "document.getElementById('fb-form') && document.getElementById('fb-anon').checked");
    assert_eq!(b.js("return getComputedStyle(document.getElementById('fb-contact')).display;"), "none", "anonymous: no name or phone asked");
    let tick = b.js("var r = document.getElementById('fb-anon').getBoundingClientRect(), l = document.getElementById('fb-anon').parentElement.getBoundingClientRect(); return [r.width, r.top - l.top];");
    assert!(tick[0].as_f64().unwrap_or(999.0) < 40.0 && tick[1].as_f64().unwrap_or(999.0) < 20.0, "the tick box sits on its label's line: {tick}");
    b.click("#fb-anon");
    assert_eq!(b.js("return getComputedStyle(document.getElementById('fb-contact')).display;"), "grid", "named: the name and phone fields");
    b.click("#fb-anon");
    b.click("input[name=kind][value=complaint]");
    b.js("document.getElementById('fb-category').value = 'attitude'; return 1;");
    // A control character pasted in with the text: refused, naming it.
    let script = "<script>alert(1)</script>";
    let typed = format!("三号窗口<b>态度生硬</b>，{script}\n请核实。");
    b.js(&format!("document.getElementById('fb-text').value = {:?}; return 1;", format!("{typed}\u{7}")));
    b.click("#fb-send");
    let err = b.until("the refusal", "document.getElementById('fb-err').textContent");
    let err = err.as_str().unwrap_or("");
    assert!(err.contains("控制字符") && err.contains("U+0007") && err.contains("内容"), "{err}");
    assert_eq!(b.js("return document.getElementById('fb-done').hidden;"), true);
    assert_eq!(count(), 1, "nothing stored");
    b.js(&format!("document.getElementById('fb-text').value = {typed:?}; window.scrollTo(0, 0); return 1;"));
    snap(&b, "feedback-send");
    b.click("#fb-send");
    let tracking = b.until("the tracking code", "!document.getElementById('fb-done').hidden && document.getElementById('fb-code').textContent");
    let tracking = tracking.as_str().unwrap_or("").to_owned();
    assert_eq!(tracking.len(), 11, "{tracking}");
    let due = b.js("return document.getElementById('fb-due').textContent;");
    assert!(due.as_str().unwrap_or("").contains("2026-03-12"), "5 working days over a weekend: {due}");
    assert_eq!(count(), 2);

    // The supervisor: the console's filters, then the case, assigned to the clerk.
    browse_as(&b, Some(&sup));
    b.open(&format!("{}/feedback/console", s.url));
    b.until("the console", "document.querySelector('table.fb-list tbody') && document.querySelectorAll('table.fb-list tbody tr').length === 2");
    let filter = |kind: &str, status: &str, q: &str| {
        b.js(&format!(
            "document.getElementById('fb-f-kind').value = {kind:?}; document.getElementById('fb-f-status').value = {status:?}; document.getElementById('fb-f-q').value = {q:?}; return 1;"
        ));
        b.click("form.fb-filters button[type=submit]");
    };
    filter("complaint", "open", "态度");
    b.until("filtered to the complaint", "location.search.includes('kind=complaint') && document.querySelectorAll('table.fb-list tbody tr').length === 1");
    let row = b.js("return document.querySelector('table.fb-list tbody tr').textContent;");
    let row = row.as_str().unwrap_or("");
    assert!(row.contains("<b>态度生硬</b>") && row.contains(script) && row.contains("匿名") && row.contains("已受理"), "shown as text: {row}");
    assert_eq!(b.js("return document.querySelectorAll('table.fb-list tbody b, table.fb-list tbody script').length;"), 0, "never as markup");
    snap(&b, "feedback-console");
    filter("praise", "open", "");
    b.until("the praise only", "location.search.includes('kind=praise') && document.querySelectorAll('table.fb-list tbody tr').length === 1 && document.querySelector('table.fb-list tbody').textContent.includes('赵**')");
    filter("complaint", "replied", "");
    b.until("nothing matches", "location.search.includes('status=replied') && document.body.textContent.includes('没有符合条件的意见')");
    filter("complaint", "", "");
    b.until("the complaint again", "document.querySelectorAll('table.fb-list tbody tr').length === 1");
    b.click("table.fb-list tbody tr a");
    b.until("the case page", "document.getElementById('fb-a-id')");
    let case_path = b.js("return location.pathname;").as_str().unwrap_or("").to_owned();
    let id: i64 = case_path.rsplit('/').next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{case_path}"));
    let page = b.js("return document.querySelector('section.card').textContent;");
    assert!(page.as_str().unwrap_or("").contains(script) && page.as_str().unwrap_or("").contains(&tracking), "{page}");
    assert_eq!(b.js("return document.querySelectorAll('section.card b, section.card script').length;"), 0);
    b.js(&format!("document.getElementById('fb-a-id').value = {clerk_id:?}; document.getElementById('fb-a-name').value = '王五'; return 1;"));
    b.click("form[data-api$='/assign'] button[type=submit]");
    b.until("assigned", "document.querySelector('section.card').textContent.includes('已分派') && document.querySelector('section.card').textContent.includes('王五')");

    // The clerk finds it under “mine” and replies.
    browse_as(&b, Some(&clerk));
    b.open(&format!("{}/feedback/console?mine=1", s.url));
    b.until("the clerk's list", "document.querySelectorAll('table.fb-list tbody tr').length === 1");
    b.click("table.fb-list tbody tr a");
    b.until("the reply form", "document.getElementById('fb-r-text')");
    b.js("document.getElementById('fb-r-text').value = '已核实，已对该工作人员进行批评教育。'; return 1;");
    b.click("form[data-api$='/reply'] button[type=submit]");
    b.until("replied", "document.querySelector('section.card').textContent.includes('已答复') && !document.getElementById('fb-r-text')");

    // The resident, the next day, by the code alone.
    clock.0.store(at(MAR05 + DAY, 9, 0), Ordering::SeqCst);
    browse_as(&b, None);
    b.open(&format!("{}/feedback/track", s.url));
    b.js(&format!("document.getElementById('fb-code-in').value = {:?}; return 1;", tracking.to_lowercase()));
    b.click("#fb-track button[type=submit]");
    b.until("the reply", "document.getElementById('fb-case').textContent.includes('已对该工作人员进行批评教育') && document.getElementById('fb-reopen')");
    let shown = b.js("return document.getElementById('fb-case').textContent;");
    assert!(shown.as_str().unwrap_or("").contains(script) && shown.as_str().unwrap_or("").contains("<b>态度生硬</b>"), "as text: {shown}");
    assert_eq!(b.js("return document.querySelectorAll('#fb-case b, #fb-case script').length;"), 0);
    b.resize(1280, 1700);
    snap(&b, "feedback-track");
    b.resize(1280, 1000);
    b.click("#fb-reopen");
    b.until("a reason asked for", "document.getElementById('fb-err').textContent.includes('不满意的原因')");
    b.js("document.getElementById('fb-reason').value = '没有说明以后如何改进。'; return 1;");
    b.click("#fb-reopen");
    b.until("reopened", "document.getElementById('fb-case').textContent.includes('办理中') && !document.getElementById('fb-reopen')");
    assert_eq!(b.js("return document.getElementById('fb-err').textContent;"), "");

    // The clerk answers again (the case is back with them; signed in again
    // the next morning, sessions last 12 hours).
    let clerk = sign_in_again(&s, "wang");
    let (code, v) = post(&s, Some(&clerk), &format!("/api/feedback/cases/{id}/reply"), &json!({"text": "已制定文明服务整改措施，每周检查。"}));
    assert_eq!(code, 200, "{v}");

    // The page says a second reopen is not possible, and the host refuses one.
    b.click("#fb-track button[type=submit]");
    b.until("the second reply", "document.getElementById('fb-case').textContent.includes('每周检查') && document.getElementById('fb-accept')");
    assert_eq!(b.js("return document.getElementById('fb-reopen');"), Value::Null, "no second reopen offered");
    let said = b.js("return document.getElementById('fb-case').textContent;");
    assert!(said.as_str().unwrap_or("").contains("您已申请过一次重新办理，不能再次申请"), "the page says why: {said}");
    b.js(&format!(
        "window.fbRefused = ''; Linli.api('POST', '/api/feedback/track/reopen', {{code: {tracking:?}, reason: '还是不满意'}}).catch(function (e) {{ window.fbRefused = e.message; }}); return 1;"
    ));
    let refused = b.until("the refusal", "window.fbRefused");
    assert!(refused.as_str().unwrap_or("").contains("只能重新办理一次"), "{refused}");
    b.click("#fb-accept");
    b.until("closed", "document.getElementById('fb-case').textContent.includes('您已认可答复，意见已办结') && document.getElementById('fb-case').textContent.includes('已办结')");
    let (_, v) = post(&s, None, "/api/feedback/track", &json!({"code": tracking}));
    assert_eq!((v["status"].as_str(), v["reopened"].as_bool(), v["accepted"].as_bool()), (Some("closed"), Some(true), Some(true)), "{v}");
    let steps: Vec<&str> = v["steps"].as_array().unwrap().iter().filter_map(|s| s["action"].as_str()).collect();
    assert_eq!(steps, ["received", "assigned", "replied", "reopened", "replied", "accepted"]);

    // The settings form (linli_sdk::settings_page): a bad deadline (a
    // dotted path) and a bad category code (a field of a row) each named
    // beside its own field; good values saved.
    let admin = sign_in(&s, "admin", &["admin"]);
    browse_as(&b, Some(&admin));
    b.open(&format!("{}/feedback/admin?lang=zh-CN", s.url));
    b.until("the form", "document.querySelector('[data-path=\"categories[0].code\"] > input') && document.querySelector('[data-path=\"deadlines.complaint\"] > input')");
    b.js("var c = document.querySelector('[data-path=\"categories[0].code\"] > input'); c.dataset.was = c.value; c.value = 'A B'; document.querySelector('[data-path=\"deadlines.complaint\"] > input').value = '0'; return 1;");
    b.click("#linli-settings-save");
    b.until("both named", "document.querySelector('[data-path=\"deadlines.complaint\"] > .ls-err').textContent !== '' && document.querySelector('[data-path=\"categories[0].code\"] > .ls-err').textContent !== ''");
    b.js("var c = document.querySelector('[data-path=\"categories[0].code\"] > input'); c.value = c.dataset.was; document.querySelector('[data-path=\"deadlines.complaint\"] > input').value = '10'; return 1;");
    b.click("#linli-settings-save");
    b.until("saved", "document.getElementById('linli-settings-status').textContent.includes('已保存') && document.querySelector('[data-path=\"deadlines.complaint\"] > .ls-err').textContent === ''");
    let (_, v) = post(&s, Some(&admin), "/api/feedback/config", &json!({}));
    assert_eq!(v["effective"]["deadlines"]["complaint"], 10, "{v}");
}
