//! The small offline mark: the screen still shows the last content and calls,
//! staff can see at a glance that it is not live.

use super::canvas::{Canvas, Layer};
use super::text::TextStyle;
use crate::color::Rgba;
use crate::layout::Rect;
use crate::scene::Scene;

pub fn draw(cx: &mut Canvas<'_>, scene: &Scene) {
    if !scene.offline {
        return;
    }
    let font = (cx.height * 0.018).max(10.0);
    let e = cx.shape(
        0,
        format_args!("离线 offline"),
        TextStyle::line(font, false),
    );
    let pad = font * 0.5;
    let dot = font * 0.6;
    let w = pad * 3.0 + dot + e.w;
    let h = e.h + pad;
    let bx = Rect {
        x: cx.width - w - pad,
        y: pad,
        w,
        h,
    };
    cx.rect(Layer::Overlay, bx, Rgba([30, 30, 30, 200]), h / 2.0);
    cx.rect(
        Layer::Overlay,
        Rect {
            x: bx.x + pad,
            y: bx.y + (h - dot) / 2.0,
            w: dot,
            h: dot,
        },
        Rgba::rgb(0xff, 0x98, 0x00),
        dot / 2.0,
    );
    cx.place(
        Layer::Overlay,
        0,
        bx.x + pad * 2.0 + dot,
        bx.y + pad / 2.0,
        bx,
        Rgba::rgb(230, 230, 230),
    );
}
