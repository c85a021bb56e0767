//! Issue 13, capability `services`: a plugin calls a route another plugin
//! marked callable, as itself or on behalf of the person it serves, along
//! links an admin allowed on the plugins page. Hostile use, each refused
//! naming the plugins with nothing else disturbed: no link, a route not
//! marked callable, A → B → A, a chain too deep, on behalf of someone the
//! route is not for, the same idempotency key twice (the callee runs
//! once), a callee that traps or runs out of time (the caller's own data
//! stays), a disabled callee (404).
//!
//! The guests are one plugin (`tests/guests/services`) built as svc-a …
//! svc-e: each POST writes a row to its own database, then maybe calls the
//! next plugin with the step it was given, then maybe traps or spins.

use linli_host::auth::Caller;
use linli_host::runtime::plugin::PluginSettings;
use linli_host::testing::PluginHarness;
use linli_tests::{Staff, TestServer, fixtures, http, http_json, sign_in};
use serde_json::{Value, json};

const ALL: [&str; 5] = [fixtures::SVC_A, fixtures::SVC_B, fixtures::SVC_C, fixtures::SVC_D, fixtures::SVC_E];

fn post(s: &TestServer, staff: &Staff, path: &str, body: Value) -> (u16, Value) {
    http_json(ureq::post(&format!("{}{path}", s.url)).set("Cookie", &staff.cookie).set("X-CSRF-Token", &staff.csrf), &body)
}

/// Rows plugin `id` has written to its own database so far.
fn runs(s: &TestServer, id: &str) -> u64 {
    let (code, v) = s.get_json(&format!("/api/{id}/count"));
    assert_eq!(code, 200, "{v}");
    v["runs"].as_u64().expect("runs")
}

/// A step that calls `plugin`'s route `tail` with `body`.
fn calling(note: &str, plugin: &str, tail: &str, body: Value) -> Value {
    json!({"note": note, "call": {"plugin": plugin, "path": format!("/api/{plugin}/{tail}"), "body": body}})
}

fn allow(s: &TestServer, admin: &Staff, caller: &str, callees: &[&str]) {
    let (code, r) = post(s, admin, &format!("/api/host/plugins/{caller}/calls"), json!({"callees": callees}));
    assert_eq!(code, 200, "{r}");
}

