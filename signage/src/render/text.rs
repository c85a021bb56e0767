//! Shaped text that stays shaped: each zone owns a pool of slots, and a slot
//! is re-shaped only when its text or style changes. Text is written through
//! one reused scratch string so a steady frame allocates nothing.

use std::fmt::{self, Write};

use glyphon::{Attrs, Buffer, Family, FontSystem, Metrics, Shaping, Weight, Wrap};

/// How a piece of text is set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextStyle {
    /// Font size in pixels.
    pub size: f32,
    pub bold: bool,
    /// Wrap inside this width; `None` keeps one line.
    pub wrap_width: Option<f32>,
    /// Stop laying out lines beyond this height.
    pub max_height: Option<f32>,
}

impl TextStyle {
    pub fn line(size: f32, bold: bool) -> TextStyle {
        TextStyle {
            size,
            bold,
            wrap_width: None,
            max_height: None,
        }
    }
    pub fn wrapped(size: f32, bold: bool, width: f32, height: f32) -> TextStyle {
        TextStyle {
            size,
            bold,
            wrap_width: Some(width),
            max_height: Some(height),
        }
    }
}

/// Size of shaped text in pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Extent {
    pub w: f32,
    pub h: f32,
}

pub struct Slot {
    pub buffer: Buffer,
    text: String,
    style: Option<TextStyle>,
    extent: Extent,
    /// Bumped each time the slot is shaped, so damage tracking sees new text in an old place.
    pub revision: u64,
}

/// The text slots of one zone.
#[derive(Default)]
pub struct TextPool {
    pub slots: Vec<Slot>,
    scratch: String,
    /// How many times any slot was shaped, so tests can prove steady frames do not re-shape.
    pub shaped: u64,
}

impl TextPool {
    /// Makes slot `index` hold `args` in `style` and returns its extent,
    /// shaping only if either changed since the last frame.
    pub fn set(
        &mut self,
        fs: &mut FontSystem,
        index: usize,
        args: fmt::Arguments<'_>,
        style: TextStyle,
    ) -> Extent {
        self.scratch.clear();
        // Writing into a String cannot fail.
        let _ = self.scratch.write_fmt(args);
        while self.slots.len() <= index {
            let buffer = Buffer::new(fs, Metrics::new(style.size, style.size * 1.25));
            self.slots.push(Slot {
                buffer,
                text: String::new(),
                style: None,
                extent: Extent::default(),
                revision: 0,
            });
        }
        let slot = &mut self.slots[index];
        if slot.style == Some(style) && slot.text == self.scratch {
            return slot.extent;
        }
        slot.text.clear();
        slot.text.push_str(&self.scratch);
        slot.style = Some(style);
        slot.extent = shape(fs, &mut slot.buffer, &slot.text, style);
        slot.revision += 1;
        self.shaped += 1;
        slot.extent
    }
}

fn shape(fs: &mut FontSystem, buffer: &mut Buffer, text: &str, style: TextStyle) -> Extent {
    let line_height = if style.wrap_width.is_some() {
        style.size * 1.4
    } else {
        style.size * 1.2
    };
    buffer.set_metrics(Metrics::new(style.size, line_height));
    buffer.set_wrap(if style.wrap_width.is_some() {
        Wrap::WordOrGlyph
    } else {
        Wrap::None
    });
    buffer.set_size(style.wrap_width, style.max_height);
    let weight = if style.bold {
        Weight::BOLD
    } else {
        Weight::NORMAL
    };
    let attrs = Attrs::new().family(Family::SansSerif).weight(weight);
    // Advanced shaping: CJK punctuation, Latin kerning and fallback between fonts.
    buffer.set_text(text, &attrs, Shaping::Advanced, None);
    buffer.shape_until_scroll(fs, false);
    let mut extent = Extent::default();
    for run in buffer.layout_runs() {
        extent.w = extent.w.max(run.line_w);
        extent.h = extent.h.max(run.line_top + run.line_height);
    }
    extent
}
