//! The resident's ticket: the page opened from the QR code, live, with an
//! alert when called or nearly so; and the printable slip.

use crate::api::{by_token, ticket_url};
use crate::config::Config;
use crate::estimate::Board;
use crate::fail::Fail;
use crate::pages::{STYLE, json_block, script};
use crate::ticket::Ticket;
use crate::{policy, qr};
use linli_sdk::prelude::*;
use serde_json::json;

/// The texts of a slip, each plain text (never markup): the printed page
/// escapes them, the kiosk and the guide desk set them as text.
struct SlipText {
    hall: String,
    service: String,
    label: String,
    line: String,
    time: String,
    scan: &'static str,
    flag: Option<&'static str>,
}

fn slip_text(cfg: &Config, tk: &Ticket, lang: &str, ahead: i64, wait: i64) -> SlipText {
    SlipText {
        // The hall's own name (大厅信息, a proper name in either language),
        // else the generic one.
        hall: Some(linli_sdk::hall::info().name).filter(|n| !n.is_empty()).unwrap_or_else(|| t(lang, "社区便民服务大厅", "Community Service Hall").to_owned()),
        service: cfg.service(&tk.service).map(|s| s.name(lang).to_owned()).unwrap_or_default(),
        label: tk.label.clone(),
        line: if lang == "en" {
            format!("Ahead: {ahead} · Est. wait {wait} min")
        } else {
            format!("前面还有 {ahead} 人 · 预计等候 {wait} 分钟")
        },
        time: clock::format_local(tk.issued_at),
        scan: t(lang, "扫码查看排队进度，过号请到导办台", "Scan to follow your place; missed? see the guide desk"),
        flag: (tk.priority != 0).then(|| t(lang, "优先", "Priority")),
    }
}

/// The slip as printed on thermal paper (`paper` = 58 or 80 mm): every
/// value escaped.
pub fn slip(cfg: &Config, tk: &Ticket, lang: &str, ahead: i64, wait: i64, url: &str, paper: u32) -> String {
    let s = slip_text(cfg, tk, lang, ahead, wait);
    format!(
        r#"<div class="q-slip w{paper}"><div class="row">{hall}</div><div class="svc">{svc}</div><div class="num">{label}</div>
<div class="row">{line}</div><div class="row">{time}</div>{qr}<div class="row">{scan}</div>{flags}</div>"#,
        hall = esc(&s.hall),
        svc = esc(&s.service),
        label = esc(&s.label),
        line = esc(&s.line),
        time = esc(&s.time),
        qr = qr::svg(url, 120),
        scan = esc(s.scan),
        flags = s.flag.map(|f| format!("<div class=\"row\">{}</div>", esc(f))).unwrap_or_default(),
    )
}

/// The slip as data for the kiosk and the guide desk, which build it with
/// DOM calls (`slip.js`): texts, and the QR code as an SVG path.
pub fn slip_data(cfg: &Config, tk: &Ticket, lang: &str, ahead: i64, wait: i64, url: &str, paper: u32) -> serde_json::Value {
    let s = slip_text(cfg, tk, lang, ahead, wait);
    let qr = qr::path(url).map(|(size, path)| json!({"size": size, "path": path}));
    json!({
        "paper": paper, "hall": s.hall, "service": s.service, "label": s.label, "line": s.line,
        "time": s.time, "scan": s.scan, "flag": s.flag, "qr": qr,
    })
}

/// What a resident whose ticket was skipped (过号) is told to do, from
/// the policy.
pub fn missed_rule(cfg: &Config, lang: &str) -> String {
    let p = &cfg.policy;
    if p.missed == "requeue" {
        if lang == "en" {
            format!(
                "You missed your call. Please go to the guide desk within {} minutes: staff will put you back in the queue, {} places behind the front.",
                p.missed_keep_minutes, p.requeue_places
            )
        } else {
            format!("您已过号。请在 {} 分钟内到导办台登记，工作人员会为您重新排队（排到当前第 {} 位之后）。", p.missed_keep_minutes, p.requeue_places)
        }
    } else {
        t(lang, "您已过号，号票已作废。如需办理，请到导办台或自助取号机重新取号。", "You missed your call and the ticket has expired. Please take a new ticket at the guide desk or the kiosk.").to_owned()
    }
}