#[test]
fn links_callable_routes_audiences_cycles_and_depth_are_enforced() {
    let s = TestServer::start(&ALL);
    let admin = sign_in(&s, "admin", &["admin"]);
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    let supervisor = sign_in(&s, "super", &["supervisor"]);

    // No link allowed yet: refused naming both plugins; the caller's own
    // row stays, the callee never ran.
    let (code, r) = post(&s, &clerk, "/api/svc-a/run", calling("a1", "svc-b", "run", json!({"note": "b1"})));
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["call"]["error"], "denied", "{r}");
    let msg = r["call"]["message"].as_str().unwrap();
    assert!(msg.contains("plugin `svc-a` may not call plugin `svc-b`"), "{msg}");
    assert_eq!((runs(&s, "svc-a"), runs(&s, "svc-b")), (1, 0));
    let mut odd = calling("a1b", "svc-b", "run", json!({}));
    odd["call"]["plugin"] = json!("../svc-b\u{0}");
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", odd);
    assert_eq!(r["call"]["error"], "invalid", "{r}");
    assert!(r["call"]["message"].as_str().unwrap().contains("is not a plugin id"), "{r}");

    // The plugins page offers the link with a plain-language line.
    let (code, page) = http(ureq::get(&format!("{}/admin/host/plugins", s.url)).set("Cookie", &admin.cookie));
    assert_eq!(code, 200);
    assert!(page.contains("允许调用的插件"), "the page has the links: {page}");
    assert!(page.contains("POST /api/svc-b/run、POST /api/svc-b/supervise"), "the line names the callable routes");
    assert!(!page.contains("POST /api/svc-b/private"), "a route not marked callable is not offered");
    // The call tried before the link was allowed is pointed out.
    assert!(page.contains("class=\"wanted\"") && page.contains("它已尝试调用，尚未允许"), "the refused link is pointed out: {page}");

    // Only an admin allows links; not to itself, not to a plugin not loaded.
    assert_eq!(post(&s, &supervisor, "/api/host/plugins/svc-a/calls", json!({"callees": ["svc-b"]})).0, 403);
    let (code, r) = post(&s, &admin, "/api/host/plugins/svc-a/calls", json!({"callees": ["svc-a"]}));
    assert_eq!(code, 422, "{r}");
    assert!(r["error"]["message_zh"].as_str().unwrap().contains("svc-a"), "{r}");
    let (code, r) = post(&s, &admin, "/api/host/plugins/svc-a/calls", json!({"callees": ["nosuch"]}));
    assert_eq!(code, 422, "{r}");
    assert!(r["error"]["message_en"].as_str().unwrap().contains("nosuch"), "{r}");
    allow(&s, &admin, "svc-a", &["svc-b"]);
    let (_, page) = http(ureq::get(&format!("{}/admin/host/plugins", s.url)).set("Cookie", &admin.cookie));
    assert!(page.contains("value=\"svc-b\" checked"), "the page shows the link allowed");

    // Allowed: the callee runs as its own unit and sees the calling plugin.
    let (code, r) = post(&s, &clerk, "/api/svc-a/run", calling("a2", "svc-b", "run", json!({"note": "b2"})));
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["call"]["status"], 200, "{r}");
    let b = &r["call"]["body"];
    assert_eq!((b["plugin"].as_str(), b["caller"]["kind"].as_str(), b["caller"]["id"].as_str()), (Some("svc-b"), Some("plugin"), Some("svc-a")), "{r}");
    assert_eq!(b["caller_plugin"], "svc-a");
    assert_eq!((runs(&s, "svc-a"), runs(&s, "svc-b")), (3, 1));
    // A client cannot pose as a plugin: the host's `linli-*` headers are
    // dropped from a request that comes over HTTP.
    let (code, r) = http_json(
        ureq::post(&format!("{}/api/svc-b/run", s.url)).set("Cookie", &clerk.cookie).set("X-CSRF-Token", &clerk.csrf).set("Linli-Caller-Plugin", "svc-a"),
        &json!({"note": "posing"}),
    );
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["caller_plugin"], Value::Null, "{r}");
    assert_eq!(r["caller"]["kind"], "staff", "{r}");

    // A route not marked callable: refused, the callee untouched.
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", calling("a3", "svc-b", "private", json!({"note": "no"})));
    assert_eq!(r["call"]["error"], "denied", "{r}");
    assert!(r["call"]["message"].as_str().unwrap().contains("`POST /api/svc-b/private` of plugin `svc-b`: that route is not marked callable"), "{r}");
    assert_eq!(runs(&s, "svc-b"), 2);

    // On behalf of the clerk: the supervisors' route is not for them.
    let mut step = calling("a4", "svc-b", "supervise", json!({"note": "for the clerk"}));
    step["call"]["on_behalf"] = json!(true);
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", step.clone());
    assert_eq!(r["call"]["error"], "denied", "{r}");
    let msg = r["call"]["message"].as_str().unwrap();
    assert!(msg.contains("plugin `svc-a` may not call `POST /api/svc-b/supervise` of plugin `svc-b` on behalf of staff"), "{msg}");
    assert!(msg.contains("supervisor"), "{msg}");
    assert_eq!(runs(&s, "svc-b"), 2, "refused on behalf: the callee did not run");
    // On behalf of a supervisor: allowed, and the callee sees that person.
    let (_, r) = post(&s, &supervisor, "/api/svc-a/run", step);
    assert_eq!(r["call"]["status"], 200, "{r}");
    assert_eq!(r["call"]["body"]["caller"]["kind"], "staff", "{r}");
    assert_eq!(r["call"]["body"]["caller"]["roles"], json!(["supervisor"]), "{r}");
    assert_eq!(runs(&s, "svc-b"), 3);
    // What the supervisor changed through svc-b is in the audit log, as theirs.
    let audited: (String, String) = s
        .host
        .db
        .with_reader(|c| c.query_row("SELECT actor_name, detail FROM audit WHERE target = 'svc-b: POST /api/svc-b/supervise'", [], |r| Ok((r.get(0)?, r.get(1)?))))
        .expect("the on-behalf change is audited");
    assert_eq!(audited.1, "via plugin svc-a", "{audited:?}");

    // A calling itself, and A → B → A: refused naming the chain, even with
    // every link allowed.
    allow(&s, &admin, "svc-b", &["svc-a", "svc-c"]);
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", calling("a5", "svc-a", "run", json!({"note": "me again"})));
    assert_eq!(r["call"]["error"], "denied", "{r}");
    assert!(r["call"]["message"].as_str().unwrap().contains("call cycle refused: svc-a → svc-a"), "{r}");
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", calling("a6", "svc-b", "run", calling("b-cycle", "svc-a", "run", json!({"note": "a again"}))));
    assert_eq!(r["call"]["status"], 200, "B answered: {r}");
    let inner = &r["call"]["body"]["call"];
    assert_eq!(inner["error"], "denied", "{r}");
    assert!(inner["message"].as_str().unwrap().contains("plugin `svc-b`: call cycle refused: svc-a → svc-b → svc-a"), "{r}");
    assert_eq!(runs(&s, "svc-a"), 8, "svc-a ran once per request, never for the cycle");

    // Depth: four plugins in a chain pass, a fifth is refused naming it.
    allow(&s, &admin, "svc-c", &["svc-d"]);
    allow(&s, &admin, "svc-d", &["svc-e"]);
    let chain4 = calling("a7", "svc-b", "run", calling("b7", "svc-c", "run", calling("c7", "svc-d", "run", json!({"note": "d7"}))));
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", chain4);
    let d = &r["call"]["body"]["call"]["body"]["call"];
    assert_eq!(d["status"], 200, "{r}");
    assert_eq!(d["body"]["plugin"], "svc-d", "{r}");
    let chain5 = calling("a8", "svc-b", "run", calling("b8", "svc-c", "run", calling("c8", "svc-d", "run", calling("d8", "svc-e", "run", json!({"note": "e8"})))));
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", chain5);
    let from_d = &r["call"]["body"]["call"]["body"]["call"]["body"]["call"];
    assert_eq!(from_d["error"], "limit", "{r}");
    assert!(
        from_d["message"].as_str().unwrap().contains("plugin `svc-d`: calls nested too deep: svc-a → svc-b → svc-c → svc-d → svc-e (at most 4 plugins"),
        "{r}"
    );
    assert_eq!(runs(&s, "svc-e"), 0, "the plugin too deep never ran");
    assert_eq!(runs(&s, "svc-d"), 2, "svc-d kept its own rows");

    // A disabled callee answers 404 naming it; enabled again, it answers.
    assert_eq!(post(&s, &admin, "/api/host/plugins/svc-b/disable", json!({})).0, 200);
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", calling("a9", "svc-b", "run", json!({"note": "b off"})));
    assert_eq!(r["call"]["status"], 404, "{r}");
    assert_eq!(r["call"]["body"]["error"]["plugin"], "svc-b", "{r}");
    assert!(r["call"]["body"]["error"]["message_en"].as_str().unwrap().contains("plugin `svc-b` has no route `POST /api/svc-b/run`, or it is disabled"), "{r}");
    assert_eq!(post(&s, &admin, "/api/host/plugins/svc-b/enable", json!({})).0, 200);
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", calling("a10", "svc-b", "run", json!({"note": "b on"})));
    assert_eq!(r["call"]["status"], 200, "{r}");

    // Links survive a restart of the host (stored, not just in memory).
    let links = linli_host::auth::grants::links(&s.host.db).unwrap();
    assert!(links.contains(&("svc-a".to_owned(), "svc-b".to_owned())), "{links:?}");
    // Taking a link away refuses the next call.
    allow(&s, &admin, "svc-a", &[]);
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", calling("a11", "svc-b", "run", json!({"note": "gone"})));
    assert_eq!(r["call"]["error"], "denied", "{r}");
}

