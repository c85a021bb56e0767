//! Windows (窗口) as they are used today: who is there, paused or not, and
//! which ones count as open for the wait estimates.

use crate::config::Config;
use crate::db;
use crate::fail::Fail;
use linli_sdk::prelude::*;
use serde::Deserialize;

/// The columns of `windows` the console and the policy need.
#[derive(Debug, Clone, Deserialize)]
pub struct WindowRow {
    pub paused: i64,
    pub streak: i64,
}

/// The window the calling clerk signed in at, checked against the
/// configuration; a 4xx when there is none.
pub fn of_caller<'a>(cfg: &'a Config, caller: &Caller) -> Result<&'a crate::config::Window, Fail> {
    let Some(number) = caller.window.as_deref().map(str::trim).filter(|w| !w.is_empty()) else {
        return Err(Fail::status(
            403,
            "您登录时没有填写窗口号，请退出后在登录页填写窗口号再叫号",
            "You signed in without a window number; sign out and sign in again with your window number",
        ));
    };
    cfg.window(number).ok_or_else(|| {
        Fail::status(
            404,
            format!("{number} 号窗口未在排队叫号中配置，请联系管理员"),
            format!("Window {number} is not configured for the queue; ask an admin"),
        )
    })
}

/// How stale `last_seen` may get before a clerk's action writes it again
/// (a window counts as open for `window_idle_minutes`, 30 by default).
const SEEN_EVERY_MS: i64 = 60_000;

/// Record that the clerk is at the window now; returns the window's state.
/// Most actions only read: the row is written when another clerk sits
/// down or `last_seen` is a minute old.
pub fn touch(number: &str, caller: &Caller, now: i64) -> Result<WindowRow, Fail> {
    #[derive(Deserialize)]
    struct Seen {
        paused: i64,
        streak: i64,
        clerk_id: Option<String>,
        clerk_name: Option<String>,
        last_seen: i64,
    }
    let seen = db::row::<Seen>(
        "SELECT paused, streak, clerk_id, clerk_name, last_seen FROM windows WHERE number = ?1",
        &[sql::text(number)],
    )?;
    if let Some(s) = seen
        && s.clerk_id == caller.id
        && s.clerk_name == caller.name
        && (0..SEEN_EVERY_MS).contains(&(now - s.last_seen))
    {
        return Ok(WindowRow { paused: s.paused, streak: s.streak });
    }
    let row = db::row(
        "INSERT INTO windows (number, clerk_id, clerk_name, last_seen) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (number) DO UPDATE SET clerk_id = excluded.clerk_id, clerk_name = excluded.clerk_name, last_seen = excluded.last_seen
         RETURNING *",
        &[sql::text(number), db::opt_text(caller.id.as_deref()), db::opt_text(caller.name.as_deref()), sql::int(now)],
    )?;
    let row: WindowRow = row.ok_or_else(|| Fail::Internal("window upsert returned no row".into()))?;
    // The clerk's time at the window (attendance), on the same heartbeat.
    crate::export::seen(number, caller, row.paused != 0, now)?;
    Ok(row)
}

pub fn set_paused(number: &str, paused: bool) -> Result<(), Fail> {
    sql::execute("UPDATE windows SET paused = ?2 WHERE number = ?1", &[sql::text(number), sql::int(paused as i64)])?;
    Ok(())
}

pub fn set_streak(number: &str, streak: i64) -> Result<(), Fail> {
    // Unchanged (the usual 0 → 0) writes nothing.
    sql::execute("UPDATE windows SET streak = ?2 WHERE number = ?1 AND streak != ?2", &[sql::text(number), sql::int(streak)])?;
    Ok(())
}

/// How many of the open windows serve `code`.
pub fn open_for(cfg: &Config, open: &[String], code: &str) -> i64 {
    cfg.windows_for(code).filter(|w| open.contains(&w.number)).count() as i64
}
