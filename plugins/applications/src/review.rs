//! The clerk's side: take an application for review, judge it material by
//! material (accepted, or a correction with reasons, all told in one
//! notice), the legal clock (told within N working days or it counts as
//! accepted), the outcome at the window, and the supervisors' list of
//! applications about to go overdue.

use crate::apply::{self, actor, status_label};
use crate::config::Config;
use crate::db::{self, App};
use crate::fail::Fail;
use crate::text;
use linli_sdk::prelude::*;
use serde::Deserialize;
use serde_json::json;

/// Applications whose clock ran out untold count as accepted (行政许可法
/// 第三十二条: 逾期不告知的，自收到申请材料之日起即为受理). Run on the tick
/// and before staff read the lists, so nobody sees a stale state.
pub fn sweep(now: i64) -> Result<usize, Fail> {
    let today = db::local_day(now);
    let late: Vec<(i64, String, String, String)> =
        db::rows("SELECT id, phone, item_name, due_day FROM applications WHERE status = 'submitted' AND due_day < ?1 ORDER BY id LIMIT 200", &[sql::text(&today)])?;
    for (id, phone, item, due) in &late {
        sql::execute("UPDATE applications SET status = 'accepted', deemed = 1, updated_at = ?1 WHERE id = ?2 AND status = 'submitted'", &[sql::int(now), sql::int(*id)])?;
        db::step(*id, now, "系统", "system", "deemed_accepted", &format!("{due} 前未告知补正，自收到材料之日起视为受理 / no correction was told by {due}: accepted from the day the materials arrived"))?;
        notify::Message::to_phone(phone, "application-deemed", "您的{item}预受理申请已受理（{due} 前未收到补正通知，依法视为受理）。", "Your application for {item} is accepted (no correction was asked by {due}).")
            .param("item", item)
            .param("due", due)
            .send()
            .map_err(|e| log::warn(&format!("deemed-accepted notice not sent: {e}")))
            .ok();
        events::publish("applications.accepted", &json!({"id": id, "deemed": true})).ok();
    }
    Ok(late.len())
}

fn not_found() -> Fail {
    Fail::user(404, "application_not_found", "找不到这个申请", "no such application")
}

pub fn by_id(raw: &str) -> Result<App, Fail> {
    let id: i64 = raw.parse().map_err(|_| not_found())?;
    db::app_by_id(id)?.ok_or_else(not_found)
}

/// The clerk holding an application is the one who reviews and decides
/// it; another clerk is refused (a supervisor reassigns).
fn check_holder(app: &App, caller: &Caller) -> Result<(), Fail> {
    match app.clerk.as_deref() {
        Some(c) if Some(c) != caller.id.as_deref() => {
            let name = app.clerk_name.clone().unwrap_or_else(|| c.to_owned());
            Err(Fail::user(
                403,
                "not_your_application",
                format!("这个申请由 {name} 负责审核，您不能处理；如需改派请联系主管"),
                "this application is being handled by another clerk; ask a supervisor to reassign it to you".to_owned(),
            ))
        }
        _ => Ok(()),
    }
}

fn take(app: &App, caller: &Caller, now: i64) -> Result<(), Fail> {
    if app.clerk.is_none() {
        let (who, kind) = actor(caller);
        sql::execute("UPDATE applications SET clerk = ?1, clerk_name = ?2, updated_at = ?3 WHERE id = ?4", &[db::opt_text(caller.id.as_deref()), sql::text(&who), sql::int(now), sql::int(app.id)])?;
        db::step(app.id, now, &who, kind, "claimed", "")?;
    }
    Ok(())
}

fn closed(app: &App) -> Fail {
    Fail::user(
        409,
        "application_closed",
        format!("申请已{}，不能再处理", status_label(&app.status, app.deemed == 1, "zh-CN")),
        format!("the application is closed ({}); nothing more can be done to it", status_label(&app.status, app.deemed == 1, "en")),
    )
}

