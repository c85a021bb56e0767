//! How a Chinese hall reads tickets aloud: letters as letters, digits one by
//! one, "1" as 幺 (yāo) where staff say it that way so it is not heard as 七.
//! The queue plugin writes the sentence into its call events with this, and
//! the signage player speaks that sentence as it is: one reading everywhere.

/// How "1" is read inside a ticket number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Digits {
    /// 1 → 幺 (A012 → "A零幺二"), the usual reading of numbers called aloud.
    #[default]
    Yao,
    /// 1 → 一 (A012 → "A零一二").
    Yi,
}

/// Said before the sentence of a recall.
pub const RECALL_PREFIX: &str = "再次呼叫，";

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// "A012" → "A零幺二": each digit read separately, letters kept (espeak-ng's
/// Mandarin voice spells Latin letters).
pub fn ticket(ticket: &str, digits: Digits) -> String {
    ticket
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(1) if digits == Digits::Yao => '幺',
            Some(d) => DIGITS[d as usize],
            None => c.to_ascii_uppercase(),
        })
        .collect()
}

/// A window number reads as a number ("12" → 十二): people hear "12 号窗口".
pub fn window(window: &str) -> String {
    match window.parse::<u32>() {
        Ok(n) if n < 100 => number(n),
        _ => window.to_string(),
    }
}

fn number(n: u32) -> String {
    let (tens, ones) = (n / 10, n % 10);
    let mut s = String::new();
    if tens > 1 {
        s.push(DIGITS[tens as usize]);
    }
    if tens >= 1 {
        s.push('十');
    }
    if ones != 0 || tens == 0 {
        s.push(DIGITS[ones as usize]);
    }
    s
}

/// The sentence announced for a call: "请 A零幺二 号到 三 号窗口办理".
pub fn call_sentence(ticket_no: &str, window_no: &str, digits: Digits) -> String {
    format!("请 {} 号到 {} 号窗口办理", ticket(ticket_no, digits), window(window_no))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tickets_digit_by_digit() {
        assert_eq!(ticket("A012", Digits::Yao), "A零幺二");
        assert_eq!(ticket("A012", Digits::Yi), "A零一二");
        assert_eq!(ticket("b110", Digits::Yao), "B幺幺零");
    }

    #[test]
    fn reads_windows_as_numbers() {
        assert_eq!(window("3"), "三");
        assert_eq!(window("10"), "十");
        assert_eq!(window("12"), "十二");
        assert_eq!(window("20"), "二十");
        assert_eq!(window("0"), "零");
        assert_eq!(window("东1"), "东1");
    }

    #[test]
    fn builds_the_sentence() {
        assert_eq!(call_sentence("A012", "3", Digits::Yao), "请 A零幺二 号到 三 号窗口办理");
    }
}
