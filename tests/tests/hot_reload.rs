//! Hot reload: v1 serving, v2 dropped in, requests never fail, v2 answers;
//! then a broken v3 dropped in, v2 keeps answering and the error is reported.

use linli_tests::{TestServer, fixtures, wait_for};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

fn version(s: &TestServer) -> Option<String> {
    let (code, body) = s.get_json("/versioned");
    (code == 200).then(|| body["version"].as_str().unwrap_or("").to_owned())
}

/// Drop a file into the folder the way an installer should: write, rename.
fn drop_in(s: &TestServer, src: &str) {
    let dir = s.plugins_dir();
    let tmp = dir.join(".versioned.wasm.tmp");
    std::fs::copy(src, &tmp).unwrap();
    std::fs::rename(&tmp, dir.join("versioned.wasm")).unwrap();
}

#[test]
fn swap_without_failed_requests() {
    let s = Arc::new(TestServer::start(&[fixtures::VERSIONED_V1]));
    std::fs::rename(s.plugins_dir().join("versioned_v1.wasm"), s.plugins_dir().join("versioned.wasm")).unwrap();
    // The rename is itself a change the watcher sees; wait until the plugin
    // is served from its new name.
    let moved = wait_for(Duration::from_secs(10), || {
        let snap = s.host.registry.snapshot();
        snap.plugins.get("versioned").filter(|p| p.file.ends_with("versioned.wasm")).map(|_| ())
    });
    assert_eq!(moved, Some(()));
    assert_eq!(version(&s).as_deref(), Some("1.0.0"));

    // Clients hammer the plugin (fast and slow routes) during the swaps.
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicUsize::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    let hits = |s: &TestServer| -> i64 {
        let (code, body) = s.get_json("/versioned/count");
        assert_eq!(code, 200, "{body}");
        body["hits"].as_i64().unwrap()
    };
    let before = hits(&s);
    let clients: Vec<_> = ["/versioned", "/versioned/slow", "/versioned/count"]
        .into_iter()
        .map(|path| {
            let (s, stop, failures, served) = (s.clone(), stop.clone(), failures.clone(), served.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let (code, body) = s.get(path);
                    if code == 200 {
                        served.fetch_add(1, Ordering::Relaxed);
                    } else {
                        eprintln!("{path}: {code} {body}");
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();

    drop_in(&s, fixtures::VERSIONED_V2);
    assert_eq!(wait_for(Duration::from_secs(10), || (version(&s).as_deref() == Some("2.0.0")).then_some(())), Some(()), "v2 answers");

    drop_in(&s, fixtures::VERSIONED_BROKEN);
    let err = wait_for(Duration::from_secs(10), || s.host.registry.errors().values().find(|e| e.contains("teleport")).cloned());
    let err = err.expect("the broken version is reported");
    assert!(err.contains("versioned.wasm"), "{err}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(version(&s).as_deref(), Some("2.0.0"), "v2 keeps answering after a broken v3");

    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    assert_eq!(failures.load(Ordering::Relaxed), 0, "no request failed during the swaps");
    assert!(served.load(Ordering::Relaxed) > 5);
    // The plugin's database went from v1's lane to v2's: every hit counted
    // by either version is there, and v2 goes on counting.
    let (_, body) = s.get_json("/versioned/count");
    assert_eq!(body["version"], "2.0.0");
    assert!(body["hits"].as_i64().unwrap() > before + 1, "{body} after {before}");

    // The admin view shows the error too.
    let status = s.metrics();
    assert!(status.contains("linli_plugin_load_errors 1"), "{status}");
}

#[test]
fn plugin_install_command_validates_then_swaps() {
    let s = TestServer::start(&[fixtures::VERSIONED_V1]);
    let install = |file: &str| {
        std::process::Command::new(linli_tests::linli_binary())
            .args(["plugin", "install", file, "--plugins"])
            .arg(s.plugins_dir())
            .output()
            .unwrap()
    };
    let out = install(fixtures::VERSIONED_BROKEN);
    assert!(!out.status.success(), "a broken plugin is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown capability `teleport`"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!s.plugins_dir().join("versioned.wasm").exists(), "nothing was copied");

    // Installed under its id's name, replacing whichever file held that id.
    let out = install(fixtures::VERSIONED_V2);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("versioned 2.0.0"), "{}", String::from_utf8_lossy(&out.stdout));
    let v = wait_for(Duration::from_secs(10), || {
        let (code, body) = s.get_json("/versioned");
        (code == 200 && body["version"] == "2.0.0").then_some(())
    });
    assert_eq!(v, Some(()));
    assert!(!s.plugins_dir().join("versioned_v1.wasm").exists());
}

/// `linli serve` started the way README says (folders given as relative
/// paths, the default `plugins/dist`): a new version dropped in replaces
/// the running one instead of clashing with it.
#[test]
fn an_upgrade_dropped_into_a_relative_plugins_folder_is_loaded() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("plugins")).unwrap();
    std::fs::copy(fixtures::VERSIONED_V1, dir.path().join("plugins/versioned.wasm")).unwrap();
    let port = linli_tests::free_port();
    let mut child = Command::new(linli_tests::linli_binary())
        .current_dir(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data", "data", "--plugins", "plugins", "--content", "content"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("linli starts");
    let url = format!("http://127.0.0.1:{port}/versioned");
    let version = || ureq::get(&url).call().ok().and_then(|r| r.into_json::<serde_json::Value>().ok()).and_then(|v| v["version"].as_str().map(str::to_owned));
    let first = wait_for(Duration::from_secs(60), version);
    assert_eq!(first.as_deref(), Some("1.0.0"));
    let tmp = dir.path().join("plugins/.versioned.wasm.tmp");
    std::fs::copy(fixtures::VERSIONED_V2, &tmp).unwrap();
    std::fs::rename(&tmp, dir.path().join("plugins/versioned.wasm")).unwrap();
    let upgraded = wait_for(Duration::from_secs(20), || version().filter(|v| v == "2.0.0"));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(upgraded.as_deref(), Some("2.0.0"), "the upgrade was loaded");
}
