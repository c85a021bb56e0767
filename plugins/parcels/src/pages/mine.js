// The resident's page: waiting parcels by phone and one code; new codes
// sent to the phone itself.
(function () {
  var D = JSON.parse(document.getElementById('pc-data').textContent);
  var $ = function (id) { return document.getElementById(id); };
  $('pc-mine').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    $('pc-err').textContent = '';
    try {
      var r = await Linli.api('POST', '/api/parcels/mine', { phone: $('pc-phone').value, code: $('pc-code').value });
      var body = $('pc-list').querySelector('tbody'); body.textContent = '';
      r.parcels.forEach(function (p) {
        var tr = document.createElement('tr');
        [p.carrier, p.tracking_tail, p.arrived, p.return_on].forEach(function (v) { var td = document.createElement('td'); td.textContent = v; tr.appendChild(td); });
        body.appendChild(tr);
      });
      $('pc-list').hidden = false;
    } catch (e) { $('pc-err').textContent = e.message; }
  });
  $('pc-resend').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    $('pc-err2').textContent = ''; $('pc-sent').textContent = '';
    try {
      await Linli.api('POST', '/api/parcels/resend', { phone: $('pc-phone2').value });
      $('pc-sent').textContent = D.resent;
    } catch (e) { $('pc-err2').textContent = e.message; }
  });
})();
