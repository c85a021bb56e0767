//! The counter console for a clerk at a window. Every action has a key:
//! Enter 完成并叫下一位 (finish the current ticket and call the next), N call next, R recall, S skip, B begin, F finish (完成), I 需补正,
//! Z 转办, T transfer, P pause or resume.

use crate::config::Config;
use crate::fail::Fail;
use crate::pages::{STYLE, live_script};
use crate::windows;
use linli_sdk::prelude::*;

pub fn page(cfg: &Config, req: &Request, _now: i64) -> Result<Response, Fail> {
    let lang = req.lang();
    // Without a window the console can do nothing: say why, at once.
    let window = match windows::of_caller(cfg, &req.caller) {
        Ok(w) => w,
        Err(Fail::User(_, zh, en)) => {
            let html = format!("<section class=\"card\"><h1>{}</h1><p class=\"alert\" role=\"alert\">{}</p><p><a class=\"button primary\" href=\"/login?next=/queue/counter\">{}</a></p></section>",
                t(lang, "窗口叫号", "Counter"), esc(if lang == "en" { &en } else { &zh }), t(lang, "重新登录", "Sign in again"));
            return Ok(Response::page(t(lang, "窗口叫号", "Counter"), html));
        }
        Err(e) => return Err(e),
    };
    let options: String = cfg.services.iter().map(|s| format!("<option value=\"{}\">{} {}</option>", esc(&s.code), esc(s.prefix()), esc(s.name(lang)))).collect();
    let wins: String = cfg.windows.iter().filter(|w| w.number != window.number).map(|w| format!("<option value=\"{0}\">{0}</option>", esc(&w.number))).collect();
    let key = |k: &str, label: &str, id: &str, class: &str| format!("<button type=\"button\" id=\"{id}\" class=\"{class}\"><kbd>{k}</kbd> {label}</button>");
    let html = format!(
        r#"{STYLE}<section class="card" id="q-counter" data-window="{win}"><h1>{win}{win_l}</h1>
<p id="q-paused" class="q-alert" hidden>{paused}</p>
<div style="display:flex;gap:24px;flex-wrap:wrap;align-items:center"><div><div class="q-muted">{current_l}</div><div class="q-big" id="q-cur">—</div></div>
<div id="q-curinfo" class="q-muted"></div></div>
<p id="q-msg" role="status" aria-live="polite"></p>
<div class="q-actions q-keys">{b_fnext}{b_next}{b_recall}{b_skip}{b_start}{b_done}{b_inc}{b_ref}{b_pause}</div>
<details id="q-transfer"><summary><kbd>T</kbd> {transfer}</summary>
<label>{to_svc}<select id="q-t-svc"><option value="">—</option>{options}</select></label>
<label>{to_win}<select id="q-t-win"><option value="">—</option>{wins}</select></label>
<button type="button" id="q-t-go" class="primary">{transfer}</button></details></section>
<section class="card"><h2>{waiting_h}</h2><table><tbody id="q-waiting"></tbody></table></section>
<section class="card"><h2>{missed_h}</h2><table><tbody id="q-missed"></tbody></table></section>
<script>
(function () {{
  var zh = document.documentElement.lang !== 'en', state = null;
  function msg(t) {{ document.getElementById('q-msg').textContent = t || ''; }}
  function esc(s) {{ return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {{ return '&#' + c.charCodeAt(0) + ';'; }}); }}
  function render(s) {{
    state = s;
    document.getElementById('q-paused').hidden = !s.paused;
    document.getElementById('q-pause').lastChild.textContent = ' ' + (s.paused ? (zh ? '恢复' : 'Resume') : (zh ? '暂停' : 'Pause'));
    var c = s.current;
    document.getElementById('q-cur').textContent = c ? c.ticket : '—';
    document.getElementById('q-curinfo').innerHTML = c ? esc(c.service_name) + ' · ' + esc(c.status_text) + (c.priority ? ' · ' + (zh ? '优先' : 'priority') : '') + (c.proxy ? ' · ' + (zh ? '代办' : 'proxy') : '') + (c.kind === 'appointment' ? ' · ' + (zh ? '预约' : 'appointment') : '') + (c.recalls ? ' · ' + (zh ? '已重呼 ' : 'recalled ') + c.recalls : '') : '';
    document.getElementById('q-waiting').innerHTML = s.services.map(function (v) {{ return '<tr><td>' + esc(v.code) + ' ' + esc(v.name) + '</td><td>' + v.waiting + (zh ? ' 人等候' : ' waiting') + '</td><td>' + (zh ? '约 ' : '~') + v.wait_minutes + (zh ? ' 分钟' : ' min') + '</td></tr>'; }}).join('');
    document.getElementById('q-missed').innerHTML = s.missed.map(function (m) {{ return '<tr><td>' + esc(m.ticket) + '</td><td>' + esc(m.service_name) + '</td><td><button type="button" data-return="' + m.id + '">' + (zh ? '已回来，重新排队' : 'Back: requeue') + '</button></td></tr>'; }}).join('');
  }}
  async function refresh() {{ try {{ render(await Linli.api('GET', '/api/queue/counter')); }} catch (e) {{ msg(e.message); }} }}
  async function act(action, body) {{
    try {{
      var r = await Linli.api('POST', '/api/queue/counter/' + action, body || {{}});
      msg((r.finished ? r.finished.ticket + ' · ' + r.finished.status_text + (r.ticket ? ' → ' : ' · ') : '') + (r.ticket ? r.ticket.ticket + ' · ' + r.ticket.status_text : (r.message || '')));
    }} catch (e) {{ msg(e.message); }}
    refresh();
  }}
  var actions = {{ 'q-fnext': ['finish-next', {{ outcome: 'done' }}], 'q-next': ['call-next'], 'q-recall': ['recall'], 'q-skip': ['skip'], 'q-start': ['start'],
    'q-done': ['finish', {{ outcome: 'done' }}], 'q-inc': ['finish', {{ outcome: 'incomplete' }}], 'q-ref': ['finish', {{ outcome: 'referred' }}] }};
  Object.keys(actions).forEach(function (id) {{ document.getElementById(id).addEventListener('click', function () {{ act(actions[id][0], actions[id][1]); }}); }});
  document.getElementById('q-pause').addEventListener('click', function () {{ act(state && state.paused ? 'resume' : 'pause'); }});
  document.getElementById('q-t-go').addEventListener('click', function () {{
    act('transfer', {{ service: document.getElementById('q-t-svc').value || null, window: document.getElementById('q-t-win').value || null }});
    document.getElementById('q-transfer').open = false;
  }});
  document.getElementById('q-missed').addEventListener('click', async function (e) {{
    var id = e.target.dataset && e.target.dataset['return']; if (!id) return;
    try {{ await Linli.api('POST', '/api/queue/tickets/' + id + '/return'); }} catch (err) {{ msg(err.message); }} refresh();
  }});
  var keys = {{ Enter: 'q-fnext', n: 'q-next', r: 'q-recall', s: 'q-skip', b: 'q-start', f: 'q-done', i: 'q-inc', z: 'q-ref', p: 'q-pause', F1: 'q-next' }};
  document.addEventListener('keydown', function (e) {{
    if (e.ctrlKey || e.altKey || e.metaKey || /INPUT|SELECT|TEXTAREA/.test(e.target.tagName)) return;
    if (e.key === 't' || e.key === 'T') {{ var d = document.getElementById('q-transfer'); d.open = true; document.getElementById('q-t-svc').focus(); e.preventDefault(); return; }}
    // Enter on a focused button or link is that control's own.
    if (e.key === 'Enter' && /^(BUTTON|A|SUMMARY)$/.test(e.target.tagName)) return;
    var id = keys[e.key] || keys[e.key.toLowerCase()];
    if (id) {{ e.preventDefault(); document.getElementById(id).click(); }}
  }});
  window.queueCounterRefresh = refresh;
  refresh();
  // Keeps the window counted as open for the wait estimates.
  setInterval(refresh, 60000);
}})();
</script>{live}"#,
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
        transfer = t(lang, "转移到其他业务或窗口（保留原取号时间）", "Transfer to another service or window (keeps the original time)"),
        to_svc = t(lang, "转到业务", "To service"),
        to_win = t(lang, "转到窗口", "To window"),
        waiting_h = t(lang, "本窗口业务等候情况", "Waiting for this window's services"),
        missed_h = t(lang, "过号待回", "Missed tickets"),
        live = live_script("'queue.'", "window.queueCounterRefresh"),
    );
    Ok(Response::page(t(lang, "窗口叫号", "Counter"), html))
}
