//! The `notify` capability end to end: messages written to the outbox in
//! the same unit of work as the call that sent them (a trapped call sends
//! nothing, on a lane or not), delivered by the host to a webhook with
//! retries and backoff on the host's clock, limits that name the plugin and
//! the limit, an ungranted plugin denied, and the staff's delivery page.
//!
//! `greedy` has `sql`, so its calls run on its lane (messages carried in
//! the lane's Settle); `outbound` has no database (committed in place).

use linli_host::runtime::capabilities::ManualClock;
use linli_host::testing::{FakeUpstream, UpstreamReply};
use linli_tests::{TestServer, fixtures, sign_in, wait_for};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// 2026-11-30 10:00 in the hall (UTC+8).
const START: i64 = 1_796_004_000_000;

fn server(settings: &str) -> (TestServer, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock(AtomicI64::new(START)));
    (TestServer::start_custom(&[fixtures::GREEDY, fixtures::OUTBOUND], settings, None, clock.clone()), clock)
}

/// A webhook setting pointing at `up`: the admin's own gateway, so loopback
/// is fine here (unlike a plugin's `http`).
fn webhook(up: &FakeUpstream, extra: &str) -> String {
    format!("[notify]\nchannel = \"webhook\"\nwebhook_url = \"{}\"\n{extra}", up.url("/hook"))
}

fn results(s: &TestServer, path: &str) -> Vec<Value> {
    let (code, v) = s.get_json(path);
    assert_eq!(code, 200, "{path}: {v}");
    v["results"].as_array().cloned().unwrap_or_default()
}

fn outbox(s: &TestServer) -> Vec<linli_host::notify::OutboxRow> {
    let mut rows = s.host.services.outbox.list(1000);
    rows.reverse();
    rows
}

fn hook_bodies(up: &FakeUpstream) -> Vec<Value> {
    up.requests().iter().map(|r| serde_json::from_slice(&r.body).expect("webhook body is JSON")).collect()
}

#[test]
fn kept_messages_are_posted_to_the_webhook_and_trapped_ones_never() {
    let up = FakeUpstream::start(|_| UpstreamReply::json(200, &serde_json::json!({"ok": true}))).unwrap();
    let (s, _clock) = server(&webhook(&up, ""));
    // A call that sends and then traps: on the lane, and without one.
    for p in ["/greedy/notify?to=13900001111&trap=1", "/outbound/notify?to=13900001111&trap=1"] {
        let (code, body) = s.get(p);
        assert_eq!(code, 500, "{p} traps: {body}");
    }
    // Kept ones from both.
    for (p, n) in [("/greedy/notify?to=139-0000-2222", "greedy"), ("/outbound/notify?to=%2B86%2013900003333", "outbound")] {
        let r = results(&s, p);
        assert_eq!(r[0]["ok"], 1, "{n}: {r:?}");
    }
    let done = wait_for(Duration::from_secs(20), || {
        let rows = outbox(&s);
        (rows.len() == 2 && rows.iter().all(|r| r.status == "sent")).then_some(rows)
    });
    let rows = done.unwrap_or_else(|| panic!("both kept messages sent: {:?}", outbox(&s)));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(outbox(&s).len(), 2, "nothing of the trapped calls reached the outbox");
    let mut plugins: Vec<&str> = rows.iter().map(|r| r.message.plugin.as_str()).collect();
    plugins.sort();
    assert_eq!(plugins, ["greedy", "outbound"]);
    let bodies = hook_bodies(&up);
    assert_eq!(bodies.len(), 2, "one POST per kept message: {bodies:?}");
    let mut to: Vec<String> = bodies.iter().map(|b| b["recipient"].as_str().unwrap_or("").to_owned()).collect();
    to.sort();
    assert_eq!(to, ["13900002222", "13900003333"], "normalised numbers, never the trapped call's 13900001111");
    assert!(bodies.iter().all(|b| b["text_zh"] == "您的 A000 号快到了" && b["text_en"] == "Number A000 is nearly up" && b["template"] == "ticket-near"), "{bodies:?}");
    assert!(rows.iter().all(|r| r.attempts == 1 && r.sent_at.is_some()));
    // Phone numbers are sealed at rest, like the resident records.
    let mut found = Vec::new();
    for e in std::fs::read_dir(s.dir.path().join("data")).unwrap().flatten() {
        if let Ok(bytes) = std::fs::read(e.path())
            && bytes.windows(11).any(|w| w == b"13900002222" || w == b"13900003333")
        {
            found.push(e.path());
        }
    }
    assert!(found.is_empty(), "a phone number in the clear in {found:?}");
}

