// The resident's form: kind, category, text, anonymous or named, an
// optional photo (uploaded first by upload.js), then the tracking code.
(function () {
  var D = JSON.parse(document.getElementById('fb-data').textContent);
  var form = document.getElementById('fb-form');
  var anon = document.getElementById('fb-anon');
  var contact = document.getElementById('fb-contact');
  var err = document.getElementById('fb-err');
  function sync() { contact.hidden = anon.checked; }
  anon.addEventListener('change', sync); sync();
  var photoForm = document.getElementById('fb-photo');
  photoForm.addEventListener('linli-uploaded', function (ev) {
    try { document.getElementById('fb-photo-id').value = JSON.parse(ev.detail).photo || ''; } catch (e) { /* the status line says what went wrong */ }
  });
  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    err.textContent = '';
    var kind = form.querySelector('input[name="kind"]:checked');
    var body = {
      kind: kind ? kind.value : '',
      category: document.getElementById('fb-category').value,
      text: document.getElementById('fb-text').value,
      anonymous: anon.checked
    };
    if (!anon.checked) {
      body.name = document.getElementById('fb-name').value;
      body.phone = document.getElementById('fb-phone').value;
    }
    var photo = document.getElementById('fb-photo-id').value;
    if (photo) body.photo = photo;
    if (D.channel) body.channel = D.channel;
    var send = document.getElementById('fb-send');
    send.disabled = true;
    try {
      var r = await Linli.api('POST', '/api/feedback', body);
      form.hidden = true; photoForm.hidden = true; send.hidden = true;
      document.getElementById('fb-done-text').textContent = D.sent;
      document.getElementById('fb-code').textContent = r.code;
      document.getElementById('fb-due').textContent = D.due + ' ' + r.due_day;
      document.getElementById('fb-follow').href = r.track;
      document.getElementById('fb-done').hidden = false;
    } catch (e) {
      err.textContent = e.message;
    } finally {
      send.disabled = false;
    }
  });
})();
