//! The signage player following the real `linli serve` binary: a ticket called
//! through the queue API reaches the player's scene and changes its calls
//! board on a headless frame; after the host is SIGKILLed and started again on
//! the same data and port, the calls made while the player was away are caught
//! up with `Last-Event-ID`, none twice.
//!
//! Only the frame captures need a GPU (lavapipe) and the CJK fonts: without
//! them the following, the kill and the catch-up are still checked, and the
//! capture checks are reported by `linli_shared::skip` (a failure under
//! `CI=true`, a `SKIP` line elsewhere).

use linli_signage::cache::DiskCache;
use linli_signage::follow::{self, FollowConfig};
use linli_signage::gpu::Gpu;
use linli_signage::http::Url;
use linli_signage::layout::{Layout, ZoneKind};
use linli_signage::offscreen::Offscreen;
use linli_signage::player::{Player, VoiceConfig};
use linli_signage::voice::{Speaker, Voice};
use linli_signage::regions;
use linli_signage::render::{FrameTime, Renderer};
use linli_tests::{create_staff_cli, fixtures, free_port, spawn_linli_with_content};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";
const TICKER: &str = "信息屏跟随测试：请留意叫号";
/// The hall stays open around the clock: the test runs on the real clock.
const SETTINGS: &str = r#"
[http]
rate_per_minute = 0

[plugins.queue.config]
hours = { open = "00:00", close = "24:00", last_ticket = "24:00", days = [1, 2, 3, 4, 5, 6, 7], follow_calendar = false, at_close = "clear" }
"#;
const W: u32 = 1280;
const H: u32 = 720;

#[test]
fn player_follows_the_real_host_and_catches_up_after_a_restart() {
    // Checked first, so that under CI a missing package fails at once.
    let mut screen = Screen::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let linli_tests::HallFolders { data, plugins, content } = linli_tests::hall_folders(dir.path(), SETTINGS, TICKER);
    create_staff_cli(&data, "clerk1", "clerk", PASSWORD);

    let port = free_port();
    let host = Host { data, plugins, content, port };
    let mut child = host.spawn();
    let base = format!("http://127.0.0.1:{port}");
    let gate = Gate::start(port);

    let (tx, rx) = std::sync::mpsc::channel();
    let cache = DiskCache::new(&dir.path().join("cache"), "hall-main");
    let mut player = Player::host("hall-main", Layout::builtin_landscape(), &gate.url, rx, cache);
    let mut cfg = FollowConfig::new(Url::parse(&gate.url).expect("url"), player.last_event_id());
    cfg.backoff_min = Duration::from_millis(50);
    cfg.backoff_max = Duration::from_millis(300);
    follow::spawn(cfg, tx).expect("follower starts");
    let clock = Instant::now();

    // Online, with the host's content (the ticker comes from its index).
    let online = drive(&mut player, clock, |p| !p.scene.offline && p.scene.ticker.iter().any(|t| t == TICKER));
    assert!(online, "player online with the host's ticker: offline={} ticker={:?}", player.scene.offline, player.scene.ticker);
    assert!(player.scene.calls.is_empty());
    let empty = screen.as_mut().map(|s| s.capture(&player, clock));

    // A live call: issued at a kiosk, called at window 1.
    let desk = Desk::sign_in(&base, "clerk1", "1");
    issue(&base, "A");
    let first = desk.call_next();
    let seen = drive(&mut player, clock, |p| p.scene.calls.front().is_some_and(|c| c.ticket == first));
    assert!(seen, "call of {first} reached the player: {:?}", player.scene.calls);
    assert_eq!(player.scene.calls.front().map(|c| c.window.as_str()), Some("1"));
    let called = screen.as_mut().map(|s| s.capture(&player, clock));
    if let (Some(empty), Some(called)) = (&empty, &called) {
        let board = regions::zone(&player.layout, ZoneKind::Calls, called).expect("calls board");
        let diff = regions::changed(empty, called, board);
        let (digits_before, digits_after) = (regions::accent(empty, board), regions::accent(called, board));
        eprintln!("calls board: {diff} pixels changed; accent pixels {digits_before} → {digits_after}");
        assert!(diff > 1000, "calls board changed after the call: {diff} pixels");
        assert!(digits_after > digits_before + 200, "ticket digits drawn on the board");
    }

    // SIGKILL the host; the player keeps its board and shows the offline mark.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().expect("killed");
    // The gate keeps the player away until the calls below are made, so they
    // can only reach it through the resume, not live.
    gate.open.store(false, Ordering::SeqCst);
    assert!(drive(&mut player, clock, |p| p.scene.offline), "player noticed the host is gone");
    assert_eq!(player.scene.calls.len(), 1, "calls stay while offline");
    // Everything sent before the kill has been applied: the id to resume after.
    let resume_from = player.last_event_id();
    assert!(resume_from > 0);

    let mut child = host.spawn();
    let desk = Desk::sign_in(&base, "clerk1", "1");
    let mut missed = Vec::new();
    for _ in 0..3 {
        issue(&base, "A");
        desk.finish();
        missed.push(desk.call_next());
    }
    std::thread::sleep(Duration::from_millis(500));
    player.update(clock.elapsed().as_secs_f64());
    assert_eq!(player.scene.calls.len(), 1, "nothing reached the player while it was away");

    gate.open.store(true, Ordering::SeqCst);
    let caught_up = drive(&mut player, clock, |p| !p.scene.offline && p.scene.calls.len() == 4);
    let board_now: Vec<&str> = player.scene.calls.iter().map(|c| c.ticket.as_str()).collect();
    assert!(caught_up, "missed calls {missed:?} caught up: board {board_now:?}");
    let mut want: Vec<&str> = missed.iter().rev().map(String::as_str).collect();
    want.push(&first);
    assert_eq!(board_now, want, "every missed call once, newest first");
    let resumed: Vec<Option<String>> = gate.streams.lock().expect("lock").clone();
    eprintln!("event streams opened with Last-Event-ID: {resumed:?}");
    assert_eq!(resumed.first(), Some(&None), "the first stream starts from now");
    assert!(
        resumed.iter().skip(1).all(|l| l.as_deref() == Some(resume_from.to_string().as_str())),
        "every later stream resumes after event {resume_from}: {resumed:?}"
    );
    if let (Some(screen), Some(called)) = (screen.as_mut(), &called) {
        let caught = screen.capture(&player, clock);
        let board = regions::zone(&player.layout, ZoneKind::Calls, &caught).expect("calls board");
        let diff = regions::changed(called, &caught, board);
        eprintln!("calls board after the catch-up: {diff} pixels changed");
        assert!(diff > 1000, "calls board shows the caught-up calls");
    }

    child.kill().expect("kill");
    child.wait().expect("wait");
}

