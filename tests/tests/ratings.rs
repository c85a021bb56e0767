//! Issue 16, items 1, 2 and the ratings part of 5: the `ratings` plugin
//! (好差评). The window's evaluator rates only its own window's finished
//! tickets, once; a resident rates by the ticket's token for a number of
//! days; unrated tickets get a default that never counts as real; each
//! 差评 opens a case whose deadline is counted in working days (over a
//! weekend and the Qingming holiday), is followed up and closed, goes
//! overdue once, and can be appealed by its clerk and decided by a second
//! supervisor. Bad input is a 4xx in Chinese and English with nothing
//! changed. The harness tests (`sandbox::`) run again on PostgreSQL; the
//! last test runs the real queue and ratings on a real host.

use linli_host::auth::{Caller, CallerKind};
use linli_host::runtime::capabilities::ManualClock;
use linli_host::runtime::plugin::PluginSettings;
use linli_host::testing::{PluginHarness, TestResponse};
use linli_tests::{TestServer, fixtures, http, http_json, postgres, sign_in, wait_for};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * HOUR;
/// 2026-01-01 00:00 at +08:00.
const DAY1: i64 = 1_767_196_800_000;
/// Wednesday 2026-03-04.
const MAR04: i64 = DAY1 + 62 * DAY;
/// Thursday 2026-04-02: Friday 04-03 is a working day, then the weekend
/// and the Qingming holiday (04-04 … 04-06).
const APR02: i64 = DAY1 + 91 * DAY;

fn at(day: i64, hh: i64, mm: i64) -> i64 {
    day + hh * HOUR + mm * MINUTE
}

mod sandbox {
    use super::*;

    pub fn anyone() -> Caller {
        Caller::anonymous("zh-CN")
    }

    /// A clerk signed in at `window` (staff id `clerk-N`).
    pub fn clerk(window: &str) -> Caller {
        let mut c = Caller::staff(&["clerk"]);
        c.window = Some(window.into());
        c.id = Some(format!("clerk-{window}"));
        c.name = Some(format!("办事员{window}"));
        c
    }

    pub fn supervisor(id: &str) -> Caller {
        let mut c = Caller::staff(&["supervisor"]);
        c.id = Some(id.into());
        c.name = Some(format!("主管{id}"));
        c
    }

    /// The paired evaluator of `window`.
    pub fn evaluator(window: &str) -> Caller {
        Caller { kind: CallerKind::Device { device_kind: "evaluator".into() }, id: Some(format!("ev-{window}")), name: Some("评价器".into()), roles: vec![], window: Some(window.into()), lang: "zh-CN".into() }
    }

    /// The plugins' settings: on PostgreSQL (the rerun below) every
    /// statement is a round trip on the same busy cores, and a call that
    /// waits on another plugin's lane pays twice: 5 s instead of 1 s, so a
    /// busy machine is not taken for a slow plugin.
    pub fn settings() -> PluginSettings {
        let mut s = PluginSettings::default();
        if std::env::var_os("LINLI_TEST_POSTGRES").is_some() {
            s.limits.time_ms = 5_000;
        }
        s
    }

    /// Ratings under test with the real queue beside it, allowed to read it.
    pub fn harness(now: i64) -> PluginHarness {
        let h = PluginHarness::load_with(fixtures::PLUGIN_RATINGS, settings()).expect("ratings loads");
        h.add_plugin(fixtures::PLUGIN_QUEUE, settings()).expect("queue loads");
        h.allow_call("ratings", "queue");
        h.set_time(now);
        h
    }

    /// A ticket of `service` taken, called and finished at `window`; the
    /// queue's events delivered. Returns (label, token).
    pub fn served(h: &PluginHarness, service: &str, window: &str) -> (String, String) {
        let (label, token) = called(h, service, window);
        let r = h.post_json("/api/queue/counter/finish", &json!({"outcome": "done"}), &clerk(window));
        assert_eq!(r.status, 200, "{}", r.text());
        h.deliver_events().expect("ratings takes queue.finished");
        (label, token)
    }

    /// A ticket taken and called to `window`, not finished.
    pub fn called(h: &PluginHarness, service: &str, window: &str) -> (String, String) {
        let r = h.post_json("/api/queue/tickets", &json!({"service": service}), &anyone());
        assert_eq!(r.status, 201, "{}", r.text());
        let (label, token) = (r.json()["ticket"].as_str().unwrap().to_owned(), r.json()["token"].as_str().unwrap().to_owned());
        let r = h.post_json("/api/queue/counter/call-next", &json!({}), &clerk(window));
        assert_eq!(r.json()["ticket"]["ticket"], label.as_str(), "{}", r.text());
        (label, token)
    }

    pub fn rate(h: &PluginHarness, window: &str, body: Value) -> TestResponse {
        h.post_json("/api/ratings/evaluator/rate", &body, &evaluator(window))
    }

