//! Issue 17, item 1: the `jobs` plugin (就业信息发布区), written with the
//! SDK alone. Staff enter a posting for an employer; it goes live only
//! when a second staff member approves it (the author cannot); live
//! postings are on the board (phone and kiosk), searchable by Chinese
//! words and by category, and on the screens' zone, never with the
//! contact; a resident registers interest once per phone (the same phone
//! written three ways is one) and then sees the contact; staff see whom to
//! call, masked unless they ask, which is recorded. An expired posting
//! disappears everywhere and interest in it is refused clearly. Bad input
//! is a 4xx naming the field, in both languages, with nothing changed.
//! The harness tests (`sandbox::`) run again on PostgreSQL; the main flow
//! runs over HTTP on a real host; a Chromium test takes the screenshots.

use linli_tests::{today_plus, copy_dir};
use linli_host::auth::{Caller, CallerKind};
use linli_host::testing::{PluginHarness, TestResponse};
use linli_tests::{Staff, TestServer, fixtures, http, http_json, postgres, sign_in};
use serde_json::{Value, json};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// 2026-01-01 00:00 at +08:00.
const DAY1: i64 = 1_767_196_800_000;
/// Monday 2026-03-02.
const MAR02: i64 = DAY1 + 60 * DAY;

fn at(day: i64, hh: i64) -> i64 {
    day + hh * HOUR
}

pub fn staff(id: &str, roles: &[&str]) -> Caller {
    let mut c = Caller::staff(roles);
    c.id = Some(id.into());
    c.name = Some(format!("工作人员{id}"));
    c
}

fn anyone() -> Caller {
    Caller::anonymous("zh-CN")
}

