//! The `http` capability (outbound requests) under hostile use: a plugin
//! reaches the upstream the admin listed for it and nothing else, not this
//! machine, not the cloud's metadata service, not through a redirect or a
//! name that resolves to loopback; a slow upstream cannot hold the call
//! past its time, nor a large answer fill its memory. Each refusal names
//! the plugin, and its neighbour goes on serving.

use linli_host::testing::{FakeUpstream, UpstreamReply};
use linli_tests::{TestServer, fixtures};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The host's log lines, captured for this test binary (all its tests).
fn host_log() -> String {
    linli_tests::host_log()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The plugin's route `kind` (get, post, send) with `url` and more query.
fn ask(s: &TestServer, kind: &str, url: &str, more: &str) -> Value {
    let (code, body) = s.get_json(&format!("/outbound/{kind}?url={}{more}", enc(url)));
    assert_eq!(code, 200, "{kind} {url}: {body}");
    body
}

fn err_of(v: &Value) -> String {
    v["err"].as_str().unwrap_or_else(|| panic!("expected a refusal, got {v}")).to_owned()
}

/// The outbound plugin and a neighbour, with these settings for the plugin.
fn server(settings: &str) -> TestServer {
    TestServer::start_with_settings(&[fixtures::OUTBOUND, fixtures::GREEDY], &format!("[plugins.outbound]\n{settings}"))
}

fn neighbour_serves(s: &TestServer) {
    let (code, body) = s.get_json("/greedy/count");
    assert_eq!(code, 200, "the neighbouring plugin is unaffected: {body}");
}

fn allow(hosts: &[&str]) -> String {
    format!("http_allow = [{}]\n", hosts.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", "))
}

#[test]
fn an_allowed_upstream_answers_and_is_shown_on_the_plugins_page() {
    let up = FakeUpstream::start(|req| match req.path.as_str() {
        "/moved" => UpstreamReply::redirect(302, "/final"),
        "/final" => UpstreamReply::new(200, "到了"),
        _ => UpstreamReply::json(200, &json!({"sent": true, "path": req.path})).header("x-gateway", "fake"),
    })
    .expect("fake upstream");
    host_log();
    let s = server(&allow(&[&up.host()]));
    let r = ask(&s, "get", &up.url("/status?id=7"), "");
    assert_eq!(r["ok"]["status"], 200, "{r}");
    assert_eq!(r["ok"]["type"], "application/json", "{r}");
    assert!(r["ok"]["body"].as_str().unwrap().contains("/status?id=7"), "{r}");
    // A JSON POST arrives with its body and type.
    let r = ask(&s, "post", &up.url("/send"), "");
    assert_eq!(r["ok"]["status"], 200, "{r}");
    let sent = up.requests().into_iter().find(|q| q.path == "/send").expect("the POST arrived");
    assert_eq!(sent.method, "POST");
    assert_eq!(serde_json::from_slice::<Value>(&sent.body).unwrap()["text"], "您的号码快到了");
    assert!(sent.headers.iter().any(|(k, v)| k == "content-type" && v == "application/json"), "{:?}", sent.headers);
    assert!(sent.headers.iter().any(|(k, v)| k == "user-agent" && v.contains("outbound")), "the upstream can tell which plugin: {:?}", sent.headers);
    // A status other than 200 is an answer, not an error.
    let r = ask(&s, "get", &up.url("/moved"), "");
    assert_eq!((r["ok"]["status"].as_u64(), r["ok"]["body"].as_str()), (Some(200), Some("到了")), "a redirect on the same host is followed: {r}");
    // Every request is in the host's log with the plugin, method, host,
    // status, bytes and time.
    let log = host_log();
    let line = log
        .lines()
        .find(|l| l.contains("outbound http request") && l.contains(&format!("host={}", up.host())) && l.contains("method=POST"))
        .unwrap_or_else(|| panic!("the POST is logged: {log}"));
    for field in ["plugin=outbound", "status=200", "bytes=", "ms="] {
        assert!(line.contains(field), "{field} in {line}");
    }
    // The admin sees where the plugin may go, beside its grant.
    let admin = linli_tests::sign_in(&s, "admin", &["admin"]);
    let (_, status) = linli_tests::http(ureq::get(&format!("{}/api/host/plugins", s.url)).set("Cookie", &admin.cookie));
    let status: Value = serde_json::from_str(&status).unwrap_or(Value::Null);
    let p = status["plugins"].as_array().expect("plugin list").iter().find(|p| p["id"] == "outbound").expect("outbound listed").clone();
    assert_eq!(p["http_allow"], json!([up.host()]), "{p}");
    assert!(p["granted"].as_array().unwrap().iter().any(|c| c == "http"), "{p}");
    let (_, page) = linli_tests::http(ureq::get(&format!("{}/admin/host/plugins", s.url)).set("Cookie", &admin.cookie));
    assert!(page.contains("访问外部服务") && page.contains("允许访问的外部地址") && page.contains(&up.host()), "the plugins page shows the grant and its hosts");
    neighbour_serves(&s);
}

