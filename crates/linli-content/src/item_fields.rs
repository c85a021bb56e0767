//! Readers for the front-matter fields of an item, one function per field
//! (or per group of related fields). Each reports its own problems, with
//! line and hint, into the shared list so the editor sees them all at once.

use std::path::Path;

use toml::de::DeValue;

use crate::datetime::parse_datetime;
use crate::error::{ContentError, ErrorCode};
use crate::fields::Fields;
use crate::item::{ImageRef, Kind};
use crate::layout::ZoneKind;
use crate::schedule::{HourRange, Schedule, parse_days};
use crate::source::image_format;
use crate::time::{Timestamp, UtcOffset};

type Errs = Vec<ContentError>;

const SCHEDULE_FIELDS: &[&str] = &["days", "hours"];

/// `kind`, required, English or Chinese name.
pub(crate) fn kind(f: &Fields<'_, '_>, errs: &mut Errs) -> Option<Kind> {
    let Some(value) = f.string("kind", errs) else {
        if f.value("kind").is_none() {
            errs.push(f.missing("kind").with_hint("例如 / e.g. kind = \"news\""));
        }
        return None;
    };
    let kind = Kind::parse(&value);
    if kind.is_none() {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        errs.push(f.not_one_of("kind", &value, &names, "类型", "kind"));
    }
    kind
}

