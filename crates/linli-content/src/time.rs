//! Instants and the hall's local time, without reading the system time zone.
//!
//! The hall runs on one fixed UTC offset from configuration (default +08:00):
//! servers in the hall are often set to UTC, and screens must not change what
//! they show because of how a machine was installed. Every check takes the
//! current instant as a parameter, so tests control the clock.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant, as whole seconds since 1970-01-01T00:00:00Z.
///
/// Serialised as an RFC 3339 string in UTC, e.g. `"2025-07-01T00:30:00Z"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// A fixed offset from UTC, serialised as `"+08:00"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UtcOffset {
    seconds: i32,
}

/// A calendar date and wall-clock time in the hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// Year, e.g. 2025.
    pub year: i32,
    /// Month 1-12.
    pub month: u32,
    /// Day of month 1-31.
    pub day: u32,
    /// Day of week, 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// Minutes since local midnight, 0-1439.
    pub minute_of_day: u32,
}

impl Timestamp {
    /// The current instant from the system clock.
    pub fn now() -> Self {
        let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        };
        Timestamp(secs)
    }

    /// The instant at a local date and time in the hall.
    pub fn from_local(
        offset: UtcOffset,
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second.min(59));
        Some(Timestamp(secs - i64::from(offset.seconds)))
    }

    /// The hall's calendar date and wall-clock time at this instant.
    pub fn local(self, offset: UtcOffset) -> LocalTime {
        let local = self.0 + i64::from(offset.seconds);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        // 1970-01-01 was a Thursday (weekday 4).
        let weekday = u8::try_from((days + 3).rem_euclid(7) + 1).unwrap_or(1);
        LocalTime {
            year,
            month,
            day,
            weekday,
            minute_of_day: u32::try_from(secs / 60).unwrap_or(0),
        }
    }
}

impl UtcOffset {
    /// China Standard Time, the default for the hall.
    pub const CHINA: UtcOffset = UtcOffset { seconds: 8 * 3600 };
    /// UTC itself.
    pub const UTC: UtcOffset = UtcOffset { seconds: 0 };

    /// An offset of whole minutes east of UTC (negative for west).
    pub fn from_minutes(minutes: i32) -> Option<Self> {
        (minutes.abs() < 24 * 60).then_some(UtcOffset {
            seconds: minutes * 60,
        })
    }

    /// Seconds east of UTC.
    pub fn seconds(self) -> i32 {
        self.seconds
    }

    /// Parses `+08:00`, `-05:30`, `Z` or `+0800`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text == "Z" || text == "z" {
            return Some(UtcOffset::UTC);
        }
        let (sign, rest) = match text.as_bytes().first()? {
            b'+' => (1, &text[1..]),
            b'-' => (-1, &text[1..]),
            _ => return None,
        };
        let (h, m) = match rest.split_once(':') {
            Some((h, m)) => (h, m),
            None if rest.len() == 4 => rest.split_at(2),
            None => return None,
        };
        let h: i32 = two_digits(h)?;
        let m: i32 = two_digits(m)?;
        if m > 59 {
            return None;
        }
        UtcOffset::from_minutes(sign * (h * 60 + m))
    }
}

impl Default for UtcOffset {
    fn default() -> Self {
        UtcOffset::CHINA
    }
}

impl fmt::Display for UtcOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.seconds < 0 { '-' } else { '+' };
        let minutes = self.seconds.abs() / 60;
        write!(f, "{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.local(UtcOffset::UTC);
        let sec = self.0.rem_euclid(60);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year,
            t.month,
            t.day,
            t.minute_of_day / 60,
            t.minute_of_day % 60,
            sec
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        crate::datetime::parse_datetime(&text, UtcOffset::UTC, false)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 time: {text}")))
    }
}

impl Serialize for UtcOffset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UtcOffset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        UtcOffset::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a UTC offset: {text}")))
    }
}

/// Parses exactly two ASCII digits.
pub(crate) fn two_digits<T: From<u8>>(text: &str) -> Option<T> {
    match text.as_bytes() {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(T::from((a - b'0') * 10 + (b - b'0'))),
        _ => None,
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-date algorithms: exact for the proleptic Gregorian
// calendar and small enough not to need a date crate.
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        i32::try_from(year).unwrap_or(i32::MAX),
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}
