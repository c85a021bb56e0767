//! Screen layouts: which zones a screen has and where, from `screens/*.toml`.
//!
//! Positions and type sizes are fractions of the screen, so one layout file
//! serves 1080p and 4K alike; portrait screens get their own file.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a zone of a screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    /// 叫号 — tickets being called and the window to go to.
    Calls,
    /// 等候人数 — how many are waiting per service.
    Waiting,
    /// 滚动字幕 — the ticker.
    Ticker,
    /// 轮播 — news, policies, procedures, notices and images in turn.
    Carousel,
    /// 时钟 — date and time.
    Clock,
    /// 二维码 — QR code to the resident portal.
    Qr,
    /// 紧急通知 — the emergency overlay.
    Alert,
    /// 标题 — the hall's name.
    Title,
    /// 窗口 — the small display above one window: its number, the ticket
    /// being served or 暂停服务, and optionally the clerk (`window`,
    /// `show_clerk` options).
    Window,
}

impl ZoneKind {
    /// Every zone kind.
    pub const ALL: [ZoneKind; 9] = [
        ZoneKind::Calls,
        ZoneKind::Waiting,
        ZoneKind::Ticker,
        ZoneKind::Carousel,
        ZoneKind::Clock,
        ZoneKind::Qr,
        ZoneKind::Alert,
        ZoneKind::Title,
        ZoneKind::Window,
    ];

    /// The name written in files (`kind = "calls"`).
    pub fn name(self) -> &'static str {
        match self {
            ZoneKind::Calls => "calls",
            ZoneKind::Waiting => "waiting",
            ZoneKind::Ticker => "ticker",
            ZoneKind::Carousel => "carousel",
            ZoneKind::Clock => "clock",
            ZoneKind::Qr => "qr",
            ZoneKind::Alert => "alert",
            ZoneKind::Title => "title",
            ZoneKind::Window => "window",
        }
    }

    /// Parses the English name or a Chinese one (`叫号`, `等候`, `字幕`,
    /// `轮播`, `时钟`, `二维码`, `紧急`, `标题`, `窗口`).
    pub fn parse(text: &str) -> Option<ZoneKind> {
        let text = text.trim().to_lowercase();
        Some(match text.as_str() {
            "calls" | "叫号" => ZoneKind::Calls,
            "waiting" | "等候" | "等候人数" => ZoneKind::Waiting,
            "ticker" | "字幕" | "滚动字幕" => ZoneKind::Ticker,
            "carousel" | "轮播" => ZoneKind::Carousel,
            "clock" | "时钟" => ZoneKind::Clock,
            "qr" | "二维码" => ZoneKind::Qr,
            "alert" | "紧急" | "紧急通知" => ZoneKind::Alert,
            "title" | "标题" => ZoneKind::Title,
            "window" | "窗口" | "窗口屏" => ZoneKind::Window,
            _ => return None,
        })
    }
}

/// Which way up the screen is meant to stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// Wider than tall (横屏), e.g. 1920×1080 or 3840×2160.
    Landscape,
    /// Taller than wide (竖屏), e.g. 1080×1920.
    Portrait,
}

/// A colour written `#rrggbb`; serialised the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Color {
    /// Red 0-255.
    pub r: u8,
    /// Green 0-255.
    pub g: u8,
    /// Blue 0-255.
    pub b: u8,
}

impl Color {
    /// Parses `#rrggbb` (or `#rgb`).
    pub fn parse(text: &str) -> Option<Color> {
        let hex = text.trim().strip_prefix('#')?;
        let digit = |i: usize, n: usize| u8::from_str_radix(hex.get(i..i + n)?, 16).ok();
        match hex.len() {
            6 => Some(Color {
                r: digit(0, 2)?,
                g: digit(2, 2)?,
                b: digit(4, 2)?,
            }),
            3 => Some(Color {
                r: digit(0, 1)? * 17,
                g: digit(1, 1)? * 17,
                b: digit(2, 1)? * 17,
            }),
            _ => None,
        }
    }

    /// Components as 0.0-1.0, the way GPU code wants them.
    pub fn to_f32(self) -> [f32; 3] {
        [
            f32::from(self.r) / 255.0,
            f32::from(self.g) / 255.0,
            f32::from(self.b) / 255.0,
        ]
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl Serialize for Color {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Color::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a #rrggbb colour: {text}")))
    }
}

/// One screen layout, loaded from `screens/NAME.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// The file name without `.toml`, e.g. `landscape`; screens pick a layout by it.
    pub id: String,
    /// A name for people, e.g. `大厅横屏`.
    pub name: String,
    /// Which way up the screen stands.
    pub orientation: Orientation,
    /// Colour behind all zones.
    pub background: Color,
    /// Default text colour.
    pub foreground: Color,
    /// The zones, drawn in this order (later on top).
    pub zones: Vec<Zone>,
    /// True when the file has since become invalid and this is the last
    /// good version.
    #[serde(default)]
    pub stale: bool,
}

/// One rectangle of a screen and what it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    /// What the zone shows.
    pub kind: ZoneKind,
    /// Left edge as a fraction of screen width (0 = left).
    pub x: f32,
    /// Top edge as a fraction of screen height (0 = top).
    pub y: f32,
    /// Width as a fraction of screen width.
    pub w: f32,
    /// Height as a fraction of screen height.
    pub h: f32,
    /// Body text height as a fraction of screen height.
    pub font_size: f32,
    /// Text colour (the layout's foreground unless set).
    pub color: Color,
    /// Fill colour, if the zone has its own.
    pub background: Option<Color>,
    /// Zone-specific settings, e.g. `url` for `qr`, `rows` for `calls`.
    pub options: serde_json::Map<String, serde_json::Value>,
}

/// A zone's rectangle in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

impl Zone {
    /// The zone's rectangle on a screen of `width`×`height` pixels.
    pub fn rect(&self, width: u32, height: u32) -> PixelRect {
        let px = |f: f32, total: u32| (f * total as f32).round().clamp(0.0, total as f32) as u32;
        PixelRect {
            x: px(self.x, width),
            y: px(self.y, height),
            w: px(self.w, width),
            h: px(self.h, height),
        }
    }

    /// Body text height in pixels on a screen `height` pixels tall.
    pub fn font_px(&self, height: u32) -> f32 {
        self.font_size * height as f32
    }
}

impl Layout {
    /// The first zone of a kind, if the layout has one.
    pub fn zone(&self, kind: ZoneKind) -> Option<&Zone> {
        self.zones.iter().find(|z| z.kind == kind)
    }

    /// Where emergency alerts go: the `alert` zone, or else the whole screen,
    /// since an alert must show even on a layout that forgot to place it.
    pub fn alert_zone(&self) -> Zone {
        self.zone(ZoneKind::Alert).cloned().unwrap_or_else(|| Zone {
            kind: ZoneKind::Alert,
            x: 0.0,
            y: 0.0,
            w: 1.0,
            h: 1.0,
            font_size: 0.06,
            color: Color {
                r: 255,
                g: 255,
                b: 255,
            },
            background: Some(Color {
                r: 0xb0,
                g: 0x10,
                b: 0x10,
            }),
            options: serde_json::Map::new(),
        })
    }
}
