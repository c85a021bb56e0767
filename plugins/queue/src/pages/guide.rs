//! The guide desk (导办台): tickets on a resident's behalf (priority and
//! 代办 flags), appointment check-in, and requeueing residents who missed
//! their call.

use crate::config::Config;
use crate::fail::Fail;
use crate::pages::{STYLE, live_script};
use linli_sdk::prelude::*;

pub fn page(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let options: String = cfg.services.iter().map(|s| format!("<option value=\"{}\">{} {}</option>", esc(&s.code), esc(s.prefix()), esc(s.name(lang)))).collect();
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1>
<form id="q-issue"><label>{svc_l}<select name="service" required>{options}</select></label>
<label><input type="checkbox" name="priority" style="display:inline;width:auto"> {prio}</label>
<label><input type="checkbox" name="proxy" style="display:inline;width:auto"> {proxy}</label>
<label>{phone_l}<input name="phone" inputmode="tel" autocomplete="off" placeholder="{phone_hint}"></label>
<label>{name_l}<input name="name" autocomplete="off"></label>
<button class="primary" type="submit">{issue}</button> <span id="q-issue-msg" role="status"></span></form>
<div id="q-issued" hidden><div class="q-print" id="q-slip"></div><p><a class="button" id="q-print" target="_blank">{print}</a></p></div></section>
<section class="card"><h2>{appt_h}</h2><form id="q-appt">
<label>{appt_id}<input name="appointment_id" required></label>
<label>{svc_l}<select name="service">{options}</select></label>
<label>{appt_time}<input name="time" type="time"></label>
<button type="submit">{checkin}</button> <span id="q-appt-msg" role="status"></span></form></section>
<section class="card"><h2>{missed_h}</h2><table><tbody id="q-missed"></tbody></table></section>
<script>
(function () {{
  var zh = document.documentElement.lang !== 'en', idem = null;
  function esc(s) {{ return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {{ return '&#' + c.charCodeAt(0) + ';'; }}); }}
  function key() {{ return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }}
  function shown(t) {{
    document.getElementById('q-issued').hidden = false;
    document.getElementById('q-slip').innerHTML = t.print_html;
    document.getElementById('q-print').href = t.page + '/print';
  }}
  var f = document.getElementById('q-issue');
  f.addEventListener('input', function () {{ idem = null; }});
  f.addEventListener('submit', async function (e) {{
    e.preventDefault();
    var m = document.getElementById('q-issue-msg');
    // One key per filled-in form: a double click or a retry gives the same ticket.
    idem = idem || key();
    try {{
      var t = await Linli.api('POST', '/api/queue/guide/tickets?paper=80', {{ service: f.service.value, priority: f.priority.checked, proxy: f.proxy.checked, phone: f.phone.value || null, name: f.name.value || null, idem_key: idem }});
      m.textContent = (zh ? '已取号 ' : 'Issued ') + t.ticket; shown(t);
      f.phone.value = ''; f.name.value = ''; f.priority.checked = false; idem = null;
    }} catch (err) {{ m.textContent = err.message; }}
  }});
  var a = document.getElementById('q-appt');
  a.addEventListener('submit', async function (e) {{
    e.preventDefault();
    var m = document.getElementById('q-appt-msg'), time = null;
    if (a.time.value) {{ var d = new Date(); var p = a.time.value.split(':'); d.setHours(+p[0], +p[1], 0, 0); time = d.getTime(); }}
    try {{ var t = await Linli.api('POST', '/api/queue/appointments', {{ appointment_id: a.appointment_id.value, service: a.service.value, time: time }}); m.textContent = (zh ? '已签到，号码 ' : 'Checked in: ') + t.ticket; shown(t); a.reset(); }}
    catch (err) {{ m.textContent = err.message; }}
  }});
  async function missed() {{
    try {{
      var r = await Linli.api('GET', '/api/queue/missed');
      document.getElementById('q-missed').innerHTML = r.tickets.map(function (t) {{ return '<tr><td>' + esc(t.ticket) + '</td><td>' + esc(t.service_name) + '</td><td>' + esc(t.phone || '') + '</td><td><button type="button" data-return="' + t.id + '">' + (zh ? '已回来，重新排队' : 'Back: requeue') + '</button></td></tr>'; }}).join('') || '<tr><td>' + (zh ? '暂无过号' : 'None') + '</td></tr>';
    }} catch (e) {{}}
  }}
  document.getElementById('q-missed').addEventListener('click', async function (e) {{
    var id = e.target.dataset && e.target.dataset['return']; if (!id) return;
    try {{ var r = await Linli.api('POST', '/api/queue/tickets/' + id + '/return'); alert((zh ? '已重新排队，前面 ' : 'Requeued, ahead: ') + r.ahead); }} catch (err) {{ alert(err.message); }}
    missed();
  }});
  window.queueGuideRefresh = missed; missed();
}})();
</script>{live}"#,
        title = t(lang, "导办取号", "Guide desk"),
        svc_l = t(lang, "业务", "Service"),
        prio = t(lang, "优先（老年人、残疾人、孕妇）", "Priority (elderly, disabled, pregnant)"),
        proxy = t(lang, "代办（替他人取号，不受每人一号限制）", "On someone's behalf (代办; not limited per phone)"),
        phone_l = t(lang, "手机号（选填，仅用于每人一号）", "Phone (optional; one ticket per person)"),
        phone_hint = t(lang, "例如 13812341234", "e.g. 13812341234"),
        name_l = t(lang, "姓名（选填，屏幕和事件中不显示）", "Name (optional; never shown on screens)"),
        issue = t(lang, "取号", "Issue ticket"),
        print = t(lang, "打印号票", "Print ticket"),
        appt_h = t(lang, "预约签到", "Appointment check-in"),
        appt_id = t(lang, "预约编号", "Appointment number"),
        appt_time = t(lang, "预约时间", "Appointment time"),
        checkin = t(lang, "签到取号", "Check in"),
        missed_h = t(lang, "过号待回", "Missed tickets"),
        live = live_script("'queue.skipped', 'queue.returned', 'queue.waiting'", "window.queueGuideRefresh"),
    );
    Ok(Response::page(t(lang, "导办取号", "Guide desk"), html))
}