#[test]
fn hosts_and_addresses_not_allowed_are_refused_before_any_connection() {
    let allowed = FakeUpstream::start(|_| UpstreamReply::new(200, "ok")).expect("upstream");
    let other = FakeUpstream::start(|_| UpstreamReply::new(200, "secret")).expect("upstream");
    let port = other.host().rsplit_once(':').unwrap().1.to_owned();
    // `localhost` is listed by name, but it resolves to loopback.
    host_log();
    let s = server(&allow(&[&allowed.host(), &format!("localhost:{port}")]));
    let cases = [
        ("http://sms.example.com/send".to_owned(), "not on its http_allow list"),
        (other.url("/"), "not on its http_allow list"),
        (format!("http://[::1]:{port}/"), "not on its http_allow list"),
        ("http://169.254.169.254/latest/meta-data/".to_owned(), "not on its http_allow list"),
        ("http://100.100.100.200/latest/meta-data/".to_owned(), "not on its http_allow list"),
        (format!("http://localhost:{port}/"), "resolves to"),
        (format!("http://2130706433:{port}/"), "not on its http_allow list"),
        ("https://sms.example.com/".to_owned(), "not on its http_allow list"),
        ("file:///etc/passwd".to_owned(), "scheme `file` is not allowed"),
        (format!("http://user:pw@{}/", allowed.host()), "credentials in the URL"),
    ];
    for (url, why) in &cases {
        let e = err_of(&ask(&s, "get", url, ""));
        assert!(e.contains("plugin `outbound`") && e.contains(why), "{url}: {e}");
    }
    assert!(other.requests().is_empty(), "nothing reached the address not allowed: {:?}", other.requests());
    let log = host_log();
    assert!(
        log.lines().any(|l| l.contains("outbound http request refused") && l.contains("plugin=outbound") && l.contains("host=169.254.169.254")),
        "refusals are logged with the plugin: {log}"
    );
    // Headers the host writes itself cannot be chosen by the plugin.
    let e = err_of(&ask(&s, "send", &allowed.url("/"), "&header=Host:internal.example"));
    assert!(e.contains("plugin `outbound`") && e.contains("`Host`"), "{e}");
    let e = err_of(&ask(&s, "send", &allowed.url("/"), "&header=x-a:1%0D%0AHost:%20internal"));
    assert!(e.contains("plugin `outbound`") && e.contains("not a valid header"), "{e}");
    let e = err_of(&ask(&s, "send", &allowed.url("/"), "&method=CONNECT"));
    assert!(e.contains("method `CONNECT`"), "{e}");
    assert!(allowed.requests().is_empty());
    neighbour_serves(&s);
    // The plugin itself goes on working.
    assert_eq!(ask(&s, "get", &allowed.url("/"), "")["ok"]["body"], "ok");
}

#[test]
fn a_redirect_to_a_host_not_allowed_is_not_followed() {
    let inside = FakeUpstream::start(|_| UpstreamReply::new(200, "router admin page")).expect("upstream");
    let target = inside.url("/admin");
    let up = FakeUpstream::start(move |req| match req.path.as_str() {
        "/metadata" => UpstreamReply::redirect(302, "http://169.254.169.254/latest/meta-data/iam/"),
        "/loop" => UpstreamReply::redirect(307, "/loop"),
        _ => UpstreamReply::redirect(301, &target),
    })
    .expect("upstream");
    let s = server(&allow(&[&up.host()]));
    let e = err_of(&ask(&s, "get", &up.url("/go"), ""));
    assert!(e.contains("plugin `outbound`") && e.contains(&inside.host()) && e.contains("redirected"), "{e}");
    assert!(inside.requests().is_empty(), "the refused host got nothing");
    let e = err_of(&ask(&s, "post", &up.url("/metadata"), ""));
    assert!(e.contains("plugin `outbound`") && e.contains("169.254.169.254"), "{e}");
    let e = err_of(&ask(&s, "get", &up.url("/loop"), ""));
    assert!(e.contains("plugin `outbound`") && e.contains("redirects"), "{e}");
    neighbour_serves(&s);
}

