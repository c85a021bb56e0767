//! Steady frames allocate nothing in the player's own frame building: a
//! counting allocator watches `Renderer::lay_out` (zones, text slots) while the
//! ticker scrolls, the carousel slides and a call flashes.

mod common;

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::cell::Cell;

use linli_signage::demo;
use linli_signage::layout::Layout;
use linli_signage::offscreen::Offscreen;
use linli_signage::render::{FrameTime, Renderer};

struct Counting;

thread_local! {
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations() -> u64 {
    COUNT.with(Cell::get)
}

#[test]
fn steady_frames_do_not_allocate() {
    let Some(gpu) = common::gpu() else { return };
    let layout = Layout::builtin_landscape();
    let mut renderer = Renderer::new(&gpu, Offscreen::FORMAT, 1280, 720).expect("renderer");
    let scene = demo::scene(0.0);
    // Warm up over one whole carousel cycle, so every slot has been shaped once.
    let frames: Vec<FrameTime> = (0..40 * 60)
        .map(|i| FrameTime {
            t: i as f64 / 60.0,
            ..FrameTime::default()
        })
        .collect();
    let start = allocations();
    for time in &frames {
        renderer.lay_out(&scene, &layout, time);
    }
    assert!(
        allocations() > start,
        "the counter sees the first frames' shaping"
    );
    let before = allocations();
    for time in &frames {
        renderer.lay_out(&scene, &layout, time);
    }
    let during = allocations() - before;
    assert_eq!(
        during,
        0,
        "{during} allocations over {} steady frames",
        frames.len()
    );
}
