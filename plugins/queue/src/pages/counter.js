// The counter console: keys for every action, the waiting list with 特呼,
// the current resident timed, and buttons disabled when they cannot act.
(function () {
  var root = document.getElementById('q-counter');
  if (!root) return;
  var zh = document.documentElement.lang !== 'en', state = null;
  function $(id) { return document.getElementById(id); }
  function msg(text, outcome) { var m = $('q-msg'); m.textContent = text || ''; m.dataset.outcome = outcome || ''; }
  function cell(tr, text) { var td = document.createElement('td'); td.textContent = text == null ? '' : String(text); tr.appendChild(td); return td; }
  function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); }
  function outcomeWords(o) {
    return { done: zh ? '完成' : 'done', incomplete: zh ? '需补正' : 'papers missing', referred: zh ? '转办' : 'referred' }[o] || '';
  }
  function notes(t) {
    var n = [];
    if (t.priority) n.push((zh ? '优先' : 'priority') + (t.priority_reason ? (zh ? '（' + t.priority_reason + '）' : ' (' + t.priority_reason + ')') : ''));
    if (t.proxy) n.push(zh ? '代办' : 'on behalf');
    if (t.kind === 'appointment') n.push(zh ? '预约' : 'appointment');
    if (t.recalls) n.push((zh ? '已重呼 ' : 'recalled ') + t.recalls);
    return n;
  }
  function two(n) { return (n < 10 ? '0' : '') + n; }
  // The current resident's time: since the call, or since serving began.
  function timer() {
    var c = state && state.current, el = $('q-timer');
    if (!c) { el.textContent = ''; el.dataset.seconds = ''; return; }
    var from = c.status === 'serving' && c.serving_at ? c.serving_at : c.called_at;
    var s = Math.max(0, Math.floor((Date.now() - from) / 1000));
    el.dataset.seconds = s;
    el.textContent = (c.status === 'serving' ? (zh ? '已办理 ' : 'Serving for ') : (zh ? '已叫号 ' : 'Called ')) + Math.floor(s / 60) + ':' + two(s % 60);
  }
  function enable(id, on) { $(id).disabled = !on; }
  function render(s) {
    state = s;
    var c = s.current, has = !!c, called = has && c.status === 'called', list = s.waiting_list || [];
    $('q-paused').hidden = !s.paused;
    $('q-pause').lastChild.textContent = ' ' + (s.paused ? (zh ? '恢复' : 'Resume') : (zh ? '暂停' : 'Pause'));
    $('q-cur').textContent = has ? c.ticket : '—';
    $('q-curinfo').textContent = has ? [c.service_name, c.status_text].concat(notes(c)).join(' · ') : '';
    // What each button can do now.
    enable('q-fnext', !s.paused && (has || list.length > 0));
    enable('q-next', !s.paused && !has && list.length > 0);
    enable('q-recall', called && c.recalls < s.max_recalls);
    enable('q-skip', called);
    enable('q-start', called);
    enable('q-done', has);
    enable('q-inc', has);
    enable('q-ref', has);
    enable('q-pause', true);
    enable('q-t-go', has);
    enable('q-special-go', !s.paused && !has);
    timer();
    var tb = $('q-list'); clear(tb);
    if (!list.length) { var tr0 = document.createElement('tr'); cell(tr0, zh ? '暂无等候' : 'Nobody waiting').colSpan = 5; tb.appendChild(tr0); }
    list.forEach(function (t) {
      var tr = document.createElement('tr');
      tr.dataset.ticket = t.ticket;
      cell(tr, t.ticket); cell(tr, t.service_name); cell(tr, (t.issued_local || '').slice(-5)); cell(tr, notes(t).join(' · '));
      var td = document.createElement('td'), b = document.createElement('button');
      b.type = 'button'; b.className = 'q-call-this'; b.dataset.ticket = t.ticket; b.textContent = zh ? '特呼' : 'Call';
      b.disabled = s.paused || has;
      td.appendChild(b); tr.appendChild(td); tb.appendChild(tr);
    });
    var w = $('q-waiting'); clear(w);
    s.services.forEach(function (v) {
      var tr = document.createElement('tr');
      cell(tr, v.code + ' ' + v.name); cell(tr, v.waiting + (zh ? ' 人等候' : ' waiting')); cell(tr, (zh ? '约 ' : '~') + v.wait_minutes + (zh ? ' 分钟' : ' min'));
      w.appendChild(tr);
    });
    var m = $('q-missed'); clear(m);
    s.missed.forEach(function (t) {
      var tr = document.createElement('tr');
      cell(tr, t.ticket); cell(tr, t.service_name);
      var td = document.createElement('td'), b = document.createElement('button');
      b.type = 'button'; b.dataset['return'] = t.id; b.textContent = zh ? '已回来，重新排队' : 'Back: requeue';
      td.appendChild(b); tr.appendChild(td); m.appendChild(tr);
    });
  }
  async function refresh() { try { render(await Linli.api('GET', '/api/queue/counter')); } catch (e) { msg(e.message); } }
  // What an answer says: the finished ticket with its outcome (so 需补正
  // and 转办 are confirmed as such), then the called one.
  function said(r, outcome) {
    var parts = [];
    if (r.finished) parts.push(r.finished.ticket + (zh ? ' 已办结，结果：' : ' finished: ') + outcomeWords(r.finished.outcome || outcome));
    else if (r.ticket && r.ticket.status === 'finished') parts.push(r.ticket.ticket + (zh ? ' 已办结，结果：' : ' finished: ') + outcomeWords(r.ticket.outcome || outcome));
    if (r.ticket && r.ticket.status !== 'finished') parts.push(r.ticket.ticket + ' · ' + r.ticket.status_text);
    if (r.message) parts.push(r.message);
    return parts.join(zh ? '；' : '; ');
  }
  async function act(action, body) {
    try {
      var r = await Linli.api('POST', '/api/queue/counter/' + action, body || {});
      var outcome = body && body.outcome;
      msg(said(r, outcome), r.finished ? (r.finished.outcome || outcome) : (r.ticket && r.ticket.status === 'finished' ? (r.ticket.outcome || outcome) : ''));
    } catch (e) { msg(e.message); }
    refresh();
  }
  var actions = { 'q-fnext': ['finish-next', { outcome: 'done' }], 'q-next': ['call-next'], 'q-recall': ['recall'], 'q-skip': ['skip'], 'q-start': ['start'],
    'q-done': ['finish', { outcome: 'done' }], 'q-inc': ['finish', { outcome: 'incomplete' }], 'q-ref': ['finish', { outcome: 'referred' }] };
  Object.keys(actions).forEach(function (id) { $(id).addEventListener('click', function () { act(actions[id][0], actions[id][1]); }); });
  $('q-pause').addEventListener('click', function () { act(state && state.paused ? 'resume' : 'pause'); });
  $('q-t-go').addEventListener('click', function () {
    act('transfer', { service: $('q-t-svc').value || null, window: $('q-t-win').value || null });
    $('q-transfer').open = false;
  });
  function special(label) {
    label = (label || '').trim();
    if (!label) { msg(zh ? '请填写要特呼的号码，例如 A012' : 'Type the number to call, e.g. A012'); $('q-special-no').focus(); return; }
    act('call-ticket', { ticket: label });
    $('q-special-no').value = '';
  }
  $('q-special').addEventListener('submit', function (e) { e.preventDefault(); if (!$('q-special-go').disabled) special($('q-special-no').value); });
  $('q-list').addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button.q-call-this');
    if (b && !b.disabled) special(b.dataset.ticket);
  });
  $('q-missed').addEventListener('click', async function (e) {
    var id = e.target.dataset && e.target.dataset['return']; if (!id) return;
    try { await Linli.api('POST', '/api/queue/tickets/' + id + '/return'); } catch (err) { msg(err.message); } refresh();
  });
  var keys = { n: 'q-next', r: 'q-recall', s: 'q-skip', b: 'q-start', f: 'q-done', i: 'q-inc', z: 'q-ref', p: 'q-pause', F1: 'q-next' };
  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    // Enter is always 完成并叫下一位, whatever button or list has the
    // focus (a focused button must not take it as its own click); only in
    // the 特呼 number box does it call that number.
    if (e.key === 'Enter') {
      if (e.target && e.target.id === 'q-special-no') return;
      e.preventDefault();
      run('q-fnext');
      return;
    }
    if (/INPUT|SELECT|TEXTAREA/.test(e.target.tagName)) return;
    if (e.key === 't' || e.key === 'T') { $('q-transfer').open = true; $('q-t-svc').focus(); e.preventDefault(); return; }
    if (e.key === 'c' || e.key === 'C') { $('q-special-no').focus(); e.preventDefault(); return; }
    var id = keys[e.key] || keys[e.key.toLowerCase()];
    if (id) { e.preventDefault(); run(id); }
  });
  // A key acts even when its button is disabled: the state shown may be a
  // moment old (a ticket just taken), and the plugin answers what it can
  // do, with a message when it cannot.
  function run(id) {
    if (id === 'q-pause') $('q-pause').click();
    else act(actions[id][0], actions[id][1]);
  }
  var t = null;
  Linli.events(['queue.'], function () { clearTimeout(t); t = setTimeout(refresh, 150); });
  window.queueCounterRefresh = refresh;
  refresh();
  setInterval(timer, 1000);
  // Keeps the window counted as open for the wait estimates.
  setInterval(refresh, 60000);
})();
