//! The real window under Xvfb: the player opens fullscreen on the X server,
//! renders frames through a swapchain and exits cleanly.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Xvfb(Child);

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

/// Starts Xvfb on a free display number and waits for its socket.
fn start_xvfb(width: u32, height: u32) -> Option<(Xvfb, String)> {
    for n in (90 + std::process::id() % 50)..200 {
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

#[test]
fn fullscreen_window_renders_frames_under_xvfb() {
    if !on_path("Xvfb") {
        eprintln!("SKIP: Xvfb is not installed (Debian package `xvfb`)");
        return;
    }
    if let Err(e) = linli_signage::gpu::Gpu::headless_with_fonts() {
        eprintln!("SKIP: {e}");
        return;
    }
    // A landscape and a portrait screen: the window takes each whole X screen.
    for (w, h) in [(1280, 720), (720, 1280)] {
        let (_xvfb, display) = start_xvfb(w, h).expect("Xvfb started");
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
