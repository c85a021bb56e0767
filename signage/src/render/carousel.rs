//! The carousel: each item stays for its own duration, then slides out while
//! the next slides in.

use super::FrameTime;
use super::canvas::{Canvas, Layer, PictureRef, Strip, StripText};
use super::text::TextStyle;
use crate::layout::{Rect, Zone};
use crate::scene::{CarouselItem, Scene};

/// Seconds an item shows when it names no duration.
pub const DEFAULT_DURATION: f32 = 10.0;
/// Seconds the slide between two items takes.
pub const TRANSITION: f32 = 0.8;

/// Seconds a long body rests at its top before it starts to scroll, and at its end.
const SCROLL_REST: f32 = 2.0;

/// Where the carousel is at a moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Position {
    /// The item showing.
    pub index: usize,
    /// How far (0..1) the slide to the next item is.
    pub slide: f32,
    /// Seconds into the item, and the item's duration.
    pub into: f32,
    pub duration: f32,
}

/// Which item shows at `t`, and how far (0..1) the slide to the next one is.
pub fn position(items: &[CarouselItem], t: f64) -> Option<Position> {
    if items.is_empty() {
        return None;
    }
    let duration = |i: &CarouselItem| {
        if i.duration_s > 0.0 {
            i.duration_s.max(TRANSITION * 2.0)
        } else {
            DEFAULT_DURATION
        }
    };
    let total: f64 = items.iter().map(|i| duration(i) as f64).sum();
    let mut into = t.rem_euclid(total);
    for (i, item) in items.iter().enumerate() {
        let d = duration(item) as f64;
        if into < d {
            let left = d - into;
            let slide = if items.len() > 1 && left < TRANSITION as f64 {
                1.0 - (left / TRANSITION as f64) as f32
            } else {
                0.0
            };
            return Some(Position {
                index: i,
                slide,
                into: into as f32,
                duration: d as f32,
            });
        }
        into -= d;
    }
    None
}

/// How far (0..1) a body taller than its box has scrolled: it rests, moves at
/// an even pace, and rests again before the slide to the next item.
pub fn scroll(into: f32, duration: f32) -> f32 {
    let moving = duration - TRANSITION - 2.0 * SCROLL_REST;
    if moving <= 0.0 {
        return 0.0;
    }
    ((into - SCROLL_REST) / moving).clamp(0.0, 1.0)
}

pub fn draw(cx: &mut Canvas<'_>, zone: &Zone, rect: Rect, scene: &Scene, time: &FrameTime) {
    if let Some(bg) = zone.background {
        cx.rect(Layer::Screen, rect, bg, 0.0);
    }
    let Some(Position {
        index: current,
        slide,
        into,
        duration,
    }) = position(&scene.carousel, time.t)
    else {
        return;
    };
    // Ease in and out so the slide starts and ends gently.
    let eased = slide * slide * (3.0 - 2.0 * slide);
    let next = (current + 1) % scene.carousel.len();
    // Pages of text that fit are painted once each and slid as pictures.
    if pages(cx, zone, rect, scene, current, eased, slide > 0.0, next) {
        dots(cx, zone, rect, scene, current);
        return;
    }
    draw_item(
        cx,
        zone,
        rect,
        scene,
        current,
        -eased * rect.w,
        scroll(into, duration),
    );
    if slide > 0.0 {
        draw_item(cx, zone, rect, scene, next, (1.0 - eased) * rect.w, 0.0);
    }
    dots(cx, zone, rect, scene, current);
}

/// One dot per item, the shown one bright.
fn dots(cx: &mut Canvas<'_>, zone: &Zone, rect: Rect, scene: &Scene, current: usize) {
    let n = scene.carousel.len();
    if n > 1 {
        let (dot, top) = dot_row(rect);
        let total = n as f32 * dot * 2.0;
        for i in 0..n {
            let r = Rect {
                x: rect.x + (rect.w - total) / 2.0 + i as f32 * dot * 2.0,
                y: top,
                w: dot,
                h: dot,
            };
            let a = if i == current { 230 } else { 80 };
            cx.rect(Layer::Screen, r, zone.color.with_alpha(a), dot / 2.0);
        }
    }
}

