//! Issue 15, items 3, 4 and the applications part of item 6: the
//! `applications` plugin (预受理). A resident (or a guide for them, 代办)
//! applies for a guides item and uploads each listed material; a clerk
//! reviews material by material, every correction in one notice; the
//! resident re-uploads only what was asked; the legal clock (5 working days
//! across the Spring Festival holiday and its make-up Saturdays, with the
//! harness's clock); the outcome at the window; certificates printed with
//! a verification code and checked by anyone, masked; the form filled from
//! the resident record only with consent; a material the hall holds is not
//! asked again; bad input refused with a 4xx in both languages and nothing
//! changed. `harness::` runs in the plugin harness (and again on
//! PostgreSQL), `http::` on a real host.

use linli_host::auth::{Caller, CallerKind};
use linli_host::runtime::capabilities::ManualClock;
use linli_host::runtime::plugin::PluginSettings;
use linli_host::testing::{PluginHarness, TestResponse};
use linli_tests::fixtures;
use serde_json::{Value, json};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// 2026-01-01 00:00 at +08:00.
const DAY1: i64 = 1_767_196_800_000;
/// Thursday 2026-02-12: the Spring Festival holiday is 02-15 … 02-23;
/// Saturdays 02-14 and 02-28 are make-up working days.
const FEB12: i64 = DAY1 + 42 * DAY;
/// Wednesday 2026-03-04.
const MAR04: i64 = DAY1 + 62 * DAY;
const ID: &str = "11010519491231002X";
const PHONE: &str = "13800138000";

/// The tests that start servers (and the PostgreSQL rerun, whose calls
/// each have 1 s) run one at a time: on two busy cores a call of the rerun
/// ran late once while a server test and Chromium ran beside it.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}

fn at(day: i64, hh: i64) -> i64 {
    day + hh * HOUR
}

fn anyone() -> Caller {
    Caller::anonymous("zh-CN")
}

fn staff(id: &str, name: &str, roles: &[&str]) -> Caller {
    Caller { kind: CallerKind::Staff, id: Some(id.into()), name: Some(name.into()), roles: roles.iter().map(|r| r.to_string()).collect(), window: Some("3".into()), lang: "zh-CN".into() }
}

fn clerk_a() -> Caller {
    staff("21", "王窗口", &["clerk"])
}

fn clerk_b() -> Caller {
    staff("22", "李窗口", &["clerk"])
}

fn supervisor() -> Caller {
    staff("30", "赵主管", &["supervisor"])
}

fn jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    b.extend_from_slice(b"JFIF\0 a photo of a document");
    b.resize(4096, 0x11);
    b
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
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

/// The applications plugin with the guides beside it, the link allowed.
fn harness() -> PluginHarness {
    let h = PluginHarness::load(fixtures::PLUGIN_APPLICATIONS).expect("applications loads");
    h.add_plugin(fixtures::PLUGIN_GUIDES, PluginSettings::default()).expect("guides loads");
    h.allow_call("applications", "guides");
    h
}

fn apply(h: &PluginHarness, body: Value) -> (String, Value) {
    let r = h.post_json("/api/applications", &body, &anyone());
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    (v["token"].as_str().expect("a token").to_owned(), v)
}

fn upload(h: &PluginHarness, token: &str, mid: &str, name: &str, bytes: &[u8]) -> TestResponse {
    h.upload(&format!("/api/applications/a/{token}/materials/{mid}"), name, bytes, &anyone())
}

