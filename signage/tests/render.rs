//! Headless rendering on the machine's adapter (lavapipe in CI): frames are
//! checked region by region, not just written.

mod common;

use linli_signage::demo;
use linli_signage::gpu::Gpu;
use linli_signage::layout::{Layout, Rect, ZoneKind};
use linli_signage::offscreen::Offscreen;
use linli_signage::render::{FrameTime, Renderer};
use linli_signage::scene::{Alert, Scene};

const W: u32 = 1280;
const H: u32 = 720;

/// A GPU and fonts, or the reason the test cannot run here. Only a missing
/// package is a reason: with them installed every check asserts.
fn setup() -> Option<(Gpu, Renderer, Offscreen)> {
    let gpu = common::gpu()?;
    eprintln!("adapter: {}", gpu.describe());
    let renderer = Renderer::new(&gpu, Offscreen::FORMAT, W, H).expect("renderer");
    let target = Offscreen::new(&gpu, W, H);
    Some((gpu, renderer, target))
}

fn capture(
    s: &mut (Gpu, Renderer, Offscreen),
    scene: &Scene,
    layout: &Layout,
    t: f64,
) -> image::RgbaImage {
    let time = FrameTime {
        t,
        ..FrameTime::default()
    };
    s.2.capture(&s.0, &mut s.1, scene, layout, &time)
        .expect("capture")
}

fn zone_rect(layout: &Layout, kind: ZoneKind) -> Rect {
    layout.zone(kind).expect("zone").rect(W as f32, H as f32)
}

/// Pixels in `r` brighter than `min` on every channel: white text on dark zones.
fn bright(img: &image::RgbaImage, r: Rect, min: u8) -> usize {
    let mut n = 0;
    for y in r.y as u32..(r.bottom() as u32).min(img.height()) {
        for x in r.x as u32..(r.right() as u32).min(img.width()) {
            let p = img.get_pixel(x, y).0;
            if p[0] >= min && p[1] >= min && p[2] >= min {
                n += 1;
            }
        }
    }
    n
}

/// Pixels in `r` that differ between two frames.
fn changed(a: &image::RgbaImage, b: &image::RgbaImage, r: Rect) -> usize {
    let mut n = 0;
    for y in r.y as u32..(r.bottom() as u32).min(a.height()) {
        for x in r.x as u32..(r.right() as u32).min(a.width()) {
            if a.get_pixel(x, y) != b.get_pixel(x, y) {
                n += 1;
            }
        }
    }
    n
}

fn save(img: &image::RgbaImage, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let _ = img.save(dir.join(name));
}

#[test]
fn call_ticker_news_and_alert_regions() {
    let Some(mut s) = setup() else { return };
    let layout = Layout::builtin_landscape();

    // An empty board against one with a call whose digits must show up in the
    // main slot (after its flash, so the slot has its steady colours).
    let mut empty = demo::scene(0.0);
    empty.calls.clear();
    empty.call_started_at = None;
    let scene = demo::scene(0.0);
    let calls = zone_rect(&layout, ZoneKind::Calls);
    // The main slot, below the board's heading.
    let main_slot = Rect {
        y: calls.y + calls.h * 0.15,
        h: calls.h * 0.45,
        ..calls
    };
    let empty_img = capture(&mut s, &empty, &layout, 20.0);
    let call_img = capture(&mut s, &scene, &layout, 20.0);
    save(&call_img, "call.png");
    // Ticket digits are drawn in the accent colour (yellow): count strongly yellow pixels.
    let yellow = |img: &image::RgbaImage| {
        let mut n = 0;
        for y in main_slot.y as u32..main_slot.bottom() as u32 {
            for x in main_slot.x as u32..main_slot.right() as u32 {
                let p = img.get_pixel(x, y).0;
                if p[0] > 200 && p[1] > 150 && p[2] < 120 {
                    n += 1;
                }
            }
        }
        n
    };
    let (with_call, without) = (yellow(&call_img), yellow(&empty_img));
    eprintln!("calls board yellow pixels: with call {with_call}, empty {without}");
    assert!(
        with_call > 3000,
        "ticket digits missing from the calls board ({with_call} px)"
    );
    assert!(
        without < with_call / 10,
        "empty board should have almost no ticket pixels ({without} px)"
    );

    // The earlier calls are listed under the main slot in white.
    let list = Rect {
        y: calls.y + calls.h * 0.65,
        h: calls.h * 0.35,
        ..calls
    };
    assert!(
        bright(&call_img, list, 200) > bright(&empty_img, list, 200) + 500,
        "earlier calls not listed"
    );

    // News: the carousel zone carries text.
    let carousel = zone_rect(&layout, ZoneKind::Carousel);
    assert!(
        bright(&call_img, carousel, 200) > 1000,
        "carousel item text missing"
    );

    // The ticker moves between two timestamps, and only the ticker (and clock-free zones) change.
    let ticker = zone_rect(&layout, ZoneKind::Ticker);
    let t1 = capture(&mut s, &scene, &layout, 21.0);
    let t2 = capture(&mut s, &scene, &layout, 21.5);
    let moved = changed(&t1, &t2, ticker);
    eprintln!("ticker changed pixels over 0.5 s: {moved}");
    assert!(moved > 500, "ticker did not move");
    assert!(bright(&t1, ticker, 230) > 300, "ticker text missing");
    assert_eq!(
        changed(&t1, &t2, calls),
        0,
        "calls board changed without a call"
    );

    // The alert covers the whole screen.
    let mut alerted = scene.clone();
    alerted.alert = Some(Alert {
        title: "紧急疏散".into(),
        body: "请听从工作人员指挥，从最近的安全出口有序离开".into(),
    });
    let alert_img = capture(&mut s, &alerted, &layout, 20.0);
    save(&alert_img, "alert.png");
    let total = (W * H) as usize;
    let red = alert_img
        .pixels()
        .filter(|p| p.0[0] > 150 && p.0[1] < 90 && p.0[2] < 90)
        .count();
    eprintln!("alert red pixels: {red} of {total}");
    assert!(
        red > total * 8 / 10,
        "alert does not cover the screen ({red} of {total})"
    );
    // Nothing of the calls board shows through the alert.
    assert!(yellow(&alert_img) < with_call / 10);
}

