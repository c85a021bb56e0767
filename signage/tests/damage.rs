//! Damage tracking: the renderer keeps its last frame and paints only what
//! changed. These checks hold it to giving the same pixels as painting every
//! frame whole, to painting nothing when nothing changed, and to painting a
//! moving ticker without touching the rest of the screen.

mod common;

use common::{at, walk_changes};
use linli_signage::demo;
use linli_signage::gpu::Gpu;
use linli_signage::layout::{Layout, Rect, ZoneKind};
use linli_signage::offscreen::Offscreen;
use linli_signage::regions;
use linli_signage::render::damage::PixelRect;
use linli_signage::render::{FrameTime, Renderer};
use linli_signage::scene::{Alert, Scene};

const W: u32 = 1280;
const H: u32 = 720;

struct Rig {
    gpu: Gpu,
    /// Paints only what changed.
    damaged: Renderer,
    /// Paints every frame whole: the reference.
    whole: Renderer,
    target: Offscreen,
    size: (u32, u32),
}

fn setup() -> Option<Rig> {
    setup_at(W, H)
}

fn setup_at(w: u32, h: u32) -> Option<Rig> {
    let gpu = common::gpu()?;
    let damaged = Renderer::new(&gpu, Offscreen::FORMAT, w, h).expect("renderer");
    let mut whole = Renderer::new(&gpu, Offscreen::FORMAT, w, h).expect("renderer");
    whole.set_full_redraw(true);
    let target = Offscreen::new(&gpu, w, h);
    Some(Rig {
        gpu,
        damaged,
        whole,
        target,
        size: (w, h),
    })
}

impl Rig {
    fn capture(&mut self, scene: &Scene, layout: &Layout, time: &FrameTime) -> image::RgbaImage {
        self.target
            .capture(&self.gpu, &mut self.damaged, scene, layout, time)
            .expect("capture")
    }

    /// The same frame through both renderers: they must agree to the pixel.
    fn same_as_whole(&mut self, scene: &Scene, layout: &Layout, time: &FrameTime, what: &str) {
        let partial = self.capture(scene, layout, time);
        let whole = self
            .target
            .capture(&self.gpu, &mut self.whole, scene, layout, time)
            .expect("capture");
        let all = Rect {
            x: 0.0,
            y: 0.0,
            w: self.size.0 as f32,
            h: self.size.1 as f32,
        };
        let differ = regions::changed(&partial, &whole, all);
        if differ > 0 {
            let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
            let _ = partial.save(dir.join("damage-partial.png"));
            let _ = whole.save(dir.join("damage-whole.png"));
        }
        assert_eq!(
            differ,
            0,
            "{what}: painting only the damage gave {differ} pixels unlike a whole frame (damage {:?})",
            self.damaged.damage().rects()
        );
    }
}

fn zone(layout: &Layout, kind: ZoneKind) -> Rect {
    layout.zone(kind).expect("zone").rect(W as f32, H as f32)
}

#[test]
fn painting_only_the_damage_gives_the_whole_frame() {
    let Some(mut rig) = setup() else { return };
    let layout = Layout::builtin_landscape();
    let mut scene = demo::scene(0.0);
    // Steady, ticker moved, the clock's second, a carousel slide in
    // progress, a new call with its flash, the offline mark.
    walk_changes(&mut scene, |scene, time, what| {
        rig.same_as_whole(scene, &layout, time, what)
    });
    // Offline mark off, alert over everything and withdrawn.
    scene.set_offline(false);
    rig.same_as_whole(&scene, &layout, &at(37.1, 11), "online again");
    scene.alert = Some(Alert {
        title: "紧急疏散".into(),
        body: "请听从工作人员指挥，从最近的安全出口有序离开".into(),
    });
    rig.same_as_whole(&scene, &layout, &at(37.2, 11), "alert");
    rig.same_as_whole(&scene, &layout, &at(37.4, 11), "alert pulsing");
    scene.alert = None;
    rig.same_as_whole(&scene, &layout, &at(37.5, 11), "alert withdrawn");
    // New ticker text and a different layout altogether.
    scene.set_content(vec!["只有一条通知".into()], demo::carousel(), None);
    rig.same_as_whole(&scene, &layout, &at(37.6, 11), "ticker text changed");
    let portrait = Layout::builtin_portrait();
    rig.same_as_whole(&scene, &portrait, &at(37.7, 11), "portrait layout");
    rig.same_as_whole(&scene, &layout, &at(37.8, 11), "back to landscape");
}

