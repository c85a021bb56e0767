// The desk: enter and change activities, take one off, sign up a resident
// without a phone (代办) and print the slip, see who signed up.
(function () {
  var D = JSON.parse(document.getElementById('sn-data').textContent), T = D.t;
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; };
  if (D.slip) { $('sn-print').addEventListener('click', function () { window.print(); }); return; }
  var acts = [];
  function when(a) { return (a.repeat === 'weekly' ? T.weekly + T.weekdays[a.weekday] : a.day) + ' ' + a.start + '–' + a.end; }
  function fill(a) {
    $('sn-id').value = a ? a.id : '';
    $('sn-kind').value = a ? a.kind : $('sn-kind').value;
    $('sn-title').value = a ? a.title : ''; $('sn-place').value = a ? a.place : ''; $('sn-leader').value = a ? a.leader : '';
    $('sn-repeat').value = a ? a.repeat : 'weekly'; $('sn-weekday').value = a && a.weekday ? a.weekday : '1';
    $('sn-day').value = a ? (a.repeat === 'once' ? a.day : a.from_day) : ''; $('sn-until').value = a && a.until ? a.until : '';
    $('sn-start').value = a ? a.start : ''; $('sn-end').value = a ? a.end : ''; $('sn-cap').value = a ? a.capacity : 20; $('sn-note').value = a ? a.note : '';
    $('sn-aerr').textContent = '';
  }
  async function loadActs() {
    acts = (await Linli.api('GET', '/api/seniors/activities')).activities;
    var tb = $('sn-acts'); tb.textContent = '';
    acts.forEach(function (a) {
      var tr = el('tr');
      [when(a), a.kind_name + ' · ' + a.title, a.place, String(a.capacity)].forEach(function (x) { tr.appendChild(el('td', null, x)); });
      var td = el('td');
      var e = el('button', '', T.edit); e.type = 'button'; e.addEventListener('click', function () { fill(a); $('sn-title').focus(); }); td.appendChild(e);
      var s = el('button', '', T.stop); s.type = 'button';
      s.addEventListener('click', async function () {
        if (!confirm(T.confirm_stop)) return;
        try { await Linli.api('POST', '/api/seniors/activities/' + a.id + '/stop', {}); refresh(); } catch (err) { $('sn-aerr').textContent = err.message; }
      });
      td.appendChild(document.createTextNode(' ')); td.appendChild(s); tr.appendChild(td); tb.appendChild(tr);
    });
  }
  async function loadOccurrences() {
    var w1 = await Linli.api('GET', '/api/seniors/week');
    var next = new Date(w1.from + 'T12:00:00Z'); next.setUTCDate(next.getUTCDate() + 7);
    var w2 = await Linli.api('GET', '/api/seniors/week?from=' + next.toISOString().slice(0, 10));
    var occ = [];
    w1.days.concat(w2.days).forEach(function (d) { d.activities.forEach(function (a) { occ.push(a); }); });
    ['sn-occ', 'sn-rocc'].forEach(function (id) {
      var s = $(id), keep = s.value; s.textContent = '';
      occ.forEach(function (a) {
        if (id === 'sn-occ' && !a.open_for_signup) return;
        var o = el('option', null, a.day + ' ' + T.weekdays[new Date(a.day + 'T12:00:00Z').getUTCDay() || 7] + ' ' + a.start + ' ' + a.title + ' (' + a.booked + '/' + a.capacity + (a.waiting ? ' +' + a.waiting : '') + ')');
        o.value = a.id + '|' + a.day; s.appendChild(o);
      });
      if (keep) s.value = keep;
    });
  }
  async function loadRoster() {
    var v = $('sn-rocc').value; if (!v) return;
    var p = v.split('|');
    try {
      var r = await Linli.api('GET', '/api/seniors/roster?activity=' + p[0] + '&day=' + p[1]);
      var o = r.occurrence;
      $('sn-rsum').textContent = o.day + ' ' + o.start + ' ' + o.title + ' · ' + o.booked + '/' + o.capacity + (o.waiting ? ' · ' + T.status.waiting + ' ' + o.waiting : '');
      var tb = $('sn-roster'); tb.textContent = '';
      r.signups.forEach(function (s) {
        var tr = el('tr');
        tr.appendChild(el('td', null, (s.name || '') + ' ' + (s.phone || '') + (s.proxy ? ' · ' + T.proxy_by + (s.signed_by || '') : '')));
        tr.appendChild(el('td', null, T.status[s.status] + (s.waiting_position ? ' #' + s.waiting_position : '')));
        tr.appendChild(el('td', null, s.code));
        var td = el('td');
        if (s.status === 'booked' || s.status === 'waiting') {
          var b = el('button', '', T.cancel); b.type = 'button';
          b.addEventListener('click', async function () {
            if (!confirm(T.confirm_cancel)) return;
            try { await Linli.api('POST', '/api/seniors/desk/signups/' + encodeURIComponent(s.code) + '/cancel', {}); refresh(); } catch (err) { $('sn-rerr').textContent = err.message; }
          });
          td.appendChild(b);
        }
        tr.appendChild(td); tb.appendChild(tr);
      });
    } catch (err) { $('sn-rerr').textContent = err.message; }
  }
  function refresh() { return loadActs().then(loadOccurrences).then(loadRoster).catch(function (e) { $('sn-aerr').textContent = e.message; }); }
  $('sn-reset').addEventListener('click', function () { fill(null); });
  $('sn-rocc').addEventListener('change', loadRoster);
  $('sn-act').addEventListener('submit', async function (ev) {
    ev.preventDefault(); $('sn-aerr').textContent = '';
    var repeat = $('sn-repeat').value, id = $('sn-id').value;
    var body = { kind: $('sn-kind').value, title: $('sn-title').value, place: $('sn-place').value, leader: $('sn-leader').value, note: $('sn-note').value,
      start: $('sn-start').value, end: $('sn-end').value, capacity: parseInt($('sn-cap').value, 10) || 0, repeat: repeat,
      weekday: repeat === 'weekly' ? parseInt($('sn-weekday').value, 10) : null, day: $('sn-day').value || null, until: repeat === 'weekly' ? ($('sn-until').value || null) : null };
    try { await Linli.api('POST', '/api/seniors/activities' + (id ? '/' + id : ''), body); fill(null); $('sn-aerr').textContent = ''; refresh(); }
    catch (err) { $('sn-aerr').textContent = err.message; }
  });
  $('sn-proxy').addEventListener('submit', async function (ev) {
    ev.preventDefault(); $('sn-perr').textContent = ''; $('sn-pdone').textContent = '';
    var p = $('sn-occ').value.split('|');
    try {
      var r = await Linli.api('POST', '/api/seniors/desk/signups', { activity: parseInt(p[0], 10), day: p[1], name: $('sn-pname').value, phone: $('sn-pphone').value });
      var box = $('sn-pdone');
      box.appendChild(el('p', 'sn-ok', r.name + ' · ' + r.day + ' ' + r.start + ' ' + r.title + ' · ' + T.status[r.status] + (r.waiting_position ? ' #' + r.waiting_position : '')));
      var c = el('p', 'sn-code', r.code); c.id = 'sn-pcode'; box.appendChild(c);
      var a = el('a', null, T.slip); a.href = '/seniors/slip/' + encodeURIComponent(r.code); a.target = '_blank'; box.appendChild(a);
      $('sn-pname').value = ''; $('sn-pphone').value = '';
      refresh();
    } catch (err) { $('sn-perr').textContent = err.message; }
  });
  refresh();
})();
