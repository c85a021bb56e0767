//! The host follower against a real (tiny, in-test) HTTP server: SSE over
//! chunked encoding, a dropped connection, reconnect with back-off and
//! resume from `Last-Event-ID`, and the player's offline behaviour.

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

fn called(id: u64, ticket: &str, window: &str) -> String {
    format!(
        r#"{{"id":{id},"topic":"queue.called","payload":{{"ticket":"{ticket}","service":"A","window":"{window}","display_zh":"请 {ticket} 号到 {window} 号窗口办理","display_en":"","speak_zh":""}},"source":"queue","time":0}}"#
    )
}

/// Serves the index and an event stream. The first stream sends events 1-2
/// then drops; later streams send every event after Last-Event-ID, then stay
/// open. Records each stream request's Last-Event-ID.
fn serve(events: Vec<String>) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    let index = r#"{"revision":7,"utc_offset":"+08:00","items":{},"layouts":{},"errors":{}}"#;
    serve_content(events, index.to_string(), None)
}

/// Like [`serve`], with a given index and pictures served from `assets`.
fn serve_content(
    events: Vec<String>,
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
            let events = events.clone();
            thread::spawn(move || {
                let mut c = conn;
                let _ = write!(
                    c,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                );
                let send =
                    |c: &mut TcpStream, text: &str| write!(c, "{:x}\r\n{text}\r\n", text.len());
                let _ = send(&mut c, ": keep-alive\n\n");
                for (i, e) in events.iter().enumerate() {
                    let id = i as u64 + 1;
                    if id <= after || (first && id > 2) {
                        continue;
                    }
                    let _ = send(&mut c, &format!("id: {id}\ndata: {e}\n\n"));
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
    let events = vec![
        called(1, "A001", "1"),
        called(2, "A002", "2"),
        called(3, "A003", "3"),
        called(4, "B001", "4"),
    ];
    let (url, seen) = serve(events);
    let (tx, rx) = mpsc::channel();
    follow::spawn(fast(&url, 0), tx).expect("spawn");

    assert!(matches!(next(&rx), HostEvent::Index(i) if i.revision == 7));
    assert!(matches!(next(&rx), HostEvent::Online));
    let ids: Vec<u64> = (0..2)
        .map(|_| match next(&rx) {
            HostEvent::Event(e) => e.id,
            other => panic!("expected an event, got {other:?}"),
        })
        .collect();
    assert_eq!(ids, [1, 2]);
    assert!(
        matches!(next(&rx), HostEvent::Offline(_)),
        "a dropped stream must be reported"
    );
    assert!(matches!(next(&rx), HostEvent::Index(_)));
    assert!(matches!(next(&rx), HostEvent::Online));
    let ids: Vec<u64> = (0..2)
        .map(|_| match next(&rx) {
            HostEvent::Event(e) => e.id,
            other => panic!("expected an event, got {other:?}"),
        })
        .collect();
    assert_eq!(ids, [3, 4], "missed calls are caught up, none twice");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(
        seen,
        [None, Some("2".to_string())],
        "second stream resumes with Last-Event-ID"
    );
}

#[test]
fn player_keeps_calls_while_offline_and_catches_up() {
    let events = vec![
        called(1, "A001", "1"),
        called(2, "A002", "2"),
        called(3, "A003", "3"),
    ];
    let (url, _) = serve(events);
    let dir = std::env::temp_dir().join(format!("linli-follow-test-{}", std::process::id()));
    let cache = DiskCache::new(&dir, "hall-main");
    let (tx, rx) = mpsc::channel();
    let mut player = Player::host("hall-main", Layout::builtin_landscape(), &url, rx, cache);
    assert!(player.scene.offline, "offline until the stream opens");
    follow::spawn(fast(&url, player.last_event_id()), tx).expect("spawn");

    // Drive the player like the render loop does, until all three calls arrived.
    let mut saw_offline_with_calls = false;
    for _ in 0..200 {
        player.update(0.0);
        if player.scene.offline && !player.scene.calls.is_empty() {
            saw_offline_with_calls = true;
        }
        if player.scene.calls.len() == 3 && !player.scene.offline {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        player.scene.calls.front().map(|c| c.ticket.as_str()),
        Some("A003")
    );
    assert_eq!(player.scene.calls.len(), 3);
    assert!(
        saw_offline_with_calls,
        "calls stay on screen (with the offline mark) while the host is away"
    );
    assert_eq!(player.last_event_id(), 3);

    // A restart with the host gone comes back with the cached calls.
    let (_tx, rx) = mpsc::channel();
    let restarted = Player::host(
        "hall-main",
        Layout::builtin_landscape(),
        &url,
        rx,
        DiskCache::new(&dir, "hall-main"),
    );
    assert_eq!(restarted.scene.calls.len(), 3);
    assert_eq!(restarted.last_event_id(), 3);
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
    let (url, _) = serve_content(vec![], index, Some(PathBuf::from(content)));

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
