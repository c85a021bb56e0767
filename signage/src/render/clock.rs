//! The clock: time large, date and weekday beside it.

use std::fmt;

use chrono::{Datelike, NaiveDateTime, Timelike};

use super::FrameTime;
use super::canvas::{Canvas, Layer};
use super::text::TextStyle;
use crate::layout::{Rect, Zone};

const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

/// A layout's clock format applied to a time, written without allocating;
/// weekdays are Chinese (%A 星期一, %a 周一) whatever the machine's locale.
pub struct Formatted<'a> {
    pub format: &'a str,
    pub wall: NaiveDateTime,
}

impl fmt::Display for Formatted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self.wall;
        let weekday = WEEKDAYS[w.weekday().num_days_from_monday() as usize];
        let mut chars = self.format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                write!(f, "{c}")?;
                continue;
            }
            match chars.next() {
                Some('Y') => write!(f, "{}", w.year())?,
                Some('m') => write!(f, "{:02}", w.month())?,
                Some('d') => write!(f, "{:02}", w.day())?,
                Some('e') => write!(f, "{}", w.day())?,
                Some('H') => write!(f, "{:02}", w.hour())?,
                Some('M') => write!(f, "{:02}", w.minute())?,
                Some('S') => write!(f, "{:02}", w.second())?,
                Some('A') => write!(f, "星期{weekday}")?,
                Some('a') => write!(f, "周{weekday}")?,
                Some('%') => f.write_str("%")?,
                Some(other) => write!(f, "%{other}")?,
                None => f.write_str("%")?,
            }
        }
        Ok(())
    }
}

pub fn draw(cx: &mut Canvas<'_>, zone: &Zone, rect: Rect, time: &FrameTime) {
    if let Some(bg) = zone.background {
        cx.rect(Layer::Screen, rect, bg, 0.0);
    }
    let font = zone.font * cx.height;
    let w = time.wall;
    if !zone.format.is_empty() {
        let args = format_args!(
            "{}",
            Formatted {
                format: &zone.format,
                wall: w
            }
        );
        let (slot, e) = cx.shape_fit(0, 2, args, TextStyle::line(font, true), rect.w * 0.94);
        cx.place(
            Layer::Screen,
            slot,
            rect.x + ((rect.w - e.w) / 2.0).max(0.0),
            rect.y + (rect.h - e.h) / 2.0,
            rect,
            zone.color,
        );
        return;
    }
    // Written with integer formatting: the clock changes every second and must not allocate.
    let t = cx.shape(
        0,
        format_args!("{:02}:{:02}:{:02}", w.hour(), w.minute(), w.second()),
        TextStyle::line(font, true),
    );
    let weekday = WEEKDAYS[w.weekday().num_days_from_monday() as usize];
    let d = cx.shape(
        1,
        format_args!("{}年{}月{}日 星期{}", w.year(), w.month(), w.day(), weekday),
        TextStyle::line(font * 0.5, false),
    );
    let gap = font * 0.5;
    let total = t.w + gap + d.w;
    let left = rect.x + ((rect.w - total) / 2.0).max(font * 0.2);
    cx.place(
        Layer::Screen,
        0,
        left,
        rect.y + (rect.h - t.h) / 2.0,
        rect,
        zone.color,
    );
    cx.place(
        Layer::Screen,
        1,
        left + t.w + gap,
        rect.y + (rect.h - d.h) / 2.0,
        rect,
        zone.accent,
    );
}

#[cfg(test)]
mod tests {
    use super::Formatted;

    #[test]
    fn formats_in_chinese() {
        let wall = chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .and_then(|d| d.and_hms_opt(9, 5, 7))
            .expect("date");
        let s = Formatted {
            format: "%m月%d日 %A %H:%M",
            wall,
        }
        .to_string();
        assert_eq!(s, "11月28日 星期六 09:05");
        assert_eq!(
            Formatted {
                format: "%a %S%%",
                wall
            }
            .to_string(),
            "周六 07%"
        );
    }
}
