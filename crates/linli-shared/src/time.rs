//! The hall's local time from a UTC offset, without time-zone data (a hall
//! runs on one fixed offset; the machine's zone setting does not matter).

/// A local date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Local {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month 1-12.
    pub month: u32,
    /// Day 1-31.
    pub day: u32,
    /// Hour 0-23.
    pub hour: u32,
    /// Minute 0-59.
    pub minute: u32,
}

/// Local time of `ms` (since the Unix epoch) at `offset_minutes` from UTC.
pub fn local(ms: i64, offset_minutes: i32) -> Local {
    let secs = ms.div_euclid(1000) + offset_minutes as i64 * 60;
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    Local { year, month, day, hour: (rem / 3600) as u32, minute: ((rem % 3600) / 60) as u32 }
}

/// The start (local midnight) of the hall's day that contains `ms`, in ms
/// since the Unix epoch.
pub fn day_start(ms: i64, offset_minutes: i32) -> i64 {
    let offset_ms = offset_minutes as i64 * 60_000;
    (ms + offset_ms).div_euclid(86_400_000) * 86_400_000 - offset_ms
}

/// `YYYY-MM-DD HH:MM`.
pub fn format(ms: i64, offset_minutes: i32) -> String {
    let t = local(ms, offset_minutes);
    format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year, t.month, t.day, t.hour, t.minute)
}

/// Howard Hinnant's days-to-civil algorithm (days since 1970-01-01).
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((yoe + era * 400 + i64::from(m <= 2)) as i32, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn beijing_time() {
        // 2026-01-01T00:00:00Z is 08:00 in Beijing.
        assert_eq!(super::format(1_767_225_600_000, 480), "2026-01-01 08:00");
        assert_eq!(super::format(0, 0), "1970-01-01 00:00");
        assert_eq!(super::format(951_782_400_000, 0), "2000-02-29 00:00");
    }
}

#[cfg(test)]
mod day_start_tests {
    use super::{day_start, local};

    #[test]
    fn the_halls_day_starts_at_its_own_midnight() {
        // 2026-11-29 01:30 in Beijing is 2026-11-28 17:30 UTC.
        let t = 1_795_887_000_000; // 2026-11-28T17:30:00Z
        let start = day_start(t, 480);
        let l = local(start, 480);
        assert_eq!((l.day, l.hour, l.minute), (29, 0, 0));
        assert!(start <= t && t - start < 86_400_000);
        // Just before midnight belongs to the day before.
        assert_eq!(day_start(start - 1, 480), start - 86_400_000);
    }
}
