//! Checking what a form sends before it is kept: one text field (trimmed,
//! not empty unless allowed, at most so many characters, no control
//! characters) and a phone (one form, so `138 0013 8000`, `+86 13800138000`
//! and `138-0013-8000` are one resident), each refused with a 422 naming
//! the field in both languages. Every zone plugin needed the same lines.
//!
//! ```
//! use linli_sdk::form;
//! assert_eq!(form::text("title", "  保洁员 ", 20, true).unwrap(), "保洁员");
//! assert!(form::text("title", "", 20, true).is_err());
//! assert!(form::text("title", &"字".repeat(21), 20, true).is_err());
//! assert!(form::text("title", "a\u{7}b", 20, true).is_err());
//! assert_eq!(form::optional("note", Some("  "), 200).unwrap(), None);
//! assert_eq!(form::phone("phone", "+86 138-0013-8000").unwrap(), "13800138000");
//! ```

use crate::Fail;

/// `value` trimmed, or a 422 naming `field`: empty when `required`, longer
/// than `max` characters, or holding a control character (a line break
/// in a one-line field, a forged log line, a direction override).
pub fn text(field: &str, value: &str, max: usize, required: bool) -> Result<String, Fail> {
    let v = value.trim();
    if v.is_empty() && required {
        return Err(Fail::field(422, "field_empty", field, format!("请填写 {field}"), format!("`{field}` is empty")));
    }
    let n = v.chars().count();
    if n > max {
        return Err(Fail::field(422, "field_too_long", field, format!("{field} 最多 {max} 个字（现有 {n} 个）"), format!("`{field}` is at most {max} characters ({n} sent)")));
    }
    if v.chars().any(|c| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')) {
        return Err(Fail::field(422, "field_control", field, format!("{field} 含有不可见的控制字符"), format!("`{field}` holds a control character")));
    }
    Ok(v.to_owned())
}

/// An optional one-line text: `None` when absent or blank, else as [`text`].
pub fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, Fail> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text(field, v, max, true).map(Some),
    }
}

/// A phone in one form ([`crate::normalise::phone`]), or a 422 naming `field`.
pub fn phone(field: &str, value: &str) -> Result<String, Fail> {
    if value.chars().count() > 40 {
        return Err(Fail::field(422, "phone_invalid", field, "手机号码格式不对", "not a phone number"));
    }
    crate::normalise::phone(value).map_err(|_| Fail::field(422, "phone_invalid", field, "手机号码格式不对，请填写 11 位手机号", "not a phone number; enter the 11-digit mobile number"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_refusal_names_the_field() {
        let code = |r: Result<String, crate::Fail>| match r {
            Err(crate::Fail::Field(422, code, field, zh, en)) => {
                assert!(zh.contains(&field) && en.contains(&field), "{zh} / {en}");
                code
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(code(super::text("tracking", " ", 10, true)), "field_empty");
        assert_eq!(code(super::text("tracking", &"x".repeat(100_000), 10, true)), "field_too_long");
        assert_eq!(code(super::text("tracking", "a\nb", 10, true)), "field_control");
        assert_eq!(code(super::text("tracking", "a\u{202e}b", 10, true)), "field_control");
        assert_eq!(super::text("note", "", 10, false).unwrap(), "");
        assert_eq!(super::phone("phone", "138 0013 8000").unwrap(), super::phone("phone", "+86 13800138000").unwrap());
        assert!(super::phone("phone", "call me").is_err());
    }
}