#[test]
fn idempotency_keys_and_failing_callees_keep_each_unit_apart() {
    // svc-b gets a shorter time than svc-a, so its caller has time left
    // after svc-b is stopped.
    let s = TestServer::start_with_settings(&ALL[..2], "[plugins.svc-b.limits]\ntime_ms = 300\n");
    let admin = sign_in(&s, "admin", &["admin"]);
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    allow(&s, &admin, "svc-a", &["svc-b"]);

    // The same key twice: the callee runs once, both answers are the same.
    let mut step = calling("a1", "svc-b", "run", json!({"note": "book the slot"}));
    step["call"]["key"] = json!("case-17/slot");
    let (_, first) = post(&s, &clerk, "/api/svc-a/run", step.clone());
    assert_eq!(first["call"]["status"], 200, "{first}");
    let (_, again) = post(&s, &clerk, "/api/svc-a/run", step.clone());
    assert_eq!(again["call"], first["call"], "the kept answer");
    assert_eq!(runs(&s, "svc-b"), 1, "the callee ran once for one key");
    assert_eq!(runs(&s, "svc-a"), 2, "the caller itself ran twice");
    // The key names one request: used for another route, refused.
    let mut other = calling("a2", "svc-b", "supervise", json!({"note": "x"}));
    other["call"]["key"] = json!("case-17/slot");
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", other);
    assert_eq!(r["call"]["error"], "invalid", "{r}");
    assert!(r["call"]["message"].as_str().unwrap().contains("idempotency key `case-17/slot` was used for `POST /api/svc-b/run` of plugin `svc-b`"), "{r}");
    // A new key runs the callee again.
    step["call"]["key"] = json!("case-18/slot");
    post(&s, &clerk, "/api/svc-a/run", step);
    assert_eq!(runs(&s, "svc-b"), 2);

    // A callee that traps: an error naming it, its changes rolled back,
    // the caller's own row kept. Its failure is not kept for the key: the
    // retry runs.
    let mut trap = calling("a-trap", "svc-b", "run", json!({"note": "b-trap", "trap": true}));
    trap["call"]["key"] = json!("case-19/step");
    let (code, r) = post(&s, &clerk, "/api/svc-a/run", trap.clone());
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["call"]["error"], "internal", "{r}");
    let msg = r["call"]["message"].as_str().unwrap();
    assert!(msg.contains("plugin `svc-a` called plugin `svc-b`, which failed; its changes were rolled back"), "{msg}");
    assert!(!msg.contains("on purpose"), "the callee's trap text stays in the log: {msg}");
    assert_eq!(runs(&s, "svc-b"), 2, "the trapped call left no row");
    let (_, a) = s.get_json("/api/svc-a/count");
    assert!(a["notes"].as_array().unwrap().contains(&json!("a-trap")), "the caller's row stayed: {a}");
    trap["call"]["body"]["trap"] = json!(false);
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", trap);
    assert_eq!(r["call"]["status"], 200, "{r}");
    assert_eq!(runs(&s, "svc-b"), 3, "a failed call is not kept for its key");

    // A callee that runs out of its time: a limit error naming it; the
    // caller goes on and keeps its row.
    let started = std::time::Instant::now();
    let (code, r) = post(&s, &clerk, "/api/svc-a/run", calling("a-spin", "svc-b", "run", json!({"note": "b-spin", "spin": true})));
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["call"]["error"], "limit", "{r}");
    assert!(r["call"]["message"].as_str().unwrap().contains("plugin `svc-a` called plugin `svc-b`: plugin `svc-b` ran past its time limit"), "{r}");
    assert!(started.elapsed() < std::time::Duration::from_millis(1500), "stopped by its time, {:?}", started.elapsed());
    assert_eq!(runs(&s, "svc-b"), 3);
    let (_, a) = s.get_json("/api/svc-a/count");
    assert!(a["notes"].as_array().unwrap().contains(&json!("a-spin")), "{a}");

    // Nothing else disturbed: both still serve.
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", calling("a-after", "svc-b", "run", json!({"note": "after"})));
    assert_eq!(r["call"]["status"], 200, "{r}");
}

