// The corner's tablet: a big keypad for the phone, or the code and name;
// the answer in very large type, cleared after a while for the next one.
(function () {
  var T = JSON.parse(document.getElementById('sn-data').textContent).t;
  var $ = function (id) { return document.getElementById(id); };
  var timer = null;
  function show(ok, text) {
    $('sn-terr').textContent = ok ? '' : text;
    $('sn-tok').textContent = ok ? text : '';
    clearTimeout(timer);
    timer = setTimeout(function () { $('sn-terr').textContent = ''; $('sn-tok').textContent = ''; }, 15000);
  }
  document.querySelectorAll('.sn-keys button').forEach(function (b) {
    b.addEventListener('click', function () {
      var k = b.getAttribute('data-key'), i = $('sn-tphone');
      if (k === 'clear') i.value = ''; else if (k === 'back') i.value = i.value.slice(0, -1); else if (i.value.length < 15) i.value += k;
    });
  });
  async function checkIn(body) {
    try {
      var r = await Linli.api('POST', '/api/seniors/check-in', body);
      show(true, T.welcome + ' ' + r.start + ' ' + r.title + (r.place ? ' · ' + r.place : ''));
      $('sn-tphone').value = ''; $('sn-tcode').value = ''; $('sn-tname').value = '';
    } catch (e) { show(false, e.message); }
  }
  $('sn-phone-form').addEventListener('submit', function (ev) { ev.preventDefault(); checkIn({ phone: $('sn-tphone').value }); });
  $('sn-code-form').addEventListener('submit', function (ev) { ev.preventDefault(); checkIn({ code: $('sn-tcode').value, name: $('sn-tname').value }); });
})();
