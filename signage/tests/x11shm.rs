//! The X11 shared-memory present (a software renderer on X11): after a first
//! whole frame, each frame puts only its damaged rectangles onto the window.
//! What the window then shows must be, pixel for pixel, the frame a whole
//! repaint gives — on every kind of change.
#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{self, ConnectionExt as _, ImageFormat};
use x11rb::wrapper::ConnectionExt as _;

use linli_signage::demo;
use linli_signage::gpu::Gpu;
use linli_signage::layout::Layout;
use linli_signage::offscreen::Offscreen;
use linli_signage::render::damage::PixelRect;
use linli_signage::render::{FrameTime, Renderer};
use linli_signage::scene::Scene;
use linli_signage::x11shm::{FORMAT, ShmPresenter};

const W: u32 = 960;
const H: u32 = 540;

struct Xvfb(Child);

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_xvfb() -> Option<(Xvfb, String)> {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("Xvfb").is_file()));
    if !on_path {
        eprintln!("SKIP: Xvfb is not installed (Debian package `xvfb`)");
        return None;
    }
    for n in (250 + std::process::id() % 50)..400 {
        let socket = format!("/tmp/.X11-unix/X{n}");
        if Path::new(&socket).exists() || Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        let child = Command::new("Xvfb")
            .args([
                format!(":{n}"),
                "-screen".into(),
                "0".into(),
                format!("{W}x{H}x24"),
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

fn at(t: f64, second: u32) -> FrameTime {
    let mut time = FrameTime {
        t,
        ..FrameTime::default()
    };
    time.wall += chrono::Duration::seconds(second as i64);
    time
}

#[test]
fn presenting_only_the_damage_shows_the_whole_frame() {
    let Some((_xvfb, display)) = start_xvfb() else {
        return;
    };
    let gpu = match Gpu::headless_with_fonts() {
        Ok(g) => g,
        Err(e) => {
            eprintln!("SKIP: {e}");
            return;
        }
    };
    // A plain window on the X server, the size of its screen.
    let (conn, screen) = x11rb::connect(Some(&display)).expect("X connection");
    let root = conn.setup().roots[screen].root;
    let window = conn.generate_id().expect("id");
    conn.create_window(
        x11rb::COPY_DEPTH_FROM_PARENT,
        window,
        root,
        0,
        0,
        W as u16,
        H as u16,
        0,
        xproto::WindowClass::INPUT_OUTPUT,
        x11rb::COPY_FROM_PARENT,
        &xproto::CreateWindowAux::new().background_pixel(0),
    )
    .expect("create window");
    conn.map_window(window).expect("map");
    conn.sync().expect("sync");

    let mut presenter = ShmPresenter::new(Some(&display), window).expect("shm presenter");
    let mut damaged = Renderer::new(&gpu, FORMAT, W, H).expect("renderer");
    let mut whole = Renderer::new(&gpu, FORMAT, W, H).expect("renderer");
    whole.set_full_redraw(true);
    let mut reference = Offscreen::new(&gpu, W, H);
    let layout = Layout::builtin_landscape();
    let mut scene = demo::scene(0.0);

    let mut frame = |scene: &Scene, time: &FrameTime, what: &str, first: bool| {
        let painted = damaged.prepare(scene, &layout, time).expect("prepare");
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        if painted {
            damaged.encode(&mut encoder).expect("encode");
        }
        let all = [PixelRect::screen(W, H)];
        let rects = if first {
            all.to_vec()
        } else {
            damaged.damage().rects().to_vec()
        };
        let area: u64 = rects.iter().map(PixelRect::area).sum();
        presenter
            .present(&gpu, &damaged, encoder, &rects)
            .expect("present");
        damaged.trim();
        // What the window shows now.
        let shown = conn
            .get_image(ImageFormat::Z_PIXMAP, window, 0, 0, W as u16, H as u16, !0)
            .expect("get image")
            .reply()
            .expect("image");
        // The same frame painted whole (kept-frame bytes, BGRA like the window's).
        let want = reference
            .capture(&gpu, &mut whole, scene, &layout, time)
            .expect("capture");
        let want = want.as_raw();
        assert_eq!(shown.data.len(), want.len(), "{what}: image size");
        let differ = shown
            .data
            .chunks(4)
            .zip(want.chunks(4))
            .filter(|(a, b)| a[..3] != b[..3])
            .count();
        assert_eq!(
            differ, 0,
            "{what}: the window differs from a whole frame in {differ} pixels (presented {area} px in {rects:?})"
        );
        if !first {
            assert!(
                area < (W * H) as u64,
                "{what}: presented the whole window, not only the damage"
            );
        }
    };

    frame(&scene, &at(20.0, 0), "first frame", true);
    frame(&scene, &at(20.4, 0), "ticker moved", false);
    frame(&scene, &at(20.5, 1), "clock ticked", false);
    for t in [23.3, 23.5, 23.7, 24.1] {
        frame(&scene, &at(t, 4), "carousel slide", false);
    }
    scene.apply_call(demo::call("B777", "6", 99), 30.0);
    for (t, what) in [
        (30.0, "new call"),
        (30.1, "flash on"),
        (30.3, "flash off"),
        (36.5, "flash over"),
    ] {
        frame(&scene, &at(t, 10), what, false);
    }
    scene.set_offline(true);
    frame(&scene, &at(37.0, 11), "offline", false);
}
