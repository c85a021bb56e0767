//! The clock: time large, date and weekday beside it.

use chrono::{Datelike, Timelike};

use super::FrameTime;
use super::canvas::{Canvas, Layer};
use super::text::TextStyle;
use crate::layout::{Rect, Zone};

const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

pub fn draw(cx: &mut Canvas<'_>, zone: &Zone, rect: Rect, time: &FrameTime) {
    if let Some(bg) = zone.background {
        cx.rect(Layer::Screen, rect, bg, 0.0);
    }
    let font = zone.font * cx.height;
    let w = time.wall;
    // Written with integer formatting: the clock changes every second and must not allocate.
    let t = cx.shape(0, format_args!("{:02}:{:02}:{:02}", w.hour(), w.minute(), w.second()), TextStyle::line(font, true));
    let weekday = WEEKDAYS[w.weekday().num_days_from_monday() as usize];
    let d = cx.shape(
        1,
        format_args!("{}年{}月{}日 星期{}", w.year(), w.month(), w.day(), weekday),
        TextStyle::line(font * 0.5, false),
    );
    let gap = font * 0.5;
    let total = t.w + gap + d.w;
    let left = rect.x + ((rect.w - total) / 2.0).max(font * 0.2);
    cx.place(Layer::Screen, 0, left, rect.y + (rect.h - t.h) / 2.0, rect, zone.color);
    cx.place(Layer::Screen, 1, left + t.w + gap, rect.y + (rect.h - d.h) / 2.0, rect, zone.accent);
}
