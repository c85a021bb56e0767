//! Checks of what people type into a plugin's forms: trimmed, a length cap,
//! no control or invisible direction characters, each refusal a 422 naming
//! the field in Chinese and English; short codes read aloud or written
//! down (sign-up codes, verification codes) in one normal form; times of
//! day as `HH:MM`. (Seniors' corner and volunteers helper, session 8.)
//!
//! ```ignore
//! let title = input::required("title", "标题", &body.title, 60)?;   // 422 text_too_long / field_required
//! let note = input::text("note", "备注", &body.note, 500, true)?;   // line breaks allowed
//! let code = input::code(&typed);                                  // " ab-c d " → "ABCD"
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
