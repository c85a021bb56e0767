//! The ticker: one shaped line scrolled by time, so its speed does not depend
//! on the frame rate and a slow frame never makes it jump back.
//!
//! On an opaque background the line is painted once onto a strip (the
//! background and the text, one cycle long) and each frame only shows that
//! strip at the line's place, rounded to whole pixels: moving it costs a
//! textured rectangle instead of rasterising every glyph again.

use std::fmt;

use super::FrameTime;
use super::canvas::{Canvas, Layer, Strip, StripText};
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

/// The first and one past the last whole pixel whose centre lies in `a..b`.
pub fn pixels(a: f32, b: f32) -> (f32, f32) {
    ((a - 0.5).ceil(), (b - 0.5).ceil())
}

pub fn draw(cx: &mut Canvas<'_>, zone: &Zone, rect: Rect, scene: &Scene, time: &FrameTime) {
    let opaque = zone.background.filter(|bg| bg.0[3] == 255);
    if scene.ticker.is_empty() {
        if let Some(bg) = zone.background {
            cx.rect(Layer::Screen, rect, bg, 0.0);
        }
        return;
    }
    let font = zone.font * cx.height;
    let e = cx.shape(
        0,
        format_args!("{}", Joined(&scene.ticker)),
        TextStyle::line(font, false),
    );
    let gap = font * 4.0;
    let speed = zone.speed * cx.height;
    let y = rect.y + (rect.h - e.h) / 2.0;
    // The pixels the zone covers, as a rectangle drawn there would.
    let (x0, x1) = pixels(rect.x, rect.right());
    let (y0, y1) = pixels(rect.y, rect.bottom());
    let cycle = (e.w + gap).max(rect.w).ceil();
    if let Some(bg) = opaque
        && cycle <= cx.max_texture as f32
        && x1 > x0
        && y1 > y0
    {
        let strip = cx.strip(Strip {
            pool: cx.pool,
            id: 0,
            width: cycle as u32,
            height: (y1 - y0) as u32,
            texts: [
                Some(StripText {
                    slot: 0,
                    left: 0.0,
                    top: y - y0,
                    color: zone.color,
                }),
                None,
            ],
            background: bg,
        });
        let x = (rect.right() - offset(time.t, speed, cycle)).round();
        let clip = Rect {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        };
        for left in [x, x - cycle] {
            let r = Rect {
                x: left,
                y: y0,
                w: cycle,
                h: y1 - y0,
            };
            if r.right() > clip.x && r.x < clip.right() {
                cx.picture(strip, r, clip, 1.0);
            }
        }
        return;
    }
    if let Some(bg) = zone.background {
        cx.rect(Layer::Screen, rect, bg, 0.0);
    }
    let cycle = (e.w + gap).max(rect.w);
    let x = rect.right() - offset(time.t, speed, cycle);
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
