//! The hall's calendar: local days, opening hours and issuing periods.

use crate::config::Config;
use linli_sdk::prelude::*;

const DAY_MS: i64 = 86_400_000;

/// `HH:MM` → minutes after midnight (`24:00` = 1440).
pub fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// One moment seen in the hall's local time.
#[derive(Debug, Clone)]
pub struct Local {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Minutes after local midnight.
    pub minute: u32,
    /// ISO weekday, Monday = 1.
    pub weekday: u8,
    /// The local midnight that started this day, in ms since the epoch.
    pub midnight_ms: i64,
}

impl Local {
    pub fn at(ms: i64) -> Local {
        let offset_ms = clock::utc_offset_minutes() as i64 * 60_000;
        let local = ms + offset_ms;
        let days = local.div_euclid(DAY_MS);
        let (y, m, d, hh, mm) = clock::local(ms);
        Local {
            day: format!("{y:04}-{m:02}-{d:02}"),
            minute: hh * 60 + mm,
            // 1970-01-01 was a Thursday (4).
            weekday: ((days + 3).rem_euclid(7) + 1) as u8,
            midnight_ms: days * DAY_MS - offset_ms,
        }
    }
}

/// Is the hall open on this day at all?
pub fn open_day(cfg: &Config, l: &Local) -> bool {
    if cfg.hours.closed_dates.iter().any(|d| d == &l.day) {
        return false;
    }
    let by_weekday = cfg.hours.days.contains(&l.weekday);
    if !cfg.hours.follow_calendar {
        return by_weekday;
    }
    // The national calendar overrides the weekly rule where it has
    // something to say: a holiday on a weekday closes the hall, a make-up
    // working day on a weekend opens it.
    match linli_sdk::calendar::is_working_day(&l.day) {
        Ok(false) if l.weekday <= 5 => false,
        Ok(true) if l.weekday >= 6 => true,
        _ => by_weekday,
    }
}

/// Why no ticket can be issued now, if so: (zh, en).
pub fn issuing_closed(cfg: &Config, l: &Local) -> Option<(String, String)> {
    let open = minutes(&cfg.hours.open).unwrap_or(0);
    let last = minutes(&cfg.hours.last_ticket).unwrap_or(1440);
    if !open_day(cfg, l) {
        return Some(("今天大厅不开放，请在办公日前来".into(), "The hall is closed today; please come on a working day".into()));
    }
    if l.minute < open {
        return Some((
            format!("大厅尚未开始取号，取号时间 {} 至 {}", cfg.hours.open, cfg.hours.last_ticket),
            format!("Tickets are not issued yet; issuing runs {} to {}", cfg.hours.open, cfg.hours.last_ticket),
        ));
    }
    if l.minute >= last {
        return Some((
            format!("今天 {} 后停止取号，请明天再来", cfg.hours.last_ticket),
            format!("No more tickets today after {}; please come back tomorrow", cfg.hours.last_ticket),
        ));
    }
    None
}

/// The issuing period code (`am`, `pm`) a minute falls in.
pub fn period(cfg: &Config, minute: u32) -> String {
    cfg.periods
        .iter()
        .find(|p| minute < minutes(&p.until).unwrap_or(1440))
        .map(|p| p.code.clone())
        .unwrap_or_else(|| "day".into())
}

/// Has the hall closed for the day (at or after closing time)?
pub fn after_close(cfg: &Config, l: &Local) -> bool {
    l.minute >= minutes(&cfg.hours.close).unwrap_or(1440)
}
