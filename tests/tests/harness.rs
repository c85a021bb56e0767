//! The SDK's test harness runs the real component in a real wasmtime host
//! with an in-memory store: what plugin authors use in their own tests.

use linli_host::auth::Caller;
use linli_host::testing::PluginHarness;
use linli_tests::fixtures;
use serde_json::json;

#[test]
fn notices_through_the_harness() {
    let h = PluginHarness::load(fixtures::PLUGIN_NOTICES).unwrap();
    assert_eq!(h.manifest().id, "notices");
    let r = h.post_json("/api/notices", &json!({"title": "停水通知", "body": "周三 9:00-12:00 停水"}), &Caller::staff(&["editor"]));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["title"], "停水通知");
    // Anonymous and the wrong role are refused before the plugin runs.
    assert_eq!(h.post_json("/api/notices", &json!({"title": "x", "body": ""}), &Caller::anonymous("zh-CN")).status, 401);
    assert_eq!(h.post_json("/api/notices", &json!({"title": "x", "body": ""}), &Caller::staff(&["clerk"])).status, 403);
    // Bad input gets a 4xx naming the problem.
    let r = h.post_json("/api/notices", &json!({"title": "", "body": ""}), &Caller::staff(&["editor"]));
    assert_eq!(r.status, 422);
    assert!(r.json()["error"]["message_en"].as_str().unwrap().contains("title"));
    let list = h.get("/api/notices").json();
    assert_eq!(list["notices"].as_array().unwrap().len(), 1);
    let events = h.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].topic, "notices.created");
    // The clock is the harness's: the notice carries its time.
    assert_eq!(list["notices"][0]["created"], 1_767_225_600_000i64);
}
