// The tracking page: the case by its code, and accept or reopen (once).
(function () {
  var D = JSON.parse(document.getElementById('fb-data').textContent);
  var input = document.getElementById('fb-code-in');
  var box = document.getElementById('fb-case');
  var err = document.getElementById('fb-err');
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = text; if (cls) e.className = cls; return e; }
  function row(dl, k, v) { dl.appendChild(el('dt', k)); dl.appendChild(el('dd', v)); }
  function show(c) {
    box.textContent = '';
    var dl = el('dl');
    row(dl, D.kind, c.kind_name); row(dl, D.category, c.category); row(dl, D.status, c.status_name);
    row(dl, D.sent, c.sent); row(dl, D.due, c.due_day + (c.overdue ? ' (' + D.overdue + ')' : ''));
    box.appendChild(el('h2', c.code)); box.appendChild(dl);
    box.appendChild(el('h3', D.text)); box.appendChild(el('p', c.text, 'fb-text'));
    if (c.reply) { box.appendChild(el('h3', D.reply)); box.appendChild(el('p', c.reply, 'fb-text')); }
    if (c.accepted) box.appendChild(el('p', D.accepted, 'fb-ok'));
    box.appendChild(el('h3', D.steps));
    var ol = el('ol'); c.steps.forEach(function (s) { ol.appendChild(el('li', s.at + ' ' + s.name)); }); box.appendChild(ol);
    if (c.can_accept) {
      var ok = el('button', D.accept); ok.type = 'button'; ok.className = 'primary'; ok.id = 'fb-accept';
      ok.addEventListener('click', function () { act('/api/feedback/track/accept', { code: c.code }); });
      box.appendChild(ok);
    }
    if (c.can_reopen) {
      var lab = el('label', D.reason); lab.htmlFor = 'fb-reason';
      var ta = el('textarea'); ta.id = 'fb-reason'; ta.rows = 3; ta.maxLength = 500;
      var again = el('button', D.reopen); again.type = 'button'; again.id = 'fb-reopen';
      again.addEventListener('click', function () { act('/api/feedback/track/reopen', { code: c.code, reason: ta.value }); });
      var wrap = el('div', null, 'fb-field'); wrap.appendChild(lab); wrap.appendChild(ta); wrap.appendChild(el('span', D.once, 'fb-help'));
      box.appendChild(wrap); box.appendChild(again);
    } else if (c.can_accept && c.reopened) {
      // Without this line the reopen button simply vanished after the
      // second reply, and a resident still not satisfied was not told why
      // nor where to turn.
      box.appendChild(el('p', D.reopen_used, 'fb-help'));
    }
  }
  async function act(url, body) {
    err.textContent = '';
    try { show(await Linli.api('POST', url, body)); } catch (e) { err.textContent = e.message; }
  }
  document.getElementById('fb-track').addEventListener('submit', function (ev) {
    ev.preventDefault();
    act('/api/feedback/track', { code: input.value });
  });
  if (input.value) act('/api/feedback/track', { code: input.value });
})();
