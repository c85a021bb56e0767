// The guide desk: tickets on a resident's behalf, appointment check-in,
// requeueing missed tickets. Priority and 代办 are per ticket: cleared
// after each one, so the next resident never inherits them.
(function () {
  var f = document.getElementById('q-issue');
  if (!f) return;
  var zh = document.documentElement.lang !== 'en', idem = null;
  function key() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }
  function shown(t) {
    document.getElementById('q-issued').hidden = false;
    QueueSlip.build(document.getElementById('q-slip'), t.slip);
    if (t.page) document.getElementById('q-print').href = t.page + '/print';
  }
  f.addEventListener('input', function () { idem = null; });
  f.addEventListener('submit', async function (e) {
    e.preventDefault();
    var m = document.getElementById('q-issue-msg');
    // One key per filled-in form: a double click or a retry gives the same ticket.
    idem = idem || key();
    var reason = f.priority_reason.value || null;
    try {
      var t = await Linli.api('POST', '/api/queue/guide/tickets?paper=80', { service: f.service.value, priority: !!reason, priority_reason: reason, proxy: f.proxy.checked, phone: f.phone.value || null, name: f.name.value || null, idem_key: idem });
      m.textContent = (zh ? '已取号 ' : 'Issued ') + t.ticket; shown(t);
      f.phone.value = ''; f.name.value = ''; f.priority_reason.value = ''; f.proxy.checked = false; idem = null;
    } catch (err) { m.textContent = err.message; }
  });
  var a = document.getElementById('q-appt');
  a.addEventListener('submit', async function (e) {
    e.preventDefault();
    var m = document.getElementById('q-appt-msg'), time = null;
    if (a.time.value) { var d = new Date(); var p = a.time.value.split(':'); d.setHours(+p[0], +p[1], 0, 0); time = d.getTime(); }
    try { var t = await Linli.api('POST', '/api/queue/appointments?paper=80', { appointment_id: a.appointment_id.value, service: a.service.value, time: time }); m.textContent = (zh ? '已签到，号码 ' : 'Checked in: ') + t.ticket; shown(t); a.reset(); }
    catch (err) { m.textContent = err.message; }
  });
  function cell(tr, text) { var td = document.createElement('td'); td.textContent = text == null ? '' : String(text); tr.appendChild(td); return td; }
  async function missed() {
    try {
      var r = await Linli.api('GET', '/api/queue/missed'), tb = document.getElementById('q-missed');
      while (tb.firstChild) tb.removeChild(tb.firstChild);
      r.tickets.forEach(function (t) {
        var tr = document.createElement('tr');
        cell(tr, t.ticket); cell(tr, t.service_name); cell(tr, t.phone || '');
        var td = document.createElement('td'), b = document.createElement('button');
        b.type = 'button'; b.dataset['return'] = t.id; b.textContent = zh ? '已回来，重新排队' : 'Back: requeue';
        td.appendChild(b); tr.appendChild(td); tb.appendChild(tr);
      });
      if (!r.tickets.length) { var tr0 = document.createElement('tr'); cell(tr0, zh ? '暂无过号' : 'None'); tb.appendChild(tr0); }
    } catch (e) {}
  }
  document.getElementById('q-missed').addEventListener('click', async function (e) {
    var id = e.target.dataset && e.target.dataset['return']; if (!id) return;
    try { var r = await Linli.api('POST', '/api/queue/tickets/' + id + '/return'); alert((zh ? '已重新排队，前面 ' : 'Requeued, ahead: ') + r.ahead); } catch (err) { alert(err.message); }
    missed();
  });
  var t = null;
  Linli.events(['queue.skipped', 'queue.returned', 'queue.waiting'], function () { clearTimeout(t); t = setTimeout(missed, 150); });
  window.queueGuideRefresh = missed; missed();
})();
