//! A screen's layout as the renderer draws it: zones placed by fractions of
//! the screen, so one layout is correct at any resolution and DPI.
//!
//! There is one layout format, `content/screens/*.toml`, read by
//! `linli-content`; these types are the player's drawing form of it
//! ([`crate::content::convert_layout`]), never parsed from a file of their
//! own. The built-in layouts (`layouts/*.toml`) are written in that format.

use crate::color::Rgba;

/// What a zone shows: the content format's zone kinds, one definition.
pub use linli_content::ZoneKind;

/// A rectangle of the screen and how to draw its content.
#[derive(Clone, Debug)]
pub struct Zone {
    pub kind: ZoneKind,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    /// Main font size as a fraction of the screen height.
    pub font: f32,
    pub color: Rgba,
    pub background: Option<Rgba>,
    /// Highlight colour: the flashing call, the clock's date, headings.
    pub accent: Rgba,
    /// Fixed text: the title, the QR code's link, a heading.
    pub text: String,
    /// A caption: the QR code's label.
    pub label: String,
    /// Clock: strftime-like format (%Y %m %d %H %M %S, %A 星期一, %a 周一); empty for time and date.
    pub format: String,
    /// Waiting board: only these service codes, in this order (empty: all).
    pub services: Vec<String>,
    /// Calls board: how many earlier calls stay listed under the main slot.
    pub count: usize,
    /// Calls board: seconds a new call flashes.
    pub flash_s: f32,
    /// Ticker: scroll speed in screen heights per second.
    pub speed: f32,
    /// Window display: the window it stands above ("" — taken from the
    /// screen's name, e.g. `window-3`).
    pub window: String,
    /// Window display: show the clerk's name and staff number (a hall's choice).
    pub show_clerk: bool,
}

/// A whole screen.
#[derive(Clone, Debug)]
pub struct Layout {
    pub name: String,
    pub background: Rgba,
    /// Announce calls on this screen's speakers.
    pub voice: bool,
    /// Screens sharing speakers share a zone so their announcements queue.
    pub speaker_zone: Option<String>,
    /// The one screen (by `--screen` name) that reads calls aloud for this
    /// layout's speaker zone; the others only show them, so two screens
    /// never speak at once. None: every screen with this layout speaks
    /// (one screen per zone, as before).
    pub speaker: Option<String>,
    pub zones: Vec<Zone>,
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

impl Layout {
    /// A 16:9 hall screen: calls on the left, notices on the right.
    pub fn builtin_landscape() -> Layout {
        Self::builtin(include_str!("../layouts/landscape.toml"), "landscape")
    }

    /// A 9:16 screen beside a door or a window.
    pub fn builtin_portrait() -> Layout {
        Self::builtin(include_str!("../layouts/portrait.toml"), "portrait")
    }

    /// Reads a built-in layout with the content format's own parser.
    fn builtin(text: &str, name: &str) -> Layout {
        // The built-in layouts are checked by a unit test, so a parse failure
        // here is a build defect; fall back to an empty screen rather than panic.
        match Self::parse_builtin(text, name) {
            Ok(layout) => layout,
            Err(_) => Layout {
                name: name.to_string(),
                background: Rgba::rgb(0x0b, 0x1d, 0x33),
                voice: true,
                speaker_zone: None,
                speaker: None,
                zones: Vec::new(),
            },
        }
    }

    fn parse_builtin(text: &str, name: &str) -> Result<Layout, Vec<linli_content::ContentError>> {
        let parsed = linli_content::Layout::parse(&format!("layouts/{name}.toml"), text)?;
        Ok(crate::content::convert_layout(&parsed))
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
    fn builtin_layouts_parse_in_the_content_format() {
        for (name, text) in [
            ("landscape", include_str!("../layouts/landscape.toml")),
            ("portrait", include_str!("../layouts/portrait.toml")),
        ] {
            let layout = Layout::parse_builtin(text, name)
                .unwrap_or_else(|e| panic!("built-in layout {name}: {e:?}"));
            assert_eq!(layout.name, name);
            assert!(layout.zone(ZoneKind::Calls).is_some());
            assert!(layout.zone(ZoneKind::Ticker).is_some());
        }
    }

    #[test]
    fn the_players_old_dialect_is_refused() {
        // `[[zone]]` with `font` was the player's own format; only the
        // content format's `[[zones]]` / `font_size` is read now.
        let text = "[[zone]]\nkind = \"calls\"\nx = 0\ny = 0\nw = 1\nh = 1\nfont = 0.05\n";
        assert!(Layout::parse_builtin(text, "old").is_err());
    }
}
