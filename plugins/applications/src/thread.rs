//! The one case thread (一案一线): guide → appointment → application →
//! ticket → outcome, each step with who and when, on one page for staff
//! and one for the resident.
//!
//! This plugin is the hub: an application records the guide's version it
//! was made under, the booking it was booked with (checked with the
//! appointments plugin, capability `services`) and the ticket it got (the
//! booking's check-in ticket, or the priority ticket taken here); the
//! ticket's taken, called and finished times and its window come from the
//! queue's callable `served` route. Every other plugin is read along a link
//! an admin allowed; without one the thread still shows what this plugin
//! knows and says what it could not read.
//!
//! Who, on the resident's page: 本人 for what the resident did, 代办 for
//! what hall staff did for them, the clerk's display name for what a clerk
//! did (as the hall shows it at the window and on the evaluator), never a
//! staff account id; the booking's staff account is staff-only.

use crate::config::Config;
use crate::db::{self, App};
use crate::fail::Fail;
use crate::text;
use linli_sdk::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

/// What an application links to, as recorded.
#[derive(Debug, Default, Deserialize)]
pub struct Links {
    pub booking_code: Option<String>,
    pub ticket_label: Option<String>,
    pub ticket_token: Option<String>,
    pub ticket_via: Option<String>,
}

pub fn links(app: i64) -> Result<Links, Fail> {
    Ok(db::row("SELECT booking_code, ticket_label, ticket_token, ticket_via FROM case_links WHERE app_id = ?1", &[sql::int(app)])?.unwrap_or_default())
}

/// Set some columns of the application's links (the row made on first use).
fn set_links(app: i64, now: i64, sets: &[(&str, Option<&str>)]) -> Result<(), Fail> {
    let have: Option<(i64,)> = db::row("SELECT app_id FROM case_links WHERE app_id = ?1", &[sql::int(app)])?;
    if have.is_none() {
        sql::execute("INSERT INTO case_links (app_id, updated_at) VALUES (?1, ?2)", &[sql::int(app), sql::int(now)])?;
    }
    for (col, val) in sets {
        // Column names are this file's constants, never input.
        sql::execute(&format!("UPDATE case_links SET {col} = ?1, updated_at = ?2 WHERE app_id = ?3"), &[db::opt_text(*val), sql::int(now), sql::int(app)])?;
    }
    Ok(())
}

/// Record the priority ticket taken for the application (its queue token
/// gives the called and finished times later).
pub fn record_ticket(app: i64, label: &str, page: Option<&str>, via: &str, now: i64) -> Result<(), Fail> {
    let token = page.and_then(|p| p.rsplit('/').next()).filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()));
    set_links(app, now, &[("ticket_label", Some(label)), ("ticket_token", token), ("ticket_via", Some(via))])
}

/// A booking code as typed: spaces and dashes dropped, upper case.
pub fn booking_code(raw: &str) -> Result<String, Fail> {
    let c: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase();
    if c.is_empty() || c.len() > 20 || !c.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Fail::field(422, "booking_code_invalid", "booking", "预约码格式不正确（字母和数字，见预约成功短信）", "that booking code does not look right (letters and digits, as in the booking message)"));
    }
    Ok(c)
}

/// The booking as the appointments plugin has it (callable route).
pub fn fetch_booking(cfg: &Config, code: &str) -> Result<Value, Fail> {
    let r = services::Call::get(&cfg.appointments_plugin, &format!("/api/appointments/bookings/{code}")).send().map_err(|e| {
        log::warn(&format!("booking {code}: the appointments plugin could not be asked: {e}"));
        Fail::user(
            503,
            "appointments_unavailable",
            "暂时无法核对预约码（预约服务不可用，或管理员尚未允许预受理读取预约），请稍后再试",
            "the booking code cannot be checked now (the appointments plugin is unavailable, or an admin has not allowed applications to read bookings); try again later",
        )
    })?;
    if r.status == 404 {
        return Err(Fail::field(422, "booking_not_found", "booking", "没有这个预约码，请核对预约成功短信中的预约码", "no booking has this code; check the code in the booking message"));
    }
    if !r.is_success() {
        log::warn(&format!("booking {code}: the appointments plugin answered {}", r.status));
        return Err(Fail::user(503, "appointments_unavailable", "暂时无法核对预约码，请稍后再试", "the booking code cannot be checked now; try again later"));
    }
    r.json().map_err(|e| Fail::Internal(format!("the appointments plugin's booking: {e}")))
}

