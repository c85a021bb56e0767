//! Waiting counts per service.

use super::canvas::{Canvas, Layer};
use super::text::TextStyle;
use crate::layout::{Rect, Zone};
use crate::scene::Scene;

pub fn draw(cx: &mut Canvas<'_>, zone: &Zone, rect: Rect, scene: &Scene) {
    if let Some(bg) = zone.background {
        cx.rect(Layer::Screen, rect, bg, 0.0);
    }
    let font = zone.font * cx.height;
    let pad = (rect.h * 0.06).max(4.0);
    let inner = rect.inset(pad);
    let head = cx.text(
        Layer::Screen,
        0,
        format_args!("等候人数  Waiting"),
        TextStyle::line(font * 0.75, false),
        inner.x,
        inner.y,
        rect,
        zone.accent,
    );
    let top = inner.y + head.h;
    let rows = ((inner.bottom() - top) / (font * 1.3)).floor().max(0.0) as usize;
    if rows == 0 {
        return;
    }
    // Two columns when the zone is wide enough, so a hall with many services fits.
    let count = scene
        .waiting
        .iter()
        .filter(|s| zone.services.is_empty() || zone.services.contains(&s.code))
        .count();
    let columns = if inner.w > font * 16.0 && count > rows {
        2
    } else {
        1
    };
    let col_w = inner.w / columns as f32;
    let row_h = (inner.bottom() - top) / rows as f32;
    let shown = scene
        .waiting
        .iter()
        .filter(|s| zone.services.is_empty() || zone.services.contains(&s.code))
        .take(rows * columns);
    for (i, s) in shown.enumerate() {
        let (col, row) = (i / rows, i % rows);
        let cell = Rect {
            x: inner.x + col as f32 * col_w,
            y: top + row as f32 * row_h,
            w: col_w - if columns > 1 { font } else { 0.0 },
            h: row_h,
        };
        let n = cx.shape(
            1 + 2 * i,
            format_args!("{} {}", s.code, s.name_zh),
            TextStyle::line(font, false),
        );
        let c = cx.shape(
            2 + 2 * i,
            format_args!("{} 人", s.waiting),
            TextStyle::line(font, true),
        );
        cx.place(
            Layer::Screen,
            1 + 2 * i,
            cell.x,
            cell.y + (cell.h - n.h) / 2.0,
            cell,
            zone.color,
        );
        cx.place(
            Layer::Screen,
            2 + 2 * i,
            cell.right() - c.w,
            cell.y + (cell.h - c.h) / 2.0,
            cell,
            zone.accent,
        );
    }
}