/// https: the certificate is checked against the host's roots and the
/// plugin's `http_ca_file`; a redirect may go up to https, never down.
#[test]
fn https_upstreams_are_checked_against_the_trusted_cas() {
    use linli_tests::tls::TestCa;
    let ca = TestCa::new("Linli test hall CA");
    let plain = FakeUpstream::start(|_| UpstreamReply::new(200, "in the clear")).expect("upstream");
    let plain_url = plain.url("/final");
    let up = FakeUpstream::start_tls(&ca.chain_pem, &ca.key_pem, move |req| match req.path.as_str() {
        "/downgrade" => UpstreamReply::redirect(302, &plain_url),
        _ => UpstreamReply::new(200, "安全到达"),
    })
    .expect("TLS upstream");
    assert!(up.url("/").starts_with("https://"));
    let upgrade = up.url("/status");
    let to_tls = FakeUpstream::start(move |_| UpstreamReply::redirect(301, &upgrade)).expect("upstream");
    host_log();
    // Only the built-in roots: the hall's own CA is not among them.
    let s = server(&allow(&[&up.host()]));
    let e = err_of(&ask(&s, "get", &up.url("/status"), ""));
    assert!(e.contains("plugin `outbound`") && e.contains(&up.host()) && e.contains("does not trust") && e.contains("http_ca_file"), "{e}");
    assert!(up.requests().is_empty(), "nothing was sent to an upstream whose certificate is not trusted: {:?}", up.requests());
    let log = host_log();
    assert!(
        log.lines().any(|l| l.contains("outbound http request failed") && l.contains("plugin=outbound") && l.contains(&format!("host={}", up.host())) && l.contains("does not trust")),
        "the refusal is logged with the plugin and host: {log}"
    );
    neighbour_serves(&s);
    drop(s);
    // Trusted through the CA file the admin gave the plugin.
    let s = server(&format!("{}http_ca_file = {:?}\n", allow(&[&up.host(), &plain.host(), &to_tls.host()]), ca.ca_file));
    let r = ask(&s, "get", &up.url("/status"), "");
    assert_eq!((r["ok"]["status"].as_u64(), r["ok"]["body"].as_str()), (Some(200), Some("安全到达")), "{r}");
    let r = ask(&s, "post", &up.url("/send"), "");
    assert_eq!(r["ok"]["status"], 200, "{r}");
    let sent = up.requests().into_iter().find(|q| q.path == "/send").expect("the POST arrived over TLS");
    assert_eq!(serde_json::from_slice::<Value>(&sent.body).unwrap()["text"], "您的号码快到了");
    // From https down to http: refused, even to a host on the list.
    let e = err_of(&ask(&s, "get", &up.url("/downgrade"), ""));
    assert!(e.contains("plugin `outbound`") && e.contains("from https to http") && e.contains(&plain.host()), "{e}");
    assert!(plain.requests().is_empty(), "the plain-HTTP host got nothing: {:?}", plain.requests());
    // From http up to https: followed, and checked like the first hop.
    let r = ask(&s, "get", &to_tls.url("/old"), "");
    assert_eq!(r["ok"]["body"], "安全到达", "{r}");
    neighbour_serves(&s);
    drop(s);
    // An upstream that takes the connection and never does the handshake
    // is cut off at the request's limit like a slow answer.
    let mute = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let mute_host = mute.local_addr().expect("address").to_string();
    std::thread::spawn(move || {
        let held: Vec<_> = mute.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(10));
        drop(held);
    });
    let s = server(&format!("{}[plugins.outbound.limits]\ntime_ms = 5000\nhttp_timeout_ms = 300\n", allow(&[&mute_host])));
    let started = Instant::now();
    let e = err_of(&ask(&s, "get", &format!("https://{mute_host}/"), ""));
    assert!(e.contains("plugin `outbound`") && e.contains(&mute_host) && e.contains("http_timeout_ms"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(3), "stopped at its limit: {:?}", started.elapsed());
    neighbour_serves(&s);
}