/// Check a booking for an application of `item` (before anything is written).
pub fn check_booking(cfg: &Config, item: &str, item_name: &str, raw: &str) -> Result<(String, Value), Fail> {
    let code = booking_code(raw)?;
    let b = fetch_booking(cfg, &code)?;
    if b["item"].as_str() != Some(item) {
        let other = b["item_name"].as_str().unwrap_or("");
        return Err(Fail::field(
            422,
            "booking_other_item",
            "booking",
            format!("这个预约是“{other}”的，不是“{item_name}”的，请核对预约码"),
            format!("this booking is for another item ({}), not this application's; check the code", b["item"].as_str().unwrap_or("")),
        ));
    }
    if matches!(b["status"].as_str(), Some("cancelled" | "no_show")) {
        return Err(Fail::field(409, "booking_not_active", "booking", "这个预约已取消或已过期，请重新预约后再关联", "this booking was cancelled or missed; book again, then link the new one"));
    }
    Ok((code, b))
}

/// Record the checked booking on the application, with a timeline step.
pub fn record_booking(app: i64, code: &str, b: &Value, who: &str, kind: &str, now: i64) -> Result<(), Fail> {
    set_links(app, now, &[("booking_code", Some(code))])?;
    db::step(app, now, who, kind, "booking", &format!("{code} · {} {}", b["day"].as_str().unwrap_or(""), b["slot"].as_str().unwrap_or("")))?;
    Ok(())
}

/// `POST /api/applications/a/{token}/booking`: link the booking the
/// resident made (from the booking page's link, or typed later).
pub fn link_booking(cfg: &Config, app: &App, body: Value, caller: &Caller, now: i64) -> Result<Value, Fail> {
    if matches!(app.status.as_str(), "done" | "refused") {
        return Err(Fail::user(409, "application_closed", "申请已办结或不予受理，不能再关联预约", "the application is closed; no booking can be linked now"));
    }
    let raw = text::check("booking", "预约码", body["booking"].as_str().unwrap_or(""), 40, false)?;
    let (code, b) = check_booking(cfg, &app.item, &app.item_name, &raw)?;
    if links(app.id)?.booking_code.as_deref() == Some(code.as_str()) {
        return Ok(json!({"booking": code, "linked": false}));
    }
    let (who, kind) = crate::apply::actor(caller);
    record_booking(app.id, &code, &b, &who, kind, now)?;
    sql::execute("UPDATE applications SET updated_at = ?1 WHERE id = ?2", &[sql::int(now), sql::int(app.id)])?;
    Ok(json!({"booking": code, "linked": true}))
}

fn when(ms: Option<i64>) -> Value {
    ms.map(|m| json!(clock::format_local(m))).unwrap_or(Value::Null)
}

fn ev(at: Value, who: &str, what: &str, detail: &str) -> Value {
    json!({"at": at, "who": who, "what": what, "detail": detail})
}

/// Who did a timeline step, as the page shows it. Staff see the name as
/// recorded (a resident's own step: 居民本人); residents see 本人, 代办
/// for staff acting for them, and a clerk's display name.
fn who_of(who: &str, actor: &str, action: &str, staff: bool, lang: &str) -> String {
    let for_resident = matches!(action, "created" | "uploaded" | "reuploaded" | "submitted" | "resubmitted" | "booking");
    match (actor, staff) {
        ("resident", true) => t(lang, "居民本人", "the resident").to_owned(),
        ("resident", false) => t(lang, "本人", "you").to_owned(),
        ("system", _) => t(lang, "系统（法定时限）", "the system (legal clock)").to_owned(),
        (_, true) if for_resident => format!("{}{who}", t(lang, "代办：", "for the resident: ")),
        (_, false) if for_resident => t(lang, "代办（大厅工作人员）", "hall staff, for you").to_owned(),
        _ => who.to_owned(),
    }
}

fn stage(key: &str, title: &str, done: bool, events: Vec<Value>, note: Option<String>) -> Value {
    json!({"key": key, "title": title, "done": done, "events": events, "note": note})
}

