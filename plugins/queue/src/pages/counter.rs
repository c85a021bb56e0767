//! The counter console for a clerk at a window. Every action has a key:
//! Enter 完成并叫下一位 (finish the current ticket and call the next; Enter
//! means this whatever button has the focus), N call next, R recall,
//! S skip, B begin, F finish (完成), I 需补正, Z 转办, T transfer,
//! P pause or resume, C 特呼 (call a given number). The waiting list shows
//! the tickets in the order they would be called, each with a 特呼 button;
//! the current resident is timed; a button that cannot act is disabled.

use crate::config::Config;
use crate::fail::Fail;
use crate::pages::{STYLE, script};
use crate::windows;
use linli_sdk::prelude::*;

pub fn page(cfg: &Config, req: &Request, _now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    // Without a window the console can do nothing: say why, at once.
    let window = match windows::of_caller(cfg, &req.caller) {
        Ok(w) => w,
        Err(Fail::User(_, _, zh, en)) => {
            let html = format!("<section class=\"card\"><h1>{}</h1><p class=\"alert\" role=\"alert\">{}</p><p><a class=\"button primary\" href=\"/login?next=/queue/counter\">{}</a></p></section>",
                t(lang, "窗口叫号", "Counter"), esc(if lang == "en" { &en } else { &zh }), t(lang, "重新登录", "Sign in again"));
            return Ok(Response::page(t(lang, "窗口叫号", "Counter"), html));
        }
        Err(e) => return Err(e),
    };
    let options: String = cfg.services.iter().map(|s| format!("<option value=\"{}\">{} {}</option>", esc(&s.code), esc(s.prefix()), esc(s.name(lang)))).collect();
    let wins: String = cfg.windows.iter().filter(|w| w.number != window.number).map(|w| format!("<option value=\"{0}\">{0}</option>", esc(&w.number))).collect();
    let key = |k: &str, label: &str, id: &str, class: &str| format!("<button type=\"button\" id=\"{id}\" class=\"{class}\" disabled><kbd>{k}</kbd> {label}</button>");
    let html = format!(
        r#"{STYLE}<section class="card" id="q-counter" data-window="{win}"><h1>{win}{win_l}</h1>
<p id="q-paused" class="q-alert" hidden>{paused}</p>
<div style="display:flex;gap:24px;flex-wrap:wrap;align-items:center"><div><div class="q-muted">{current_l}</div><div class="q-big" id="q-cur">—</div></div>
<div><div id="q-curinfo" class="q-muted"></div><div id="q-timer" style="font-size:1.6rem;font-weight:700" aria-live="off"></div></div></div>
<p id="q-msg" role="status" aria-live="polite"></p>
<div class="q-actions q-keys">{b_fnext}{b_next}{b_recall}{b_skip}{b_start}{b_done}{b_inc}{b_ref}{b_pause}</div>
<form id="q-special" class="q-keys" style="display:flex;gap:8px;align-items:end;flex-wrap:wrap;margin-top:8px"><label style="flex:0 1 16em">{special_l}<input id="q-special-no" name="ticket" autocomplete="off" maxlength="16" placeholder="{special_hint}"></label>
<button type="submit" id="q-special-go" disabled><kbd>C</kbd> {special}</button></form>
<details id="q-transfer"><summary><kbd>T</kbd> {transfer}</summary>
<label>{to_svc}<select id="q-t-svc"><option value="">—</option>{options}</select></label>
<label>{to_win}<select id="q-t-win"><option value="">—</option>{wins}</select></label>
<button type="button" id="q-t-go" class="primary" disabled>{transfer}</button></details></section>
<section class="card"><h2>{list_h}</h2><table><thead><tr><th>{col_no}</th><th>{col_svc}</th><th>{col_taken}</th><th>{col_note}</th><th></th></tr></thead><tbody id="q-list"></tbody></table></section>
<section class="card"><h2>{waiting_h}</h2><table><tbody id="q-waiting"></tbody></table></section>
<section class="card"><h2>{missed_h}</h2><table><tbody id="q-missed"></tbody></table></section>
{script}"#,
        win = esc(&window.number),
        win_l = t(lang, " 号窗口", ""),
        paused = t(lang, "本窗口已暂停叫号", "This window is paused"),
        current_l = t(lang, "当前号", "Current ticket"),
        b_fnext = key("Enter", t(lang, "完成并叫下一位", "Done, call next"), "q-fnext", "primary"),
        b_next = key("N", t(lang, "叫下一位", "Call next"), "q-next", ""),
        b_recall = key("R", t(lang, "重呼", "Recall"), "q-recall", ""),
        b_skip = key("S", t(lang, "过号", "Skip (no-show)"), "q-skip", ""),
        b_start = key("B", t(lang, "开始办理", "Start"), "q-start", ""),
        b_done = key("F", t(lang, "完成", "Done"), "q-done", ""),
        b_inc = key("I", t(lang, "需补正", "Papers missing"), "q-inc", ""),
        b_ref = key("Z", t(lang, "转办", "Referred"), "q-ref", ""),
        b_pause = key("P", t(lang, "暂停", "Pause"), "q-pause", ""),
        special_l = t(lang, "特呼：叫指定号码", "Call a given number"),
        special_hint = t(lang, "例如 A012", "e.g. A012"),
        special = t(lang, "特呼", "Call this number"),
        transfer = t(lang, "转移到其他业务或窗口（保留原取号时间）", "Transfer to another service or window (keeps the original time)"),
        to_svc = t(lang, "转到业务", "To service"),
        to_win = t(lang, "转到窗口", "To window"),
        list_h = t(lang, "等候名单（按叫号顺序）", "Waiting list (in calling order)"),
        col_no = t(lang, "号码", "Number"),
        col_svc = t(lang, "业务", "Service"),
        col_taken = t(lang, "取号时间", "Taken at"),
        col_note = t(lang, "说明", "Note"),
        waiting_h = t(lang, "本窗口业务等候情况", "Waiting for this window's services"),
        missed_h = t(lang, "过号待回", "Missed tickets"),
        script = script("counter"),
    );
    Ok(Response::page(t(lang, "窗口叫号", "Counter"), html))
}
