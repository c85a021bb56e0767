//! Checking what staff and residents type: each refusal is a 422 naming
//! the field, in Chinese and English, before anything is written.

use linli_sdk::prelude::*;

/// Characters that turn text around or hide it (direction overrides and
/// isolates, zero-width joiners are fine): refused, as the screens do.
fn sneaky(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `value` trimmed, at most `max` characters (at least one unless `min`
/// is 0), no control characters (line breaks only where `lines`).
pub fn text(field: &str, name_zh: &str, name_en: &str, value: &str, min: usize, max: usize, lines: bool) -> Result<String, Fail> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min {
        return Err(Fail::field(422, "required", field, format!("请填写{name_zh}"), format!("{name_en} is required")));
    }
    if n > max {
        return Err(Fail::field(422, "too_long", field, format!("{name_zh}最多 {max} 个字（现在 {n} 个）"), format!("{name_en} takes at most {max} characters (this has {n})")));
    }
    if v.chars().any(|c| (c.is_control() && !(lines && (c == '\n' || c == '\r' || c == '\t'))) || sneaky(c)) {
        return Err(Fail::field(422, "bad_character", field, format!("{name_zh}含有不能显示的控制字符"), format!("{name_en} contains control characters that cannot be shown")));
    }
    Ok(v.replace("\r\n", "\n"))
}

/// A resident's phone in one form (the same phone written three ways is
/// one phone), or 422 naming the `phone` field.
pub fn phone(value: &str) -> Result<String, Fail> {
    if value.chars().count() > 40 {
        return Err(Fail::field(422, "bad_phone", "phone", "手机号码不对，请检查后重新输入", "that is not a phone number; check it and try again"));
    }
    linli_sdk::normalise::phone(value).map_err(|e| Fail::field(422, "bad_phone", "phone", format!("手机号码不对（{e}），请检查后重新输入"), format!("that is not a phone number ({e}); check it and try again")))
}
