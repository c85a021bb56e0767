// Sign-up on the residents' list: the phone (and a name) go to the API;
// a full activity asks first whether to join the waiting list. Then the
// resident's sign-up page (code and QR) opens.
(function () {
  var D = JSON.parse(document.getElementById('ac-data').textContent);
  document.querySelectorAll('form.ac-signup').forEach(function (form) {
    var err = form.querySelector('.ac-err');
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      err.textContent = '';
      var btn = form.querySelector('button[type=submit]');
      btn.disabled = true;
      try {
        var r = await Linli.api('POST', '/api/activities/events/' + form.dataset.activity + '/signup', {
          phone: form.querySelector('input[name=phone]').value,
          name: form.querySelector('input[name=name]').value,
          waitlist: form.dataset.full === '1'
        });
        if (D.kiosk) {
          // A kiosk is shared: the code is shown for a while (it is also
          // sent by message), never left on a page the next person opens.
          form.textContent = '';
          var p = document.createElement('p'); p.className = 'ac-ok'; p.textContent = r.status_name; form.appendChild(p);
          var c = document.createElement('p'); c.className = 'ac-code'; c.textContent = D.code + r.code; form.appendChild(c);
          setTimeout(function () { location.reload(); }, 30000);
          return;
        }
        location.href = D.mine + '?code=' + encodeURIComponent(r.code) + (D.lang === 'en' ? '&lang=en' : '');
      } catch (e) {
        err.textContent = e.message;
        btn.disabled = false;
      }
    });
  });
})();
