//! The call-next policy, in one place, as the ORDER BY of one statement.
//!
//! For the window calling, among waiting tickets of its services (and
//! tickets transferred to that window by number):
//!
//! 1. **Appointments at their time** (`appointments_first`): an appointment
//!    ticket whose slot is due (up to `appointment_early_minutes` early),
//!    earliest slot first.
//! 2. **Priority tickets** (`priority_first`): elderly, disabled, pregnant.
//! 3. **Everyone else**, first come first served. With `window_order =
//!    main-first` the window's main service comes before its secondary
//!    ones, in the order configured; with `oldest` the oldest ticket of any
//!    of its services.
//!
//! Fairness: after `max_in_row` calls of kinds 1–2 in a row at a window,
//! the next call ignores them and takes the oldest ticket by time, so
//! walk-ins are never starved. A transferred ticket keeps its original
//! time; a returned no-show is put `requeue_places` behind the head.

use crate::config::{Config, Window};
use linli_sdk::prelude::*;
use linli_sdk::sql::Value;

/// The statement's WHERE/ORDER BY part and its parameters, numbered from
/// `first` on.
pub struct Choice {
    pub sql: String,
    pub params: Vec<Value>,
    /// Whether appointments and priority may jump the queue on this call.
    pub jumping: bool,
}

/// The subquery selecting the ticket `window` should call next.
pub fn next_for(cfg: &Config, window: &Window, streak: i64, now: i64, first: usize) -> Choice {
    let p = &cfg.policy;
    let jumping = p.max_in_row == 0 || streak < p.max_in_row as i64;
    let mut params: Vec<Value> = Vec::new();
    let mut n = first;
    let mut next = |v: Value, params: &mut Vec<Value>| {
        params.push(v);
        let s = format!("?{n}");
        n += 1;
        s
    };
    let w = next(sql::text(&window.number), &mut params);
    let services: Vec<String> = window.services.iter().map(|s| next(sql::text(s), &mut params)).collect();
    let due = next(sql::int(now + p.appointment_early_minutes as i64 * 60_000), &mut params);
    let appt = if jumping && p.appointments_first {
        format!("WHEN kind = 'appointment' AND appointment_time <= {due} THEN 0")
    } else {
        String::new()
    };
    let prio = if jumping && p.priority_first { "WHEN priority = 1 THEN 1".to_owned() } else { String::new() };
    // A bare constant would be read as a column number by ORDER BY.
    let class = if appt.is_empty() && prio.is_empty() { String::new() } else { format!("CASE {appt} {prio} ELSE 2 END,") };
    let rank = if p.window_order == "main-first" {
        let arms: String = services.iter().enumerate().map(|(i, s)| format!(" WHEN service = {s} THEN {i}")).collect();
        format!("CASE WHEN target_window IS NOT NULL THEN 0{arms} ELSE 99 END,")
    } else {
        String::new()
    };
    let list = if services.is_empty() { "NULL".to_owned() } else { services.join(", ") };
    let sql = format!(
        "SELECT id FROM tickets WHERE status = 'waiting'
           AND ((target_window IS NULL AND service IN ({list})) OR target_window = {w})
         ORDER BY {class}
                  CASE WHEN kind = 'appointment' AND appointment_time <= {due} THEN appointment_time ELSE 0 END,
                  {rank} sort_time, id
         LIMIT 1"
    );
    Choice { sql, params, jumping }
}

/// Did the call of this ticket use the jump (for the fairness streak)?
pub fn jumped(cfg: &Config, kind: &str, priority: bool, appointment_time: Option<i64>, now: i64) -> bool {
    let p = &cfg.policy;
    let due = now + p.appointment_early_minutes as i64 * 60_000;
    (p.appointments_first && kind == "appointment" && appointment_time.is_some_and(|t| t <= due)) || (p.priority_first && priority)
}

/// The policy in words, for residents on the kiosk and ticket page.
pub fn describe(cfg: &Config, lang: &str) -> Vec<String> {
    let p = &cfg.policy;
    let mut zh = vec![];
    let mut en = vec![];
    if p.appointments_first {
        zh.push("已预约的群众到预约时间后优先叫号。".to_owned());
        en.push("Residents with an appointment are called first once their time has come.".to_owned());
    }
    if p.priority_first {
        zh.push("老年人、残疾人、孕妇等优先群众优先叫号。".to_owned());
        en.push("Elderly, disabled and pregnant residents are called first.".to_owned());
    }
    if (p.appointments_first || p.priority_first) && p.max_in_row > 0 {
        zh.push(format!("每个窗口连续优先叫号不超过 {} 个，之后按顺序叫一位普通号，保证公平。", p.max_in_row));
        en.push(format!("A window calls at most {} of these in a row, then the next ticket in order, so nobody is passed over.", p.max_in_row));
    }
    zh.push("其余按取号先后顺序叫号；转办的号保留原取号时间。".to_owned());
    en.push("Everyone else is called in the order tickets were taken; a transferred ticket keeps its original time.".to_owned());
    if p.missed == "requeue" {
        zh.push(format!("过号后 {} 分钟内可到导办台登记，排到当前第 {} 位之后。", p.missed_keep_minutes, p.requeue_places));
        en.push(format!(
            "Missed your call? Within {} minutes the guide desk puts you back, {} places behind the front.",
            p.missed_keep_minutes, p.requeue_places
        ));
    } else {
        zh.push("过号作废，请重新取号。".to_owned());
        en.push("A missed ticket expires; please take a new one.".to_owned());
    }
    if lang == "en" { en } else { zh }
}
