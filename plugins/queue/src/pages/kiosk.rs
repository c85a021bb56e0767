//! The kiosk: touch only, very large type, an elderly-friendly mode,
//! one tap per ticket, and a printed slip. A double tap or a retry reuses
//! the same idempotency key, so it never makes two tickets.

use crate::config::Config;
use crate::day::{self, Local};
use crate::estimate::Board;
use crate::fail::Fail;
use crate::pages::{STYLE, live_script};
use crate::policy;
use linli_sdk::prelude::*;

pub fn page(cfg: &Config, req: &Request, now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    let board = Board::now(cfg, now)?;
    let closed = day::issuing_closed(cfg, &Local::at(now));
    let mut buttons = String::new();
    for s in &cfg.services {
        let line = board.line(&s.code);
        buttons.push_str(&format!(
            r#"<button class="q-svc" type="button" data-service="{code}" {dis}><span class="code">{prefix}</span><span>{name}</span>
<small>{waiting_l} <b class="q-waiting" data-code="{code}">{waiting}</b> {people} · {wait_l} <b class="q-wait" data-code="{code}">{wait}</b> {min}</small></button>"#,
            code = esc(&s.code),
            prefix = esc(s.prefix()),
            name = esc(s.name(lang)),
            dis = if closed.is_some() { "disabled" } else { "" },
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
    let policy: String = policy::describe(cfg, lang).iter().map(|l| format!("<li>{}</li>", esc(l))).collect();
    let paper = if req.query_param("paper").as_deref() == Some("58") { "58" } else { "80" };
    let html = format!(
        r#"{STYLE}<div id="q-kiosk">
<section id="q-choose"><h1>{title}</h1>
<p><button type="button" id="q-elderly">{elderly}</button></p>{closed_html}
<div class="q-grid">{buttons}</div>
<p id="q-msg" class="q-alert" role="alert" hidden></p>
<section class="card" style="margin-top:16px"><h2>{policy_h}</h2><ul class="q-policy">{policy}</ul></section></section>
<section id="q-done" hidden class="card" style="text-align:center">
<p style="font-size:1.4rem">{your}</p><div class="q-print" id="q-slip"></div>
<p id="q-printmsg" class="q-muted"></p>
<p class="q-actions"><button type="button" id="q-reprint">{reprint}</button> <button type="button" class="primary" id="q-finish">{finish}</button></p>
</section></div>
<script>
(function () {{
  var zh = document.documentElement.lang !== 'en', busy = false, pending = null, current = null, back = null;
  function key() {{ return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }}
  function msg(text) {{ var m = document.getElementById('q-msg'); m.hidden = !text; m.textContent = text || ''; }}
  function printSlip() {{
    document.getElementById('q-printmsg').textContent = zh ? '正在打印号票，请取走' : 'Printing your ticket';
    try {{ window.print(); }} catch (e) {{ document.getElementById('q-printmsg').textContent = zh ? '打印失败，请点“补打号票”' : 'Printing failed; tap Reprint'; }}
  }}
  function show(t) {{
    current = t; pending = null;
    document.getElementById('q-slip').innerHTML = t.print_html;
    document.getElementById('q-slip').dataset.page = t.page;
    document.getElementById('q-choose').hidden = true; document.getElementById('q-done').hidden = false;
    printSlip();
    clearTimeout(back); back = setTimeout(home, 45000);
  }}
  function home() {{ current = null; document.getElementById('q-done').hidden = true; document.getElementById('q-choose').hidden = false; msg(''); }}
  async function take(service) {{
    if (busy) return;
    busy = true; msg(zh ? '正在取号…' : 'Taking a ticket…');
    // Same service again before an answer (a retry, a double tap): same key.
    if (!pending || pending.service !== service) pending = {{ service: service, key: key() }};
    try {{ show(await Linli.api('POST', '/api/queue/tickets?paper={paper}', {{ service: service, idem_key: pending.key }})); msg(''); }}
    catch (e) {{ msg(e.message + (e.status ? '' : (zh ? '（网络故障，请再点一次）' : ' (network problem, tap again)'))); if (e.status) pending = null; }}
    finally {{ busy = false; }}
  }}
  document.querySelectorAll('.q-svc').forEach(function (b) {{ b.addEventListener('click', function () {{ take(b.dataset.service); }}); }});
  document.getElementById('q-finish').addEventListener('click', home);
  document.getElementById('q-reprint').addEventListener('click', async function () {{
    if (!current) return;
    try {{ var t = await Linli.api('POST', '/api/queue/t/' + current.token + '/reprint?paper={paper}'); current = t; document.getElementById('q-slip').innerHTML = t.print_html; printSlip(); }}
    catch (e) {{ document.getElementById('q-printmsg').textContent = e.message; }}
  }});
  var elderly = localStorage.getItem('queue-elderly') === '1';
  function applyElderly() {{ document.body.classList.toggle('q-elderly', elderly); document.body.classList.add('kiosk'); }}
  document.getElementById('q-elderly').addEventListener('click', function () {{ elderly = !elderly; localStorage.setItem('queue-elderly', elderly ? '1' : '0'); applyElderly(); }});
  applyElderly();
  window.queueKioskRefresh = function (e) {{
    if (!e || e.topic !== 'queue.waiting') return;
    (e.payload.services || []).forEach(function (s) {{
      document.querySelectorAll('.q-waiting[data-code="' + s.code + '"]').forEach(function (n) {{ n.textContent = s.waiting; }});
      document.querySelectorAll('.q-wait[data-code="' + s.code + '"]').forEach(function (n) {{ n.textContent = s.wait_minutes; }});
    }});
  }};
}})();
</script>{live}"#,
        title = t(lang, "请选择要办理的业务", "Choose your service"),
        elderly = t(lang, "长辈模式（大字）", "Large text mode"),
        policy_h = t(lang, "叫号规则", "How tickets are called"),
        your = t(lang, "取号成功，请收好号票", "Here is your ticket"),
        reprint = t(lang, "补打号票", "Reprint"),
        finish = t(lang, "完成", "Done"),
        live = live_script("'queue.waiting'", "window.queueKioskRefresh"),
    );
    Ok(Response::page(t(lang, "自助取号", "Take a ticket"), html))
}
