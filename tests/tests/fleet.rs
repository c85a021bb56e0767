//! Fleet status with the real `linli serve` binary and two players driven
//! as a library, each paired as a screen with its own device token: both
//! report heartbeats; a reload request makes a player fetch its content
//! again; a screenshot request comes back as a PNG of the player's own
//! frame; the window's clerk reaches a window display; a player that stops
//! (its threads end, as when killed) is shown offline within the set time,
//! with `host.screen.offline` on the bus and a line on the maintainer's page.
//!
//! Only the screenshot needs a GPU (lavapipe) and the CJK fonts: without
//! them it is reported by `linli_shared::skip` (a failure under `CI=true`).

use linli_signage::cache::DiskCache;
use linli_signage::fleet::{self, Fleet, FleetConfig, Report};
use linli_signage::follow::{self, FollowConfig, HostEvent};
use linli_signage::gpu::Gpu;
use linli_signage::http::Url;
use linli_signage::layout::Layout;
use linli_signage::offscreen::Offscreen;
use linli_signage::player::Player;
use linli_signage::render::{FrameTime, Renderer};
use linli_tests::{create_staff_cli, free_port, spawn_linli_with_content, wait_for};
use serde_json::{Value, json};
use std::io::BufRead;
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";
const TICKER: &str = "屏幕状态测试：请留意叫号";
/// Offline after 2 s of silence (60 s by default).
const SETTINGS: &str = r#"
[http]
rate_per_minute = 0

[screens]
offline_after_s = 2

[plugins.queue.config]
hours = { open = "00:00", close = "24:00", last_ticket = "24:00", days = [1, 2, 3, 4, 5, 6, 7], follow_calendar = false, at_close = "clear" }
"#;
const W: u32 = 640;
const H: u32 = 360;

struct Staff {
    cookie: String,
    csrf: String,
}

