//! Shared helpers for the queue tests: the harness at a chosen local time,
//! callers, and settings that keep the hall open around the clock for the
//! tests that run on the real clock.

use linli_host::auth::Caller;
use linli_host::runtime::plugin::PluginSettings;
use linli_host::testing::{PluginHarness, TestResponse};
use linli_tests::fixtures;
use serde_json::{Value, json};

/// 2026-01-01 00:00 at +08:00, a Thursday.
pub const DAY1: i64 = 1_767_196_800_000;
pub const HOUR: i64 = 3_600_000;
pub const MINUTE: i64 = 60_000;
pub const DAY: i64 = 24 * HOUR;

pub fn at(day_ms: i64, hh: i64, mm: i64) -> i64 {
    day_ms + hh * HOUR + mm * MINUTE
}

/// The harness on [`DAY1`] at 09:00. Its working-day calendar is empty, so
/// the weekly rule alone decides when the hall opens (DAY1 is New Year's
/// Day, a public holiday); the calendar's effect is tested on its own.
pub fn harness() -> PluginHarness {
    let h = PluginHarness::load(fixtures::PLUGIN_QUEUE).expect("queue plugin loads");
    h.set_calendar(Default::default());
    h.set_time(at(DAY1, 9, 0));
    h
}

/// The harness with configuration merged over the defaults (as an admin's
/// `[plugins.queue.config]` would be).
pub fn harness_with(config: Value) -> PluginHarness {
    let settings = PluginSettings { config: Some(config), ..PluginSettings::default() };
    let h = PluginHarness::load_with(fixtures::PLUGIN_QUEUE, settings).expect("queue plugin loads");
    h.set_calendar(Default::default());
    h.set_time(at(DAY1, 9, 0));
    h
}

pub fn anyone() -> Caller {
    Caller::anonymous("zh-CN")
}

pub fn clerk(window: &str) -> Caller {
    let mut c = Caller::staff(&["clerk"]);
    c.window = Some(window.into());
    c.id = Some(format!("clerk-{window}"));
    c.name = Some(format!("办事员{window}"));
    c
}

pub fn guide() -> Caller {
    Caller::staff(&["guide"])
}

pub fn take(h: &PluginHarness, service: &str) -> TestResponse {
    h.post_json("/api/queue/tickets", &json!({ "service": service }), &anyone())
}

