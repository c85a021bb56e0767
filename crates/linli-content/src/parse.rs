//! Turning one Markdown file into an [`Item`], or into every problem it has.

use std::path::Path;

use toml::de::DeValue;

use crate::ContentConfig;
use crate::datetime::parse_datetime;
use crate::error::{ContentError, ErrorCode, did_you_mean};
use crate::fields::{Doc, Fields};
use crate::item::{ImageFormat, ImageRef, Item, Kind};
use crate::layout::ZoneKind;
use crate::schedule::{HourRange, Schedule, parse_days};
use crate::source::read_bytes;

/// Every field an item's front matter may have.
pub(crate) const ITEM_FIELDS: &[&str] = &[
    "title",
    "kind",
    "lang",
    "valid_from",
    "valid_until",
    "schedule",
    "priority",
    "screens",
    "zones",
    "duration",
    "image",
    "caption",
    "lines",
    "service",
    "guide",
];
const SCHEDULE_FIELDS: &[&str] = &["days", "hours"];

/// Parses the text of the item file `rel` (relative to `root`).
pub(crate) fn parse_item(
    root: &Path,
    rel: &str,
    text: &str,
    cfg: &ContentConfig,
) -> Result<Item, Vec<ContentError>> {
    let (front, body) = split_front_matter(rel, text).map_err(|e| vec![e])?;
    let doc = Doc::parse(rel, front, 2, ITEM_FIELDS).map_err(|e| vec![e])?;
    let f = doc.root();
    let mut errs = Vec::new();
    f.check_unknown(ITEM_FIELDS, &mut errs);

    let kind = match f.string("kind", &mut errs) {
        Some(k) => Kind::parse(&k).or_else(|| {
            let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            let hint = did_you_mean(&k, &names)
                .unwrap_or_else(|| format!("可用 / one of: {}", names.join(", ")));
            errs.push(
                f.error(
                    "kind",
                    ErrorCode::InvalidValue,
                    format!("未知类型 `{k}`"),
                    format!("unknown kind `{k}`"),
                )
                .with_hint(hint),
            );
            None
        }),
        None if f.value("kind").is_none() => {
            errs.push(f.missing("kind").with_hint("例如 / e.g. kind = \"news\""));
            None
        }
        None => None,
    };
    let title = f.required_string("title", &mut errs);
    let lang = f
        .string("lang", &mut errs)
        .unwrap_or_else(|| "zh-CN".to_string());
    if !is_lang_tag(&lang) {
        errs.push(
            f.error(
                "lang",
                ErrorCode::InvalidValue,
                "语言标记无效",
                "not a language tag",
            )
            .with_hint("例如 / e.g. \"zh-CN\", \"en\""),
        );
    }

    let date = |key: &str, end: bool, errs: &mut Vec<ContentError>| {
        let text = f.date_text(key, errs)?;
        let t = parse_datetime(&text, cfg.utc_offset, end);
        if t.is_none() {
            errs.push(
                f.error(
                    key,
                    ErrorCode::BadDate,
                    format!("无法识别的日期 `{text}`"),
                    format!("cannot read the date `{text}`"),
                )
                .with_hint(
                    "例如 / e.g. \"2025-07-01 08:00\" 或 / or \"2025-07-01T08:00:00+08:00\"",
                ),
            );
        }
        t
    };
    let valid_from = date("valid_from", false, &mut errs);
    let valid_until = date("valid_until", true, &mut errs);
    if let (Some(a), Some(b)) = (valid_from, valid_until)
        && b <= a
    {
        errs.push(f.error(
            "valid_until",
            ErrorCode::BadDate,
            "结束时间早于开始时间",
            "valid_until is not after valid_from",
        ));
    }
    if kind == Some(Kind::Alert) && f.value("valid_until").is_none() {
        errs.push(
            f.missing("valid_until")
                .with_hint("紧急通知必须写明结束时间 / an alert must say when it ends"),
        );
    }

    let schedule = parse_schedule(&f, &mut errs);
    let priority = f
        .number("priority", -1000.0..1000.0, true, &mut errs)
        .map_or(0, |p| p as i32);
    if f.value("priority")
        .is_some_and(|v| matches!(v.get_ref(), DeValue::Float(_)))
    {
        errs.push(f.error(
            "priority",
            ErrorCode::InvalidValue,
            "应为整数",
            "must be a whole number",
        ));
    }
    let screens: Vec<String> = f
        .strings("screens", &mut errs)
        .unwrap_or_default()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let mut zones = Vec::new();
    for (z, line) in f.strings("zones", &mut errs).unwrap_or_default() {
        match ZoneKind::parse(&z) {
            Some(k) => zones.push(k),
            None => {
                let names: Vec<&str> = ZoneKind::ALL.iter().map(|k| k.name()).collect();
                let mut e = f
                    .error(
                        "zones",
                        ErrorCode::InvalidValue,
                        format!("未知区域 `{z}`"),
                        format!("unknown zone `{z}`"),
                    )
                    .at_line(line);
                e.hint = Some(
                    did_you_mean(&z, &names)
                        .unwrap_or_else(|| format!("可用 / one of: {}", names.join(", "))),
                );
                errs.push(e);
            }
        }
    }
    let duration = parse_duration(&f, &mut errs);

    let caption = f.string("caption", &mut errs);
    let image = f.string("image", &mut errs).and_then(|p| {
        match check_image(root, &p, cfg.max_image_bytes) {
            Ok(format) => Some(ImageRef { path: p, format }),
            Err((zh, en)) => {
                errs.push(f.error("image", ErrorCode::BadImage, zh, en));
                None
            }
        }
    });
    if kind == Some(Kind::Image) {
        if f.value("image").is_none() {
            errs.push(
                f.missing("image")
                    .with_hint("例如 / e.g. image = \"images/hall.jpg\""),
            );
        }
        if caption.as_deref().is_none_or(|c| c.trim().is_empty()) {
            errs.push(
                f.missing("caption")
                    .with_hint("图片需要一句说明 / an image needs a caption"),
            );
        }
    }

    let mut lines: Vec<String> = f
        .strings("lines", &mut errs)
        .unwrap_or_default()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    if kind == Some(Kind::Ticker) && lines.is_empty() {
        lines = body
            .lines()
            .map(|l| {
                l.trim()
                    .trim_start_matches(['-', '*', '+'])
                    .trim()
                    .to_string()
            })
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            errs.push(f.missing("lines").with_hint("把每条字幕写在正文的一行，或写 lines = [...] / one ticker line per body line, or lines = [...]"));
        }
    }
    let service = f.string("service", &mut errs);
    if let Some(s) = &service
        && (s.is_empty()
            || s.len() > 4
            || !s
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
    {
        errs.push(f.error(
            "service",
            ErrorCode::InvalidValue,
            "事项代码应为大写字母，例如 \"A\"",
            "a service code is capital letters, e.g. \"A\"",
        ));
    }
    let guide = f.string("guide", &mut errs);

    let (Some(kind), Some(title), true) = (kind, title, errs.is_empty()) else {
        return Err(errs);
    };
    if zones.is_empty() {
        zones.push(kind.default_zone());
    }
    Ok(Item {
        id: rel
            .strip_suffix(".md")
            .or_else(|| rel.get(..rel.len().saturating_sub(3)))
            .unwrap_or(rel)
            .to_string(),
        path: rel.to_string(),
        kind,
        title,
        lang,
        valid_from,
        valid_until,
        schedule,
        priority,
        screens,
        zones,
        duration: duration.unwrap_or_else(|| kind.default_duration()),
        body: body.trim().to_string(),
        lines,
        image,
        caption,
        service,
        guide,
        utc_offset: cfg.utc_offset,
        stale: false,
    })
}

