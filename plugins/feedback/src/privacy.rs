//! Checking what residents and staff type, and taking personal details out
//! of a text before it is published.

use linli_sdk::prelude::*;

/// A text as stored: trimmed, `\r\n` as `\n`, within `max` characters,
/// without control characters (line breaks and tabs allowed where
/// `multiline`) or direction overrides. The refusal names the field and
/// never repeats the text.
pub fn clean(field: &'static str, label: (&str, &str), s: &str, max: usize, multiline: bool) -> Result<String, Fail> {
    let s = s.replace("\r\n", "\n");
    let s = s.trim();
    if s.is_empty() {
        return Err(Fail::field(422, "field_empty", field, format!("请填写{}", label.0), format!("{} is required", label.1)));
    }
    let n = s.chars().count();
    if n > max {
        return Err(Fail::field(
            422,
            "text_too_long",
            field,
            format!("{}最多 {max} 个字，现在有 {n} 个", label.0),
            format!("{} may have at most {max} characters; it has {n}", label.1),
        ));
    }
    let bad = s.chars().find(|&c| {
        let allowed = multiline && (c == '\n' || c == '\t');
        (c.is_control() && !allowed) || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    if let Some(c) = bad {
        return Err(Fail::field(
            422,
            "control_character",
            field,
            format!("{}含有不可见的控制字符（U+{:04X}），请删除后再提交", label.0, c as u32),
            format!("{} contains an invisible control character (U+{:04X}); remove it and send again", label.1, c as u32),
        ));
    }
    Ok(s.to_owned())
}

/// `text` with the personal details a resident may have typed masked, by
/// the hall's one masking rule: phone numbers and ID card numbers (any run
/// of 7 or more digits, spaces or dashes between them allowed), and the
/// name the resident gave wherever it appears. Masking a masked text
/// changes nothing, which is how a text is checked before publishing.
pub fn mask_personal(text: &str, typed_name: Option<&str>) -> String {
    let mut out = mask_numbers(text);
    if let Some(name) = typed_name.map(str::trim).filter(|n| n.chars().count() >= 2) {
        out = out.replace(name, &mask::name(name));
    }
    out
}

fn mask_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A run of digits with single spaces or dashes between them, and
        // an ID card's check character `X` at its end.
        let start = i;
        let mut end = i;
        let mut digits = 0;
        let mut j = i;
        while j < chars.len() {
            let c = chars[j];
            if c.is_ascii_digit() {
                digits += 1;
                j += 1;
                end = j;
            } else if (c == ' ' || c == '-') && j + 1 < chars.len() && chars[j + 1].is_ascii_digit() {
                j += 1;
            } else {
                break;
            }
        }
        if digits == 17 && end < chars.len() && matches!(chars[end], 'x' | 'X') {
            end += 1;
            digits += 1;
        }
        let run: String = chars[start..end].iter().collect();
        if digits >= 7 {
            let compact: String = run.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            if digits == 18 || digits == 15 {
                out.push_str(&mask::id_number(&compact));
            } else {
                out.push_str(&mask::phone(&compact));
            }
        } else {
            out.push_str(&run);
        }
        i = end;
    }
    out
}
