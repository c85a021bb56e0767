//! Masking residents' personal data for public screens, tickets and logs.
//!
//! One rule for every value: at most a third of its characters stay
//! visible (rounded down), so a masked value never gives away most of a
//! phone, ID card number or name, however short it is. A 7-digit landline
//! shows 2 digits, an 11-digit mobile 3, an 18-character ID number 6, a
//! three-character name its surname, a two-character name nothing.

use crate::normalise;

/// How many characters of a value `n` long may be shown.
pub fn visible(n: usize) -> usize {
    n / 3
}

/// `张三明` → `张**`, `欧阳娜娜` → `欧***`, `李四` → `**`: the first third
/// (the surname side), the rest starred.
pub fn name(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    let keep = visible(chars.len());
    chars.iter().enumerate().map(|(i, c)| if i < keep { *c } else { '*' }).collect()
}

/// `13812341234` → `********234`, `6512 3456` → `******56`: the last third
/// of the digits (what a resident recognises as theirs), read after
/// normalising (`+86 138-1234-1234` masks like `13812341234`).
pub fn phone(s: &str) -> String {
    let digits: String = match normalise::phone(s) {
        Ok(p) => p.trim_start_matches('+').to_owned(),
        // Not a phone we understand: mask whatever digits it has.
        Err(_) => s.chars().filter(char::is_ascii_digit).collect(),
    };
    tail(&digits.chars().collect::<Vec<_>>(), 4)
}

/// `110101199001011234` → `11************1234`: of the visible third, the
/// last four characters (with the check character) and the rest from the
/// start (the province). Read after normalising (`x` → `X`, full-width).
pub fn id_number(s: &str) -> String {
    let chars: Vec<char> = normalise::id_number(s).chars().collect();
    let keep = if chars.len() < SHORT { 0 } else { visible(chars.len()) };
    let tail = keep.min(4);
    let head = keep - tail;
    let n = chars.len();
    chars.iter().enumerate().map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' }).collect()
}

/// Mask an already masked (or partly masked) value again under the rule:
/// the last third of its characters, at most `max_tail`. Used on values
/// stored masked under an older, looser rule (`138****1234` → `********234`).
pub fn remask(s: &str, max_tail: usize) -> String {
    tail(&s.chars().collect::<Vec<_>>(), max_tail)
}

/// Numbers shorter than this are starred whole: a digit of a 5-digit
/// number narrows it down too far.
const SHORT: usize = 6;

/// Keep the last `visible(n)` characters (at most `max_tail`), star the rest.
fn tail(c: &[char], max_tail: usize) -> String {
    let n = c.len();
    let keep = if n < SHORT { 0 } else { visible(n).min(max_tail) };
    c.iter().enumerate().map(|(i, ch)| if i >= n - keep { *ch } else { '*' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(name("张三明"), "张**");
        assert_eq!(name("李四"), "**");
        assert_eq!(name("欧阳娜娜"), "欧***");
        assert_eq!(name(" 王 "), "*");
        assert_eq!(name(""), "");
        assert_eq!(phone("13812341234"), "********234");
        assert_eq!(phone("+86 138-1234-1234"), "********234");
        assert_eq!(phone("0086 13812341234"), "********234");
        assert_eq!(phone("6512345"), "*****45");
        assert_eq!(phone("65123456"), "******56");
        assert_eq!(phone("12345"), "*****");
        assert_eq!(id_number("110101199001011234"), "11************1234");
        assert_eq!(id_number("11010519491231002x"), "11************002X");
        assert_eq!(remask("138****1234", 4), "********234");
        assert_eq!(remask("********234", 4), "********234");
    }

    /// A small deterministic generator, so the property below runs over
    /// many values without a dependency.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
        fn string(&mut self, alphabet: &[char], max: usize) -> String {
            let n = (self.next() as usize) % (max + 1);
            (0..n).map(|_| alphabet[(self.next() as usize) % alphabet.len()]).collect()
        }
    }

    /// Characters of `masked` that are not stars.
    fn shown(masked: &str) -> usize {
        masked.chars().filter(|c| *c != '*').count()
    }

    #[test]
    fn never_more_than_a_third_is_shown() {
        let digits: Vec<char> = "0123456789０１２３ -+()".chars().collect();
        let id: Vec<char> = "0123456789Xx１２ ".chars().collect();
        let names: Vec<char> = "张三明欧阳娜李四王 ab".chars().collect();
        let mut r = Lcg(12);
        for _ in 0..20_000 {
            let p = r.string(&digits, 24);
            let n = normalise::phone(&p).map(|d| d.trim_start_matches('+').len()).unwrap_or_else(|_| p.chars().filter(char::is_ascii_digit).count());
            let m = phone(&p);
            assert!(shown(&m) <= n / 3, "phone {p:?} → {m:?}");
            assert_eq!(m.chars().count(), n, "phone {p:?} → {m:?} keeps its length");

            let i = r.string(&id, 24);
            let m = id_number(&i);
            let n = normalise::id_number(&i).chars().count();
            assert!(shown(&m) <= n / 3, "id {i:?} → {m:?}");

            let s = r.string(&names, 8);
            let m = name(&s);
            let n = s.trim().chars().count();
            assert!(shown(&m) <= n / 3, "name {s:?} → {m:?}");

            // Masking twice never shows more than masking once.
            assert!(shown(&remask(&phone(&p), 4)) <= shown(&phone(&p)));
        }
    }
}