/// `lang`, a BCP 47-style tag, `zh-CN` when absent.
pub(crate) fn lang(f: &Fields<'_, '_>, errs: &mut Errs) -> String {
    let lang = f
        .string("lang", errs)
        .unwrap_or_else(|| "zh-CN".to_string());
    let mut parts = lang.split('-');
    let first = parts.next().unwrap_or("");
    let ok = (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !ok {
        let e = f.error(
            "lang",
            ErrorCode::InvalidValue,
            "语言标记无效",
            "not a language tag",
        );
        errs.push(e.with_hint("例如 / e.g. \"zh-CN\", \"en\""));
    }
    lang
}

/// `valid_from` and `valid_until`; alerts must have an end.
pub(crate) fn validity(
    f: &Fields<'_, '_>,
    kind: Option<Kind>,
    offset: UtcOffset,
    errs: &mut Errs,
) -> (Option<Timestamp>, Option<Timestamp>) {
    let mut date = |key: &str, end_of_day: bool| {
        let text = f.date_text(key, errs)?;
        let t = parse_datetime(&text, offset, end_of_day);
        if t.is_none() {
            let zh = format!("无法识别的日期 `{text}`");
            let en = format!("cannot read the date `{text}`");
            errs.push(f.error(key, ErrorCode::BadDate, zh, en).with_hint(
                "例如 / e.g. \"2026-07-01 08:00\" 或 / or \"2026-07-01T08:00:00+08:00\"",
            ));
        }
        t
    };
    let from = date("valid_from", false);
    let until = date("valid_until", true);
    if let (Some(a), Some(b)) = (from, until)
        && b <= a
    {
        let (zh, en) = (
            "结束时间早于开始时间",
            "valid_until is not after valid_from",
        );
        errs.push(f.error("valid_until", ErrorCode::BadDate, zh, en));
    }
    if kind == Some(Kind::Alert) && f.value("valid_until").is_none() {
        let hint = "紧急通知必须写明结束时间 / an alert must say when it ends";
        errs.push(f.missing("valid_until").with_hint(hint));
    }
    (from, until)
}

/// The `[schedule]` table: `days` and `hours`.
pub(crate) fn schedule(f: &Fields<'_, '_>, errs: &mut Errs) -> Schedule {
    let mut schedule = Schedule::default();
    let Some(table) = f.table("schedule", errs) else {
        return schedule;
    };
    let s = f.nested(table, "schedule.", f.line_of("schedule"));
    s.check_unknown(SCHEDULE_FIELDS, errs);
    for (d, line) in s.strings("days", errs).unwrap_or_default() {
        match parse_days(&d) {
            Some(days) => schedule.days.extend(days),
            None => {
                let e = s.error(
                    "days",
                    ErrorCode::BadDate,
                    format!("无法识别的星期 `{d}`"),
                    format!("cannot read the day `{d}`"),
                );
                errs.push(
                    e.at_line(line)
                        .with_hint("例如 / e.g. \"周一-周五\", \"mon\", 1"),
                );
            }
        }
    }
    schedule.days.sort_unstable();
    schedule.days.dedup();
    for (h, line) in s.strings("hours", errs).unwrap_or_default() {
        match HourRange::parse(&h) {
            Some(r) => schedule.hours.push(r),
            None => {
                let e = s.error(
                    "hours",
                    ErrorCode::BadDate,
                    format!("无法识别的时段 `{h}`"),
                    format!("cannot read the hours `{h}`"),
                );
                errs.push(e.at_line(line).with_hint("例如 / e.g. \"08:30-12:00\""));
            }
        }
    }
    schedule
}

/// `priority`, a whole number, 0 when absent.
pub(crate) fn priority(f: &Fields<'_, '_>, errs: &mut Errs) -> i32 {
    if f.value("priority")
        .is_some_and(|v| matches!(v.get_ref(), DeValue::Float(_)))
    {
        errs.push(f.error(
            "priority",
            ErrorCode::InvalidValue,
            "应为整数",
            "must be a whole number",
        ));
        return 0;
    }
    f.number("priority", -1000.0..1000.0, true, errs)
        .map_or(0, |p| p as i32)
}

/// `zones`, defaulting to the kind's usual zone.
pub(crate) fn zones(f: &Fields<'_, '_>, kind: Option<Kind>, errs: &mut Errs) -> Vec<ZoneKind> {
    let names: Vec<&str> = ZoneKind::ALL.iter().map(|k| k.name()).collect();
    let mut zones = Vec::new();
    for (z, line) in f.strings("zones", errs).unwrap_or_default() {
        match ZoneKind::parse(&z) {
            Some(k) => zones.push(k),
            None => errs.push(
                f.not_one_of("zones", &z, &names, "区域", "zone")
                    .at_line(line),
            ),
        }
    }
    if zones.is_empty() {
        zones.extend(kind.map(Kind::default_zone));
    }
    zones
}

/// `duration = 15`, `"15s"`, `"2m"`, `"15秒"` or `"2分钟"`, in seconds.
pub(crate) fn duration(f: &Fields<'_, '_>, errs: &mut Errs) -> Option<u32> {
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
    let secs = secs
        .filter(|s| (1..=3600).contains(s))
        .and_then(|s| u32::try_from(s).ok());
    if secs.is_none() {
        let e = f.error(
            "duration",
            ErrorCode::InvalidValue,
            "显示时长应为 1-3600 秒",
            "duration must be 1-3600 seconds",
        );
        errs.push(e.with_hint("例如 / e.g. duration = 15"));
    }
    secs
}

/// `image` and `caption`: the image must be a PNG or JPEG inside the folder;
/// both are required for kind `image`.
pub(crate) fn image(
    root: &Path,
    f: &Fields<'_, '_>,
    kind: Option<Kind>,
    max_bytes: u64,
    errs: &mut Errs,
) -> (Option<ImageRef>, Option<String>) {
    let caption = f.string("caption", errs);
    let image = f
        .string("image", errs)
        .and_then(|p| match image_format(root, &p, max_bytes) {
            Ok(format) => Some(ImageRef { path: p, format }),
            Err(e) => {
                let zh = format!("图片 `{p}`：{}", e.message_zh);
                let en = format!("image `{p}`: {}", e.message_en);
                errs.push(f.error("image", ErrorCode::BadImage, zh, en));
                None
            }
        });
    if kind == Some(Kind::Image) {
        if f.value("image").is_none() {
            errs.push(
                f.missing("image")
                    .with_hint("例如 / e.g. image = \"images/hall.jpg\""),
            );
        }
        if f.value("caption").is_none() || caption.as_deref().is_some_and(|c| c.trim().is_empty()) {
            errs.push(
                f.missing("caption")
                    .with_hint("图片需要一句说明 / an image needs a caption"),
            );
        }
    }
    (image, caption)
}

/// Ticker `lines`, or else one line per non-empty body line (list markers
/// dropped, since editors often write the lines as a Markdown list).
pub(crate) fn ticker_lines(
    f: &Fields<'_, '_>,
    kind: Option<Kind>,
    body: &str,
    errs: &mut Errs,
) -> Vec<String> {
    let mut lines: Vec<String> = f
        .strings("lines", errs)
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
            let hint = "把每条字幕写在正文的一行，或写 lines = [...] / one ticker line per body line, or lines = [...]";
            errs.push(f.missing("lines").with_hint(hint));
        }
    }
    lines
}

/// `service`, a short code in capitals such as `A`.
pub(crate) fn service(f: &Fields<'_, '_>, errs: &mut Errs) -> Option<String> {
    let service = f.string("service", errs)?;
    let ok = (1..=4).contains(&service.len())
        && service
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !ok {
        let (zh, en) = (
            "事项代码应为大写字母，例如 \"A\"",
            "a service code is capital letters, e.g. \"A\"",
        );
        errs.push(f.error("service", ErrorCode::InvalidValue, zh, en));
    }
    Some(service)
}
