// The provider's page: the one-time code (from the link's # part, never
// sent in a URL) exchanged for a key kept in this browser and sent in
// each request's body, then the
// provider's bookings to confirm or decline.
(function () {
  var D = JSON.parse(document.getElementById('hk-data').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, text) { var e = document.createElement(tag); if (text != null) e.textContent = text; return e; };
  var KEY = 'linli.housekeeping.provider';
  function key() { try { return localStorage.getItem(KEY) || ''; } catch (e) { return ''; } }
  async function call(method, url, body) {
    var opts = { method: method, headers: { 'Accept': 'application/json' }, credentials: 'same-origin' };
    if (body !== undefined) { if (!body.code) body.key = key(); opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    if (method !== 'GET') opts.headers['X-CSRF-Token'] = Linli.csrf();
    var r = await fetch(url, opts); var data = null; try { data = await r.json(); } catch (e) { data = null; }
    if (!r.ok) { var err = new Error(data && data.error ? (Linli.zh() ? data.error.message_zh : data.error.message_en) : 'HTTP ' + r.status); err.status = r.status; throw err; }
    return data;
  }
  function signedIn(on) { $('hk-signin').hidden = on; $('hk-list').hidden = !on; $('hk-out').hidden = !on; }
  async function load() {
    $('hk-err').textContent = '';
    try {
      var v = await call('POST', '/api/housekeeping/provider/bookings', {});
      signedIn(true);
      $('hk-name').textContent = v.provider;
      $('hk-rating').textContent = v.ratings.count ? '★ ' + v.ratings.average + ' (' + v.ratings.count + ' ' + D.count + ')' : D.no_ratings;
      var body = $('hk-list').querySelector('tbody'); body.textContent = '';
      if (!v.bookings.length) { var tr0 = el('tr'); tr0.appendChild(el('td', D.empty)); body.appendChild(tr0); }
      v.bookings.forEach(function (b) {
        var tr = el('tr');
        tr.appendChild(el('td', b.day + ' ' + b.start + '–' + b.end));
        tr.appendChild(el('td', b.service + ' · ' + b.price));
        tr.appendChild(el('td', b.phone + ' · ' + b.address + (b.note ? ' · ' + b.note : '')));
        tr.appendChild(el('td', b.status_name));
        var td = el('td');
        if (b.status === 'pending') {
          var ok = el('button', D.confirm); ok.type = 'button'; ok.className = 'primary';
          ok.addEventListener('click', async function () { try { await call('POST', '/api/housekeeping/provider/bookings/' + b.id + '/confirm', {}); load(); } catch (e) { $('hk-err').textContent = e.message; } });
          var no = el('button', D.decline); no.type = 'button';
          no.addEventListener('click', async function () { var r = prompt(D.reason) || ''; try { await call('POST', '/api/housekeeping/provider/bookings/' + b.id + '/decline', { reason: r }); load(); } catch (e) { $('hk-err').textContent = e.message; } });
          td.appendChild(ok); td.appendChild(document.createTextNode(' ')); td.appendChild(no);
        }
        tr.appendChild(td); body.appendChild(tr);
      });
    } catch (e) {
      signedIn(false);
      if (key()) $('hk-err').textContent = e.message;
    }
  }
  async function signIn(code) {
    $('hk-err').textContent = '';
    try {
      var v = await call('POST', '/api/housekeeping/provider/sign-in', { code: code });
      localStorage.setItem(KEY, v.key);
      load();
    } catch (e) { $('hk-err').textContent = e.message; }
  }
  $('hk-signin').addEventListener('submit', function (ev) { ev.preventDefault(); signIn($('hk-code').value); });
  $('hk-out').addEventListener('click', function () { localStorage.removeItem(KEY); signedIn(false); $('hk-err').textContent = D.signed_out; });
  var fromLink = decodeURIComponent(location.hash.replace(/^#/, ''));
  if (fromLink) { history.replaceState(null, '', location.pathname + location.search); signIn(fromLink); } else if (key()) { load(); } else { signedIn(false); }
})();
