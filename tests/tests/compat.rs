//! Plugins already installed in halls keep working: a component built
//! against the first `linli:plugin@0.1.0` (checked in, never rebuilt) loads
//! into today's host and serves.

use linli_tests::{TestServer, http_json, sign_in};
use std::path::PathBuf;

fn first_notices() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/wit-0.1.0/notices.wasm");
    assert!(p.exists(), "{} is checked in", p.display());
    p.display().to_string()
}

#[test]
fn a_plugin_built_against_the_first_wit_still_loads_and_serves() {
    let s = TestServer::start(&[&first_notices()]);
    let snapshot = s.host.registry.snapshot();
    let plugin = snapshot.plugins.get("notices").expect("the old build loaded");
    assert_eq!(plugin.manifest.version, "0.1.0");
    let staff = sign_in(&s, "editor", &["editor"]);
    let (code, body) = http_json(
        ureq::post(&format!("{}/api/notices", s.url)).set("Cookie", &staff.cookie).set("X-CSRF-Token", &staff.csrf),
        &serde_json::json!({"title": "旧版插件照常工作", "body": "Old plugins keep working"}),
    );
    assert_eq!(code, 201, "{body}");
    let (code, list) = s.get_json("/api/notices");
    assert_eq!(code, 200);
    assert_eq!(list["notices"][0]["title"], "旧版插件照常工作", "{list}");
    // Its page is drawn in today's shell.
    let (code, page) = s.get("/notices");
    assert_eq!(code, 200);
    assert!(page.contains("旧版插件照常工作"), "{page}");
}
