//! What the signage tests share: frame times, the walk through every kind
//! of change that the pixel-equality tests check, and a private Xvfb.
#![allow(dead_code)] // each test file uses its own part

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use linli_shared::skip::unavailable;
use linli_signage::demo;
use linli_signage::gpu::Gpu;
use linli_signage::render::FrameTime;
use linli_signage::scene::Scene;

/// A headless device with the player's fonts. When a Debian package is
/// missing (lavapipe, fonts) the test cannot run: `None`, after
/// [`unavailable`] has failed the test under CI or printed the skip. Any
/// other error (an adapter that refuses a device) fails the test.
pub fn gpu() -> Option<Gpu> {
    Gpu::headless_for_test("the test renders frames")
}

/// Whether Xvfb is installed; when not, reports it like [`gpu`] does.
pub fn xvfb_or_skip() -> bool {
    let there = xvfb_installed();
    if !there {
        unavailable("Xvfb is not installed: install the Debian packages `xvfb` and `xauth`");
    }
    there
}

/// Animation time `t` (seconds) with the wall clock `second` seconds on.
pub fn at(t: f64, second: u32) -> FrameTime {
    let mut time = FrameTime {
        t,
        ..FrameTime::default()
    };
    time.wall += chrono::Duration::seconds(second as i64);
    time
}

/// Show `frame` each kind of change in turn, with its name: the first frame,
/// the ticker moved, the clock's second, a carousel slide in progress, a new
/// call with its flash on, off and over, and the offline mark.
pub fn walk_changes(scene: &mut Scene, mut frame: impl FnMut(&Scene, &FrameTime, &str)) {
    frame(scene, &at(20.0, 0), "first frame");
    frame(scene, &at(20.4, 0), "ticker moved");
    frame(scene, &at(20.5, 1), "clock ticked");
    for t in [23.3, 23.5, 23.7, 24.1] {
        frame(scene, &at(t, 4), "carousel slide");
    }
    scene.apply_call(demo::call("B777", "6", 99), 30.0);
    for (t, what) in [
        (30.0, "new call"),
        (30.1, "flash on"),
        (30.3, "flash off"),
        (36.5, "flash over"),
    ] {
        frame(scene, &at(t, 10), what);
    }
    scene.set_offline(true);
    frame(scene, &at(37.0, 11), "offline");
}

/// An Xvfb server, stopped when dropped.
pub struct Xvfb(Child);

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn xvfb_installed() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("Xvfb").is_file()))
}

/// Start Xvfb with one `width`×`height` screen on a free display number
/// from `first` on (each test file its own range, so test binaries running
/// at once do not collide) and wait for its socket; returns it and its
/// `DISPLAY`.
pub fn start_xvfb(width: u32, height: u32, first: u32) -> Option<(Xvfb, String)> {
    for n in (first + std::process::id() % 50)..(first + 110) {
        let socket = format!("/tmp/.X11-unix/X{n}");
        if Path::new(&socket).exists() || Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        let child = Command::new("Xvfb")
            .args([
                format!(":{n}"),
                "-screen".into(),
                "0".into(),
                format!("{width}x{height}x24"),
                "-nolisten".into(),
                "tcp".into(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let xvfb = Xvfb(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(&socket).exists() {
                return Some((xvfb, format!(":{n}")));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    None
}
