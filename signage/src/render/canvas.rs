//! What zone code draws into: rectangles, placed text slots and pictures in two
//! layers (the screen, and overlays such as the alert above it). The lists are
//! cleared, never dropped, between frames.

use std::fmt;

use glyphon::FontSystem;

use super::quads::QuadInstance;
use super::text::{Extent, TextPool, TextStyle};
use crate::color::Rgba;
use crate::layout::Rect;

/// The screen, and everything above it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    Screen = 0,
    Overlay = 1,
}

/// A shaped text slot placed on screen.
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    pub pool: usize,
    pub slot: usize,
    pub left: f32,
    pub top: f32,
    pub clip: Rect,
    pub color: Rgba,
}

/// What a picture draw refers to, resolved against the scene at render time
/// so a frame never clones a path.
#[derive(Clone, Copy, Debug)]
pub enum PictureRef {
    CarouselItem(usize),
    QrZone(usize),
    /// A strip the renderer paints once and keeps (`DrawList::strips[i]`).
    Strip(usize),
}

/// Text painted once onto its own opaque texture, then shown by moving that
/// texture: the ticker's line, which would otherwise rasterise every glyph
/// again each frame only to move it a few pixels, and a carousel page, whose
/// slide would repaint the whole zone every frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Strip {
    /// The zone (text pool) whose slots are painted on it.
    pub pool: usize,
    /// Which of the zone's strips: a zone may show several at once.
    pub id: usize,
    /// Size in pixels.
    pub width: u32,
    pub height: u32,
    /// The text slots painted on it, in order.
    pub texts: [Option<StripText>; 2],
    pub background: Rgba,
}

/// One text slot on a strip: where its top-left corner lies on the strip, and its colour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StripText {
    pub slot: usize,
    pub left: f32,
    pub top: f32,
    pub color: Rgba,
}

#[derive(Clone, Copy, Debug)]
pub struct PictureDraw {
    pub picture: PictureRef,
    pub rect: Rect,
    pub clip: Rect,
    pub alpha: f32,
}

/// Where one group's (zone's) draws start in each list of a [`DrawList`].
#[derive(Clone, Copy, Debug, Default)]
pub struct GroupStart {
    pub quads: [usize; 2],
    pub texts: [usize; 2],
    pub pictures: usize,
}

#[derive(Default)]
pub struct DrawList {
    pub quads: [Vec<QuadInstance>; 2],
    pub texts: [Vec<Placement>; 2],
    pub pictures: Vec<PictureDraw>,
    pub strips: Vec<Strip>,
    /// One entry per group, in drawing order: what each zone drew, for damage tracking.
    pub groups: Vec<GroupStart>,
}

impl DrawList {
    pub fn clear(&mut self) {
        for q in &mut self.quads {
            q.clear();
        }
        for t in &mut self.texts {
            t.clear();
        }
        self.pictures.clear();
        self.strips.clear();
        self.groups.clear();
    }

    /// Starts the next group: what is drawn from now on belongs to it.
    pub fn begin_group(&mut self) {
        self.groups.push(GroupStart {
            quads: [self.quads[0].len(), self.quads[1].len()],
            texts: [self.texts[0].len(), self.texts[1].len()],
            pictures: self.pictures.len(),
        });
    }

    /// Group `g`'s start and end (the next group's start, or the lists' ends).
    pub fn group(&self, g: usize) -> (GroupStart, GroupStart) {
        let end = self.groups.get(g + 1).copied().unwrap_or(GroupStart {
            quads: [self.quads[0].len(), self.quads[1].len()],
            texts: [self.texts[0].len(), self.texts[1].len()],
            pictures: self.pictures.len(),
        });
        (self.groups.get(g).copied().unwrap_or(end), end)
    }
}

/// The drawing context handed to each zone.
pub struct Canvas<'a> {
    pub fs: &'a mut FontSystem,
    pub pools: &'a mut [TextPool],
    pub list: &'a mut DrawList,
    pub width: f32,
    pub height: f32,
    /// Which pool (zone) text goes to.
    pub pool: usize,
    /// The layout's background, for zones without their own.
    pub background: Rgba,
    /// The widest texture the device takes, so a strip that would not fit is drawn as text.
    pub max_texture: u32,
}