    /// A 4xx with a code and a message in both languages.
    pub fn refused(r: &TestResponse, status: u16, code: &str) -> Value {
        assert_eq!(r.status, status, "{}", r.text());
        let v = r.json();
        assert_eq!(v["error"]["code"], code, "{v}");
        let zh = v["error"]["message_zh"].as_str().unwrap_or("");
        let en = v["error"]["message_en"].as_str().unwrap_or("");
        assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "a Chinese message: {v}");
        assert!(!en.is_empty() && !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "an English message: {v}");
        v
    }

    pub fn ratings_of(h: &PluginHarness, day: &str) -> Value {
        let r = h.request("GET", &format!("/api/ratings/list?day={day}"), b"", &supervisor("s1"));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    pub fn cases(h: &PluginHarness, who: &Caller, status: &str) -> Vec<Value> {
        let r = h.request("GET", &format!("/api/ratings/cases?status={status}"), b"", who);
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["cases"].as_array().unwrap().clone()
    }

    pub fn act(h: &PluginHarness, who: &Caller, case: i64, action: &str, body: Value) -> TestResponse {
        h.post_json(&format!("/api/ratings/cases/{case}/{action}"), &body, who)
    }

    fn topics(h: &PluginHarness, topic: &str) -> Vec<Value> {
        h.events().into_iter().filter(|e| e.topic == topic).map(|e| serde_json::from_str(&e.payload).unwrap()).collect()
    }

    #[test]
    fn the_evaluator_shows_the_clerk_and_rates_its_windows_finished_ticket_once() {
        let h = harness(at(MAR04, 9, 0));
        let before = h.request("GET", "/api/ratings/evaluator", b"", &evaluator("1")).json();
        assert!(before["pending"].is_null(), "nothing to rate yet: {before}");
        let (label, _) = served(&h, "A", "1");
        // The evaluator shows the clerk on duty and asks about the ticket.
        let state = h.request("GET", "/api/ratings/evaluator", b"", &evaluator("1")).json();
        assert_eq!((state["clerk"]["name"].as_str(), state["clerk"]["staff_no"].as_str()), (Some("办事员1"), Some("clerk-1")), "{state}");
        assert_eq!(state["pending"]["ticket"], label.as_str(), "{state}");
        assert_eq!(state["pending"]["service_name"], "民政事务");
        let page = h.request("GET", "/ratings/evaluator", b"", &evaluator("1")).text();
        for text in ["办事员1", "clerk-1", "非常满意", "满意", "基本满意", "不满意", "非常不满意", "多次跑动", "材料要求不清", "/ratings/assets/ratings.js"] {
            assert!(page.contains(text), "the evaluator page shows {text}");
        }
        // Another window's evaluator cannot rate it; neither can a phone.
        let v = refused(&rate(&h, "2", json!({"ticket": label, "level": 5})), 403, "other_window");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("1 号窗口"), "{v}");
        assert_eq!(h.post_json("/api/ratings/evaluator/rate", &json!({"ticket": label, "level": 5}), &anyone()).status, 401);
        assert_eq!(h.post_json("/api/ratings/evaluator/rate", &json!({"ticket": label, "level": 5}), &clerk("1")).status, 403);
        // Bad input, each named; nothing recorded.
        refused(&rate(&h, "1", json!({"ticket": label, "level": 2})), 422, "reasons_required");
        refused(&rate(&h, "1", json!({"ticket": label, "level": 6})), 422, "level_invalid");
        refused(&rate(&h, "1", json!({"ticket": label, "level": 2, "reasons": ["rude"]})), 422, "reason_unknown");
        refused(&rate(&h, "1", json!({"ticket": label, "level": 5, "reasons": ["attitude"]})), 422, "reasons_not_asked");
        let v = refused(&rate(&h, "1", json!({"ticket": label, "level": 2, "reasons": ["attitude"], "words": "等了\u{1b}[31m很久"})), 422, "text_invalid");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("words"), "names the field: {v}");
        let v = refused(&rate(&h, "1", json!({"ticket": label, "level": 2, "reasons": ["attitude"], "words": "慢".repeat(100_000)})), 422, "text_too_long");
        assert!(v["error"]["message_en"].as_str().unwrap().contains("100000"), "{v}");
        refused(&rate(&h, "1", json!({"ticket": label, "level": 2, "reasons": ["attitude"], "colour": 1})), 422, "field_unknown");
        refused(&rate(&h, "1", json!({"ticket": "A999", "level": 5})), 404, "ticket_unknown");
        assert_eq!(ratings_of(&h, "2026-03-04")["ratings"].as_array().unwrap().len(), 0, "nothing recorded by a refused rating");
        assert!(cases(&h, &supervisor("s1"), "all").is_empty());
        // 不满意 with a reason and words: recorded, tied to ticket, window, clerk, service and day; a case opens.
        let r = rate(&h, "1", json!({"ticket": label.to_lowercase(), "level": 2, "reasons": ["attitude", "efficiency"], "words": "<script>alert(1)</script>等了很久"}));
        assert_eq!(r.status, 201, "{}", r.text());
        let case = r.json()["case"]["id"].as_i64().expect("a case for the 差评");
        let list = ratings_of(&h, "2026-03-04");
        let one = &list["ratings"][0];
        assert_eq!(
            (one["ticket"].as_str(), one["window"].as_str(), one["clerk_id"].as_str(), one["clerk_name"].as_str(), one["service"].as_str(), one["day"].as_str(), one["source"].as_str()),
            (Some(label.as_str()), Some("1"), Some("clerk-1"), Some("办事员1"), Some("A"), Some("2026-03-04"), Some("evaluator")),
            "{list}"
        );
        assert_eq!(one["reasons"], json!(["attitude", "efficiency"]));
        // Once per ticket: again, from this evaluator or by the phone, is refused.
        let v = refused(&rate(&h, "1", json!({"ticket": label, "level": 5})), 409, "already_rated");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("只能评价一次"), "{v}");
        assert_eq!(ratings_of(&h, "2026-03-04")["ratings"].as_array().unwrap().len(), 1);
        let state = h.request("GET", "/api/ratings/evaluator", b"", &evaluator("1")).json();
        assert!(state["pending"].is_null(), "no longer asked: {state}");
        // A ticket at the window but not finished cannot be rated.
        let (open, _) = called(&h, "A", "1");
        refused(&rate(&h, "1", json!({"ticket": open, "level": 4})), 409, "not_finished");
        // The case is there for the supervisor, the words shown escaped.
        let list = cases(&h, &supervisor("s1"), "open");
        assert_eq!(list.len(), 1);
        assert_eq!((list[0]["id"].as_i64(), list[0]["deadline"].as_str()), (Some(case), Some("2026-03-11")), "5 working days: {list:?}");
        let page = h.request("GET", "/ratings/cases", b"", &supervisor("s1")).text();
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;等了很久") && !page.contains("<script>alert(1)"), "escaped on the console");
        // The public events name the window and ticket, never the clerk or the words.
        for topic in ["ratings.pending", "ratings.rated", "ratings.case_opened"] {
            let evs = topics(&h, topic);
            assert_eq!(evs.len(), 1, "{topic}: {evs:?}");
            let text = evs[0].to_string();
            assert!(!text.contains("办事员") && !text.contains("clerk-1") && !text.contains("很久"), "{topic}: {text}");
        }
        // The next morning, before anyone sits down, no clerk is shown.
        h.set_time(at(MAR04 + DAY, 8, 0));
        let state = h.request("GET", "/api/ratings/evaluator", b"", &evaluator("1")).json();
        assert!(state["clerk"].is_null() && state["pending"].is_null(), "{state}");
    }

    #[test]
    fn a_resident_rates_by_token_for_the_set_days_and_defaults_are_never_real() {
        let h = harness(at(MAR04, 9, 0));
        let (a, token_a) = served(&h, "A", "1");
        let (_b, token_b) = served(&h, "B", "3");
        let (_, token_c) = called(&h, "D", "4");
        // The phone page asks; the rating is kept with its source.
        let page = h.get(&format!("/ratings/t/{token_a}")).text();
        assert!(page.contains(&a) && page.contains("请您对本次服务进行评价") && page.contains("1 号窗口"), "{page}");
        let r = h.post_json(&format!("/api/ratings/t/{token_a}"), &json!({"level": 5}), &anyone());
        assert_eq!(r.status, 201, "{}", r.text());
        assert!(h.get(&format!("/ratings/t/{token_a}")).text().contains("您已评价"));
        refused(&h.post_json(&format!("/api/ratings/t/{token_a}"), &json!({"level": 1, "reasons": ["other"]}), &anyone()), 409, "already_rated");
        // The evaluator cannot rate it after the phone did.
        refused(&rate(&h, "1", json!({"ticket": a, "level": 1, "reasons": ["other"]})), 409, "already_rated");
        // Not finished; no such token.
        assert!(h.get(&format!("/ratings/t/{token_c}")).text().contains("还没有办结"));
        refused(&h.post_json(&format!("/api/ratings/t/{token_c}"), &json!({"level": 4}), &anyone()), 409, "not_finished");
        refused(&h.post_json("/api/ratings/t/nosuchtoken", &json!({"level": 4}), &anyone()), 404, "ticket_unknown");
        refused(&h.post_json("/api/ratings/t/..%2f", &json!({"level": 4}), &anyone()), 404, "ticket_unknown");
        // After the phone days (5): too late on the phone.
        h.set_time(at(MAR04, 9, 0) + 5 * DAY + HOUR);
        let v = refused(&h.post_json(&format!("/api/ratings/t/{token_b}"), &json!({"level": 4}), &anyone()), 409, "rating_closed");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("5 天"), "{v}");
        // The tick gives the unrated ticket the default, marked and not counted.
        h.tick().unwrap();
        h.tick().unwrap();
        let list = ratings_of(&h, "2026-03-04");
        let rows = list["ratings"].as_array().unwrap();
        assert_eq!(rows.len(), 2, "{list}");
        let default = rows.iter().find(|r| r["default"] == true).expect("a default rating");
        assert_eq!((default["level"].as_i64(), default["source"].as_str(), default["window"].as_str()), (Some(4), Some("default"), Some("3")));
        assert_eq!((list["real"].as_i64(), list["defaults"].as_i64()), (Some(1), Some(1)), "the default is not a real rating: {list}");
        assert!(h.get(&format!("/ratings/t/{token_b}")).text().contains("默认评价"));
        assert!(cases(&h, &supervisor("s1"), "all").is_empty(), "a default never opens a case");
    }

    #[test]
    fn a_case_deadline_counts_working_days_over_a_weekend_and_a_holiday_then_it_is_followed_up_and_closed() {
        // Thursday 2026-04-02; 5 working days: 04-03, (weekend and Qingming
        // 04-04 … 04-06), 04-07, 04-08, 04-09, 04-10.
        let h = harness(at(APR02, 10, 0));
        let (label, _) = served(&h, "A", "2");
        let r = rate(&h, "2", json!({"ticket": label, "level": 1, "reasons": ["repeat_visits"], "words": "第三次来了"}));
        assert_eq!(r.status, 201, "{}", r.text());
        let case = r.json()["case"]["id"].as_i64().unwrap();
        assert_eq!(r.json()["case"]["deadline"], "2026-04-10");
        let sup = supervisor("s1");
        // On the last day it is not overdue; the day after, it is, announced once.
        h.set_time(at(APR02 + 8 * DAY, 18, 0));
        h.tick().unwrap();
        assert!(cases(&h, &sup, "overdue").is_empty());
        assert!(topics(&h, "ratings.case_overdue").is_empty());
        h.set_time(at(APR02 + 9 * DAY, 9, 0));
        h.tick().unwrap();
        h.tick().unwrap();
        let overdue = cases(&h, &sup, "overdue");
        assert_eq!((overdue.len(), overdue[0]["overdue"].as_bool()), (1, Some(true)), "{overdue:?}");
        let evs = topics(&h, "ratings.case_overdue");
        assert_eq!(evs, vec![json!({"case": case, "window": "2", "day": "2026-04-02", "deadline": "2026-04-10"})]);
        assert!(h.request("GET", "/ratings/cases?status=overdue", b"", &sup).text().contains("已逾期"));
        // Follow-up: closing needs 整改 and 回访 first.
        let v = refused(&act(&h, &sup, case, "close", json!({})), 409, "steps_missing");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("整改情况和回访结果"), "{v}");
        refused(&act(&h, &sup, case, "fix", json!({"text": " "})), 422, "text_required");
        refused(&act(&h, &sup, case, "fix", json!({"text": "已\u{0}整改"})), 422, "text_invalid");
        refused(&act(&h, &sup, case, "callback", json!({"result": "happy"})), 422, "callback_invalid");
        assert_eq!(act(&h, &clerk("2"), case, "fix", json!({"text": "我自己改"})).status, 403, "a clerk does not close their own case");
        let r = act(&h, &sup, case, "fix", json!({"text": "已在窗口张贴材料清单，并对办事员进行了业务培训"}));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["handler_name"], "主管s1");
        let r = act(&h, &sup, case, "callback", json!({"result": "satisfied", "note": "电话回访，居民表示满意"}));
        assert_eq!(r.status, 200, "{}", r.text());
        let r = act(&h, &sup, case, "close", json!({}));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!((r.json()["status"].as_str(), r.json()["outcome"].as_str(), r.json()["overdue"].as_bool()), (Some("closed"), Some("resolved"), Some(false)));
        // A reply to a closed case: refused, nothing changed.
        let before = cases(&h, &sup, "all");
        refused(&act(&h, &sup, case, "fix", json!({"text": "再改一次"})), 409, "case_closed");
        refused(&act(&h, &sup, case, "callback", json!({"result": "dissatisfied"})), 409, "case_closed");
        refused(&act(&h, &sup, case, "close", json!({})), 409, "case_closed");
        refused(&act(&h, &clerk("2"), case, "appeal", json!({"text": "不服"})), 409, "case_closed");
        assert_eq!(cases(&h, &sup, "all"), before, "nothing changed");
        refused(&act(&h, &sup, 999, "fix", json!({"text": "x"})), 404, "case_unknown");
    }

    #[test]
    fn a_clerks_appeal_is_decided_by_a_second_supervisor() {
        let h = harness(at(MAR04, 9, 0));
        let (label, _) = served(&h, "A", "1");
        let case = rate(&h, "1", json!({"ticket": label, "level": 2, "reasons": ["other"], "words": "不知道为什么"})).json()["case"]["id"].as_i64().unwrap();
        let (s1, s2) = (supervisor("s1"), supervisor("s2"));
        assert_eq!(act(&h, &s1, case, "fix", json!({"text": "已调查"})).status, 200);
        // The clerk sees their own case; another clerk neither sees nor appeals it.
        assert_eq!(cases(&h, &clerk("1"), "all").len(), 1);
        assert!(cases(&h, &clerk("2"), "all").is_empty());
        refused(&act(&h, &clerk("2"), case, "appeal", json!({"text": "不是我"})), 403, "not_your_case");
        refused(&act(&h, &clerk("1"), case, "appeal", json!({"text": ""})), 422, "text_required");
        let r = act(&h, &clerk("1"), case, "appeal", json!({"text": "居民所办事项不属于本窗口，已指引至 3 号窗口"}));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["status"], "appealed");
        refused(&act(&h, &clerk("1"), case, "appeal", json!({"text": "再申诉"})), 409, "appeal_exists");
        refused(&act(&h, &s1, case, "close", json!({})), 409, "appeal_pending");
        // The supervisor handling the case does not decide its appeal.
        let v = refused(&act(&h, &s1, case, "decide", json!({"uphold": true, "note": "同意"})), 409, "second_supervisor");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("另一位主管"), "{v}");
        refused(&act(&h, &s2, case, "decide", json!({"uphold": true})), 422, "text_required");
        assert_eq!(ratings_of(&h, "2026-03-04")["real"], 1);
        let r = act(&h, &s2, case, "decide", json!({"uphold": true, "note": "经查属实，差评不计"}));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!((r.json()["status"].as_str(), r.json()["outcome"].as_str(), r.json()["decided_by_name"].as_str()), (Some("closed"), Some("appeal_upheld"), Some("主管s2")));
        let list = ratings_of(&h, "2026-03-04");
        assert_eq!((list["real"].as_i64(), list["ratings"][0]["voided"].as_bool()), (Some(0), Some(true)), "an upheld appeal withdraws the 差评: {list}");
        refused(&act(&h, &s2, case, "decide", json!({"uphold": false, "note": "改判"})), 409, "case_closed");
        // A rejected appeal sends the case back for follow-up.
        let (label, _) = served(&h, "A", "1");
        let case = rate(&h, "1", json!({"ticket": label, "level": 2, "reasons": ["attitude"]})).json()["case"]["id"].as_i64().unwrap();
        refused(&act(&h, &s2, case, "decide", json!({"uphold": false, "note": "x"})), 409, "no_appeal");
        assert_eq!(act(&h, &clerk("1"), case, "appeal", json!({"text": "态度没有问题"})).status, 200);
        let r = act(&h, &s2, case, "decide", json!({"uphold": false, "note": "录像显示态度生硬"}));
        assert_eq!((r.json()["status"].as_str(), r.json()["appeal_decision"].as_str()), (Some("open"), Some("rejected")), "{}", r.text());
    }

    #[test]
    fn the_settings_form_explains_each_field_and_checks_it() {
        let h = harness(at(APR02, 10, 0));
        let admin = Caller::staff(&["admin"]);
        let page = h.request("GET", "/ratings/admin", b"", &admin).text();
        for text in ["差评整改时限（工作日）", "手机评价期限（天）", "默认评价（天）", "默认评价等级", "评价器提示时长（分钟）", "周末和节假日不计", "/ratings/assets/ratings.js"] {
            assert!(page.contains(text), "the form has {text}");
        }
        let en = h.request("GET", "/ratings/admin", b"", &Caller { lang: "en".into(), ..admin.clone() }).text();
        assert!(en.contains("Days to close a poor rating") && en.contains("weekends and holidays do not count"), "English labels and help");
        let r = h.post_json("/api/ratings/config", &json!({"case_days": 0, "default_level": 2}), &admin);
        let v = refused(&r, 422, "config_invalid");
        let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
        assert_eq!(fields, ["case_days", "default_level"], "{v}");
        let v = refused(&h.post_json("/api/ratings/config", &json!({"phone_days": 10, "default_after_days": 7}), &admin), 422, "config_invalid");
        assert_eq!(v["error"]["field"], "default_after_days");
        assert_eq!(h.post_json("/api/ratings/config", &json!({"case_days": 15}), &supervisor("s1")).status, 403);
        // Nothing kept by a refusal; a good change applies at once.
        assert_eq!(h.request("GET", "/api/ratings/config", b"", &admin).json()["effective"]["case_days"], json!(5));
        let r = h.post_json("/api/ratings/config", &json!({"case_days": 15}), &admin);
        assert_eq!(r.status, 200, "{}", r.text());
        let (label, _) = served(&h, "A", "1");
        let r = rate(&h, "1", json!({"ticket": label, "level": 2, "reasons": ["efficiency"]}));
        // 15 working days from 04-02 over Qingming: 04-03, 04-07 … 04-24.
        assert_eq!(r.json()["case"]["deadline"], "2026-04-24", "{}", r.text());
    }

    #[test]
    fn pages_are_chinese_first_with_english_escaped_and_without_inline_script() {
        let h = harness(at(MAR04, 9, 0));
        let (_, token) = served(&h, "A", "1");
        let mut en_ev = evaluator("1");
        en_ev.lang = "en".into();
        let pages = [
            h.request("GET", "/ratings/evaluator", b"", &evaluator("1")),
            h.request("GET", "/ratings/evaluator", b"", &en_ev),
            h.get(&format!("/ratings/t/{token}")),
            h.request("GET", &format!("/ratings/t/{token}"), b"", &Caller::anonymous("en")),
            h.request("GET", "/ratings/cases", b"", &supervisor("s1")),
        ];
        for p in &pages {
            assert_eq!(p.status, 200, "{}", p.text());
            let text = p.text();
            for chunk in text.split("<script").skip(1) {
                assert!(chunk.starts_with(" src=") || chunk.starts_with(" type=\"application/json\""), "no inline script: <script{}", &chunk[..chunk.len().min(80)]);
            }
        }
        let en = pages[1].text();
        assert!(en.contains("Very satisfied") && en.contains("Had to come several times") && !en.contains("非常满意"), "the English evaluator");
        let en = pages[3].text();
        assert!(en.contains("Please rate the service you received") && !en.contains("请您对本次服务进行评价"), "the English phone page");
        let js = h.get("/ratings/assets/ratings.js");
        assert_eq!(js.status, 200);
        assert!(js.text().contains("textContent") && !js.text().contains("innerHTML"), "the script never writes markup");
        // The evaluator page is for evaluators (and admins trying it).
        assert_eq!(h.request("GET", "/ratings/evaluator", b"", &anyone()).status, 401);
        let kiosk = Caller { kind: CallerKind::Device { device_kind: "kiosk".into() }, ..evaluator("1") };
        assert_eq!(h.request("GET", "/ratings/evaluator", b"", &kiosk).status, 403);
        // An evaluator paired without a window is told what to do.
        let mut bare = evaluator("1");
        bare.window = None;
        refused(&h.request("GET", "/api/ratings/evaluator", b"", &bare), 409, "device_without_window");
    }

    #[test]
    fn without_the_admins_link_to_the_queue_the_refusal_says_what_to_do() {
        let h = PluginHarness::load_with(fixtures::PLUGIN_RATINGS, settings()).expect("ratings loads");
        h.add_plugin(fixtures::PLUGIN_QUEUE, settings()).expect("queue loads");
        h.set_time(at(MAR04, 9, 0));
        let v = refused(&rate(&h, "1", json!({"ticket": "A001", "level": 5})), 503, "queue_not_linked");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains("插件管理"), "{v}");
    }
}

