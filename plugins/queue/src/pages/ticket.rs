//! The resident's ticket: the page opened from the QR code, live, with an
//! alert when called or nearly so; and the printable slip.

use crate::api::{by_token, ticket_url};
use crate::config::Config;
use crate::estimate::Board;
use crate::fail::Fail;
use crate::pages::{STYLE, live_script};
use crate::ticket::Ticket;
use crate::{policy, qr};
use linli_sdk::prelude::*;

/// The slip as printed on thermal paper (`paper` = 58 or 80 mm).
pub fn slip(cfg: &Config, tk: &Ticket, lang: &str, ahead: i64, wait: i64, url: &str, paper: u32) -> String {
    let svc = cfg.service(&tk.service).map(|s| s.name(lang).to_owned()).unwrap_or_default();
    format!(
        r#"<div class="q-slip w{paper}"><div class="row">{hall}</div><div class="svc">{svc}</div><div class="num">{label}</div>
<div class="row">{ahead_l}{ahead}{people} · {wait_l}{wait}{min}</div><div class="row">{time}</div>{qr}<div class="row">{scan}</div>{flags}</div>"#,
        hall = t(lang, "社区便民服务大厅", "Community Service Hall"),
        label = esc(&tk.label),
        ahead_l = t(lang, "前面还有 ", "Ahead: "),
        people = t(lang, " 人", ""),
        wait_l = t(lang, "预计等候 ", "Est. wait "),
        min = t(lang, " 分钟", " min"),
        time = esc(&clock::format_local(tk.issued_at)),
        qr = qr::svg(url, 120),
        scan = t(lang, "扫码查看排队进度，过号请到导办台", "Scan to follow your place; missed? see the guide desk"),
        flags = if tk.priority != 0 { format!("<div class=\"row\">{}</div>", t(lang, "优先", "Priority")) } else { String::new() },
    )
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
        r#"{STYLE}<section class="card" id="q-ticket" data-token="{token}" data-status="{status}">
<p class="q-muted">{svc_l}：<strong id="q-svc">{svc}</strong></p>
<div class="q-big" id="q-num">{label}</div>
<p id="q-status" role="status" aria-live="assertive" style="font-size:1.4rem;font-weight:700">{status_text}</p>
<p><span>{ahead_l}</span> <strong id="q-ahead" style="font-size:1.6rem">{ahead}</strong> {people} · <span>{wait_l}</span> <strong id="q-wait">{wait}</strong> {min}</p>
<div id="q-alert" class="q-alert" hidden></div>
<p class="q-muted">{issued_l} {issued}</p>
<p><button id="q-enable" type="button">{enable}</button> <a class="button" href="/queue/t/{token}/print" target="_blank">{print}</a></p>
</section>
<section class="card"><h2>{policy_h}</h2><ul class="q-policy">{policy}</ul></section>
<script>
(function () {{
  var zh = document.documentElement.lang !== 'en', token = '{token}', warned = false, calledOnce = false, audio = null;
  function beep() {{
    try {{ if (!audio) return; var o = audio.createOscillator(), g = audio.createGain(); o.frequency.value = 880; o.connect(g); g.connect(audio.destination); g.gain.value = 0.3; o.start(); o.stop(audio.currentTime + 0.6); }} catch (e) {{}}
  }}
  function alertNow(text, strong) {{
    var a = document.getElementById('q-alert'); a.hidden = false; a.textContent = text;
    a.className = strong ? 'q-alert q-called' : 'q-alert';
    if (navigator.vibrate) navigator.vibrate(strong ? [400, 200, 400, 200, 400] : [200]);
    beep();
  }}
  function show(t) {{
    document.getElementById('q-status').textContent = t.status_text + (t.window ? (zh ? '：请到 ' + t.window + ' 号窗口' : ': go to window ' + t.window) : '');
    document.getElementById('q-ahead').textContent = t.ahead;
    document.getElementById('q-wait').textContent = t.wait_minutes;
    document.getElementById('q-svc').textContent = t.service_name;
    document.getElementById('q-ticket').dataset.status = t.status;
    if (t.status === 'called' && !calledOnce) {{ calledOnce = true; alertNow(zh ? '轮到您了！请到 ' + t.window + ' 号窗口办理' : 'It is your turn! Please go to window ' + t.window, true); }}
    else if (t.status === 'waiting' && t.ahead <= 3 && !warned) {{ warned = true; alertNow(zh ? '前面只剩 ' + t.ahead + ' 人，请到窗口附近等候' : 'Only ' + t.ahead + ' ahead of you; please come near the windows', false); }}
    if (t.status !== 'called') calledOnce = false;
  }}
  window.queueTicketRefresh = function () {{
    fetch('/api/queue/t/' + token, {{ credentials: 'same-origin', headers: {{ 'Accept': 'application/json' }} }}).then(function (r) {{ return r.json(); }}).then(show).catch(function () {{}});
  }};
  document.getElementById('q-enable').addEventListener('click', function () {{
    try {{ audio = new (window.AudioContext || window.webkitAudioContext)(); }} catch (e) {{}}
    if (navigator.vibrate) navigator.vibrate(50);
    this.textContent = zh ? '提醒已开启' : 'Alerts on';
  }});
  show({initial});
}})();
</script>{live}"#,
        status = esc(&tk.status),
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
        policy_h = t(lang, "叫号规则", "How tickets are called"),
        initial = json_for_script(&v),
        live = live_script("'queue.'", "window.queueTicketRefresh"),
    );
    Ok(Response::page(&format!("{} {}", t(lang, "我的号", "My ticket"), tk.label), html))
}

/// JSON inside a `<script>`: `<` escaped so no text can close the tag.
pub fn json_for_script(v: &serde_json::Value) -> String {
    v.to_string().replace('<', "\\u003c")
}

/// A bare page with only the slip, which prints itself.
pub fn print(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let tk = by_token(req)?;
    let ahead = tk.ahead()?;
    let wait = Board::now(cfg, now)?.line(&tk.service).map(|l| l.wait_minutes(ahead)).unwrap_or(0);
    let paper = if req.query_param("paper").as_deref() == Some("58") { 58 } else { 80 };
    let slip = slip(cfg, &tk, lang, ahead, wait, &ticket_url(cfg, req, &tk.token), paper);
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{label}</title><link rel=\"stylesheet\" href=\"/static/linli.css\">{STYLE}\
         <style>@page {{ size: {paper}mm auto; margin: 0; }}</style></head><body><div class=\"q-print\">{slip}</div>\
         <script>window.addEventListener('load', function () {{ window.print(); }});</script></body></html>",
        lang = if lang == "en" { "en" } else { "zh-CN" },
        label = esc(&tk.label),
    );
    Ok(Response { status: 200, headers: vec![("content-type".into(), "text/html; charset=utf-8".into())], body: html.into_bytes() })
}