#[test]
fn a_slow_upstream_is_cut_off_and_the_call_answers_in_time() {
    let up = FakeUpstream::start(|_| UpstreamReply::new(200, "late").delay(Duration::from_secs(8))).expect("upstream");
    // The request's own limit, well inside the call's time.
    let s = server(&format!("{}[plugins.outbound.limits]\ntime_ms = 5000\nhttp_timeout_ms = 300\n", allow(&[&up.host()])));
    let started = Instant::now();
    let e = err_of(&ask(&s, "get", &up.url("/slow"), ""));
    assert!(e.contains("plugin `outbound`") && e.contains("http_timeout_ms"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(3), "stopped at its limit: {:?}", started.elapsed());
    neighbour_serves(&s);
    drop(s);
    // The call's own deadline bounds the request even when the request's
    // limit is longer: the call ends as timed out, naming the plugin.
    let s = server(&format!("{}[plugins.outbound.limits]\ntime_ms = 500\nhttp_timeout_ms = 30000\n", allow(&[&up.host()])));
    let started = Instant::now();
    let (code, body) = s.get_json(&format!("/outbound/get?url={}", enc(&up.url("/slow"))));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "the call answered in time: {took:?} {body}");
    let text = body.to_string();
    assert!(code == 504 || (code == 200 && text.contains("did not answer")), "{code} {body}");
    assert!(text.contains("outbound"), "{body}");
    neighbour_serves(&s);
}

#[test]
fn an_oversized_answer_is_refused() {
    let up = FakeUpstream::start(|req| {
        let r = UpstreamReply::new(200, vec![b'x'; 50_000]);
        if req.path == "/stream" { r.without_length() } else { r }
    })
    .expect("upstream");
    let s = server(&format!("{}[plugins.outbound.limits]\nhttp_response_bytes = 10000\n", allow(&[&up.host()])));
    // Said up front (Content-Length) and found while reading.
    for path in ["/big", "/stream"] {
        let e = err_of(&ask(&s, "get", &up.url(path), ""));
        assert!(e.contains("plugin `outbound`") && e.contains("http_response_bytes") && e.contains("10000"), "{path}: {e}");
    }
    neighbour_serves(&s);
}

#[test]
fn without_the_grant_nothing_is_sent() {
    let up = FakeUpstream::start(|_| UpstreamReply::new(200, "ok")).expect("upstream");
    let s = server(&format!("grants = []\n{}", allow(&[&up.host()])));
    let e = err_of(&ask(&s, "get", &up.url("/"), ""));
    assert!(e.contains("capability `http` was not granted to plugin `outbound`"), "{e}");
    assert!(up.requests().is_empty());
    neighbour_serves(&s);
}

#[test]
fn a_bad_allow_entry_is_named_when_the_plugin_loads() {
    let s = server(&allow(&["http://sms.example.com/send"]));
    let text = format!("{:?}", s.host.registry.errors());
    assert!(text.contains("outbound") && text.contains("http_allow entry `http://sms.example.com/send`"), "{text}");
    neighbour_serves(&s);
    drop(s);
    let s = server(&format!("{}http_ca_file = \"/nonexistent/hall-ca.pem\"\n", allow(&["sms.example.com"])));
    let text = format!("{:?}", s.host.registry.errors());
    assert!(text.contains("outbound") && text.contains("http_ca_file `/nonexistent/hall-ca.pem`") && text.contains("cannot be read"), "{text}");
    neighbour_serves(&s);
}

/// A plugin author's test: the harness with a fake upstream allowed by
/// its address.
#[test]
fn the_harness_gives_a_plugin_a_fake_upstream() {
    use linli_host::auth::Caller;
    use linli_host::runtime::plugin::PluginSettings;
    use linli_host::testing::PluginHarness;
    let up = FakeUpstream::start(|req| UpstreamReply::json(200, &json!({"queued": req.body.len()}))).expect("upstream");
    let h = PluginHarness::load_with(fixtures::OUTBOUND, PluginSettings { http_allow: vec![up.host()], ..Default::default() }).expect("loads");
    let r = h.request("GET", &format!("/outbound/post?url={}", enc(&up.url("/sms"))), b"", &Caller::staff(&[]));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["ok"]["status"], 200, "{}", r.text());
    assert_eq!(up.requests().len(), 1);
    assert_eq!(up.requests()[0].path, "/sms");
    // Without the entry, the same request is refused and nothing is sent.
    let h = PluginHarness::load(fixtures::OUTBOUND).expect("loads");
    let r = h.request("GET", &format!("/outbound/get?url={}", enc(&up.url("/sms"))), b"", &Caller::staff(&[]));
    assert!(r.json()["err"].as_str().unwrap_or("").contains("not on its http_allow list"), "{}", r.text());
    assert_eq!(up.requests().len(), 1);
}
