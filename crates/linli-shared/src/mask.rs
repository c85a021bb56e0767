//! Masking residents' personal data for public screens, tickets and logs.

/// `张三明` → `张*明`, `李四` → `李*`, `欧阳娜娜` → `欧**娜`.
pub fn name(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// `13812341234` → `138****1234` (digits only; short numbers fully masked).
pub fn phone(s: &str) -> String {
    let digits: Vec<char> = s.chars().filter(|c| c.is_ascii_digit()).collect();
    keep_ends(&digits, 3, 4, 7)
}

/// `110101199001011234` → `110101********1234`.
pub fn id_number(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    keep_ends(&chars, 6, 4, 10)
}

/// Keep `head` and `tail` characters, star the middle; fewer than `min`
/// characters are all starred (too short to show any of it safely).
fn keep_ends(c: &[char], head: usize, tail: usize, min: usize) -> String {
    let n = c.len();
    if n < min {
        return "*".repeat(n);
    }
    format!("{}{}{}", c[..head].iter().collect::<String>(), "*".repeat(n - head - tail), c[n - tail..].iter().collect::<String>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks() {
        assert_eq!(super::name("张三明"), "张*明");
        assert_eq!(super::name("李四"), "李*");
        assert_eq!(super::name("欧阳娜娜"), "欧**娜");
        assert_eq!(super::phone("13812341234"), "138****1234");
        assert_eq!(super::phone("12345"), "*****");
        assert_eq!(super::id_number("110101199001011234"), "110101********1234");
        assert_eq!(super::id_number("11010519491231002X"), "110105********002X");
    }
}
