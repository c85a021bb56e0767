//! Typed access to TOML fields that remembers where each field was written.
//!
//! serde would stop at the first problem and lose the line; editors want
//! every problem at once, each with its line. So front matter and layouts are
//! parsed into toml's spanned tree ([`Doc`]) and read field by field here,
//! collecting errors instead of stopping.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::doc::Doc;
use crate::error::{ContentError, ErrorCode, did_you_mean};

/// A view of one table in a [`Doc`], e.g. the front matter or one zone.
#[derive(Clone, Copy)]
pub(crate) struct Fields<'d, 'a> {
    doc: &'d Doc<'a>,
    table: &'d DeTable<'a>,
    /// Prefix for field names in errors, e.g. `schedule.` or `zones[2].`.
    prefix: &'d str,
    /// Line of the table header, for errors about missing fields.
    line: u32,
}

impl<'d, 'a> Fields<'d, 'a> {
    /// A view of `table` in `doc`; `line` is where missing fields are reported.
    pub(crate) fn new(
        doc: &'d Doc<'a>,
        table: &'d DeTable<'a>,
        prefix: &'d str,
        line: u32,
    ) -> Self {
        Fields {
            doc,
            table,
            prefix,
            line,
        }
    }

    /// A view of a nested table, with `prefix` put before its field names.
    pub(crate) fn nested(&self, table: &'d DeTable<'a>, prefix: &'d str, line: u32) -> Self {
        Fields {
            doc: self.doc,
            table,
            prefix,
            line,
        }
    }

    /// The raw spanned value of a field.
    pub(crate) fn value(&self, key: &str) -> Option<&'d Spanned<DeValue<'a>>> {
        self.table.get(key)
    }

    /// The line where `key` is written, or the table's line if it is absent.
    pub(crate) fn line_of(&self, key: &str) -> u32 {
        self.table
            .get_key_value(key)
            .map_or(self.line, |(k, _)| self.doc.line(k.span()))
    }

    /// The line of a spanned value.
    pub(crate) fn line_of_span(&self, span: Range<usize>) -> u32 {
        self.doc.line(span)
    }

