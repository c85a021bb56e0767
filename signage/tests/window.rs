//! The real window under Xvfb: the player opens fullscreen on the X server,
//! renders frames through a swapchain and exits cleanly.

mod common;

use common::{start_xvfb, xvfb_or_skip};
use std::process::Command;

#[test]
fn fullscreen_window_renders_frames_under_xvfb() {
    if !xvfb_or_skip() || common::gpu().is_none() {
        return;
    }
    // A landscape and a portrait screen: the window takes each whole X screen.
    for (w, h) in [(1280, 720), (720, 1280)] {
        let (_xvfb, display) = start_xvfb(w, h, 90).expect("Xvfb started");
        let out = Command::new(env!("CARGO_BIN_EXE_linli-signage"))
            .args(["--demo", "--frames", "30", "--voice", "off"])
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .expect("player ran");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!("stdout: {stdout}\nstderr: {stderr}");
        assert!(out.status.success(), "player failed under Xvfb");
        let expected = format!("rendered 30 frames at {w}x{h}");
        assert!(
            stdout.contains(&expected),
            "expected {expected:?}, got: {stdout}"
        );
    }
}
