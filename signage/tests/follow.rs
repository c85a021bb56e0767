//! The host follower against a real (tiny, in-test) HTTP server: SSE over
//! chunked encoding, a dropped connection, reconnect with back-off and
//! resume from `Last-Event-ID`, and the player's offline behaviour.
//!
//! What the server sends is not written by hand: the index and the event
//! stream are recorded from the real host (`fixtures/host-*.{json,sse}`, by
//! `recorded_host_fixtures_match_the_real_host` in `tests/tests/
//! signage_follow.rs`, which fails when the host's output no longer matches
//! them), so the player is tested against what the host actually sends.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use linli_signage::cache::DiskCache;
use linli_signage::follow::{self, FollowConfig, HostEvent};
use linli_signage::http::Url;
use linli_signage::layout::Layout;
use linli_signage::player::Player;

/// The content index as the real host served it.
const HOST_INDEX: &str = include_str!("fixtures/host-index.json");
/// The real host's event stream: four tickets issued, four calls at two windows.
const HOST_EVENTS: &str = include_str!("fixtures/host-events.sse");

/// One recorded SSE message: its id and its text as sent.
#[derive(Clone)]
struct Frame {
    id: u64,
    text: String,
}

fn recorded_frames() -> Vec<Frame> {
    let frames: Vec<Frame> = HOST_EVENTS
        .split("\n\n")
        .filter(|f| !f.trim().is_empty())
        .map(|f| Frame {
            id: f
                .lines()
                .find_map(|l| l.strip_prefix("id:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("a recorded message without an id: {f}")),
            text: format!("{f}\n\n"),
        })
        .collect();
    assert!(frames.len() >= 8, "the recording holds the tickets and calls");
    frames
}

/// The recorded calls, oldest first: (event id, ticket, window).
fn recorded_calls() -> Vec<(u64, String, String)> {
    recorded_frames()
        .iter()
        .filter_map(|f| {
            let data = f.text.lines().find_map(|l| l.strip_prefix("data:"))?;
            let v: serde_json::Value = serde_json::from_str(data.trim()).expect("recorded data is JSON");
            (v["topic"] == "queue.called").then(|| {
                let p = &v["payload"];
                (f.id, p["ticket"].as_str().expect("ticket").to_owned(), p["window"].as_str().expect("window").to_owned())
            })
        })
        .collect()
}

fn recorded_revision() -> u64 {
    let v: serde_json::Value = serde_json::from_str(HOST_INDEX).expect("recorded index is JSON");
    v["revision"].as_u64().expect("the index has a revision")
}

/// Serves the recorded index and event stream. The first stream sends the
/// messages up to and including id `cut`, then drops; later streams send
/// every message after Last-Event-ID, then stay open. Records each stream
/// request's Last-Event-ID.
fn serve(frames: Vec<Frame>, cut: u64) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    serve_content(frames, cut, HOST_INDEX.to_string(), None)
}

/// Like [`serve`], with a given index and pictures served from `assets`.
fn serve_content(
    frames: Vec<Frame>,
    cut: u64,
    index: String,
    assets: Option<PathBuf>,
) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = Arc::clone(&seen);
    thread::spawn(move || {
        let mut streams = 0;
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let (path, last) = read_request(&conn);
            if let Some(rel) = path.strip_prefix("/api/content/asset/") {
                match assets
                    .as_ref()
                    .and_then(|dir| std::fs::read(dir.join(rel)).ok())
                {
                    Some(bytes) => {
                        let _ = write!(
                            &conn,
                            "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\n\r\n",
                            bytes.len()
                        );
                        let _ = (&conn).write_all(&bytes);
                    }
                    None => {
                        let _ =
                            write!(&conn, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                    }
                }
                continue;
            }
            if path.starts_with("/api/content/index") {
                let body = &index;
                let _ = write!(
                    &conn,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                continue;
            }
            seen2.lock().expect("lock").push(last.clone());
            streams += 1;
            let first = streams == 1;
            let after: u64 = last.and_then(|l| l.parse().ok()).unwrap_or(0);
            let frames = frames.clone();
            thread::spawn(move || {
                let mut c = conn;
                let _ = write!(
                    c,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                );
                let send =
                    |c: &mut TcpStream, text: &str| write!(c, "{:x}\r\n{text}\r\n", text.len());
                let _ = send(&mut c, ": keep-alive\n\n");
                for f in &frames {
                    if f.id <= after || (first && f.id > cut) {
                        continue;
                    }
                    let _ = send(&mut c, &f.text);
                }
                if first {
                    let _ = write!(c, "0\r\n\r\n");
                    return;
                }
                thread::sleep(Duration::from_secs(30));
            });
        }
    });
    (format!("http://{addr}"), seen)
}

fn read_request(conn: &TcpStream) -> (String, Option<String>) {
    let mut r = BufReader::new(conn);
    let mut line = String::new();
    let _ = r.read_line(&mut line);
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut last = None;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("last-event-id")
        {
            last = Some(v.trim().to_string());
        }
    }
    (path, last)
}

fn next(rx: &Receiver<HostEvent>) -> HostEvent {
    rx.recv_timeout(Duration::from_secs(10))
        .expect("follower reported nothing")
}

fn fast(url: &str, last: u64) -> FollowConfig {
    let mut cfg = FollowConfig::new(Url::parse(url).expect("url"), last);
    cfg.backoff_min = Duration::from_millis(50);
    cfg.backoff_max = Duration::from_millis(200);
    cfg
}

