//! The adapter from linli-content (items and layouts, read from a folder or
//! fetched from the host as its JSON index) to what the player draws.

use std::path::Path;

use linli_content::{Index, Kind, Timestamp};

use crate::color::Rgba;
use crate::layout::{Layout, Zone, ZoneKind};
use crate::markdown;
use crate::scene::{Alert, CarouselItem};

/// What of the content shows on a screen now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScreenContent {
    pub ticker: Vec<String>,
    pub carousel: Vec<CarouselItem>,
    pub alert: Option<Alert>,
}

/// Picks the live items for `screen` at `now`. `assets` is the folder image
/// paths are relative to; without one (a host whose images are not cached)
/// image items show their caption.
pub fn screen_content(
    index: &Index,
    now: Timestamp,
    screen: &str,
    assets: Option<&Path>,
) -> ScreenContent {
    let ticker = index
        .ticker_lines(now, screen)
        .into_iter()
        .map(str::to_string)
        .collect();
    let carousel = index
        .live_in_zone(now, screen, ZoneKind::Carousel)
        .into_iter()
        .filter(|i| i.kind != Kind::Alert)
        .map(|i| {
            let image = i
                .image
                .as_ref()
                .and_then(|img| assets.map(|dir| dir.join(&img.path)));
            let body = match (&i.caption, i.kind) {
                (Some(c), Kind::Image) => c.clone(),
                _ => markdown::to_plain(&i.body),
            };
            CarouselItem {
                title: i.title.clone(),
                body,
                image,
                duration_s: i.duration as f32,
            }
        })
        .collect();
    let alert = index.alert_at(now, screen).map(|i| Alert {
        title: i.title.clone(),
        body: markdown::to_plain(&i.body),
    });
    ScreenContent {
        ticker,
        carousel,
        alert,
    }
}

/// The layout a screen uses: the first of `ids` the content has (the
/// configured id, the screen's name, the built-in orientation), else the only one.
pub fn pick_layout<'a>(index: &'a Index, ids: &[&str]) -> Option<&'a linli_content::Layout> {
    ids.iter().find_map(|id| index.layout(id)).or_else(|| {
        if index.layouts.len() == 1 {
            index.layouts.values().next()
        } else {
            None
        }
    })
}

/// Converts a content layout; zone options the player knows (`url`, `text`,
/// `rows`, `accent`, `flash_s`, `speed`, `voice`, `speaker_zone`, `speaker`) are read,
/// others ignored.
pub fn convert_layout(l: &linli_content::Layout) -> Layout {
    let rgb = |c: linli_content::Color| Rgba::rgb(c.r, c.g, c.b);
    let mut voice = true;
    let mut speaker_zone = None;
    let mut speaker = None;
    let zones = l
        .zones
        .iter()
        .map(|z| {
            let opt_str = |k: &str| {
                z.options
                    .get(k)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let opt_f32 = |k: &str| z.options.get(k).and_then(|v| v.as_f64()).map(|v| v as f32);
            if let Some(v) = z.options.get("voice").and_then(|v| v.as_bool()) {
                voice = v;
            }
            if let Some(s) = opt_str("speaker_zone") {
                speaker_zone = Some(s);
            }
            if let Some(s) = opt_str("speaker").filter(|s| !s.trim().is_empty()) {
                speaker = Some(s.trim().to_string());
            }
            let kind = z.kind;
            let text = opt_str("url")
                .or_else(|| opt_str("text"))
                .or_else(|| opt_str("title"))
                .unwrap_or_else(|| {
                    if kind == ZoneKind::Title {
                        l.name.clone()
                    } else {
                        String::new()
                    }
                });
            Zone {
                kind,
                x: z.x,
                y: z.y,
                w: z.w,
                h: z.h,
                font: if z.font_size > 0.0 { z.font_size } else { 0.04 },
                color: rgb(z.color),
                background: z.background.map(rgb),
                accent: opt_str("accent")
                    .and_then(|s| Rgba::parse(&s))
                    .unwrap_or(Rgba::rgb(0xff, 0xc8, 0x3d)),
                text,
                label: opt_str("label").unwrap_or_default(),
                format: opt_str("format").unwrap_or_default(),
                services: z
                    .options
                    .get("services")
                    .and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                count: z
                    .options
                    .get("rows")
                    .and_then(|v| v.as_u64())
                    .map(|v| v as usize)
                    .unwrap_or(4),
                flash_s: opt_f32("flash_s").unwrap_or(6.0),
                speed: opt_f32("speed").unwrap_or(0.12),
                // A window number may be written as a number or a string.
                window: z
                    .options
                    .get("window")
                    .map(|v| match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .unwrap_or_default(),
                show_clerk: z
                    .options
                    .get("show_clerk")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
            }
        })
        .collect();
    Layout {
        name: l.id.clone(),
        background: rgb(l.background),
        voice,
        speaker_zone,
        speaker,
        zones,
    }
}