/// A district's host behind TLS (issue 14.5): the player follows
/// `https://` through a TLS-terminating proxy in front of the real host. A
/// certificate signed by the district's own CA is refused until the player
/// is given that CA (`--ca-file`); then the host's content and a live call
/// reach it, and after the host is killed, the calls made while the player
/// could not reach it are caught up through the resume (`Last-Event-ID`),
/// each once. No frame is rendered: no GPU needed.
#[test]
fn player_follows_an_https_host_with_the_districts_ca() {
    let dir = tempfile::tempdir().expect("tempdir");
    let linli_tests::HallFolders { data, plugins, content } = linli_tests::hall_folders(dir.path(), SETTINGS, TICKER);
    create_staff_cli(&data, "clerk1", "clerk", PASSWORD);
    let port = free_port();
    let host = Host { data, plugins, content, port };
    let mut child = host.spawn();
    let base = format!("http://127.0.0.1:{port}");
    let ca = linli_tests::tls::TestCa::new("Linli test district CA");
    let proxy = linli_tests::tls::TlsProxy::start(&ca, std::net::SocketAddr::from(([127, 0, 0, 1], port)));

    // Without the CA: offline, saying why and what to do.
    let (tx, rx) = std::sync::mpsc::channel();
    let mut cfg = FollowConfig::new(Url::parse(&proxy.url()).expect("https url"), 0);
    cfg.backoff_min = Duration::from_millis(50);
    cfg.backoff_max = Duration::from_millis(300);
    follow::spawn(cfg, tx).expect("follower starts");
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(follow::HostEvent::Offline(why)) => assert!(why.contains("not trusted") && why.contains("--ca-file"), "{why}"),
        other => panic!("an untrusted host leaves the player offline: {other:?}"),
    }
    drop(rx);

    // With the CA: online with the host's content, and a live call arrives.
    let url = Url::parse(&proxy.url()).expect("https url").with_ca_file(&ca.ca_file).expect("CA file read");
    let (tx, rx) = std::sync::mpsc::channel();
    let cache = DiskCache::new(&dir.path().join("cache"), "hall-main");
    let mut player = Player::host("hall-main", Layout::builtin_landscape(), &proxy.url(), rx, cache);
    let mut cfg = FollowConfig::new(url, player.last_event_id());
    cfg.backoff_min = Duration::from_millis(50);
    cfg.backoff_max = Duration::from_millis(300);
    follow::spawn(cfg, tx).expect("follower starts");
    let clock = Instant::now();
    let online = drive(&mut player, clock, |p| !p.scene.offline && p.scene.ticker.iter().any(|t| t == TICKER));
    assert!(online, "player online over https with the host's ticker: offline={} ticker={:?}", player.scene.offline, player.scene.ticker);
    // The event stream is open before the call is made.
    std::thread::sleep(Duration::from_millis(300));
    let desk = Desk::sign_in(&base, "clerk1", "1");
    issue(&base, "A");
    let called = desk.call_next();
    let seen = drive(&mut player, clock, |p| p.scene.calls.front().is_some_and(|c| c.ticket == called));
    assert!(seen, "call of {called} reached the player over https: {:?}", player.scene.calls);

    // The host dies; the proxy turns the player away until the calls below
    // are made, so they can only reach it through the resume.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().expect("killed");
    proxy.set_open(false);
    assert!(drive(&mut player, clock, |p| p.scene.offline), "player noticed the host is gone");
    let mut child = host.spawn();
    let desk = Desk::sign_in(&base, "clerk1", "1");
    let mut missed = Vec::new();
    for _ in 0..2 {
        issue(&base, "A");
        desk.finish();
        missed.push(desk.call_next());
    }
    proxy.set_open(true);
    let caught_up = drive(&mut player, clock, |p| !p.scene.offline && p.scene.calls.len() == 3);
    let board: Vec<&str> = player.scene.calls.iter().map(|c| c.ticket.as_str()).collect();
    assert!(caught_up, "missed calls {missed:?} caught up over https: board {board:?}");
    assert_eq!(board, [missed[1].as_str(), missed[0].as_str(), called.as_str()], "every missed call once, newest first");

    child.kill().expect("kill");
    child.wait().expect("wait");
}

