//! Nothing on a screen may carry a resident's name or number unmasked.
//!
//! Queue events carry tickets, never names, and the player never displays a
//! payload field other than the ones it knows; this module is the second
//! line: every text that reaches the screen passes through [`mask`], which
//! hides long digit runs (phone numbers, ID card numbers) and the given name
//! of anything written as "姓名：张三" / "name: ...".

/// Returns `text` with personal numbers and labelled names masked.
pub fn mask(text: &str) -> String {
    mask_labelled_names(&mask_digit_runs(text))
}

/// Digit runs of 7 or more (with an ID card's trailing X) are masked by the
/// one policy of `linli_shared::mask` (at most a third visible: a mobile
/// shows its last 3 digits, an ID number 6 characters); tickets ("A012"),
/// windows and times stay readable.
fn mask_digit_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || (i > start && matches!(chars[i], 'x' | 'X'))) {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            if run.len() >= 15 {
                out.push_str(&linli_shared::mask::id_number(&run));
            } else if run.len() >= 7 {
                out.push_str(&linli_shared::mask::phone(&run));
            } else {
                out.push_str(&run);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

const NAME_LABELS: [&str; 5] = ["姓名：", "姓名:", "居民：", "name:", "Name:"];

/// A labelled name is masked by `linli_shared::mask::name` (its first
/// third): "张三丰" → "张**", "张三" → "**".
fn mask_labelled_names(text: &str) -> String {
    let mut out = text.to_string();
    for label in NAME_LABELS {
        let mut from = 0;
        while let Some(pos) = out[from..].find(label) {
            let name_start = from + pos + label.len();
            let rest = &out[name_start..];
            let trimmed = rest.trim_start();
            let skip = rest.len() - trimmed.len();
            let name_len: usize = trimmed
                .chars()
                .take_while(|c| {
                    !c.is_whitespace() && !matches!(c, '，' | ',' | '。' | '；' | ';' | ')' | '）')
                })
                .map(char::len_utf8)
                .sum();
            let name = &trimmed[..name_len];
            let masked = linli_shared::mask::name(name);
            let start = name_start + skip;
            out.replace_range(start..start + name_len, &masked);
            from = start + masked.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn keeps_tickets_windows_and_times() {
        assert_eq!(
            mask("请 A012 号到 3 号窗口办理"),
            "请 A012 号到 3 号窗口办理"
        );
        assert_eq!(mask("开放时间 08:30-17:00"), "开放时间 08:30-17:00");
    }

    #[test]
    fn masks_phone_and_id_numbers() {
        // The one policy: at most a third of any number visible.
        assert_eq!(mask("电话 13812345678"), "电话 ********678");
        assert_eq!(mask("身份证 11010519491231002X"), "身份证 11************002X");
    }

    #[test]
    fn masks_labelled_names() {
        assert_eq!(mask("姓名：张三丰，请到2号窗口"), "姓名：张**，请到2号窗口");
        assert_eq!(mask("name: Wang Li"), "name: W*** Li");
        assert_eq!(mask("姓名：张三，请到2号窗口"), "姓名：**，请到2号窗口");
    }
}
