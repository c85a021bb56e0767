//! The real player binary in its window under Xvfb, following a stand-in
//! host with a device token: its heartbeat's answer asks for a screenshot
//! (which must come back as a PNG of the window's own frame, even though a
//! still screen presents no new frames) and then a restart (the player
//! exits with status 75 for its service to start it again).

mod common;

use common::{start_xvfb, xvfb_or_skip};
use image::GenericImageView;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "dev_window_fleet_test";

#[derive(Default)]
struct Seen {
    heartbeats: Vec<serde_json::Value>,
    screenshot: Option<Vec<u8>>,
    unauthorised: usize,
}

/// Reads one request: its line, whether it carried the token, and its body.
fn read_request(conn: &TcpStream) -> Option<(String, bool, Vec<u8>)> {
    let mut r = BufReader::new(conn.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let (mut length, mut authorised) = (0usize, false);
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 || h.trim().is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        match k.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = v.trim().parse().ok()?,
            "authorization" => authorised = v.trim() == format!("Bearer {TOKEN}"),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body).ok()?;
    Some((line, authorised, body))
}

fn answer(mut conn: &TcpStream, body: &[u8]) {
    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body);
}

/// The shipped window display layout in an index, as a host serves it: a
/// still screen (nothing moves until an event), the case where no frame is
/// presented for requests to ride on.
fn window_index() -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("linli-window-fleet-content-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("screens")).expect("folder");
    std::fs::write(dir.join("screens/window.toml"), include_str!("../../content/screens/window.toml")).expect("layout");
    let store = linli_content::ContentStore::open(&dir, linli_content::ContentConfig::default()).expect("content");
    let index = serde_json::to_vec(store.index()).expect("index");
    let _ = std::fs::remove_dir_all(&dir);
    index
}

/// A host with the window layout and a quiet event stream that asks, in
/// turn, for a screenshot and, once it has arrived, a restart.
fn stand_in_host(seen: Arc<Mutex<Seen>>) -> String {
    let index = Arc::new(window_index());
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let seen = seen.clone();
            let index = index.clone();
            std::thread::spawn(move || {
                let Some((line, authorised, body)) = read_request(&conn) else { return };
                if !authorised {
                    seen.lock().expect("lock").unauthorised += 1;
                }
                if line.starts_with("GET /api/content/index") {
                    answer(&conn, &index);
                } else if line.starts_with("GET /api/events") {
                    let mut c = &conn;
                    let _ = c.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n: open\n\n");
                    std::thread::sleep(Duration::from_secs(60));
                } else if line.starts_with("POST /api/host/fleet/heartbeat") {
                    let mut s = seen.lock().expect("lock");
                    s.heartbeats.push(serde_json::from_slice(&body).unwrap_or_default());
                    let done: Vec<i64> = s.heartbeats.iter().flat_map(|b| b["done"].as_array().cloned().unwrap_or_default()).filter_map(|v| v.as_i64()).collect();
                    let commands = if s.screenshot.is_none() {
                        (!done.contains(&1) && s.heartbeats.len() == 2).then(|| serde_json::json!([{"id": 1, "kind": "screenshot"}]))
                    } else if s.heartbeats.iter().all(|b| b["done"] != serde_json::json!([2])) {
                        Some(serde_json::json!([{"id": 2, "kind": "restart"}]))
                    } else {
                        None
                    };
                    let reply = serde_json::json!({"commands": commands.unwrap_or_else(|| serde_json::json!([])), "clerk": null});
                    answer(&conn, reply.to_string().as_bytes());
                } else if line.starts_with("POST /api/host/fleet/screenshot?command=1") {
                    seen.lock().expect("lock").screenshot = Some(body);
                    answer(&conn, b"{\"ok\":true}");
                } else {
                    answer(&conn, b"{}");
                }
            });
        }
    });
    url
}

#[test]
fn a_still_window_answers_a_screenshot_and_a_restart() {
    if !xvfb_or_skip() || common::gpu().is_none() {
        return;
    }
    let (w, h) = (960, 540);
    let (_xvfb, display) = start_xvfb(w, h, 70).expect("Xvfb started");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let url = stand_in_host(seen.clone());
    let cache = std::env::temp_dir().join(format!("linli-window-fleet-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_linli-signage"))
        .args(["--server", &url, "--token", TOKEN, "--screen", "window-1", "--layout-id", "window", "--heartbeat", "1", "--voice", "off", "--cache"])
        .arg(&cache)
        .env("DISPLAY", &display)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("player starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    eprintln!("player: {stderr}");
    let _ = std::fs::remove_dir_all(&cache);
    let s = seen.lock().expect("lock");
    assert_eq!(s.unauthorised, 0, "every request carried the device token");
    let first = s.heartbeats.first().expect("a heartbeat");
    assert!(first["rss_kib"].as_u64().unwrap_or(0) > 0 && first["version"].is_string(), "{first}");
    let png = s.screenshot.as_ref().expect("the screenshot arrived");
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png).expect("a PNG").to_rgba8();
    assert_eq!((img.width(), img.height()), (w, h), "the window's own frame");
    let colours: std::collections::HashSet<[u8; 4]> = img.pixels().map(|p| p.0).collect();
    assert!(colours.len() > 20, "a real frame: {} colours", colours.len());
    // The window display of window 1: its number in white across the top.
    let top = img.view(0, 0, w, h / 4).pixels().filter(|(_, _, p)| p.0[0] > 200 && p.0[1] > 200 && p.0[2] > 200).count();
    assert!(top > 500, "window number drawn: {top} white pixels");
    assert_eq!(status.and_then(|s| s.code()), Some(75), "restart: exit status 75 (stderr: {stderr})");
    assert!(s.heartbeats.iter().any(|b| b["done"] == serde_json::json!([2])), "the restart was reported done before exiting");
}