#[test]
fn a_failing_webhook_is_retried_with_backoff_then_marked_failed() {
    let up = FakeUpstream::start(|_| UpstreamReply::new(503, "down")).unwrap();
    let (s, clock) = server(&webhook(&up, "max_attempts = 3\n"));
    assert_eq!(results(&s, "/outbound/notify?to=13900004444")[0]["ok"], 1);
    let attempts = |n: u32| wait_for(Duration::from_secs(10), || outbox(&s).first().filter(|r| r.attempts == n).cloned());
    let r = attempts(1).expect("first attempt");
    assert_eq!(r.status, "pending");
    assert_eq!(r.next_at, START + 30_000, "the second attempt 30 s later");
    assert_eq!(r.last_error.as_deref(), Some("webhook answered 503"));
    // Not before its time, on the host's clock.
    clock.0.store(START + 29_000, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(outbox(&s)[0].attempts, 1, "no retry before the backoff is over");
    assert_eq!(up.requests().len(), 1);
    clock.0.store(START + 30_000, Ordering::SeqCst);
    let r = attempts(2).expect("second attempt after 30 s");
    assert_eq!(r.next_at, START + 30_000 + 120_000, "then two minutes");
    clock.0.store(START + 150_000, Ordering::SeqCst);
    let r = attempts(3).expect("third attempt after 2 min");
    assert_eq!(r.status, "failed", "after max_attempts");
    assert_eq!(r.last_error.as_deref(), Some("webhook answered 503"));
    clock.0.store(START + 10_000_000, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(up.requests().len(), 3, "a failed message is not tried again");

    // Staff see it: masked number, the state and the reason in Chinese.
    let (_, body) = s.get("/admin/host/notify");
    assert!(!body.contains("data-status") && !body.contains("503"), "anonymous callers are sent to sign in: {body}");
    let maint = sign_in(&s, "maint", &["maintainer"]);
    let page = linli_tests::http(ureq::get(&format!("{}/admin/host/notify", s.url)).set("Cookie", &maint.cookie)).1;
    assert!(page.contains("data-status=\"failed\""), "{page}");
    assert!(page.contains("发送失败") && page.contains("网关返回错误（状态 503）"), "{page}");
    assert!(!page.contains("13900004444"), "the phone number is masked on the page");
    assert!(page.contains(&linli_shared::mask::phone("13900004444")), "{page}");
    let (code, v) = linli_tests::http_json(ureq::get(&format!("{}/api/host/notify", s.url)).set("Cookie", &maint.cookie), &Value::Null);
    assert_eq!(code, 200);
    assert_eq!(v["messages"][0]["status"], "failed");
    assert_eq!(v["messages"][0]["attempts"], 3);
    assert!(!v.to_string().contains("13900004444"), "masked in the API too: {v}");
    let editor = sign_in(&s, "ed", &["editor"]);
    let (code, _) = linli_tests::http(ureq::get(&format!("{}/api/host/notify", s.url)).set("Cookie", &editor.cookie));
    assert_eq!(code, 403, "maintainers and admins only");
}

#[test]
fn a_notify_flood_is_refused_naming_the_plugin_and_the_limit_and_others_go_on() {
    let (s, _clock) = server("[plugins.greedy.limits]\nnotify_per_minute = 8\n");
    // One recipient: five an hour.
    let r = results(&s, "/greedy/notify?to=13900005555&n=6");
    assert!(r[..5].iter().all(|x| x["ok"].is_u64()), "{r:?}");
    let err = r[5]["err"].as_str().unwrap_or("");
    assert!(err.contains("plugin `greedy`") && err.contains("notify_per_recipient_per_hour"), "{err}");
    assert!(!err.contains("13900005555"), "the number is masked in the error: {err}");
    // The minute's budget (8, the refused one counted too).
    let r = results(&s, "/greedy/notify?to=13900006666&n=3");
    assert!(r[0]["ok"].is_u64() && r[1]["ok"].is_u64(), "{r:?}");
    let err = r[2]["err"].as_str().unwrap_or("");
    assert!(err.contains("plugin `greedy`") && err.contains("notify_per_minute"), "{err}");
    // Another plugin, the same recipient: unaffected.
    let r = results(&s, "/outbound/notify?to=13900005555&n=2");
    assert!(r.iter().all(|x| x["ok"].is_u64()), "outbound is not limited by greedy's flood: {r:?}");
    // What was accepted is delivered (log channel by default); nothing else.
    let rows = wait_for(Duration::from_secs(20), || {
        let rows = outbox(&s);
        (rows.len() == 9 && rows.iter().all(|r| r.status == "sent" && r.message.channel == "log")).then_some(rows)
    });
    assert!(rows.is_some(), "5 + 2 from greedy and 2 from outbound sent: {:?}", outbox(&s));
}

#[test]
fn an_ungranted_plugin_is_denied() {
    let (s, _clock) = server("[plugins.outbound]\ngrants = [\"http\"]\n");
    let r = results(&s, "/outbound/notify?to=13900007777");
    let err = r[0]["err"].as_str().unwrap_or("");
    assert!(err.contains("capability `notify` was not granted to plugin `outbound`"), "{r:?}");
    // A bad number and a placeholder without a value are refused by name.
    let r = results(&s, "/greedy/notify?to=12345");
    assert!(r[0]["err"].as_str().unwrap_or("").contains("plugin `greedy`: recipient is not a phone number"), "{r:?}");
    let r = results(&s, "/greedy/notify?inbox=A012&channel=pigeon");
    assert!(r[0]["err"].as_str().unwrap_or("").contains("channel `pigeon`"), "{r:?}");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(outbox(&s).is_empty(), "nothing was queued: {:?}", outbox(&s));
}

/// The plugin author's harness captures the outbox: a kept call's message
/// is there, rendered; a trapped call's is not.
#[test]
fn the_harness_captures_the_outbox() {
    let h = linli_host::testing::PluginHarness::load(fixtures::OUTBOUND).unwrap();
    let ok = h.request("GET", "/outbound/notify?to=13900008888", b"", &linli_host::auth::Caller::staff(&[]));
    assert_eq!(ok.status, 200, "{}", ok.text());
    let trapped = h.request("GET", "/outbound/notify?to=13900009999&trap=1", b"", &linli_host::auth::Caller::staff(&[]));
    assert_eq!(trapped.status, 500);
    let rows = h.outbox();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].message.recipient, "13900008888");
    assert_eq!(rows[0].message.text_zh, "您的 A000 号快到了");
    assert_eq!(rows[0].status, "pending");
}

