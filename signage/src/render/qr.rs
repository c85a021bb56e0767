//! A QR code (the zone's `text`, e.g. the hall's queue page) with a caption.

use super::canvas::{Canvas, Layer, PictureRef};
use super::text::TextStyle;
use crate::layout::{Rect, Zone};

pub fn draw(cx: &mut Canvas<'_>, zone: &Zone, rect: Rect, zone_index: usize) {
    if let Some(bg) = zone.background {
        cx.rect(Layer::Screen, rect, bg, 0.0);
    }
    if zone.text.is_empty() {
        return;
    }
    let font = zone.font * cx.height;
    let pad = (rect.w * 0.08).max(4.0);
    let caption = if zone.label.is_empty() {
        "扫码查询叫号进度\nScan for queue status"
    } else {
        zone.label.as_str()
    };
    let caption = cx.shape(
        0,
        format_args!("{caption}"),
        TextStyle::wrapped(font, false, rect.w - pad, rect.h * 0.3),
    );
    // The code takes what the caption leaves, square and never upscaled past the zone.
    let side = (rect.w - 2.0 * pad)
        .min(rect.h - caption.h - 2.0 * pad)
        .max(0.0);
    let code = Rect {
        x: rect.x + (rect.w - side) / 2.0,
        y: rect.y + pad * 0.5,
        w: side,
        h: side,
    };
    cx.picture(PictureRef::QrZone(zone_index), code, rect, 1.0);
    cx.place(
        Layer::Screen,
        0,
        rect.x + (rect.w - caption.w) / 2.0,
        code.bottom() + pad * 0.5,
        rect,
        zone.color,
    );
}