/// Splits `+++` front matter from the body; returns (front matter, body).
fn split_front_matter<'t>(rel: &str, text: &'t str) -> Result<(&'t str, &'t str), ContentError> {
    let mut parts = text.split_inclusive('\n');
    let first = parts.next().unwrap_or("");
    if first.trim() != "+++" {
        let mut e = ContentError::new(
            rel,
            ErrorCode::Syntax,
            "文件第一行必须是 +++（前置信息开始）",
            "the first line must be +++ (start of the front matter)",
        )
        .at_line(1);
        if first.trim() == "---" {
            e = e.with_hint(
                "本格式用 +++ 和 TOML，不用 --- / this format uses +++ and TOML, not ---",
            );
        }
        return Err(e);
    }
    let start = first.len();
    let mut pos = start;
    for line in parts {
        if line.trim() == "+++" {
            return Ok((&text[start..pos], &text[pos + line.len()..]));
        }
        pos += line.len();
    }
    Err(ContentError::new(
        rel,
        ErrorCode::Syntax,
        "前置信息没有以 +++ 结束",
        "the front matter is not closed with +++",
    )
    .at_line(1))
}

fn parse_schedule(f: &Fields<'_, '_>, errs: &mut Vec<ContentError>) -> Schedule {
    let mut schedule = Schedule::default();
    let Some(table) = f.table("schedule", errs) else {
        return schedule;
    };
    let s = f.nested(table, "schedule.", f.line_of("schedule"));
    s.check_unknown(SCHEDULE_FIELDS, errs);
    for (d, line) in s.strings("days", errs).unwrap_or_default() {
        match parse_days(&d) {
            Some(days) => schedule.days.extend(days),
            None => errs.push(
                s.error(
                    "days",
                    ErrorCode::BadDate,
                    format!("无法识别的星期 `{d}`"),
                    format!("cannot read the day `{d}`"),
                )
                .at_line(line)
                .with_hint("例如 / e.g. \"周一-周五\", \"mon\", 1"),
            ),
        }
    }
    schedule.days.sort_unstable();
    schedule.days.dedup();
    for (h, line) in s.strings("hours", errs).unwrap_or_default() {
        match HourRange::parse(&h) {
            Some(r) => schedule.hours.push(r),
            None => errs.push(
                s.error(
                    "hours",
                    ErrorCode::BadDate,
                    format!("无法识别的时段 `{h}`"),
                    format!("cannot read the hours `{h}`"),
                )
                .at_line(line)
                .with_hint("例如 / e.g. \"08:30-12:00\""),
            ),
        }
    }
    schedule
}