    /// An error about `key`, pointing at its line.
    pub(crate) fn error(
        &self,
        key: &str,
        code: ErrorCode,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> ContentError {
        ContentError::new(self.doc.rel, code, zh, en)
            .at_line(self.line_of(key))
            .in_field(format!("{}{key}", self.prefix))
    }

    /// An error for a value that is not one of `names`, with a hint naming
    /// the closest one or else listing them all.
    pub(crate) fn not_one_of(
        &self,
        key: &str,
        value: &str,
        names: &[&str],
        what_zh: &str,
        what_en: &str,
    ) -> ContentError {
        let hint = did_you_mean(value, names)
            .unwrap_or_else(|| format!("可用 / one of: {}", names.join(", ")));
        self.error(
            key,
            ErrorCode::InvalidValue,
            format!("未知{what_zh} `{value}`"),
            format!("unknown {what_en} `{value}`"),
        )
        .with_hint(hint)
    }

    /// Reports every key that is not in `known`, with a spelling hint.
    pub(crate) fn check_unknown(&self, known: &[&str], errs: &mut Vec<ContentError>) {
        for (key, _) in self.table.iter() {
            let name = key.get_ref().as_ref();
            if known.contains(&name) {
                continue;
            }
            let mut err = ContentError::new(
                self.doc.rel,
                ErrorCode::UnknownField,
                format!("未知字段 `{name}`"),
                format!("unknown field `{name}`"),
            )
            .at_line(self.doc.line(key.span()))
            .in_field(format!("{}{name}", self.prefix));
            err.hint = Some(
                did_you_mean(name, known)
                    .unwrap_or_else(|| format!("可用字段 / known fields: {}", known.join(", "))),
            );
            errs.push(err);
        }
    }

    /// A string field; a value of another type is reported.
    pub(crate) fn string(&self, key: &str, errs: &mut Vec<ContentError>) -> Option<String> {
        match self.value(key)?.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                errs.push(self.wrong_type(
                    key,
                    "字符串（加双引号）",
                    "a string (in double quotes)",
                    other,
                ));
                None
            }
        }
    }

    /// A required string field that must not be blank.
    pub(crate) fn required_string(
        &self,
        key: &str,
        errs: &mut Vec<ContentError>,
    ) -> Option<String> {
        let value = self.string(key, errs);
        match &value {
            Some(s) if !s.trim().is_empty() => value,
            Some(_) => {
                errs.push(self.error(
                    key,
                    ErrorCode::InvalidValue,
                    "不能为空",
                    "must not be empty",
                ));
                None
            }
            None if self.value(key).is_none() => {
                errs.push(self.missing(key));
                None
            }
            None => None,
        }
    }

    /// An error saying a required field is absent.
    pub(crate) fn missing(&self, key: &str) -> ContentError {
        self.error(
            key,
            ErrorCode::MissingField,
            format!("缺少必填字段 `{key}`"),
            format!("missing required field `{key}`"),
        )
    }

    /// A number (integer or decimal) within `range`.
    pub(crate) fn number(
        &self,
        key: &str,
        range: Range<f64>,
        inclusive_end: bool,
        errs: &mut Vec<ContentError>,
    ) -> Option<f64> {
        let v = self.value(key)?;
        let n = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|i| i as f64),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        };
        let ok = n.filter(|n| {
            n.is_finite()
                && *n >= range.start
                && (*n < range.end || (inclusive_end && *n == range.end))
        });
        if ok.is_none() {
            let close = if inclusive_end { "]" } else { ")" };
            errs.push(self.error(
                key,
                ErrorCode::InvalidValue,
                format!("应为 [{}, {}{close} 范围内的数字", range.start, range.end),
                format!("must be a number in [{}, {}{close}", range.start, range.end),
            ));
        }
        ok
    }

    /// A list of strings (or integers, shown as text); a lone string is a
    /// list of one, since editors often forget the brackets.
    pub(crate) fn strings(
        &self,
        key: &str,
        errs: &mut Vec<ContentError>,
    ) -> Option<Vec<(String, u32)>> {
        let v = self.value(key)?;
        let scalar = |v: &Spanned<DeValue<'a>>| match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), self.line_of_span(v.span()))),
            DeValue::Integer(i) => Some((i.as_str().to_string(), self.line_of_span(v.span()))),
            _ => None,
        };
        let out = match v.get_ref() {
            DeValue::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>(),
            _ => scalar(v).map(|one| vec![one]),
        };
        if out.is_none() {
            errs.push(self.wrong_type(
                key,
                "字符串列表，例如 [\"a\", \"b\"]",
                "a list of strings, e.g. [\"a\", \"b\"]",
                v.get_ref(),
            ));
        }
        out
    }

    /// A nested table such as `[schedule]`.
    pub(crate) fn table(&self, key: &str, errs: &mut Vec<ContentError>) -> Option<&'d DeTable<'a>> {
        match self.value(key)?.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                errs.push(self.wrong_type(key, "表（[section]）", "a table ([section])", other));
                None
            }
        }
    }

    /// Raw text of a date field: TOML dates and strings are both accepted.
    pub(crate) fn date_text(&self, key: &str, errs: &mut Vec<ContentError>) -> Option<String> {
        match self.value(key)?.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            DeValue::Datetime(d) => Some(d.to_string()),
            other => {
                errs.push(self.wrong_type(key, "日期时间", "a date and time", other));
                None
            }
        }
    }

    fn wrong_type(
        &self,
        key: &str,
        want_zh: &str,
        want_en: &str,
        got: &DeValue<'_>,
    ) -> ContentError {
        self.error(
            key,
            ErrorCode::InvalidValue,
            format!("应为{want_zh}，实际是 {}", got.type_str()),
            format!("expected {want_en}, found {}", got.type_str()),
        )
    }
}