fn sign_in(base: &str, username: &str, window: Option<&str>) -> Staff {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut form = vec![("username", username), ("password", PASSWORD), ("next", "/")];
    if let Some(w) = window {
        form.push(("window", w));
    }
    let r = agent.post(&format!("{base}/login")).send_form(&form).expect("login answers");
    assert_eq!(r.status(), 303, "login redirects");
    let cookie = r.header("set-cookie").expect("session cookie").split(';').next().unwrap_or("").to_owned();
    let page = agent.get(&format!("{base}/")).set("Cookie", &cookie).call().expect("home page").into_string().expect("page");
    let csrf = page.split("name=\"csrf\" content=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_owned();
    assert!(!csrf.is_empty(), "the page carries a CSRF token");
    Staff { cookie, csrf }
}

impl Staff {
    fn get(&self, url: &str) -> Result<ureq::Response, Box<ureq::Error>> {
        ureq::get(url).set("Cookie", &self.cookie).timeout(Duration::from_secs(20)).call().map_err(Box::new)
    }

    fn post(&self, url: &str, body: Value) -> Value {
        let r = ureq::post(url).set("Cookie", &self.cookie).set("X-CSRF-Token", &self.csrf).timeout(Duration::from_secs(20)).send_json(body);
        r.unwrap_or_else(|e| panic!("POST {url}: {e}")).into_json().expect("JSON")
    }

    fn screens(&self, base: &str) -> Vec<Value> {
        let v: Value = self.get(&format!("{base}/api/host/fleet")).expect("fleet list").into_json().expect("JSON");
        v["screens"].as_array().cloned().unwrap_or_default()
    }
}

fn screen(list: &[Value], id: i64) -> Option<&Value> {
    list.iter().find(|s| s["id"].as_i64() == Some(id))
}

/// A player following the host with its token and reporting heartbeats.
fn player(base: &str, name: &str, token: &str, cache: &std::path::Path) -> Player {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut p = Player::host(name, Layout::builtin_landscape(), base, rx, DiskCache::new(cache, name));
    let mut cfg = FollowConfig::new(Url::parse(base).expect("url"), p.last_event_id());
    cfg.backoff_min = Duration::from_millis(50);
    cfg.backoff_max = Duration::from_millis(300);
    cfg.token = Some(token.to_owned());
    let mut fcfg = FleetConfig::new(cfg.clone());
    fcfg.every = Duration::from_millis(300);
    let report = Report { screen: name.to_owned(), ..Report::default() };
    let (fleet, _) = Fleet::spawn(fcfg, report, tx.clone()).expect("heartbeat starts");
    p.fleet = Some(fleet);
    follow::spawn(cfg, tx).expect("follower starts");
    p
}

/// The GPU side of a screenshot; `None` when a package is missing (reported).
struct Shooter {
    gpu: Gpu,
    renderer: Renderer,
}

impl Shooter {
    fn new() -> Option<Shooter> {
        let gpu = Gpu::headless_for_test("the screenshot needs a GPU adapter and fonts")?;
        let renderer = Renderer::new(&gpu, Offscreen::FORMAT, W, H).expect("renderer");
        Some(Shooter { gpu, renderer })
    }
}

/// One turn of the render loop for each player: events applied, requests
/// carried out (a screenshot from the player's own frame).
fn turn(players: &mut [&mut Player], shooter: &mut Option<Shooter>, clock: Instant) -> bool {
    let mut restart = false;
    for p in players.iter_mut() {
        p.update(clock.elapsed().as_secs_f64());
        let r = fleet::carry_out(p, |p| match shooter.as_mut() {
            Some(s) => linli_signage::offscreen::screenshot(&s.gpu, &mut s.renderer, &p.scene, &p.layout, &FrameTime::now(clock.elapsed().as_secs_f64()))
                .map_err(|e| e.to_string()),
            None => Err("no GPU".into()),
        });
        restart |= r;
    }
    restart
}

fn drive(players: &mut [&mut Player], shooter: &mut Option<Shooter>, clock: Instant, secs: u64, mut done: impl FnMut(&[&mut Player]) -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        assert!(!turn(players, shooter, clock), "no restart was asked");
        if done(players) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    false
}

#[test]
fn screens_report_take_requests_and_go_offline() {
    let mut shooter = Shooter::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let linli_tests::HallFolders { data, plugins, content } = linli_tests::hall_folders(dir.path(), SETTINGS, TICKER);
    // The shipped layouts: the hall's and the window display's.
    std::fs::create_dir_all(content.join("screens")).expect("folder");
    std::fs::write(content.join("screens/landscape.toml"), include_str!("../../content/screens/landscape.toml")).expect("layout");
    std::fs::write(content.join("screens/window.toml"), include_str!("../../content/screens/window.toml")).expect("layout");
    create_staff_cli(&data, "maint", "maintainer", PASSWORD);
    create_staff_cli(&data, "clerk1", "clerk", PASSWORD);
    create_staff_cli(&data, "clerk2", "clerk", PASSWORD);
    let port = free_port();
    let mut child = spawn_linli_with_content(&data, &plugins, Some(&content), port);
    let base = format!("http://127.0.0.1:{port}");

    let maint = sign_in(&base, "maint", None);
    let reg = |name: &str, window: &str| {
        let v = maint.post(&format!("{base}/api/host/devices"), json!({"name": name, "kind": "screen", "window": window}));
        (v["device"]["id"].as_i64().expect("device id"), v["token"].as_str().expect("token").to_owned())
    };
    let (id_a, token_a) = reg("大厅主屏", "");
    let (id_b, token_b) = reg("一号窗口屏", "1");
    let (id_c, token_c) = reg("备用屏", "");
    let clerk_at_1 = sign_in(&base, "clerk1", Some("1"));
    let clerk_at_2 = sign_in(&base, "clerk2", Some("2"));
    // C is a screen whose heartbeats the test writes itself (to fall behind at will).
    let beat_c = |last: u64| {
        let r = ureq::post(&format!("{base}/api/host/fleet/heartbeat"))
            .set("Authorization", &format!("Bearer {token_c}"))
            .timeout(Duration::from_secs(20))
            .send_json(json!({"screen": "spare", "last_event_id": last, "version": "test"}));
        let v: Value = r.expect("heartbeat answered").into_json().expect("JSON");
        assert!(v["commands"].as_array().is_some_and(|c| c.is_empty()), "{v}");
    };
    beat_c(0);

    let cache = dir.path().join("cache");
    let mut a = player(&base, "hall-main", &token_a, &cache);
    let mut b = player(&base, "window-1", &token_b, &cache);
    // B is the window display of window 1 (the number from its name).
    b.set_layout_id(Some("window".into()));
    let clock = Instant::now();

    // Both online, with the host's content, reporting what they show.
    let up = drive(&mut [&mut a, &mut b], &mut shooter, clock, 30, |ps| ps.iter().all(|p| !p.scene.offline && p.scene.ticker.iter().any(|t| t == TICKER)));
    assert!(up, "both players online with the host's ticker");
    let reported = wait_for(Duration::from_secs(20), || {
        turn(&mut [&mut a, &mut b], &mut shooter, clock);
        let list = maint.screens(&base);
        let ok = [id_a, id_b].iter().all(|id| {
            screen(&list, *id).is_some_and(|s| s["state"] == "online" && s["report"]["content_revision"].as_u64().unwrap_or(0) > 0 && s["report"]["rss_kib"].as_u64().unwrap_or(0) > 0)
        });
        ok.then_some(list)
    });
    let list = reported.expect("both screens online on the fleet page with revision and memory");
    let sa = screen(&list, id_a).expect("screen A");
    assert!(sa["report"]["version"].as_str().is_some_and(|v| !v.is_empty()), "version reported: {sa}");
    assert_eq!(sa["report"]["screen"], "hall-main");
    assert_eq!(sa["behind"], false, "nothing published yet: not behind");

    // The window's clerk reaches the window display (from the heartbeat's answer, never the public stream).
    let clerk = drive(&mut [&mut a, &mut b], &mut shooter, clock, 20, |ps| ps[1].scene.counter.clerk.as_ref().is_some_and(|c| c.name == "clerk1"));
    assert!(clerk, "the clerk signed in at window 1 reached its window display: {:?}", b.scene.counter.clerk);
    assert!(a.scene.counter.clerk.is_none(), "a screen without a window gets no clerk");
    assert_eq!(b.own_window(), Some("1"), "B shows window 1: layout {}", b.layout.name);
    assert_eq!(a.own_window(), None);

    // The window display follows only its own window's events, as the queue publishes them.
    for _ in 0..2 {
        ureq::post(&format!("{base}/api/queue/tickets")).timeout(Duration::from_secs(20)).send_json(json!({"service": "A"})).expect("ticket issued");
    }
    let at_2 = clerk_at_2.post(&format!("{base}/api/queue/counter/call-next"), json!({}));
    let t2 = at_2["ticket"]["ticket"].as_str().expect("called at 2").to_owned();
    let seen = drive(&mut [&mut a, &mut b], &mut shooter, clock, 20, |ps| ps[0].scene.calls.front().is_some_and(|c| c.ticket == t2));
    assert!(seen, "the hall screen shows the call at window 2");
    assert_eq!(b.scene.counter.serving, None, "window 1's display ignores window 2's call");
    let at_1 = clerk_at_1.post(&format!("{base}/api/queue/counter/call-next"), json!({}));
    let t1 = at_1["ticket"]["ticket"].as_str().expect("called at 1").to_owned();
    let serving = drive(&mut [&mut a, &mut b], &mut shooter, clock, 20, |ps| ps[1].scene.counter.serving.as_deref() == Some(t1.as_str()));
    assert!(serving, "window 1's display shows {t1}: {:?}", b.scene.counter);
    clerk_at_2.post(&format!("{base}/api/queue/counter/pause"), json!({}));
    clerk_at_1.post(&format!("{base}/api/queue/counter/pause"), json!({}));
    let paused = drive(&mut [&mut a, &mut b], &mut shooter, clock, 20, |ps| ps[1].scene.counter.paused);
    assert!(paused, "window 1's display shows 暂停服务");
    clerk_at_1.post(&format!("{base}/api/queue/counter/resume"), json!({}));
    let resumed = drive(&mut [&mut a, &mut b], &mut shooter, clock, 20, |ps| !ps[1].scene.counter.paused);
    assert!(resumed, "window 1's display back in service");

    // In step: both players' heartbeats reach the host's newest screen event;
    // C, which applied none of them, is shown behind once they are 5 s old.
    let in_step = wait_for(Duration::from_secs(30), || {
        turn(&mut [&mut a, &mut b], &mut shooter, clock);
        beat_c(0);
        let list = maint.screens(&base);
        let c = screen(&list, id_c)?;
        let ab = [id_a, id_b].iter().all(|id| screen(&list, *id).is_some_and(|s| s["behind"] == false));
        (c["behind"] == true && ab).then(|| c["expected_event_id"].as_u64().unwrap_or(0))
    });
    let expected = in_step.expect("C shown behind, A and B in step");
    assert!(expected > 0);
    // C reports the newest event the host expects; more may be published
    // meanwhile (the players are running), so it reports again until the
    // page has it in step.
    let caught_up = wait_for(Duration::from_secs(20), || {
        let list = maint.screens(&base);
        let want = screen(&list, id_c)?["expected_event_id"].as_u64().unwrap_or(expected);
        beat_c(want.max(expected));
        let list = maint.screens(&base);
        (screen(&list, id_c)?["behind"] == json!(false)).then_some(())
    });
    assert!(caught_up.is_some(), "C caught up");
    let page = maint.get(&format!("{base}/admin/host/fleet")).expect("page").into_string().expect("html");
    assert!(page.contains("同步"), "the page says which screens are in step");

    // Reload: player A is left holding stale content (an empty index); a
    // reload request makes it fetch the host's again.
    a.apply_host_event(HostEvent::Index(Box::default()), clock.elapsed().as_secs_f64());
    assert!(a.scene.ticker.is_empty(), "stale content in place");
    turn(&mut [&mut a, &mut b], &mut shooter, clock);
    std::thread::sleep(Duration::from_millis(800));
    turn(&mut [&mut a, &mut b], &mut shooter, clock);
    assert!(a.scene.ticker.is_empty(), "without a request the stale content stays");
    let cmd = maint.post(&format!("{base}/api/host/fleet/{id_a}/command"), json!({"kind": "reload"}));
    let cmd_id = cmd["id"].as_i64().expect("command id");
    let reloaded = drive(&mut [&mut a, &mut b], &mut shooter, clock, 20, |ps| ps[0].scene.ticker.iter().any(|t| t == TICKER));
    assert!(reloaded, "reload request obeyed: ticker {:?}, reloads {}", a.scene.ticker, a.reloads);
    assert_eq!(a.reloads, 1);
    let acked = wait_for(Duration::from_secs(10), || {
        turn(&mut [&mut a, &mut b], &mut shooter, clock);
        let list = maint.screens(&base);
        screen(&list, id_a).and_then(|s| s["commands"].as_array()?.iter().find(|c| c["id"].as_i64() == Some(cmd_id) && c["done_at"].is_i64()).cloned())
    });
    assert!(acked.is_some(), "the reload is reported done to the host");

    // Screenshot: requested of B, rendered from its own frame, uploaded as PNG.
    let shot_url = format!("{base}/api/host/fleet/{id_b}/screenshot");
    assert!(matches!(maint.get(&shot_url).map_err(|e| *e), Err(ureq::Error::Status(404, _))), "no screenshot before one is asked for");
    maint.post(&format!("{base}/api/host/fleet/{id_b}/command"), json!({"kind": "screenshot"}));
    if shooter.is_some() {
        let png = wait_for(Duration::from_secs(30), || {
            turn(&mut [&mut a, &mut b], &mut shooter, clock);
            let r = maint.get(&shot_url).ok()?;
            assert_eq!(r.header("content-type"), Some("image/png"));
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut r.into_reader(), &mut bytes).ok()?;
            Some(bytes)
        })
        .expect("the screenshot arrived");
        let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png).expect("the screenshot decodes as PNG").to_rgba8();
        assert_eq!((img.width(), img.height()), (W, H), "the player's frame size");
        let colours: std::collections::HashSet<[u8; 4]> = img.pixels().map(|p| p.0).collect();
        assert!(colours.len() > 20, "a real frame, not a blank image: {} colours", colours.len());
        let page = maint.get(&format!("{base}/admin/host/fleet")).expect("page").into_string().expect("html");
        assert!(page.contains(&format!("/api/host/fleet/{id_b}/screenshot?at=")), "the page shows the screenshot");
    }

    // A stops (its follower and heartbeat end with it, as when killed): offline within 2 s (+ the watcher's tick).
    drop(a);
    let stopped = Instant::now();
    let offline = wait_for(Duration::from_secs(15), || {
        turn(&mut [&mut b], &mut shooter, clock);
        let list = maint.screens(&base);
        (screen(&list, id_a)?["state"] == "offline").then(|| stopped.elapsed())
    })
    .expect("the stopped screen is shown offline");
    eprintln!("screen A shown offline {:.1} s after it stopped (limit 2 s, heartbeat every 0.3 s)", offline.as_secs_f64());
    assert!(offline < Duration::from_secs(5), "offline within the set time (plus a heartbeat and a watcher tick): {offline:?}");
    let list = maint.screens(&base);
    assert_eq!(screen(&list, id_b).map(|s| s["state"].clone()), Some(json!("online")), "the other screen stays online");
    let page = maint.get(&format!("{base}/admin/host/fleet")).expect("page").into_string().expect("html");
    assert!(page.contains(&format!("data-offline=\"{id_a}\"")) && page.contains("已离线"), "a line on the maintainer's page");
    assert!(!page.contains(&format!("data-offline=\"{id_b}\"")));
    let ev = offline_event(&base, &maint, id_a).expect("host.screen.offline published for A");
    assert_eq!(ev["payload"]["name"], "大厅主屏", "{ev}");
    // The Chinese page: no English words in what it shows (tags and attributes
    // aside). Allowed: data (layout file names, the version C reported, the
    // username) and the shell's switch to English.
    let words = visible_english(&page, &["landscape", "window", "test", "maint", "English"]);
    assert!(words.is_empty(), "English words on the Chinese page: {words:?}");

    // Restart: the player is told to exit (its service starts it again); the host hears it was done.
    let cmd = maint.post(&format!("{base}/api/host/fleet/{id_b}/command"), json!({"kind": "restart"}));
    let restart = wait_for(Duration::from_secs(20), || turn(&mut [&mut b], &mut shooter, clock).then_some(()));
    assert!(restart.is_some(), "the restart request reached the player");
    let list = maint.screens(&base);
    let done = screen(&list, id_b).and_then(|s| s["commands"].as_array()?.iter().find(|c| c["id"] == cmd["id"]).cloned());
    assert!(done.is_some_and(|c| c["done_at"].is_i64()), "the restart is reported done before the player exits");

    let _ = child.kill();
    let _ = child.wait();
}

