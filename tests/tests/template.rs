//! `linli plugin new`: the generated plugin builds for wasm32-wasip2 and
//! does what its own test says, in the same harness its test uses.

use linli_host::auth::Caller;
use linli_host::testing::{PluginHarness, build_plugin};

#[test]
fn a_new_plugin_builds_and_works() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(linli_tests::linli_binary())
        .args(["plugin", "new", "job-board", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let crate_dir = dir.path().join("job-board");
    assert!(crate_dir.join("tests/plugin.rs").exists());
    // Share the fixtures' wasm target directory so this does not rebuild the SDK.
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fixtures");
    unsafe { std::env::set_var("LINLI_PLUGIN_TARGET_DIR", &target) };
    let wasm = build_plugin(&crate_dir).expect("builds");
    let h = PluginHarness::load(wasm).expect("loads");
    assert_eq!(h.manifest().id, "job-board");
    let anyone = Caller::anonymous("zh-CN");
    assert_eq!(h.request("POST", "/api/job-board/visits", b"", &anyone).json()["visits"], 1);
    assert_eq!(h.request("POST", "/api/job-board/visits", b"", &anyone).json()["visits"], 2);
    assert!(h.get("/job-board").text().contains("2"));
    // Bad names are refused with the rule.
    let out = std::process::Command::new(linli_tests::linli_binary()).args(["plugin", "new", "Job Board", "--dir"]).arg(dir.path()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("[a-z][a-z0-9-]*"));
}
