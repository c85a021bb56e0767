// The booking page (and the guide's desk): days and slots of the chosen
// item from /api/appointments/items/ITEM, booking, move and cancel.
(function () {
  var T = JSON.parse(document.getElementById('ap-data').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var chosen = { day: null, slot: null };
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text) e.textContent = text;
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    return e;
  }
  function press(box, btn) {
    box.querySelectorAll('button').forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
    btn.setAttribute('aria-pressed', 'true');
  }
  // The guide of the item, when the guides plugin has one.
  function guide(code) {
    var a = $('ap-guide'); a.hidden = true;
    fetch('/api/guides/items/' + encodeURIComponent(code), { headers: { Accept: 'application/json' } })
      .then(function (r) { if (r.ok && $('ap-item').value === code) { a.href = '/guides/item/' + encodeURIComponent(code); a.hidden = false; } })
      .catch(function () {});
  }
  // After a booking, a move or a cancel the same day stays open, its
  // places counted again.
  async function load(keepDay) {
    $('ap-err').textContent = '';
    var again = keepDay ? chosen.day : null;
    chosen = { day: null, slot: null };
    var code = $('ap-item').value;
    guide(code);
    var d = await Linli.api('GET', '/api/appointments/items/' + encodeURIComponent(code));
    var days = $('ap-days'); days.textContent = '';
    $('ap-slots').textContent = '';
    d.days.forEach(function (day) {
      var b = el('button', day.day, { type: 'button', class: 'ap-slot', 'aria-pressed': 'false' });
      b.appendChild(el('small', T.weekdays[new Date(day.day + 'T12:00:00').getDay()]));
      if (!day.released) { b.disabled = true; b.appendChild(el('small', T.opens + ' ' + d.release_time)); }
      b.onclick = function () { press(days, b); chosen.day = day.day; chosen.slot = null; slots(day); };
      days.appendChild(b);
      if (day.day === again) { press(days, b); chosen.day = day.day; slots(day); }
    });
  }
  function slots(day) {
    var box = $('ap-slots'); box.textContent = '';
    day.slots.forEach(function (s) {
      var b = el('button', s.start + '–' + s.end, { type: 'button', class: 'ap-slot', 'aria-pressed': 'false' });
      b.appendChild(el('small', s.left > 0 ? T.left + ' ' + s.left : T.full));
      b.disabled = s.left <= 0;
      b.onclick = function () { press(box, b); chosen.slot = s.start; };
      box.appendChild(b);
    });
  }
  $('ap-item').addEventListener('change', function () { load().catch(function (e) { $('ap-err').textContent = e.message; }); });
  $('ap-book').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    $('ap-err').textContent = ''; $('ap-done').textContent = '';
    if (!chosen.day || !chosen.slot) { $('ap-err').textContent = T.pick; return; }
    var body = { item: $('ap-item').value, day: chosen.day, slot: chosen.slot, phone: $('ap-phone').value };
    if ($('ap-id').value.trim()) body.id_number = $('ap-id').value;
    try {
      var b = await Linli.api('POST', T.desk ? '/api/appointments/desk/bookings' : '/api/appointments/bookings', body);
      var done = $('ap-done');
      done.appendChild(el('p', T.booked, { class: 'ap-ok' }));
      done.appendChild(el('p', b.code, { class: 'ap-code', id: 'ap-code' }));
      done.appendChild(el('p', b.item_name + ' · ' + b.day + ' ' + b.slot + '–' + b.end));
      // Where the hall takes materials online (预受理), the next step: the
      // application records this booking for the one case thread.
      if (!T.desk) {
        fetch('/api/applications/items', { headers: { Accept: 'application/json' } }).then(function (r) {
          if (!r.ok) return;
          var a = el('a', T.apply, { id: 'ap-apply', class: 'button primary', href: '/applications?item=' + encodeURIComponent(b.item) + '&booking=' + encodeURIComponent(b.code) });
          var p = el('p'); p.appendChild(a); done.appendChild(p);
        }).catch(function () {});
      }
      $('ap-mcode').value = b.code; $('ap-mphone').value = $('ap-phone').value;
      await load(true);
    } catch (e) { $('ap-err').textContent = e.message; }
  });
  function show(b) {
    $('ap-found').hidden = false;
    $('ap-found-text').textContent = b.code + ' · ' + b.item_name + ' · ' + b.day + ' ' + b.slot + '–' + b.end + ' · ' + b.status_text;
  }
  function manageBody(extra) {
    var b = { phone: $('ap-mphone').value };
    for (var k in (extra || {})) b[k] = extra[k];
    return b;
  }
  $('ap-manage').addEventListener('submit', async function (ev) {
    ev.preventDefault(); $('ap-merr').textContent = '';
    try { show(await Linli.api('POST', '/api/appointments/lookup', { code: $('ap-mcode').value, phone: $('ap-mphone').value })); }
    catch (e) { $('ap-found').hidden = true; $('ap-merr').textContent = e.message; }
  });
  $('ap-move').addEventListener('click', async function () {
    $('ap-merr').textContent = '';
    if (!chosen.day || !chosen.slot) { $('ap-merr').textContent = T.pick; return; }
    try { show(await Linli.api('POST', '/api/appointments/bookings/' + encodeURIComponent($('ap-mcode').value.trim()) + '/move', manageBody({ day: chosen.day, slot: chosen.slot }))); await load(true); }
    catch (e) { $('ap-merr').textContent = e.message; }
  });
  $('ap-cancel').addEventListener('click', async function () {
    $('ap-merr').textContent = '';
    if (!window.confirm(T.confirm_cancel)) return;
    try { show(await Linli.api('POST', '/api/appointments/bookings/' + encodeURIComponent($('ap-mcode').value.trim()) + '/cancel', manageBody())); await load(true); }
    catch (e) { $('ap-merr').textContent = e.message; }
  });
  async function bans() {
    var box = $('ap-bans'); if (!box) return;
    var d = await Linli.api('GET', '/api/appointments/bans');
    box.textContent = '';
    d.bans.forEach(function (b) {
      var tr = el('tr');
      tr.appendChild(el('td', b.phone)); tr.appendChild(el('td', String(b.noshows))); tr.appendChild(el('td', b.until));
      var td = el('td'); var btn = el('button', T.lift, { type: 'button' });
      var phone = el('input', '', { type: 'tel', placeholder: b.phone, 'aria-label': b.phone });
      btn.onclick = async function () {
        try { await Linli.api('POST', '/api/appointments/bans/lift', { phone: phone.value }); btn.textContent = T.lifted; btn.disabled = true; }
        catch (e) { $('ap-bans-err').textContent = e.message; }
      };
      td.appendChild(phone); td.appendChild(btn); tr.appendChild(td); box.appendChild(tr);
    });
  }
  // A guide's page links here with ?item=CODE.
  var wanted = new URLSearchParams(location.search).get('item');
  if (wanted && $('ap-item').querySelector('option[value="' + CSS.escape(wanted) + '"]')) $('ap-item').value = wanted;
  load().catch(function (e) { $('ap-err').textContent = e.message; });
  if (T.supervisor) bans().catch(function (e) { $('ap-bans-err').textContent = e.message; });
})();
