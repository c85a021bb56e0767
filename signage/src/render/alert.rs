//! The emergency alert: above everything else, until it is withdrawn.

use super::FrameTime;
use super::canvas::{Canvas, Layer};
use super::text::TextStyle;
use crate::color::Rgba;
use crate::layout::{Rect, Zone, ZoneKind};
use crate::scene::Scene;

const ALERT_RED: Rgba = Rgba::rgb(0xb7, 0x1c, 0x1c);

/// The alert zone used when a layout has none: the whole screen.
pub fn default_zone() -> Zone {
    Zone {
        kind: ZoneKind::Alert,
        x: 0.0,
        y: 0.0,
        w: 1.0,
        h: 1.0,
        font: 0.07,
        color: Rgba::WHITE,
        background: Some(ALERT_RED),
        accent: Rgba::rgb(0xff, 0xeb, 0x3b),
        text: String::new(),
        label: String::new(),
        format: String::new(),
        services: Vec::new(),
        count: 0,
        flash_s: 0.0,
        speed: 0.0,
        window: String::new(),
        show_clerk: false,
    }
}

pub fn draw(cx: &mut Canvas<'_>, zone: &Zone, rect: Rect, scene: &Scene, time: &FrameTime) {
    let Some(alert) = &scene.alert else { return };
    let bg = zone.background.unwrap_or(ALERT_RED).with_alpha(255);
    cx.rect(Layer::Overlay, rect, bg, 0.0);
    // A pulsing band top and bottom draws the eye without making text hard to read.
    let pulse = (0.5 + 0.5 * (time.t * std::f64::consts::TAU).sin()) as f32;
    let band = Rect {
        h: rect.h * 0.03,
        ..rect
    };
    let band_color = bg.mix(zone.accent, 0.4 + 0.6 * pulse);
    cx.rect(Layer::Overlay, band, band_color, 0.0);
    cx.rect(
        Layer::Overlay,
        Rect {
            y: rect.bottom() - band.h,
            ..band
        },
        band_color,
        0.0,
    );

    let font = zone.font * cx.height;
    let inner = rect.inset(rect.w.min(rect.h) * 0.08);
    let title = cx.shape(
        0,
        format_args!("⚠ {}", alert.title),
        TextStyle::wrapped(font, true, inner.w, inner.h * 0.4),
    );
    let body = cx.shape(
        1,
        format_args!("{}", alert.body),
        TextStyle::wrapped(font * 0.55, false, inner.w, inner.h * 0.55),
    );
    let top = inner.y + ((inner.h - title.h - body.h - font * 0.5) / 2.0).max(0.0);
    cx.place(
        Layer::Overlay,
        0,
        inner.x + ((inner.w - title.w) / 2.0).max(0.0),
        top,
        rect,
        zone.color,
    );
    cx.place(
        Layer::Overlay,
        1,
        inner.x + ((inner.w - body.w) / 2.0).max(0.0),
        top + title.h + font * 0.5,
        rect,
        zone.color,
    );
}
