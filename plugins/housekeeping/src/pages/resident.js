// The resident's page: providers and services with prices and ratings,
// a service's slots, booking, and one's booking to cancel or rate.
(function () {
  var D = JSON.parse(document.getElementById('hk-data').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };
  var chosen = null, found = null, shown = null;
  function stars(r) { return r.count ? '★ ' + r.average + ' (' + r.count + ' ' + D.count + ')' : D.no_ratings; }
  async function providers() {
    var v = await Linli.api('GET', '/api/housekeeping/providers');
    var box = $('hk-providers'); box.textContent = '';
    v.providers.forEach(function (p) {
      var d = el('div', null, 'hk-provider');
      var h = el('h3', p.name); h.appendChild(el('span', ' ' + stars(p.ratings), 'hk-stars')); d.appendChild(h);
      if (p.intro) d.appendChild(el('p', p.intro, 'hk-help'));
      var g = el('div', null, 'hk-grid');
      p.services.forEach(function (s) {
        var b = el('button', s.name); b.type = 'button'; b.dataset.service = s.id;
        b.appendChild(el('small', s.price + ' ' + D.yuan + D.per + s.unit));
        b.addEventListener('click', function () { document.querySelectorAll('#hk-providers button').forEach(function (x) { x.setAttribute('aria-pressed', 'false'); }); b.setAttribute('aria-pressed', 'true'); slots(p, s); });
        g.appendChild(b);
      });
      d.appendChild(g); box.appendChild(d);
    });
  }
  async function slots(p, s) {
    chosen = null; shown = [p, s];
    $('hk-chosen').textContent = p.name + ' · ' + s.name + ' · ' + s.price + ' ' + D.yuan + D.per + s.unit;
    var v = await Linli.api('GET', '/api/housekeeping/services/' + s.id + '/slots');
    var g = $('hk-slots'); g.textContent = '';
    if (!v.slots.length) g.appendChild(el('p', D.none, 'hk-help'));
    v.slots.forEach(function (x) {
      var b = el('button', x.day + ' ' + x.start + '–' + x.end); b.type = 'button'; b.disabled = x.left === 0;
      b.appendChild(el('small', x.left ? D.left + ' ' + x.left : D.full));
      b.addEventListener('click', function () { g.querySelectorAll('button').forEach(function (y) { y.setAttribute('aria-pressed', 'false'); }); b.setAttribute('aria-pressed', 'true'); chosen = x.id; });
      g.appendChild(b);
    });
  }
  $('hk-book').addEventListener('submit', async function (ev) {
    ev.preventDefault(); $('hk-err').textContent = ''; $('hk-done').textContent = '';
    if (!chosen) { $('hk-err').textContent = D.pick; return; }
    try {
      var b = await Linli.api('POST', '/api/housekeeping/bookings', { slot: chosen, phone: $('hk-phone').value, address: $('hk-address').value, note: $('hk-note').value });
      $('hk-done').textContent = D.booked + ' '; var c = el('strong', b.code); c.id = 'hk-booked-code'; $('hk-done').appendChild(c);
      $('hk-code').value = b.code; $('hk-mphone').value = $('hk-phone').value;
      if (shown) slots(shown[0], shown[1]);
    } catch (e) { $('hk-err').textContent = e.message; }
  });
  function show(b) {
    found = b; $('hk-mine').hidden = false;
    $('hk-mine-text').textContent = b.provider + ' · ' + b.service + ' · ' + b.day + ' ' + b.start + '–' + b.end + ' · ' + b.status_name + (b.rating ? ' · ★' + b.rating : '');
    $('hk-cancel').hidden = !(b.status === 'pending' || b.status === 'confirmed');
    $('hk-rate').hidden = !(b.status === 'confirmed' && !b.rating);
  }
  $('hk-find').addEventListener('submit', async function (ev) {
    ev.preventDefault(); $('hk-merr').textContent = ''; $('hk-mok').textContent = '';
    try { show(await Linli.api('POST', '/api/housekeeping/lookup', { code: $('hk-code').value, phone: $('hk-mphone').value })); } catch (e) { $('hk-merr').textContent = e.message; }
  });
  $('hk-cancel').addEventListener('click', async function () {
    $('hk-merr').textContent = '';
    try { show(await Linli.api('POST', '/api/housekeeping/bookings/' + encodeURIComponent(found.code) + '/cancel', { phone: $('hk-mphone').value })); $('hk-mok').textContent = D.cancelled; } catch (e) { $('hk-merr').textContent = e.message; }
  });
  $('hk-rate').addEventListener('submit', async function (ev) {
    ev.preventDefault(); $('hk-merr').textContent = '';
    try { show(await Linli.api('POST', '/api/housekeeping/bookings/' + encodeURIComponent(found.code) + '/rate', { phone: $('hk-mphone').value, stars: Number($('hk-stars').value), words: $('hk-words').value })); $('hk-mok').textContent = D.rated; providers(); } catch (e) { $('hk-merr').textContent = e.message; }
  });
  providers().catch(function (e) { $('hk-err').textContent = e.message; });
})();
