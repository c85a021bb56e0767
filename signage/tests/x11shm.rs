//! The X11 shared-memory present (a software renderer on X11): after a first
//! whole frame, each frame puts only its damaged rectangles onto the window.
//! What the window then shows must be, pixel for pixel, the frame a whole
//! repaint gives — on every kind of change.
#![cfg(target_os = "linux")]

mod common;

use common::{start_xvfb, walk_changes, xvfb_or_skip};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{self, ConnectionExt as _, ImageFormat};
use x11rb::wrapper::ConnectionExt as _;

use linli_signage::demo;
use linli_signage::layout::Layout;
use linli_signage::offscreen::Offscreen;
use linli_signage::render::damage::PixelRect;
use linli_signage::render::{FrameTime, Renderer};
use linli_signage::scene::Scene;
use linli_signage::x11shm::{FORMAT, ShmPresenter};

const W: u32 = 960;
const H: u32 = 540;

#[test]
fn presenting_only_the_damage_shows_the_whole_frame() {
    if !xvfb_or_skip() {
        return;
    }
    let (_xvfb, display) = start_xvfb(W, H, 250).expect("Xvfb started");
    let Some(gpu) = common::gpu() else { return };
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

    let mut first = true;
    walk_changes(&mut scene, |scene: &Scene, time: &FrameTime, what: &str| {
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
        first = false;
    });
}
