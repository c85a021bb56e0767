//! Kill the real `linli` process with SIGKILL in the middle of a stream of
//! writes: every write acknowledged to a client is there after a restart.

use linli_tests::{create_staff_cli, fixtures, free_port, spawn_linli, wait_for};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let (data, plugins) = (dir.path().join("data"), dir.path().join("plugins"));
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(fixtures::PLUGIN_NOTICES, plugins.join("notices.wasm")).unwrap();
    create_staff_cli(&data, "editor", "editor", "correct horse battery");
    let port = free_port();
    let mut child = spawn_linli(&data, &plugins, port);
    let base = format!("http://127.0.0.1:{port}");
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let r = agent.post(&format!("{base}/login")).send_form(&[("username", "editor"), ("password", "correct horse battery")]).unwrap();
    let cookie = r.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    let page = agent.get(&format!("{base}/")).set("Cookie", &cookie).call().unwrap().into_string().unwrap();
    let csrf = page.split("name=\"csrf\" content=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();

    // Two writers post notices as fast as they can; each records the ids
    // the server acknowledged.
    let acked = Arc::new(Mutex::new(Vec::<i64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (acked, stop, base, cookie, csrf) = (acked.clone(), stop.clone(), base.clone(), cookie.clone(), csrf.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let r = ureq::post(&format!("{base}/api/notices"))
                        .set("Cookie", &cookie)
                        .set("X-CSRF-Token", &csrf)
                        .timeout(Duration::from_secs(5))
                        .send_json(serde_json::json!({"title": format!("writer {w} notice {i}"), "body": "停水通知"}));
                    match r {
                        Ok(resp) if resp.status() == 201 => {
                            let v: serde_json::Value = resp.into_json().unwrap();
                            acked.lock().unwrap().push(v["id"].as_i64().unwrap());
                        }
                        _ => break, // the server is gone
                    }
                }
            })
        })
        .collect();
    wait_for(Duration::from_secs(30), || (acked.lock().unwrap().len() >= 40).then_some(()));
    // SIGKILL: no shutdown code runs.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 40, "enough writes before the kill: {}", acked.len());

    let port = free_port();
    let mut child = spawn_linli(&data, &plugins, port);
    let list: serde_json::Value = ureq::get(&format!("http://127.0.0.1:{port}/api/notices")).call().unwrap().into_json().unwrap();
    let stored: std::collections::BTreeSet<i64> = list["notices"].as_array().unwrap().iter().map(|n| n["id"].as_i64().unwrap()).collect();
    let missing: Vec<_> = acked.iter().filter(|id| !stored.contains(id)).collect();
    assert!(missing.is_empty(), "acknowledged but lost after SIGKILL: {missing:?}");
    // Ids were never handed out twice.
    let unique: std::collections::BTreeSet<_> = acked.iter().collect();
    assert_eq!(unique.len(), acked.len());
    child.kill().unwrap();
    child.wait().unwrap();
}
