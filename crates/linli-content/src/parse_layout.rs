//! Turning one `screens/*.toml` file into a [`Layout`], or into every problem.

use toml::de::DeValue;

use crate::doc::Doc;
use crate::error::{ContentError, ErrorCode};
use crate::fields::Fields;
use crate::layout::{Color, Layout, Orientation, Zone, ZoneKind};

const LAYOUT_FIELDS: &[&str] = &["name", "orientation", "background", "foreground", "zones"];
const ZONE_FIELDS: &[&str] = &[
    "kind",
    "x",
    "y",
    "w",
    "h",
    "font_size",
    "color",
    "background",
    "options",
];

/// Rounding slack so `x = 0.7, w = 0.3` is not refused for float noise.
const EPSILON: f64 = 1e-6;

impl Layout {
    /// Parses one layout file's text, as the content folder's `screens/*.toml`
    /// are read: the one layout format. The signage player reads its built-in
    /// layouts with it. `rel` names the file in errors, and its stem is the id.
    pub fn parse(rel: &str, text: &str) -> Result<Layout, Vec<ContentError>> {
        parse_layout(rel, text)
    }
}

/// Parses the text of the layout file `rel`.
pub(crate) fn parse_layout(rel: &str, text: &str) -> Result<Layout, Vec<ContentError>> {
    let doc = Doc::parse(rel, text, 1, LAYOUT_FIELDS).map_err(|e| vec![e])?;
    let f = doc.root();
    let mut errs = Vec::new();
    f.check_unknown(LAYOUT_FIELDS, &mut errs);
    let id = rel
        .rsplit('/')
        .next()
        .and_then(|n| n.strip_suffix(".toml"))
        .unwrap_or(rel)
        .to_string();
    let name = f.string("name", &mut errs).unwrap_or_else(|| id.clone());
    let orientation = match f.string("orientation", &mut errs).as_deref().map(str::trim) {
        None | Some("landscape") | Some("横屏") => Orientation::Landscape,
        Some("portrait") | Some("竖屏") => Orientation::Portrait,
        Some(other) => {
            errs.push(
                f.error(
                    "orientation",
                    ErrorCode::InvalidValue,
                    format!("未知方向 `{other}`"),
                    format!("unknown orientation `{other}`"),
                )
                .with_hint("landscape（横屏）或 / or portrait（竖屏）"),
            );
            Orientation::Landscape
        }
    };
    let background = color(&f, "background", &mut errs).unwrap_or(Color {
        r: 0x10,
        g: 0x20,
        b: 0x40,
    });
    let foreground = color(&f, "foreground", &mut errs).unwrap_or(Color {
        r: 0xff,
        g: 0xff,
        b: 0xff,
    });

    let mut zones = Vec::new();
    match f.value("zones").map(|v| v.get_ref()) {
        Some(DeValue::Array(items)) => {
            let prefixes: Vec<String> = (1..=items.len()).map(|i| format!("zones[{i}].")).collect();
            for (item, prefix) in items.iter().zip(&prefixes) {
                let DeValue::Table(table) = item.get_ref() else {
                    errs.push(f.error(
                        "zones",
                        ErrorCode::InvalidValue,
                        "每个区域应写成 [[zones]] 表",
                        "each zone must be a [[zones]] table",
                    ));
                    continue;
                };
                let z = f.nested(table, prefix, f.line_of_span(item.span()));
                if let Some(zone) = parse_zone(&z, foreground, &mut errs) {
                    zones.push(zone);
                }
            }
        }
        Some(_) => errs.push(f.error(
            "zones",
            ErrorCode::InvalidValue,
            "应写成 [[zones]] 表",
            "must be [[zones]] tables",
        )),
        None => errs.push(
            f.missing("zones")
                .with_hint("至少需要一个 [[zones]] / at least one [[zones]] is needed"),
        ),
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Layout {
        id,
        name,
        orientation,
        background,
        foreground,
        zones,
        stale: false,
    })
}

fn parse_zone(z: &Fields<'_, '_>, foreground: Color, errs: &mut Vec<ContentError>) -> Option<Zone> {
    let before = errs.len();
    z.check_unknown(ZONE_FIELDS, errs);
    let kind = match z.string("kind", errs) {
        Some(k) => ZoneKind::parse(&k).or_else(|| {
            let names: Vec<&str> = ZoneKind::ALL.iter().map(|k| k.name()).collect();
            errs.push(z.not_one_of("kind", &k, &names, "区域类型", "zone kind"));
            None
        }),
        None => {
            if z.value("kind").is_none() {
                errs.push(z.missing("kind"));
            }
            None
        }
    };
    let mut frac = |key: &str| {
        if z.value(key).is_none() {
            errs.push(z.missing(key).with_hint(
                "位置和大小是屏幕的比例 0-1 / position and size are fractions 0-1 of the screen",
            ));
            return None;
        }
        z.number(key, 0.0..1.0, true, errs)
    };
    let (x, y, w, h) = (frac("x"), frac("y"), frac("w"), frac("h"));
    if let (Some(x), Some(w)) = (x, w)
        && (w <= 0.0 || x + w > 1.0 + EPSILON)
    {
        errs.push(z.error(
            "w",
            ErrorCode::InvalidValue,
            "宽度须大于 0，且 x + w 不超过 1",
            "w must be above 0 and x + w at most 1",
        ));
    }
    if let (Some(y), Some(h)) = (y, h)
        && (h <= 0.0 || y + h > 1.0 + EPSILON)
    {
        errs.push(z.error(
            "h",
            ErrorCode::InvalidValue,
            "高度须大于 0，且 y + h 不超过 1",
            "h must be above 0 and y + h at most 1",
        ));
    }
    let font_size = match z.value("font_size") {
        Some(_) => z.number("font_size", 0.005..0.5, true, errs),
        None => Some(0.04),
    };
    let color_value = color(z, "color", errs).unwrap_or(foreground);
    let background = color(z, "background", errs);
    let options = z.table("options", errs).map(|t| {
        t.iter()
            .filter_map(|(k, v)| Some((k.get_ref().to_string(), to_json(v.get_ref())?)))
            .collect()
    });
    if errs.len() > before {
        return None;
    }
    Some(Zone {
        kind: kind?,
        x: x? as f32,
        y: y? as f32,
        w: w? as f32,
        h: h? as f32,
        font_size: font_size? as f32,
        color: color_value,
        background,
        options: options.unwrap_or_default(),
    })
}

fn color(f: &Fields<'_, '_>, key: &str, errs: &mut Vec<ContentError>) -> Option<Color> {
    let text = f.string(key, errs)?;
    let c = Color::parse(&text);
    if c.is_none() {
        errs.push(
            f.error(
                key,
                ErrorCode::InvalidValue,
                format!("颜色 `{text}` 无效"),
                format!("`{text}` is not a colour"),
            )
            .with_hint("写成 / write it as \"#rrggbb\", e.g. \"#1a3c6e\""),
        );
    }
    c
}

/// Zone options pass through to the player as JSON.
fn to_json(v: &DeValue<'_>) -> Option<serde_json::Value> {
    use serde_json::Value;
    Some(match v {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => Value::from(i64::from_str_radix(i.as_str(), i.radix()).ok()?),
        DeValue::Float(f) => Value::from(f.as_str().replace('_', "").parse::<f64>().ok()?),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(a) => Value::Array(a.iter().filter_map(|x| to_json(x.get_ref())).collect()),
        DeValue::Table(t) => Value::Object(
            t.iter()
                .filter_map(|(k, x)| Some((k.get_ref().to_string(), to_json(x.get_ref())?)))
                .collect(),
        ),
    })
}
