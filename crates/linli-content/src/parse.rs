//! Turning one Markdown file into an [`Item`], or into every problem it has.

use std::path::Path;

use crate::ContentConfig;
use crate::doc::Doc;
use crate::error::{ContentError, ErrorCode};
use crate::item::Item;
use crate::item_fields as read;

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

    let kind = read::kind(&f, &mut errs);
    let title = f.required_string("title", &mut errs);
    let lang = read::lang(&f, &mut errs);
    let (valid_from, valid_until) = read::validity(&f, kind, cfg.utc_offset, &mut errs);
    let schedule = read::schedule(&f, &mut errs);
    let priority = read::priority(&f, &mut errs);
    let screens = f.strings("screens", &mut errs).unwrap_or_default();
    let zones = read::zones(&f, kind, &mut errs);
    let duration = read::duration(&f, &mut errs);
    let (image, caption) = read::image(root, &f, kind, cfg.max_image_bytes, &mut errs);
    let lines = read::ticker_lines(&f, kind, body, &mut errs);
    let service = read::service(&f, &mut errs);
    let guide = f.string("guide", &mut errs);

    let (Some(kind), Some(title), true) = (kind, title, errs.is_empty()) else {
        return Err(errs);
    };
    Ok(Item {
        id: item_id(rel),
        path: rel.to_string(),
        kind,
        title,
        lang,
        valid_from,
        valid_until,
        schedule,
        priority,
        screens: screens.into_iter().map(|(s, _)| s).collect(),
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

/// An item's id: its path without the `.md` extension (any case).
pub(crate) fn item_id(rel: &str) -> String {
    rel.get(..rel.len().saturating_sub(3))
        .unwrap_or(rel)
        .to_string()
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