/// The callee's time is the caller's: a callee with more time than its
/// caller is still stopped by the caller's deadline, and the caller fails
/// by its own time limit (a request cannot outlive its limit by calling).
#[test]
fn a_callee_cannot_run_past_its_callers_deadline() {
    let s = TestServer::start_with_settings(&ALL[..2], "[plugins.svc-a.limits]\ntime_ms = 300\n[plugins.svc-b.limits]\ntime_ms = 5000\n");
    let admin = sign_in(&s, "admin", &["admin"]);
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    allow(&s, &admin, "svc-a", &["svc-b"]);
    let started = std::time::Instant::now();
    let (code, r) = post(&s, &clerk, "/api/svc-a/run", calling("a", "svc-b", "run", json!({"note": "b", "spin": true})));
    assert_eq!(code, 504, "the caller ran out of its own time: {r}");
    assert!(r["error"]["message_en"].as_str().unwrap().contains("svc-a"), "{r}");
    assert!(started.elapsed() < std::time::Duration::from_millis(2000), "not the callee's 5 s: {:?}", started.elapsed());
    assert_eq!(runs(&s, "svc-b"), 0);
}

/// The SDK harness: a callee loaded beside the plugin under test, a link
/// allowed, a call made; without the link, refused.
#[test]
fn the_harness_runs_a_callee_beside_the_plugin() {
    let h = PluginHarness::load(fixtures::SVC_A).unwrap();
    let b = h.add_plugin(fixtures::SVC_B, PluginSettings::default()).unwrap();
    assert_eq!(b, "svc-b");
    let clerk = Caller::staff(&["clerk"]);
    let step = calling("a", "svc-b", "run", json!({"note": "b"}));
    let r = h.post_json("/api/svc-a/run", &step, &clerk);
    assert_eq!(r.json()["call"]["error"], "denied", "{}", r.text());
    h.allow_call("svc-a", "svc-b");
    let r = h.post_json("/api/svc-a/run", &step, &clerk);
    assert_eq!(r.json()["call"]["status"], 200, "{}", r.text());
    assert_eq!(h.manifest().id, "svc-a", "the plugin under test stays the first one");
    // A key's answer is kept for 24 hours of the harness clock, then the
    // step runs again.
    let mut keyed = step.clone();
    keyed["call"]["key"] = json!("k");
    let first = h.post_json("/api/svc-a/run", &keyed, &clerk).json();
    assert_eq!(h.post_json("/api/svc-a/run", &keyed, &clerk).json()["call"], first["call"], "kept");
    let b_runs = || h.get("/api/svc-b/count").json()["runs"].as_u64().unwrap();
    assert_eq!(b_runs(), 2);
    h.set_time(1_767_225_600_000 + 25 * 3600 * 1000);
    h.post_json("/api/svc-a/run", &keyed, &clerk);
    assert_eq!(b_runs(), 3, "past the window the step runs again");
    h.set_enabled("svc-b", false).unwrap();
    let r = h.post_json("/api/svc-a/run", &step, &clerk);
    assert_eq!(r.json()["call"]["status"], 404, "{}", r.text());
}

