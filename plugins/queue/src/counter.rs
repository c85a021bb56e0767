//! What a clerk does at a window: call next, recall, skip, start, finish,
//! transfer, pause. Each change is one guarded UPDATE, so two windows
//! pressing "call next" at once never get the same ticket, and a repeated
//! press never changes a ticket twice.

use crate::announce;
use crate::config::{Config, Window};
use crate::db;
use crate::fail::Fail;
use crate::policy;
use crate::ticket::{Ticket, status};
use crate::windows::{self, WindowRow};
use linli_sdk::prelude::*;

/// The clerk's window, checked and marked as in use.
pub struct Desk<'a> {
    pub window: &'a Window,
    pub row: WindowRow,
    pub caller: &'a Caller,
}

impl<'a> Desk<'a> {
    pub fn open(cfg: &'a Config, caller: &'a Caller, now: i64) -> Result<Desk<'a>, Fail> {
        let window = windows::of_caller(cfg, caller)?;
        let row = windows::touch(&window.number, caller, now)?;
        Ok(Desk { window, row, caller })
    }

    fn number(&self) -> &str {
        &self.window.number
    }

    fn current(&self) -> Result<Ticket, Fail> {
        Ticket::current_at(self.number())?.ok_or_else(|| {
            Fail::status(409, "本窗口当前没有正在叫号或办理的号", "This window has no called or served ticket right now")
        })
    }
}

/// Call the next ticket by the policy; `None` when nobody is waiting.
pub fn call_next(cfg: &Config, desk: &Desk, now: i64) -> Result<Option<Ticket>, Fail> {
    let t = call_quiet(cfg, desk, now)?;
    if t.is_some() {
        announce::waiting(cfg, now)?;
    }
    Ok(t)
}

/// 完成并叫下一位 — the clerk's one key between two residents: finish the
/// window's current ticket (if any) with `outcome`, then call the next by
/// the policy. One step: a paused window refuses before anything changes,
/// and the screens get one waiting board for both changes.
pub fn finish_and_call(cfg: &Config, desk: &Desk, outcome: &str, now: i64) -> Result<(Option<Ticket>, Option<Ticket>), Fail> {
    check_outcome(outcome)?;
    if desk.row.paused != 0 {
        return Err(paused());
    }
    // The window's current ticket, if any, finished in one guarded UPDATE
    // (finishing checks nothing else for a ticket at this very window).
    let finished = finish_where(
        desk,
        "(SELECT id FROM tickets WHERE \"window\" = ?1 AND status IN ('called', 'serving') ORDER BY last_called_at DESC LIMIT 1)",
        sql::text(desk.number()),
        outcome,
        now,
    )?;
    let called = call_quiet(cfg, desk, now)?;
    if finished.is_some() || called.is_some() {
        announce::waiting(cfg, now)?;
    }
    Ok((finished, called))
}

fn paused() -> Fail {
    Fail::status(409, "本窗口已暂停，请先恢复办理再叫号", "This window is paused; resume before calling")
}

/// Call next without the waiting board (the caller announces it once).
fn call_quiet(cfg: &Config, desk: &Desk, now: i64) -> Result<Option<Ticket>, Fail> {
    if desk.row.paused != 0 {
        return Err(paused());
    }
    call_chosen(cfg, desk, policy::next_for(cfg, desk.window, desk.row.streak, now, 5), now)
}

