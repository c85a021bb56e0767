// Staff: publish an activity, list its sign-ups (masked), cancel it.
(function () {
  var D = JSON.parse(document.getElementById('ac-data').textContent);
  var err = document.getElementById('ac-err');
  var form = document.getElementById('ac-new');
  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    err.textContent = '';
    form.querySelectorAll('[aria-invalid]').forEach(function (i) { i.removeAttribute('aria-invalid'); });
    var body = {};
    form.querySelectorAll('input, select, textarea').forEach(function (i) {
      body[i.name] = i.type === 'number' ? Number(i.value || 0) : i.value;
    });
    try {
      await Linli.api('POST', '/api/activities/staff/events', body);
      document.getElementById('ac-status').textContent = D.saved;
      setTimeout(function () { location.reload(); }, 600);
    } catch (e) {
      err.textContent = e.message;
      var f = e.data && e.data.error && e.data.error.field;
      var input = f && document.getElementById('f-' + f);
      if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
    }
  });
  document.querySelectorAll('button[data-act]').forEach(function (b) {
    b.addEventListener('click', async function () {
      var id = b.dataset.id;
      err.textContent = '';
      try {
        if (b.dataset.act === 'signups') {
          var r = await Linli.api('GET', '/api/activities/staff/events/' + id + '/signups');
          var tbody = document.getElementById('ac-people-rows');
          tbody.textContent = '';
          if (!r.signups.length) { var tr0 = document.createElement('tr'); var td0 = document.createElement('td'); td0.textContent = D.none; tr0.appendChild(td0); tbody.appendChild(tr0); }
          r.signups.forEach(function (s) {
            var tr = document.createElement('tr');
            [s.name, s.phone || '', (D.statuses[s.status] || s.status) + (s.acted_by ? ' · ' + D.acted + s.acted_by : ''), s.checked_in ? D.checked + ' ' + s.checked_in : ''].forEach(function (v) {
              var td = document.createElement('td'); td.textContent = v; tr.appendChild(td);
            });
            tbody.appendChild(tr);
          });
          document.getElementById('ac-people').hidden = false;
          return;
        }
        if (!window.confirm(D.confirm)) return;
        b.disabled = true;
        await Linli.api('POST', '/api/activities/staff/events/' + id + '/cancel', {});
        location.reload();
      } catch (e) {
        err.textContent = e.message;
        b.disabled = false;
      }
    });
  });
})();
