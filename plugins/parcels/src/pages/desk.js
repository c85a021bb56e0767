// The parcel desk: counts, register, hand over, locks, the waiting shelf
// and the day's handovers. Every text is set with textContent.
(function () {
  var D = JSON.parse(document.getElementById('pc-data').textContent);
  var $ = function (id) { return document.getElementById(id); };
  function cell(tr, v) { var td = document.createElement('td'); td.textContent = v == null ? '' : v; tr.appendChild(td); return td; }
  function button(text, onClick) { var b = document.createElement('button'); b.type = 'button'; b.textContent = text; b.addEventListener('click', onClick); return b; }
  async function refresh() {
    try {
      var d = await Linli.api('GET', '/api/parcels/day');
      $('pc-day').textContent = d.day;
      ['arrived', 'picked', 'waiting', 'returned'].forEach(function (k) { $('pc-n-' + k).textContent = d.counts[k]; });
      var done = $('pc-done'); done.textContent = '';
      d.done.forEach(function (p) {
        var tr = document.createElement('tr');
        cell(tr, p.tracking); cell(tr, p.status_name);
        if (p.handover) {
          var h = p.handover;
          cell(tr, h.at); cell(tr, h.by);
          cell(tr, (h.proxy ? D.proxy + ' ' + (h.proxy_name || '') + ' ' + (h.proxy_phone || '') : D.self) + ' · ' + (h.how === 'id' ? D.by_id + ' ' + (h.id_number || '') : D.by_code));
        } else if (p.returned) {
          cell(tr, p.returned.at); cell(tr, p.returned.by === 'auto' ? D.auto : p.returned.by); cell(tr, p.returned.note);
        }
        done.appendChild(tr);
      });
      var q = $('pc-q').value.trim();
      var w = await Linli.api('GET', '/api/parcels/waiting' + (q ? '?q=' + encodeURIComponent(q) : ''));
      var body = $('pc-waiting'); body.textContent = '';
      w.parcels.forEach(function (p) {
        var tr = document.createElement('tr');
        var loc = cell(tr, p.location); loc.className = 'pc-loc';
        cell(tr, p.tracking); cell(tr, p.carrier); cell(tr, p.phone); cell(tr, p.arrived + ' (' + p.days_waiting + ' ' + D.days + ')');
        cell(tr, '').appendChild(button(D['return'], async function () {
          if (!confirm(D.confirm_return)) return;
          try { await Linli.api('POST', '/api/parcels/' + p.id + '/return', {}); refresh(); } catch (e) { $('pc-wait-err').textContent = e.message; }
        }));
        body.appendChild(tr);
      });
      var l = await Linli.api('GET', '/api/parcels/locks');
      var lb = $('pc-locks'); lb.textContent = '';
      if (!l.locks.length) { var tr0 = document.createElement('tr'); cell(tr0, D.none); lb.appendChild(tr0); }
      l.locks.forEach(function (x) {
        var tr = document.createElement('tr');
        cell(tr, x.phone); cell(tr, x.until); cell(tr, x.parcels);
        var td = cell(tr, '');
        if (D.can_lift) {
          td.appendChild(button(D.lift, async function () {
            var phone = prompt(D.lift + ' ' + x.phone);
            if (!phone) return;
            try { await Linli.api('POST', '/api/parcels/locks/lift', { phone: phone }); refresh(); } catch (e) { alert(e.message); }
          }));
        }
        lb.appendChild(tr);
      });
    } catch (e) { $('pc-wait-err').textContent = e.message; }
  }
  $('pc-reg').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    $('pc-reg-err').textContent = ''; $('pc-reg-ok').textContent = '';
    try {
      var p = await Linli.api('POST', '/api/parcels', { tracking: $('pc-tracking').value, carrier: $('pc-carrier').value, phone: $('pc-phone').value, location: $('pc-location').value });
      $('pc-reg-ok').textContent = D.registered + ' ' + p.location + ' · ' + (p.notified ? D.notified : D.held);
      $('pc-tracking').value = ''; $('pc-location').value = ''; $('pc-tracking').focus();
      refresh();
    } catch (e) { $('pc-reg-err').textContent = e.message; }
  });
  $('pc-pick').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    $('pc-pick-err').textContent = ''; $('pc-pick-ok').textContent = '';
    try {
      var r = await Linli.api('POST', '/api/parcels/pickup', { phone: $('pc-pphone').value, code: $('pc-code').value, id_number: $('pc-id').value, proxy_name: $('pc-pname').value, proxy_phone: $('pc-pphone2').value });
      $('pc-pick-ok').textContent = D.handed + ' ' + r.handed.map(function (p) { return p.location + ' ' + p.tracking; }).join('，') + (r.still_waiting ? ' · ' + D.still + ' ' + r.still_waiting : '');
      ['pc-code', 'pc-id', 'pc-pname', 'pc-pphone2'].forEach(function (id) { $(id).value = ''; });
      refresh();
    } catch (e) { $('pc-pick-err').textContent = e.message; refresh(); }
  });
  $('pc-search').addEventListener('submit', function (ev) { ev.preventDefault(); refresh(); });
  $('pc-q').addEventListener('input', function () { clearTimeout(window.__pcq); window.__pcq = setTimeout(refresh, 300); });
  refresh();
})();
