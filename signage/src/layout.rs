//! A screen's layout: zones placed by fractions of the screen, so one layout
//! is correct at any resolution and DPI.

use serde::Deserialize;

use crate::color::Rgba;

/// What a zone shows: the content format's zone kinds, one definition.
pub use linli_content::ZoneKind;

/// A rectangle of the screen and how to draw its content.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub kind: ZoneKind,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    /// Main font size as a fraction of the screen height.
    #[serde(default = "default_font")]
    pub font: f32,
    #[serde(default = "default_color")]
    pub color: Rgba,
    #[serde(default)]
    pub background: Option<Rgba>,
    /// Highlight colour: the flashing call, the clock's date, headings.
    #[serde(default = "default_accent")]
    pub accent: Rgba,
    /// Fixed text: the title, the QR code's link, a heading.
    #[serde(default)]
    pub text: String,
    /// A caption: the QR code's label.
    #[serde(default)]
    pub label: String,
    /// Clock: strftime-like format (%Y %m %d %H %M %S, %A 星期一, %a 周一); empty for time and date.
    #[serde(default)]
    pub format: String,
    /// Waiting board: only these service codes, in this order (empty: all).
    #[serde(default)]
    pub services: Vec<String>,
    /// Calls board: how many earlier calls stay listed under the main slot.
    #[serde(default = "default_count")]
    pub count: usize,
    /// Calls board: seconds a new call flashes.
    #[serde(default = "default_flash")]
    pub flash_s: f32,
    /// Ticker: scroll speed in screen heights per second.
    #[serde(default = "default_speed")]
    pub speed: f32,
    /// Window display: the window it stands above ("" — taken from the
    /// screen's name, e.g. `window-3`).
    #[serde(default)]
    pub window: String,
    /// Window display: show the clerk's name and staff number (a hall's choice).
    #[serde(default)]
    pub show_clerk: bool,
}

fn default_font() -> f32 {
    0.04
}
fn default_color() -> Rgba {
    Rgba::WHITE
}
fn default_accent() -> Rgba {
    Rgba::rgb(0xff, 0xc8, 0x3d)
}
fn default_count() -> usize {
    4
}
fn default_flash() -> f32 {
    6.0
}
fn default_speed() -> f32 {
    0.12
}

/// A whole screen.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    #[serde(default)]
    pub name: String,
    #[serde(default = "default_background")]
    pub background: Rgba,
    /// Announce calls on this screen's speakers.
    #[serde(default = "default_true")]
    pub voice: bool,
    /// Screens sharing speakers share a zone so their announcements queue.
    #[serde(default)]
    pub speaker_zone: Option<String>,
    #[serde(rename = "zone", default)]
    pub zones: Vec<Zone>,
}

fn default_background() -> Rgba {
    Rgba::rgb(0x0b, 0x1d, 0x33)
}
fn default_true() -> bool {
    true
}

/// A zone's rectangle in pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub fn right(&self) -> f32 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }
    /// Shrinks by `m` pixels on every side.
    pub fn inset(&self, m: f32) -> Rect {
        Rect {
            x: self.x + m,
            y: self.y + m,
            w: (self.w - 2.0 * m).max(0.0),
            h: (self.h - 2.0 * m).max(0.0),
        }
    }
}

impl Zone {
    pub fn rect(&self, width: f32, height: f32) -> Rect {
        Rect {
            x: self.x * width,
            y: self.y * height,
            w: self.w * width,
            h: self.h * height,
        }
    }
}

/// Layout errors name the file and the reason, so a broken layout is found fast.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("layout {0}: {1}")]
    Parse(String, toml::de::Error),
    #[error("layout {name}: zone {index} ({kind:?}) lies outside the screen")]
    OutOfScreen {
        name: String,
        index: usize,
        kind: ZoneKind,
    },
}

impl Layout {
    pub fn from_toml(name: &str, text: &str) -> Result<Layout, LayoutError> {
        let mut layout: Layout =
            toml::from_str(text).map_err(|e| LayoutError::Parse(name.to_string(), e))?;
        if layout.name.is_empty() {
            layout.name = name.to_string();
        }
        for (index, z) in layout.zones.iter().enumerate() {
            let inside = |v: f32| (-0.001..=1.001).contains(&v);
            if !(inside(z.x) && inside(z.y) && inside(z.x + z.w) && inside(z.y + z.h)) {
                return Err(LayoutError::OutOfScreen {
                    name: layout.name.clone(),
                    index,
                    kind: z.kind,
                });
            }
        }
        Ok(layout)
    }

    /// A 16:9 hall screen: calls on the left, notices on the right.
    pub fn builtin_landscape() -> Layout {
        Self::builtin(include_str!("../layouts/landscape.toml"), "landscape")
    }

    /// A 9:16 screen beside a door or a window.
    pub fn builtin_portrait() -> Layout {
        Self::builtin(include_str!("../layouts/portrait.toml"), "portrait")
    }

    fn builtin(text: &str, name: &str) -> Layout {
        // The built-in layouts are checked by a unit test, so a parse failure
        // here is a build defect; fall back to an empty screen rather than panic.
        Self::from_toml(name, text).unwrap_or_else(|_| Layout {
            name: name.to_string(),
            background: default_background(),
            voice: true,
            speaker_zone: None,
            zones: Vec::new(),
        })
    }

    pub fn zone(&self, kind: ZoneKind) -> Option<&Zone> {
        self.zones.iter().find(|z| z.kind == kind)
    }

    /// The window this layout's window display stands above: its zone's
    /// `window` option, else the trailing number of the screen's name
    /// (`window-3`, `窗口3`). None: not a window display.
    pub fn own_window(&self, screen: &str) -> Option<String> {
        let zone = self.zone(ZoneKind::Window)?;
        if !zone.window.trim().is_empty() {
            return Some(zone.window.trim().to_string());
        }
        let digits: String = screen
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        (!digits.is_empty()).then(|| digits.trim_start_matches('0').to_string())
            .map(|d| if d.is_empty() { "0".to_string() } else { d })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_layouts_parse() {
        for text in [
            include_str!("../layouts/landscape.toml"),
            include_str!("../layouts/portrait.toml"),
        ] {
            let layout = Layout::from_toml("builtin", text).expect("builtin layout parses");
            assert!(layout.zone(ZoneKind::Calls).is_some());
            assert!(layout.zone(ZoneKind::Ticker).is_some());
        }
    }

    #[test]
    fn rejects_zone_outside_screen() {
        let text = "[[zone]]\nkind = \"calls\"\nx = 0.5\ny = 0\nw = 0.8\nh = 1\n";
        assert!(matches!(
            Layout::from_toml("t", text),
            Err(LayoutError::OutOfScreen { .. })
        ));
    }

    #[test]
    fn rejects_unknown_keys() {
        let text = "[[zone]]\nkind = \"calls\"\nx = 0\ny = 0\nw = 1\nh = 1\nfnot = 3\n";
        assert!(Layout::from_toml("t", text).is_err());
    }
}
