// The desk: the shifts, each one's volunteers with attendance and hours
// for the lead to confirm (a correction with its reason, on the
// timeline), new shifts and certificates for the office; the print
// button of the certificate page.
(function () {
  var D = JSON.parse(document.getElementById('vo-data').textContent), T = D.t;
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; };
  if (D.page === 'certificate') { $('vo-print').addEventListener('click', function () { window.print(); }); return; }
  var current = null;
  async function loadShifts() {
    var r = await Linli.api('GET', '/api/volunteers/desk/shifts');
    var tb = $('vo-shifts'); tb.textContent = '';
    r.shifts.forEach(function (s) {
      var tr = el('tr');
      [s.day + ' ' + s.start + '–' + s.end, s.position_name, s.place, s.taken + '/' + s.places, s.lead].forEach(function (x) { tr.appendChild(el('td', null, x)); });
      var td = el('td'), b = el('button', '', T.roster); b.type = 'button'; b.setAttribute('data-shift', s.id);
      b.addEventListener('click', function () { openRoster(s.id); }); td.appendChild(b); tr.appendChild(td); tb.appendChild(tr);
    });
  }
  async function openRoster(id) {
    current = id; $('vo-rerr').textContent = ''; $('vo-rstatus').textContent = '';
    try {
      var r = await Linli.api('GET', '/api/volunteers/shifts/' + id + '/roster');
      show(r);
    } catch (e) { $('vo-serr').textContent = e.message; }
  }
  function show(r) {
    var s = r.shift;
    $('vo-roster-box').hidden = false;
    $('vo-roster-title').textContent = s.day + ' ' + s.start + '–' + s.end + ' · ' + s.position_name + ' · ' + s.place;
    var tb = $('vo-roster'); tb.textContent = '';
    r.volunteers.forEach(function (v) {
      var tr = el('tr'); tr.setAttribute('data-signup', v.signup);
      tr.appendChild(el('td', null, v.name + ' ' + v.phone));
      var a = el('input'); a.type = 'checkbox'; a.checked = v.attended !== false; a.className = 'vo-att'; a.disabled = !r.may_record;
      var td1 = el('td'); td1.appendChild(a); tr.appendChild(td1);
      var m = el('input'); m.type = 'number'; m.min = 0; m.max = r.length_minutes; m.className = 'vo-min'; m.disabled = !r.may_record;
      m.value = v.minutes == null ? r.length_minutes : v.minutes;
      var td2 = el('td'); td2.appendChild(m); td2.appendChild(document.createTextNode(' ' + T.minutes + (v.minutes == null ? ' · ' + T.pending : ''))); tr.appendChild(td2);
      tb.appendChild(tr);
    });
    $('vo-save').disabled = !r.may_record;
    if (!r.may_record) $('vo-rstatus').textContent = T.not_lead;
    var ul = $('vo-timeline'); ul.textContent = '';
    r.timeline.forEach(function (t) {
      var who = (r.volunteers.find(function (v) { return v.signup === t.signup; }) || {}).name || ('#' + t.signup);
      var before = t.before ? (t.before.attended ? t.before.minutes : T.absent) + ' → ' : '';
      ul.appendChild(el('li', null, t.at + ' · ' + t.by + ' ' + T[t.action] + ' · ' + who + ': ' + before + (t.after.attended ? t.after.minutes + ' ' + T.minutes : T.absent) + (t.reason ? ' · ' + t.reason : '')));
    });
  }
  $('vo-save').addEventListener('click', async function () {
    $('vo-rerr').textContent = ''; $('vo-rstatus').textContent = '';
    var entries = Array.prototype.map.call($('vo-roster').querySelectorAll('tr'), function (tr) {
      var att = tr.querySelector('.vo-att').checked;
      return { signup: parseInt(tr.getAttribute('data-signup'), 10), attended: att, minutes: att ? (parseInt(tr.querySelector('.vo-min').value, 10) || 0) : 0 };
    });
    try {
      var r = await Linli.api('POST', '/api/volunteers/shifts/' + current + '/hours', { entries: entries, reason: $('vo-reason').value });
      show(r); $('vo-reason').value = ''; $('vo-rstatus').textContent = T.saved;
    } catch (e) { $('vo-rerr').textContent = e.message; }
  });
  if ($('vo-new')) $('vo-new').addEventListener('submit', async function (ev) {
    ev.preventDefault(); $('vo-nerr').textContent = '';
    var body = { position: $('vo-pos').value, day: $('vo-day').value, start: $('vo-start').value, end: $('vo-end').value, place: $('vo-place').value,
      places: parseInt($('vo-places').value, 10) || 0, lead_id: $('vo-lead').value || null, lead_name: $('vo-leadname').value || null };
    try { await Linli.api('POST', '/api/volunteers/shifts', body); loadShifts(); } catch (e) { $('vo-nerr').textContent = e.message; }
  });
  if ($('vo-cert')) $('vo-cert').addEventListener('submit', async function (ev) {
    ev.preventDefault(); $('vo-cerr').textContent = ''; $('vo-cdone').textContent = '';
    try {
      var r = await Linli.api('POST', '/api/volunteers/certificates', { phone: $('vo-cphone').value, year: parseInt($('vo-cyear').value, 10) || 0 });
      var box = $('vo-cdone');
      box.appendChild(el('p', 'vo-ok', r.name + ' · ' + r.year + ' · ' + r.hours + ' ' + T.hours_unit));
      var c = el('p', 'vo-code', r.code); c.id = 'vo-ccode'; box.appendChild(c);
      var a = el('a', null, T.print); a.href = r.print; a.id = 'vo-cprint'; box.appendChild(a);
    } catch (e) { $('vo-cerr').textContent = e.message; }
  });
  loadShifts().catch(function (e) { $('vo-serr').textContent = e.message; });
})();
