// The staff page: enter a posting (sent for review), approve, send back or
// take down others' postings, and list the residents to call (masked
// unless "show full phones" is pressed, which the plugin records).
(function () {
  var D = JSON.parse(document.getElementById('jb-data').textContent);
  var err = document.getElementById('jb-err');
  var form = document.getElementById('jb-new');
  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    err.textContent = '';
    form.querySelectorAll('[aria-invalid]').forEach(function (i) { i.removeAttribute('aria-invalid'); });
    var body = {};
    form.querySelectorAll('input, select, textarea').forEach(function (i) {
      body[i.name] = i.type === 'number' ? Number(i.value || 0) : i.value;
    });
    try {
      await Linli.api('POST', '/api/jobs/staff/postings', body);
      document.getElementById('jb-status').textContent = D.saved;
      setTimeout(function () { location.reload(); }, 600);
    } catch (e) {
      err.textContent = e.message;
      var f = e.data && e.data.error && e.data.error.field;
      var input = f && document.getElementById('f-' + f);
      if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
    }
  });
  var current = null;
  async function people(id, full) {
    var r = await Linli.api('GET', '/api/jobs/staff/postings/' + id + '/interests' + (full ? '?full=1' : ''));
    current = id;
    var box = document.getElementById('jb-people');
    document.getElementById('jb-people-title').textContent = D.people + r.title;
    var tbody = document.getElementById('jb-people-rows');
    tbody.textContent = '';
    if (!r.residents.length) {
      var tr0 = document.createElement('tr'); var td0 = document.createElement('td'); td0.colSpan = 4; td0.textContent = D.none; tr0.appendChild(td0); tbody.appendChild(tr0);
    }
    r.residents.forEach(function (p) {
      var tr = document.createElement('tr');
      [p.cleared ? D.cleared : p.phone, p.name, (D.channels[p.channel] || p.channel) + (p.acted_by ? ' · ' + D.acted + p.acted_by : ''), p.at].forEach(function (v) {
        var td = document.createElement('td'); td.textContent = v; tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    document.getElementById('jb-lookups').textContent = r.lookups.length ? D.lookups + r.lookups.map(function (l) { return l.staff + ' ' + l.at; }).join('；') : '';
    box.hidden = false;
    box.scrollIntoView();
  }
  document.getElementById('jb-full').addEventListener('click', function () {
    if (current) people(current, true).catch(function (e) { err.textContent = e.message; });
  });
  document.querySelectorAll('button[data-act]').forEach(function (b) {
    b.addEventListener('click', async function () {
      var id = b.dataset.id, act = b.dataset.act;
      err.textContent = '';
      try {
        if (act === 'interests') { await people(id, false); return; }
        var body = {};
        if (act === 'reject') {
          var note = window.prompt(D.reason, '');
          if (note === null) return;
          body.note = note;
        }
        b.disabled = true;
        await Linli.api('POST', '/api/jobs/staff/postings/' + id + '/' + act, body);
        location.reload();
      } catch (e) {
        err.textContent = e.message;
        b.disabled = false;
        err.scrollIntoView();
      }
    });
  });
})();