/// The admin allows a link on the plugins page itself (its checkbox and
/// button, through admin.js), and takes it away again.
#[test]
fn a_link_is_allowed_and_taken_away_on_the_plugins_page_in_chromium() {
    let Some(b) = linli_tests::browser::Browser::start(&["--lang=zh-CN"]) else { return };
    let s = TestServer::start(&ALL[..2]);
    linli_host::auth::sessions::create_staff(&s.host.db, "boss", "管理员", "correct horse battery", &["admin".to_string()], s.host.now_ms()).expect("admin");
    b.open(&format!("{}/login?lang=zh-CN", s.url));
    b.js("var f = document.querySelector('form[action=\"/login\"]'); f.username.value = 'boss'; f.password.value = 'correct horse battery'; f.submit(); return 1;");
    b.until("signed in", "document.querySelector('.who') && document.querySelector('.who').textContent.includes('管理员')");
    b.open(&format!("{}/admin/host/plugins", s.url));
    b.until("the calls form", "document.querySelector('form.calls[data-plugin=\"svc-a\"] input[value=\"svc-b\"]')");
    let line = b.js("return document.querySelector('form.calls[data-plugin=\"svc-a\"]').innerText;");
    assert!(line.as_str().unwrap_or("").contains("允许“服务调用测试”调用“服务调用测试”开放的接口"), "{line}");
    assert!(!s.host.services.calls.linked("svc-a", "svc-b"));
    b.js("var f = document.querySelector('form.calls[data-plugin=\"svc-a\"]'); f.querySelector('input[value=\"svc-b\"]').checked = true; f.querySelector('button').click(); return 1;");
    b.until("saved and shown", "document.querySelector('form.calls[data-plugin=\"svc-a\"] input[value=\"svc-b\"]') && document.querySelector('form.calls[data-plugin=\"svc-a\"] input[value=\"svc-b\"]').checked && document.readyState === 'complete'");
    linli_tests::wait_for(std::time::Duration::from_secs(5), || s.host.services.calls.linked("svc-a", "svc-b").then_some(())).expect("the link is allowed");
    b.open(&format!("{}/admin/host/plugins", s.url));
    b.until("the calls form again", "document.querySelector('form.calls[data-plugin=\"svc-a\"] input[value=\"svc-b\"]')");
    b.js("var f = document.querySelector('form.calls[data-plugin=\"svc-a\"]'); f.querySelector('input[value=\"svc-b\"]').checked = false; f.querySelector('button').click(); return 1;");
    linli_tests::wait_for(std::time::Duration::from_secs(5), || (!s.host.services.calls.linked("svc-a", "svc-b")).then_some(())).expect("the link is taken away");
}

