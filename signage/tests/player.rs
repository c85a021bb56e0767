//! The player without a window: a watched content folder (with a broken
//! item), voice that waits for the screen, and the command line's help.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use linli_signage::demo;
use linli_signage::layout::Layout;
use linli_signage::player::{Player, Source, VoiceConfig};
use linli_signage::voice::{Speaker, Voice};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("linli-signage-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("dir");
    }
    fs::write(path, text).expect("write");
}

/// Updates the player until `done` holds or 10 s pass.
fn until(player: &mut Player, mut done: impl FnMut(&Player) -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    let start = Instant::now();
    while Instant::now() < deadline {
        // Past the content re-check interval each time, like a running screen.
        player.update(start.elapsed().as_secs_f64() + 1000.0);
        if done(player) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn folder_is_watched_and_a_broken_item_never_blanks_the_screen() {
    let dir = temp_dir("folder");
    let layout = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../content/screens/landscape.toml"
    ))
    .expect("sample layout");
    write(&dir, "screens/hall-main.toml", &layout);
    write(
        &dir,
        "ticker/today.md",
        "+++\ntitle = \"今日提示\"\nkind = \"ticker\"\n+++\n第一行提示\n",
    );
    write(
        &dir,
        "news/a.md",
        "+++\ntitle = \"长者食堂开业\"\nkind = \"news\"\n+++\n位于一楼东侧。\n",
    );

    let mut player = Player::folder("hall-main", Layout::builtin_portrait(), dir.clone(), true)
        .expect("folder player");
    assert_eq!(
        player.layout.name, "hall-main",
        "the screen's own layout is used"
    );
    assert_eq!(player.scene.ticker, ["第一行提示"]);
    assert_eq!(player.scene.carousel.len(), 1);

    write(
        &dir,
        "ticker/today.md",
        "+++\ntitle = \"今日提示\"\nkind = \"ticker\"\n+++\n第二行提示\n",
    );
    assert!(
        until(&mut player, |p| p.scene.ticker == ["第二行提示"]),
        "ticker change not picked up: {:?}",
        player.scene.ticker
    );

    // A broken edit of a shown item keeps its last good version; a broken new item is left out.
    write(
        &dir,
        "news/a.md",
        "+++\ntitle = \nkind = \"news\"\n+++\n坏了\n",
    );
    write(&dir, "news/b.md", "+++ this is not toml\n");
    write(
        &dir,
        "news/c.md",
        "+++\ntitle = \"医保缴费\"\nkind = \"news\"\n+++\n请到 2 号窗口。\n",
    );
    assert!(
        until(&mut player, |p| p.scene.carousel.len() == 2),
        "carousel: {:?}",
        player.scene.carousel
    );
    let titles: Vec<&str> = player
        .scene
        .carousel
        .iter()
        .map(|c| c.title.as_str())
        .collect();
    assert!(
        titles.contains(&"长者食堂开业") && titles.contains(&"医保缴费"),
        "{titles:?}"
    );
    assert_eq!(player.scene.ticker, ["第二行提示"]);
    let _ = fs::remove_dir_all(&dir);
}

struct Recorder(mpsc::Sender<String>);

impl Speaker for Recorder {
    fn chime(&mut self) {
        let _ = self.0.send("chime".into());
    }
    fn say(&mut self, text: &str) {
        let _ = self.0.send(text.to_string());
    }
}

#[test]
fn voice_starts_only_after_the_call_is_on_screen() {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let voice = Voice::new(6, move || {
        Box::new(Recorder(tx.lock().map(|t| t.clone()).expect("sender"))) as Box<dyn Speaker>
    });
    let mut player = Player::new("hall-main", Layout::builtin_landscape(), Source::Fixed);
    player.set_voice(
        Some(voice),
        VoiceConfig {
            repeats: 1,
            ..VoiceConfig::default()
        },
    );

    player.take_call(demo::call("A012", "3", 1), 0.0, true);
    assert_eq!(
        player.scene.calls.front().map(|c| c.ticket.as_str()),
        Some("A012"),
        "on screen at once"
    );
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "voice before the frame was presented"
    );

    player.presented();
    let heard: Vec<String> = (0..2)
        .map(|_| rx.recv_timeout(Duration::from_secs(5)).expect("spoken"))
        .collect();
    assert_eq!(heard, ["chime", "请 A零幺二 号到 三 号窗口办理"]);

    // Switched off per screen: nothing is queued.
    let mut quiet = Player::new("hall-side", Layout::builtin_landscape(), Source::Fixed);
    quiet.set_voice(
        None,
        VoiceConfig {
            enabled: false,
            ..VoiceConfig::default()
        },
    );
    quiet.take_call(demo::call("A013", "4", 2), 0.0, true);
    quiet.presented();
}

#[test]
fn help_is_bilingual() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linli-signage"))
        .arg("--help")
        .output()
        .expect("ran");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for needle in [
        "--server",
        "主机地址",
        "Follow this host",
        "--content",
        "独立运行",
        "--headless",
        "--screenshot",
        "--bench",
        "--voice",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}

#[test]
fn screen_picks_its_configured_layout() {
    let dir = temp_dir("layouts");
    let screens = concat!(env!("CARGO_MANIFEST_DIR"), "/../content/screens");
    for id in ["landscape", "portrait"] {
        let text = fs::read_to_string(format!("{screens}/{id}.toml")).expect("sample layout");
        write(&dir, &format!("screens/{id}.toml"), &text);
    }
    // No layout named like the screen: the built-in orientation's id picks one.
    let player = Player::folder("hall-main", Layout::builtin_portrait(), dir.clone(), false)
        .expect("player");
    assert_eq!(player.layout.name, "portrait");
    // A configured id wins.
    let mut player = Player::folder("hall-main", Layout::builtin_portrait(), dir.clone(), false)
        .expect("player");
    player.set_layout_id(Some("landscape".into()));
    assert_eq!(player.layout.name, "landscape");
    let _ = fs::remove_dir_all(&dir);
}
