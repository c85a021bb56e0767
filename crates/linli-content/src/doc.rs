//! Parsing TOML text (front matter or a layout) while keeping spans, and
//! turning syntax errors into editor-facing errors with line and field.

use std::ops::Range;

use toml::Spanned;
use toml::de::DeTable;

use crate::error::{ContentError, ErrorCode, did_you_mean, line_at};
use crate::fields::Fields;

/// Parsed TOML text plus what is needed to point at its lines.
pub(crate) struct Doc<'a> {
    pub(crate) rel: &'a str,
    text: &'a str,
    first_line: u32,
    root: Spanned<DeTable<'a>>,
}

impl<'a> Doc<'a> {
    /// Parses `text`, whose first line is line `first_line` of the file;
    /// `known` are the top-level fields, for hints on syntax errors.
    pub(crate) fn parse(
        rel: &'a str,
        text: &'a str,
        first_line: u32,
        known: &[&str],
    ) -> Result<Self, ContentError> {
        match DeTable::parse(text) {
            Ok(root) => Ok(Doc {
                rel,
                text,
                first_line,
                root,
            }),
            Err(e) => {
                let offset = e.span().map_or(0, |s| s.start);
                let line = line_at(text, offset, first_line);
                let line_text = text[line_start(text, offset)..]
                    .lines()
                    .next()
                    .unwrap_or("");
                let mut err = ContentError::new(
                    rel,
                    ErrorCode::Syntax,
                    format!("TOML 格式错误：{}", e.message().trim()),
                    format!("TOML syntax error: {}", e.message().trim()),
                )
                .at_line(line)
                .with_hint("字符串要加英文双引号，例如 title = \"通知\" / strings need double quotes, e.g. title = \"Notice\"");
                if let Some((key, _)) = line_text.split_once('=') {
                    let key = key.trim();
                    err = err.in_field(key);
                    // TOML bare keys are ASCII, so a Chinese field name is a
                    // syntax error; say which field was probably meant.
                    if !key.is_ascii()
                        && let Some(hint) = did_you_mean(key, known)
                    {
                        err = err
                            .with_hint(format!("字段名须用英文 / field names are English: {hint}"));
                    }
                }
                Err(err)
            }
        }
    }

    /// The top-level table.
    pub(crate) fn root(&self) -> Fields<'_, 'a> {
        // Missing fields are reported at the line before the TOML text: the
        // opening `+++` of front matter, or line 1 of a layout.
        let line = self.first_line.saturating_sub(1).max(1);
        Fields::new(self, self.root.get_ref(), "", line)
    }

    /// The file line of a byte span of the TOML text.
    pub(crate) fn line(&self, span: Range<usize>) -> u32 {
        line_at(self.text, span.start, self.first_line)
    }
}

fn line_start(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1)
}
