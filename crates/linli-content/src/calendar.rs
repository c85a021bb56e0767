//! `calendar/YEAR.toml`: the hall's public holidays and make-up working days
//! (调休上班) for one year, kept by editors from the State Council's yearly
//! notice. Read into a [`linli_shared::calendar::Calendar`]; every problem
//! names the file, the line and the field.
//!
//! ```toml
//! year = 2026
//! source = "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）"
//!
//! [[holidays]]
//! name = "春节"
//! from = "2026-02-15"
//! to = "2026-02-23"
//!
//! [[workdays]]
//! name = "春节调休上班"
//! date = "2026-02-14"
//! ```

use crate::error::{ContentError, ErrorCode, line_at};
use linli_shared::calendar::{Calendar, Date};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: Spanned<i64>,
    source: String,
    /// The official arrangement is not published yet: the file holds the
    /// statutory days only.
    #[serde(default)]
    provisional: bool,
    #[serde(default)]
    holidays: Vec<Holiday>,
    #[serde(default)]
    workdays: Vec<Workday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Holiday {
    name: String,
    from: Spanned<String>,
    to: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Workday {
    name: String,
    date: Spanned<String>,
}

/// One year as read from its file.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarYear {
    /// The year the file is for.
    pub year: i32,
    /// Where the dates come from (the State Council's notice).
    pub source: String,
    /// Only the statutory days: the official arrangement is not out yet.
    pub provisional: bool,
    /// Every day off that would otherwise be a working day, by holiday name.
    pub holidays: Vec<(String, Date)>,
    /// Make-up working days on weekends, by name.
    pub workdays: Vec<(String, Date)>,
}

/// Read one year's file (`path` is shown in errors as given).
pub fn parse_year(path: &str, text: &str) -> Result<CalendarYear, ContentError> {
    let file: YearFile = toml::from_str(text).map_err(|e| {
        let mut err = ContentError::new(path, ErrorCode::Syntax, format!("日历文件无法读取：{}", e.message()), format!("the calendar file cannot be read: {}", e.message()));
        if let Some(span) = e.span() {
            err = err.at_line(line_at(text, span.start, 1));
        }
        err
    })?;
    let line = |span: std::ops::Range<usize>| line_at(text, span.start, 1);
    let year = *file.year.get_ref();
    let stem = Path::new(path).file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem != year.to_string() {
        return Err(ContentError::new(
            path,
            ErrorCode::InvalidValue,
            format!("文件名应为 {year}.toml，与年份一致"),
            format!("the file should be named {year}.toml, after its year"),
        )
        .at_line(line(file.year.span()))
        .in_field("year"));
    }
    let date = |field: &str, v: &Spanned<String>| -> Result<Date, ContentError> {
        let d = Date::parse(v.get_ref()).map_err(|e| {
            ContentError::new(path, ErrorCode::BadDate, format!("日期写法应为 年-月-日，例如 {year}-02-14"), e)
                .at_line(line(v.span()))
                .in_field(field)
        })?;
        if i64::from(d.year) != year {
            return Err(ContentError::new(path, ErrorCode::BadDate, format!("{d} 不在 {year} 年内"), format!("{d} is not in {year}"))
                .at_line(line(v.span()))
                .in_field(field));
        }
        Ok(d)
    };
    let mut holidays = Vec::new();
    for h in &file.holidays {
        let (from, to) = (date("holidays.from", &h.from)?, date("holidays.to", &h.to)?);
        if to < from {
            return Err(ContentError::new(path, ErrorCode::BadDate, "假期的结束日早于开始日", "the holiday ends before it starts")
                .at_line(line(h.to.span()))
                .in_field("holidays.to"));
        }
        let mut d = from;
        while d <= to {
            holidays.push((h.name.clone(), d));
            d = d.plus_days(1);
        }
    }
    let mut workdays = Vec::new();
    for w in &file.workdays {
        let d = date("workdays.date", &w.date)?;
        if holidays.iter().any(|(_, h)| *h == d) {
            return Err(ContentError::new(path, ErrorCode::BadDate, format!("{d} 既是假日又是上班日"), format!("{d} is both a holiday and a working day"))
                .at_line(line(w.date.span()))
                .in_field("workdays.date"));
        }
        workdays.push((w.name.clone(), d));
    }
    Ok(CalendarYear { year: year as i32, source: file.source, provisional: file.provisional, holidays, workdays })
}

