//! The scheduled tick: expire skipped tickets, close the day at closing
//! time, and start each new day afresh (numbers restart at 001 because
//! they are counted per day; windows are unpaused and their streaks reset).

use crate::announce;
use crate::config::Config;
use crate::day::{self, Local};
use crate::fail::Fail;
use linli_sdk::prelude::*;

const DAY_KEY: &str = "today";

pub fn tick(cfg: &Config, now: i64) -> Result<(), Fail> {
    let local = Local::at(now);
    let mut changed = 0;
    let new_day = kv::get(DAY_KEY)?.as_deref() != Some(local.day.as_bytes());
    if new_day {
        sql::execute("UPDATE windows SET paused = 0, streak = 0", &[])?;
        kv::set(DAY_KEY, local.day.as_bytes())?;
        log::info(&format!("queue day {} begins", local.day));
        changed += 1;
    }
    let keep_since = now - cfg.policy.missed_keep_minutes as i64 * 60_000;
    changed += sql::execute(
        "UPDATE tickets SET status = 'left', left_at = ?1 WHERE status = 'missed' AND (missed_at < ?2 OR ?3 = 1)",
        &[sql::int(now), sql::int(keep_since), sql::int((cfg.policy.missed == "expire") as i64)],
    )?;
    if cfg.hours.at_close == "clear" {
        // After closing time, or anything left from an earlier day (the
        // host may have been down at closing).
        let closed_today = day::after_close(cfg, &local) || !day::open_day(cfg, &local);
        // Each state read through its own partial index: this runs on every
        // tick, and a plain `status IN (…)` would read every ticket ever.
        changed += sql::execute(
            "UPDATE tickets SET status = 'left', left_at = ?1
             WHERE id IN (SELECT id FROM tickets WHERE status = 'waiting'
                          UNION ALL SELECT id FROM tickets WHERE status IN ('called', 'serving') AND status = 'called'
                          UNION ALL SELECT id FROM tickets WHERE status = 'missed')
               AND (day < ?2 OR ?3 = 1)",
            &[sql::int(now), sql::text(&local.day), sql::int(closed_today as i64)],
        )?;
    }
    if changed > 0 {
        announce::waiting(cfg, now)?;
    }
    Ok(())
}
