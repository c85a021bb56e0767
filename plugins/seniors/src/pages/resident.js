// The residents' page: the week's activities with their places, sign-up
// by phone (or the waiting list), and one's sign-ups by code + phone.
(function () {
  var D = JSON.parse(document.getElementById('sn-data').textContent), T = D.t;
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; };
  var from = null;
  function shift(day, n) { var d = new Date(day + 'T12:00:00Z'); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10); }
  function places(a) {
    if (a.over) return el('span', 'sn-help', T.over);
    if (a.started) return el('span', 'sn-full', T.started);
    if (a.left > 0) return el('span', 'sn-left', T.left.replace('{n}', a.left));
    if (a.waitlist_left > 0) return el('span', 'sn-full', T.waitlist.replace('{n}', a.waitlist_left));
    return el('span', 'sn-full', T.full);
  }
  async function load() {
    var w = await Linli.api('GET', '/api/seniors/week' + (from ? '?from=' + from : ''));
    from = w.from;
    var box = $('sn-week'); box.textContent = '';
    w.days.forEach(function (d) {
      var day = el('div', 'sn-day' + (d.open ? '' : ' closed'));
      day.appendChild(el('h3', null, T.weekdays[d.weekday] + ' ' + d.day.slice(5) + (d.open ? '' : ' · ' + T.closed)));
      if (d.open && !d.activities.length) day.appendChild(el('p', 'sn-help', T.none));
      d.activities.forEach(function (a) {
        var c = el('div', 'sn-act');
        c.appendChild(el('b', null, a.start + '–' + a.end + ' ' + a.title));
        c.appendChild(el('div', 'sn-help', a.kind_name + (a.place ? ' · ' + a.place : '') + (a.leader ? ' · ' + a.leader : '')));
        c.appendChild(places(a));
        if (a.open_for_signup && (a.left > 0 || a.waitlist_left > 0)) {
          var b = el('button', a.left > 0 ? 'primary' : '', a.left > 0 ? T.sign : T.join_wait);
          b.type = 'button';
          b.addEventListener('click', function () { sign(a); });
          c.appendChild(b);
        } else if (!a.started && !a.open_for_signup) {
          c.appendChild(el('div', 'sn-help', T.not_open));
        }
        day.appendChild(c);
      });
      box.appendChild(day);
    });
  }
  async function sign(a) {
    $('sn-err').textContent = ''; $('sn-done').textContent = '';
    var phone = $('sn-phone').value.trim();
    if (!phone) { $('sn-err').textContent = T.need_phone; $('sn-phone').focus(); return; }
    try {
      var r = await Linli.api('POST', '/api/seniors/signups', { activity: a.id, day: a.day, phone: phone, name: $('sn-name').value });
      var box = $('sn-done');
      box.appendChild(el('p', 'sn-ok', r.day + ' ' + r.start + ' ' + r.title));
      box.appendChild(el('p', null, r.status === 'waiting' ? T.waiting.replace('{n}', r.waiting_position) : T.booked));
      var code = el('p', 'sn-code', r.code); code.id = 'sn-code'; box.appendChild(code);
      box.scrollIntoView();
      load();
    } catch (e) { $('sn-err').textContent = e.message; $('sn-err').scrollIntoView(); }
  }
  async function mine() {
    $('sn-merr').textContent = '';
    // A resident without a phone (signed up by a volunteer) gives the name instead.
    var who = $('sn-mphone').value.trim();
    var body = /[0-9]/.test(who) ? { code: $('sn-mcode').value, phone: who } : { code: $('sn-mcode').value, name: who };
    try {
      var r = await Linli.api('POST', '/api/seniors/lookup', body);
      var list = $('sn-list'); list.textContent = '';
      r.signups.forEach(function (s) {
        var c = el('div', 'sn-act');
        c.appendChild(el('b', null, s.day + ' ' + s.start + ' ' + s.title));
        c.appendChild(el('div', null, T.status[s.status] + (s.waiting_position ? ' #' + s.waiting_position : '') + ' · ' + s.code));
        if (s.status === 'booked' || s.status === 'waiting') {
          var b = el('button', '', T.cancel); b.type = 'button';
          b.addEventListener('click', async function () {
            if (!confirm(T.confirm_cancel)) return;
            try { await Linli.api('POST', '/api/seniors/signups/' + encodeURIComponent(s.code) + '/cancel', body.phone ? { phone: body.phone } : { name: body.name }); mine(); load(); }
            catch (e) { $('sn-merr').textContent = e.message; }
          });
          c.appendChild(b);
        }
        list.appendChild(c);
      });
    } catch (e) { $('sn-merr').textContent = e.message; }
  }
  $('sn-mine').addEventListener('submit', function (ev) { ev.preventDefault(); mine(); });
  $('sn-prev').addEventListener('click', function () { from = shift(from, -7); load().catch(function (e) { $('sn-err').textContent = e.message; }); });
  $('sn-next').addEventListener('click', function () { from = shift(from, 7); load().catch(function (e) { $('sn-err').textContent = e.message; }); });
  load().catch(function (e) { $('sn-err').textContent = e.message; });
})();