fn view(h: &PluginHarness, token: &str) -> Value {
    let r = h.get(&format!("/api/applications/a/{token}"));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn status_of(v: &Value, mid: &str) -> String {
    v["materials"].as_array().unwrap().iter().find(|m| m["id"] == mid).unwrap_or_else(|| panic!("{mid} in {v}"))["status"].as_str().unwrap().to_owned()
}

fn submit(h: &PluginHarness, token: &str) -> TestResponse {
    h.post_json(&format!("/api/applications/a/{token}/submit"), &json!({}), &anyone())
}

fn review(h: &PluginHarness, id: i64, who: &Caller, verdicts: Value) -> TestResponse {
    h.post_json(&format!("/api/applications/cases/{id}/review"), &json!({"materials": verdicts}), who)
}

/// A `<script>` without `src` (other than a JSON data block) or an
/// `on…=` handler: what the host's strict policy would refuse to run.
fn inline_script(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("<script") {
        let end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
        let tag = &rest[i..end];
        if !tag.contains(" src=") && !tag.contains("application/json") {
            return true;
        }
        rest = &rest[end..];
    }
    lower.match_indices(" on").any(|(i, _)| {
        let name: String = lower[i + 1..].chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        name.len() > 2 && lower[i + 1 + name.len()..].trim_start().starts_with('=')
    })
}

fn templates(h: &PluginHarness, template: &str) -> Vec<linli_host::notify::NewMessage> {
    h.outbox().into_iter().map(|m| m.message).filter(|m| m.template == template).collect()
}

/// Open an application for `item` and upload every material asked for.
fn ready(h: &PluginHarness, item: &str, extra: Value) -> (String, i64) {
    let mut body = json!({"item": item, "name": "张三明", "phone": PHONE});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    let (token, v) = apply(h, body);
    for m in v["materials"].as_array().unwrap() {
        if m["status"] == "missing" {
            let r = upload(h, &token, m["id"].as_str().unwrap(), "scan.pdf", &pdf());
            assert_eq!(r.status, 201, "{}", r.text());
        }
    }
    (token, v["id"].as_i64().unwrap())
}

mod harness {
    use super::*;

    /// The whole review: upload, a correction of two materials told in
    /// one notice, re-upload of only those, acceptance, the outcome, and
    /// every step on the timeline with who and when.
    #[test]
    fn upload_review_one_correction_notice_reupload_accept_and_decide() {
        let h = harness();
        h.set_time(at(MAR04, 9));
        let (token, v) = apply(&h, json!({"item": "dibao", "name": "张三明", "phone": "138 0013 8000"}));
        let id = v["id"].as_i64().unwrap();
        assert_eq!((v["source"].as_str(), v["status"].as_str()), (Some("guides"), Some("draft")), "the list comes from the guides: {v}");
        assert!(v["item_version"].as_i64().is_some(), "the guide's version is recorded: {v}");
        assert_eq!(status_of(&v, "m3"), "on_file", "居民户口簿 is held by the hall: not asked");
        assert!(!v.to_string().contains(PHONE), "the phone masked: {v}");
        assert_eq!(templates(&h, "application-created").len(), 1, "the resident got the link");
        // Three of the four asked for; submitting names what is missing.
        for (mid, name, bytes) in [("m1", "申请书.jpg", jpeg()), ("m2", "身份证.pdf", pdf()), ("m4", "收入.jpg", jpeg())] {
            let r = upload(&h, &token, mid, name, &bytes);
            assert_eq!(r.status, 201, "{}", r.text());
            assert_eq!(r.json()["status"], "uploaded");
        }
        let e = refused(&submit(&h, &token), 422, "materials_missing");
        assert!(e["error"]["message_zh"].as_str().unwrap().contains("残疾证"), "{e}");
        assert_eq!(view(&h, &token)["status"], "draft", "nothing changed");
        refused(&upload(&h, &token, "m3", "户口簿.pdf", &pdf()), 409, "material_on_file");
        assert_eq!(upload(&h, &token, "m5", "病历.pdf", &pdf()).status, 201);
        let r = submit(&h, &token);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!((r.json()["status"].as_str(), r.json()["due_day"].as_str()), (Some("submitted"), Some("2026-03-11")), "5 working days from Wednesday 03-04");
        refused(&upload(&h, &token, "m1", "again.jpg", &jpeg()), 409, "under_review");
        // Every uploaded material must be judged.
        let e = refused(&review(&h, id, &clerk_a(), json!([{"id": "m1", "verdict": "accept"}])), 422, "verdict_missing");
        assert!(e["error"]["message_zh"].as_str().unwrap().contains("全体共同生活家庭成员的居民身份证"), "{e}");
        refused(&review(&h, id, &clerk_a(), json!([{"id": "m1", "verdict": "correct"}, {"id": "m2", "verdict": "accept"}, {"id": "m4", "verdict": "accept"}, {"id": "m5", "verdict": "accept"}])), 422, "reason_required");
        refused(&review(&h, id, &clerk_a(), json!([{"id": "m1", "verdict": "correct", "reasons": ["nosuch"]}])), 422, "reason_unknown");
        refused(&review(&h, id, &clerk_a(), json!([{"id": "m3", "verdict": "accept"}])), 422, "material_not_under_review");
        let v = view(&h, &token);
        assert_eq!((v["status"].as_str(), v["clerk"].as_str()), (Some("submitted"), None), "refused reviews changed nothing: {v}");
        assert!(templates(&h, "application-correction").is_empty());
        // Two corrections, two accepted: one notice with both.
        let r = review(
            &h,
            id,
            &clerk_a(),
            json!([
                {"id": "m1", "verdict": "accept"},
                {"id": "m2", "verdict": "correct", "reasons": ["unclear", "incomplete"], "note": "请上传身份证正反两面"},
                {"id": "m4", "verdict": "accept"},
                {"id": "m5", "verdict": "correct", "reasons": ["expired"]}
            ]),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["corrections"], 2);
        let sent = templates(&h, "application-correction");
        let to_phone: Vec<_> = sent.iter().filter(|m| m.recipient_kind == "phone").collect();
        assert_eq!(to_phone.len(), 1, "one notice for all corrections: {sent:?}");
        assert!(to_phone[0].recipient.ends_with(PHONE));
        let list = &to_phone[0].params.iter().find(|(k, _)| k == "list").unwrap().1;
        assert!(list.contains("全体共同生活家庭成员的居民身份证") && list.contains("请上传身份证正反两面") && list.contains("证件已过有效期") && list.contains("残疾证"), "{list}");
        let v = view(&h, &token);
        assert_eq!(v["status"], "correction");
        assert_eq!(v["clerk"], "王窗口");
        assert!(v["notices"][0]["text"].as_str().unwrap().contains("一次性告知"), "the notice on the resident's page: {v}");
        let m2 = v["materials"].as_array().unwrap().iter().find(|m| m["id"] == "m2").unwrap();
        assert_eq!(m2["reasons"][0]["text"], "图像不清晰，无法辨认", "{m2}");
        // Only what was asked is uploaded again.
        let files_before = h.files().len();
        let e = refused(&upload(&h, &token, "m1", "申请书2.jpg", &jpeg()), 409, "material_not_requested");
        assert!(e["error"]["message_en"].as_str().unwrap().contains("not asked for"), "{e}");
        assert_eq!(h.files().len(), files_before, "the refused file was not kept");
        assert_eq!(status_of(&view(&h, &token), "m1"), "accepted");
        assert_eq!(upload(&h, &token, "m2", "身份证正反面.pdf", &pdf()).status, 201);
        refused(&submit(&h, &token), 422, "materials_missing");
        assert_eq!(upload(&h, &token, "m5", "新病历.jpg", &jpeg()).status, 201);
        let r = submit(&h, &token);
        assert_eq!(r.status, 200, "{}", r.text());
        // Another clerk may not review or decide it.
        let e = refused(&review(&h, id, &clerk_b(), json!([{"id": "m2", "verdict": "accept"}, {"id": "m5", "verdict": "accept"}])), 403, "not_your_application");
        assert!(e["error"]["message_zh"].as_str().unwrap().contains("王窗口"), "{e}");
        assert_eq!(view(&h, &token)["status"], "submitted", "nothing changed");
        // A guide or the public cannot review at all (the host's gate).
        assert_eq!(review(&h, id, &staff("40", "导办", &["guide"]), json!([])).status, 403);
        assert_eq!(review(&h, id, &anyone(), json!([])).status, 401);
        let r = review(&h, id, &clerk_a(), json!([{"id": "m2", "verdict": "accept"}, {"id": "m5", "verdict": "accept"}]));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["status"], "accepted");
        assert_eq!(templates(&h, "application-accepted").len(), 1);
        // At the window: the checked materials, then the outcome.
        let case = h.request("GET", &format!("/api/applications/cases/{id}"), b"", &clerk_a()).json();
        assert!(case["materials"].as_array().unwrap().iter().all(|m| m["status"] == "accepted" || m["status"] == "on_file"), "{case}");
        assert!(case["materials"][0]["reviewed_by"] == "王窗口", "who checked it shows: {case}");
        refused(&h.post_json(&format!("/api/applications/cases/{id}/decide"), &json!({"outcome": "done"}), &clerk_b()), 403, "not_your_application");
        refused(&h.post_json(&format!("/api/applications/cases/{id}/decide"), &json!({"outcome": "refused"}), &clerk_a()), 422, "reason_required");
        let r = h.post_json(&format!("/api/applications/cases/{id}/decide"), &json!({"outcome": "done"}), &clerk_a());
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["certificate"], Value::Null, "低保 issues no certificate");
        let e = refused(&h.post_json(&format!("/api/applications/cases/{id}/decide"), &json!({"outcome": "refused", "reason": "重复"}), &clerk_a()), 409, "application_closed");
        assert!(e["error"]["message_zh"].as_str().unwrap().contains("已办结"), "{e}");
        refused(&review(&h, id, &clerk_a(), json!([])), 409, "application_closed");
        // The timeline: each step with who.
        let v = view(&h, &token);
        assert_eq!(v["status"], "done");
        let steps: Vec<(String, String)> = v["timeline"].as_array().unwrap().iter().map(|s| (s["action"].as_str().unwrap().to_owned(), s["who"].as_str().unwrap().to_owned())).collect();
        let actions: Vec<&str> = steps.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(
            actions,
            [
                "created", "uploaded", "uploaded", "uploaded", "uploaded", "submitted", "claimed", "material_accepted", "material_correction", "material_accepted", "material_correction",
                "correction_notice", "reuploaded", "reuploaded", "resubmitted", "material_accepted", "material_accepted", "accepted", "done"
            ],
            "{steps:?}"
        );
        assert!(steps.iter().filter(|s| s.0.starts_with("material_") || s.0 == "done").all(|s| s.1 == "王窗口"), "{steps:?}");
        assert!(steps.iter().filter(|s| s.0.contains("upload")).all(|s| s.1 == "居民"), "{steps:?}");
        assert!(v["timeline"][0]["at"].as_str().unwrap().starts_with("2026-03-04 09:00"), "when: {v}");
    }

    /// The legal clock across the Spring Festival: submitted Thursday
    /// 02-12, the fifth working day is 02-26 (Friday 02-13, make-up
    /// Saturday 02-14, then 02-24, 02-25, 02-26 after the holiday); the
    /// supervisors see it the working day before; untold by then it counts
    /// as accepted. Submitted Friday 02-27, the make-up Saturday 02-28
    /// counts: due 03-05.
    #[test]
    fn the_clock_across_the_spring_festival_and_its_make_up_saturdays() {
        let h = harness();
        h.set_time(at(FEB12, 10));
        let (late, late_id) = ready(&h, "juzhu-zhengming", json!({}));
        let (told, told_id) = ready(&h, "juzhu-zhengming", json!({"phone": "13900001111"}));
        for t in [&late, &told] {
            let r = submit(&h, t);
            assert_eq!(r.status, 200, "{}", r.text());
            assert_eq!(r.json()["due_day"], "2026-02-26", "{}", r.text());
        }
        let due = |h: &PluginHarness| -> Vec<(i64, i64)> {
            let r = h.request("GET", "/api/applications/due", b"", &supervisor());
            assert_eq!(r.status, 200, "{}", r.text());
            r.json()["applications"].as_array().unwrap().iter().map(|a| (a["id"].as_i64().unwrap(), a["working_days_left"].as_i64().unwrap())).collect()
        };
        assert_eq!(h.request("GET", "/api/applications/due", b"", &clerk_a()).status, 403, "supervisors only");
        h.set_time(at(FEB12 + 2 * DAY, 10)); // Saturday 02-14, a make-up working day
        assert!(due(&h).is_empty(), "three working days left");
        h.set_time(at(FEB12 + 7 * DAY, 10)); // 02-19, inside the holiday
        assert!(due(&h).is_empty(), "the holiday does not count: still three left");
        h.set_time(at(FEB12 + 12 * DAY, 10)); // Tuesday 02-24
        assert!(due(&h).is_empty(), "two left");
        h.set_time(at(FEB12 + 13 * DAY, 10)); // Wednesday 02-25
        assert_eq!(due(&h), [(late_id, 1), (told_id, 1)], "the working day before");
        h.set_time(at(FEB12 + 14 * DAY, 16)); // Thursday 02-26, the last day
        assert_eq!(due(&h), [(late_id, 0), (told_id, 0)]);
        let r = review(&h, told_id, &clerk_a(), json!([{"id": "m1", "verdict": "accept"}, {"id": "m2", "verdict": "correct", "reasons": ["unsigned"]}, {"id": "m3", "verdict": "accept"}]));
        assert_eq!(r.status, 200, "told on the last day: {}", r.text());
        assert_eq!(due(&h), [(late_id, 0)]);
        // Friday 02-27: the untold one counts as accepted (on the tick).
        h.set_time(at(FEB12 + 15 * DAY, 0) + 60_000);
        h.tick().unwrap();
        let v = view(&h, &late);
        assert_eq!((v["status"].as_str(), v["deemed"].as_bool()), (Some("accepted"), Some(true)), "{v}");
        assert!(v["status_label"].as_str().unwrap().contains("视为受理"), "{v}");
        let last = v["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["action"].as_str(), last["who"].as_str()), (Some("deemed_accepted"), Some("系统")), "{last}");
        assert!(last["detail"].as_str().unwrap().contains("2026-02-26"), "{last}");
        assert_eq!(templates(&h, "application-deemed").len(), 1);
        let page = h.get(&format!("/applications/a/{late}")).text();
        assert!(page.contains("/appointments?item=juzhu-zhengming") && page.contains("视为受理"), "accepted: the page offers booking the visit: {page}");
        assert!(due(&h).is_empty());
        refused(&review(&h, late_id, &clerk_a(), json!([{"id": "m1", "verdict": "accept"}])), 409, "already_accepted");
        let v = view(&h, &told);
        assert_eq!((v["status"].as_str(), v["deemed"].as_bool()), (Some("correction"), Some(false)), "told in time: waits for the resident: {v}");
        // Resubmitted Friday 02-27: Saturday 02-28 is a make-up working day.
        assert_eq!(upload(&h, &told, "m2", "合同.pdf", &pdf()).status, 201);
        h.set_time(at(FEB12 + 15 * DAY, 9));
        let r = submit(&h, &told);
        assert_eq!(r.json()["due_day"], "2026-03-05", "{}", r.text());
        h.tick().unwrap();
        assert_eq!(view(&h, &told)["status"], "submitted");
        // The deemed-accepted application is decided at the window.
        let r = h.post_json(&format!("/api/applications/cases/{late_id}/decide"), &json!({"outcome": "refused", "reason": "非本社区居民"}), &clerk_a());
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(view(&h, &late)["outcome_reason"], "非本社区居民");
    }

    /// 办结 of a 社区证明 item issues a certificate: printed (staff) with
    /// its code and a QR code; anyone checks the code and sees only what
    /// the certificate says, the name masked, no ID number or address.
    #[test]
    fn a_certificate_prints_with_a_code_and_verifies_masked() {
        let h = harness();
        h.set_time(at(MAR04, 9));
        let (token, id) = ready(&h, "juzhu-zhengming", json!({"id_number": ID, "address": "幸福路 8 号 3 单元 502 室", "purpose": "子女入学"}));
        assert_eq!(submit(&h, &token).status, 200);
        let r = review(&h, id, &clerk_a(), json!([{"id": "m1", "verdict": "accept"}, {"id": "m2", "verdict": "accept"}, {"id": "m3", "verdict": "accept"}]));
        assert_eq!(r.status, 200, "{}", r.text());
        let r = h.post_json(&format!("/api/applications/cases/{id}/decide"), &json!({"outcome": "done"}), &clerk_a());
        assert_eq!(r.status, 200, "{}", r.text());
        let code = r.json()["certificate"].as_str().expect("a certificate code").to_owned();
        assert_eq!(code.len(), 12);
        assert_eq!(r.json()["print"], format!("/applications/certificate/{code}"));
        assert!(templates(&h, "application-done")[0].params.iter().any(|(_, v)| v.contains(&code)), "the code sent to the resident");
        // The print page: the whole certificate, the code, the QR code.
        let page = h.request("GET", &format!("/applications/certificate/{code}"), b"", &clerk_a());
        assert_eq!(page.status, 200, "{}", page.text());
        let text = page.text();
        assert!(text.contains("居住证明") && text.contains("张三明") && text.contains("子女入学") && text.contains(&code) && text.contains("<svg"), "{text}");
        assert!(!text.contains(ID), "the ID card number is never stored whole: {text}");
        assert_eq!(h.request("GET", &format!("/applications/certificate/{code}"), b"", &anyone()).status, 401, "printing is for staff");
        // Anyone checks it: what it says, masked.
        for c in [code.clone(), code.to_lowercase(), format!("{}-{}", &code[..6], &code[6..])] {
            let r = h.get(&format!("/api/applications/verify/{c}"));
            assert_eq!(r.status, 200, "{c}: {}", r.text());
            let v = r.json();
            assert_eq!((v["valid"].as_bool(), v["title"].as_str(), v["holder"].as_str(), v["purpose"].as_str()), (Some(true), Some("居住证明"), Some("张**"), Some("子女入学")), "{v}");
            let s = v.to_string();
            assert!(!s.contains("张三明") && !s.contains("1101") && !s.contains("002X") && !s.contains("幸福路"), "nothing more than the masked certificate: {s}");
        }
        let page = h.get(&format!("/applications/verify/{code}")).text();
        assert!(page.contains("证明有效") && page.contains("张**") && !page.contains("张三明") && !page.contains("幸福路"), "{page}");
        refused(&h.get("/api/applications/verify/ZZZZZZZZZZZZ"), 404, "certificate_not_found");
        assert!(h.get("/applications/verify/ZZZZ").text().contains("没有这个验证码"));
    }

    /// Nothing asked twice: a material the guides mark as held, and one
    /// this resident had accepted before (same ID card and phone), are on
    /// file; someone typing the same ID card number with another phone
    /// gets no such shortcut.
    #[test]
    fn a_material_the_hall_holds_is_not_asked_again() {
        let h = harness();
        h.set_time(at(MAR04, 9));
        let (first, id) = ready(&h, "juzhu-zhengming", json!({"id_number": ID}));
        assert_eq!(submit(&h, &first).status, 200);
        let r = review(&h, id, &clerk_a(), json!([{"id": "m1", "verdict": "accept"}, {"id": "m2", "verdict": "correct", "reasons": ["expired"]}, {"id": "m3", "verdict": "accept"}]));
        assert_eq!(r.status, 200, "{}", r.text());
        let (_, v) = apply(&h, json!({"item": "juzhu-zhengming", "name": "张三明", "phone": "+86 138-0013-8000", "id_number": "110105 19491231 002x"}));
        assert_eq!(status_of(&v, "m1"), "on_file", "the ID card accepted last time: {v}");
        assert_eq!(v["materials"][0]["held_from"], id);
        assert_eq!(status_of(&v, "m2"), "missing", "the contract was not accepted: asked again");
        assert_eq!(status_of(&v, "m3"), "on_file");
        let (_, v) = apply(&h, json!({"item": "juzhu-zhengming", "name": "冒用者", "phone": "13700001111", "id_number": ID}));
        assert_eq!(status_of(&v, "m1"), "missing", "another phone: no shortcut: {v}");
        // The desk (staff saw the card) reuses it whatever the phone.
        let r = h.post_json("/api/applications/desk", &json!({"item": "juzhu-zhengming", "name": "张三明", "phone": "13700002222", "id_number": ID}), &staff("40", "刘导办", &["guide"]));
        assert_eq!(r.status, 201, "{}", r.text());
        let v = r.json();
        assert_eq!((status_of(&v, "m1").as_str(), v["proxy"].as_bool(), v["proxy_by"].as_str()), ("on_file", Some(true), Some("刘导办")), "{v}");
        assert!(v["timeline"][0]["detail"].as_str().unwrap().contains("代办"), "{v}");
        // Consent is asked of a resident alone: their record is for staff.
        let r = h.post_json("/api/applications", &json!({"item": "dibao", "name": "张三明", "phone": PHONE, "id_number": ID, "consent": true}), &anyone());
        refused(&r, 403, "records_staff_only");
        let r = h.post_json("/api/applications/desk/prefill", &json!({"id_number": ID}), &staff("40", "刘导办", &["guide"]));
        refused(&r, 422, "consent_required");
    }

    /// Bad input, each a 4xx in both languages with nothing changed.
    #[test]
    fn bad_input_is_refused_in_both_languages_with_nothing_changed() {
        let h = harness();
        h.set_time(at(MAR04, 9));
        let (token, v) = apply(&h, json!({"item": "dibao", "name": "张三明", "phone": PHONE}));
        let id = v["id"].as_i64().unwrap();
        // A program renamed .jpg: the type is read from the bytes.
        let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
        exe.resize(2048, 0);
        let r = upload(&h, &token, "m1", "photo.jpg", &exe);
        assert_eq!(r.status, 415, "{}", r.text());
        assert!(r.text().contains("applications") && r.text().contains("read from the content"), "{}", r.text());
        // 50 MiB, over the 20 MiB cap.
        let mut big = jpeg();
        big.resize(50 * 1024 * 1024, 0x22);
        let r = upload(&h, &token, "m1", "big.jpg", &big);
        assert_eq!(r.status, 413, "{}", r.text());
        drop(big);
        assert!(h.files().is_empty(), "no file kept");
        assert_eq!(status_of(&view(&h, &token), "m1"), "missing");
        refused(&upload(&h, &token, "m9", "x.pdf", &pdf()), 404, "material_unknown");
        refused(&upload(&h, "NOSUCHTOKEN", "m1", "x.pdf", &pdf()), 404, "application_not_found");
        assert!(h.files().is_empty(), "the refused uploads left nothing");
        // Text: control characters, 100,000 characters, a bad phone or ID card number, an unknown item or field.
        let e = refused(&h.post_json("/api/applications", &json!({"item": "dibao", "name": "张\u{0}三", "phone": PHONE}), &anyone()), 422, "text_control_characters");
        assert_eq!(e["error"]["field"], "name");
        let e = refused(&h.post_json("/api/applications", &json!({"item": "dibao", "name": "张三", "phone": PHONE, "purpose": "长".repeat(100_000)}), &anyone()), 422, "text_too_long");
        assert_eq!(e["error"]["field"], "purpose");
        assert!(e["error"]["message_zh"].as_str().unwrap().contains("100000"), "{e}");
        refused(&h.post_json("/api/applications", &json!({"item": "dibao", "name": "张三", "phone": "12ab"}), &anyone()), 422, "phone_invalid");
        refused(&h.post_json("/api/applications", &json!({"item": "dibao", "name": "张三", "phone": PHONE, "id_number": "110105194912310021"}), &anyone()), 422, "id_invalid");
        refused(&h.post_json("/api/applications", &json!({"item": "../../x", "name": "张三", "phone": PHONE}), &anyone()), 404, "item_unknown");
        refused(&h.post_json("/api/applications", &json!({"item": "nosuch", "name": "张三", "phone": PHONE}), &anyone()), 404, "item_unknown");
        refused(&h.post_json("/api/applications", &json!({"item": "dibao", "name": "张三", "phone": PHONE, "colour": 1}), &anyone()), 422, "field_unknown");
        assert_eq!(h.request("POST", "/api/applications", b"{not json", &anyone()).status, 400);
        let cases = h.request("GET", "/api/applications/cases", b"", &supervisor()).json();
        assert!(cases["applications"].as_array().unwrap().is_empty(), "drafts are not listed, and no other application was made: {cases}");
        // A review note of 100,000 characters or with control characters: nothing changed.
        for (mid, name) in [("m1", "a.pdf"), ("m2", "b.pdf"), ("m4", "c.pdf"), ("m5", "d.pdf")] {
            assert_eq!(upload(&h, &token, mid, name, &pdf()).status, 201);
        }
        assert_eq!(submit(&h, &token).status, 200);
        let all = |note: &str| json!([{"id": "m1", "verdict": "correct", "note": note}, {"id": "m2", "verdict": "accept"}, {"id": "m4", "verdict": "accept"}, {"id": "m5", "verdict": "accept"}]);
        let e = refused(&review(&h, id, &clerk_a(), all(&"字".repeat(100_000))), 422, "text_too_long");
        assert_eq!(e["error"]["field"], "materials[0].note");
        let e = refused(&review(&h, id, &clerk_a(), all("请重传\u{1b}[31m")), 422, "text_control_characters");
        assert_eq!(e["error"]["field"], "materials[0].note");
        let v = view(&h, &token);
        assert_eq!((v["status"].as_str(), v["clerk"].as_str()), (Some("submitted"), None), "{v}");
        assert!(v["materials"].as_array().unwrap().iter().all(|m| m["status"] == "uploaded" || m["status"] == "on_file"), "{v}");
        // Deciding before acceptance; a decision that is neither.
        refused(&h.post_json(&format!("/api/applications/cases/{id}/decide"), &json!({"outcome": "done"}), &clerk_a()), 409, "not_accepted_yet");
        refused(&h.post_json("/api/applications/cases/99999/decide", &json!({"outcome": "done"}), &clerk_a()), 404, "application_not_found");
        // Taken by one clerk: another cannot take it; a supervisor reassigns.
        assert_eq!(h.post_json(&format!("/api/applications/cases/{id}/claim"), &json!({}), &clerk_a()).status, 200);
        refused(&h.post_json(&format!("/api/applications/cases/{id}/claim"), &json!({}), &clerk_b()), 403, "not_your_application");
        assert_eq!(h.post_json(&format!("/api/applications/cases/{id}/assign"), &json!({"clerk": "22", "clerk_name": "李窗口"}), &clerk_a()).status, 403, "supervisors reassign");
        let r = h.post_json(&format!("/api/applications/cases/{id}/assign"), &json!({"clerk": "22", "clerk_name": "李窗口"}), &supervisor());
        assert_eq!(r.status, 200, "{}", r.text());
        refused(&review(&h, id, &clerk_a(), all("x")), 403, "not_your_application");
        let r = review(&h, id, &clerk_b(), all("请补签名"));
        assert_eq!(r.status, 200, "{}", r.text());
    }

    /// Over the host's notify limits a review still stands and answers
    /// 200 (the notice is on the application page all the same).
    #[test]
    fn a_notice_held_back_by_notify_limits_never_fails_the_review() {
        let mut limits = linli_host::runtime::limits::Limits::default();
        limits.notify_per_recipient_per_hour = 1;
        let h = PluginHarness::load_with(fixtures::PLUGIN_APPLICATIONS, PluginSettings { limits, ..PluginSettings::default() }).expect("loads");
        h.set_time(at(MAR04, 9));
        let (token, id) = ready(&h, "juzhu-zhengming", json!({}));
        assert_eq!(submit(&h, &token).status, 200);
        let r = review(&h, id, &clerk_a(), json!([{"id": "m1", "verdict": "accept"}, {"id": "m2", "verdict": "correct", "reasons": ["unclear"]}, {"id": "m3", "verdict": "accept"}]));
        assert_eq!(r.status, 200, "{}", r.text());
        let v = view(&h, &token);
        assert_eq!(v["status"], "correction");
        assert!(v["notices"][0]["text"].as_str().unwrap().contains("一次性告知"), "on the page: {v}");
        assert!(templates(&h, "application-correction").iter().all(|m| m.recipient_kind == "inbox"), "the phone's hourly limit held the SMS back");
    }

    /// An accepted application gets one priority ticket in the queue
    /// (through `services`), never two; before acceptance none.
    #[test]
    fn an_accepted_application_takes_one_priority_ticket() {
        let h = harness();
        h.add_plugin(fixtures::PLUGIN_QUEUE, PluginSettings::default()).expect("queue loads");
        h.set_time(at(MAR04, 10));
        let (token, id) = ready(&h, "juzhu-zhengming", json!({}));
        let guide = staff("40", "刘导办", &["guide"]);
        let take = |h: &PluginHarness| h.post_json(&format!("/api/applications/cases/{id}/ticket"), &json!({}), &guide);
        refused(&take(&h), 409, "not_accepted_yet");
        assert_eq!(submit(&h, &token).status, 200);
        let r = review(&h, id, &clerk_a(), json!([{"id": "m1", "verdict": "accept"}, {"id": "m2", "verdict": "accept"}, {"id": "m3", "verdict": "accept"}]));
        assert_eq!(r.status, 200, "{}", r.text());
        refused(&take(&h), 503, "queue_unavailable");
        h.allow_call("applications", "queue");
        let waiting = |h: &PluginHarness| h.get("/api/queue/services").json()["services"].as_array().unwrap().iter().find(|s| s["code"] == "D").unwrap()["waiting"].as_i64().unwrap();
        assert_eq!(waiting(&h), 0);
        let r = take(&h);
        assert_eq!(r.status, 201, "{}", r.text());
        let ticket = r.json()["ticket"].as_str().unwrap().to_owned();
        assert!(ticket.starts_with('D'), "the certificates' queue: {ticket}");
        let e = refused(&take(&h), 409, "already_ticketed");
        assert!(e["error"]["message_zh"].as_str().unwrap().contains(&ticket), "{e}");
        assert_eq!(waiting(&h), 1, "one ticket");
        assert_eq!(h.post_json(&format!("/api/applications/cases/{id}/ticket"), &json!({}), &anyone()).status, 401);
        let last = view(&h, &token)["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["action"].as_str(), last["who"].as_str(), last["detail"].as_str()), (Some("ticket"), Some("刘导办"), Some(ticket.as_str())), "{last}");
    }

    /// Without the guides (or without the link) the configured list is used.
    #[test]
    fn without_the_guides_link_the_configured_items_are_used() {
        let h = PluginHarness::load(fixtures::PLUGIN_APPLICATIONS).expect("loads");
        h.set_time(at(MAR04, 9));
        let items = h.get("/api/applications/items").json();
        assert_eq!(items["source"], "config", "{items}");
        let (_, v) = apply(&h, json!({"item": "dibao", "name": "张三明", "phone": PHONE}));
        assert_eq!((v["source"].as_str(), v["materials"].as_array().unwrap().len()), (Some("config"), 5), "{v}");
        assert_eq!(status_of(&v, "m3"), "on_file");
        refused(&h.post_json("/api/applications", &json!({"item": "shengyu-dengji", "name": "张三", "phone": PHONE}), &anyone()), 404, "item_unknown");
        // With the guides linked: every item of the guides.
        let h = harness();
        let items = h.get("/api/applications/items").json();
        assert_eq!(items["source"], "guides");
        assert!(items["items"].as_array().unwrap().len() >= 12, "{items}");
        let (_, v) = apply(&h, json!({"item": "shengyu-dengji", "name": "张三", "phone": PHONE}));
        assert_eq!(v["materials"].as_array().unwrap().len(), 3, "{v}");
    }

    /// The pages render in both languages, escaped, with no inline script.
    #[test]
    fn pages_render_escaped_in_both_languages_without_inline_script() {
        let h = harness();
        h.set_time(at(MAR04, 9));
        let (token, id) = ready(&h, "juzhu-zhengming", json!({"name": "<b>张</b>三"}));
        let en = Caller::anonymous("en");
        let mut en_clerk = clerk_a();
        en_clerk.lang = "en".into();
        let pages = [
            ("/applications".to_owned(), anyone(), "预受理申请"),
            ("/applications".to_owned(), en.clone(), "Apply online"),
            (format!("/applications/a/{token}"), anyone(), "data-linli-upload"),
            (format!("/applications/a/{token}"), en.clone(), "Submit for review"),
            ("/applications/desk".to_owned(), staff("40", "导办", &["guide"]), "居民已同意"),
            ("/applications/review".to_owned(), supervisor(), "即将逾期"),
            (format!("/applications/review/{id}"), clerk_a(), "居住证明开具"),
            (format!("/applications/review/{id}"), en_clerk.clone(), "Timeline"),
            (format!("/applications/a/{token}/thread"), anyone(), "我的办事进度"),
            (format!("/applications/a/{token}/thread"), en.clone(), "My case"),
            (format!("/applications/review/{id}/thread"), clerk_a(), "办事全程"),
            (format!("/applications/review/{id}/thread"), en_clerk, "The whole case"),
        ];
        for (path, who, needle) in pages {
            let r = h.request("GET", &path, b"", &who);
            assert_eq!(r.status, 200, "{path}: {}", r.text());
            let text = r.text();
            assert!(text.contains(needle), "{path} ({}): {text}", who.lang);
            assert!(!inline_script(&text), "{path}: inline script");
            assert!(!text.contains("<b>张</b>"), "{path}: the name escaped");
            if who.lang == "en" {
                let visible: String = text.split("<script").next().unwrap_or("").chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).collect();
                assert!(visible.chars().all(|c| "居住证明开具申请人居民身份证房屋产权或租赁合同需要的单位出具用途说明张三".contains(c)), "{path}: Chinese outside the data itself: {visible}");
            }
        }
        let js = h.get("/applications/assets/app.js");
        assert_eq!(js.status, 200);
        assert!(js.headers.iter().any(|(k, v)| k == "content-type" && v.contains("javascript")));
        assert!(h.get("/applications/assets/upload.js").text().contains("x-linli-file-name"), "the SDK's upload script with progress");
    }

    /// A certificate of `item` issued at `when` (all materials accepted by
    /// clerk A, 办结): its code and the application's token.
    fn issued(h: &PluginHarness, when: i64) -> (String, String, i64) {
        h.set_time(when);
        let (token, id) = ready(h, "juzhu-zhengming", json!({"purpose": "子女入学", "id_number": ID, "address": "幸福路 1 号"}));
        assert_eq!(submit(h, &token).status, 200);
        let r = review(h, id, &clerk_a(), json!([{"id": "m1", "verdict": "accept"}, {"id": "m2", "verdict": "accept"}, {"id": "m3", "verdict": "accept"}]));
        assert_eq!(r.json()["status"], "accepted", "{}", r.text());
        let r = h.post_json(&format!("/api/applications/cases/{id}/decide"), &json!({"outcome": "done"}), &clerk_a());
        assert_eq!(r.status, 200, "{}", r.text());
        (r.json()["certificate"].as_str().expect("a certificate").to_owned(), token, id)
    }

    /// Issue 15 item 3: certificates are checked at `/verify/CODE` (the
    /// printed QR code and address say so; the old address still answers).
    /// A supervisor revokes one with a reason: the check then says 已作废
    /// with the day and the reason from the list, and nothing of what it
    /// certified; the supervisor's note stays with staff. A clerk is
    /// refused; a second revocation is a 409 with nothing changed.
    #[test]
    fn a_supervisor_revokes_a_certificate_once_and_verify_says_revoked() {
        let h = harness();
        let (code, token, id) = issued(&h, at(MAR04, 9));
        let print = h.request("GET", &format!("/applications/certificate/{code}"), b"", &clerk_a()).text();
        assert!(print.contains(&format!("/verify/{code}")) && !print.contains("/applications/verify/"), "the printed address is /verify/CODE: {print}");
        assert!(!print.contains("ac-revoke"), "a clerk is not offered revocation");
        assert!(h.request("GET", &format!("/applications/certificate/{code}"), b"", &supervisor()).text().contains("id=\"ac-revoke\""), "a supervisor is");
        for path in [format!("/verify/{code}"), format!("/applications/verify/{}", code.to_lowercase())] {
            let page = h.get(&path).text();
            assert!(page.contains("证明有效") && page.contains("张**") && page.contains("子女入学"), "{path}: {page}");
        }
        let revoke = |who: &Caller, body: Value| h.post_json(&format!("/api/applications/certificates/{code}/revoke"), &body, who);
        // Refused: a clerk (the host's gate), anyone, an unknown reason.
        assert_eq!(revoke(&clerk_a(), json!({"reason": "error"})).status, 403);
        assert_eq!(revoke(&anyone(), json!({"reason": "error"})).status, 401);
        let e = refused(&revoke(&supervisor(), json!({"reason": "because"})), 422, "revoke_reason_unknown");
        assert_eq!(e["error"]["field"], "reason", "{e}");
        assert!(h.get(&format!("/verify/{code}")).text().contains("证明有效"), "still valid after the refusals");
        // The supervisor revokes it the next day.
        h.set_time(at(MAR04 + DAY, 10));
        let r = revoke(&supervisor(), json!({"reason": "reissued", "note": "张三明要求更正地址"}));
        assert_eq!(r.status, 200, "{}", r.text());
        let v = h.get(&format!("/api/applications/verify/{code}")).json();
        assert_eq!((v["valid"].as_bool(), v["revoked"].as_bool(), v["revoked_day"].as_str()), (Some(false), Some(true), Some("2026-03-05")), "{v}");
        assert!(v["revoked_reason"].as_str().unwrap().contains("重新开具"), "{v}");
        assert!(v.get("holder").is_none() && v.get("purpose").is_none() && !v.to_string().contains("更正地址"), "nothing of what it certified, no note: {v}");
        for path in [format!("/verify/{code}"), format!("/applications/verify/{code}")] {
            let page = h.get(&path).text();
            assert!(page.contains("已作废") && page.contains("2026-03-05") && page.contains("重新开具"), "{path}: {page}");
            assert!(!page.contains("证明有效") && !page.contains("张**") && !page.contains("子女入学") && !page.contains("更正地址"), "{path}: {page}");
        }
        let en = h.request("GET", &format!("/verify/{code}"), b"", &Caller::anonymous("en")).text();
        assert!(en.contains("revoked") && en.contains("2026-03-05"), "{en}");
        // The print page says so at the top; the staff thread has the note.
        assert!(h.request("GET", &format!("/applications/certificate/{code}"), b"", &clerk_a()).text().contains("id=\"ac-revoked\""));
        let staff_thread = h.request("GET", &format!("/api/applications/cases/{id}/thread"), b"", &clerk_a()).json();
        assert_eq!(staff_thread["certificate"]["revoked"], true, "{staff_thread}");
        assert!(staff_thread.to_string().contains("更正地址") && staff_thread.to_string().contains("赵主管"), "{staff_thread}");
        let mine = h.get(&format!("/api/applications/a/{token}/thread")).json();
        assert!(!mine.to_string().contains("更正地址"), "the note is the hall's: {mine}");
        // Twice: a clear 409, nothing changed.
        let steps = view(&h, &token)["timeline"].as_array().unwrap().len();
        h.set_time(at(MAR04 + 2 * DAY, 10));
        let e = refused(&revoke(&supervisor(), json!({"reason": "error"})), 409, "already_revoked");
        assert!(e["error"]["message_zh"].as_str().unwrap().contains("2026-03-05"), "{e}");
        assert_eq!(view(&h, &token)["timeline"].as_array().unwrap().len(), steps, "no step added");
        let v = h.get(&format!("/api/applications/verify/{code}")).json();
        assert_eq!((v["revoked_day"].as_str(), v["revoked_reason"].as_str().map(|r| r.contains("重新开具"))), (Some("2026-03-05"), Some(true)), "unchanged: {v}");
        refused(&revoke(&supervisor(), json!({"reason": "error"})), 409, "already_revoked");
        assert_eq!(h.post_json("/api/applications/certificates/NOSUCHCODE1/revoke", &json!({"reason": "error"}), &supervisor()).status, 404);
    }

    /// Issue 15 item 5: the one case thread. A booking made first is linked
    /// when applying (checked with the appointments plugin: another item's
    /// booking or an unknown code refused, nothing created); the check-in
    /// ticket is recorded on the application; the queue gives the times and
    /// the window; every stage has who and when, staff names only where the
    /// hall shows them.
    #[test]
    fn the_case_thread_has_guide_booking_application_ticket_and_outcome() {
        let h = harness();
        h.add_plugin(fixtures::PLUGIN_APPOINTMENTS, PluginSettings::default()).expect("appointments loads");
        h.add_plugin(fixtures::PLUGIN_QUEUE, PluginSettings::default()).expect("queue loads");
        h.allow_call("appointments", "queue");
        h.set_time(at(MAR04, 9));
        let book = |item: &str| {
            let r = h.post_json("/api/appointments/bookings", &json!({"item": item, "day": "2026-03-05", "slot": "09:00", "phone": PHONE}), &anyone());
            assert_eq!(r.status, 201, "{}", r.text());
            r.json()["code"].as_str().unwrap().to_owned()
        };
        let code = book("dibao");
        let other = book("juzhu-zhengming");
        let body = |b: &str| json!({"item": "dibao", "name": "张三明", "phone": PHONE, "booking": b});
        // Without the admin's link the booking cannot be checked.
        refused(&h.post_json("/api/applications", &body(&code), &anyone()), 503, "appointments_unavailable");
        h.allow_call("applications", "appointments");
        h.allow_call("applications", "queue");
        let e = refused(&h.post_json("/api/applications", &body(&other), &anyone()), 422, "booking_other_item");
        assert_eq!(e["error"]["field"], "booking", "{e}");
        refused(&h.post_json("/api/applications", &body("ZZZZ9999"), &anyone()), 422, "booking_not_found");
        refused(&h.post_json("/api/applications", &body("<x>"), &anyone()), 422, "booking_code_invalid");
        let (token, v) = apply(&h, body(&format!(" {} ", code.to_lowercase())));
        let id = v["id"].as_i64().unwrap();
        assert_eq!(id, 1, "the refused ones created nothing");
        for m in v["materials"].as_array().unwrap().iter().filter(|m| m["status"] == "missing") {
            assert_eq!(upload(&h, &token, m["id"].as_str().unwrap(), "scan.pdf", &pdf()).status, 201);
        }
        assert_eq!(submit(&h, &token).status, 200);
        let all: Vec<Value> = view(&h, &token)["materials"].as_array().unwrap().iter().filter(|m| m["status"] == "uploaded").map(|m| json!({"id": m["id"], "verdict": "accept"})).collect();
        assert_eq!(review(&h, id, &clerk_a(), json!(all)).json()["status"], "accepted");
        // The day: a walk-in first, then the check-in; the booking is called first.
        h.set_time(at(MAR04 + DAY, 8) + 35 * 60_000);
        assert_eq!(h.post_json("/api/queue/tickets", &json!({"service": "A"}), &anyone()).status, 201);
        h.set_time(at(MAR04 + DAY, 8) + 50 * 60_000);
        let r = h.post_json("/api/appointments/check-in", &json!({"code": code}), &anyone());
        assert_eq!(r.status, 201, "{}", r.text());
        let ticket = r.json()["ticket"].as_str().unwrap().to_owned();
        h.set_time(at(MAR04 + DAY, 9));
        let mut window1 = clerk_a();
        window1.window = Some("1".into());
        let r = h.post_json("/api/queue/counter/call-next", &json!({}), &window1);
        assert_eq!(r.json()["ticket"]["ticket"], ticket.as_str(), "{}", r.text());
        h.set_time(at(MAR04 + DAY, 9) + 12 * 60_000);
        let r = h.post_json("/api/queue/counter/finish", &json!({}), &window1);
        assert_eq!(r.status, 200, "{}", r.text());
        let r = h.post_json(&format!("/api/applications/cases/{id}/decide"), &json!({"outcome": "done"}), &clerk_a());
        assert_eq!(r.status, 200, "{}", r.text());
        // The resident's thread.
        let t = h.get(&format!("/api/applications/a/{token}/thread")).json();
        let keys: Vec<&str> = t["stages"].as_array().unwrap().iter().map(|s| s["key"].as_str().unwrap()).collect();
        assert_eq!(keys, ["guide", "appointment", "application", "ticket", "outcome"], "{t}");
        assert!(t["stages"].as_array().unwrap().iter().all(|s| s["done"] == true), "every stage done: {t}");
        assert_eq!((t["booking"].as_str(), t["ticket"].as_str()), (Some(code.as_str()), Some(ticket.as_str())), "the application records its booking and ticket: {t}");
        let stage = |t: &Value, k: &str| t["stages"].as_array().unwrap().iter().find(|s| s["key"] == k).unwrap().clone();
        let events = |t: &Value, k: &str| -> Vec<(String, String, String)> {
            stage(t, k)["events"].as_array().unwrap().iter().map(|e| (e["at"].as_str().unwrap_or("").to_owned(), e["who"].as_str().unwrap_or("").to_owned(), e["what"].as_str().unwrap_or("").to_owned())).collect()
        };
        assert!(stage(&t, "guide")["events"][0]["what"].as_str().unwrap().contains("版办事指南"), "{t}");
        let ap = events(&t, "appointment");
        assert!(ap[0].0.starts_with("2026-03-04 09:00") && ap[0].1 == "本人" && ap[0].2 == "预约", "{ap:?}");
        assert!(ap[1].0.starts_with("2026-03-05 08:50"), "checked in: {ap:?}");
        let tk = events(&t, "ticket");
        assert_eq!(tk.len(), 3, "taken, called, finished: {tk:?}");
        assert!(tk[0].0.starts_with("2026-03-05 08:50") && tk[1].0.starts_with("2026-03-05 09:00") && tk[1].1 == "1 号窗口" && tk[2].0.starts_with("2026-03-05 09:12"), "{tk:?}");
        let app = events(&t, "application");
        assert!(app.iter().any(|e| e.2 == "上传材料" && e.1 == "本人") && app.iter().any(|e| e.2 == "受理" && e.1 == "王窗口"), "{app:?}");
        let out = events(&t, "outcome");
        assert!(out.iter().any(|e| e.2 == "办结" && e.1 == "王窗口" && e.0.starts_with("2026-03-05")), "{out:?}");
        assert!(!t.to_string().contains(PHONE) && !t.to_string().contains("张三明") && !t.to_string().contains("\"21\""), "no phone, full name or staff account: {t}");
        // Staff: the same thread with the resident named and masked nothing staff may see.
        let s = h.request("GET", &format!("/api/applications/cases/{id}/thread"), b"", &clerk_a()).json();
        assert_eq!(s["applicant"], "张三明");
        assert!(events(&s, "application").iter().any(|e| e.2 == "上传材料" && e.1 == "居民本人"), "{s}");
        let page = h.request("GET", &format!("/applications/review/{id}/thread"), b"", &clerk_a()).text();
        assert_eq!(page.matches("class=\"card ac-stage\"").count(), 5, "{page}");
        let page = h.get(&format!("/applications/a/{token}/thread")).text();
        assert!(page.contains("我的办事进度") && page.contains(&ticket) && page.contains("1 号窗口"), "{page}");
        // A closed application links nothing.
        refused(&h.post_json(&format!("/api/applications/a/{token}/booking"), &json!({"booking": code}), &anyone()), 409, "application_closed");
        // An application made without the code links its booking later
        // from the resident's page; the same code again changes nothing.
        h.set_time(at(MAR04 + DAY, 10));
        let later = h.post_json("/api/appointments/bookings", &json!({"item": "juzhu-zhengming", "day": "2026-03-06", "slot": "09:00", "phone": "13900139000"}), &anyone()).json()["code"].as_str().unwrap().to_owned();
        let (token2, _) = apply(&h, json!({"item": "juzhu-zhengming", "name": "李四", "phone": "13900139000"}));
        assert_eq!(h.get(&format!("/api/applications/a/{token2}/thread")).json()["booking"], Value::Null);
        assert!(h.get(&format!("/applications/a/{token2}")).text().contains("id=\"ac-link-booking\""), "the page offers to link a booking");
        refused(&h.post_json(&format!("/api/applications/a/{token2}/booking"), &json!({"booking": code}), &anyone()), 422, "booking_other_item");
        let link = |h: &PluginHarness| h.post_json(&format!("/api/applications/a/{token2}/booking"), &json!({"booking": later}), &anyone());
        assert_eq!(link(&h).json()["linked"], true);
        let steps = view(&h, &token2)["timeline"].as_array().unwrap().len();
        assert_eq!(link(&h).json()["linked"], false, "the same booking again");
        assert_eq!(view(&h, &token2)["timeline"].as_array().unwrap().len(), steps, "no second step");
        let t2 = h.get(&format!("/api/applications/a/{token2}/thread")).json();
        assert_eq!((t2["booking"].as_str(), t2["stages"][1]["done"].as_bool()), (Some(later.as_str()), Some(true)), "{t2}");
    }
}

