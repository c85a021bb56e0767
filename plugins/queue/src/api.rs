//! JSON endpoints under `/api/queue/…`.

use crate::config::{Config, OVERRIDE_KEY};
use crate::counter::{self, Desk};
use crate::day::{self, Local};
use crate::estimate::Board;
use crate::fail::Fail;
use crate::issue::{self, Ask, Issued};
use crate::policy;
use crate::stats;
use crate::ticket::{Ticket, TicketView, status};
use crate::db;
use linli_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The services board for kiosks and pages: queues, estimates, whether
/// tickets are being issued now, and the call policy in words.
pub fn services(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let board = Board::now(cfg, now)?;
    let closed = day::issuing_closed(cfg, &Local::at(now));
    let list: Vec<_> = board
        .services
        .iter()
        .map(|l| {
            let s = cfg.service(&l.code);
            json!({
                "code": l.code,
                "prefix": s.map(|s| s.prefix().to_owned()),
                "name": s.map(|s| s.name(lang).to_owned()),
                "name_zh": l.name_zh,
                "name_en": l.name_en,
                "waiting": l.waiting,
                "windows_open": l.windows_open,
                "wait_minutes": l.wait_minutes(l.waiting),
            })
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({
            "services": list,
            "issuing": closed.is_none(),
            "closed_reason": closed.map(|(zh, en)| if lang == "en" { en } else { zh }),
            "hours": cfg.hours,
            "policy": policy::describe(cfg, lang),
        }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KioskAsk {
    service: String,
    #[serde(default)]
    idem_key: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

fn issued_response(cfg: &Config, req: &Request, done: Issued) -> Response {
    let mut v = done.ticket.public_view(cfg, req.lang(), done.ahead, done.wait_minutes);
    v.replayed = Some(done.replayed);
    // The printed slip (with its QR code, the costly part of issuing) only
    // for the kiosk and the guide desk, which ask for it with `?paper=`;
    // a ticket taken on a phone needs none.
    if let Some(paper) = req.query_param("paper") {
        let paper = if paper == "58" { 58 } else { 80 };
        let url = ticket_url(cfg, req, &done.ticket.token);
        v.print_html = Some(crate::pages::ticket::slip(cfg, &done.ticket, req.lang(), done.ahead, done.wait_minutes, &url, paper));
        v.slip = Some(crate::pages::ticket::slip_data(cfg, &done.ticket, req.lang(), done.ahead, done.wait_minutes, &url, paper));
    }
    Response::json(if done.replayed { 200 } else { 201 }, &v)
}

/// The absolute address a phone opens from the QR code.
pub fn ticket_url(cfg: &Config, req: &Request, token: &str) -> String {
    let base = cfg.public_base();
    let base = if base.is_empty() { format!("http://{}", req.header("host").unwrap_or("localhost")) } else { base };
    format!("{base}/queue/t/{token}")
}

pub fn kiosk_issue(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let a: KioskAsk = req.json()?;
    let done = issue::issue(
        cfg,
        Ask {
            service: a.service.trim().to_owned(),
            kind: "walk-in",
            channel: "kiosk",
            phone: issue::clean_phone(a.phone.as_deref())?,
            idem_key: issue::idem_key("kiosk", a.idem_key)?,
            ..Ask::default()
        },
        now,
    )?;
    Ok(issued_response(cfg, req, done))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuideAsk {
    service: String,
    #[serde(default)]
    priority: bool,
    #[serde(default)]
    proxy: bool,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    idem_key: Option<String>,
    /// Why the ticket has priority: `elderly`, `disabled` or `pregnant`
    /// (implies `priority`).
    #[serde(default)]
    priority_reason: Option<String>,
}

/// The reasons the guide desk records for a priority ticket, in words.
pub const PRIORITY_REASONS: &[(&str, &str, &str)] =
    &[("elderly", "老年人", "elderly"), ("disabled", "残疾人", "disabled"), ("pregnant", "孕妇", "pregnant")];

fn reason_key(id: i64) -> String {
    format!("priority-reason/{id}")
}

/// The recorded priority reason of ticket `id`, in words.
pub fn priority_reason(id: i64, lang: &str) -> Result<Option<&'static str>, Fail> {
    let code: Option<String> = kv::get_json(&reason_key(id))?;
    Ok(code.and_then(|c| PRIORITY_REASONS.iter().find(|r| r.0 == c)).map(|r| t(lang, r.1, r.2)))
}

pub fn guide_issue(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let a: GuideAsk = req.json()?;
    let reason = match a.priority_reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => Some(PRIORITY_REASONS.iter().find(|p| p.0 == r).map(|p| p.0).ok_or_else(|| {
            Fail::status(422, "优先原因应为 老年人、残疾人 或 孕妇", "priority_reason must be elderly, disabled or pregnant")
        })?),
    };
    let name = a.name.map(|n| n.trim().chars().take(40).collect::<String>()).filter(|n| !n.is_empty());
    let done = issue::issue(
        cfg,
        Ask {
            service: a.service.trim().to_owned(),
            kind: "walk-in",
            priority: a.priority || reason.is_some(),
            proxy: a.proxy,
            channel: "guide",
            phone: issue::clean_phone(a.phone.as_deref())?,
            name,
            idem_key: issue::idem_key("guide", a.idem_key)?,
            ..Ask::default()
        },
        now,
    )?;
    if let Some(r) = reason {
        kv::set_json(&reason_key(done.ticket.id), &r)?;
    }
    Ok(issued_response(cfg, req, done))
}

/// An appointment check-in, from the `appointments.checked-in` event or
/// from the guide desk.
#[derive(Deserialize)]
pub struct CheckIn {
    #[serde(alias = "id")]
    pub appointment_id: String,
    #[serde(alias = "service_code")]
    pub service: String,
    /// The slot's start, ms since the epoch.
    #[serde(alias = "slot_time", alias = "start")]
    pub time: Option<i64>,
    #[serde(default)]
    pub priority: bool,
}

pub fn check_in(cfg: &Config, c: CheckIn, now: i64) -> Result<Issued, Fail> {
    if c.appointment_id.trim().is_empty() {
        return Err(Fail::status(422, "缺少预约编号", "appointment id missing"));
    }
    // The appointment id becomes the idempotency key: the same limit.
    if c.appointment_id.chars().count() > issue::MAX_IDEM_KEY || c.appointment_id.chars().any(char::is_control) {
        return Err(Fail::status(
            422,
            format!("预约编号应为不超过 {} 个字符的可见文字", issue::MAX_IDEM_KEY),
            format!("the appointment id must be at most {} visible characters", issue::MAX_IDEM_KEY),
        ));
    }
    let late = cfg.policy.appointment_late_minutes as i64 * 60_000;
    // Too late for the slot: queued as a walk-in, as the policy says.
    let on_time = c.time.is_some_and(|t| now <= t + late);
    issue::issue(
        cfg,
        Ask {
            service: c.service,
            kind: if on_time { "appointment" } else { "walk-in" },
            priority: c.priority,
            channel: "appointment",
            appointment_id: Some(c.appointment_id.clone()),
            appointment_time: c.time.filter(|_| on_time),
            idem_key: Some(format!("appointment:{}", c.appointment_id)),
            ..Ask::default()
        },
        now,
    )
}

pub fn guide_check_in(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let c: CheckIn = req.json()?;
    let done = check_in(cfg, c, now)?;
    Ok(issued_response(cfg, req, done))
}

pub fn ticket_status(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let t = by_token(req)?;
    let ahead = t.ahead()?;
    let board = Board::now(cfg, now)?;
    let wait = board.line(&t.service).map(|l| l.wait_minutes(ahead)).unwrap_or(0);
    let mut v = t.public_view(cfg, req.lang(), ahead, wait);
    v.policy = Some(policy::describe(cfg, req.lang()));
    Ok(Response::json(200, &v))
}

pub fn by_token(req: &Request) -> Result<Ticket, Fail> {
    let token = req.param("token").unwrap_or("");
    let found = if token.len() == 32 && token.chars().all(|c| c.is_ascii_hexdigit()) { Ticket::by_token(token)? } else { None };
    found.ok_or_else(|| Fail::status(404, "找不到这张号票，请核对二维码", "No such ticket; please check the QR code"))
}

/// A ticket whose printing failed is printed again, never issued again.
pub fn reprint(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let t = by_token(req)?;
    if !matches!(t.status.as_str(), status::WAITING | status::CALLED) {
        return Err(Fail::status(409, format!("{} 号已{}，无需补打", t.label, crate::ticket::status_text(&t.status, "zh-CN")), format!("Ticket {} is no longer waiting", t.label)));
    }
    sql::execute("UPDATE tickets SET printed = printed + 1 WHERE id = ?1", &[sql::int(t.id)])?;
    let ahead = t.ahead()?;
    let wait = Board::now(cfg, now)?.line(&t.service).map(|l| l.wait_minutes(ahead)).unwrap_or(0);
    Ok(issued_response(cfg, req, Issued { ticket: t, ahead, wait_minutes: wait, replayed: true }))
}

/// The console's view of the clerk's window.
pub fn counter_state(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let desk = Desk::open(cfg, &req.caller, now)?;
    let lang = req.lang();
    let board = Board::now(cfg, now)?;
    let current = Ticket::current_at(&desk.window.number)?;
    let missed: Vec<Ticket> = db::rows(
        concat!("SELECT ", crate::ticket_columns!(), " FROM tickets WHERE status = 'missed' ORDER BY missed_at DESC LIMIT 20"),
        &[],
    )?;
    // The waiting list in call order, each with its priority reason.
    let mut waiting_list = Vec::new();
    for w in counter::waiting_list(cfg, &desk, now, 30)? {
        let mut v = serde_json::to_value(w.staff_view(cfg, lang)).unwrap_or_default();
        if w.priority != 0 {
            v["priority_reason"] = json!(priority_reason(w.id, lang)?);
        }
        waiting_list.push(v);
    }
    let current_view = match &current {
        Some(c) => {
            let mut v = serde_json::to_value(c.staff_view(cfg, lang)).unwrap_or_default();
            if c.priority != 0 {
                v["priority_reason"] = json!(priority_reason(c.id, lang)?);
            }
            v
        }
        None => serde_json::Value::Null,
    };
    let services: Vec<_> = desk
        .window
        .services
        .iter()
        .filter_map(|c| board.line(c))
        .map(|l| json!({"code": l.code, "name": t(lang, &l.name_zh, &l.name_en), "waiting": l.waiting, "wait_minutes": l.wait_minutes(l.waiting)}))
        .collect();
    Ok(Response::json(
        200,
        &json!({
            "window": desk.window.number,
            "paused": desk.row.paused != 0,
            "clerk": req.caller.name,
            "current": current_view,
            "waiting_list": waiting_list,
            "services": services,
            "missed": missed.iter().filter(|m| desk.window.services.contains(&m.service)).map(|m| m.staff_view(cfg, lang)).collect::<Vec<_>>(),
            "max_recalls": cfg.policy.max_recalls,
            "all_services": cfg.services.iter().map(|s| json!({"code": s.code, "name": s.name(lang)})).collect::<Vec<_>>(),
            "all_windows": cfg.windows.iter().map(|w| &w.number).collect::<Vec<_>>(),
        }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CounterBody {
    id: Option<i64>,
    outcome: Option<String>,
    service: Option<String>,
    window: Option<String>,
    /// The label a 特呼 (`call-ticket`) calls.
    ticket: Option<String>,
}

pub fn counter_action(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let desk = Desk::open(cfg, &req.caller, now)?;
    let body: CounterBody = if req.body.iter().all(u8::is_ascii_whitespace) { CounterBody::default() } else { req.json()? };
    let lang = req.lang();
    /// What the action changed.
    enum Done {
        One(Ticket),
        Called(Option<Ticket>),
        FinishedAndCalled(Option<Ticket>, Option<Ticket>),
        Paused(bool),
    }
    let done = match req.param("action").unwrap_or("") {
        "call-next" => Done::Called(counter::call_next(cfg, &desk, now)?),
        // 完成并叫下一位: finish the current ticket (outcome 完成 unless
        // given) and call the next, in one step.
        "finish-next" => {
            let (finished, next) = counter::finish_and_call(cfg, &desk, body.outcome.as_deref().unwrap_or("done"), now)?;
            Done::FinishedAndCalled(finished, next)
        }
        "call-ticket" => {
            let label = body.ticket.as_deref().map(str::trim).filter(|l| !l.is_empty() && l.len() <= 16).ok_or_else(|| {
                Fail::status(422, "请填写要特呼的号码，例如 A012", "Give the ticket number to call, e.g. A012")
            })?;
            Done::One(counter::call_ticket(cfg, &desk, label, now)?)
        }
        "recall" => Done::One(counter::recall(cfg, &desk, now)?),
        "skip" => Done::One(counter::skip(cfg, &desk, now)?),
        "start" => Done::One(counter::start(cfg, &desk, now)?),
        "finish" => Done::One(counter::finish(cfg, &desk, body.id, body.outcome.as_deref().unwrap_or("done"), now)?),
        "transfer" => Done::One(counter::transfer(cfg, &desk, body.service.as_deref(), body.window.as_deref(), now)?),
        "pause" => {
            counter::pause(cfg, &desk, true, now)?;
            Done::Paused(true)
        }
        "resume" => {
            counter::pause(cfg, &desk, false, now)?;
            Done::Paused(false)
        }
        other => return Err(Fail::status(404, format!("未知操作 {other}"), format!("unknown action `{other}`"))),
    };
    /// `{"ticket": …}`; a call with nobody waiting says so in `message`;
    /// 完成并叫下一位 adds the ticket it `finished`.
    #[derive(Serialize)]
    struct Answer<'a> {
        ticket: Option<TicketView<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        finished: Option<Option<TicketView<'a>>>,
    }
    fn view<'a>(t: &'a Option<Ticket>, cfg: &'a Config, lang: &'a str) -> Option<TicketView<'a>> {
        t.as_ref().map(|t| t.staff_view(cfg, lang))
    }
    let nobody = |tk: &Option<Ticket>| tk.is_none().then(|| t(lang, "暂无等候的群众", "Nobody is waiting"));
    let answer = match &done {
        Done::One(tk) => Answer { ticket: Some(tk.staff_view(cfg, lang)), message: None, finished: None },
        Done::Called(next) => Answer { ticket: view(next, cfg, lang), message: nobody(next), finished: None },
        Done::FinishedAndCalled(finished, next) => {
            Answer { ticket: view(next, cfg, lang), message: nobody(next), finished: Some(view(finished, cfg, lang)) }
        }
        Done::Paused(paused) => return Ok(Response::json(200, &json!({ "paused": paused }))),
    };
    Ok(Response::json(200, &answer))
}

pub fn missed(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let rows: Vec<Ticket> = db::rows(concat!("SELECT ", crate::ticket_columns!(), " FROM tickets WHERE status = 'missed' ORDER BY missed_at DESC LIMIT 100"), &[])?;
    Ok(Response::json(200, &json!({"tickets": rows.iter().map(|t| t.staff_view(cfg, req.lang())).collect::<Vec<_>>()})))
}

pub fn comeback(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let id = req.param("id").and_then(|s| s.parse::<i64>().ok()).ok_or_else(|| Fail::status(400, "号票编号无效", "invalid ticket id"))?;
    let t = counter::comeback(cfg, id, now)?;
    let ahead = t.ahead()?;
    Ok(Response::json(200, &json!({"ticket": t.staff_view(cfg, req.lang()), "ahead": ahead})))
}

fn range(req: &Request, now: i64) -> (String, String) {
    let today = Local::at(now).day;
    let from = req.query_param("from").filter(|s| !s.is_empty()).unwrap_or_else(|| today.clone());
    let to = req.query_param("to").filter(|s| !s.is_empty()).unwrap_or_else(|| from.clone().max(today));
    (from, to)
}

pub fn stats_json(req: &Request, now: i64) -> Result<Response, Fail> {
    let (from, to) = range(req, now);
    Ok(Response::json(200, &stats::report(&from, &to)?.json()))
}

pub fn stats_csv(req: &Request, now: i64) -> Result<Response, Fail> {
    let (from, to) = range(req, now);
    let csv = stats::report(&from, &to)?.csv();
    Ok(Response::text(200, &format!("\u{feff}{csv}"))
        .with_header("content-type", "text/csv; charset=utf-8")
        .with_header("content-disposition", &format!("attachment; filename=\"queue-{from}-{to}.csv\"")))
}

pub fn config_get(cfg: &Config) -> Result<Response, Fail> {
    let over: serde_json::Value = kv::get_json(OVERRIDE_KEY)?.unwrap_or(json!({}));
    Ok(Response::json(200, &json!({"effective": cfg, "override": over})))
}

/// The settings while the configuration is broken: the admin's overrides
/// and what is wrong, each problem with its field path (as a refused save).
pub fn config_get_broken(bad: &crate::config::Invalid) -> Result<Response, Fail> {
    let over: serde_json::Value = kv::get_json(OVERRIDE_KEY)?.unwrap_or(json!({}));
    Ok(Response::json(
        200,
        &json!({"effective": null, "override": over, "error": {
            "code": "config_invalid",
            "message_zh": format!("配置有误：{}", bad.zh()),
            "message_en": format!("invalid configuration: {}", bad.en()),
            "field": bad.0.first().map(|p| p.path.as_str()),
            "fields": bad.0,
        }}),
    ))
}

/// Save the admin's overrides (top-level sections); `null` for a section
/// removes its override. The result is checked before it is kept.
pub fn config_set(req: &Request) -> Result<Response, Fail> {
    let patch: serde_json::Map<String, serde_json::Value> = req.json()?;
    let mut over = match kv::get_json::<serde_json::Value>(OVERRIDE_KEY)? {
        Some(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    for (k, v) in patch {
        if v.is_null() {
            over.remove(&k);
        } else {
            over.insert(k, v);
        }
    }
    let mut base: serde_json::Value = config::get().map_err(|e| Fail::Internal(format!("reading the host's queue configuration: {e}")))?;
    if let serde_json::Value::Object(b) = &mut base {
        for (k, v) in &over {
            b.insert(k.clone(), v.clone());
        }
    }
    // Every problem, each with its field path, so a form can show each
    // beside its field; nothing is kept unless all is well.
    let cfg = match Config::from_json(&base) {
        Ok(cfg) => cfg,
        Err(bad) => {
            return Ok(Response::json(
                422,
                &json!({"error": {
                    "code": "config_invalid",
                    "message_zh": format!("配置有误：{}", bad.zh()),
                    "message_en": format!("invalid configuration: {}", bad.en()),
                    "field": bad.0.first().map(|p| p.path.as_str()),
                    "fields": bad.0,
                }}),
            ));
        }
    };
    kv::set_json(OVERRIDE_KEY, &serde_json::Value::Object(over))?;
    log::info("queue configuration changed by an admin");
    Ok(Response::json(200, &json!({"effective": cfg})))
}
