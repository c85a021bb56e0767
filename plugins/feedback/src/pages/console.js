// The case page's actions: each form posts its fields as JSON to its
// `data-api` route; the page reloads to show the new state.
(function () {
  var err = document.getElementById('fb-err');
  document.querySelectorAll('form[data-api]').forEach(function (form) {
    var pre = form.querySelector('[data-load-preview]');
    if (pre) {
      pre.addEventListener('click', async function () {
        err.textContent = '';
        try {
          var p = await Linli.api('POST', form.dataset.preview, {});
          form.querySelector('[name="question"]').value = p.question;
          form.querySelector('[name="answer"]').value = p.answer;
        } catch (e) { err.textContent = e.message; }
      });
    }
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      err.textContent = '';
      var btn = form.querySelector('button[type="submit"]');
      if (btn && btn.dataset.confirm && !window.confirm(btn.dataset.confirm)) return;
      var body = {};
      form.querySelectorAll('input[name], textarea[name]').forEach(function (i) {
        if (i.type === 'checkbox') body[i.name] = i.checked;
        else if (i.value !== '') body[i.name] = i.value;
      });
      try { await Linli.api('POST', form.dataset.api, body); window.location.reload(); }
      catch (e) { err.textContent = e.message; }
    });
  });
})();