/// `duration = 15`, `"15s"`, `"2m"`, `"15秒"` or `"2分钟"`, in seconds.
fn parse_duration(f: &Fields<'_, '_>, errs: &mut Vec<ContentError>) -> Option<u32> {
    let v = f.value("duration")?;
    let secs = match v.get_ref() {
        DeValue::Integer(i) => i.as_str().parse::<u64>().ok(),
        DeValue::String(s) => {
            let s = s.trim();
            let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
            let n = num.parse::<u64>().ok();
            match unit.trim() {
                "" | "s" | "秒" => n,
                "m" | "min" | "分" | "分钟" => n.map(|n| n * 60),
                _ => None,
            }
        }
        _ => None,
    };
    match secs.filter(|s| (1..=3600).contains(s)) {
        Some(s) => u32::try_from(s).ok(),
        None => {
            errs.push(
                f.error(
                    "duration",
                    ErrorCode::InvalidValue,
                    "显示时长应为 1-3600 秒",
                    "duration must be 1-3600 seconds",
                )
                .with_hint("例如 / e.g. duration = 15"),
            );
            None
        }
    }
}

/// Checks that `rel` is a PNG or JPEG inside the folder, by its first bytes.
fn check_image(root: &Path, rel: &str, limit: u64) -> Result<ImageFormat, (String, String)> {
    let bytes = read_bytes(root, rel, limit).map_err(|e| {
        (
            format!("图片 `{rel}`：{}", e.message_zh),
            format!("image `{rel}`: {}", e.message_en),
        )
    })?;
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(ImageFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(ImageFormat::Jpeg)
    } else {
        Err((
            format!("`{rel}` 不是 PNG 或 JPEG 图片"),
            format!("`{rel}` is not a PNG or JPEG image"),
        ))
    }
}

fn is_lang_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}