/// The whole thread. `staff`: the staff page (names, the booking's staff
/// account); otherwise the resident's.
pub fn build(cfg: &Config, app: &App, lang: &str, staff: bool, now: i64) -> Result<Value, Fail> {
    let tr = |zh: &'static str, en: &'static str| t(lang, zh, en);
    let mut stages = Vec::new();

    // 1. The guide: the version of the item's guide in force when applying.
    let mut events = Vec::new();
    let mut note = None;
    match (app.source.as_str(), app.item_version) {
        ("guides", Some(v)) => {
            let mut effective = String::new();
            let mut editor = String::new();
            match services::Call::get(&cfg.guides_plugin, &format!("/api/guides/items/{}/versions", app.item)).send() {
                Ok(r) if r.is_success() => {
                    let h: Value = r.json().unwrap_or_default();
                    if let Some(x) = h["versions"].as_array().and_then(|a| a.iter().find(|x| x["version"].as_i64() == Some(v))) {
                        effective = x["effective"].as_str().unwrap_or("").to_owned();
                        editor = x["editor"].as_str().unwrap_or("").to_owned();
                    }
                }
                _ => note = Some(tr("暂时读不到办事指南的版本信息", "the guide's version details cannot be read now").to_owned()),
            }
            let who = if staff && !editor.is_empty() { editor } else { tr("办事指南（大厅发布）", "the hall's service guide").to_owned() };
            let what = if lang == "en" { format!("guide version {v} (the materials list applied)") } else { format!("第 {v} 版办事指南（按此版材料清单申请）") };
            let detail = if effective.is_empty() { String::new() } else if lang == "en" { format!("in force from {effective}") } else { format!("自 {effective} 起施行") };
            events.push(json!({"at": Value::Null, "who": who, "what": what, "detail": detail, "link": format!("/guides/item/{}?version={v}", app.item)}));
        }
        _ => events.push(ev(Value::Null, tr("大厅", "the hall"), tr("按大厅设定的材料清单申请", "materials list as set by the hall"), "")),
    }
    stages.push(stage("guide", tr("办事指南", "Service guide"), true, events, note));

    // 2. The appointment, read live from the appointments plugin.
    let mut l = links(app.id)?;
    let mut booking: Option<Value> = None;
    let mut events = Vec::new();
    let mut note = None;
    if let Some(code) = l.booking_code.clone() {
        match fetch_booking(cfg, &code) {
            Ok(b) => {
                let who = match (b["proxy"].as_bool() == Some(true), staff) {
                    (true, true) => format!("{}{}", tr("代办：", "for the resident: "), b["booked_by"].as_str().unwrap_or("")),
                    (true, false) => tr("代办（大厅工作人员）", "hall staff, for you").to_owned(),
                    (false, true) => tr("居民本人", "the resident").to_owned(),
                    (false, false) => tr("本人", "you").to_owned(),
                };
                let slot = format!("{} {}–{}", b["day"].as_str().unwrap_or(""), b["slot"].as_str().unwrap_or(""), b["end"].as_str().unwrap_or(""));
                events.push(ev(when(b["booked_at"].as_i64()), &who, tr("预约", "booked"), &format!("{slot} · {} {code}", tr("预约码", "code"))));
                match b["status"].as_str() {
                    Some("checked_in") => {
                        let who = if staff { tr("居民本人（签到）", "the resident (check-in)") } else { tr("本人（签到）", "you (check-in)") };
                        events.push(ev(when(b["checked_in_at"].as_i64()), who, tr("到厅签到", "checked in at the hall"), b["ticket"].as_str().unwrap_or("")))
                    }
                    Some(s @ ("cancelled" | "no_show")) => events.push(ev(Value::Null, "", b["status_text"].as_str().unwrap_or(s), "")),
                    _ => {}
                }
                booking = Some(b);
            }
            Err(_) => {
                events.push(ev(Value::Null, "", tr("预约", "booked"), &format!("{} {code}", tr("预约码", "code"))));
                note = Some(tr("暂时读不到预约详情", "the booking's details cannot be read now").to_owned());
            }
        }
    } else {
        note = Some(tr("尚未关联预约：可预约办理时间，或到大厅取号", "no booking linked yet: book a time, or take a ticket at the hall").to_owned());
    }
    stages.push(stage("appointment", tr("预约", "Appointment"), l.booking_code.is_some(), events, note));

    // 3. The application: its own timeline, less what the later stages show.
    #[derive(Deserialize)]
    struct Step {
        at: i64,
        who: String,
        actor: String,
        action: String,
        detail: String,
    }
    let steps: Vec<Step> = db::rows("SELECT at, who, actor, action, detail FROM timeline WHERE app_id = ?1 ORDER BY id", &[sql::int(app.id)])?;
    let later = |a: &str| matches!(a, "ticket" | "done" | "refused" | "certificate" | "revoked" | "booking");
    let events: Vec<Value> = steps
        .iter()
        .filter(|s| !later(&s.action))
        .map(|s| ev(when(Some(s.at)), &who_of(&s.who, &s.actor, &s.action, staff, lang), crate::apply::action_label(&s.action, lang), &s.detail))
        .collect();
    let accepted = matches!(app.status.as_str(), "accepted" | "done" | "refused");
    let note = Some(format!("{}{}", tr("当前状态：", "now: "), crate::apply::status_label(&app.status, app.deemed == 1, lang)));
    stages.push(stage("application", tr("预受理", "Pre-acceptance"), accepted, events, note));

    // 4. The ticket: the booking's check-in ticket, else the priority
    // ticket; the times and the window from the queue.
    if l.ticket_label.is_none()
        && let Some(b) = &booking
        && let Some(label) = b["ticket"].as_str().filter(|s| !s.is_empty())
    {
        // The application records the ticket it got (the resident checked
        // in with the booking linked to it).
        record_ticket(app.id, label, b["ticket_page"].as_str(), "booking", now)?;
        l = links(app.id)?;
    }
    let mut events = Vec::new();
    let mut note = None;
    if let Some(label) = l.ticket_label.as_deref() {
        let via = if l.ticket_via.as_deref() == Some("booking") { tr("预约签到取号", "appointment ticket (checked in)") } else { tr("优先号", "priority ticket") };
        let served = l.ticket_token.as_deref().and_then(|tok| match services::Call::get(&cfg.queue_plugin, &format!("/api/queue/served?token={tok}")).send() {
            Ok(r) if r.is_success() => r.json::<Value>().ok(),
            _ => None,
        });
        let taker = if l.ticket_via.as_deref() == Some("booking") { if staff { tr("居民本人（自助机签到）", "the resident (kiosk check-in)") } else { tr("本人（自助机签到）", "you (kiosk check-in)") } } else { tr("大厅工作人员", "hall staff") };
        match served {
            Some(s) => {
                events.push(ev(when(s["issued_at"].as_i64()), taker, via, label));
                let window = s["window"].as_str().map(|w| if lang == "en" { format!("window {w}") } else { format!("{w} 号窗口") }).unwrap_or_default();
                let clerk = s["clerk_name"].as_str().unwrap_or("");
                if let Some(c) = s["called_at"].as_i64() {
                    events.push(ev(when(Some(c)), &window, tr("叫号", "called"), label));
                }
                if let Some(f) = s["finished_at"].as_i64() {
                    let by = if clerk.is_empty() { window.clone() } else { format!("{window} · {clerk}") };
                    events.push(ev(when(Some(f)), &by, tr("窗口办理完毕", "served at the window"), ""));
                }
            }
            None => {
                events.push(ev(Value::Null, taker, via, label));
                note = Some(tr("暂时读不到叫号详情", "the queue's details cannot be read now").to_owned());
            }
        }
    } else {
        note = Some(tr("尚未取号", "no ticket yet").to_owned());
    }
    stages.push(stage("ticket", tr("取号叫号", "Ticket"), l.ticket_label.is_some(), events, note));

    // 5. The outcome, and the certificate with its public check.
    let events: Vec<Value> = steps
        .iter()
        .filter(|s| matches!(s.action.as_str(), "done" | "refused" | "certificate" | "revoked"))
        .map(|s| {
            // The revocation's note is the hall's; the resident sees the step.
            let detail = if s.action == "revoked" && !staff { String::new() } else { s.detail.clone() };
            ev(when(Some(s.at)), &who_of(&s.who, &s.actor, &s.action, staff, lang), crate::apply::action_label(&s.action, lang), &detail)
        })
        .collect();
    let cert: Option<(String, i64)> = db::row("SELECT code, revoked FROM certificates WHERE app_id = ?1", &[sql::int(app.id)])?;
    let decided = matches!(app.status.as_str(), "done" | "refused");
    let note = if decided { app.outcome_reason.clone() } else { Some(tr("尚未办结", "not decided yet").to_owned()) };
    stages.push(stage("outcome", tr("办理结果", "Outcome"), decided, events, note));

    Ok(json!({
        "id": app.id, "item": app.item, "item_name": app.item_name,
        "status": app.status, "status_label": crate::apply::status_label(&app.status, app.deemed == 1, lang),
        "applicant": if staff { app.applicant.clone() } else { mask::name(&app.applicant) },
        "booking": l.booking_code, "ticket": l.ticket_label,
        "certificate": cert.as_ref().map(|c| json!({"code": c.0, "revoked": c.1 != 0, "verify": format!("/verify/{}", c.0)})),
        "stages": stages,
    }))
}