/// Calls in step (issue 18): two players follow one real host; 50 calls are
/// made through the queue API and the moment each player puts each call on its
/// scene is recorded. The largest gap between the two players over the 50 calls
/// is printed (the figure the issue asks for; no timing is asserted, a loaded
/// machine must not fail the test). Asserted: every call reached both players,
/// and only the layout's chosen speaker of the zone announced them.
///
/// The moment is when the player applies the call to its scene, the step the
/// window's next frame paints from (a host event wakes the window's loop at
/// once); no frame is rendered, so this test needs no GPU.
#[test]
fn two_players_show_each_call_in_step_and_one_speaks() {
    const CALLS: usize = 50;
    let dir = tempfile::tempdir().expect("tempdir");
    let linli_tests::HallFolders { data, plugins, content } = linli_tests::hall_folders(dir.path(), SETTINGS, TICKER);
    // One hall, one speaker zone, its speaker chosen in the host's layout.
    std::fs::create_dir_all(content.join("screens")).expect("folder");
    std::fs::write(content.join("screens/hall.toml"), HALL_LAYOUT).expect("layout");
    create_staff_cli(&data, "clerk1", "clerk", PASSWORD);
    let port = free_port();
    let host = Host { data, plugins, content, port };
    let mut child = host.spawn();
    let base = format!("http://127.0.0.1:{port}");

    let layout = Layout::builtin_landscape();
    let screens = ["hall-main", "hall-side"];
    let mut players = Vec::new();
    let mut spoken = Vec::new();
    for screen in screens {
        let (tx, rx) = std::sync::mpsc::channel();
        let cache = DiskCache::new(&dir.path().join("cache"), screen);
        let mut player = Player::host(screen, layout.clone(), &base, rx, cache);
        player.set_layout_id(Some("hall".into()));
        let said = Arc::new(AtomicUsize::new(0));
        let counter = said.clone();
        let voice = Voice::new(4 * CALLS, move || Box::new(CountSpeaker(counter.clone())) as Box<dyn Speaker>);
        player.set_voice(Some(voice), VoiceConfig { repeats: 1, backlog: 4 * CALLS, ..VoiceConfig::default() });
        let mut cfg = FollowConfig::new(Url::parse(&base).expect("url"), player.last_event_id());
        cfg.backoff_min = Duration::from_millis(50);
        cfg.backoff_max = Duration::from_millis(300);
        follow::spawn(cfg, tx).expect("follower starts");
        players.push(player);
        spoken.push(said);
    }
    let clock = Instant::now();
    for (player, screen) in players.iter_mut().zip(screens) {
        let online = drive(player, clock, |p| {
            !p.scene.offline && p.scene.ticker.iter().any(|t| t == TICKER) && p.layout.speaker.is_some()
        });
        assert!(online, "{screen} online with the host's ticker and layout: speaker {:?}", player.layout.speaker);
    }
    assert!(players[0].speaks() && !players[1].speaks(), "the layout chose hall-main as the hall's speaker");
    // Both event streams are open (online) before the first call is made.
    std::thread::sleep(Duration::from_millis(300));

    let caller = {
        let base = base.clone();
        std::thread::spawn(move || {
            let desk = Desk::sign_in(&base, "clerk1", "1");
            let mut called = Vec::new();
            for _ in 0..CALLS {
                issue(&base, "A");
                if !called.is_empty() {
                    desk.finish();
                }
                called.push(desk.call_next());
                // Calls a little apart, as at a real window, so each is its own event.
                std::thread::sleep(Duration::from_millis(60));
            }
            called
        })
    };
    // Both players run their update loop, as the window's event loop does,
    // noting when each ticket first appears on their boards.
    let mut seen: Vec<std::collections::HashMap<String, Instant>> = vec![Default::default(); players.len()];
    let mut called: Option<Vec<String>> = None;
    let mut caller = Some(caller);
    let deadline = Instant::now() + Duration::from_secs(180);
    while Instant::now() < deadline {
        for (player, seen) in players.iter_mut().zip(seen.iter_mut()) {
            player.update(clock.elapsed().as_secs_f64());
            player.presented();
            let now = Instant::now();
            for c in &player.scene.calls {
                seen.entry(c.ticket.clone()).or_insert(now);
            }
        }
        if caller.as_ref().is_some_and(|c| c.is_finished()) {
            called = Some(caller.take().expect("caller").join().expect("calls made"));
        }
        if let Some(called) = &called
            && seen.iter().all(|s| called.iter().all(|t| s.contains_key(t)))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let called = called.expect("the 50 calls were made within the time");
    assert_eq!(called.len(), CALLS);
    let mut gaps = Vec::new();
    for ticket in &called {
        let (Some(a), Some(b)) = (seen[0].get(ticket), seen[1].get(ticket)) else {
            panic!("call of {ticket} reached both players: hall-main {}, hall-side {}", seen[0].contains_key(ticket), seen[1].contains_key(ticket));
        };
        gaps.push(if a > b { *a - *b } else { *b - *a });
    }
    gaps.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    eprintln!(
        "calls in step: largest gap between the two players over {CALLS} calls: {:.1} ms (median {:.1} ms; issue 18 target 100 ms)",
        ms(gaps[gaps.len() - 1]),
        ms(gaps[gaps.len() / 2])
    );

    // Every call announced once, by the chosen screen alone.
    let deadline = Instant::now() + Duration::from_secs(30);
    while spoken[0].load(Ordering::SeqCst) < CALLS && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let counts: Vec<usize> = spoken.iter().map(|s| s.load(Ordering::SeqCst)).collect();
    eprintln!("announcements spoken: hall-main {}, hall-side {}", counts[0], counts[1]);
    assert_eq!(counts, [CALLS, 0], "each call spoken once, by hall-main only");

    child.kill().expect("kill");
    child.wait().expect("wait");
}

/// The hall's layout on the host: both screens use it, and it names hall-main
/// the speaker of the zone.
const HALL_LAYOUT: &str = r##"name = "大厅"
orientation = "landscape"
background = "#0b1d33"
foreground = "#ffffff"

[[zones]]
kind = "calls"
x = 0.0
y = 0.0
w = 1.0
h = 0.9
font_size = 0.06
[zones.options]
speaker_zone = "hall"
speaker = "hall-main"

[[zones]]
kind = "ticker"
x = 0.0
y = 0.9
w = 1.0
h = 0.1
font_size = 0.045
"##;

/// Counts what a player would say aloud.
struct CountSpeaker(Arc<AtomicUsize>);

impl Speaker for CountSpeaker {
    fn chime(&mut self) {}
    fn say(&mut self, _text: &str) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Renders the player's scene offscreen.
struct Screen {
    gpu: Gpu,
    renderer: Renderer,
    target: Offscreen,
}

impl Screen {
    /// `None` only when a package is missing (fonts-noto-cjk,
    /// mesa-vulkan-drivers), after reporting it: a failure under CI, a skip
    /// line elsewhere. A device that fails for any other reason fails the test.
    fn new() -> Option<Screen> {
        let gpu = Gpu::headless_for_test("the frame captures need a GPU adapter and fonts")?;
        let renderer = Renderer::new(&gpu, Offscreen::FORMAT, W, H).expect("renderer");
        let target = Offscreen::new(&gpu, W, H);
        Some(Screen { gpu, renderer, target })
    }

    /// A frame well after the newest call's flash, at a fixed wall clock, so
    /// only what the scene holds differs between captures.
    fn capture(&mut self, player: &Player, clock: Instant) -> image::RgbaImage {
        let time = FrameTime { t: clock.elapsed().as_secs_f64() + 30.0, ..FrameTime::default() };
        self.target.capture(&self.gpu, &mut self.renderer, &player.scene, &player.layout, &time).expect("capture")
    }
}

/// Runs the player's update loop like the window does until `done` or 30 s.
fn drive(player: &mut Player, clock: Instant, mut done: impl FnMut(&Player) -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        player.update(clock.elapsed().as_secs_f64());
        if done(player) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// A TCP relay between the player and the host that can turn the player away
/// (connections closed at once) and records each event stream's `Last-Event-ID`.
struct Gate {
    url: String,
    open: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<Option<String>>>>,
}

impl Gate {
    fn start(upstream: u16) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let open = Arc::new(AtomicBool::new(true));
        let streams = Arc::new(Mutex::new(Vec::new()));
        let (open2, streams2) = (open.clone(), streams.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !open2.load(Ordering::SeqCst) {
                    continue; // dropped: the player sees a closed connection
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else { continue };
                let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else { continue };
                let streams = streams2.clone();
                std::thread::spawn(move || {
                    relay(client, server, |req| {
                        let req = String::from_utf8_lossy(req);
                        if req.starts_with("GET /api/events") {
                            let last = req.lines().find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("last-event-id").then(|| v.trim().to_owned())
                            });
                            streams.lock().expect("lock").push(last);
                        }
                    })
                });
                std::thread::spawn(move || relay(s2, c2, |_| {}));
            }
        });
        Gate { url, open, streams }
    }
}