#[test]
fn offline_mark_shows_and_calls_stay() {
    let Some(mut s) = setup() else { return };
    let layout = Layout::builtin_landscape();
    let mut scene = demo::scene(0.0);
    let online = capture(&mut s, &scene, &layout, 20.0);
    scene.set_offline(true);
    let offline = capture(&mut s, &scene, &layout, 20.0);
    let corner = Rect {
        x: W as f32 * 0.8,
        y: 0.0,
        w: W as f32 * 0.2,
        h: H as f32 * 0.08,
    };
    assert!(changed(&online, &offline, corner) > 300, "no offline mark");
    // Everything else, the calls board included, is unchanged.
    let calls = zone_rect(&layout, ZoneKind::Calls);
    assert_eq!(changed(&online, &offline, calls), 0);
}

#[test]
fn carousel_shows_pictures_and_a_broken_one_shows_its_text() {
    let Some(mut s) = setup() else { return };
    let layout = Layout::builtin_landscape();
    let dir = std::env::temp_dir().join(format!("linli-signage-pictures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let green = dir.join("green.png");
    image::RgbaImage::from_pixel(64, 48, image::Rgba([0, 200, 0, 255]))
        .save(&green)
        .expect("png");
    let broken = dir.join("broken.png");
    std::fs::write(&broken, b"not a png").expect("write");

    let item = |title: &str, image: &std::path::Path| linli_signage::scene::CarouselItem {
        title: title.into(),
        body: String::new(),
        image: Some(image.to_path_buf()),
        duration_s: 5.0,
    };
    let mut scene = demo::scene(0.0);
    scene.set_content(
        vec![],
        vec![item("大厅导览", &green), item("坏图片", &broken)],
        None,
    );
    let carousel = zone_rect(&layout, ZoneKind::Carousel);
    let is_green = |p: &image::Rgba<u8>| p.0[1] > 150 && p.0[0] < 60 && p.0[2] < 60;
    let count = |img: &image::RgbaImage| {
        let mut n = 0;
        for y in carousel.y as u32..carousel.bottom() as u32 {
            for x in carousel.x as u32..carousel.right() as u32 {
                n += is_green(img.get_pixel(x, y)) as usize;
            }
        }
        n
    };
    let shown = capture(&mut s, &scene, &layout, 1.0);
    save(&shown, "picture.png");
    let green_px = count(&shown);
    assert!(
        green_px as f32 > carousel.w * carousel.h * 0.25,
        "picture not drawn ({green_px} px)"
    );
    // The second item's picture cannot be decoded: its title still shows, no green, no blank.
    let broken_img = capture(&mut s, &scene, &layout, 6.0);
    assert_eq!(count(&broken_img), 0);
    assert!(
        bright(&broken_img, carousel, 200) > 200 || {
            // The title is drawn in the accent colour.
            let mut n = 0;
            for y in carousel.y as u32..carousel.bottom() as u32 {
                for x in carousel.x as u32..carousel.right() as u32 {
                    let p = broken_img.get_pixel(x, y).0;
                    n += (p[0] > 200 && p[1] > 150 && p[2] < 120) as usize;
                }
            }
            n > 200
        },
        "broken picture left the carousel blank"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn new_call_flashes_then_settles() {
    let Some(mut s) = setup() else { return };
    let layout = Layout::builtin_landscape();
    let scene = demo::scene(10.0);
    let calls = zone_rect(&layout, ZoneKind::Calls);
    // The flash alternates at 2 Hz: frames a quarter period apart differ.
    let a = capture(&mut s, &scene, &layout, 10.1);
    let b = capture(&mut s, &scene, &layout, 10.35);
    assert!(changed(&a, &b, calls) > 10_000, "main slot does not flash");
    // After the flash the board is steady.
    let c = capture(&mut s, &scene, &layout, 30.0);
    let d = capture(&mut s, &scene, &layout, 30.25);
    assert_eq!(changed(&c, &d, calls), 0);
}

#[test]
fn steady_frames_do_not_reshape_text() {
    let Some(mut s) = setup() else { return };
    let layout = Layout::builtin_landscape();
    let scene = demo::scene(0.0);
    capture(&mut s, &scene, &layout, 20.0);
    let shaped = s.1.shaped_count();
    for i in 0..5 {
        // Same second on the clock, moving ticker: nothing to shape again.
        capture(&mut s, &scene, &layout, 20.0 + i as f64 * 0.1);
    }
    assert_eq!(
        s.1.shaped_count(),
        shaped,
        "text re-shaped although nothing changed"
    );
}
