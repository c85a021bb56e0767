//! Checks of what people type into a plugin's forms: trimmed, a length cap,
//! no control or invisible direction characters, each refusal a 422 naming
//! the field in Chinese and English; an optional field blank as `None`;
//! phones in one form; short codes read aloud or written down (sign-up
//! codes, verification codes) in one normal form; times of day as `HH:MM`.
//! (Session 8: the former `form` module's optional text and phone are
//! here too, so one module answers for every typed field.)
//!
//! ```
//! use linli_sdk::input;
//! assert_eq!(input::required("title", "标题", " 书法 ", 60).unwrap(), "书法");   // 422 text_too_long / field_required
//! assert!(input::text("note", "备注", "第一行\n第二行", 500, true).is_ok());       // line breaks allowed
//! assert_eq!(input::optional("note", "备注", Some("  "), 200).unwrap(), None);
//! assert_eq!(input::optional("note", "备注", Some(" 下午来 "), 200).unwrap().as_deref(), Some("下午来"));
//! assert_eq!(input::phone("phone", "+86 138-0013-8000").unwrap(), "13800138000");
//! assert_eq!(input::code(" ab-c d "), "ABCD");
//! ```

use crate::Fail;

/// Control characters, and the invisible characters that reorder or hide
/// text (a name that reads differently than it sorts); line breaks and
/// tabs only where `multiline`.
fn forbidden(c: char, multiline: bool) -> bool {
    if multiline && (c == '\n' || c == '\t' || c == '\r') {
        return false;
    }
    c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// `value` trimmed and checked: at most `max` characters, no control or
/// direction characters (line breaks allowed when `multiline`). Empty is
/// allowed; see [`required`].
pub fn text(field: &str, label_zh: &str, value: &str, max: usize, multiline: bool) -> Result<String, Fail> {
    let v = value.trim();
    let n = v.chars().count();
    if n > max {
        return Err(Fail::field(
            422,
            "text_too_long",
            field,
            format!("{label_zh}最多 {max} 个字，收到 {n} 个"),
            format!("{field} may be at most {max} characters; it has {n}"),
        ));
    }
    if v.chars().any(|c| forbidden(c, multiline)) {
        return Err(Fail::field(
            422,
            "text_control_characters",
            field,
            format!("{label_zh}含有控制字符或不可见字符，请删除后重试"),
            format!("{field} contains control or invisible characters; remove them and try again"),
        ));
    }
    Ok(v.to_owned())
}

/// As [`text`] on one line, and not empty.
pub fn required(field: &str, label_zh: &str, value: &str, max: usize) -> Result<String, Fail> {
    let v = text(field, label_zh, value, max, false)?;
    if v.is_empty() {
        return Err(Fail::field(422, "field_required", field, format!("请填写{label_zh}"), format!("{field} is required")));
    }
    Ok(v)
}

/// An optional one-line text: `None` when absent or blank, else checked
/// as [`text`] (length, control characters) and trimmed.
pub fn optional(field: &str, label_zh: &str, value: Option<&str>, max: usize) -> Result<Option<String>, Fail> {
    let v = text(field, label_zh, value.unwrap_or(""), max, false)?;
    Ok(if v.is_empty() { None } else { Some(v) })
}

/// A phone in one form ([`crate::normalise::phone`]), so `138 0013 8000`,
/// `+86 13800138000` and `138-0013-8000` are one resident; or a 422
/// `phone_invalid` naming `field`.
pub fn phone(field: &str, value: &str) -> Result<String, Fail> {
    let bad = || Fail::field(422, "phone_invalid", field, "手机号码格式不对，请填写 11 位手机号", "not a phone number; enter the 11-digit mobile number");
    // A pasted page is refused before it is read character by character.
    if value.chars().count() > 40 {
        return Err(bad());
    }
    crate::normalise::phone(value).map_err(|_| bad())
}

/// A code as typed: spaces and dashes dropped, letters upper-cased.
pub fn code(typed: &str) -> String {
    typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase()
}

/// The letters of short codes: no 0/O, 1/I/L, easy to read aloud and to
/// write by hand.
pub const CODE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A code of `len` characters from [`CODE_ALPHABET`] made from `random`
/// bytes (the plugin draws them, e.g. with `getrandom`); `None` when there
/// are fewer bytes than characters.
pub fn code_from(random: &[u8], len: usize) -> Option<String> {
    if random.len() < len {
        return None;
    }
    // A byte modulo 31 is close enough to even for a code that is looked
    // up, never a secret key.
    Some(random[..len].iter().map(|b| CODE_ALPHABET[(*b as usize) % CODE_ALPHABET.len()] as char).collect())
}

/// `HH:MM` as minutes after midnight (`None` unless a real time of day).
pub fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Minutes after midnight as `HH:MM`.
pub fn hhmm(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60 % 24, minute % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(f: Fail) -> (u16, &'static str, String) {
        match f {
            Fail::Field(s, c, f, _, _) => (s, c, f),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn text_is_trimmed_capped_and_free_of_control_characters() {
        assert_eq!(text("title", "标题", "  书法  ", 10, false).ok().as_deref(), Some("书法"));
        assert_eq!(field(text("title", "标题", &"字".repeat(100_000), 60, false).unwrap_err()), (422, "text_too_long", "title".into()));
        assert_eq!(field(text("title", "标题", "a\u{0007}b", 60, false).unwrap_err()).1, "text_control_characters");
        assert_eq!(field(text("title", "标题", "a\u{202E}b", 60, false).unwrap_err()).1, "text_control_characters");
        assert_eq!(field(text("note", "备注", "a\nb", 60, false).unwrap_err()).1, "text_control_characters");
        assert!(text("note", "备注", "a\nb", 60, true).is_ok());
        assert_eq!(field(required("name", "姓名", "   ", 20).unwrap_err()).1, "field_required");
    }

    #[test]
    fn blank_is_none_and_each_refusal_names_the_field() {
        assert_eq!(optional("note", "备注", None, 10).unwrap(), None);
        match optional("note", "备注", Some(&"x".repeat(100_000)), 10) {
            Err(Fail::Field(422, _, field, zh, _)) => assert!(field == "note" && zh.contains("备注"), "{zh}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(optional("note", "备注", Some("a\nb"), 10), Err(Fail::Field(422, _, _, _, _))));
        assert_eq!(phone("phone", "138 0013 8000").unwrap(), phone("phone", "+86 13800138000").unwrap());
        assert_eq!(field(phone("contact", "call me").unwrap_err()), (422, "phone_invalid", "contact".into()));
        assert_eq!(field(phone("contact", &"1".repeat(41)).unwrap_err()).1, "phone_invalid");
    }

    #[test]
    fn codes_read_the_same_however_typed_and_times_of_day() {
        assert_eq!(code(" ab-c d "), "ABCD");
        let c = code_from(&[0, 30, 31, 255], 4).expect("enough bytes");
        assert_eq!(c.len(), 4);
        assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{c}");
        assert_eq!(code_from(&[1, 2], 3), None);
        assert_eq!((minutes("09:30"), minutes("24:00"), minutes("9:30")), (Some(570), None, None));
        assert_eq!(hhmm(570), "09:30");
    }
}