/// Take a ticket that must be issued; returns its JSON.
pub fn ticket(h: &PluginHarness, service: &str) -> Value {
    let r = take(h, service);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

pub fn act(h: &PluginHarness, window: &str, action: &str, body: Value) -> TestResponse {
    h.post_json(&format!("/api/queue/counter/{action}"), &body, &clerk(window))
}

/// Call next at `window`; returns the ticket label called, if any.
pub fn call(h: &PluginHarness, window: &str) -> Option<String> {
    let r = act(h, window, "call-next", json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["ticket"]["ticket"].as_str().map(str::to_owned)
}

pub fn finish(h: &PluginHarness, window: &str) {
    let r = act(h, window, "finish", json!({"outcome": "done"}));
    assert_eq!(r.status, 200, "{}", r.text());
}

/// Call the next resident to `window` at `from` (ms), start serving them at
/// once and finish at `to`: a resident served for `to - from`.
pub fn serve(h: &PluginHarness, window: &str, from: i64, to: i64) {
    h.set_time(from);
    call(h, window);
    act(h, window, "start", json!({}));
    h.set_time(to);
    finish(h, window);
}

/// The English message of an error response.
pub fn message(r: &TestResponse) -> String {
    let v = r.json();
    format!("{} / {}", v["error"]["message_zh"].as_str().unwrap_or(""), v["error"]["message_en"].as_str().unwrap_or(""))
}

/// Payloads of the events with this topic, in order.
pub fn events(h: &PluginHarness, topic: &str) -> Vec<Value> {
    h.events().into_iter().filter(|e| e.topic == topic).map(|e| serde_json::from_str(&e.payload).unwrap()).collect()
}

/// `linli.toml` that keeps the hall open at any hour, without limits, for
/// tests on the real clock. The host's per-client rate limit is off: every
/// simulated kiosk here shares one loopback address, where real kiosks
/// each have their own.
pub const OPEN_ALL_DAY: &str = r#"
[http]
rate_per_minute = 0

[plugins.queue.config]
hours = { open = "00:00", close = "24:00", last_ticket = "24:00", days = [1, 2, 3, 4, 5, 6, 7], follow_calendar = false, at_close = "clear" }
services = [
  { code = "A", name_zh = "民政事务", name_en = "Civil affairs" },
  { code = "B", name_zh = "劳动保障", name_en = "Labour and social security" },
  { code = "C", name_zh = "卫生健康", name_en = "Health" },
  { code = "D", name_zh = "综合/证明开具", name_en = "General / certificates" },
]
"#;

/// A signed-in staff member over real HTTP.
#[derive(Clone)]
pub struct Desk {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
}

pub const PASSWORD: &str = "correct horse battery";

impl Desk {
    /// Sign in through the real login form, with a window number when given.
    pub fn sign_in(base: &str, username: &str, window: Option<&str>) -> Desk {
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        let mut form = vec![("username", username), ("password", PASSWORD), ("next", "/")];
        if let Some(w) = window {
            form.push(("window", w));
        }
        let r = agent.post(&format!("{base}/login")).send_form(&form).expect("login answers");
        assert_eq!(r.status(), 303, "login redirects");
        let cookie = r.header("set-cookie").expect("session cookie").split(';').next().unwrap_or("").to_owned();
        let page = agent.get(&format!("{base}/")).set("Cookie", &cookie).call().unwrap().into_string().unwrap();
        let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_owned();
        assert!(!csrf.is_empty());
        Desk { base: base.into(), cookie, csrf }
    }

    pub fn post(&self, path: &str, body: &Value) -> Result<(u16, Value), ureq::Error> {
        let r = ureq::post(&format!("{}{path}", self.base))
            .set("Cookie", &self.cookie)
            .set("X-CSRF-Token", &self.csrf)
            .timeout(std::time::Duration::from_secs(20))
            .send_json(body.clone());
        status_json(r)
    }

    pub fn get(&self, path: &str) -> Result<(u16, Value), ureq::Error> {
        let r = ureq::get(&format!("{}{path}", self.base)).set("Cookie", &self.cookie).timeout(std::time::Duration::from_secs(20)).call();
        status_json(r)
    }
}

/// Any HTTP status is an answer; only a transport failure is an error.
pub fn status_json(r: Result<ureq::Response, ureq::Error>) -> Result<(u16, Value), ureq::Error> {
    match r {
        Ok(r) => Ok((r.status(), r.into_json().unwrap_or(Value::Null))),
        Err(ureq::Error::Status(code, r)) => Ok((code, r.into_json().unwrap_or(Value::Null))),
        Err(e) => Err(e),
    }
}

/// A resident at a kiosk: no session at all.
pub fn kiosk_take(base: &str, service: &str, key: &str) -> Result<(u16, Value), ureq::Error> {
    let r = ureq::post(&format!("{base}/api/queue/tickets"))
        .timeout(std::time::Duration::from_secs(20))
        .send_json(json!({"service": service, "idem_key": key}));
    status_json(r)
}

/// `A012` → ("A", 12).
pub fn split_label(label: &str) -> (String, u32) {
    let digits = label.trim_start_matches(|c: char| !c.is_ascii_digit());
    (label[..label.len() - digits.len()].to_owned(), digits.parse().unwrap_or(0))
}

/// Every label of each service is 1..=n with no gap and no repeat.
pub fn assert_contiguous(labels: &[String]) {
    let mut by: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for l in labels {
        let (p, n) = split_label(l);
        by.entry(p).or_default().push(n);
    }
    for (p, mut ns) in by {
        ns.sort_unstable();
        let want: Vec<u32> = (1..=ns.len() as u32).collect();
        assert_eq!(ns, want, "numbers of service {p} are 1..=n without gaps or repeats");
    }
}
