//! The window display (窗口屏) on the machine's adapter (lavapipe in CI):
//! one frame per state — waiting, serving a ticket, paused, with the clerk —
//! checked region by region; and the player following only its own
//! window's events.

mod common;

use linli_signage::follow::{Envelope, HostEvent};
use linli_signage::gpu::Gpu;
use linli_signage::layout::{Layout, Rect, ZoneKind};
use linli_signage::offscreen::Offscreen;
use linli_signage::player::{Player, Source};
use linli_signage::regions;
use linli_signage::render::{FrameTime, Renderer};
use linli_signage::scene::Clerk;
use serde_json::json;

const W: u32 = 1280;
const H: u32 = 400;

/// The layout shipped in content/screens/window.toml, as a host serves it.
fn window_layout() -> Layout {
    let dir = std::env::temp_dir().join(format!("linli-window-layout-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::create_dir_all(dir.join("screens")).expect("folder");
    std::fs::write(dir.join("screens/window.toml"), include_str!("../../content/screens/window.toml")).expect("layout file");
    let store = linli_content::ContentStore::open(&dir, linli_content::ContentConfig::default()).expect("content store");
    let errors: Vec<String> = store.index().all_errors().map(|e| format!("{e:?}")).collect();
    assert!(errors.is_empty(), "window.toml has no errors: {errors:?}");
    let layout = store.index().layout("window").map(linli_signage::content::convert_layout).expect("window layout");
    let _ = std::fs::remove_dir_all(&dir);
    layout
}

fn event(p: &mut Player, id: u64, topic: &str, payload: serde_json::Value) {
    let env = Envelope {
        id,
        topic: topic.into(),
        payload,
        source: "queue".into(),
        time: 0,
    };
    p.apply_host_event(HostEvent::Event(env), 1.0);
}

/// A window display for window 3, from its screen name.
fn player() -> Player {
    Player::new("window-3", window_layout(), Source::Fixed)
}

#[test]
fn follows_only_its_own_window() {
    let mut p = player();
    assert_eq!(p.own_window(), Some("3"));
    assert_eq!(p.scene.counter.window, "3");
    event(&mut p, 1, "queue.called", json!({"ticket": "A001", "service": "A", "window": "2"}));
    assert_eq!(p.scene.counter.serving, None, "another window's call is not shown");
    assert!(p.scene.calls.is_empty());
    event(&mut p, 2, "queue.called", json!({"ticket": "A002", "service": "A", "window": "3"}));
    assert_eq!(p.scene.counter.serving.as_deref(), Some("A002"));
    event(&mut p, 3, "queue.window", json!({"window": "2", "paused": true}));
    assert!(!p.scene.counter.paused, "another window's pause is not shown");
    event(&mut p, 4, "queue.finished", json!({"ticket": "A001", "service": "A", "window": "2"}));
    assert_eq!(p.scene.counter.serving.as_deref(), Some("A002"));
    event(&mut p, 5, "queue.window", json!({"window": "3", "paused": true}));
    assert!(p.scene.counter.paused);
    event(&mut p, 6, "queue.window", json!({"window": "3", "paused": false}));
    event(&mut p, 7, "queue.finished", json!({"ticket": "A002", "service": "A", "window": "3"}));
    assert_eq!(p.scene.counter.serving, None, "finished at this window: nobody served");
    assert_eq!(p.last_event_id(), 7, "every event counts as seen, for the fleet's progress");
    // A numeric window in the layout wins over the screen's name.
    let mut layout = window_layout();
    layout.zones[0].window = "12".into();
    let q = Player::new("window-3", layout, Source::Fixed);
    assert_eq!(q.own_window(), Some("12"));
    // A hall screen is not a window display and takes every call.
    let mut hall = Player::new("hall-main", Layout::builtin_landscape(), Source::Fixed);
    assert_eq!(hall.own_window(), None);
    event(&mut hall, 1, "queue.called", json!({"ticket": "A001", "service": "A", "window": "2"}));
    assert_eq!(hall.scene.calls.len(), 1);
}

#[test]
fn a_restarted_window_display_shows_its_window_at_once() {
    let root = std::env::temp_dir().join(format!("linli-window-cache-{}", std::process::id()));
    let start = |root: &std::path::Path| {
        let (tx, rx) = std::sync::mpsc::channel();
        let cache = linli_signage::cache::DiskCache::new(root, "window-3");
        (tx, Player::host("window-3", window_layout(), "http://127.0.0.1:9", rx, cache))
    };
    let send = |tx: &std::sync::mpsc::Sender<HostEvent>, id: u64, topic: &str, payload: serde_json::Value| {
        let env = Envelope { id, topic: topic.into(), payload, source: "queue".into(), time: 0 };
        tx.send(HostEvent::Event(env)).expect("send");
    };
    let (tx, mut p) = start(&root);
    send(&tx, 1, "queue.called", json!({"ticket": "A002", "service": "A", "window": "3"}));
    send(&tx, 2, "queue.window", json!({"window": "3", "paused": true}));
    p.update(1.0);
    assert!(p.scene.counter.paused);
    // Heartbeat answers alone do not rewrite the cache.
    tx.send(HostEvent::Clerk(None)).expect("send");
    p.update(2.0);
    drop((tx, p));
    let (_tx, p) = start(&root);
    assert_eq!(p.scene.counter.serving.as_deref(), Some("A002"), "served ticket back after a restart");
    assert!(p.scene.counter.paused, "still paused after a restart");
    assert_eq!(p.last_event_id(), 2);
    let _ = std::fs::remove_dir_all(&root);
}

fn setup() -> Option<(Gpu, Renderer, Offscreen)> {
    let gpu = common::gpu()?;
    let renderer = Renderer::new(&gpu, Offscreen::FORMAT, W, H).expect("renderer");
    let target = Offscreen::new(&gpu, W, H);
    Some((gpu, renderer, target))
}

fn capture(s: &mut (Gpu, Renderer, Offscreen), p: &Player) -> image::RgbaImage {
    let time = FrameTime { t: 100.0, ..FrameTime::default() };
    s.2.capture(&s.0, &mut s.1, &p.scene, &p.layout, &time).expect("capture")
}

/// The window display's bands: number on top, ticket in the middle, clerk at the bottom.
fn bands(layout: &Layout) -> (Rect, Rect, Rect) {
    let r = layout.zone(ZoneKind::Window).expect("window zone").rect(W as f32, H as f32);
    let band = |from: f32, to: f32| Rect { x: r.x, y: r.y + r.h * from, w: r.w, h: r.h * (to - from) };
    (band(0.0, 0.25), band(0.3, 0.75), band(0.8, 1.0))
}

#[test]
fn window_display_frames_in_each_state() {
    let Some(mut s) = setup() else { return };
    let mut p = player();
    let (top, middle, bottom) = bands(&p.layout);

    let waiting = capture(&mut s, &p);
    let number = regions::bright(&waiting, top, 200);
    eprintln!("waiting: window number {number} bright pixels; middle accent {}", regions::accent(&waiting, middle));
    assert!(number > 500, "the window's number is drawn across the top: {number}");
    assert_eq!(regions::red(&waiting, middle), 0, "not paused");
    assert!(regions::accent(&waiting, middle) < 50, "no ticket yet");

    event(&mut p, 1, "queue.called", json!({"ticket": "A012", "service": "A", "window": "3"}));
    let serving = capture(&mut s, &p);
    let digits = regions::accent(&serving, middle);
    eprintln!("serving A012: {digits} accent pixels in the middle");
    assert!(digits > 2000, "the ticket large in the accent colour: {digits}");
    assert!(regions::changed(&waiting, &serving, top) == 0, "the number band stays as it was");

    // Another window's call changes nothing on this display.
    event(&mut p, 2, "queue.called", json!({"ticket": "B007", "service": "B", "window": "4"}));
    let still = capture(&mut s, &p);
    assert_eq!(regions::changed(&serving, &still, Rect { x: 0.0, y: 0.0, w: W as f32, h: H as f32 }), 0, "another window's call leaves the frame as it was");

    event(&mut p, 3, "queue.window", json!({"window": "3", "paused": true}));
    let paused = capture(&mut s, &p);
    let red = regions::red(&paused, middle);
    let words = regions::bright(&paused, middle, 230);
    eprintln!("paused: {red} red pixels, {words} white text pixels in the middle");
    assert!(red as f32 > middle.w * middle.h * 0.5, "the red 暂停服务 band fills the middle: {red}");
    assert!(words > 1000, "暂停服务 written in white: {words}");
    assert!(regions::accent(&paused, middle) < 50, "no ticket while paused");

    // The clerk, when the layout asks for it (window.toml does): only once
    // the host names one. Until then the red band reaches down to the bottom.
    assert!(regions::red(&paused, bottom) > 1000, "no clerk line before the host names the clerk");
    let wang = Clerk { name: "王芳".into(), number: "12".into() };
    p.apply_host_event(HostEvent::Clerk(Some(wang.clone())), 2.0);
    let clerk = capture(&mut s, &p);
    let line = regions::bright(&clerk, bottom, 200);
    eprintln!("clerk line: {line} bright pixels, {} red", regions::red(&clerk, bottom));
    assert!(line > 300, "the clerk's name and number along the bottom: {line}");
    assert!(regions::red(&clerk, bottom) < 100, "the band makes room for the clerk's line");

    // A hall that does not want the clerk shown: the same frame as with no clerk named.
    let mut layout = window_layout();
    layout.zones[0].show_clerk = false;
    let mut hidden = Player::new("window-3", layout, Source::Fixed);
    event(&mut hidden, 3, "queue.window", json!({"window": "3", "paused": true}));
    hidden.apply_host_event(HostEvent::Clerk(Some(wang)), 2.0);
    let frame = capture(&mut s, &hidden);
    let whole = Rect { x: 0.0, y: 0.0, w: W as f32, h: H as f32 };
    assert_eq!(regions::changed(&paused, &frame, whole), 0, "no clerk line when the layout leaves it out");

    if std::env::var_os("LINLI_SIGNAGE_SAVE").is_some() {
        for (name, img) in [("waiting", &waiting), ("serving", &serving), ("paused", &paused), ("clerk", &clerk)] {
            let _ = img.save(format!("window-display-{name}.png"));
        }
    }
}
