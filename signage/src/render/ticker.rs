//! The ticker: one shaped line scrolled by time, so its speed does not depend
//! on the frame rate and a slow frame never makes it jump back.

use std::fmt;

use super::FrameTime;
use super::canvas::{Canvas, Layer};
use super::text::TextStyle;
use crate::layout::{Rect, Zone};
use crate::scene::Scene;

/// Lines joined with a separator, written without building a String per frame.
struct Joined<'a>(&'a [String]);

impl fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, line) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("　　◆　　")?;
            }
            f.write_str(line)?;
        }
        Ok(())
    }
}

/// Horizontal offset of the line's start at time `t`: it enters at the right
/// edge and moves left at `speed` px/s, wrapping every `cycle` pixels.
pub fn offset(t: f64, speed: f32, cycle: f32) -> f32 {
    if cycle <= 0.0 {
        return 0.0;
    }
    ((t * speed as f64).rem_euclid(cycle as f64)) as f32
}

pub fn draw(cx: &mut Canvas<'_>, zone: &Zone, rect: Rect, scene: &Scene, time: &FrameTime) {
    if let Some(bg) = zone.background {
        cx.rect(Layer::Screen, rect, bg, 0.0);
    }
    if scene.ticker.is_empty() {
        return;
    }
    let font = zone.font * cx.height;
    let e = cx.shape(
        0,
        format_args!("{}", Joined(&scene.ticker)),
        TextStyle::line(font, false),
    );
    let gap = font * 4.0;
    let cycle = (e.w + gap).max(rect.w);
    let speed = zone.speed * cx.height;
    let x = rect.right() - offset(time.t, speed, cycle);
    let y = rect.y + (rect.h - e.h) / 2.0;
    cx.place(Layer::Screen, 0, x, y, rect, zone.color);
    // The copy behind it fills the gap as the first one leaves on the left.
    cx.place(Layer::Screen, 0, x - cycle, y, rect, zone.color);
}

#[cfg(test)]
mod tests {
    use super::offset;

    #[test]
    fn moves_with_time_and_wraps() {
        assert_eq!(offset(0.0, 100.0, 1000.0), 0.0);
        assert_eq!(offset(2.5, 100.0, 1000.0), 250.0);
        assert!((offset(12.5, 100.0, 1000.0) - 250.0).abs() < 1e-3);
    }
}
