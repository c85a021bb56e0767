// The pre-acceptance pages: applying (and the desk's 代办 with the resident
// record), the resident's page (uploads are the SDK's upload script), the
// review console, one application for staff, the certificate's print
// button. Texts come from the page's JSON data block; nothing here builds
// HTML from data (textContent only).
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('ac-data').textContent);
  var T = D.t || {};
  var $ = function (id) { return document.getElementById(id); };
  function fail(e) { var el = $('ac-err'); if (el) { el.textContent = e && e.message ? e.message : String(e); } }
  function clear() { var el = $('ac-err'); if (el) { el.textContent = ''; } }
  function cell(tr, text) { var td = document.createElement('td'); td.textContent = text == null ? '' : String(text); tr.appendChild(td); return td; }

  // Applying, by a resident or at the desk.
  var apply = $('ac-apply');
  if (apply) {
    apply.addEventListener('submit', async function (ev) {
      ev.preventDefault(); clear();
      var body = { item: $('ac-item').value, name: $('ac-name').value, phone: $('ac-phone').value };
      ['id_number', 'address', 'purpose', 'booking'].forEach(function (k) { var v = apply.elements[k].value.trim(); if (v) { body[k] = v; } });
      if ($('ac-consent')) { body.consent = $('ac-consent').checked; }
      try {
        var r = await Linli.api('POST', apply.getAttribute('data-api'), body);
        var url = '/applications/a/' + encodeURIComponent(r.token);
        if (D.page === 'start') { location.href = url; return; }
        var done = $('ac-done'); done.textContent = T.created + ' ';
        var a = document.createElement('a'); a.href = url; a.id = 'ac-link'; a.textContent = location.origin + url; done.appendChild(a);
      } catch (e) { fail(e); }
    });
  }
  // The resident links the booking made for this application.
  var linkBooking = $('ac-link-booking');
  if (linkBooking) {
    linkBooking.addEventListener('submit', async function (ev) {
      ev.preventDefault(); clear();
      try { await Linli.api('POST', linkBooking.getAttribute('data-api'), { booking: $('ac-booking').value }); location.reload(); } catch (e) { fail(e); }
    });
  }
  // A supervisor revokes a certificate.
  var revoke = $('ac-revoke');
  if (revoke) {
    revoke.addEventListener('submit', async function (ev) {
      ev.preventDefault(); clear();
      if (!confirm(T.confirm_revoke)) { return; }
      try { await Linli.api('POST', revoke.getAttribute('data-api'), { reason: $('ac-revoke-reason').value, note: $('ac-revoke-note').value }); location.reload(); } catch (e) { fail(e); }
    });
  }
  var prefill = $('ac-prefill');
  if (prefill) {
    prefill.addEventListener('click', async function () {
      clear();
      try {
        var r = await Linli.api('POST', '/api/applications/desk/prefill', { id_number: $('ac-id').value, consent: $('ac-consent').checked });
        if (!r.found) { fail(T.not_found); return; }
        $('ac-name').value = r.name || ''; $('ac-phone').value = r.phone || ''; $('ac-address').value = r.address || '';
        $('ac-done').textContent = T.found;
      } catch (e) { fail(e); }
    });
  }

  // The resident's page: after each upload the page shows the new state.
  document.querySelectorAll('form[data-linli-upload]').forEach(function (f) {
    f.addEventListener('linli-uploaded', function () { setTimeout(function () { location.reload(); }, 600); });
  });
  function button(id, body) {
    var b = $(id);
    if (!b) { return; }
    b.addEventListener('click', async function () {
      clear();
      try { await Linli.api('POST', b.getAttribute('data-api'), body ? body() : {}); location.reload(); } catch (e) { fail(e); }
    });
  }
  button('ac-submit');
  button('ac-claim');
  button('ac-ticket');

  // One application for a clerk: every uploaded material judged, sent once.
  button('ac-review', function () {
    var out = [];
    document.querySelectorAll('fieldset.ac-verdict').forEach(function (fs) {
      var v = fs.querySelector('input[type=radio]:checked');
      var m = { id: fs.getAttribute('data-mid'), verdict: v ? v.value : '' };
      if (m.verdict === 'correct') {
        m.reasons = Array.prototype.map.call(fs.querySelectorAll('input[name=reason]:checked'), function (c) { return c.value; });
        m.note = fs.querySelector('textarea[name=note]').value;
      }
      out.push(m);
    });
    return { materials: out };
  });
  var decide = $('ac-decide');
  if (decide) {
    decide.addEventListener('submit', async function (ev) {
      ev.preventDefault(); clear();
      var outcome = decide.querySelector('input[name=outcome]:checked').value;
      if (outcome === 'refused' && !confirm(T.confirm_refuse)) { return; }
      try {
        var r = await Linli.api('POST', decide.getAttribute('data-api'), { outcome: outcome, reason: $('ac-reason').value });
        if (r.print) { location.href = r.print; } else { location.reload(); }
      } catch (e) { fail(e); }
    });
  }

  // The console.
  if (D.page === 'console') {
    Linli.api('GET', '/api/applications/cases').then(function (r) {
      var body = $('ac-cases');
      r.applications.forEach(function (a) {
        var tr = document.createElement('tr');
        var link = document.createElement('a'); link.href = '/applications/review/' + a.id; link.textContent = '#' + a.id;
        cell(tr, '').appendChild(link);
        cell(tr, a.item_name); cell(tr, a.applicant); cell(tr, a.status_label); cell(tr, a.clerk || ''); cell(tr, a.updated_at);
        body.appendChild(tr);
      });
    }).catch(fail);
    if (D.supervisor) {
      Linli.api('GET', '/api/applications/due').then(function (r) {
        var body = $('ac-due');
        r.applications.forEach(function (a) {
          var tr = document.createElement('tr');
          var link = document.createElement('a'); link.href = '/applications/review/' + a.id; link.textContent = '#' + a.id;
          cell(tr, '').appendChild(link);
          cell(tr, a.item_name); cell(tr, a.applicant); cell(tr, a.due_day + ' (' + a.label + ')'); cell(tr, a.clerk || '');
          body.appendChild(tr);
        });
      }).catch(fail);
    }
  }

  var print = $('ac-print');
  if (print) { print.addEventListener('click', function () { window.print(); }); }
})();
