//! The hall's working days: weekends, public holidays and the official
//! make-up working days (调休上班), and the arithmetic every deadline in
//! "N 个工作日" uses.
//!
//! A [`Calendar`] knows the years it was given (the host reads them from
//! `content/calendar/YEAR.toml`); asking about a year it does not know is an
//! error naming the year, never a silent guess from weekends alone.
//!
//! ```
//! use linli_shared::calendar::{Calendar, Date};
//! let mut cal = Calendar::default();
//! let d = |s: &str| Date::parse(s).unwrap();
//! // 2026: Spring Festival 15–23 February, Saturday 14 February worked.
//! cal.add_year(2026, (15..=23).map(|day| Date::new(2026, 2, day)), [d("2026-02-14")]);
//! assert!(cal.is_working_day(d("2026-02-14")).unwrap());
//! assert!(!cal.is_working_day(d("2026-02-16")).unwrap());
//! // Five working days after Thursday 12 February: 13, 14, then 24, 25, 26.
//! assert_eq!(cal.add_working_days(d("2026-02-12"), 5).unwrap(), d("2026-02-26"));
//! ```

use std::collections::{BTreeMap, BTreeSet};

/// A calendar date (no time, no zone: the hall's own day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month 1-12.
    pub month: u32,
    /// Day 1-31.
    pub day: u32,
}

impl Date {
    /// A date from its parts (not checked; see [`Date::parse`]).
    pub const fn new(year: i32, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    /// `YYYY-MM-DD`, checked (month 1-12, the day within the month).
    pub fn parse(s: &str) -> Result<Date, String> {
        let bad = || format!("`{s}` is not a date written YYYY-MM-DD (for example 2026-02-14)");
        let mut parts = s.trim().split('-');
        let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else { return Err(bad()) };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let (Ok(year), Ok(month), Ok(day)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else { return Err(bad()) };
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(format!("`{s}` is not a day of the calendar"));
        }
        Ok(Date { year, month, day })
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days-from-civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` since 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let (year, month, day) = crate::time::civil_from_days(days);
        Date { year, month, day }
    }

    /// The date `n` days later (earlier when negative).
    pub fn plus_days(self, n: i64) -> Date {
        Date::from_days(self.days_since_epoch() + n)
    }

    /// Day of the week, 1 = Monday … 7 = Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (4).
        ((self.days_since_epoch() + 3).rem_euclid(7) + 1) as u32
    }

    /// The hall's date at `ms` (since the Unix epoch) and `offset_minutes`.
    pub fn of_ms(ms: i64, offset_minutes: i32) -> Date {
        let t = crate::time::local(ms, offset_minutes);
        Date { year: t.year, month: t.month, day: t.day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// One year's exceptions to "Monday to Friday".
#[derive(Debug, Clone, Default, PartialEq)]
struct Year {
    holidays: BTreeSet<Date>,
    workdays: BTreeSet<Date>,
}

/// Working days over the years it knows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calendar {
    years: BTreeMap<i32, Year>,
}

/// The most days a single question may walk (a deadline of 10 years of
/// working days is a mistake, not a deadline).
const MAX_WALK: i64 = 3660;

impl Calendar {
    /// Add (or replace) a year: its days off that would otherwise be
    /// working days, and its make-up working days on weekends.
    pub fn add_year(&mut self, year: i32, holidays: impl IntoIterator<Item = Date>, workdays: impl IntoIterator<Item = Date>) {
        self.years.insert(year, Year { holidays: holidays.into_iter().collect(), workdays: workdays.into_iter().collect() });
    }

    /// The years this calendar knows.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// Is `date` a working day of the hall?
    pub fn is_working_day(&self, date: Date) -> Result<bool, String> {
        let Some(year) = self.years.get(&date.year) else {
            return Err(format!(
                "the working-day calendar has no year {} (content/calendar/{}.toml is missing)",
                date.year, date.year
            ));
        };
        if year.workdays.contains(&date) {
            return Ok(true);
        }
        if year.holidays.contains(&date) {
            return Ok(false);
        }
        Ok(date.weekday() <= 5)
    }

    /// The `n`-th working day after `date` (before it when `n` is
    /// negative); `date` itself when `n` is 0. "Within 5 working days of
    /// Thursday 12 February" ends on `add_working_days(12 Feb, 5)`.
    pub fn add_working_days(&self, date: Date, n: i32) -> Result<Date, String> {
        let step = if n < 0 { -1 } else { 1 };
        let mut left = n.unsigned_abs();
        let mut d = date;
        let mut walked = 0;
        while left > 0 {
            d = d.plus_days(step);
            walked += 1;
            if walked > MAX_WALK {
                return Err(format!("{n} working days from {date} is more than ten years"));
            }
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// Working days after `from` up to and including `to` (negative when
    /// `to` is before `from`): how many working days have passed.
    pub fn working_days_between(&self, from: Date, to: Date) -> Result<i32, String> {
        let (a, b, sign) = if to >= from { (from, to, 1) } else { (to, from, -1) };
        if b.days_since_epoch() - a.days_since_epoch() > MAX_WALK {
            return Err(format!("{from} to {to} is more than ten years"));
        }
        let mut n = 0;
        let mut d = a;
        while d < b {
            d = d.plus_days(1);
            if self.is_working_day(d)? {
                n += 1;
            }
        }
        Ok(sign * n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn dates_parse_strictly_and_count_days() {
        assert_eq!(d("2026-02-14"), Date::new(2026, 2, 14));
        for bad in ["2026-2-14", "2026-02-30", "2025-02-29", "2026-13-01", "20260214", "2026-02-14-01", ""] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(d("2024-02-29").plus_days(1), d("2024-03-01"));
        assert_eq!(d("1970-01-01").days_since_epoch(), 0);
        assert_eq!(d("2026-11-29").weekday(), 7, "a Sunday");
        for n in [-800_000, -1, 0, 1, 20_000, 800_000] {
            assert_eq!(Date::from_days(n).days_since_epoch(), n);
        }
    }

    #[test]
    fn an_unknown_year_is_an_error_naming_it() {
        let cal = Calendar::default();
        let e = cal.is_working_day(d("2030-01-02")).unwrap_err();
        assert!(e.contains("2030"), "{e}");
    }

    #[test]
    fn working_days_walk_both_ways_and_count_back() {
        let mut cal = Calendar::default();
        cal.add_year(2026, [d("2026-05-01"), d("2026-05-04"), d("2026-05-05")], [d("2026-05-09")]);
        // Thursday 30 April + 1 → Wednesday 6 May (1–5 May off).
        assert_eq!(cal.add_working_days(d("2026-04-30"), 1).unwrap(), d("2026-05-06"));
        // … + 4: 6, 7, 8, then Saturday 9 May (worked).
        assert_eq!(cal.add_working_days(d("2026-04-30"), 4).unwrap(), d("2026-05-09"));
        assert_eq!(cal.add_working_days(d("2026-05-09"), -4).unwrap(), d("2026-04-30"));
        assert_eq!(cal.add_working_days(d("2026-05-03"), 0).unwrap(), d("2026-05-03"));
        assert_eq!(cal.working_days_between(d("2026-04-30"), d("2026-05-09")).unwrap(), 4);
        assert_eq!(cal.working_days_between(d("2026-05-09"), d("2026-04-30")).unwrap(), -4);
        assert!(cal.add_working_days(d("2026-12-30"), 5).is_err(), "runs into 2027, which is unknown");
    }
}
