// The staff page: providers with their access and ratings, services,
// slots, and the bookings.
(function () {
  var D = JSON.parse(document.getElementById('hk-data').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };
  function btn(text, f) { var b = el('button', text); b.type = 'button'; b.addEventListener('click', f); return b; }
  function secret(box, s) {
    box.textContent = D.shown_once + ' ';
    var c = el('div', s.code, 'hk-secret'); c.id = 'hk-secret-code'; box.appendChild(c);
    var a = el('a', location.origin + s.link); a.href = s.link; a.target = '_blank'; a.rel = 'noopener'; box.appendChild(a);
  }
  async function load() {
    try {
      var v = await Linli.api('GET', '/api/housekeeping/staff/providers');
      var box = $('hk-providers'); box.textContent = '';
      var sel = $('hk-svc'); if (sel) sel.textContent = '';
      v.providers.forEach(function (p) {
        var d = el('div', null, 'hk-provider');
        var h = el('h3', p.name + ' · ' + p.contact);
        h.appendChild(el('span', ' ' + (p.ratings.count ? '★ ' + p.ratings.average + ' (' + p.ratings.count + ' ' + D.count + ')' : D.no_ratings), 'hk-stars'));
        d.appendChild(h);
        d.appendChild(el('p', D.signed_in + ': ' + p.access.signed_in + (p.access.code_waiting ? ' · ' + D.code_waiting : ''), 'hk-help'));
        var ul = el('ul');
        p.services.forEach(function (s) {
          var li = el('li', s.name + ' · ' + s.price + ' ' + D.yuan + D.per + s.unit + (s.active ? '' : ' (' + D.off + ')') + ' ');
          if (D.manage) li.appendChild(btn(s.active ? D.off : D.on, async function () { await Linli.api('POST', '/api/housekeeping/services/' + s.id, { active: !s.active }); load(); }));
          ul.appendChild(li);
          if (sel && s.active) { var o = el('option', p.name + ' · ' + s.name); o.value = s.id; sel.appendChild(o); }
        });
        d.appendChild(ul);
        if (D.manage) {
          var out = el('div'); out.setAttribute('aria-live', 'polite');
          var f = el('form'); f.className = 'hk-row';
          var n = el('input'); n.placeholder = D.add_service; n.setAttribute('aria-label', D.add_service);
          var pr = el('input'); pr.type = 'number'; pr.step = '0.01'; pr.placeholder = D.yuan; pr.setAttribute('aria-label', D.yuan);
          var u = el('input'); u.placeholder = '次 / 小时'; u.setAttribute('aria-label', 'unit');
          var go = el('button', D.add_service); go.type = 'submit';
          var err = el('span', '', 'hk-err');
          [n, pr, u, go, err].forEach(function (x) { f.appendChild(x); });
          f.addEventListener('submit', async function (ev) { ev.preventDefault(); try { await Linli.api('POST', '/api/housekeeping/providers/' + p.id + '/services', { name: n.value, price: Number(pr.value), unit: u.value }); load(); } catch (e) { err.textContent = e.message; } });
          d.appendChild(f);
          var row = el('p');
          row.appendChild(btn(D.new_code, async function () { try { secret(out, (await Linli.api('POST', '/api/housekeeping/providers/' + p.id + '/sign-in-code', {})).sign_in); } catch (e) { out.textContent = e.message; } }));
          row.appendChild(document.createTextNode(' '));
          row.appendChild(btn(D.revoke, async function () { if (!confirm(D.confirm_revoke)) return; await Linli.api('POST', '/api/housekeeping/providers/' + p.id + '/revoke', {}); load(); }));
          d.appendChild(row); d.appendChild(out);
        }
        box.appendChild(d);
      });
      var b = await Linli.api('GET', '/api/housekeeping/staff/bookings');
      var body = $('hk-bookings'); body.textContent = '';
      b.bookings.forEach(function (x) {
        var tr = el('tr');
        [x.day + ' ' + x.start + '–' + x.end, x.provider, x.service + ' · ' + x.price, x.phone + ' · ' + x.address, x.status_name, x.rating ? '★' + x.rating + ' ' + (x.rating_words || '') : ''].forEach(function (t) { tr.appendChild(el('td', t)); });
        body.appendChild(tr);
      });
    } catch (e) { $('hk-perr').textContent = e.message; }
  }
  if ($('hk-add')) $('hk-add').addEventListener('submit', async function (ev) {
    ev.preventDefault(); $('hk-add-err').textContent = ''; $('hk-secret').textContent = '';
    try {
      var r = await Linli.api('POST', '/api/housekeeping/providers', { name: $('hk-name').value, contact: $('hk-contact').value, intro: $('hk-intro').value });
      secret($('hk-secret'), r.sign_in); $('hk-name').value = ''; $('hk-contact').value = ''; $('hk-intro').value = ''; load();
    } catch (e) { $('hk-add-err').textContent = e.message; }
  });
  if ($('hk-slot')) $('hk-slot').addEventListener('submit', async function (ev) {
    ev.preventDefault(); $('hk-slot-err').textContent = ''; $('hk-slot-ok').textContent = '';
    var body = { service: Number($('hk-svc').value), day: $('hk-day').value, start: $('hk-start').value, end: $('hk-end').value };
    if ($('hk-cap').value) body.capacity = Number($('hk-cap').value);
    try { await Linli.api('POST', '/api/housekeeping/slots', body); $('hk-slot-ok').textContent = D.saved; } catch (e) { $('hk-slot-err').textContent = e.message; }
  });
  load();
})();