fn kiosk() -> Caller {
    Caller { kind: CallerKind::Device { device_kind: "kiosk".into() }, id: Some("kiosk-1".into()), name: Some("自助机".into()), roles: vec![], window: None, lang: "zh-CN".into() }
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

fn posting(title: &str, expires: &str) -> Value {
    json!({
        "title": title, "employer": "朝阳物业服务有限公司", "category": "cleaning",
        "pay_min": 4000, "pay_max": 5500, "pay_unit": "month",
        "place": "朝阳区幸福里小区", "hours": "每天 8:00–17:00，月休四天",
        "requirements": "身体健康，能吃苦耐劳。", "contact": "李经理 13700001111", "expires": expires
    })
}

mod sandbox {
    use super::*;

    pub fn harness(now: i64) -> PluginHarness {
        let mut s = linli_host::runtime::plugin::PluginSettings::default();
        if std::env::var_os("LINLI_TEST_POSTGRES").is_some() {
            s.limits.time_ms = 5_000;
        }
        let h = PluginHarness::load_with(fixtures::PLUGIN_JOBS, s).expect("jobs loads");
        h.set_time(now);
        h
    }

    /// A posting entered by staff "a" and approved by staff "b": its id.
    pub fn live(h: &PluginHarness, body: &Value) -> i64 {
        let r = h.post_json("/api/jobs/staff/postings", body, &staff("a", &["clerk"]));
        assert_eq!(r.status, 201, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        let r = h.post_json(&format!("/api/jobs/staff/postings/{id}/approve"), &json!({}), &staff("b", &["supervisor"]));
        assert_eq!(r.status, 200, "{}", r.text());
        id
    }

    fn public_ids(h: &PluginHarness, query: &str) -> Vec<i64> {
        let r = h.get(&format!("/api/jobs/postings{query}"));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["postings"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
    }

    #[test]
    fn a_posting_goes_live_only_after_a_second_staff_member_approves_it() {
        let h = harness(at(MAR02, 9));
        let author = staff("a", &["clerk"]);
        let r = h.post_json("/api/jobs/staff/postings", &posting("小区保洁员", "2026-03-31"), &author);
        assert_eq!(r.status, 201, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        assert_eq!(r.json()["status"], "pending");
        // Not yet anywhere a resident looks.
        assert!(public_ids(&h, "").is_empty());
        refused(&h.get(&format!("/api/jobs/postings/{id}")), 404, "posting_not_found");
        refused(&h.post_json(&format!("/api/jobs/postings/{id}/interest"), &json!({"phone": "13912345678"}), &anyone()), 404, "posting_not_found");
        assert!(h.screen_items().is_empty(), "not on the screens before the check");
        // The author cannot approve their own, whatever their role.
        refused(&h.post_json(&format!("/api/jobs/staff/postings/{id}/approve"), &json!({}), &author), 403, "own_posting");
        refused(&h.post_json(&format!("/api/jobs/staff/postings/{id}/approve"), &json!({}), &staff("a", &["supervisor"])), 403, "own_posting");
        assert!(public_ids(&h, "").is_empty());
        // A resident or a volunteer cannot check postings at all.
        assert_eq!(h.post_json(&format!("/api/jobs/staff/postings/{id}/approve"), &json!({}), &anyone()).status, 401);
        assert_eq!(h.post_json(&format!("/api/jobs/staff/postings/{id}/approve"), &json!({}), &staff("v", &["volunteer"])).status, 403);
        // A second staff member approves: live on the board and the screens.
        let r = h.post_json(&format!("/api/jobs/staff/postings/{id}/approve"), &json!({}), &staff("b", &["clerk"]));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["status"], "live");
        assert_eq!(r.json()["reviewed_by_name"], "工作人员b");
        assert_eq!(public_ids(&h, ""), vec![id]);
        let detail = h.get(&format!("/api/jobs/postings/{id}"));
        assert_eq!(detail.status, 200);
        assert_eq!(detail.json()["pay"], "4000–5500 元/月");
        assert!(!detail.text().contains("13700001111") && !detail.text().contains("李经理"), "no contact in public: {}", detail.text());
        let list = h.get("/api/jobs/postings").text();
        assert!(!list.contains("13700001111"), "{list}");
        let items = h.screen_items();
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].id, format!("plugin/jobs/job-{id}"));
        assert!(items[0].title.contains("小区保洁员"), "{}", items[0].title);
        assert!(!items[0].body.contains("13700001111") && !items[0].title.contains("13700001111"), "no contact on the screens: {:?}", items[0]);
        // Approving twice is refused.
        refused(&h.post_json(&format!("/api/jobs/staff/postings/{id}/approve"), &json!({}), &staff("c", &["clerk"])), 409, "not_pending");
        // Also on the pages: the board (phone and kiosk) has the title, not the contact.
        for (path, who) in [("/jobs", anyone()), ("/jobs/kiosk", kiosk())] {
            let r = h.request("GET", path, b"", &who);
            assert_eq!(r.status, 200, "{path}");
            assert!(r.text().contains("小区保洁员") && !r.text().contains("13700001111"), "{path}: {}", r.text());
        }
        let r = h.request("GET", &format!("/jobs?id={id}"), b"", &anyone());
        assert!(r.text().contains("jb-interest") && !r.text().contains("13700001111"), "{}", r.text());
        // The kiosk's page is for the hall's kiosks only.
        assert_eq!(h.request("GET", "/jobs/kiosk", b"", &anyone()).status, 401);
    }

    #[test]
    fn a_posting_sent_back_never_goes_live_and_a_reason_is_required() {
        let h = harness(at(MAR02, 9));
        let r = h.post_json("/api/jobs/staff/postings", &posting("夜班保安", "2026-03-20"), &staff("a", &["clerk"]));
        let id = r.json()["id"].as_i64().unwrap();
        let v = refused(&h.post_json(&format!("/api/jobs/staff/postings/{id}/reject"), &json!({"note": "  "}), &staff("b", &["supervisor"])), 422, "field_required");
        assert_eq!(v["error"]["field"], "note");
        let r = h.post_json(&format!("/api/jobs/staff/postings/{id}/reject"), &json!({"note": "工资写法不清楚"}), &staff("b", &["supervisor"]));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["status"], "rejected");
        assert!(public_ids(&h, "").is_empty());
        refused(&h.post_json(&format!("/api/jobs/staff/postings/{id}/approve"), &json!({}), &staff("c", &["clerk"])), 409, "not_pending");
        assert!(h.screen_items().is_empty());
    }

    #[test]
    fn search_finds_chinese_words_and_categories() {
        let h = harness(at(MAR02, 9));
        let a = live(&h, &posting("小区保洁员", "2026-03-31"));
        let mut p = posting("外卖配送员", "2026-03-31");
        p["category"] = json!("delivery");
        p["employer"] = json!("望京配送站");
        p["place"] = json!("朝阳区望京");
        p["pay_unit"] = json!("piece");
        p["pay_min"] = json!(6);
        p["pay_max"] = json!(9);
        let b = live(&h, &p);
        let mut p = posting("餐厅服务员", "2026-03-31");
        p["category"] = json!("service");
        p["place"] = json!("海淀区中关村");
        p["employer"] = json!("中关村餐饮公司");
        p["requirements"] = json!("会说普通话，能上夜班");
        let c = live(&h, &p);
        let enc = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
        assert_eq!(public_ids(&h, &format!("?q={}", enc("保洁"))), vec![a]);
        assert_eq!(public_ids(&h, &format!("?q={}", enc("朝阳"))), vec![b, a], "newest first");
        assert_eq!(public_ids(&h, &format!("?q={}", enc("朝阳 配送"))), vec![b], "every word must match");
        assert_eq!(public_ids(&h, &format!("?q={}", enc("夜班"))), vec![c], "the requirements are searched");
        assert_eq!(public_ids(&h, &format!("?q={}", enc("餐饮"))), vec![c], "the category's name is searched");
        assert_eq!(public_ids(&h, "?category=delivery"), vec![b]);
        assert_eq!(public_ids(&h, &format!("?category=cleaning&q={}", enc("望京"))), Vec::<i64>::new());
        // LIKE's wildcards match themselves nowhere, not everything.
        assert_eq!(public_ids(&h, "?q=%25"), vec![c, b, a], "a lone % is no filter");
        assert_eq!(public_ids(&h, &format!("?q={}", enc("%保洁_"))), vec![a]);
        refused(&h.get("/api/jobs/postings?category=nope"), 422, "bad_category");
        // The board's search form gives the same.
        let page = h.get(&format!("/jobs?q={}", enc("配送"))).text();
        assert!(page.contains("外卖配送员") && !page.contains("小区保洁员"), "{page}");
        let page = h.get("/api/jobs/postings?q=").text();
        assert!(page.contains("6–9 元/件"), "{page}");
    }

    #[test]
    fn interest_is_once_per_phone_and_then_shows_the_contact() {
        let h = harness(at(MAR02, 9));
        let id = live(&h, &posting("小区保洁员", "2026-03-31"));
        let path = format!("/api/jobs/postings/{id}/interest");
        let r = h.post_json(&path, &json!({"phone": "13912345678", "name": "王小明"}), &anyone());
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["contact"], "李经理 13700001111");
        assert_eq!(r.json()["already"], false);
        // The same phone written two other ways is the same resident.
        for other in ["+86 139-1234-5678", "８６１３９１２３４５６７８"] {
            let r = h.post_json(&path, &json!({"phone": other}), &kiosk());
            assert_eq!(r.status, 200, "{other}: {}", r.text());
            assert_eq!(r.json()["already"], true, "{other}");
            assert_eq!(r.json()["contact"], "李经理 13700001111");
        }
        let r = h.post_json(&path, &json!({"phone": "13800001234"}), &kiosk());
        assert_eq!(r.json()["already"], false);
        // A guide registers for a resident without a phone of their own at
        // hand (代办): who did it is recorded.
        let r = h.post_json(&path, &json!({"phone": "13700002222", "name": "赵大爷"}), &staff("g", &["guide"]));
        assert_eq!(r.json()["already"], false, "{}", r.text());
        // Staff see two residents to call, masked…
        let list = h.request("GET", &format!("/api/jobs/staff/postings/{id}/interests"), b"", &staff("b", &["clerk"]));
        assert_eq!(list.status, 200, "{}", list.text());
        let v = list.json();
        assert_eq!(v["residents"].as_array().unwrap().len(), 3, "{v}");
        assert_eq!(v["residents"][2]["acted_by"], "工作人员g", "{v}");
        assert_eq!(v["residents"][2]["channel"], "staff");
        assert!(v["residents"][0]["acted_by"].is_null());
        assert_eq!(v["residents"][0]["phone"], "********678");
        assert_eq!(v["residents"][0]["name"], "王**");
        assert_eq!(v["residents"][1]["channel"], "kiosk");
        assert!(v["lookups"].as_array().unwrap().is_empty());
        // …in full when asked, and that reading is recorded with who did it.
        let v = h.request("GET", &format!("/api/jobs/staff/postings/{id}/interests?full=1"), b"", &staff("b", &["clerk"])).json();
        assert_eq!(v["residents"][0]["phone"], "13912345678");
        assert_eq!(v["residents"][0]["name"], "王小明");
        assert_eq!(v["lookups"][0]["staff"], "工作人员b", "{v}");
        // The record is the host's audit log entry (the harness keeps it).
        let audit = h.audit();
        assert_eq!(audit.len(), 1, "only the full reading: {audit:?}");
        assert_eq!((audit[0].action.as_str(), audit[0].actor_id.as_deref(), audit[0].target.as_deref()), ("jobs: phones.viewed", Some("b"), Some(&*format!("posting:{id}"))));
        // Nobody but staff sees the list.
        assert_eq!(h.request("GET", &format!("/api/jobs/staff/postings/{id}/interests"), b"", &anyone()).status, 401);
        assert_eq!(h.request("GET", &format!("/api/jobs/staff/postings/{id}/interests"), b"", &kiosk()).status, 403);
        // The staff list counts them.
        let all = h.request("GET", "/api/jobs/staff/postings", b"", &staff("b", &["clerk"])).json();
        assert_eq!(all["postings"][0]["interested"], 3, "{all}");
        // The count of interest events matches (no phone in any payload).
        let ev: Vec<_> = h.events().into_iter().filter(|e| e.topic == "jobs.interest").collect();
        assert_eq!(ev.len(), 3);
        assert!(ev.iter().all(|e| !e.payload.contains("139")), "{ev:?}");
    }

    #[test]
    fn an_expired_posting_disappears_everywhere_and_interest_is_refused() {
        let h = harness(at(MAR02, 9));
        let id = live(&h, &posting("小区保洁员", "2026-03-02"));
        assert_eq!(public_ids(&h, ""), vec![id]);
        assert_eq!(h.screen_items().len(), 1);
        // Still there at the end of its day…
        h.set_time(at(MAR02, 23) + 59 * 60_000);
        assert_eq!(public_ids(&h, ""), vec![id]);
        // …gone the moment the next day begins, before any tick.
        h.set_time(MAR02 + DAY);
        assert!(public_ids(&h, "").is_empty());
        let v = refused(&h.get(&format!("/api/jobs/postings/{id}")), 410, "posting_expired");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("2026-03-02"), "{v}");
        let before = h.request("GET", &format!("/api/jobs/staff/postings/{id}/interests"), b"", &staff("b", &["clerk"])).json();
        let v = refused(&h.post_json(&format!("/api/jobs/postings/{id}/interest"), &json!({"phone": "13912345678"}), &anyone()), 410, "posting_expired");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("过期"), "{v}");
        assert!(!v.to_string().contains("13700001111"), "no contact for an expired posting: {v}");
        let after = h.request("GET", &format!("/api/jobs/staff/postings/{id}/interests"), b"", &staff("b", &["clerk"])).json();
        assert_eq!(before["residents"], after["residents"], "nothing recorded");
        let page = h.get(&format!("/jobs?id={id}")).text();
        assert!(page.contains("过期") && !page.contains("jb-interest"), "{page}");
        // The tick takes it off the screens and marks it.
        h.tick().expect("tick");
        assert!(h.screen_items().is_empty(), "{:?}", h.screen_items());
        let all = h.request("GET", "/api/jobs/staff/postings", b"", &staff("b", &["clerk"])).json();
        assert_eq!(all["postings"][0]["status"], "expired");
        // Approving a pending posting past its day is refused too.
        h.set_time(at(MAR02 + DAY, 9));
        let r = h.post_json("/api/jobs/staff/postings", &posting("临时搬运工", "2026-03-03"), &staff("a", &["clerk"]));
        let late = r.json()["id"].as_i64().unwrap();
        h.set_time(MAR02 + 2 * DAY + 1);
        refused(&h.post_json(&format!("/api/jobs/staff/postings/{late}/approve"), &json!({}), &staff("b", &["clerk"])), 410, "posting_expired");
    }

    #[test]
    fn closing_a_posting_takes_it_off_the_board_and_the_screens() {
        let h = harness(at(MAR02, 9));
        let id = live(&h, &posting("小区保洁员", "2026-03-31"));
        assert_eq!(h.screen_items().len(), 1);
        // Only the author or a supervisor.
        refused(&h.post_json(&format!("/api/jobs/staff/postings/{id}/close"), &json!({}), &staff("c", &["clerk"])), 403, "not_yours");
        let r = h.post_json(&format!("/api/jobs/staff/postings/{id}/close"), &json!({}), &staff("a", &["clerk"]));
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(h.screen_items().is_empty());
        assert!(public_ids(&h, "").is_empty());
        refused(&h.post_json(&format!("/api/jobs/postings/{id}/interest"), &json!({"phone": "13912345678"}), &anyone()), 410, "posting_closed");
    }

    #[test]
    fn bad_input_is_refused_naming_the_field_with_nothing_changed() {
        let h = harness(at(MAR02, 9));
        let clerk = staff("a", &["clerk"]);
        let count = || h.request("GET", "/api/jobs/staff/postings", b"", &staff("a", &["clerk"])).json()["postings"].as_array().unwrap().len();
        let cases: Vec<(Value, u16, &str, &str)> = vec![
            (json!({"title": ""}), 422, "field_required", "title"),
            (json!({"title": "保洁".repeat(50_000)}), 422, "text_too_long", "title"),
            (json!({"title": "保洁\u{1b}[31m"}), 422, "text_control_characters", "title"),
            (json!({"employer": "物业\u{202e}公司"}), 422, "text_control_characters", "employer"),
            (json!({"category": "astronaut"}), 422, "bad_category", "category"),
            (json!({"pay_unit": "year"}), 422, "bad_pay_unit", "pay_unit"),
            (json!({"pay_min": -1}), 422, "bad_pay", "pay_min"),
            (json!({"pay_min": 6000, "pay_max": 5000}), 422, "bad_pay", "pay_max"),
            (json!({"contact": ""}), 422, "field_required", "contact"),
            (json!({"requirements": "x".repeat(100_000)}), 422, "text_too_long", "requirements"),
            (json!({"expires": "2026-02-30"}), 422, "bad_expiry", "expires"),
            (json!({"expires": "2026-03-01"}), 422, "bad_expiry", "expires"),
            (json!({"expires": "2026-12-31"}), 422, "bad_expiry", "expires"),
        ];
        for (patch, status, code, field) in cases {
            let mut body = posting("小区保洁员", "2026-03-31");
            for (k, v) in patch.as_object().unwrap() {
                body[k] = v.clone();
            }
            let v = refused(&h.post_json("/api/jobs/staff/postings", &body, &clerk), status, code);
            assert_eq!(v["error"]["field"], field, "{v}");
        }
        // A field of the wrong type or an unknown one: 422 naming it.
        let mut body = posting("小区保洁员", "2026-03-31");
        body["pay_min"] = json!("四千");
        assert_eq!(h.post_json("/api/jobs/staff/postings", &body, &clerk).status, 422);
        assert_eq!(count(), 0, "nothing stored");
        // The same posting sent twice at once (a double tap) is one.
        let r = h.post_json("/api/jobs/staff/postings", &posting("小区保洁员", "2026-03-31"), &clerk);
        assert_eq!(r.status, 201);
        refused(&h.post_json("/api/jobs/staff/postings", &posting("小区保洁员", "2026-03-31"), &clerk), 409, "duplicate_posting");
        assert_eq!(count(), 1);
        // A resident's bad phone or name.
        let id = r.json()["id"].as_i64().unwrap();
        h.post_json(&format!("/api/jobs/staff/postings/{id}/approve"), &json!({}), &staff("b", &["clerk"]));
        let path = format!("/api/jobs/postings/{id}/interest");
        for phone in ["", "call me", "1".repeat(100_000).as_str(), "139\u{0}12345678"] {
            let v = refused(&h.post_json(&path, &json!({"phone": phone}), &anyone()), 422, "phone_invalid");
            assert_eq!(v["error"]["field"], "phone");
        }
        let v = refused(&h.post_json(&path, &json!({"phone": "13912345678", "name": "王\u{7}"}), &anyone()), 422, "text_control_characters");
        assert_eq!(v["error"]["field"], "name");
        refused(&h.post_json("/api/jobs/postings/999/interest", &json!({"phone": "13912345678"}), &anyone()), 404, "posting_not_found");
        let v = h.request("GET", &format!("/api/jobs/staff/postings/{id}/interests"), b"", &staff("b", &["clerk"])).json();
        assert!(v["residents"].as_array().unwrap().is_empty(), "no interest stored: {v}");
    }

    #[test]
    fn the_settings_form_names_each_bad_field_and_keeps_nothing() {
        let h = harness(at(MAR02, 9));
        let admin = staff("root", &["admin"]);
        let r = h.post_json("/api/jobs/config", &json!({"max_days": 0, "screen_zone": "sidebar"}), &admin);
        assert_eq!(r.status, 422, "{}", r.text());
        let t = r.text();
        assert!(t.contains("max_days") && t.contains("screen_zone"), "{t}");
        let before = live(&h, &posting("夜班保安", "2026-03-30"));
        let r = h.post_json("/api/jobs/config", &json!({"screen_zone": "ticker", "max_days": 90}), &admin);
        assert_eq!(r.status, 200, "{}", r.text());
        // The posting already shown moves with the next tick…
        h.tick().expect("tick");
        let items = h.screen_items();
        assert_eq!(items.len(), 1, "{items:?}");
        assert!(format!("{:?}", items[0].zones).to_lowercase().contains("ticker"), "{:?}", items[0].zones);
        h.post_json(&format!("/api/jobs/staff/postings/{before}/close"), &json!({}), &staff("a", &["clerk"]));
        // …and a new one goes onto the ticker at once.
        live(&h, &posting("小区保洁员", "2026-05-30"));
        let items = h.screen_items();
        assert!(format!("{:?}", items[0].zones).to_lowercase().contains("ticker"), "{:?}", items[0].zones);
        assert_eq!(h.request("GET", "/jobs/admin", b"", &staff("c", &["clerk"])).status, 403);
        let page = h.request("GET", "/jobs/admin", b"", &admin);
        assert!(page.status == 200 && page.text().contains("keep_days"), "{}", page.text());
    }

    #[test]
    fn the_pages_speak_english_when_asked() {
        let h = harness(at(MAR02, 9));
        let id = live(&h, &posting("小区保洁员", "2026-03-31"));
        let en = Caller::anonymous("en");
        let page = h.request("GET", "/jobs", b"", &en).text();
        assert!(page.contains("Search") && page.contains("Details and register interest") && page.contains("4000–5500 yuan a month"), "{page}");
        assert!(!page.contains("查看详情") && !page.contains("搜索"), "no Chinese interface text: {page}");
        let page = h.request("GET", &format!("/jobs?id={id}"), b"", &en).text();
        assert!(page.contains("Register interest") && !page.contains("登记意向"), "{page}");
        let v = refused(&h.request("POST", "/api/jobs/postings/99/interest", br#"{"phone":"13912345678"}"#, &en), 404, "posting_not_found");
        assert_eq!(v["error"]["message_en"], "no such job posting");
    }
}

#[test]
fn the_jobs_harness_tests_pass_on_postgres() {
    let Some(pg) = postgres() else { return };
    let exe = std::env::current_exe().expect("this test binary");
    let out = std::process::Command::new(exe).args(["sandbox::", "--test-threads", "1"]).env("LINLI_TEST_POSTGRES", pg.url()).output().expect("run the jobs tests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passed = stdout.lines().filter(|l| l.starts_with("test ") && l.ends_with(" ok")).count();
    assert!(out.status.success(), "on PostgreSQL:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(passed >= 8, "{passed} tests passed:\n{stdout}");
}

// ---- On a real host ------------------------------------------------------

fn post_as(s: &TestServer, who: Option<&Staff>, path: &str, body: &Value) -> (u16, Value) {
    let mut req = ureq::post(&format!("{}{path}", s.url));
    if let Some(w) = who {
        req = req.set("Cookie", &w.cookie).set("X-CSRF-Token", &w.csrf);
    }
    http_json(req, body)
}

fn get_as(s: &TestServer, who: Option<&Staff>, path: &str) -> (u16, String) {
    let mut req = ureq::get(&format!("{}{path}", s.url));
    if let Some(w) = who {
        req = req.set("Cookie", &w.cookie);
    }
    http(req)
}



/// A host with the plugin and a copy of the shipped content folder (its
/// screen layouts have the zones the plugin publishes into).
fn start_with_content() -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content"), &content);
    (TestServer::start_full(&[fixtures::PLUGIN_JOBS], "", Some(content)), dir)
}

#[test]
fn the_main_flow_over_http_on_the_real_sandbox() {
    let (s, _dir) = start_with_content();
    let a = sign_in(&s, "clerk-a", &["clerk"]);
    let b = sign_in(&s, "super-b", &["supervisor"]);
    let vol = sign_in(&s, "vol-c", &["volunteer"]);
    let body = posting("小区保洁员<script>", &today_plus(&s, 10));
    // A resident and a volunteer cannot enter postings.
    assert_eq!(post_as(&s, None, "/api/jobs/staff/postings", &body).0, 401);
    assert_eq!(post_as(&s, Some(&vol), "/api/jobs/staff/postings", &body).0, 403);
    let (code, v) = post_as(&s, Some(&a), "/api/jobs/staff/postings", &body);
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (code, v) = post_as(&s, Some(&a), &format!("/api/jobs/staff/postings/{id}/approve"), &json!({}));
    assert_eq!((code, v["error"]["code"].as_str()), (403, Some("own_posting")), "{v}");
    let (code, v) = post_as(&s, Some(&b), &format!("/api/jobs/staff/postings/{id}/approve"), &json!({}));
    assert_eq!(code, 200, "{v}");
    // The board escapes what staff typed and has no contact.
    let (code, page) = get_as(&s, None, "/jobs");
    assert_eq!(code, 200);
    assert!(page.contains("小区保洁员&lt;script&gt;") && !page.contains("小区保洁员<script>"), "{page}");
    assert!(!page.contains("13700001111"));
    assert_eq!(get_as(&s, None, "/jobs/kiosk").0, 401, "the kiosk page needs a paired kiosk");
    assert_eq!(get_as(&s, None, "/jobs/staff").0, 401);
    assert_eq!(get_as(&s, Some(&vol), "/jobs/staff").0, 403);
    let (code, page) = get_as(&s, Some(&b), "/jobs/staff");
    assert_eq!(code, 200);
    assert!(page.contains("13700001111"), "staff see the contact");
    // Interest over HTTP: the contact, once per phone.
    let (code, v) = post_as(&s, None, &format!("/api/jobs/postings/{id}/interest"), &json!({"phone": "139 1234 5678"}));
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["contact"], "李经理 13700001111");
    let (code, v) = post_as(&s, None, &format!("/api/jobs/postings/{id}/interest"), &json!({"phone": "+8613912345678"}));
    assert_eq!((code, &v["already"]), (200, &json!(true)), "{v}");
    let (code, body) = get_as(&s, Some(&a), &format!("/api/jobs/staff/postings/{id}/interests"));
    assert_eq!(code, 200);
    assert!(body.contains("********678") && !body.contains("13912345678"), "{body}");
    let (code, body) = get_as(&s, None, &format!("/api/jobs/staff/postings/{id}/interests"));
    assert_eq!(code, 401, "{body}");
    // Bad input over HTTP: 422 naming the field, nothing stored.
    let (code, v) = post_as(&s, Some(&a), "/api/jobs/staff/postings", &json!({"title": "x".repeat(100_000)}));
    assert_eq!(code, 422, "{v}");
    let (_, list) = get_as(&s, Some(&a), "/api/jobs/staff/postings");
    assert_eq!(serde_json::from_str::<Value>(&list).unwrap()["postings"].as_array().unwrap().len(), 1);
    // Sent at once: the same posting twice is entered once; the same
    // phone written three ways registers once.
    let dup = posting("仓库理货员", &today_plus(&s, 5));
    let codes: Vec<u16> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..2).map(|_| sc.spawn(|| post_as(&s, Some(&a), "/api/jobs/staff/postings", &dup).0)).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(sorted, vec![201, 409], "{codes:?}");
    let answers: Vec<Value> = std::thread::scope(|sc| {
        let hs: Vec<_> = ["13800138000", "+86 138-0013-8000", "0086 13800138000"]
            .into_iter()
            .map(|ph| {
                let s = &s;
                sc.spawn(move || post_as(s, None, &format!("/api/jobs/postings/{id}/interest"), &json!({"phone": ph})).1)
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers.iter().filter(|v| v["already"] == json!(false)).count(), 1, "{answers:?}");
    assert!(answers.iter().all(|v| v["contact"] == "李经理 13700001111"), "{answers:?}");
    let (_, body) = get_as(&s, Some(&a), &format!("/api/jobs/staff/postings/{id}/interests"));
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["residents"].as_array().unwrap().len(), 2, "{body}");
    // The posting is on the players' index, without the contact.
    let (code, idx) = s.get_json("/api/content/index");
    assert_eq!(code, 200);
    let item = &idx["items"][format!("plugin/jobs/job-{id}")];
    assert!(item["title"].as_str().unwrap_or("").contains("小区保洁员"), "{idx}");
    assert!(!idx.to_string().contains("13700001111"));
}

/// Issue 17's "an expired posting" over HTTP, on a host whose clock the
/// test moves: at the end of its closing day the posting leaves the board,
/// the kiosk's list and the players' index, and registering interest is
/// refused with a clear 410, nothing recorded.
#[test]
fn an_expired_posting_over_http_on_a_host_clock() {
    use std::sync::atomic::Ordering;
    let clock = std::sync::Arc::new(linli_host::runtime::capabilities::ManualClock(std::sync::atomic::AtomicI64::new(at(MAR02, 9))));
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content"), &content);
    let s = TestServer::start_custom(&[fixtures::PLUGIN_JOBS], "", Some(content), clock.clone());
    let a = sign_in(&s, "clerk-a", &["clerk"]);
    let b = sign_in(&s, "super-b", &["supervisor"]);
    let (code, v) = post_as(&s, Some(&a), "/api/jobs/staff/postings", &posting("临时搬运工", "2026-03-02"));
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (code, v) = post_as(&s, Some(&b), &format!("/api/jobs/staff/postings/{id}/approve"), &json!({}));
    assert_eq!(code, 200, "{v}");
    let (code, v) = post_as(&s, None, &format!("/api/jobs/postings/{id}/interest"), &json!({"phone": "13912345678"}));
    assert_eq!(code, 200, "{v}");
    let (_, page) = get_as(&s, None, "/jobs");
    assert!(page.contains("临时搬运工"));
    // The next day, 00:30.
    clock.0.store(MAR02 + DAY + 30 * 60_000, Ordering::SeqCst);
    let (_, page) = get_as(&s, None, "/jobs");
    assert!(!page.contains("临时搬运工"), "gone from the board: {page}");
    let (code, list) = get_as(&s, None, "/api/jobs/postings");
    assert_eq!(code, 200);
    assert!(!list.contains("临时搬运工"), "{list}");
    let (code, v) = post_as(&s, None, &format!("/api/jobs/postings/{id}/interest"), &json!({"phone": "13800138000"}));
    assert_eq!((code, v["error"]["code"].as_str()), (410, Some("posting_expired")), "{v}");
    assert!(v["error"]["message_zh"].as_str().unwrap_or("").contains("已于 2026-03-02 过期") && !v.to_string().contains("13700001111"), "{v}");
    // (A session of the morning before has timed out: a new one.)
    let c = sign_in(&s, "clerk-c", &["clerk"]);
    let (code, body) = get_as(&s, Some(&c), &format!("/api/jobs/staff/postings/{id}/interests"));
    assert_eq!(code, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["residents"].as_array().unwrap().len(), 1, "nothing recorded: {body}");
    // The players take it off at the end of its day (its validity: 00:00
    // at +08:00); the plugin's tick then withdraws it (the harness test).
    let (_, idx) = s.get_json("/api/content/index");
    let item = &idx["items"][format!("plugin/jobs/job-{id}")];
    assert!(item.is_null() || item["valid_until"].as_str().is_some_and(|u| u == "2026-03-02T16:00:00Z"), "{item}");
}

// ---- Screenshots ---------------------------------------------------------

fn snap(b: &linli_tests::browser::Browser, name: &str) {
    b.js("window.scrollTo(0, 0); return 1;");
    shot(b, name);
}

/// The screenshot where the page is scrolled now.
fn shot(b: &linli_tests::browser::Browser, name: &str) {
    if let Ok(dir) = std::env::var("LINLI_SCREENSHOTS") {
        let v = b.call("GET", "/screenshot", None);
        std::fs::write(format!("{dir}/{name}.png.b64"), v["value"].as_str().unwrap_or("")).expect("writing a screenshot");
    }
}

fn browse_as(b: &linli_tests::browser::Browser, who: Option<&Staff>) {
    b.call("DELETE", "/cookie", None);
    b.call("POST", "/cookie", Some(json!({"cookie": {"name": "lang", "value": "zh-CN", "path": "/"}})));
    if let Some(st) = who {
        let (name, value) = st.cookie.split_once('=').expect("name=value");
        b.call("POST", "/cookie", Some(json!({"cookie": {"name": name, "value": value, "path": "/", "httpOnly": true}})));
    }
}

/// In Chromium: staff enter a posting on the staff page, another approves
/// it; a resident searches the board, opens it, registers interest and
/// sees the contact. Screenshots of each page.
#[test]
fn the_pages_in_chromium() {
    let Some(br) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let s = TestServer::start(&[fixtures::PLUGIN_JOBS]);
    let a = sign_in(&s, "clerk-a", &["clerk"]);
    let b = sign_in(&s, "super-b", &["supervisor"]);
    let mut p = posting("餐厅服务员", &today_plus(&s, 20));
    p["category"] = json!("service");
    p["employer"] = json!("幸福里社区食堂");
    p["contact"] = json!("食堂张师傅 010-65123456");
    let (code, v) = post_as(&s, Some(&a), "/api/jobs/staff/postings", &p);
    assert_eq!(code, 201, "{v}");
    post_as(&s, Some(&b), &format!("/api/jobs/staff/postings/{}/approve", v["id"]), &json!({}));
    // Staff "a" enters one on the page (cookies are set on the host's
    // origin, so a page of it is opened first).
    br.open(&format!("{}/jobs", s.url));
    browse_as(&br, Some(&a));
    br.open(&format!("{}/jobs/staff", s.url));
    br.until("the staff page", "document.getElementById('jb-new')");
    let fill = json!({"f-title": "小区保洁员", "f-employer": "朝阳物业服务有限公司", "f-pay_min": "4000", "f-pay_max": "5500", "f-place": "朝阳区幸福里小区", "f-hours": "每天 8:00–17:00", "f-contact": "李经理 13700001111", "f-expires": today_plus(&s, 30), "f-requirements": "身体健康。"});
    for (k, v) in fill.as_object().unwrap() {
        br.js(&format!("document.getElementById({k:?}).value = {v}; return 1;"));
    }
    br.js("document.getElementById('f-category').value = 'cleaning'; return 1;");
    br.click("#jb-new button[type=submit]");
    br.until("the posting is listed", "document.querySelectorAll('tr[data-row]').length === 2");
    snap(&br, "jobs-staff");
    // Staff "b" approves it.
    browse_as(&br, Some(&b));
    br.open(&format!("{}/jobs/staff", s.url));
    br.until("the approve button", "document.querySelector('button[data-act=approve]')");
    br.click("button[data-act=approve]");
    br.until("no posting waits", "!document.querySelector('button[data-act=approve]') && document.readyState === 'complete'");
    // A resident searches and registers interest.
    browse_as(&br, None);
    br.open(&format!("{}/jobs", s.url));
    br.until("two postings", "document.querySelectorAll('.jb-post').length === 2");
    assert!(!br.js("return document.body.innerText;").as_str().unwrap_or("").contains("13700001111"));
    snap(&br, "jobs-board");
    br.js("document.querySelector('input[name=q]').value = '保洁'; document.querySelector('form.jb-search').submit(); return 1;");
    br.until("one found", "document.querySelectorAll('.jb-post').length === 1 && document.body.innerText.includes('小区保洁员')");
    br.click(".jb-post a.button");
    br.until("the interest form", "document.getElementById('jb-interest')");
    br.js("document.getElementById('jb-phone').value = '139 1234 5678'; return 1;");
    br.click("#jb-interest button[type=submit]");
    let contact = br.until("the contact", "document.getElementById('jb-done').hidden === false && document.getElementById('jb-contact').textContent");
    assert_eq!(contact, "李经理 13700001111");
    br.js("document.getElementById('jb-interest-box').scrollIntoView(); return 1;");
    shot(&br, "jobs-interest");
    // The settings page (the SDK's): a bad value is named beside its
    // field and nothing is kept; a good one is saved.
    let admin = sign_in(&s, "root", &["admin"]);
    browse_as(&br, Some(&admin));
    br.open(&format!("{}/jobs/admin", s.url));
    br.until("the settings form", "document.querySelector('[data-path=max_days] input')");
    br.js("document.querySelector('[data-path=max_days] input').value = '0'; return 1;");
    br.click("#linli-settings-save");
    let err = br.until("the problem beside its field", "document.querySelector('[data-path=max_days] .ls-err').textContent");
    assert!(err.as_str().unwrap_or("").contains("365"), "{err}");
    let (_, cfg) = get_as(&s, Some(&admin), "/api/jobs/config");
    assert!(cfg.contains("\"max_days\":60"), "nothing kept: {cfg}");
    br.js("document.querySelector('[data-path=max_days] input').value = '90'; document.querySelector('[data-path=\"categories[0].name_zh\"] input').value = '工厂操作工'; return 1;");
    br.click("#linli-settings-save");
    br.until("saved", "document.getElementById('linli-settings-status').textContent");
    let (_, cfg) = get_as(&s, Some(&admin), "/api/jobs/config");
    assert!(cfg.contains("\"max_days\":90") && cfg.contains("工厂操作工"), "{cfg}");
    snap(&br, "jobs-settings");
}

/// A staff account with its own display name, signed in through the form.
fn sign_in_named(s: &TestServer, username: &str, name: &str, roles: &[&str]) -> Staff {
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    linli_host::auth::sessions::create_staff(&s.host.db, username, name, "correct horse battery", &roles, s.host.now_ms()).expect("create staff");
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let resp = agent.post(&format!("{}/login", s.url)).send_form(&[("username", username), ("password", "correct horse battery"), ("next", "/")]).expect("login answers");
    let cookie = resp.header("set-cookie").expect("session cookie").split(';').next().unwrap().to_owned();
    let page = agent.get(&format!("{}/", s.url)).set("Cookie", &cookie).call().unwrap().into_string().unwrap();
    let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|x| x.split('"').next()).unwrap_or("").to_owned();
    Staff { cookie, csrf }
}

/// The host's audit log entries of the jobs plugin (newest first) and
/// whether the chain verifies.
fn jobs_audit(s: &TestServer, who: &Staff) -> (Vec<Value>, bool) {
    let (code, body) = get_as(s, Some(who), "/api/host/audit");
    assert_eq!(code, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let list = v["entries"].as_array().unwrap().iter().filter(|e| e["action"].as_str().unwrap_or("").starts_with("jobs: ")).cloned().collect();
    (list, v["intact"] == json!(true))
}

/// "Show full phones" is in the host's audit log (capability `audit`): the
/// supervisor who read them by name, the plugin, the posting, and the chain
/// still verifies; the masked list writes nothing; without the grant the
/// full phones are not shown at all (no record, no phones).
#[test]
fn full_phones_are_in_the_host_audit_log() {
    let (s, _dir) = start_with_content();
    let a = sign_in(&s, "clerk-a", &["clerk"]);
    let boss = sign_in_named(&s, "super-w", "王主管", &["supervisor"]);
    let (code, v) = post_as(&s, Some(&a), "/api/jobs/staff/postings", &posting("小区保洁员", &today_plus(&s, 10)));
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(post_as(&s, Some(&boss), &format!("/api/jobs/staff/postings/{id}/approve"), &json!({})).0, 200);
    assert_eq!(post_as(&s, None, &format!("/api/jobs/postings/{id}/interest"), &json!({"phone": "139 1234 5678"})).0, 200);
    let (_, masked) = get_as(&s, Some(&boss), &format!("/api/jobs/staff/postings/{id}/interests"));
    assert!(!masked.contains("13912345678"));
    assert!(jobs_audit(&s, &boss).0.is_empty(), "masked phones need no entry");
    let (code, full) = get_as(&s, Some(&boss), &format!("/api/jobs/staff/postings/{id}/interests?full=1"));
    assert_eq!(code, 200, "{full}");
    assert!(full.contains("13912345678"));
    let (list, intact) = jobs_audit(&s, &boss);
    assert!(intact, "the chain still verifies");
    assert_eq!(list.len(), 1, "{list:?}");
    let e = &list[0];
    assert_eq!((e["action"].as_str(), e["actor_name"].as_str(), e["actor_kind"].as_str()), (Some("jobs: phones.viewed"), Some("王主管"), Some("staff")), "{e}");
    assert_eq!(e["target"], format!("posting:{id}"));
    assert!(!e.to_string().contains("13912345678"), "the log names the posting, never the phone: {e}");
    let (_, page) = get_as(&s, Some(&boss), "/admin/host/audit");
    assert!(page.contains("插件记录：jobs: phones.viewed") && page.contains("王主管"), "on the audit page, in Chinese");
    // The admin takes `audit` away: no record can be written, so no full phones.
    let admin = sign_in(&s, "admin-j", &["admin"]);
    let caps = json!(["kv", "sql", "events", "clock", "log", "config", "calendar", "pseudonyms", "screens"]);
    let (code, v) = http_json(
        ureq::post(&format!("{}/api/host/plugins/jobs/grants", s.url)).set("Cookie", &admin.cookie).set("X-CSRF-Token", &admin.csrf),
        &json!({"capabilities": caps}),
    );
    assert_eq!(code, 200, "{v}");
    let (code, body) = get_as(&s, Some(&boss), &format!("/api/jobs/staff/postings/{id}/interests?full=1"));
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("audit_unavailable") && !body.contains("13912345678"), "{body}");
    assert_eq!(jobs_audit(&s, &boss).0.len(), 1, "no entry for the refused reading");
}