/// Call the ticket `choice` selects (its parameters numbered from 5).
fn call_chosen(cfg: &Config, desk: &Desk, choice: policy::Choice, now: i64) -> Result<Option<Ticket>, Fail> {
    let mut params = vec![
        sql::text(desk.number()),
        db::opt_text(desk.caller.id.as_deref()),
        db::opt_text(desk.caller.name.as_deref()),
        sql::int(now),
    ];
    params.extend(choice.params);
    let called = db::row::<Ticket>(
        &format!(
            concat!("UPDATE tickets SET status = 'called', \"window\" = ?1, clerk_id = ?2, clerk_name = ?3,
                    called_at = COALESCE(called_at, ?4), last_called_at = ?4, recalls = 0, target_window = NULL
             WHERE id = ({}) AND status = 'waiting'
               AND NOT EXISTS (SELECT 1 FROM tickets WHERE \"window\" = ?1 AND status IN ('called', 'serving'))
             RETURNING ", crate::ticket_columns!()),
            choice.sql
        ),
        &params,
    )?;
    let Some(t) = called else {
        if let Some(held) = Ticket::current_at(desk.number())? {
            return Err(Fail::status(
                409,
                format!("请先办结或过号当前的 {} 号，再叫下一位", held.label),
                format!("Finish or skip ticket {} before calling the next one", held.label),
            ));
        }
        return Ok(None);
    };
    let jumped = choice.jumping && policy::jumped(cfg, &t.kind, t.priority != 0, t.appointment_time, now);
    let streak = if jumped { desk.row.streak + 1 } else { 0 };
    if streak != desk.row.streak {
        windows::set_streak(desk.number(), streak)?;
    }
    announce::called(&t, desk.number());
    Ok(Some(t))
}

pub fn recall(cfg: &Config, desk: &Desk, now: i64) -> Result<Ticket, Fail> {
    let cur = desk.current()?;
    if cur.status != status::CALLED {
        return Err(Fail::status(409, format!("{} 号已在办理中，无需重呼", cur.label), format!("Ticket {} is already being served", cur.label)));
    }
    let max = cfg.policy.max_recalls as i64;
    let t = db::row::<Ticket>(
        concat!("UPDATE tickets SET recalls = recalls + 1, recalled_at = ?2 WHERE id = ?1 AND status = 'called' AND recalls < ?3 RETURNING ", crate::ticket_columns!()),
        &[sql::int(cur.id), sql::int(now), sql::int(max)],
    )?
    .ok_or_else(|| {
        Fail::status(
            409,
            format!("{} 号已重呼 {max} 次，达到上限，可作过号处理", cur.label),
            format!("Ticket {} was recalled {max} times already; skip it as a no-show", cur.label),
        )
    })?;
    announce::recalled(&t, desk.number());
    announce::waiting(cfg, now)?;
    Ok(t)
}

pub fn skip(cfg: &Config, desk: &Desk, now: i64) -> Result<Ticket, Fail> {
    let cur = desk.current()?;
    let t = db::row::<Ticket>(
        concat!("UPDATE tickets SET status = 'missed', missed_at = ?2, skips = skips + 1 WHERE id = ?1 AND status = 'called' RETURNING ", crate::ticket_columns!()),
        &[sql::int(cur.id), sql::int(now)],
    )?
    .ok_or_else(|| Fail::status(409, format!("{} 号已在办理中，不能过号", cur.label), format!("Ticket {} is being served and cannot be skipped", cur.label)))?;
    announce::skipped(&t, desk.number());
    announce::waiting(cfg, now)?;
    Ok(t)
}

pub fn start(cfg: &Config, desk: &Desk, now: i64) -> Result<Ticket, Fail> {
    let cur = desk.current()?;
    let t = db::row::<Ticket>(
        concat!("UPDATE tickets SET status = 'serving', serving_at = ?2 WHERE id = ?1 AND status = 'called' RETURNING ", crate::ticket_columns!()),
        &[sql::int(cur.id), sql::int(now)],
    )?
    .ok_or_else(|| Fail::status(409, format!("{} 号已在办理中", cur.label), format!("Ticket {} is already being served", cur.label)))?;
    announce::serving(&t, desk.number());
    announce::waiting(cfg, now)?;
    Ok(t)
}

/// Outcomes of a finished ticket: 完成, 需补正 (papers missing), 转办
/// (referred elsewhere).
pub const OUTCOMES: &[&str] = &["done", "incomplete", "referred"];

fn check_outcome(outcome: &str) -> Result<(), Fail> {
    if OUTCOMES.contains(&outcome) {
        Ok(())
    } else {
        Err(Fail::status(422, "办理结果应为 完成、需补正 或 转办", "outcome must be done, incomplete or referred"))
    }
}

pub fn finish(cfg: &Config, desk: &Desk, id: Option<i64>, outcome: &str, now: i64) -> Result<Ticket, Fail> {
    check_outcome(outcome)?;
    let cur = match id {
        Some(id) => Ticket::by_id(id)?.ok_or_else(|| Fail::status(404, "没有这个号", "No such ticket"))?,
        None => desk.current()?,
    };
    let t = finish_ticket(desk, cur, outcome, now)?;
    announce::waiting(cfg, now)?;
    Ok(t)
}

/// Finish `cur` at this window (without the waiting board).
fn finish_ticket(desk: &Desk, cur: Ticket, outcome: &str, now: i64) -> Result<Ticket, Fail> {
    if cur.status == status::FINISHED {
        return Err(Fail::status(409, format!("{} 号已办结，不能重复办结", cur.label), format!("Ticket {} is already finished", cur.label)));
    }
    if cur.window.as_deref() != Some(desk.number()) || !matches!(cur.status.as_str(), status::CALLED | status::SERVING) {
        return Err(Fail::status(409, format!("{} 号不在本窗口办理", cur.label), format!("Ticket {} is not at this window", cur.label)));
    }
    finish_where(desk, "?1", sql::int(cur.id), outcome, now)?
        .ok_or_else(|| Fail::status(409, format!("{} 号已办结，不能重复办结", cur.label), format!("Ticket {} is already finished", cur.label)))
}

/// Finish the ticket whose id `which` gives (`?1` is `first`) if it is
/// still called or being served, and what follows: the service's handling
/// time for the estimates, and the event.
fn finish_where(desk: &Desk, which: &str, first: sql::Value, outcome: &str, now: i64) -> Result<Option<Ticket>, Fail> {
    let t = db::row::<Ticket>(
        &format!(
            concat!(
                "UPDATE tickets SET status = 'finished', outcome = ?2, finished_at = ?3, clerk_id = ?4, clerk_name = ?5
                 WHERE id = {} AND status IN ('called', 'serving') RETURNING ",
                crate::ticket_columns!()
            ),
            which
        ),
        &[first, sql::text(outcome), sql::int(now), db::opt_text(desk.caller.id.as_deref()), db::opt_text(desk.caller.name.as_deref())],
    )?;
    if let Some(t) = &t {
        crate::estimate::record_handling(&t.service, now)?;
        announce::finished(t, desk.number());
    }
    Ok(t)
}

/// Send the current ticket to another service and/or window; it keeps its
/// original queue time.
pub fn transfer(cfg: &Config, desk: &Desk, service: Option<&str>, window: Option<&str>, now: i64) -> Result<Ticket, Fail> {
    let cur = desk.current()?;
    let service = service.map(str::trim).filter(|s| !s.is_empty());
    let window = window.map(str::trim).filter(|s| !s.is_empty());
    if service.is_none() && window.is_none() {
        return Err(Fail::status(422, "请选择要转去的业务或窗口", "Choose a service or a window to transfer to"));
    }
    let target_service = service.unwrap_or(&cur.service);
    let Some(svc) = cfg.service(target_service) else {
        return Err(Fail::status(404, format!("没有编号为 {target_service} 的业务"), format!("There is no service `{target_service}`")));
    };
    if let Some(w) = window {
        let Some(win) = cfg.window(w) else {
            return Err(Fail::status(404, format!("没有 {w} 号窗口"), format!("There is no window {w}")));
        };
        if service.is_some() && !win.services.iter().any(|s| s == target_service) {
            return Err(Fail::status(422, format!("{w} 号窗口不办理{}", svc.name_zh), format!("Window {w} does not handle {}", svc.name_en)));
        }
        if w == desk.number() {
            return Err(Fail::status(422, "不能转到本窗口", "Cannot transfer to this same window"));
        }
    } else if cfg.windows_for(target_service).next().is_none() {
        return Err(Fail::status(
            422,
            format!("目前没有窗口办理{}，无法转入", svc.name_zh),
            format!("No window handles {}, so the ticket cannot be transferred there", svc.name_en),
        ));
    }
    let t = db::row::<Ticket>(
        concat!("UPDATE tickets SET status = 'waiting', service = ?2, target_window = ?3, from_window = ?4, \"window\" = NULL,
                serving_at = NULL, transfers = transfers + 1
         WHERE id = ?1 AND status IN ('called', 'serving') RETURNING ", crate::ticket_columns!()),
        &[sql::int(cur.id), sql::text(target_service), db::opt_text(window), sql::text(desk.number())],
    )?
    .ok_or_else(|| Fail::status(409, format!("{} 号已不在本窗口", cur.label), format!("Ticket {} is no longer at this window", cur.label)))?;
    announce::transferred(&t, &cur.service, desk.number());
    announce::waiting(cfg, now)?;
    Ok(t)
}

pub fn pause(cfg: &Config, desk: &Desk, paused: bool, now: i64) -> Result<(), Fail> {
    windows::set_paused(desk.number(), paused)?;
    crate::export::seen(desk.number(), desk.caller, paused, now)?;
    announce::window(desk.number(), paused);
    announce::waiting(cfg, now)
}

/// A skipped resident came back: requeue or refuse, by the policy.
pub fn comeback(cfg: &Config, id: i64, now: i64) -> Result<Ticket, Fail> {
    let cur = Ticket::by_id(id)?.ok_or_else(|| Fail::status(404, "没有这个号", "No such ticket"))?;
    if cur.status != status::MISSED {
        return Err(Fail::status(409, format!("{} 号不是过号状态", cur.label), format!("Ticket {} has not been skipped", cur.label)));
    }
    if cfg.policy.missed != "requeue" {
        return Err(Fail::status(409, "过号作废，请重新取号", "A missed ticket expires; please take a new one"));
    }
    let keep_since = now - cfg.policy.missed_keep_minutes as i64 * 60_000;
    let offset = (cfg.policy.requeue_places.max(1) - 1) as i64;
    let t = db::row::<Ticket>(
        concat!("UPDATE tickets SET status = 'waiting', \"window\" = NULL, target_window = NULL,
                sort_time = COALESCE((SELECT sort_time FROM tickets WHERE status = 'waiting' AND service = ?2
                                      ORDER BY sort_time, id LIMIT 1 OFFSET ?3) + 1, ?4)
         WHERE id = ?1 AND status = 'missed' AND missed_at >= ?5 RETURNING ", crate::ticket_columns!()),
        &[sql::int(id), sql::text(&cur.service), sql::int(offset), sql::int(now), sql::int(keep_since)],
    )?
    .ok_or_else(|| {
        Fail::status(
            409,
            format!("{} 号过号已超过 {} 分钟，请重新取号", cur.label, cfg.policy.missed_keep_minutes),
            format!("Ticket {} was missed more than {} minutes ago; please take a new one", cur.label, cfg.policy.missed_keep_minutes),
        )
    })?;
    announce::returned(&t);
    announce::waiting(cfg, now)?;
    Ok(t)
}

/// The tickets this window may call, in the order "call next" would call
/// them now (the policy's order, without the fairness streak's later turns).
pub fn waiting_list(cfg: &Config, desk: &Desk, now: i64, limit: usize) -> Result<Vec<Ticket>, Fail> {
    let choice = policy::next_for(cfg, desk.window, desk.row.streak, now, 1);
    let sql = choice
        .sql
        .replacen("SELECT id FROM tickets", concat!("SELECT ", crate::ticket_columns!(), " FROM tickets"), 1)
        .replace("LIMIT 1", &format!("LIMIT {limit}"));
    db::rows(&sql, &choice.params)
}

/// 特呼: call one waiting ticket of this window's services out of turn,
/// by its label (`A012`). Not counted as a jump of the fairness streak.
pub fn call_ticket(cfg: &Config, desk: &Desk, label: &str, now: i64) -> Result<Ticket, Fail> {
    if desk.row.paused != 0 {
        return Err(paused());
    }
    let label = label.trim().to_ascii_uppercase();
    let list: Vec<String> = (0..desk.window.services.len()).map(|i| format!("?{}", i + 7)).collect();
    let mut params = vec![sql::text(&label), sql::text(desk.number())];
    params.extend(desk.window.services.iter().map(|s| sql::text(s)));
    let choice = policy::Choice {
        sql: format!(
            "SELECT id FROM tickets WHERE status = 'waiting' AND label = ?5
               AND ((target_window IS NULL AND service IN ({})) OR target_window = ?6)
             ORDER BY issued_at DESC LIMIT 1",
            if list.is_empty() { "NULL".to_owned() } else { list.join(", ") }
        ),
        params,
        jumping: false,
    };
    match call_chosen(cfg, desk, choice, now)? {
        Some(t) => {
            announce::waiting(cfg, now)?;
            Ok(t)
        }
        None => Err(Fail::status(
            404,
            format!("{label} 号不在本窗口的等候队列中（可能已被叫、已过号或不属于本窗口的业务）"),
            format!("Ticket {label} is not waiting for this window (called already, missed, or another window's service)"),
        )),
    }
}