impl Canvas<'_> {
    pub fn rect(&mut self, layer: Layer, rect: Rect, color: Rgba, radius: f32) {
        if color.0[3] == 0 || rect.w <= 0.0 || rect.h <= 0.0 {
            return;
        }
        let r = radius.min(rect.w / 2.0).min(rect.h / 2.0);
        let quads = &mut self.list.quads[layer as usize];
        if r <= 0.0 || color.0[3] < 255 {
            quads.push(QuadInstance::solid(rect, color, r));
            return;
        }
        // An opaque rounded rectangle as two flat (unblended) bands and four
        // small antialiased discs in the corners: on a software renderer,
        // blending every pixel of a large slot costs milliseconds a frame.
        // Overlaps are the same opaque colour, so they do not show.
        let bands = [
            Rect {
                x: rect.x + r,
                w: rect.w - 2.0 * r,
                ..rect
            },
            Rect {
                y: rect.y + r,
                h: rect.h - 2.0 * r,
                ..rect
            },
        ];
        for band in bands {
            if band.w > 0.0 && band.h > 0.0 {
                quads.push(QuadInstance::solid(band, color, 0.0));
            }
        }
        for (x, y) in [
            (rect.x, rect.y),
            (rect.right() - 2.0 * r, rect.y),
            (rect.x, rect.bottom() - 2.0 * r),
            (rect.right() - 2.0 * r, rect.bottom() - 2.0 * r),
        ] {
            quads.push(QuadInstance::solid(
                Rect {
                    x,
                    y,
                    w: 2.0 * r,
                    h: 2.0 * r,
                },
                color,
                r,
            ));
        }
    }

    /// Shapes (if changed) slot `slot` of the current zone and returns its size.
    pub fn shape(&mut self, slot: usize, args: fmt::Arguments<'_>, style: TextStyle) -> Extent {
        self.pools[self.pool].set(self.fs, slot, args, style)
    }

    /// Shapes one line at `style` in `slot`; if it is wider than `max_w`, shapes
    /// it again smaller in `fit_slot` so it fits. Both slots stay cached, so a
    /// steady frame shapes nothing. Returns the slot to place and its extent.
    pub fn shape_fit(
        &mut self,
        slot: usize,
        fit_slot: usize,
        args: fmt::Arguments<'_>,
        style: TextStyle,
        max_w: f32,
    ) -> (usize, Extent) {
        let e = self.shape(slot, args, style);
        if e.w <= max_w || e.w <= 0.0 {
            return (slot, e);
        }
        // Shrink in whole pixels so tiny width changes (a clock's digits) keep one size.
        let size = (style.size * max_w / e.w).floor().max(8.0);
        (
            fit_slot,
            self.shape(fit_slot, args, TextStyle { size, ..style }),
        )
    }

    /// Places an already shaped slot with its top-left corner at (left, top).
    pub fn place(
        &mut self,
        layer: Layer,
        slot: usize,
        left: f32,
        top: f32,
        clip: Rect,
        color: Rgba,
    ) {
        self.list.texts[layer as usize].push(Placement {
            pool: self.pool,
            slot,
            left,
            top,
            clip,
            color,
        });
    }

    /// Shapes and places in one go.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        layer: Layer,
        slot: usize,
        args: fmt::Arguments<'_>,
        style: TextStyle,
        left: f32,
        top: f32,
        clip: Rect,
        color: Rgba,
    ) -> Extent {
        let e = self.shape(slot, args, style);
        self.place(layer, slot, left, top, clip, color);
        e
    }

    /// Asks for `strip` (painted once, kept while it stays the same); returns its picture.
    pub fn strip(&mut self, strip: Strip) -> PictureRef {
        self.list.strips.push(strip);
        PictureRef::Strip(self.list.strips.len() - 1)
    }

    pub fn picture(&mut self, picture: PictureRef, rect: Rect, clip: Rect, alpha: f32) {
        self.list.pictures.push(PictureDraw {
            picture,
            rect,
            clip,
            alpha,
        });
    }
}