pub fn claim(app: &App, caller: &Caller, now: i64) -> Result<(), Fail> {
    if matches!(app.status.as_str(), "done" | "refused") {
        return Err(closed(app));
    }
    check_holder(app, caller)?;
    take(app, caller, now)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub materials: Vec<Verdict>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    pub id: String,
    /// `accept` or `correct`.
    pub verdict: String,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// Judge every uploaded material at once: all accepted → the application
/// is accepted; any correction → one notice to the resident with all of
/// them, and the clock stops until they resubmit. Everything is checked
/// before anything is written.
pub fn review(cfg: &Config, app: &App, body: Review, caller: &Caller, now: i64) -> Result<serde_json::Value, Fail> {
    match app.status.as_str() {
        "submitted" => {}
        "done" | "refused" => return Err(closed(app)),
        "accepted" => return Err(Fail::user(409, "already_accepted", "申请已受理，材料无需再审核；请在窗口办结或不予受理", "the application is accepted already; decide it at the window")),
        _ => return Err(Fail::user(409, "not_submitted", "申请尚未提交（或正在等待居民补正），暂不能审核", "the application has not been submitted (or awaits the resident's correction); it cannot be reviewed now")),
    }
    check_holder(app, caller)?;
    let mats = db::materials(app.id)?;
    let under: Vec<&db::Material> = mats.iter().filter(|m| m.status == "uploaded").collect();
    let mut checked: Vec<(String, bool, Vec<String>, String)> = Vec::new();
    for (i, v) in body.materials.iter().enumerate() {
        let field = format!("materials[{i}]");
        let Some(m) = mats.iter().find(|m| m.mid == v.id) else {
            let shown: String = v.id.chars().take(20).collect();
            return Err(Fail::field(422, "material_unknown", &format!("{field}.id"), format!("这个申请没有材料 {shown}"), format!("this application has no material `{shown}`")));
        };
        if m.status != "uploaded" {
            return Err(Fail::field(
                422,
                "material_not_under_review",
                &format!("{field}.id"),
                format!("“{}”{}，不在本次审核范围内", m.name, apply::material_label(&m.status, "zh-CN")),
                format!("material `{}` is {}; it is not part of this review", m.mid, apply::material_label(&m.status, "en")),
            ));
        }
        if checked.iter().any(|c| c.0 == v.id) {
            return Err(Fail::field(422, "material_twice", &format!("{field}.id"), format!("“{}”的审核意见重复", m.name), format!("`{}` is judged twice", m.mid)));
        }
        let note = text::check(&format!("{field}.note"), "补正说明", &v.note, 500, true)?;
        let accept = match v.verdict.as_str() {
            "accept" => true,
            "correct" => false,
            _ => return Err(Fail::field(422, "verdict_invalid", &format!("{field}.verdict"), "审核意见须为“通过”（accept）或“需补正”（correct）", "the verdict must be accept or correct")),
        };
        if v.reasons.len() > 10 {
            return Err(Fail::field(422, "reason_unknown", &format!("{field}.reasons"), "补正原因最多选 10 项", "at most 10 reasons"));
        }
        if let Some(bad) = v.reasons.iter().find(|r| cfg.reason(r).is_none()) {
            let shown: String = bad.chars().take(20).collect();
            return Err(Fail::field(422, "reason_unknown", &format!("{field}.reasons"), format!("没有补正原因 {shown}，请从列表中选择"), format!("no correction reason `{shown}`; choose one from the list")));
        }
        if !accept && v.reasons.is_empty() && note.is_empty() {
            return Err(Fail::field(
                422,
                "reason_required",
                &format!("{field}.reasons"),
                format!("请为“{}”选择补正原因或填写说明", m.name),
                format!("choose a reason or write a note for `{}`", m.mid),
            ));
        }
        if accept && (!v.reasons.is_empty() || !note.is_empty()) {
            return Err(Fail::field(422, "reason_with_accept", &format!("{field}.reasons"), format!("“{}”已通过，不应附补正原因", m.name), format!("`{}` is accepted: it takes no correction reason", m.mid)));
        }
        checked.push((v.id.clone(), accept, v.reasons.clone(), note));
    }
    let missing: Vec<&str> = under.iter().filter(|m| !checked.iter().any(|c| c.0 == m.mid)).map(|m| m.name.as_str()).collect();
    if !missing.is_empty() {
        return Err(Fail::field(
            422,
            "verdict_missing",
            "materials",
            format!("请对每份已上传的材料给出意见，还差：{}", missing.join("、")),
            format!("judge every uploaded material; {} not judged yet", missing.len()),
        ));
    }
    // All checked: write.
    take(app, caller, now)?;
    let (who, kind) = actor(caller);
    let mut lines_zh = Vec::new();
    for (mid, accept, reasons, note) in &checked {
        let name = mats.iter().find(|m| &m.mid == mid).map(|m| m.name.clone()).unwrap_or_default();
        let reasons_json = serde_json::to_string(reasons).unwrap_or_else(|_| "[]".into());
        sql::execute(
            "UPDATE materials SET status = ?1, reasons = ?2, note = ?3, reviewed_at = ?4, reviewed_by = ?5 WHERE app_id = ?6 AND mid = ?7",
            &[
                sql::text(if *accept { "accepted" } else { "correction" }),
                if *accept { sql::Value::Null } else { sql::text(&reasons_json) },
                if note.is_empty() { sql::Value::Null } else { sql::text(note) },
                sql::int(now),
                sql::text(&who),
                sql::int(app.id),
                sql::text(mid),
            ],
        )?;
        if *accept {
            db::step(app.id, now, &who, kind, "material_accepted", &name)?;
        } else {
            let mut why: Vec<String> = reasons.iter().filter_map(|r| cfg.reason(r)).map(|r| r.zh.clone()).collect();
            if !note.is_empty() {
                why.push(note.clone());
            }
            let line = format!("{name}：{}", why.join("；"));
            db::step(app.id, now, &who, kind, "material_correction", &line)?;
            lines_zh.push(line);
        }
    }
    let status = if lines_zh.is_empty() { "accepted" } else { "correction" };
    sql::execute("UPDATE applications SET status = ?1, rounds = rounds + 1, updated_at = ?2 WHERE id = ?3", &[sql::text(status), sql::int(now), sql::int(app.id)])?;
    if lines_zh.is_empty() {
        db::step(app.id, now, &who, kind, "accepted", "")?;
        notify::Message::to_phone(&app.phone, "application-accepted", "您的{item}预受理申请材料已核验通过，已受理。可预约办理时间或到大厅取号，窗口不再重复核验材料。", "Your materials for {item} are checked and the application is accepted. Book a time or take a ticket at the hall; the window will not check them again.")
            .param("item", &app.item_name)
            .send()
            .map_err(|e| log::warn(&format!("the acceptance notice was not sent: {e}")))
            .ok();
        events::publish("applications.accepted", &json!({"id": app.id, "deemed": false})).ok();
    } else {
        // One notice with every correction (一次性告知), to the phone and
        // to the application page's inbox.
        let all = lines_zh.join("\n");
        let zh = "您的{item}预受理申请需补正以下 {count} 项材料（一次性告知）：\n{list}\n请打开申请页面只重新上传这些材料后提交。";
        let en = "Your application for {item} needs {count} material(s) corrected (all listed at once):\n{list}\nOpen your application page, upload only these again and resubmit.";
        for m in [notify::Message::to_phone(&app.phone, "application-correction", zh, en), notify::Message::to_inbox(&format!("app-{}", app.token), "application-correction", zh, en)] {
            // Over the host's notify limits the decision still stands (a
            // failed call here would answer an error for changes already
            // made): the notice is on the application page and its timeline.
            m.param("item", &app.item_name).param("count", &lines_zh.len().to_string()).param("list", &all).send().map_err(|e| log::warn(&format!("a correction notice was not sent: {e}"))).ok();
        }
        db::step(app.id, now, &who, kind, "correction_notice", &all)?;
        events::publish("applications.correction", &json!({"id": app.id, "count": lines_zh.len()})).ok();
    }
    Ok(json!({"status": status, "corrections": lines_zh.len()}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `done` (办结) or `refused` (不予受理).
    pub outcome: String,
    #[serde(default)]
    pub reason: String,
}

/// The outcome at the window, on an accepted application: 办结 (issuing
/// the certificate for a 社区证明 item) or 不予受理 with a reason.
pub fn decide(cfg: &Config, app: &App, d: Decision, caller: &Caller, now: i64) -> Result<serde_json::Value, Fail> {
    match app.status.as_str() {
        "accepted" => {}
        "done" | "refused" => return Err(closed(app)),
        _ => {
            return Err(Fail::user(
                409,
                "not_accepted_yet",
                "申请尚未受理（材料审核未通过或未提交），暂不能办结或不予受理",
                "the application is not accepted yet (materials not submitted or not all accepted); it cannot be decided now",
            ));
        }
    }
    check_holder(app, caller)?;
    let reason = text::check("reason", "不予受理的理由", &d.reason, 500, true)?;
    let done = match d.outcome.as_str() {
        "done" => true,
        "refused" if reason.is_empty() => return Err(Fail::field(422, "reason_required", "reason", "不予受理须写明理由", "a reason is required to refuse")),
        "refused" => false,
        _ => return Err(Fail::field(422, "outcome_invalid", "outcome", "办理结果须为“办结”（done）或“不予受理”（refused）", "the outcome must be done or refused")),
    };
    take(app, caller, now)?;
    let (who, kind) = actor(caller);
    sql::execute(
        "UPDATE applications SET status = ?1, outcome_reason = ?2, decided_at = ?3, decided_by = ?4, updated_at = ?3 WHERE id = ?5",
        &[sql::text(if done { "done" } else { "refused" }), db::opt_text(Some(reason.as_str()).filter(|r| !r.is_empty())), sql::int(now), sql::text(&who), sql::int(app.id)],
    )?;
    db::step(app.id, now, &who, kind, if done { "done" } else { "refused" }, &reason)?;
    let mut certificate = None;
    if done && let Some(c) = cfg.certificate(&app.item) {
        let code = apply::random_code(12)?;
        sql::execute(
            "INSERT INTO certificates (code, app_id, title_zh, title_en, holder, id_shown, address, purpose, issued_day, issued_at, issuer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            &[
                sql::text(&code),
                sql::int(app.id),
                sql::text(&c.title_zh),
                sql::text(&c.title_en),
                sql::text(&app.applicant),
                db::opt_text(app.id_shown.as_deref()),
                db::opt_text(app.address.as_deref()),
                db::opt_text(app.purpose.as_deref()),
                sql::text(&db::local_day(now)),
                sql::int(now),
                sql::text(&cfg.issuer()),
            ],
        )?;
        db::step(app.id, now, &who, kind, "certificate", &format!("{} {code}", c.title_zh))?;
        certificate = Some(code);
    }
    let (zh, en) = if done {
        ("您的{item}已办结。{extra}", "Your {item} is completed. {extra}")
    } else {
        ("您的{item}申请不予受理，理由：{extra}", "Your application for {item} was not accepted: {extra}")
    };
    let extra = match (&certificate, done) {
        (Some(code), _) => format!("证明验证码 {code}"),
        (None, true) => String::new(),
        (None, false) => reason.clone(),
    };
    notify::Message::to_phone(&app.phone, if done { "application-done" } else { "application-refused" }, zh, en).param("item", &app.item_name).param("extra", &extra).send().map_err(|e| log::warn(&format!("the outcome notice was not sent: {e}"))).ok();
    events::publish("applications.decided", &json!({"id": app.id, "outcome": d.outcome})).ok();
    Ok(json!({"status": if done { "done" } else { "refused" }, "certificate": certificate, "print": certificate.as_ref().map(|c| format!("/applications/certificate/{c}"))}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    /// The clerk's account id; empty: back to the common list.
    #[serde(default)]
    pub clerk: String,
    #[serde(default)]
    pub clerk_name: String,
}

pub fn assign(app: &App, a: Assign, caller: &Caller, now: i64) -> Result<(), Fail> {
    if matches!(app.status.as_str(), "done" | "refused") {
        return Err(closed(app));
    }
    let clerk = text::check("clerk", "窗口人员账号", &a.clerk, 64, false)?;
    let name = text::check("clerk_name", "窗口人员姓名", &a.clerk_name, 50, false)?;
    let (who, kind) = actor(caller);
    let (c, n) = if clerk.is_empty() { (None, None) } else { (Some(clerk.as_str()), Some(if name.is_empty() { clerk.as_str() } else { name.as_str() })) };
    sql::execute("UPDATE applications SET clerk = ?1, clerk_name = ?2, updated_at = ?3 WHERE id = ?4", &[db::opt_text(c), db::opt_text(n), sql::int(now), sql::int(app.id)])?;
    db::step(app.id, now, &who, kind, "assigned", n.unwrap_or("—"))?;
    Ok(())
}

/// Applications still waiting for review with at most `due_soon_days`
/// working days left to tell a correction (0: today is the last day).
pub fn due(cfg: &Config, now: i64, lang: &str) -> Result<serde_json::Value, Fail> {
    let today = db::local_day(now);
    #[derive(Deserialize)]
    struct Open {
        id: i64,
        item_name: String,
        applicant: String,
        clerk_name: Option<String>,
        due_day: String,
        submitted_at: Option<i64>,
    }
    let open: Vec<Open> = db::rows("SELECT id, item_name, applicant, clerk_name, due_day, submitted_at FROM applications WHERE status = 'submitted' ORDER BY due_day, id LIMIT 500", &[])?;
    let mut out = Vec::new();
    for Open { id, item_name: item, applicant, clerk_name: clerk, due_day, submitted_at: submitted } in open {
        let left = calendar::working_days_between(&today, &due_day)?;
        if left <= cfg.due_soon_days {
            out.push(json!({"id": id, "item_name": item, "applicant": mask::name(&applicant), "clerk": clerk, "due_day": due_day, "working_days_left": left,
                "submitted_at": submitted.map(clock::format_local), "label": if left <= 0 { t(lang, "今天是最后一天", "today is the last day").to_owned() } else if lang == "en" { format!("{left} working day(s) left") } else { format!("还剩 {left} 个工作日") }}));
        }
    }
    Ok(json!({"today": today, "due_soon_days": cfg.due_soon_days, "applications": out}))
}

/// The console's list: everything not being prepared, newest last.
pub fn list(caller: &Caller, lang: &str) -> Result<serde_json::Value, Fail> {
    #[derive(Deserialize)]
    struct Row {
        id: i64,
        item_name: String,
        applicant: String,
        status: String,
        deemed: i64,
        clerk: Option<String>,
        clerk_name: Option<String>,
        due_day: Option<String>,
        updated_at: i64,
    }
    let apps: Vec<Row> = db::rows(
        "SELECT id, item_name, applicant, status, deemed, clerk, clerk_name, due_day, updated_at FROM applications WHERE status <> 'draft' ORDER BY updated_at DESC, id DESC LIMIT 300",
        &[],
    )?;
    let me = caller.id.clone();
    let out: Vec<_> = apps
        .into_iter()
        .map(|Row { id, item_name: item, applicant, status, deemed, clerk, clerk_name, due_day, updated_at: updated }| {
            json!({"id": id, "item_name": item, "applicant": mask::name(&applicant), "status": status, "status_label": status_label(&status, deemed == 1, lang),
                "clerk": clerk_name, "mine": clerk.is_some() && clerk == me, "free": clerk.is_none(), "due_day": due_day, "updated_at": clock::format_local(updated)})
        })
        .collect();
    Ok(json!({"applications": out}))
}

/// A priority ticket in the queue for an accepted application (the
/// resident came without booking): one per application, through the
/// queue's callable route, named by the application so a retry gives the
/// same ticket. Staff at the hall hand it over (guides, clerks).
pub fn ticket(cfg: &Config, app: &App, caller: &Caller, now: i64) -> Result<serde_json::Value, Fail> {
    if app.status != "accepted" {
        return Err(Fail::user(
            409,
            "not_accepted_yet",
            format!("申请{}，受理后才能取优先号", status_label(&app.status, app.deemed == 1, "zh-CN")),
            format!("the application is {}; a priority ticket is given once it is accepted", status_label(&app.status, app.deemed == 1, "en")),
        ));
    }
    let had: Option<(String,)> = db::row("SELECT detail FROM timeline WHERE app_id = ?1 AND action = 'ticket' ORDER BY id LIMIT 1", &[sql::int(app.id)])?;
    if let Some((label,)) = had {
        return Err(Fail::user(409, "already_ticketed", format!("这个申请已取过号：{label}"), format!("this application has a ticket already: {label}")));
    }
    let service = cfg.queue_service_of(&app.item).to_owned();
    let reply = services::Call::post(&cfg.queue_plugin, "/api/queue/appointments")
        .json(&json!({"appointment_id": format!("application-{}", app.id), "service": service, "time": now, "priority": true}))
        .idempotency_key(&format!("application-{}/ticket", app.id))
        .send()
        .map_err(|e| {
            log::error(&format!("ticket for application {}: the queue could not be called: {e}", app.id));
            Fail::user(503, "queue_unavailable", "排队叫号暂时无法出号，请到导办台取号", "the queue cannot issue a ticket right now; please take one at the guide desk")
        })?;
    if !reply.is_success() {
        let v: serde_json::Value = reply.json().unwrap_or_default();
        let zh = v["error"]["message_zh"].as_str().unwrap_or("").to_owned();
        let en = v["error"]["message_en"].as_str().unwrap_or("").to_owned();
        let status = if (400..500).contains(&reply.status) { 409 } else { 503 };
        return Err(Fail::user(status, "queue_refused", format!("排队叫号未能出号：{zh}"), format!("the queue did not issue a ticket: {en}")));
    }
    let t: serde_json::Value = reply.json().map_err(|e| Fail::Internal(format!("the queue's answer: {e}")))?;
    let label = t["ticket"].as_str().unwrap_or("").to_owned();
    let (who, kind) = actor(caller);
    db::step(app.id, now, &who, kind, "ticket", &label)?;
    crate::thread::record_ticket(app.id, &label, t["page"].as_str(), "priority", now)?;
    sql::execute("UPDATE applications SET updated_at = ?1 WHERE id = ?2", &[sql::int(now), sql::int(app.id)])?;
    Ok(json!({"ticket": label, "queue_ticket": t}))
}