/// Every harness test above again with the plugins' SQL in PostgreSQL
/// (`LINLI_TEST_POSTGRES`), in a child process of this test binary.
#[test]
fn the_ratings_harness_tests_pass_on_postgres() {
    let Some(pg) = postgres() else { return };
    let exe = std::env::current_exe().expect("this test binary");
    let out = std::process::Command::new(exe)
        .args(["sandbox::", "--test-threads", "1"])
        .env("LINLI_TEST_POSTGRES", pg.url())
        .output()
        .expect("run the ratings tests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passed = stdout.lines().filter(|l| l.starts_with("test ") && l.ends_with(" ok")).count();
    assert!(out.status.success(), "on PostgreSQL:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(passed >= 7, "{passed} tests passed:\n{stdout}");
}

// ---- On a real host ------------------------------------------------------

fn sign_in_at(s: &TestServer, username: &str, window: &str) -> linli_tests::Staff {
    linli_host::auth::sessions::create_staff(&s.host.db, username, "李办事", "correct horse battery", &["clerk".to_string()], s.host.now_ms()).expect("create clerk");
    login(s, username, Some(window))
}

/// Sign in again through the login form (a session ends after days).
fn login(s: &TestServer, username: &str, window: Option<&str>) -> linli_tests::Staff {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut form = vec![("username", username), ("password", "correct horse battery"), ("next", "/")];
    if let Some(w) = window {
        form.push(("window", w));
    }
    let r = agent.post(&format!("{}/login", s.url)).send_form(&form).expect("login answers");
    assert_eq!(r.status(), 303);
    let cookie = r.header("set-cookie").expect("session").split(';').next().unwrap().to_owned();
    let page = agent.get(&format!("{}/", s.url)).set("Cookie", &cookie).call().unwrap().into_string().unwrap();
    let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|x| x.split('"').next()).unwrap_or("").to_owned();
    linli_tests::Staff { cookie, csrf }
}

fn post_as(s: &TestServer, who: &linli_tests::Staff, path: &str, body: &Value) -> (u16, Value) {
    http_json(ureq::post(&format!("{}{path}", s.url)).set("Cookie", &who.cookie).set("X-CSRF-Token", &who.csrf), body)
}

fn get_as(s: &TestServer, cookie: Option<&str>, bearer: Option<&str>, path: &str) -> (u16, String) {
    let mut r = ureq::get(&format!("{}{path}", s.url));
    if let Some(c) = cookie {
        r = r.set("Cookie", c);
    }
    if let Some(b) = bearer {
        r = r.set("Authorization", &format!("Bearer {b}"));
    }
    http(r)
}

/// The real queue and ratings on a real host: a clerk signed in at window
/// 1 finishes a ticket; the window's paired evaluator shows the clerk and
/// the ticket, and rates it 不满意 with a reason; the case appears for the
/// supervisor; the evaluator of window 2 cannot rate it. With the host's
/// clock moved past the deadline over a weekend the case is overdue
/// (announced once); the clerk's appeal is decided by a second supervisor;
/// the case is called back and closed, and then takes no more replies.
#[test]
fn clerk_finishes_the_evaluator_rates_it_poorly_and_the_case_appears_for_the_supervisor() {
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_QUEUE, fixtures::PLUGIN_RATINGS], "", None, clock.clone());
    let admin = sign_in(&s, "admin", &["admin"]);
    let (code, r) = post_as(&s, &admin, "/api/host/plugins/ratings/calls", &json!({"callees": ["queue"]}));
    assert_eq!(code, 200, "{r}");
    let now = s.host.now_ms();
    let ev1 = linli_host::auth::devices::create(&s.host.db, "1号窗口评价器", "evaluator", Some("1"), now).expect("pair").1;
    let ev2 = linli_host::auth::devices::create(&s.host.db, "2号窗口评价器", "evaluator", Some("2"), now).expect("pair").1;
    let clerk = sign_in_at(&s, "li", "1");
    let (code, t) = http_json(ureq::post(&format!("{}/api/queue/tickets", s.url)), &json!({"service": "A"}));
    assert_eq!(code, 201, "{t}");
    let label = t["ticket"].as_str().unwrap().to_owned();
    let (code, r) = post_as(&s, &clerk, "/api/queue/counter/call-next", &json!({}));
    assert_eq!((code, r["ticket"]["ticket"].as_str()), (200, Some(label.as_str())), "{r}");
    let (code, r) = post_as(&s, &clerk, "/api/queue/counter/finish", &json!({"outcome": "done"}));
    assert_eq!(code, 200, "{r}");
    // The evaluator learns of it through the bus (queue.finished → ratings).
    let state = wait_for(Duration::from_secs(10), || {
        let (_, body) = get_as(&s, None, Some(&ev1), "/api/ratings/evaluator");
        let v: Value = serde_json::from_str(&body).ok()?;
        (v["pending"]["ticket"] == label.as_str()).then_some(v)
    })
    .expect("the evaluator asks about the finished ticket");
    assert_eq!(state["clerk"]["name"], "李办事", "{state}");
    let (code, page) = get_as(&s, None, Some(&ev1), "/ratings/evaluator");
    assert_eq!(code, 200);
    assert!(page.contains("李办事") && page.contains("非常不满意") && page.contains("/ratings/assets/ratings.js"), "the evaluator page in the shell");
    let rate = |token: &str, body: Value| http_json(ureq::post(&format!("{}/api/ratings/evaluator/rate", s.url)).set("Authorization", &format!("Bearer {token}")), &body);
    let (code, v) = rate(&ev2, json!({"ticket": label, "level": 2, "reasons": ["attitude"]}));
    assert_eq!((code, v["error"]["code"].as_str()), (403, Some("other_window")), "{v}");
    let (code, v) = rate(&ev1, json!({"ticket": label, "level": 2, "reasons": ["attitude"], "words": "说话不耐烦"}));
    assert_eq!(code, 201, "{v}");
    let (code, v) = rate(&ev1, json!({"ticket": label, "level": 5}));
    assert_eq!((code, v["error"]["code"].as_str()), (409, Some("already_rated")), "{v}");
    // The case is there for the supervisor, on the API and the console.
    let sup = sign_in(&s, "zhang", &["supervisor"]);
    let (code, body) = get_as(&s, Some(&sup.cookie), None, "/api/ratings/cases?status=open");
    assert_eq!(code, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let c = &v["cases"][0];
    assert_eq!((c["ticket"].as_str(), c["window"].as_str(), c["clerk_name"].as_str(), c["level_name"].as_str()), (Some(label.as_str()), Some("1"), Some("李办事"), Some("不满意")), "{v}");
    assert_eq!(c["deadline"], "2026-03-11");
    let (code, page) = get_as(&s, Some(&sup.cookie), None, "/ratings/cases");
    assert_eq!(code, 200);
    assert!(page.contains(&label) && page.contains("说话不耐烦") && page.contains("态度"), "the console lists the case");
    let case = c["id"].as_i64().unwrap();
    // Thursday 03-12, past the deadline over the weekend: overdue, announced once.
    clock.0.store(at(MAR04 + 8 * DAY, 9, 0), std::sync::atomic::Ordering::SeqCst);
    s.host.tick_all();
    s.host.tick_all();
    let (sup, clerk) = (login(&s, "zhang", None), login(&s, "li", Some("1")));
    let overdue: Vec<_> = s.host.bus().since(0, 100_000).unwrap().into_iter().filter(|e| e.topic == "ratings.case_overdue").collect();
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    let (_, body) = get_as(&s, Some(&sup.cookie), None, "/api/ratings/cases?status=overdue");
    assert!(body.contains(&format!("\"id\":{case}")), "{body}");
    // The clerk appeals; the supervisor handling the case cannot decide it; a second one does.
    let (code, v) = post_as(&s, &sup, &format!("/api/ratings/cases/{case}/fix"), &json!({"text": "已与办事员谈话"}));
    assert_eq!(code, 200, "{v}");
    let (code, v) = post_as(&s, &clerk, &format!("/api/ratings/cases/{case}/appeal"), &json!({"text": "居民要求的材料不在本窗口受理范围"}));
    assert_eq!((code, v["status"].as_str()), (200, Some("appealed")), "{v}");
    let (code, v) = post_as(&s, &sup, &format!("/api/ratings/cases/{case}/decide"), &json!({"uphold": false, "note": "不成立"}));
    assert_eq!((code, v["error"]["code"].as_str()), (409, Some("second_supervisor")), "{v}");
    let sup2 = sign_in(&s, "wang", &["supervisor"]);
    let (code, v) = post_as(&s, &sup2, &format!("/api/ratings/cases/{case}/decide"), &json!({"uphold": false, "note": "录音显示确有不耐烦"}));
    assert_eq!((code, v["status"].as_str(), v["appeal_decision"].as_str()), (200, Some("open"), Some("rejected")), "{v}");
    let (code, _) = post_as(&s, &sup, &format!("/api/ratings/cases/{case}/callback"), &json!({"result": "basically_satisfied"}));
    assert_eq!(code, 200);
    let (code, v) = post_as(&s, &sup, &format!("/api/ratings/cases/{case}/close"), &json!({}));
    assert_eq!((code, v["status"].as_str(), v["overdue"].as_bool()), (200, Some("closed"), Some(false)), "{v}");
    let (code, v) = post_as(&s, &sup, &format!("/api/ratings/cases/{case}/fix"), &json!({"text": "再补一句"}));
    assert_eq!((code, v["error"]["code"].as_str()), (409, Some("case_closed")), "{v}");
}