// ---- On PostgreSQL -----------------------------------------------------------

/// Every harness test again with the plugin's SQL in PostgreSQL
/// (`LINLI_TEST_POSTGRES`), in a child process of this test binary.
#[test]
fn the_harness_tests_pass_on_postgres() {
    let _one_at_a_time = heavy();
    let Some(pg) = linli_tests::postgres() else { return };
    let exe = std::env::current_exe().expect("this test binary");
    let out = std::process::Command::new(exe).args(["harness::", "--test-threads", "1"]).env("LINLI_TEST_POSTGRES", pg.url()).output().expect("run the harness tests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passed = stdout.lines().filter(|l| l.starts_with("test ") && l.ends_with(" ok")).count();
    assert!(out.status.success(), "on PostgreSQL:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(passed >= 11, "{passed} passed:\n{stdout}");
}

// ---- Over HTTP, on a real host ---------------------------------------------------

mod http {
    use super::*;
    use std::io::{Read, Write};
    use linli_tests::{Staff, TestServer, http_json, sign_in};
    use std::sync::Arc;

    fn post(s: &TestServer, who: Option<&Staff>, path: &str, body: &Value) -> (u16, Value) {
        let mut r = ureq::post(&format!("{}{path}", s.url));
        if let Some(st) = who {
            r = r.set("Cookie", &st.cookie).set("X-CSRF-Token", &st.csrf);
        }
        http_json(r, body)
    }

    fn get(s: &TestServer, who: &Staff, path: &str) -> (u16, Value) {
        http_json(ureq::get(&format!("{}{path}", s.url)).set("Cookie", &who.cookie), &Value::Null)
    }

    /// Upload `bytes` as the SDK's upload script does.
    fn send_file(s: &TestServer, path: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
        match ureq::post(&format!("{}{path}", s.url)).set("x-linli-file-name", name).set("content-type", "application/octet-stream").send_bytes(bytes) {
            Ok(r) => (r.status(), r.into_json().unwrap_or(Value::Null)),
            Err(ureq::Error::Status(c, r)) => (c, r.into_json().unwrap_or(Value::Null)),
            Err(e) => panic!("{path}: {e}"),
        }
    }

    fn audit_reads(s: &TestServer, sup: &Staff) -> usize {
        let (_, log) = get(s, sup, "/api/host/audit?action=residents.read");
        log["entries"].as_array().map(|e| e.iter().filter(|x| x["action"] == "residents.read").count()).unwrap_or(0)
    }

    /// The flow through the real server: the guides link and the resident
    /// records granted by an admin; the desk fills the form from the record
    /// only with consent (audited); uploads refused by type and size with
    /// both languages; review, correction, re-upload, acceptance, 办结 and
    /// the certificate checked by its code.
    fn flow(settings: &str) {
        let _one_at_a_time = heavy();
        let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9))));
        let s = TestServer::start_custom(&[fixtures::PLUGIN_APPLICATIONS, fixtures::PLUGIN_GUIDES, fixtures::RECORDS], settings, None, clock);
        let admin = sign_in(&s, "admin", &["admin"]);
        assert_eq!(post(&s, Some(&admin), "/api/host/plugins/applications/calls", &json!({"callees": ["guides"]})).0, 200);
        // The grant list is the whole set: what was granted, plus residents.
        let all = ["kv", "sql", "events", "clock", "log", "config", "pseudonyms", "calendar", "notify", "services", "files", "residents"];
        for (p, caps) in [("applications", &all[..]), ("records", &["residents"][..])] {
            let (code, v) = post(&s, Some(&admin), &format!("/api/host/plugins/{p}/grants"), &json!({"capabilities": caps}));
            assert_eq!(code, 200, "{v}");
        }
        let clerk = sign_in(&s, "clerk", &["clerk"]);
        let guide = sign_in(&s, "guide", &["guide"]);
        let sup = sign_in(&s, "sup", &["supervisor"]);
        let (code, v) = post(&s, Some(&clerk), "/records", &json!({"name": "张三明", "id_number": ID, "phone": PHONE}));
        assert_eq!(code, 201, "{v}");
        let reads = audit_reads(&s, &sup);
        // Without consent the record is not read.
        let (code, v) = post(&s, Some(&guide), "/api/applications/desk/prefill", &json!({"id_number": ID}));
        assert_eq!((code, v["error"]["code"].as_str()), (422, Some("consent_required")), "{v}");
        assert_eq!(audit_reads(&s, &sup), reads, "no read without consent");
        let (code, v) = post(&s, Some(&guide), "/api/applications/desk/prefill", &json!({"id_number": ID, "consent": true}));
        assert_eq!(code, 200, "{v}");
        assert_eq!((v["name"].as_str(), v["phone"].as_str(), v["address"].as_str()), (Some("张三明"), Some(PHONE), Some("幸福路 1 号")), "the record (the records fixture keeps its own address): {v}");
        assert_eq!(audit_reads(&s, &sup), reads + 1, "the read is audited");
        // 代办 with the form filled from the record.
        let (code, app) = post(&s, Some(&guide), "/api/applications/desk", &json!({"item": "juzhu-zhengming", "id_number": ID, "consent": true, "purpose": "子女入学"}));
        assert_eq!(code, 201, "{app}");
        assert_eq!((app["applicant"].as_str(), app["prefilled"].as_bool(), app["source"].as_str()), (Some("张三明"), Some(true), Some("guides")), "{app}");
        let token = app["token"].as_str().unwrap().to_owned();
        let id = app["id"].as_i64().unwrap();
        let up = |mid: &str| format!("/api/applications/a/{token}/materials/{mid}");
        // An exe renamed .jpg and 50 MiB: refused by the host, in both languages.
        let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
        exe.resize(4096, 0);
        let (code, v) = send_file(&s, &up("m1"), "photo.jpg", &exe);
        assert_eq!((code, v["error"]["code"].as_str()), (415, Some("file_type")), "{v}");
        assert!(v["error"]["message_zh"].as_str().is_some_and(|m| !m.is_empty()) && v["error"]["message_en"].as_str().is_some_and(|m| m.contains("content")), "{v}");
        // 50 MiB declared: refused before the body is read (the client
        // sends the head and a few bytes, and waits for the answer).
        let addr = s.url.trim_start_matches("http://").to_owned();
        let mut conn = std::net::TcpStream::connect(&addr).unwrap();
        conn.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        write!(conn, "POST {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nx-linli-file-name: big.jpg\r\nContent-Length: {}\r\n\r\n", up("m1"), 50 * 1024 * 1024).unwrap();
        conn.write_all(&jpeg()).unwrap();
        let mut answer = Vec::new();
        let _ = conn.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        let v: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap_or("")).unwrap_or(Value::Null);
        assert_eq!(v["error"]["code"], "file_too_large", "{answer}");
        assert!(v["error"]["message_zh"].as_str().is_some_and(|m| m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))) && v["error"]["message_en"].as_str().is_some_and(|m| m.contains("20971520")), "{v}");
        let (_, now) = http_json(ureq::get(&format!("{}/api/applications/a/{token}", s.url)), &Value::Null);
        assert_eq!(status_of(&now, "m1"), "missing", "nothing changed: {now}");
        for (mid, name, bytes) in [("m1", "身份证.jpg", jpeg()), ("m2", "合同.pdf", pdf()), ("m3", "用途.pdf", pdf())] {
            let (code, v) = send_file(&s, &up(mid), &urlencode(name), &bytes);
            assert_eq!(code, 201, "{v}");
        }
        assert_eq!(post(&s, None, &format!("/api/applications/a/{token}/submit"), &json!({})).0, 200);
        let (code, v) = post(&s, Some(&clerk), &format!("/api/applications/cases/{id}/review"), &json!({"materials": [{"id": "m1", "verdict": "accept"}, {"id": "m2", "verdict": "correct", "reasons": ["unclear"]}, {"id": "m3", "verdict": "accept"}]}));
        assert_eq!(code, 200, "{v}");
        // The clerk opens the file (served by the host, audited as personal).
        let r = ureq::get(&format!("{}/api/applications/cases/{id}/materials/m1/file", s.url)).set("Cookie", &clerk.cookie).call().expect("the file");
        let mut served = Vec::new();
        r.into_reader().read_to_end(&mut served).unwrap();
        assert_eq!(served, jpeg());
        let (code, v) = send_file(&s, &up("m1"), "again.jpg", &jpeg());
        assert_eq!((code, v["error"]["code"].as_str()), (409, Some("material_not_requested")), "{v}");
        let (code, v) = send_file(&s, &up("m2"), &urlencode("合同清晰.pdf"), &pdf());
        assert_eq!(code, 201, "{v}");
        assert_eq!(post(&s, None, &format!("/api/applications/a/{token}/submit"), &json!({})).0, 200);
        let (code, v) = post(&s, Some(&clerk), &format!("/api/applications/cases/{id}/review"), &json!({"materials": [{"id": "m2", "verdict": "accept"}]}));
        assert_eq!((code, v["status"].as_str()), (200, Some("accepted")), "{v}");
        let (code, v) = post(&s, Some(&clerk), &format!("/api/applications/cases/{id}/decide"), &json!({"outcome": "done"}));
        assert_eq!(code, 200, "{v}");
        let cert = v["certificate"].as_str().unwrap().to_owned();
        let (code, page) = http_get(&s, Some(&clerk), &format!("/applications/certificate/{cert}"));
        assert_eq!(code, 200);
        assert!(page.contains("张三明") && page.contains(&cert) && page.contains("<svg"), "{page}");
        let (code, v) = http_json(ureq::get(&format!("{}/api/applications/verify/{cert}", s.url)), &Value::Null);
        assert_eq!((code, v["holder"].as_str(), v["valid"].as_bool()), (200, Some("张**"), Some(true)), "{v}");
        assert!(!v.to_string().contains("幸福路"), "{v}");
        let (code, page) = http_get(&s, None, &format!("/applications/verify/{cert}"));
        assert_eq!(code, 200);
        assert!(page.contains("证明有效") && !page.contains("张三明"), "{page}");
        let (code, v) = post(&s, Some(&clerk), &format!("/api/applications/cases/{id}/decide"), &json!({"outcome": "refused", "reason": "x"}));
        assert_eq!((code, v["error"]["code"].as_str()), (409, Some("application_closed")), "{v}");
    }

    fn urlencode(s: &str) -> String {
        s.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
    }

    fn http_get(s: &TestServer, who: Option<&Staff>, path: &str) -> (u16, String) {
        let mut r = ureq::get(&format!("{}{path}", s.url));
        if let Some(st) = who {
            r = r.set("Cookie", &st.cookie);
        }
        linli_tests::http(r)
    }

    /// With `LINLI_SCREENSHOTS=DIR`, the page as it is now, as base64 PNG in
    /// DIR/NAME.png.b64 (for the README's screenshots).
    fn snap(b: &linli_tests::browser::Browser, name: &str) {
        if let Ok(dir) = std::env::var("LINLI_SCREENSHOTS") {
            let v = b.call("GET", "/screenshot", None);
            std::fs::write(format!("{dir}/{name}.png.b64"), v["value"].as_str().unwrap_or("")).expect("writing a screenshot");
        }
    }

    /// Choose `bytes` (written to a file named `name`) in the file input of
    /// material `mid`'s form, as a person picking it, and send it.
    fn pick_and_upload(b: &linli_tests::browser::Browser, dir: &std::path::Path, mid: &str, name: &str, bytes: &[u8]) {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("a file to upload");
        let css = format!(".ac-mat[data-mid=\"{mid}\"] input[type=file]");
        let e = b.call("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        let id = e["value"]["element-6066-11e4-a52e-4f735466cecf"].as_str().unwrap_or_else(|| panic!("no file input for {mid}: {e}")).to_owned();
        b.call("POST", &format!("/element/{id}/value"), Some(json!({"text": path.display().to_string()})));
        b.click(&format!(".ac-mat[data-mid=\"{mid}\"] button[type=submit]"));
        b.until(&format!("{mid} uploaded"), &format!("document.querySelector('.ac-mat[data-mid=\"{mid}\"] .ac-st-uploaded')"));
    }

    /// The pages in Chromium: a resident applies and uploads with the
    /// progress script, a clerk asks for one correction on the review
    /// console, the resident sees only that material open with its reason
    /// and uploads it again, the clerk accepts and completes it, and the
    /// certificate prints and verifies.
    #[test]
    fn pages_in_chromium_upload_correct_reupload_accept() {
        let _one_at_a_time = heavy();
        let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
        let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9))));
        let s = TestServer::start_custom(&[fixtures::PLUGIN_APPLICATIONS, fixtures::PLUGIN_GUIDES], "", None, clock);
        let admin = sign_in(&s, "admin", &["admin"]);
        assert_eq!(post(&s, Some(&admin), "/api/host/plugins/applications/calls", &json!({"callees": ["guides"]})).0, 200);
        let dir = tempfile::tempdir().expect("a folder for the files");
        b.resize(1280, 1600);
        b.open(&format!("{}/applications?lang=zh-CN", s.url));
        b.until("the form", "document.getElementById('ac-item') && document.querySelector('#ac-item option[value=\"juzhu-zhengming\"]')");
        b.js("document.getElementById('ac-item').value = 'juzhu-zhengming'; document.getElementById('ac-name').value = '张三明'; document.getElementById('ac-phone').value = '138 0013 8000'; document.getElementById('ac-purpose').value = '子女入学'; return 1;");
        b.click("#ac-apply button[type=submit]");
        let path = b.until("the resident's page", "location.pathname.startsWith('/applications/a/') && location.pathname");
        let token = path.as_str().unwrap().trim_start_matches("/applications/a/").to_owned();
        pick_and_upload(&b, dir.path(), "m1", "身份证.jpg", &jpeg());
        pick_and_upload(&b, dir.path(), "m2", "租赁合同.pdf", &pdf());
        pick_and_upload(&b, dir.path(), "m3", "用途说明.pdf", &pdf());
        b.click("#ac-submit");
        b.until("submitted", "document.getElementById('ac-status').textContent.includes('待审核')");
        let (_, v) = http_json(ureq::get(&format!("{}/api/applications/a/{token}", s.url)), &Value::Null);
        let id = v["id"].as_i64().unwrap();
        // The clerk (an admin holds every role) on the review console.
        b.open(&format!("{}/login?lang=zh-CN", s.url));
        b.js("var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'admin'; f.password.value = 'correct horse battery'; f.submit(); return 1;");
        b.until("signed in", "document.querySelector('.who')");
        b.open(&format!("{}/applications/review?lang=zh-CN", s.url));
        b.until("the list", &format!("document.querySelector('#ac-cases a[href=\"/applications/review/{id}\"]')"));
        b.open(&format!("{}/applications/review/{id}?lang=zh-CN", s.url));
        b.until("the verdicts", "document.querySelectorAll('fieldset.ac-verdict').length === 3");
        snap(&b, "applications-review");
        b.js("document.querySelector('input[name=\"v-m1\"][value=accept]').checked = true; document.querySelector('input[name=\"v-m3\"][value=accept]').checked = true; \
              var fs = document.querySelector('fieldset.ac-verdict[data-mid=\"m2\"]'); fs.querySelector('input[value=correct]').checked = true; \
              fs.querySelector('input[name=reason][value=unclear]').checked = true; fs.querySelector('textarea').value = '请上传盖章页'; return 1;");
        b.click("#ac-review");
        b.until("correction asked", "document.getElementById('ac-status').textContent.includes('待补正')");
        // The resident: only the material asked for is open, with why.
        b.open(&format!("{}/applications/a/{token}?lang=zh-CN", s.url));
        b.until("the page", "document.getElementById('ac-materials')");
        let open: Vec<String> = serde_json::from_value(b.js("return Array.prototype.map.call(document.querySelectorAll('form[data-linli-upload]'), function (f) { return f.closest('.ac-mat').getAttribute('data-mid'); });")).unwrap();
        assert_eq!(open, ["m2"], "only the material asked for can be uploaded again");
        let text = b.js("return document.querySelector('.ac-mat[data-mid=\"m2\"]').textContent;");
        assert!(text.as_str().unwrap().contains("图像不清晰") && text.as_str().unwrap().contains("请上传盖章页"), "{text}");
        assert!(b.js("return document.body.textContent;").as_str().unwrap().contains("一次性告知"), "the notice on the page");
        snap(&b, "applications-resident");
        pick_and_upload(&b, dir.path(), "m2", "租赁合同-盖章.pdf", &pdf());
        b.click("#ac-submit");
        b.until("resubmitted", "document.getElementById('ac-status').textContent.includes('待审核')");
        // The clerk accepts it and completes the application.
        b.open(&format!("{}/applications/review/{id}?lang=zh-CN", s.url));
        b.until("one verdict", "document.querySelectorAll('fieldset.ac-verdict').length === 1");
        b.js("document.querySelector('input[name=\"v-m2\"][value=accept]').checked = true; return 1;");
        b.click("#ac-review");
        b.until("accepted", "document.getElementById('ac-status').textContent.includes('已受理')");
        b.click("#ac-decide button[type=submit]");
        let code = b.until("the certificate", "document.querySelector('.ac-cert') && location.pathname.split('/').pop()");
        let code = code.as_str().unwrap().to_owned();
        assert!(b.js("return document.querySelector('.ac-cert').textContent;").as_str().unwrap().contains("张三明"));
        snap(&b, "applications-certificate");
        b.open(&format!("{}/applications/verify/{code}?lang=zh-CN", s.url));
        let verdict = b.until("the check", "document.getElementById('ac-verdict') && document.body.textContent");
        assert!(verdict.as_str().unwrap().contains("证明有效") && verdict.as_str().unwrap().contains("张**") && !verdict.as_str().unwrap().contains("张三明"), "{verdict}");
    }

    #[test]
    fn the_flow_over_http_on_sqlite() {
        flow("");
    }

    #[test]
    fn the_flow_over_http_on_postgres() {
        let Some(pg) = linli_tests::postgres() else { return };
        flow(&linli_tests::store_settings(&pg, "hall"));
        // Another hall of the district (its own schema) has none of it: a
        // clerk there reaches no application of this hall.
        let other = TestServer::start_with_settings(&[fixtures::PLUGIN_APPLICATIONS], &linli_tests::store_settings(&pg, "other"));
        let clerk = sign_in(&other, "clerk", &["clerk"]);
        let (code, v) = post(&other, Some(&clerk), "/api/applications/cases/1/review", &json!({"materials": []}));
        assert_eq!((code, v["error"]["code"].as_str()), (404, Some("application_not_found")), "{v}");
        let (code, v) = get(&other, &clerk, "/api/applications/cases");
        assert_eq!((code, v["applications"].as_array().map(Vec::len)), (200, Some(0)), "{v}");
        let mut c = pg.client().expect("client");
        let n: i64 = c.query_one("SELECT count(*) FROM h_hall__applications.timeline", &[]).expect("the timeline in the hall's schema").get(0);
        assert!(n >= 10, "{n} steps in PostgreSQL");
    }
}