/// Words of three or more Latin letters in a page's text (outside tags).
fn visible_english(page: &str, allowed: &[&str]) -> Vec<String> {
    let mut text = String::new();
    let mut in_tag = false;
    for ch in page.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 3 && !allowed.contains(w))
        .map(str::to_owned)
        .collect()
}

/// The `host.screen.offline` of `device` on the bus, replayed from the
/// start of the log (`host.` topics are for staff only).
fn offline_event(base: &str, staff: &Staff, device: i64) -> Option<Value> {
    let r = ureq::get(&format!("{base}/api/events?topics=host.screen."))
        .set("Cookie", &staff.cookie)
        .set("Accept", "text/event-stream")
        .set("Last-Event-ID", "1")
        .timeout(Duration::from_secs(5))
        .call()
        .ok()?;
    for line in std::io::BufReader::new(r.into_reader()).lines() {
        let line = line.ok()?;
        if let Some(data) = line.strip_prefix("data:") {
            let v: Value = serde_json::from_str(data.trim()).ok()?;
            if v["topic"] == "host.screen.offline" && v["payload"]["device"].as_i64() == Some(device) {
                return Some(v);
            }
        }
    }
    None
}

/// On the host's clock (no real waiting): a request handed out but never
/// reported done is handed out again after a minute and dropped after ten;
/// a screen silent past the limit is offline once, with one event, and
/// online again with its next heartbeat.
#[test]
fn requests_are_redelivered_then_dropped_and_silence_is_timed_on_the_host_clock() {
    use linli_host::runtime::capabilities::ManualClock;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    let start = 1_796_000_000_000;
    let clock = Arc::new(ManualClock(AtomicI64::new(start)));
    let s = linli_tests::TestServer::start_custom(&[], "[screens]\noffline_after_s = 30\n", None, clock.clone());
    let admin = linli_tests::sign_in(&s, "maint", &["maintainer"]);
    let staff = Staff { cookie: admin.cookie.clone(), csrf: admin.csrf.clone() };
    let v = staff.post(&format!("{}/api/host/devices", s.url), json!({"name": "大厅主屏", "kind": "screen"}));
    let (id, token) = (v["device"]["id"].as_i64().expect("id"), v["token"].as_str().expect("token").to_owned());
    let beat = |done: Vec<i64>| -> Vec<i64> {
        let r = ureq::post(&format!("{}/api/host/fleet/heartbeat", s.url))
            .set("Authorization", &format!("Bearer {token}"))
            .send_json(json!({"screen": "hall-main", "last_event_id": 0, "done": done}));
        let v: Value = r.expect("heartbeat").into_json().expect("JSON");
        v["commands"].as_array().expect("commands").iter().filter_map(|c| c["id"].as_i64()).collect()
    };
    let advance = |ms: i64| clock.0.fetch_add(ms, Ordering::SeqCst);
    assert!(beat(vec![]).is_empty());
    let cmd = staff.post(&format!("{}/api/host/fleet/{id}/command", s.url), json!({"kind": "screenshot"}))["id"].as_i64().expect("command");
    assert_eq!(beat(vec![]), vec![cmd], "handed out with the next heartbeat");
    advance(10_000);
    assert!(beat(vec![]).is_empty(), "not twice while it may still be under way");
    advance(55_000);
    assert_eq!(beat(vec![]), vec![cmd], "handed out again a minute later: the player never reported it");
    advance(600_000);
    assert!(beat(vec![]).is_empty(), "dropped after ten minutes");
    let page = staff.get(&format!("{}/admin/host/fleet", s.url)).expect("page").into_string().expect("html");
    assert!(page.contains("未完成，已取消"), "the page says it was dropped");
    // A reload reported done is not handed out again.
    let reload = staff.post(&format!("{}/api/host/fleet/{id}/command", s.url), json!({"kind": "reload"}))["id"].as_i64().expect("command");
    assert_eq!(beat(vec![]), vec![reload]);
    assert!(beat(vec![reload]).is_empty());
    advance(120_000);
    assert!(beat(vec![]).is_empty(), "done: never again");
    // Silence on the host's clock: offline after 30 s, once; online with the next heartbeat.
    let state = || screen(&staff.screens(&s.url), id).map(|v| v["state"].clone());
    advance(29_000);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(state(), Some(json!("online")));
    let before = s.host.bus().last_id().expect("last id");
    advance(2_000);
    let offline = wait_for(Duration::from_secs(5), || (state() == Some(json!("offline"))).then_some(()));
    assert!(offline.is_some(), "offline once silent past 30 s");
    std::thread::sleep(Duration::from_millis(1500));
    let events = s.host.bus().since(before, 100).expect("events");
    let topics: Vec<&str> = events.iter().map(|e| e.topic.as_str()).collect();
    assert_eq!(topics, vec!["host.screen.offline"], "one event per outage");
    beat(vec![]);
    assert_eq!(state(), Some(json!("online")));
    let events = s.host.bus().since(before, 100).expect("events");
    assert_eq!(events.last().map(|e| e.topic.as_str()), Some("host.screen.online"));
}