/// With `LINLI_SCREENSHOTS=DIR`, the page as it is now, as base64 PNG in
/// DIR/NAME.png.b64 (for the README's screenshots).
fn snap(b: &linli_tests::browser::Browser, name: &str) {
    if let Ok(dir) = std::env::var("LINLI_SCREENSHOTS") {
        let v = b.call("GET", "/screenshot", None);
        std::fs::write(format!("{dir}/{name}.png.b64"), v["value"].as_str().unwrap_or("")).expect("writing a screenshot");
    }
}

/// The evaluator page in Chromium: the tablet opens its pairing link and
/// lands on the page, which shows the clerk on duty; the moment the clerk
/// finishes the ticket the page asks (live, over the event stream); 不满意
/// asks for a reason before it sends; then it thanks, and the supervisor's
/// console lists the case.
#[test]
fn the_evaluator_page_in_chromium_asks_when_the_clerk_finishes_and_sends_a_poor_rating_with_a_reason() {
    let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(at(MAR04, 9, 0))));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_QUEUE, fixtures::PLUGIN_RATINGS], "", None, clock);
    let admin = sign_in(&s, "admin", &["admin"]);
    assert_eq!(post_as(&s, &admin, "/api/host/plugins/ratings/calls", &json!({"callees": ["queue"]})).0, 200);
    let ev1 = linli_host::auth::devices::create(&s.host.db, "1号窗口评价器", "evaluator", Some("1"), s.host.now_ms()).expect("pair").1;
    let clerk = sign_in_at(&s, "li", "1");
    let (code, t) = http_json(ureq::post(&format!("{}/api/queue/tickets", s.url)), &json!({"service": "A"}));
    assert_eq!(code, 201, "{t}");
    let label = t["ticket"].as_str().unwrap().to_owned();
    assert_eq!(post_as(&s, &clerk, "/api/queue/counter/call-next", &json!({})).0, 200);
    b.resize(1280, 1000);
    // The tablet set to Chinese (the language switch's cookie), then paired.
    b.open(&format!("{}/?lang=zh-CN", s.url));
    b.js("document.cookie = 'lang=zh-CN; path=/'; return 1;");
    b.open(&format!("{}/device/pair?token={ev1}", s.url));
    b.until("the evaluator page after pairing", "location.pathname === '/ratings/evaluator' && document.getElementById('rt-clerk-name')");
    assert_eq!(b.js("return document.getElementById('rt-clerk-name').textContent;"), "李办事");
    assert_eq!(b.js("return document.getElementById('rt-box').hidden;"), true, "nothing to rate yet");
    // Give the page's event stream a moment to connect, then finish.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(post_as(&s, &clerk, "/api/queue/counter/finish", &json!({"outcome": "done"})).0, 200);
    b.until("the prompt for the finished ticket", &format!("!document.getElementById('rt-box').hidden && document.getElementById('rt-ticket').textContent.includes('{label}')"));
    assert_eq!(b.js("return document.querySelectorAll('.rt-level').length;"), 5);
    assert!(b.js("return document.querySelector('.rt-level').getBoundingClientRect().height;").as_f64().unwrap_or(0.0) >= 100.0, "large touch targets");
    snap(&b, "ratings-evaluator");
    b.click(".rt-level[data-level='2']");
    b.until("the reasons", "!document.getElementById('rt-poor').hidden");
    b.click("#rt-send");
    b.until("a reason asked for", "document.getElementById('rt-err').textContent.includes('请至少选择一个原因')");
    b.click("input[name=reason][value=attitude]");
    b.js("document.getElementById('rt-words').value = '<b>说话不耐烦</b>'; return 1;");
    snap(&b, "ratings-evaluator-poor");
    b.click("#rt-send");
    b.until("thanks", "document.getElementById('rt-ok').textContent.includes('感谢')");
    assert_eq!(b.js("return document.getElementById('rt-box').hidden;"), true, "the prompt is gone");
    // The resident's ticket page (on the phone) now offers the rating page,
    // which says how it was rated.
    let token = t["token"].as_str().unwrap().to_owned();
    b.open(&format!("{}/queue/t/{token}", s.url));
    b.until("the link to rate", "document.getElementById('q-rate') && !document.getElementById('q-rate').hidden");
    b.click("#q-rate a");
    b.until("the rating page", "location.pathname.startsWith('/ratings/t/') && document.body.textContent.includes('您已评价：不满意')");
    // The supervisor's console, in the same browser (signed in).
    linli_host::auth::sessions::create_staff(&s.host.db, "zhang", "张主管", "correct horse battery", &["supervisor".to_string()], s.host.now_ms()).expect("supervisor");
    b.open(&format!("{}/login?lang=zh-CN", s.url));
    b.js("var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'zhang'; f.password.value = 'correct horse battery'; f.submit(); return 1;");
    b.until("signed in", "document.querySelector('.who')");
    b.open(&format!("{}/ratings/cases", s.url));
    let text = b.until("the case", &format!("document.getElementById('rt-cases').textContent.includes('{label}') && document.getElementById('rt-cases').textContent"));
    let text = text.as_str().unwrap();
    assert!(text.contains("<b>说话不耐烦</b>") && text.contains("态度") && text.contains("李办事"), "shown as text: {text}");
    assert_eq!(b.js("return document.querySelectorAll('#rt-cases b').length;"), 0, "the words are not markup");
    // Put right, called back and closed from the console.
    b.js("document.querySelector('textarea[data-field=fix]').value = '已提醒办事员注意服务用语'; return 1;");
    b.click("button[data-act=fix]");
    b.until("saved", "document.getElementById('rt-cases').textContent.includes('已提醒办事员注意服务用语')");
    b.click("button[data-act=callback]");
    b.until("called back", "document.getElementById('rt-cases').textContent.includes('回访：满意')");
    b.js("window.confirm = function () { return true; }; return 1;");
    snap(&b, "ratings-cases");
    b.click("button[data-act=close]");
    b.until("closed", "document.getElementById('rt-cases').textContent.includes('已办结')");
}