/// Two flows crossing in opposite directions (svc-a → svc-b while
/// svc-b → svc-a), both plugins with their own lane: each lane waits for
/// the other, but only until the first deadline; the calls still queued
/// then run nothing, both requests fail by their time limit naming their
/// plugin, and both plugins serve the next request at once.
#[test]
fn crossing_flows_wait_no_longer_than_their_deadlines() {
    let s = TestServer::start_with_settings(&ALL[..2], "[plugins.svc-a.limits]\ntime_ms = 600\n[plugins.svc-b.limits]\ntime_ms = 600\n");
    let admin = sign_in(&s, "admin", &["admin"]);
    let clerk = sign_in(&s, "clerk", &["clerk"]);
    allow(&s, &admin, "svc-a", &["svc-b"]);
    allow(&s, &admin, "svc-b", &["svc-a"]);
    let started = std::time::Instant::now();
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let runs: Vec<_> = [("svc-a", "svc-b"), ("svc-b", "svc-a")]
            .into_iter()
            .map(|(from, to)| {
                let (s, clerk) = (&s, &clerk);
                scope.spawn(move || {
                    let mut step = calling(&format!("{from}-cross"), to, "run", json!({"note": format!("{to}-crossed")}));
                    // Both lanes are busy before either call is made.
                    step["delay_ms"] = json!(150);
                    post(s, clerk, &format!("/api/{from}/run"), step)
                })
            })
            .collect();
        runs.into_iter().map(|h| h.join().expect("no panic")).collect()
    });
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "bounded by the deadlines: {:?}", started.elapsed());
    for ((code, r), id) in answers.iter().zip(["svc-a", "svc-b"]) {
        assert_eq!(*code, 504, "{r}");
        assert!(r["error"]["message_en"].as_str().unwrap().contains(id), "{r}");
    }
    // The crossed calls ran nothing, and both callers' rows went with
    // their failed calls.
    assert_eq!((runs(&s, "svc-a"), runs(&s, "svc-b")), (0, 0));
    let (_, r) = post(&s, &clerk, "/api/svc-a/run", calling("after", "svc-b", "run", json!({"note": "after"})));
    assert_eq!(r["call"]["status"], 200, "both lanes serve again: {r}");
}
