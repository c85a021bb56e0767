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
    let side = (rect.w - 2.0 * pad).min(rect.h * 0.7).max(0.0);
    let code = Rect { x: rect.x + (rect.w - side) / 2.0, y: rect.y + pad, w: side, h: side };
    cx.picture(PictureRef::QrZone(zone_index), code, rect, 1.0);
    let caption = cx.shape(
        0,
        format_args!("扫码查询叫号进度\nScan for queue status"),
        TextStyle::wrapped(font, false, rect.w - pad, rect.h * 0.3),
    );
    cx.place(Layer::Screen, 0, rect.x + (rect.w - caption.w) / 2.0, code.bottom() + pad * 0.5, rect, zone.color);
}