/// The dots' size and the top of their row, in `rect`.
fn dot_row(rect: Rect) -> (f32, f32) {
    let dot = (rect.h * 0.015).max(4.0);
    (dot, rect.bottom() - dot * 2.5)
}

/// Where a page's pieces go, `dx` from its resting place.
struct Page {
    pad: f32,
    inner: Rect,
    font: f32,
}

impl Page {
    fn of(cx: &Canvas<'_>, zone: &Zone, rect: Rect) -> Page {
        let pad = (rect.w.min(rect.h) * 0.05).max(4.0);
        Page {
            pad,
            inner: rect.inset(pad),
            font: zone.font * cx.height,
        }
    }

    fn title_style(&self) -> TextStyle {
        TextStyle::wrapped(self.font * 1.2, true, self.inner.w, self.font * 3.5)
    }

    fn body_style(&self) -> TextStyle {
        TextStyle {
            size: self.font,
            bold: false,
            wrap_width: Some(self.inner.w),
            max_height: None,
        }
    }

    /// The body's box under a title `title_h` tall.
    fn body(&self, title_h: f32) -> Rect {
        let top = self.inner.y + title_h + self.pad * 0.5;
        Rect {
            x: self.inner.x,
            y: top,
            w: self.inner.w,
            h: self.inner.bottom() - top - self.pad,
        }
    }
}

/// Draws the showing page (and, sliding, the next) as strips: each page's
/// title and body painted once onto a texture of the zone's width, shown at
/// whole-pixel offsets. Only for an opaque zone whose shown pages are text
/// that fits its box (no picture, no scrolling), above the dots; returns false,
/// having drawn nothing, otherwise.
#[allow(clippy::too_many_arguments)]
fn pages(
    cx: &mut Canvas<'_>,
    zone: &Zone,
    rect: Rect,
    scene: &Scene,
    current: usize,
    eased: f32,
    sliding: bool,
    next: usize,
) -> bool {
    let Some(bg) = zone.background.filter(|bg| bg.0[3] == 255) else {
        return false;
    };
    let page = Page::of(cx, zone, rect);
    let shown: &[usize] = if sliding {
        &[current, next]
    } else {
        &[current]
    };
    // The pixels the zone covers, less one at each side: a pixel the zone
    // shares with a neighbour counts as that one's too, and a strip is copied
    // in only where nothing else can draw (the zone's own background fills
    // the rim, the pages' text is well inside it).
    let (x0, x1) = super::ticker::pixels(rect.x, rect.right());
    let (y0, _) = super::ticker::pixels(rect.y, rect.bottom());
    let (x0, x1, y0) = (x0 + 1.0, x1 - 1.0, y0 + 1.0);
    let mut bottom = y0;
    for &i in shown {
        let Some(item) = scene.carousel.get(i) else {
            return false;
        };
        if item.image.is_some() {
            return false;
        }
        let title = cx.shape(2 * i, format_args!("{}", item.title), page.title_style());
        let body = page.body(title.h);
        let text = cx.shape(2 * i + 1, format_args!("{}", item.body), page.body_style());
        if text.h > body.h || body.h <= 0.0 {
            return false;
        }
        bottom = bottom.max(super::ticker::pixels(rect.y, body.bottom()).1);
    }
    // The dots stay put under the sliding pages.
    let n = scene.carousel.len();
    let dots_top = super::ticker::pixels(rect.y, dot_row(rect).1).1;
    if (n > 1 && dots_top < bottom) || x1 <= x0 || bottom <= y0 {
        return false;
    }
    let (width, height) = ((x1 - x0) as u32, (bottom - y0) as u32);
    if width > cx.max_texture || height > cx.max_texture {
        return false;
    }
    // The zone's background is drawn already (by `draw`); the strips cover it.
    let clip = Rect {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: bottom - y0,
    };
    let dx = (-eased * rect.w).round();
    for (k, &i) in shown.iter().enumerate() {
        let title = cx.shape(
            2 * i,
            format_args!("{}", scene.carousel[i].title),
            page.title_style(),
        );
        let body = page.body(title.h);
        let strip = cx.strip(Strip {
            pool: cx.pool,
            id: i,
            width,
            height,
            texts: [
                Some(StripText {
                    slot: 2 * i,
                    left: page.inner.x - x0,
                    top: page.inner.y - y0,
                    color: zone.accent,
                }),
                Some(StripText {
                    slot: 2 * i + 1,
                    left: page.inner.x - x0,
                    top: body.y - y0,
                    color: zone.color,
                }),
            ],
            background: bg,
        });
        let left = x0 + dx + k as f32 * clip.w;
        let r = Rect {
            x: left,
            y: y0,
            w: clip.w,
            h: clip.h,
        };
        if r.right() > clip.x && r.x < clip.right() {
            cx.picture(strip, r, clip, 1.0);
        }
    }
    true
}