/// Read every `YEAR.toml` in `dir` into one calendar; the years that could
/// not be read come back as errors (the others are still used).
pub fn load_dir(dir: &Path) -> (Calendar, Vec<CalendarYear>, Vec<ContentError>) {
    let mut cal = Calendar::default();
    let mut years = Vec::new();
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return (cal, years, errors) };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
    files.sort();
    for p in files {
        let shown = format!("calendar/{}", p.file_name().and_then(|n| n.to_str()).unwrap_or("?"));
        match std::fs::read_to_string(&p) {
            Ok(text) => match parse_year(&shown, &text) {
                Ok(y) => {
                    cal.add_year(y.year, y.holidays.iter().map(|(_, d)| *d), y.workdays.iter().map(|(_, d)| *d));
                    years.push(y);
                }
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(ContentError::new(shown, ErrorCode::Io, format!("无法读取：{e}"), format!("cannot be read: {e}"))),
        }
    }
    (cal, years, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    /// The shipped 2026 file, against the State Council's notice: the
    /// Spring Festival week with its two make-up Saturdays, National Day.
    #[test]
    fn the_shipped_2026_calendar_counts_across_the_spring_festival() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/calendar");
        let (cal, years, errors) = load_dir(&dir);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(cal.years(), [2026, 2027]);
        assert!(years.iter().any(|y| y.year == 2027 && y.provisional), "2027 is marked provisional");
        // Saturday 14 February is worked; 15–23 February are off.
        assert!(cal.is_working_day(d("2026-02-14")).unwrap());
        assert!(!cal.is_working_day(d("2026-02-16")).unwrap(), "a Monday of the holiday");
        assert!(!cal.is_working_day(d("2026-02-23")).unwrap());
        assert!(cal.is_working_day(d("2026-02-28")).unwrap(), "the second make-up Saturday");
        // Five working days from Thursday 12 February: 13, 14, 24, 25, 26.
        assert_eq!(cal.add_working_days(d("2026-02-12"), 5).unwrap(), d("2026-02-26"));
        // Six working days from Friday 13 February: 14, 24–27, then the
        // make-up Saturday 28 February; ten reach Thursday 5 March.
        assert_eq!(cal.add_working_days(d("2026-02-13"), 6).unwrap(), d("2026-02-28"));
        assert_eq!(cal.working_days_between(d("2026-02-13"), d("2026-02-28")).unwrap(), 6);
        assert_eq!(cal.add_working_days(d("2026-02-13"), 10).unwrap(), d("2026-03-05"));
        // National Day: 1–7 October off, Sunday 20 September and Saturday 10 October worked.
        assert!(cal.is_working_day(d("2026-09-20")).unwrap());
        assert!(!cal.is_working_day(d("2026-10-05")).unwrap());
        assert!(cal.is_working_day(d("2026-10-10")).unwrap());
        // New Year 2027 (provisional): 1 January off, and the year runs on.
        assert_eq!(cal.add_working_days(d("2026-12-31"), 1).unwrap(), d("2027-01-04"));
    }

    #[test]
    fn a_bad_date_names_the_file_line_and_field() {
        let _ = d;
        let text = "year = 2026\nsource = \"x\"\n\n[[holidays]]\nname = \"春节\"\nfrom = \"2026-02-15\"\nto = \"2026-02-30\"\n";
        let e = parse_year("calendar/2026.toml", text).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(7), Some("holidays.to")), "{e}");
        let e = parse_year("calendar/2027.toml", "year = 2026\nsource = \"x\"\n").unwrap_err();
        assert!(e.message_en.contains("2026.toml"), "{e}");
        let e = parse_year("calendar/2026.toml", "year = 2026\nsource = \"x\"\nholiday = []\n").unwrap_err();
        assert_eq!(e.line, Some(3), "an unknown field is located: {e}");
    }
}
