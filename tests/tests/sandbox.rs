//! Hostile guests: each attack is contained with a clear error naming the
//! plugin, and a well-behaved plugin served alongside keeps answering.

use linli_tests::{TestServer, fixtures};

fn server() -> TestServer {
    // The hostile plugin gets kv and log, but not sql (and never asked for clock).
    TestServer::start_with_settings(
        &[fixtures::PLUGIN_NOTICES, fixtures::HOSTILE],
        "[plugins.hostile]\ngrants = [\"kv\", \"log\"]\n[plugins.hostile.limits]\ntime_ms = 500\nmemory_mib = 48\nhost_calls = 2000\nresponse_bytes = 1048576
value_bytes = 65536\n",
    )
}

/// The hostile plugin's last recorded failure: what the plugins page shows
/// (a trap's reason stays out of the answer, which only names the plugin).
fn last_error(s: &TestServer) -> String {
    s.host.registry.snapshot().plugins.get("hostile").and_then(|p| p.health.last_error.lock().clone()).unwrap_or_default()
}

fn assert_contained(s: &TestServer, path: &str, status: u16, needle: &str) {
    let (code, body) = s.get(path);
    assert_eq!(code, status, "{path}: {body}");
    assert!(body.contains("hostile"), "{path}: the error names the plugin: {body}");
    let last = last_error(s);
    assert!(body.contains(needle) || last.contains(needle), "{path}: expected `{needle}` in the answer {body} or the plugin's last error {last}");
    // The neighbour keeps serving after every attack.
    let (code, body) = s.get("/api/notices");
    assert_eq!(code, 200, "notices after {path}: {body}");
}

#[test]
fn attacks_are_contained() {
    let s = server();
    assert_contained(&s, "/hostile/loop", 504, "time limit");
    assert_contained(&s, "/hostile/memory", 503, "memory");
    assert_contained(&s, "/hostile/trap", 500, "failed");
    assert_contained(&s, "/hostile/big", 502, "response_bytes");
    assert_contained(&s, "/hostile/flood", 503, "host calls");
    assert_contained(&s, "/hostile/garbage", 502, "status 999");
    assert_contained(&s, "/hostile/bad-header", 502, "header");
    // The same plugin still answers a good request: nothing leaked between
    // calls, and its key-value storage works (the guest answers 500 with
    // the error when the increment fails).
    let (code, body) = s.get_json("/hostile/kv");
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["result"], "1", "the first increment of the plugin's own counter: {body}");
}

#[test]
fn a_plugin_that_keeps_failing_is_marked_unhealthy() {
    let s = server();
    for _ in 0..3 {
        s.get("/hostile/trap");
    }
    let (_, health) = s.get_json("/healthz");
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["unhealthy"], serde_json::json!(["hostile"]));
    let metrics = s.metrics();
    assert!(metrics.contains("linli_plugin_healthy{plugin=\"hostile\"} 0"), "{metrics}");
    assert!(metrics.contains("linli_plugin_healthy{plugin=\"notices\"} 1"), "{metrics}");
}

#[test]
fn a_plugin_cannot_reach_another_plugins_data() {
    let s = server();
    // Put a notice in the notices plugin's namespace.
    s.host.db.as_ref();
    linli_host::storage::KvStore::kv_set(s.host.db.as_ref(), "notices", "notice/0000000001", b"{\"secret\":1}").unwrap();
    let (code, body) = s.get_json("/hostile/peek-kv");
    // Every call worked (the guest answers 500 naming the one that failed)…
    assert_eq!(code, 200, "{body}");
    // …the plugin reads back what it wrote in its own namespace…
    assert_eq!(body["own"], serde_json::json!({"ok": "mine"}), "{body}");
    // …and nothing of the other plugin's, by its key, by a path out of the
    // namespace or by scanning everything: only its own key is there.
    assert_eq!(body["direct"], serde_json::json!({"ok": null}), "{body}");
    assert_eq!(body["escaped"], serde_json::json!({"ok": null}), "{body}");
    assert_eq!(body["scanned"], serde_json::json!({"ok": ["own/marker"]}), "{body}");
}

#[test]
fn ungranted_capabilities_are_denied() {
    let s = server();
    let (code, body) = s.get_json("/hostile/sql");
    assert_eq!(code, 200);
    let r = body["result"].as_str().unwrap();
    assert!(r.contains("Denied") && r.contains("capability `sql` was not granted"), "{r}");
    // Clock was never asked for: the call is refused (a trap naming it).
    let (code, text) = s.get("/hostile/clock");
    assert_eq!(code, 500, "{text}");
    let last = last_error(&s);
    assert!(last.contains("capability `clock` was not granted"), "the plugins page shows why: {last}");
}

#[test]
fn no_files_network_or_environment() {
    let s = server();
    let (code, body) = s.get_json("/hostile/peek-file");
    assert_eq!(code, 200);
    assert!(body["passwd"].as_str().unwrap().starts_with("Err"), "{body}");
    assert!(body["dir"].as_str().unwrap().starts_with("Err"), "{body}");
    let (_, body) = s.get_json("/hostile/peek-env");
    assert_eq!(body["env"], serde_json::json!([]), "{body}");
    assert!(body["net"].as_str().unwrap().starts_with("Err"), "{body}");
    // The WASI clock is frozen: plugins read time only through `clock`.
    assert_eq!(body["system_time_secs"], 0, "{body}");
}

#[test]
fn sql_cannot_attach_other_databases() {
    let s = TestServer::start(&[fixtures::HOSTILE]);
    let (code, body) = s.get_json("/hostile/peek-sql");
    assert_eq!(code, 200, "the plugin's own query worked: {body}");
    let attach = body["attach"]["err"].as_str().unwrap_or_else(|| panic!("ATTACH was refused: {body}"));
    assert!(attach.contains("not allowed for plugins") && attach.contains("hostile"), "refused, naming the plugin: {body}");
    assert_eq!(body["tables"], serde_json::json!({"ok": 0}), "{body}");
}

/// A call is one unit of work: when it traps, runs out of time or memory,
/// its SQL changes are rolled back and its events never go out; when it
/// returns, both are kept.
#[test]
fn a_failed_call_leaves_nothing_behind() {
    let s = TestServer::start_with_settings(&[fixtures::HOSTILE], "[plugins.hostile.limits]\ntime_ms = 300\nmemory_mib = 48\n");
    let events = |s: &TestServer| s.host.bus().since(0, 10_000).unwrap().into_iter().filter(|e| e.topic == "hostile.half").count();
    for (how, status) in [("trap", 500), ("loop", 504), ("memory", 503)] {
        let (code, body) = s.get(&format!("/hostile/half?then={how}"));
        assert_eq!(code, status, "{how}: {body}");
        let (code, rows) = s.get_json("/hostile/rows");
        assert_eq!(code, 200, "the count itself worked: {rows}");
        assert_eq!(rows["rows"], 0, "after a {how}, the row written before it is gone");
        assert_eq!(events(&s), 0, "after a {how}, no event was published");
    }
    let (code, body) = s.get("/hostile/half");
    assert_eq!(code, 200, "{body}");
    let (code, rows) = s.get_json("/hostile/rows");
    assert_eq!(code, 200, "{rows}");
    assert_eq!(rows["rows"], 1, "a call that returns keeps its row");
    assert_eq!(events(&s), 1, "and its event goes out");
}
