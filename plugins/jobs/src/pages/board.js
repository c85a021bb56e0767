// The resident's interest form: the phone (and a name) go to the API; the
// answer carries the employer's contact, shown here and nowhere before.
(function () {
  var D = JSON.parse(document.getElementById('jb-data').textContent);
  var form = document.getElementById('jb-interest');
  if (!form) return;
  var err = document.getElementById('jb-err');
  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    err.textContent = '';
    var btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      var r = await Linli.api('POST', '/api/jobs/postings/' + form.dataset.posting + '/interest', {
        phone: document.getElementById('jb-phone').value,
        name: document.getElementById('jb-name').value
      });
      form.hidden = true;
      document.getElementById('jb-done-text').textContent = r.already ? D.again : D.done;
      document.getElementById('jb-contact').textContent = r.contact;
      document.getElementById('jb-done').hidden = false;
      // A kiosk is shared: the contact leaves the screen after a minute.
      if (D.kiosk) setTimeout(function () { location.href = D.home; }, 60000);
    } catch (e) {
      err.textContent = e.message;
    } finally {
      btn.disabled = false;
    }
  });
})();