/// Copies `from` to `to` until either side ends; `first` sees the first read.
fn relay(mut from: TcpStream, mut to: TcpStream, first: impl FnOnce(&[u8])) {
    let mut buf = [0u8; 16 * 1024];
    let mut first = Some(first);
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(f) = first.take() {
            f(&buf[..n]);
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

/// The real binary's folders and port, to start it again after a kill.
struct Host {
    data: std::path::PathBuf,
    plugins: std::path::PathBuf,
    content: std::path::PathBuf,
    port: u16,
}

impl Host {
    fn spawn(&self) -> Child {
        spawn_linli_with_content(&self.data, &self.plugins, Some(&self.content), self.port)
    }
}

/// A resident takes a ticket at a kiosk.
fn issue(base: &str, service: &str) -> String {
    let r = ureq::post(&format!("{base}/api/queue/tickets")).timeout(Duration::from_secs(20)).send_json(json!({"service": service}));
    let v: Value = r.expect("ticket issued").into_json().expect("ticket JSON");
    v["ticket"].as_str().expect("ticket label").to_owned()
}

/// A clerk signed in at a window.
struct Desk {
    base: String,
    cookie: String,
    csrf: String,
}

impl Desk {
    fn sign_in(base: &str, username: &str, window: &str) -> Desk {
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        let form = [("username", username), ("password", PASSWORD), ("next", "/"), ("window", window)];
        let r = agent.post(&format!("{base}/login")).send_form(&form).expect("login answers");
        assert_eq!(r.status(), 303, "login redirects");
        let cookie = r.header("set-cookie").expect("session cookie").split(';').next().unwrap_or("").to_owned();
        let page = agent.get(&format!("{base}/")).set("Cookie", &cookie).call().expect("home page").into_string().expect("page");
        let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_owned();
        assert!(!csrf.is_empty(), "the page carries a CSRF token");
        Desk { base: base.into(), cookie, csrf }
    }

    fn post(&self, action: &str) -> Value {
        let r = ureq::post(&format!("{}/api/queue/counter/{action}", self.base))
            .set("Cookie", &self.cookie)
            .set("X-CSRF-Token", &self.csrf)
            .timeout(Duration::from_secs(20))
            .send_json(json!({}));
        r.unwrap_or_else(|e| panic!("{action}: {e}")).into_json().expect("JSON")
    }

    /// Calls the next ticket at this window; its label.
    fn call_next(&self) -> String {
        let v = self.post("call-next");
        v["ticket"]["ticket"].as_str().unwrap_or_else(|| panic!("a ticket was called: {v}")).to_owned()
    }

    fn finish(&self) {
        self.post("finish");
    }
}

/// The fixtures `signage/tests/follow.rs` serves its player from, as the
/// real host gives them: the content index and the event stream of four
/// calls at two windows. The player's own tests replay these bytes, so the
/// player and the host cannot drift apart: when the host's stream changes,
/// this test fails until the fixtures are recorded again with
/// `LINLI_RECORD_FIXTURES=1 cargo test -p linli-tests --test e2e recorded_host`.
#[test]
fn recorded_host_fixtures_match_the_real_host() {
    use linli_host::runtime::capabilities::ManualClock;
    use linli_tests::TestServer;
    use std::io::BufRead;

    let fixtures_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../signage/tests/fixtures");
    let dir = tempfile::tempdir().expect("tempdir");
    let content = dir.path().join("content");
    std::fs::create_dir_all(content.join("ticker")).expect("folder");
    std::fs::write(content.join("ticker/hall.md"), format!("+++\ntitle = \"提示\"\nkind = \"ticker\"\n+++\n{TICKER}\n")).expect("ticker");
    // A fixed clock (2026-01-05 09:00 in the hall), so times and ids repeat.
    let clock = Arc::new(ManualClock(std::sync::atomic::AtomicI64::new(1_767_574_800_000)));
    let s = TestServer::start_custom(&[fixtures::PLUGIN_QUEUE], SETTINGS, Some(content), clock.clone());
    for user in ["clerk1", "clerk2"] {
        linli_host::auth::sessions::create_staff(&s.host.db, user, "窗口", PASSWORD, &["clerk".to_owned()], s.host.now_ms()).expect("clerk");
    }
    let desks = [Desk::sign_in(&s.url, "clerk1", "1"), Desk::sign_in(&s.url, "clerk2", "2")];
    for _ in 0..4 {
        issue(&s.url, "A");
    }
    for round in 0..2 {
        for desk in &desks {
            if round > 0 {
                desk.finish();
            }
            desk.call_next();
        }
    }

    // What a screen reads: the index, and the stream replayed from the start
    // of the hall's day (as the player does after a restart).
    let index = ureq::get(&format!("{}/api/content/index", s.url)).call().expect("index").into_string().expect("index text");
    let want = s.host.bus().since(0, 10_000).expect("events").into_iter().filter(|e| !e.topic.starts_with("host.")).count();
    assert!(want >= 8, "the calls and tickets made events: {want}");
    let stream = ureq::get(&format!("{}/api/events", s.url)).set("Last-Event-ID", "0").timeout(Duration::from_secs(20)).call().expect("stream");
    let mut lines = std::io::BufReader::new(stream.into_reader()).lines();
    let (mut frames, mut frame) = (Vec::new(), String::new());
    while frames.len() < want {
        let line = lines.next().expect("the stream ends only when dropped").expect("line");
        if line.starts_with(':') {
            continue; // keep-alive comments are not events
        }
        if line.is_empty() {
            if !frame.is_empty() {
                frames.push(std::mem::take(&mut frame));
            }
            continue;
        }
        frame.push_str(&line);
        frame.push('\n');
    }
    let events = frames.iter().map(|f| format!("{f}\n")).collect::<String>();
    let calls = events.matches("\"topic\":\"queue.called\"").count();
    assert_eq!(calls, 4, "four calls recorded: {events}");

    let recorded = [("host-index.json", index), ("host-events.sse", events)];
    if std::env::var_os("LINLI_RECORD_FIXTURES").is_some() {
        // Recording compares nothing: never the way a CI run passes.
        assert!(!linli_shared::skip::in_ci(), "LINLI_RECORD_FIXTURES is set under CI");
        std::fs::create_dir_all(&fixtures_dir).expect("fixtures folder");
        for (name, text) in &recorded {
            std::fs::write(fixtures_dir.join(name), text).expect("fixture written");
        }
        return;
    }
    for (name, text) in &recorded {
        let path = fixtures_dir.join(name);
        let kept = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            &kept,
            text,
            "{name}: the host now sends something else than the player's tests replay; record again with LINLI_RECORD_FIXTURES=1 and check signage/tests/follow.rs"
        );
    }
}