pub fn page(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tk = by_token(req)?;
    let ahead = tk.ahead()?;
    let wait = Board::now(cfg, now)?.line(&tk.service).map(|l| l.wait_minutes(ahead)).unwrap_or(0);
    let v = serde_json::to_value(tk.public_view(cfg, lang, ahead, wait)).unwrap_or_default();
    let policy: String = policy::describe(cfg, lang).iter().map(|l| format!("<li>{}</li>", esc(l))).collect();
    let token = esc(&tk.token);
    let html = format!(
        r#"{STYLE}<section class="card" id="q-ticket" data-token="{token}" data-status="{status}" data-missed="{missed}">
<p class="q-muted">{svc_l}：<strong id="q-svc">{svc}</strong></p>
<div class="q-big" id="q-num">{label}</div>
<p id="q-status" role="status" aria-live="assertive" style="font-size:1.4rem;font-weight:700">{status_text}</p>
<p id="q-place"><span>{ahead_l}</span> <strong id="q-ahead" style="font-size:1.6rem">{ahead}</strong> {people} · <span>{wait_l}</span> <strong id="q-wait">{wait}</strong> {min}</p>
<div id="q-alert" class="q-alert" role="alert" hidden></div>
<p class="q-muted">{issued_l} {issued}</p>
<p><button id="q-enable" type="button">{enable}</button> <a class="button" href="/queue/t/{token}/print" target="_blank">{print}</a></p>
<p id="q-rate" hidden><a class="button primary" href="/ratings/t/{token}">{rate}</a></p>
</section>
<section class="card"><h2>{policy_h}</h2><ul class="q-policy">{policy}</ul></section>
{initial}{script}"#,
        status = esc(&tk.status),
        missed = esc(&missed_rule(cfg, lang)),
        svc_l = t(lang, "业务", "Service"),
        svc = esc(v["service_name"].as_str().unwrap_or("")),
        label = esc(&tk.label),
        status_text = esc(v["status_text"].as_str().unwrap_or("")),
        ahead_l = t(lang, "前面还有", "Ahead of you:"),
        people = t(lang, "人", "people"),
        wait_l = t(lang, "预计等候", "Estimated wait"),
        min = t(lang, "分钟", "min"),
        issued_l = t(lang, "取号时间", "Taken at"),
        issued = esc(&clock::format_local(tk.issued_at)),
        enable = t(lang, "开启声音和振动提醒", "Turn on sound and vibration alerts"),
        print = t(lang, "打印号票", "Print ticket"),
        // Shown by ticket.js once the ticket is finished and the ratings
        // plugin (好差评) answers.
        rate = t(lang, "评价本次服务", "Rate this service"),
        policy_h = t(lang, "叫号规则", "How tickets are called"),
        initial = json_block("q-initial", &v),
        script = script("ticket"),
    );
    Ok(Response::page(&format!("{} {}", t(lang, "我的号", "My ticket"), tk.label), html))
}

/// A bare page with only the slip, which prints itself (`print.js`).
pub fn print(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tk = by_token(req)?;
    let ahead = tk.ahead()?;
    let wait = Board::now(cfg, now)?.line(&tk.service).map(|l| l.wait_minutes(ahead)).unwrap_or(0);
    let paper = if req.query_param("paper").as_deref() == Some("58") { 58 } else { 80 };
    let slip = slip(cfg, &tk, lang, ahead, wait, &ticket_url(cfg, req, &tk.token), paper);
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{label}</title><link rel=\"stylesheet\" href=\"/static/linli.css\">{STYLE}\
         <style>@page {{ size: {paper}mm auto; margin: 0; }}</style></head><body><div class=\"q-print\">{slip}</div>{script}</body></html>",
        lang = if lang == "en" { "en" } else { "zh-CN" },
        label = esc(&tk.label),
        script = script("print"),
    );
    Ok(Response { status: 200, headers: vec![("content-type".into(), "text/html; charset=utf-8".into())], body: html.into_bytes() })
}
