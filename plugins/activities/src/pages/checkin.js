// The check-in desk: a scanner types the QR's text and Enter (or staff
// type the code); the plugin checks it once. The field is cleared and
// focused again for the next resident.
(function () {
  var D = JSON.parse(document.getElementById('ac-data').textContent);
  var form = document.getElementById('ac-checkin');
  var input = document.getElementById('ac-code');
  var out = document.getElementById('ac-result');
  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    var body = { code: input.value };
    var act = document.getElementById('ac-activity').value;
    if (act) body.activity = Number(act);
    try {
      var r = await Linli.api('POST', '/api/activities/checkin', body);
      out.className = 'ac-result good';
      out.textContent = D.ok + '：' + r.title + ' ' + (r.name || '') + ' ' + (r.phone || '');
      document.getElementById('ac-count').textContent = D.count + r.checked_in + ' / ' + r.capacity;
    } catch (e) {
      out.className = 'ac-result bad';
      out.textContent = e.message;
    }
    out.hidden = false;
    input.value = '';
    input.focus();
  });
})();