/// More messages in one call than `notify_per_call`: refused by name, the
/// ones before it kept.
#[test]
fn messages_past_the_per_call_limit_are_refused() {
    let mut settings = linli_host::runtime::plugin::PluginSettings::default();
    settings.limits.notify_per_call = 2;
    let h = linli_host::testing::PluginHarness::load_with(fixtures::OUTBOUND, settings).unwrap();
    let r = h.request("GET", "/outbound/notify?inbox=A012&n=3", b"", &linli_host::auth::Caller::staff(&[])).json();
    let err = r["results"][2]["err"].as_str().unwrap_or("");
    assert!(err.contains("plugin `outbound`") && err.contains("limit notify_per_call"), "{r}");
    let rows = h.outbox();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.message.channel == "inbox" && r.message.recipient == "A012"), "an inbox key goes to the inbox: {rows:?}");
}

/// An inbox key's messages are for the plugin's own page: kept ones only,
/// newest first, never another plugin's.
#[test]
fn a_plugin_reads_back_its_inbox() {
    let (s, _clock) = server("");
    assert_eq!(results(&s, "/outbound/notify?inbox=A012&n=2")[1]["ok"], 2);
    let (code, _) = s.get("/outbound/notify?inbox=A012&trap=1");
    assert_eq!(code, 500);
    assert_eq!(results(&s, "/greedy/notify?inbox=A012")[0]["ok"], 1);
    let (_, v) = s.get_json("/outbound/inbox?key=A012");
    let got = v["ok"].as_array().cloned().unwrap_or_default();
    assert_eq!(got.len(), 2, "its own two kept messages: {v}");
    assert!(got[0]["id"].as_u64() > got[1]["id"].as_u64(), "newest first: {v}");
    assert_eq!(got[0]["text"], "您的 A001 号快到了");
    let (_, v) = s.get_json("/outbound/inbox?key=B999");
    assert_eq!(v["ok"], serde_json::json!([]));
}

/// An SMS gateway behind HTTPS: trusted under the hall's CA given in
/// `[notify] ca_file`; without it the certificate is refused, the message
/// kept for a retry, and the reason says it is the certificate.
#[test]
fn an_https_webhook_is_reached_under_the_halls_ca_and_refused_without_it() {
    let ca = linli_tests::tls::TestCa::new("hall CA");
    let up = FakeUpstream::start_tls(&ca.chain_pem, &ca.key_pem, |_| UpstreamReply::json(200, &serde_json::json!({"ok": true}))).unwrap();
    let settings = |extra: &str| format!("[notify]\nchannel = \"webhook\"\nwebhook_url = \"{}\"\n{extra}", up.url("/hook"));

    let (s, _clock) = server(&settings(""));
    assert_eq!(results(&s, "/outbound/notify?to=13900005555")[0]["ok"], 1);
    let r = wait_for(Duration::from_secs(10), || outbox(&s).first().filter(|r| r.attempts == 1).cloned()).expect("one attempt");
    assert_eq!(r.status, "pending", "kept for a retry");
    let why = r.last_error.clone().unwrap_or_default();
    assert!(why.starts_with("webhook unreachable") && why.to_lowercase().contains("certificate"), "{why}");
    assert!(!why.contains("/hook"), "the gateway's URL (and any key in it) stays out: {why}");
    assert!(up.requests().is_empty(), "nothing reached the gateway");
    drop(s);

    let (s, _clock) = server(&settings(&format!("ca_file = {:?}\n", ca.ca_file.display().to_string())));
    assert_eq!(results(&s, "/outbound/notify?to=13900006666")[0]["ok"], 1);
    wait_for(Duration::from_secs(10), || outbox(&s).first().filter(|r| r.status == "sent").cloned()).unwrap_or_else(|| panic!("sent over https: {:?}", outbox(&s)));
    let bodies = hook_bodies(&up);
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(bodies[0]["recipient"], "13900006666");
}
