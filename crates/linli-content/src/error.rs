//! One problem in one content file, told to editors in Chinese and English.
//!
//! Editors are community staff, so every error names the file, the line and
//! the field, and says what to do in both languages. The same value is logged
//! by the host, sent on the event stream, shown on the content-status page and
//! printed by `linli content check`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of problem a [`ContentError`] is, for code that reacts to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The `+++` front matter is missing, unclosed or not valid TOML.
    Syntax,
    /// A field name the format does not know (usually a typo).
    UnknownField,
    /// A field the kind requires is absent.
    MissingField,
    /// A field has the wrong type or an out-of-range value.
    InvalidValue,
    /// A date or time that cannot be read, or an impossible range.
    BadDate,
    /// The image an item names is missing, outside the folder or not PNG/JPEG.
    BadImage,
    /// The file is larger than the configured limit.
    TooLarge,
    /// The file is not UTF-8 text.
    NotUtf8,
    /// A symbolic link that points outside the content folder.
    OutsideFolder,
    /// The file could not be read at all.
    Io,
}

/// One problem in one file: where it is, which field, and what to do.
///
/// Displayed as `path:line: field: 中文说明 / English message (hint)`; the
/// line and field parts are left out when the problem concerns the whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct ContentError {
    /// Path of the file relative to the content folder, with `/` separators.
    pub path: String,
    /// 1-based line in the file, when the problem has one.
    pub line: Option<u32>,
    /// The front-matter field at fault, when there is one.
    pub field: Option<String>,
    /// What kind of problem this is.
    pub code: ErrorCode,
    /// The message in Chinese (shown first to editors).
    pub message_zh: String,
    /// The same message in English.
    pub message_en: String,
    /// A suggestion, such as "did you mean `valid_until`?".
    pub hint: Option<String>,
}

impl ContentError {
    /// A new error about the whole file; add a line and field with the builders.
    pub fn new(
        path: impl Into<String>,
        code: ErrorCode,
        message_zh: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        ContentError {
            path: path.into(),
            line: None,
            field: None,
            code,
            message_zh: message_zh.into(),
            message_en: message_en.into(),
            hint: None,
        }
    }

    /// Sets the 1-based line.
    pub fn at_line(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the field name.
    pub fn in_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Sets the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{} / {}", self.message_zh, self.message_en)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// The 1-based line of byte `offset` in `text`, counting from `first_line`.
///
/// Used to turn TOML spans (byte offsets into the front matter) into lines of
/// the whole file, which is what editors see in their editor.
pub(crate) fn line_at(text: &str, offset: usize, first_line: u32) -> u32 {
    let end = offset.min(text.len());
    let newlines = text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count();
    first_line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX))
}

/// The known name closest to `unknown`, phrased as a hint for editors.
///
/// Besides spelling mistakes, editors may type the Chinese word for a field,
/// so a few Chinese names are mapped to their field as well.
pub(crate) fn did_you_mean(unknown: &str, known: &[&str]) -> Option<String> {
    const CHINESE: &[(&str, &str)] = &[
        ("标题", "title"),
        ("类型", "kind"),
        ("语言", "lang"),
        ("开始", "valid_from"),
        ("生效", "valid_from"),
        ("结束", "valid_until"),
        ("截止", "valid_until"),
        ("失效", "valid_until"),
        ("时间表", "schedule"),
        ("优先级", "priority"),
        ("屏幕", "screens"),
        ("区域", "zones"),
        ("时长", "duration"),
        ("图片", "image"),
        ("说明", "caption"),
        ("事项", "service"),
    ];
    let lower = unknown.to_lowercase();
    let chinese = CHINESE
        .iter()
        .find(|(zh, field)| lower.contains(zh) && known.contains(field))
        .map(|(_, field)| *field);
    let best = chinese.or_else(|| {
        known
            .iter()
            .map(|k| (strsim::jaro_winkler(&lower, k), *k))
            .filter(|(score, _)| *score >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| k)
    })?;
    Some(format!("是不是 `{best}`？ did you mean `{best}`?"))
}
