// The kiosk's check-in: one box for the booking code, ID card number or
// phone; the ticket the queue issued is shown at once.
(function () {
  var T = JSON.parse(document.getElementById('ap-data').textContent);
  var $ = function (id) { return document.getElementById(id); };
  $('ap-checkin').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    $('ap-err').textContent = ''; $('ap-result').textContent = '';
    var v = $('ap-key').value.trim();
    var digits = v.replace(/[\s\-+]/g, '');
    var body = /^[0-9]{17}[0-9Xx]$/.test(digits) ? { id_number: v } : /^[0-9]{7,15}$/.test(digits) || /^\+/.test(v) ? { phone: v } : { code: v };
    try {
      var r = await Linli.api('POST', '/api/appointments/check-in', body);
      var box = $('ap-result');
      var p = document.createElement('p'); p.textContent = T.ticket; box.appendChild(p);
      var n = document.createElement('p'); n.className = 'ap-ticket'; n.id = 'ap-ticket'; n.textContent = r.ticket; box.appendChild(n);
      var w = document.createElement('p'); w.textContent = r.item_name + ' · ' + r.slot + ' · ' + T.wait; box.appendChild(w);
      if (r.ticket_page) { var a = document.createElement('a'); a.href = r.ticket_page; a.textContent = T.follow; box.appendChild(a); }
      $('ap-key').value = '';
    } catch (e) { $('ap-err').textContent = e.message; }
  });
})();
