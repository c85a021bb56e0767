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
  // A tablet without a scanner: its camera, where the browser can read QR
  // codes (BarcodeDetector); each code read is submitted like a typed one.
  if ('BarcodeDetector' in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    var cam = document.getElementById('ac-camera');
    cam.hidden = false;
    cam.addEventListener('click', async function () {
      try {
        var video = document.getElementById('ac-video');
        video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
        video.hidden = false;
        await video.play();
        cam.hidden = true;
        var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
        var last = '';
        var busy = false;
        setInterval(async function () {
          if (busy) return;
          busy = true;
          try {
            var found = await detector.detect(video);
            // The same code held in front of the camera is read once.
            if (found.length && found[0].rawValue !== last) {
              last = found[0].rawValue;
              input.value = last;
              form.requestSubmit();
            }
          } catch (e) { /* a frame that could not be read: try the next */ }
          busy = false;
        }, 400);
      } catch (e) {
        out.className = 'ac-result bad';
        out.textContent = D.nocamera;
        out.hidden = false;
      }
    });
  }
})();
