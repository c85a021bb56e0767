//! The kiosk: touch only, very large type, service buttons that fill the
//! screen in portrait and landscape, an elderly-friendly mode for one
//! visit, one tap per ticket, and a printed slip. A double tap or a retry
//! reuses the same idempotency key, so it never makes two tickets.
//!
//! It is drawn in the host's shell for the CSRF token and the scripts, but
//! shows none of the site's header or footer: no navigation, no sign-out,
//! no links out of the kiosk (only the language switch, which stays here).

use crate::config::Config;
use crate::day::{self, Local};
use crate::estimate::Board;
use crate::fail::Fail;
use crate::pages::{STYLE, script};
use crate::policy;
use linli_sdk::prelude::*;

/// Seconds the "here is your ticket" screen stays before the kiosk goes
/// back to the start for the next resident.
const BACK_AFTER_S: u32 = 10;

const KIOSK_STYLE: &str = r#"<style>
.topbar, body > footer { display: none !important; }
main { max-width: none; margin: 0; padding: 12px 16px; }
#q-choose { display: flex; flex-direction: column; min-height: calc(100vh - 24px); gap: 12px; }
.q-khead { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 12px; }
.q-khead h1 { margin: 0; font-size: 2rem; }
.q-kgrid { flex: 1; display: grid; gap: 16px; min-height: 60vh; grid-template-columns: repeat(var(--cols-l), 1fr); grid-auto-rows: 1fr; }
@media (orientation: portrait) { .q-kgrid { grid-template-columns: repeat(var(--cols-p), 1fr); } }
.q-kgrid .q-svc { width: 100%; height: 100%; min-height: 0; justify-content: center; align-items: center; text-align: center; font-size: clamp(1.4rem, 2.2vw + 1.2vh, 3rem); }
.q-kgrid .q-svc .code { font-size: 1.8em; line-height: 1.1; }
.q-kgrid .q-svc small { font-size: .6em; }
#q-elderly[aria-pressed="true"] { background: var(--brand); color: #fff; }
body.q-elderly { font-size: 30px; }
body.q-elderly .q-kgrid .q-svc { font-size: clamp(2rem, 3vw + 1.6vh, 4rem); }
#q-done { text-align: center; }
</style>"#;

/// Whether a phone can open the address the slip's QR code will carry:
/// the configured public address (the queue's own or the hall's), or else the address the kiosk itself
/// was opened at, unless that is this machine only (`localhost`,
/// `127.x`), which no resident's phone can reach.
pub fn qr_reachable(cfg: &Config, req: &Request) -> bool {
    if !cfg.public_base().is_empty() {
        return true;
    }
    let host = req.header("host").unwrap_or("").trim().to_ascii_lowercase();
    // Drop the port (`[::1]:8080`, `127.0.0.1:8080`, `hall.local:80`).
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("").to_owned()
    } else {
        host.split(':').next().unwrap_or("").to_owned()
    };
    !(name.is_empty() || name == "localhost" || name.ends_with(".localhost") || name.starts_with("127.") || name == "::1" || name == "0.0.0.0")
}

/// Columns of the service buttons for `n` services: landscape, portrait.
fn columns(n: usize) -> (usize, usize) {
    match n {
        0..=1 => (1, 1),
        2 => (2, 1),
        3 => (3, 1),
        4 => (2, 2),
        5..=6 => (3, 2),
        7..=9 => (3, 3),
        _ => (4, 3),
    }
}