#[test]
fn nothing_changed_paints_nothing() {
    let Some(mut rig) = setup() else { return };
    let layout = Layout::builtin_landscape();
    let mut scene = demo::scene(0.0);
    // No ticker: nothing on this screen moves by itself once the flash is over.
    scene.set_content(vec![], vec![demo::carousel().remove(0)], None);
    let first = rig.capture(&scene, &layout, &at(20.0, 0));
    let painted = rig.damaged.painted;
    let again = rig.capture(&scene, &layout, &at(20.5, 0));
    assert!(
        rig.damaged.damage().is_empty(),
        "damage with nothing changed: {:?}",
        rig.damaged.damage().rects()
    );
    assert_eq!(
        rig.damaged.painted, painted,
        "an unchanged frame was painted"
    );
    assert_eq!(rig.damaged.unchanged, 1);
    // The kept frame is still the whole, current picture.
    assert_eq!(
        first, again,
        "the kept frame changed although nothing was painted"
    );
}

#[test]
fn a_moving_ticker_repaints_only_the_ticker() {
    let Some(mut rig) = setup() else { return };
    let layout = Layout::builtin_landscape();
    let scene = demo::scene(0.0);
    let ticker = zone(&layout, ZoneKind::Ticker);
    let ticker_px = PixelRect::covering(ticker);
    let before = rig.capture(&scene, &layout, &at(20.0, 0));
    // Same second on the clock, no flash, no slide: only the ticker moves.
    let after = rig.capture(&scene, &layout, &at(20.25, 0));
    let damage = rig.damaged.damage();
    assert!(
        !damage.is_empty(),
        "the ticker moved but nothing was painted"
    );
    for r in damage.rects() {
        assert!(
            ticker_px.contains(r),
            "painted {r:?} outside the ticker {ticker_px:?}"
        );
    }
    let moved = regions::changed(&before, &after, ticker);
    assert!(moved > 500, "ticker did not move ({moved} px)");
    let above = Rect {
        x: 0.0,
        y: 0.0,
        w: W as f32,
        h: ticker.y,
    };
    assert_eq!(
        regions::changed(&before, &after, above),
        0,
        "pixels changed outside the ticker"
    );
}

#[test]
fn a_new_call_is_painted_on_the_calls_board() {
    let Some(mut rig) = setup() else { return };
    let layout = Layout::builtin_landscape();
    let mut scene = demo::scene(0.0);
    let calls = zone(&layout, ZoneKind::Calls);
    let before = rig.capture(&scene, &layout, &at(20.0, 0));
    scene.apply_call(demo::call("C456", "7", 50), 20.0);
    // After its flash (6 s), so the slot has its steady colours; the ticker
    // moved too, so the frame holds more than one damaged zone.
    let after = rig.capture(&scene, &layout, &at(26.5, 0));
    let board = PixelRect::covering(calls);
    assert!(
        rig.damaged
            .damage()
            .rects()
            .iter()
            .any(|r| r.intersects(&board)),
        "the calls board was not repainted: {:?}",
        rig.damaged.damage().rects()
    );
    let main_slot = Rect {
        y: calls.y + calls.h * 0.15,
        h: calls.h * 0.45,
        ..calls
    };
    let changed = regions::changed(&before, &after, main_slot);
    assert!(
        changed > 2000,
        "the new ticket did not reach the main slot ({changed} px)"
    );
    assert!(
        regions::accent(&after, main_slot) > 3000,
        "no ticket digits in the main slot"
    );
    // And it is the frame a whole repaint gives.
    rig.same_as_whole(&scene, &layout, &at(26.5, 0), "new call");
}

#[test]
fn a_carousel_slide_is_copied_not_repainted() {
    // At the benchmark's size, where the zone's edges fall on whole pixels
    // (a pixel shared with a neighbour zone is painted, not copied).
    let Some(mut rig) = setup_at(1920, 1080) else {
        return;
    };
    let layout = Layout::builtin_landscape();
    let scene = demo::scene(0.0);
    let carousel = PixelRect::covering(
        layout
            .zone(ZoneKind::Carousel)
            .expect("zone")
            .rect(1920.0, 1080.0),
    );
    // Pages of 8 s: the slide to the second runs from 23.2 to 24.0.
    rig.same_as_whole(&scene, &layout, &at(23.0, 0), "before the slide");
    for t in [23.25, 23.4, 23.6, 23.8, 23.95, 24.0, 24.2] {
        rig.same_as_whole(&scene, &layout, &at(t, 0), "slide");
        let damage = rig.damaged.damage();
        let rasterised: u64 = rig
            .damaged
            .rasterised()
            .rects()
            .iter()
            .map(|r| r.intersect(&carousel).area())
            .sum();
        if t < 24.0 {
            assert!(
                damage.rects().iter().any(|r| r.intersects(&carousel)),
                "t = {t}: the carousel slid but was not damaged"
            );
        }
        // The pages are copied from their strips; only the dots' band is painted.
        assert!(
            rasterised * 5 < carousel.area(),
            "t = {t}: {rasterised} of the carousel's {} px rasterised",
            carousel.area()
        );
    }
}