#[test]
fn resumes_after_a_dropped_stream_from_the_last_event() {
    let frames = recorded_frames();
    let ids: Vec<u64> = frames.iter().map(|f| f.id).collect();
    // The first stream drops halfway through the recording.
    let half = ids.len() / 2;
    let cut = ids[half - 1];
    let (url, seen) = serve(frames, cut);
    let (tx, rx) = mpsc::channel();
    follow::spawn(fast(&url, 0), tx).expect("spawn");

    let revision = recorded_revision();
    assert!(matches!(next(&rx), HostEvent::Index(i) if i.revision == revision));
    assert!(matches!(next(&rx), HostEvent::Online));
    let got: Vec<u64> = (0..half)
        .map(|_| match next(&rx) {
            HostEvent::Event(e) => e.id,
            other => panic!("expected an event, got {other:?}"),
        })
        .collect();
    assert_eq!(got, ids[..half]);
    assert!(
        matches!(next(&rx), HostEvent::Offline(_)),
        "a dropped stream must be reported"
    );
    assert!(matches!(next(&rx), HostEvent::Index(_)));
    assert!(matches!(next(&rx), HostEvent::Online));
    let got: Vec<u64> = (half..ids.len())
        .map(|_| match next(&rx) {
            HostEvent::Event(e) => e.id,
            other => panic!("expected an event, got {other:?}"),
        })
        .collect();
    assert_eq!(got, ids[half..], "missed events are caught up, none twice");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(
        seen,
        [None, Some(cut.to_string())],
        "second stream resumes with Last-Event-ID"
    );
}

#[test]
fn player_keeps_calls_while_offline_and_catches_up() {
    let calls = recorded_calls();
    assert_eq!(calls.len(), 4, "the recording has four calls");
    // The first stream drops right after the second call.
    let (url, _) = serve(recorded_frames(), calls[1].0);
    let dir = std::env::temp_dir().join(format!("linli-follow-test-{}", std::process::id()));
    let cache = DiskCache::new(&dir, "hall-main");
    let (tx, rx) = mpsc::channel();
    let mut player = Player::host("hall-main", Layout::builtin_landscape(), &url, rx, cache);
    assert!(player.scene.offline, "offline until the stream opens");
    follow::spawn(fast(&url, player.last_event_id()), tx).expect("spawn");

    // Drive the player like the render loop does, until every call arrived.
    let last_id = recorded_frames().last().map(|f| f.id).expect("frames");
    let mut saw_offline_with_calls = false;
    for _ in 0..200 {
        player.update(0.0);
        if player.scene.offline && !player.scene.calls.is_empty() {
            saw_offline_with_calls = true;
        }
        if player.last_event_id() == last_id && !player.scene.offline {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    // The board: every recorded call once, newest first, at its window.
    let board: Vec<(&str, &str)> = player
        .scene
        .calls
        .iter()
        .map(|c| (c.ticket.as_str(), c.window.as_str()))
        .collect();
    let want: Vec<(&str, &str)> = calls
        .iter()
        .rev()
        .map(|(_, t, w)| (t.as_str(), w.as_str()))
        .collect();
    assert_eq!(board, want);
    assert!(
        saw_offline_with_calls,
        "calls stay on screen (with the offline mark) while the host is away"
    );
    assert_eq!(player.last_event_id(), last_id);

    // A restart with the host gone comes back with the cached calls.
    let (_tx, rx) = mpsc::channel();
    let restarted = Player::host(
        "hall-main",
        Layout::builtin_landscape(),
        &url,
        rx,
        DiskCache::new(&dir, "hall-main"),
    );
    assert_eq!(restarted.scene.calls.len(), calls.len());
    assert_eq!(restarted.last_event_id(), last_id);
    assert!(restarted.scene.offline);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pictures_come_with_the_index_and_stay_for_offline_use() {
    let content = concat!(env!("CARGO_MANIFEST_DIR"), "/../content");
    let store = linli_content::ContentStore::open(content, linli_content::ContentConfig::default())
        .expect("sample content");
    let with_picture = store
        .index()
        .items
        .values()
        .find_map(|i| i.image.clone())
        .expect("the sample content has a picture");
    let index = serde_json::to_string(store.index()).expect("index JSON");
    let (url, _) = serve_content(vec![], 0, index, Some(PathBuf::from(content)));

    let dir = std::env::temp_dir().join(format!("linli-assets-test-{}", std::process::id()));
    let cache = DiskCache::new(&dir, "hall-main");
    let assets = cache.assets_dir();
    let (tx, rx) = mpsc::channel();
    let mut player = Player::host("hall-main", Layout::builtin_landscape(), &url, rx, cache);
    let mut cfg = fast(&url, 0);
    cfg.assets = Some(assets.clone());
    follow::spawn(cfg, tx).expect("spawn");

    let expected = assets.join(&with_picture.path);
    let mut found = false;
    for _ in 0..200 {
        player.update(1000.0);
        if player
            .scene
            .carousel
            .iter()
            .any(|c| c.image.as_deref() == Some(expected.as_path()))
        {
            found = true;
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        found,
        "picture item not in the carousel with its cached file"
    );
    let original =
        std::fs::read(std::path::Path::new(content).join(&with_picture.path)).expect("original");
    assert_eq!(std::fs::read(&expected).expect("cached picture"), original);
    let _ = std::fs::remove_dir_all(&dir);
}
