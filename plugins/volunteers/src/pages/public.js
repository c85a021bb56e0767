// The volunteers' page: the shifts to come with their places, sign-up by
// phone (name the first time), and one's own record by phone + code.
(function () {
  var T = JSON.parse(document.getElementById('vo-data').textContent).t;
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; };
  function line(s) { return s.day + ' ' + s.start + '–' + s.end + ' · ' + s.position_name + ' · ' + s.place; }
  async function load() {
    var r = await Linli.api('GET', '/api/volunteers/shifts');
    var box = $('vo-shifts'); box.textContent = '';
    if (!r.shifts.length) box.appendChild(el('p', 'vo-help', T.none));
    r.shifts.forEach(function (s) {
      var c = el('div', 'vo-shift');
      c.appendChild(el('b', null, line(s)));
      c.appendChild(el('div', 'vo-help', T.lead + s.lead + (s.note ? ' · ' + s.note : '')));
      c.appendChild(el('div', s.left > 0 ? 'vo-ok' : 'vo-err', s.started ? T.started : s.left > 0 ? T.left.replace('{n}', s.left) : T.full));
      if (!s.started && s.left > 0) {
        var b = el('button', 'primary', T.sign); b.type = 'button';
        b.addEventListener('click', function () { sign(s); });
        c.appendChild(b);
      }
      box.appendChild(c);
    });
  }
  async function sign(s) {
    $('vo-err').textContent = ''; $('vo-done').textContent = '';
    var phone = $('vo-phone').value.trim();
    if (!phone) { $('vo-err').textContent = T.need_phone; $('vo-phone').focus(); return; }
    try {
      var r = await Linli.api('POST', '/api/volunteers/signups', { shift: s.id, phone: phone, name: $('vo-name').value });
      var box = $('vo-done');
      box.appendChild(el('p', 'vo-ok', T.signed + line(r)));
      if (r.volunteer_code) { box.appendChild(el('p', null, T.your_code)); var c = el('p', 'vo-code', r.volunteer_code); c.id = 'vo-code'; box.appendChild(c); }
      load();
    } catch (e) { $('vo-err').textContent = e.message; }
    $('vo-err').scrollIntoView();
  }
  async function me() {
    $('vo-merr').textContent = '';
    var proof = { phone: $('vo-mphone').value, code: $('vo-mcode').value };
    try {
      var r = await Linli.api('POST', '/api/volunteers/me', proof);
      var box = $('vo-mine'); box.textContent = '';
      box.appendChild(el('p', 'vo-ok', r.name + ' · ' + T.year_hours.replace('{h}', r.hours)));
      r.shifts.forEach(function (s) {
        var c = el('div', 'vo-shift');
        c.appendChild(el('b', null, line(s)));
        c.appendChild(el('div', null, s.attended === true ? T.attended + ' · ' + s.hours + ' ' + T.hours_unit : s.attended === false ? T.absent : T.pending));
        if (!s.started) {
          var b = el('button', '', T.cancel); b.type = 'button';
          b.addEventListener('click', async function () {
            if (!confirm(T.confirm_cancel)) return;
            try { await Linli.api('POST', '/api/volunteers/signups/' + s.signup + '/cancel', proof); me(); load(); } catch (e) { $('vo-merr').textContent = e.message; }
          });
          c.appendChild(b);
        }
        box.appendChild(c);
      });
    } catch (e) { $('vo-merr').textContent = e.message; }
  }
  $('vo-me').addEventListener('submit', function (ev) { ev.preventDefault(); me(); });
  load().catch(function (e) { $('vo-err').textContent = e.message; });
})();