fn draw_item(
    cx: &mut Canvas<'_>,
    zone: &Zone,
    rect: Rect,
    scene: &Scene,
    i: usize,
    dx: f32,
    scrolled: f32,
) {
    let Some(item) = scene.carousel.get(i) else {
        return;
    };
    let font = zone.font * cx.height;
    let pad = (rect.w.min(rect.h) * 0.05).max(4.0);
    let inner = rect.inset(pad);
    let x = inner.x + dx;
    let title = cx.text(
        Layer::Screen,
        2 * i,
        format_args!("{}", item.title),
        TextStyle::wrapped(font * 1.2, true, inner.w, font * 3.5),
        x,
        inner.y,
        rect,
        zone.accent,
    );
    let body_top = inner.y + title.h + pad * 0.5;
    let body = Rect {
        x,
        y: body_top,
        w: inner.w,
        h: inner.bottom() - body_top - pad,
    };
    if item.image.is_some() {
        // A caption goes under the picture; the picture takes what is left.
        let mut picture = body;
        if !item.body.is_empty() {
            let style = TextStyle::wrapped(font * 0.8, false, inner.w, font * 2.4);
            let caption = cx.shape(2 * i + 1, format_args!("{}", item.body), style);
            let top = body.bottom() - caption.h;
            cx.place(Layer::Screen, 2 * i + 1, x, top, rect, zone.color);
            picture.h = (top - pad * 0.5 - body.y).max(0.0);
        }
        cx.picture(PictureRef::CarouselItem(i), picture, rect, 1.0);
    } else {
        // Shaped whole, once; a body taller than its box scrolls through it by time.
        let style = TextStyle {
            size: font,
            bold: false,
            wrap_width: Some(inner.w),
            max_height: None,
        };
        let e = cx.shape(2 * i + 1, format_args!("{}", item.body), style);
        let overflow = (e.h - body.h).max(0.0);
        let clip = Rect {
            x: rect.x,
            y: body.y,
            w: rect.w,
            h: body.h.max(0.0),
        };
        cx.place(
            Layer::Screen,
            2 * i + 1,
            x,
            body_top - overflow * scrolled,
            clip,
            zone.color,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(durations: &[f32]) -> Vec<CarouselItem> {
        durations
            .iter()
            .map(|d| CarouselItem {
                duration_s: *d,
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn rotates_by_each_items_duration() {
        let list = items(&[5.0, 10.0]);
        let at = |t| position(&list, t).map(|p| (p.index, p.slide));
        assert_eq!(at(1.0), Some((0, 0.0)));
        assert_eq!(at(6.0), Some((1, 0.0)));
        assert_eq!(at(16.0), Some((0, 0.0)));
        let (i, slide) = at(4.6).expect("item");
        assert_eq!(i, 0);
        assert!(slide > 0.4 && slide < 0.6, "mid-slide, got {slide}");
    }

    #[test]
    fn single_item_never_slides() {
        assert_eq!(
            position(&items(&[3.0]), 2.9).map(|p| (p.index, p.slide)),
            Some((0, 0.0))
        );
        assert_eq!(position(&[], 1.0), None);
    }
}

#[cfg(test)]
mod scroll_tests {
    use super::scroll;

    #[test]
    fn long_bodies_rest_then_scroll_then_rest() {
        assert_eq!(scroll(1.0, 20.0), 0.0);
        assert!((scroll(2.0 + 7.6, 20.0) - 0.5).abs() < 1e-3);
        assert_eq!(scroll(18.0, 20.0), 1.0);
        assert_eq!(scroll(2.0, 4.0), 0.0, "too short to scroll");
    }
}
