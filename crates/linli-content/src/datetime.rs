//! Reading the dates editors write in `valid_from` and `valid_until`.
//!
//! Accepted, with or without quotes in the TOML:
//! `2025-07-01T08:00:00+08:00` (RFC 3339), `2025-07-01 08:00` (hall time),
//! `2025-07-01T08:00`, and a bare date `2025-07-01`. A bare date means the
//! start of that day in `valid_from` and the end of that day in
//! `valid_until`, which is what editors mean by "until 1 July".

use crate::time::{Timestamp, UtcOffset, two_digits};

/// Parses one of the accepted forms; times without an offset are hall time.
///
/// `end_of_day` picks what a bare date means: the next midnight (for
/// `valid_until`, which is exclusive) or its own midnight.
pub(crate) fn parse_datetime(text: &str, offset: UtcOffset, end_of_day: bool) -> Option<Timestamp> {
    let text = text.trim();
    let (date, rest) = if text.len() > 10 {
        (text.get(..10)?, text.get(10..)?)
    } else {
        (text, "")
    };
    let (year, month, day) = parse_date(date)?;
    if rest.is_empty() {
        let start = Timestamp::from_local(offset, year, month, day, 0, 0, 0)?;
        return Some(if end_of_day {
            Timestamp(start.0 + 86_400)
        } else {
            start
        });
    }
    let rest = rest
        .strip_prefix('T')
        .or_else(|| rest.strip_prefix('t'))
        .or_else(|| rest.strip_prefix(' '))?;
    let hour: u32 = two_digits::<u8>(rest.get(0..2)?)?.into();
    if rest.get(2..3)? != ":" {
        return None;
    }
    let minute: u32 = two_digits::<u8>(rest.get(3..5)?)?.into();
    let mut rest = rest.get(5..)?;
    let mut second = 0;
    if let Some(after) = rest.strip_prefix(':') {
        second = two_digits::<u8>(after.get(0..2)?)?.into();
        rest = after.get(2..)?;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            rest = frac.get(digits..)?;
        }
    }
    let zone = if rest.is_empty() {
        offset
    } else {
        UtcOffset::parse(rest)?
    };
    Timestamp::from_local(zone, year, month, day, hour, minute, second)
}

fn parse_date(text: &str) -> Option<(i32, u32, u32)> {
    let mut parts = text.split('-');
    let year = parts.next()?;
    let month = parts.next()?;
    let day = parts.next()?;
    if parts.next().is_some() || year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let month: u8 = two_digits(month)?;
    let day: u8 = two_digits(day)?;
    Some((year, month.into(), day.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_agree() {
        let cst = UtcOffset::CHINA;
        let a = parse_datetime("2025-07-01T08:00:00+08:00", cst, false);
        let b = parse_datetime("2025-07-01 08:00", cst, false);
        let c = parse_datetime("2025-07-01T00:00:00Z", cst, false);
        let d = parse_datetime("2025-07-01T08:00:00.250+08:00", cst, false);
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a, d);
    }

    #[test]
    fn bare_dates_cover_the_whole_day() {
        let cst = UtcOffset::CHINA;
        let from = parse_datetime("2025-07-01", cst, false);
        let until = parse_datetime("2025-07-01", cst, true);
        assert_eq!(from.map(|t| t.0 + 86_400), until.map(|t| t.0));
    }

    #[test]
    fn rejects_nonsense() {
        let cst = UtcOffset::CHINA;
        for bad in [
            "2025-13-01",
            "2025-02-30",
            "2025-07-01 25:00",
            "tomorrow",
            "2025/07/01",
            "2025-07-01 8:00",
        ] {
            assert_eq!(parse_datetime(bad, cst, false), None, "{bad}");
        }
    }
}
