//! The calls board: the newest call large in the main slot (flashing for a few
//! seconds after it arrives), the calls before it listed with their windows.

use super::FrameTime;
use super::canvas::{Canvas, Layer};
use super::text::TextStyle;
use crate::layout::{Rect, Zone};
use crate::scene::Scene;

const HEADER: usize = 0;
const TICKET: usize = 1;
const WINDOW: usize = 2;
const LIST: usize = 3;

/// How often the main slot blinks while a call is new, per second.
const FLASH_HZ: f64 = 2.0;

pub fn draw(cx: &mut Canvas<'_>, zone: &Zone, rect: Rect, scene: &Scene, time: &FrameTime) {
    if let Some(bg) = zone.background {
        cx.rect(Layer::Screen, rect, bg, 0.0);
    }
    let bg = zone.background.unwrap_or(cx.background);
    let font = zone.font * cx.height;
    let pad = (rect.w.min(rect.h) * 0.04).max(4.0);
    let inner = rect.inset(pad);

    let small = (font * 0.8).max(12.0);
    let header = cx.text(
        Layer::Screen,
        HEADER,
        format_args!("正在呼叫  Now calling"),
        TextStyle::line(small, false),
        inner.x,
        inner.y,
        rect,
        zone.accent,
    );

    // Main slot.
    let main = Rect {
        x: inner.x,
        y: inner.y + header.h + pad * 0.5,
        w: inner.w,
        h: inner.h * 0.5,
    };
    let flashing = scene.call_started_at.and_then(|at| {
        let dt = time.t - at;
        (dt >= 0.0 && dt < zone.flash_s as f64).then_some((dt * FLASH_HZ).fract() < 0.5)
    });
    let (slot_bg, ticket_color) = match flashing {
        Some(true) => (zone.accent, bg.with_alpha(255)),
        Some(false) => (bg.mix(zone.accent, 0.25).with_alpha(255), zone.accent),
        None => (bg.mix(zone.color, 0.06).with_alpha(255), zone.accent),
    };
    cx.rect(Layer::Screen, main, slot_bg, pad * 0.5);

    match scene.calls.front() {
        Some(call) => {
            // The number is sized by the slot, not the font: it is what people look for.
            let ticket_size = (main.h * 0.6).min(main.w / 3.2);
            let t = cx.shape(
                TICKET,
                format_args!("{}", call.ticket),
                TextStyle::line(ticket_size, true),
            );
            let w = cx.shape(
                WINDOW,
                format_args!(
                    "请到 {} 号窗口{}  Window {}",
                    call.window,
                    if call.recall {
                        "（再次呼叫）"
                    } else {
                        ""
                    },
                    call.window
                ),
                TextStyle::line((font * 1.1).min(ticket_size * 0.3).max(12.0), false),
            );
            let block = t.h + w.h;
            let top = main.y + (main.h - block) / 2.0;
            cx.place(
                Layer::Screen,
                TICKET,
                main.x + (main.w - t.w) / 2.0,
                top,
                main,
                ticket_color,
            );
            cx.place(
                Layer::Screen,
                WINDOW,
                main.x + (main.w - w.w) / 2.0,
                top + t.h,
                main,
                ticket_color,
            );
        }
        None => {
            let e = cx.shape(
                TICKET,
                format_args!("请留意叫号"),
                TextStyle::line(small, false),
            );
            let dim = zone.color.with_alpha(110);
            cx.place(
                Layer::Screen,
                TICKET,
                main.x + (main.w - e.w) / 2.0,
                main.y + (main.h - e.h) / 2.0,
                main,
                dim,
            );
        }
    }

    // Earlier calls, one row each.
    let list = Rect {
        x: inner.x,
        y: main.bottom() + pad * 0.5,
        w: inner.w,
        h: inner.bottom() - main.bottom() - pad * 0.5,
    };
    let rows = zone.count.max(1);
    let row_h = list.h / rows as f32;
    let row_font = (row_h * 0.55).min(font * 1.3);
    for (i, call) in scene.calls.iter().skip(1).take(zone.count).enumerate() {
        let row = Rect {
            x: list.x,
            y: list.y + i as f32 * row_h,
            w: list.w,
            h: row_h,
        };
        cx.rect(
            Layer::Screen,
            Rect {
                x: row.x,
                y: row.bottom() - 1.0,
                w: row.w,
                h: 1.0,
            },
            zone.color.with_alpha(40),
            0.0,
        );
        let t = cx.shape(
            LIST + 2 * i,
            format_args!("{}", call.ticket),
            TextStyle::line(row_font, true),
        );
        let w = cx.shape(
            LIST + 2 * i + 1,
            format_args!("{} 号窗口", call.window),
            TextStyle::line(row_font * 0.8, false),
        );
        cx.place(
            Layer::Screen,
            LIST + 2 * i,
            row.x + pad,
            row.y + (row.h - t.h) / 2.0,
            row,
            zone.color,
        );
        cx.place(
            Layer::Screen,
            LIST + 2 * i + 1,
            row.right() - w.w - pad,
            row.y + (row.h - w.h) / 2.0,
            row,
            zone.color,
        );
    }
}
