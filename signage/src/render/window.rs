//! The window display (窗口屏): the small screen above one window. Its
//! number across the top, the ticket being served large in the middle (or a
//! red 暂停服务 band while the window is paused), and, when the hall wants
//! it, the clerk's name and staff number along the bottom.

use super::canvas::{Canvas, Layer};
use super::text::TextStyle;
use crate::color::Rgba;
use crate::layout::{Rect, Zone};
use crate::scene::Scene;

const NUMBER: usize = 0;
const NUMBER_FIT: usize = 1;
const MAIN: usize = 2;
const MAIN_FIT: usize = 3;
const CAPTION: usize = 4;
const CLERK: usize = 5;
const CLERK_FIT: usize = 6;

/// The paused band: red, so it reads as "not here" from across the hall.
pub const PAUSED_RED: Rgba = Rgba::rgb(0xc6, 0x28, 0x28);

pub fn draw(cx: &mut Canvas<'_>, zone: &Zone, rect: Rect, scene: &Scene) {
    if let Some(bg) = zone.background {
        cx.rect(Layer::Screen, rect, bg, 0.0);
    }
    let counter = &scene.counter;
    let window = if counter.window.is_empty() {
        zone.window.as_str()
    } else {
        counter.window.as_str()
    };
    let pad = (rect.w.min(rect.h) * 0.04).max(4.0);
    let inner = rect.inset(pad);
    let show_clerk = zone.show_clerk && counter.clerk.is_some();
    // Top quarter: the window's number; middle: the ticket; bottom fifth: the clerk.
    let top = Rect {
        h: inner.h * 0.24,
        ..inner
    };
    let bottom_h = if show_clerk { inner.h * 0.2 } else { 0.0 };
    let middle = Rect {
        x: inner.x,
        y: top.bottom() + pad * 0.5,
        w: inner.w,
        h: inner.bottom() - top.bottom() - pad * 0.5 - bottom_h,
    };

    let (slot, e) = cx.shape_fit(
        NUMBER,
        NUMBER_FIT,
        format_args!("{window} 号窗口  Window {window}"),
        TextStyle::line(top.h * 0.7, true),
        top.w,
    );
    cx.place(
        Layer::Screen,
        slot,
        top.x + (top.w - e.w) / 2.0,
        top.y + (top.h - e.h) / 2.0,
        top,
        zone.color,
    );

    if counter.paused {
        cx.rect(Layer::Screen, middle, PAUSED_RED, pad * 0.5);
        let (slot, e) = cx.shape_fit(
            MAIN,
            MAIN_FIT,
            format_args!("暂停服务"),
            TextStyle::line(middle.h * 0.5, true),
            middle.w - 2.0 * pad,
        );
        let c = cx.shape(
            CAPTION,
            format_args!("Service paused"),
            TextStyle::line((middle.h * 0.16).max(10.0), false),
        );
        let y = middle.y + (middle.h - e.h - c.h) / 2.0;
        cx.place(Layer::Screen, slot, middle.x + (middle.w - e.w) / 2.0, y, middle, Rgba::WHITE);
        cx.place(Layer::Screen, CAPTION, middle.x + (middle.w - c.w) / 2.0, y + e.h, middle, Rgba::WHITE);
    } else if let Some(ticket) = &counter.serving {
        let (slot, e) = cx.shape_fit(
            MAIN,
            MAIN_FIT,
            format_args!("{ticket}"),
            TextStyle::line(middle.h * 0.6, true),
            middle.w - 2.0 * pad,
        );
        let c = cx.shape(
            CAPTION,
            format_args!("正在办理  Now serving"),
            TextStyle::line((middle.h * 0.14).max(10.0), false),
        );
        let y = middle.y + (middle.h - e.h - c.h) / 2.0;
        cx.place(Layer::Screen, CAPTION, middle.x + (middle.w - c.w) / 2.0, y, middle, zone.color);
        cx.place(Layer::Screen, slot, middle.x + (middle.w - e.w) / 2.0, y + c.h, middle, zone.accent);
    } else {
        let e = cx.shape(
            CAPTION,
            format_args!("请留意叫号  Please wait for your number"),
            TextStyle::line((middle.h * 0.14).max(10.0), false),
        );
        cx.place(
            Layer::Screen,
            CAPTION,
            middle.x + (middle.w - e.w) / 2.0,
            middle.y + (middle.h - e.h) / 2.0,
            middle,
            zone.color.with_alpha(140),
        );
    }

    if show_clerk && let Some(clerk) = &counter.clerk {
        let bottom = Rect {
            x: inner.x,
            y: inner.bottom() - bottom_h,
            w: inner.w,
            h: bottom_h,
        };
        let (slot, e) = cx.shape_fit(
            CLERK,
            CLERK_FIT,
            format_args!("工作人员 {}  工号 {}", clerk.name, clerk.number),
            TextStyle::line(bottom.h * 0.6, false),
            bottom.w,
        );
        cx.place(
            Layer::Screen,
            slot,
            bottom.x + (bottom.w - e.w) / 2.0,
            bottom.y + (bottom.h - e.h) / 2.0,
            bottom,
            zone.color,
        );
    }
}
