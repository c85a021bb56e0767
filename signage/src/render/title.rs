//! The hall's name across the top.

use super::canvas::{Canvas, Layer};
use super::text::TextStyle;
use crate::layout::{Rect, Zone};

pub fn draw(cx: &mut Canvas<'_>, zone: &Zone, rect: Rect) {
    if let Some(bg) = zone.background {
        cx.rect(Layer::Screen, rect, bg, 0.0);
    }
    let font = zone.font * cx.height;
    let (slot, e) = cx.shape_fit(
        0,
        1,
        format_args!("{}", zone.text),
        TextStyle::line(font, true),
        rect.w - font,
    );
    cx.place(
        Layer::Screen,
        slot,
        rect.x + font * 0.5,
        rect.y + (rect.h - e.h) / 2.0,
        rect,
        zone.color,
    );
}
