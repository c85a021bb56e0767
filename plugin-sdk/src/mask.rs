//! Masking residents' personal data for public screens, tickets and logs.

/// `张三明` → `张*明`, `李四` → `李*`.
pub fn name(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// `13812341234` → `138****1234`.
pub fn phone(s: &str) -> String {
    let digits: Vec<char> = s.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 7 {
        return "*".repeat(digits.len());
    }
    let n = digits.len();
    format!("{}{}{}", digits[..3].iter().collect::<String>(), "*".repeat(n - 7), digits[n - 4..].iter().collect::<String>())
}

/// `110101199001011234` → `110101********1234`.
pub fn id_number(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    let n = chars.len();
    if n < 10 {
        return "*".repeat(n);
    }
    format!("{}{}{}", chars[..6].iter().collect::<String>(), "*".repeat(n - 10), chars[n - 4..].iter().collect::<String>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks() {
        assert_eq!(super::name("张三明"), "张*明");
        assert_eq!(super::name("李四"), "李*");
        assert_eq!(super::name("欧阳娜娜"), "欧**娜");
        assert_eq!(super::phone("13812341234"), "138****1234");
        assert_eq!(super::id_number("110101199001011234"), "110101********1234");
    }
}
