//! Weekly schedules: on which days and during which hours an item shows.
//!
//! Editors write `days = ["周一-周五"]` or `["mon", "wed"]` or `[1, 2, 3]`, and
//! `hours = ["08:30-12:00", "14:00-17:30"]`. An empty list means "every day"
//! or "all day", so most items need no schedule at all.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::LocalTime;

/// When in the week an item may show, in hall time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Days of the week, 1 = Monday … 7 = Sunday; empty means every day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<u8>,
    /// Time ranges within the day; empty means all day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hours: Vec<HourRange>,
}

/// A range of wall-clock time, start inclusive and end exclusive, e.g.
/// `08:30-12:00`. A range whose end is before its start runs past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourRange {
    /// Minutes after midnight the range starts.
    pub start: u32,
    /// Minutes after midnight the range ends (up to 1440 for `24:00`).
    pub end: u32,
}

impl Schedule {
    /// Whether the schedule allows showing at this local time.
    pub fn contains(&self, t: &LocalTime) -> bool {
        let day_ok = self.days.is_empty() || self.days.contains(&t.weekday);
        let hour_ok =
            self.hours.is_empty() || self.hours.iter().any(|h| h.contains(t.minute_of_day));
        day_ok && hour_ok
    }

    /// Whether the schedule never restricts anything.
    pub fn is_always(&self) -> bool {
        self.days.is_empty() && self.hours.is_empty()
    }
}

impl HourRange {
    /// Whether a minute of the day falls inside the range.
    pub fn contains(&self, minute: u32) -> bool {
        if self.start <= self.end {
            (self.start..self.end).contains(&minute)
        } else {
            minute >= self.start || minute < self.end
        }
    }

    /// Parses `HH:MM-HH:MM` (also with `~`, `–` or `至` between the two).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (a, b) = ["-", "~", "～", "–", "至"]
            .iter()
            .find_map(|sep| text.split_once(sep))?;
        let start = clock_minutes(a.trim())?;
        let end = clock_minutes(b.trim())?;
        (start != end && start < 1440).then_some(HourRange { start, end })
    }
}

impl fmt::Display for HourRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, e) = (self.start, self.end);
        write!(f, "{:02}:{:02}-{:02}:{:02}", s / 60, s % 60, e / 60, e % 60)
    }
}

impl Serialize for HourRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HourRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        HourRange::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an hour range: {text}")))
    }
}

/// `H:MM` or `HH:MM` to minutes after midnight; `24:00` is the end of the day.
fn clock_minutes(text: &str) -> Option<u32> {
    let text = text.replace('：', ":");
    let (h, m) = text.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    match (h, m) {
        (24, 0) => Some(1440),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// Parses one `days` entry: a day (`mon`, `周一`, `星期一`, `1`), a range of
/// days (`周一-周五`, `mon-fri`, `1-5`), `工作日`/`weekdays` or `周末`/`weekend`.
pub(crate) fn parse_days(text: &str) -> Option<Vec<u8>> {
    let text = text.trim().to_lowercase();
    match text.as_str() {
        "工作日" | "weekdays" | "workdays" => return Some(vec![1, 2, 3, 4, 5]),
        "周末" | "weekend" | "weekends" => return Some(vec![6, 7]),
        "每天" | "daily" | "every day" => return Some((1..=7).collect()),
        _ => {}
    }
    if let Some(day) = one_day(&text) {
        return Some(vec![day]);
    }
    let (a, b) = ["-", "~", "～", "–", "至"]
        .iter()
        .find_map(|sep| text.split_once(sep))?;
    let (a, b) = (one_day(a.trim())?, one_day(b.trim())?);
    // A range like 周六-周一 wraps round the end of the week.
    let mut days = Vec::new();
    let mut d = a;
    loop {
        days.push(d);
        if d == b {
            break;
        }
        d = d % 7 + 1;
    }
    Some(days)
}

/// One day name or number to 1 = Monday … 7 = Sunday.
pub(crate) fn one_day(text: &str) -> Option<u8> {
    const NAMES: [[&str; 2]; 7] = [
        ["mon", "monday"],
        ["tue", "tuesday"],
        ["wed", "wednesday"],
        ["thu", "thursday"],
        ["fri", "friday"],
        ["sat", "saturday"],
        ["sun", "sunday"],
    ];
    const ZH: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    if let Ok(n) = text.parse::<u8>() {
        return (1..=7).contains(&n).then_some(n);
    }
    for (i, names) in NAMES.iter().enumerate() {
        if names.contains(&text) {
            return u8::try_from(i + 1).ok();
        }
    }
    let rest = ["周", "星期", "礼拜"]
        .iter()
        .find_map(|p| text.strip_prefix(p))?;
    let rest = if rest == "天" { "日" } else { rest };
    let i = ZH.iter().position(|z| *z == rest)?;
    u8::try_from(i + 1).ok()
}
