//! One written form for residents' phone and ID card numbers, so that the
//! same number typed differently (`+86 139-0000-1111`, `0086 13900001111`,
//! full-width digits from a Chinese input method, a lower-case `x`) compares
//! and hashes the same. Every rule that depends on "the same phone" (one
//! ticket per phone, looking up a resident) must compare normalised values,
//! or a resident gets around it by typing the number another way.

/// Full-width forms (U+FF01..U+FF5E) to their ASCII twins, the ideographic
/// space to a space, and the dashes an input method may give to `-`.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' => ' ',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' => '-',
        '\u{3002}' => '.',
        _ => c,
    }
}

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    /// Nothing but separators.
    Empty,
    /// A character that is neither a digit nor a separator.
    Character(char),
    /// Fewer than 7 or more than 15 digits.
    Length(usize),
}

impl std::fmt::Display for PhoneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhoneError::Empty => write!(f, "no digits"),
            PhoneError::Character(c) => write!(f, "`{c}` is not a digit"),
            PhoneError::Length(n) => write!(f, "{n} digits; a phone number has 7 to 15"),
        }
    }
}

/// A phone number in one form: digits only, a mainland number without its
/// country code (`+86`, `0086` or a bare `86` before an 11-digit mobile;
/// a landline written `+86 10 …` gets its trunk `0` back), any other
/// country's number as `+` and its digits. Spaces, dashes, dots and
/// parentheses are separators; full-width characters count as ASCII.
///
/// ```
/// use linli_shared::normalise::phone;
/// assert_eq!(phone("+86 139-0000-1111").unwrap(), "13900001111");
/// assert_eq!(phone("0086 13900001111").unwrap(), "13900001111");
/// assert_eq!(phone("８６１３９００００１１１１").unwrap(), "13900001111");
/// assert_eq!(phone("(010) 6512.3456").unwrap(), "01065123456");
/// assert_eq!(phone("+86 10 6512 3456").unwrap(), "01065123456");
/// assert_eq!(phone("+44 20 7946 0958").unwrap(), "+442079460958");
/// ```
pub fn phone(s: &str) -> Result<String, PhoneError> {
    let mut digits = String::new();
    let mut plus = false;
    for c in s.chars().map(half_width) {
        match c {
            '0'..='9' => digits.push(c),
            // `+` only before the first digit: the international prefix.
            '+' if digits.is_empty() && !plus => plus = true,
            ' ' | '\t' | '-' | '.' | '(' | ')' | '/' => {}
            other => return Err(PhoneError::Character(other)),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    // `00` is the international prefix dialled from China, like `+`.
    let international = if plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    let out = match international {
        Some(intl) => match intl.strip_prefix("86") {
            Some(national) if is_mobile(national) => national.to_owned(),
            // A landline: back to the national form with its trunk 0.
            Some(national) if !national.is_empty() && !national.starts_with('0') => format!("0{national}"),
            Some(national) if !national.is_empty() => national.to_owned(),
            _ => format!("+{intl}"),
        },
        // A bare 86 before a mobile number (13 digits, as some forms fill
        // in the country code without the plus).
        None if digits.len() == 13 && is_mobile(&digits[2..]) && digits.starts_with("86") => digits[2..].to_owned(),
        None => digits,
    };
    let n = out.trim_start_matches('+').len();
    if !(7..=15).contains(&n) {
        return Err(PhoneError::Length(n));
    }
    Ok(out)
}

/// An 11-digit mainland mobile number (they all start with 1).
fn is_mobile(d: &str) -> bool {
    d.len() == 11 && d.starts_with('1') && d.bytes().all(|b| b.is_ascii_digit())
}

/// An ID card number in one form: full-width characters as ASCII, spaces
/// and dashes gone, letters upper-case (the check character `X`). Whether
/// the result is a valid number is for the caller to check (the check digit
/// is [`id_check_digit_ok`]).
///
/// ```
/// use linli_shared::normalise::id_number;
/// assert_eq!(id_number(" 110105 19491231 002x "), "11010519491231002X");
/// assert_eq!(id_number("１１０１０５１９４９１２３１００２ｘ"), "11010519491231002X");
/// ```
pub fn id_number(s: &str) -> String {
    s.chars().map(half_width).filter(|c| !matches!(c, ' ' | '\t' | '-')).map(|c| c.to_ascii_uppercase()).collect()
}

/// Whether an 18-character mainland ID card number (already normalised)
/// carries the right ISO 7064 MOD 11-2 check character.
pub fn id_check_digit_ok(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    if c.len() != 18 || !c[..17].iter().all(|d| d.is_ascii_digit()) {
        return false;
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = c[..17].iter().zip(W).map(|(d, w)| d.to_digit(10).unwrap_or(0) * w).sum();
    c[17] == ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize]
}

/// `%XX` escapes decoded to their bytes; anything else (a lone `%`, a bad
/// escape) kept as it is. Not `+` to space: that is a form's rule, not a
/// URL's.
pub fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mobile_written_every_way_is_one_number() {
        for s in [
            "13900001111",
            "139 0000 1111",
            "139-0000-1111",
            "139.0000.1111",
            "(139) 0000 1111",
            "+86 139-0000-1111",
            "+8613900001111",
            "0086 13900001111",
            "008613900001111",
            "8613900001111",
            "86 139 0000 1111",
            "１３９００００１１１１",
            "＋８６　１３９－００００－１１１１",
            "139—0000—1111",
        ] {
            assert_eq!(phone(s), Ok("13900001111".into()), "{s}");
        }
    }

    #[test]
    fn landlines_and_other_countries() {
        assert_eq!(phone("6512 3456"), Ok("65123456".into()));
        assert_eq!(phone("010-65123456"), Ok("01065123456".into()));
        assert_eq!(phone("+86 10 6512 3456"), Ok("01065123456".into()));
        assert_eq!(phone("0086 010 6512 3456"), Ok("01065123456".into()));
        assert_eq!(phone("+852 9123 4567"), Ok("+85291234567".into()));
        assert_eq!(phone("00852 9123 4567"), Ok("+85291234567".into()));
        // 86 without a plus before something that is not a mobile: as typed.
        assert_eq!(phone("8665123456"), Ok("8665123456".into()));
    }

    #[test]
    fn refusals() {
        assert_eq!(phone(""), Err(PhoneError::Empty));
        assert_eq!(phone(" - "), Err(PhoneError::Empty));
        assert_eq!(phone("123456"), Err(PhoneError::Length(6)));
        assert_eq!(phone("1234567890123456"), Err(PhoneError::Length(16)));
        assert_eq!(phone("139a0000111"), Err(PhoneError::Character('a')));
        assert_eq!(phone("139+00001111"), Err(PhoneError::Character('+')));
        assert_eq!(phone("++8613900001111"), Err(PhoneError::Character('+')));
    }

    /// Normalising twice changes nothing, and separators never change the
    /// number: over many generated spellings of generated numbers.
    #[test]
    fn normalising_is_stable_and_ignores_separators() {
        let mut x: u64 = 7;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) as usize
        };
        let seps = [" ", "-", ".", "(", ")", "　", "－", ""];
        for _ in 0..20_000 {
            let n = 7 + next() % 9;
            let digits: String = (0..n).map(|_| char::from(b'0' + (next() % 10) as u8)).collect();
            let mut typed = String::new();
            for c in digits.chars() {
                typed.push_str(seps[next() % seps.len()]);
                // Now and then the full-width digit.
                typed.push(if next() % 4 == 0 { char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap() } else { c });
            }
            let plain = phone(&digits);
            assert_eq!(phone(&typed), plain, "{typed:?} and {digits:?}");
            if let Ok(p) = &plain {
                assert_eq!(phone(p).as_ref(), Ok(p), "{p} is stable");
            }
            let id = id_number(&typed);
            assert_eq!(id_number(&id), id);
        }
    }

    #[test]
    fn id_numbers() {
        assert_eq!(id_number("11010519491231002x"), "11010519491231002X");
        assert_eq!(id_number("110105 1949 1231 002X"), "11010519491231002X");
        assert_eq!(id_number("１１０１０５１９４９１２３１００２Ｘ"), "11010519491231002X");
        assert!(id_check_digit_ok(&id_number("11010519491231002x")));
        assert!(!id_check_digit_ok("110105194912310021"));
        assert!(!id_check_digit_ok("1101051949123100"));
    }
}