pub fn page(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let board = Board::now(cfg, now)?;
    let closed = day::issuing_closed(cfg, &Local::at(now));
    let ready = qr_reachable(cfg, req);
    let mut buttons = String::new();
    for s in &cfg.services {
        let line = board.line(&s.code);
        buttons.push_str(&format!(
            r#"<button class="q-svc" type="button" data-service="{code}" {dis}><span class="code">{prefix}</span><span>{name}</span>
<small>{waiting_l} <b class="q-waiting" data-code="{code}">{waiting}</b> {people} · {wait_l} <b class="q-wait" data-code="{code}">{wait}</b> {min}</small></button>"#,
            code = esc(&s.code),
            prefix = esc(s.prefix()),
            name = esc(s.name(lang)),
            dis = if closed.is_some() || !ready { "disabled" } else { "" },
            waiting_l = t(lang, "等候", "Waiting"),
            waiting = line.map(|l| l.waiting).unwrap_or(0),
            people = t(lang, "人", ""),
            wait_l = t(lang, "约", "about"),
            wait = line.map(|l| l.wait_minutes(l.waiting)).unwrap_or(0),
            min = t(lang, "分钟", "min"),
        ));
    }
    let closed_html = closed
        .map(|(zh, en)| format!("<p class=\"q-alert\" role=\"alert\">{}</p>", esc(if lang == "en" { &en } else { &zh })))
        .unwrap_or_default();
    // The first-run check: a slip whose QR code no phone can open is not
    // printed at all.
    let setup_html = if ready {
        String::new()
    } else {
        format!(
            "<p class=\"q-alert\" role=\"alert\" id=\"q-setup\">{}</p>",
            t(
                lang,
                "暂停取号：号票上的二维码地址尚未设置，居民用手机扫码将无法打开。请管理员在「系统管理 → 大厅信息 → 对外地址」中填写居民手机能访问的大厅网址（例如 http://192.168.1.10:8080；也可只为取号在「排队设置 → 二维码地址」中填写），或用该地址打开本页。",
                "Tickets paused: the address in the ticket's QR code is not set, so residents' phones could not open it. An admin sets the hall's public address under Administration → Hall settings (e.g. http://192.168.1.10:8080; or for the queue alone under Queue settings → QR code address), or opens this page at that address.",
            )
        )
    };
    let policy: String = policy::describe(cfg, lang).iter().map(|l| format!("<li>{}</li>", esc(l))).collect();
    let paper = if req.query_param("paper").as_deref() == Some("58") { "58" } else { "80" };
    let (cols_l, cols_p) = columns(cfg.services.len());
    let other_lang = if lang == "en" { ("zh-CN", "中文") } else { ("en", "English") };
    let html = format!(
        r#"{STYLE}{KIOSK_STYLE}<div id="q-kiosk" data-kiosk-self-reset data-paper="{paper}" data-back="{BACK_AFTER_S}" data-ready="{ready}"
 data-elderly-on="{elderly_on}" data-elderly-off="{elderly_off}" data-printing="{printing}" data-print-failed="{print_failed}"
 data-taking="{taking}" data-network="{network}" data-back-text="{back_text}">
<section id="q-choose"><div class="q-khead"><h1>{title}</h1>
<div><button type="button" id="q-elderly" aria-pressed="false">{elderly_off}</button> <a class="button" id="q-lang" href="?lang={lang_code}{paper_q}" lang="{lang_code}">{lang_name}</a></div></div>
{setup_html}{closed_html}
<div class="q-grid q-kgrid" style="--cols-l: {cols_l}; --cols-p: {cols_p}">{buttons}</div>
<p id="q-msg" class="q-alert" role="alert" hidden></p>
<details class="card"><summary>{policy_h}</summary><ul class="q-policy">{policy}</ul></details></section>
<section id="q-done" hidden class="card">
<p style="font-size:1.4rem">{your}</p><div class="q-print" id="q-slip"></div>
<p id="q-printmsg" class="q-muted"></p>
<p class="q-actions"><button type="button" id="q-reprint">{reprint}</button> <button type="button" class="primary" id="q-finish">{finish}</button></p>
<p id="q-back" class="q-muted" aria-live="polite"></p>
</section></div>{slip_js}{kiosk_js}"#,
        title = t(lang, "请选择要办理的业务", "Choose your service"),
        elderly_on = t(lang, "长辈模式：已开启（大字）", "Large text: on"),
        elderly_off = t(lang, "长辈模式：未开启（点此放大字体）", "Large text: off (tap to enlarge)"),
        printing = t(lang, "正在打印号票，请取走", "Printing your ticket"),
        print_failed = t(lang, "打印失败，请点“补打号票”", "Printing failed; tap Reprint"),
        taking = t(lang, "正在取号…", "Taking a ticket…"),
        network = t(lang, "（网络故障，请再点一次）", " (network problem, tap again)"),
        back_text = t(lang, "{n} 秒后回到首页", "Back to the start in {n} s"),
        lang_code = other_lang.0,
        lang_name = other_lang.1,
        paper_q = if paper == "58" { "&amp;paper=58" } else { "" },
        policy_h = t(lang, "叫号规则", "How tickets are called"),
        your = t(lang, "取号成功，请收好号票", "Here is your ticket"),
        reprint = t(lang, "补打号票", "Reprint"),
        finish = t(lang, "完成", "Done"),
        ready = if ready { "1" } else { "0" },
        slip_js = script("slip"),
        kiosk_js = script("kiosk"),
    );
    Ok(Response::page(t(lang, "自助取号", "Take a ticket"), html))
}
