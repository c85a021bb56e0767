// Cancel from the resident's sign-up page (asked first); the page then
// shows the sign-up as it is now.
(function () {
  var D = JSON.parse(document.getElementById('ac-data').textContent);
  var b = document.getElementById('ac-cancel');
  if (!b) return;
  b.addEventListener('click', async function () {
    if (!window.confirm(D.confirm)) return;
    b.disabled = true;
    try {
      await Linli.api('POST', '/api/activities/cancel', { code: b.dataset.code });
      location.reload();
    } catch (e) {
      document.getElementById('ac-err').textContent = e.message;
      b.disabled = false;
    }
  });
})();
