//! Checks of what people type: length caps and no control or
//! direction-override characters, each refusal naming the field.

use crate::fail::Fail;

fn forbidden(c: char, multiline: bool) -> bool {
    if multiline && (c == '\n' || c == '\t') {
        return false;
    }
    c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// `value` trimmed, checked: at most `max` characters, no control
/// characters (line breaks allowed when `multiline`).
pub fn check(field: &str, label_zh: &str, value: &str, max: usize, multiline: bool) -> Result<String, Fail> {
    let v = value.trim();
    let n = v.chars().count();
    if n > max {
        return Err(Fail::field(
            422,
            "text_too_long",
            field,
            format!("{label_zh}（{field}）最多 {max} 个字，收到 {n} 个"),
            format!("{field} may be at most {max} characters; it has {n}"),
        ));
    }
    if v.chars().any(|c| forbidden(c, multiline)) {
        return Err(Fail::field(
            422,
            "text_control_characters",
            field,
            format!("{label_zh}（{field}）含有控制字符或不可见的方向字符，请删除后重试"),
            format!("{field} contains control or invisible direction characters; remove them and try again"),
        ));
    }
    Ok(v.to_owned())
}

/// As [`check`], and not empty.
pub fn required(field: &str, label_zh: &str, value: &str, max: usize) -> Result<String, Fail> {
    let v = check(field, label_zh, value, max, false)?;
    if v.is_empty() {
        return Err(Fail::field(422, "field_required", field, format!("请填写{label_zh}（{field}）"), format!("{field} is required")));
    }
    Ok(v)
}
