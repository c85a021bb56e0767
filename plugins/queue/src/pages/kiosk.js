// The kiosk: one tap per ticket, the slip printed, back to the start for
// the next resident after a few seconds. Elderly mode (large text) lasts
// one visit: it is off again at the start and after a minute untouched.
(function () {
  var root = document.getElementById('q-kiosk');
  if (!root) return;
  var d = root.dataset, busy = false, pending = null, current = null, back = null, tick = null, idle = null, elderly = false;
  var backAfter = parseInt(d.back, 10) || 10;
  // An older kiosk page kept the mode for every later visitor.
  try { localStorage.removeItem('queue-elderly'); } catch (e) {}
  document.body.classList.add('kiosk');
  function $(id) { return document.getElementById(id); }
  function key() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }
  function msg(text) { var m = $('q-msg'); m.hidden = !text; m.textContent = text || ''; }
  function setElderly(on) {
    elderly = on;
    document.body.classList.toggle('q-elderly', on);
    var b = $('q-elderly');
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.textContent = on ? d.elderlyOn : d.elderlyOff;
  }
  function printSlip() {
    $('q-printmsg').textContent = d.printing;
    try { window.print(); } catch (e) { $('q-printmsg').textContent = d.printFailed; }
  }
  // The countdown back to the start; a reprint starts it again.
  function countdown() {
    clearTimeout(back); clearInterval(tick);
    var left = backAfter;
    function say() { $('q-back').textContent = d.backText.replace('{n}', left); }
    say();
    tick = setInterval(function () { left = Math.max(0, left - 1); say(); }, 1000);
    back = setTimeout(home, backAfter * 1000);
  }
  function show(t) {
    current = t; pending = null;
    QueueSlip.build($('q-slip'), t.slip);
    $('q-slip').dataset.page = t.page;
    $('q-choose').hidden = true; $('q-done').hidden = false;
    printSlip();
    countdown();
  }
  // The start screen, as the next resident should find it.
  function home() {
    clearTimeout(back); clearInterval(tick);
    current = null; pending = null;
    $('q-done').hidden = true; $('q-choose').hidden = false;
    QueueSlip.build($('q-slip'), null);
    msg('');
    setElderly(false);
  }
  async function take(service) {
    if (busy || d.ready !== '1') return;
    busy = true; msg(d.taking);
    // Same service again before an answer (a retry, a double tap): same key.
    if (!pending || pending.service !== service) pending = { service: service, key: key() };
    try { show(await Linli.api('POST', '/api/queue/tickets?paper=' + d.paper, { service: service, idem_key: pending.key })); msg(''); }
    catch (e) { msg(e.message + (e.status ? '' : d.network)); if (e.status) pending = null; }
    finally { busy = false; }
  }
  document.querySelectorAll('.q-svc').forEach(function (b) { b.addEventListener('click', function () { take(b.dataset.service); }); });
  $('q-finish').addEventListener('click', home);
  $('q-reprint').addEventListener('click', async function () {
    if (!current) return;
    try {
      var t = await Linli.api('POST', '/api/queue/t/' + current.token + '/reprint?paper=' + d.paper);
      current = t; QueueSlip.build($('q-slip'), t.slip); printSlip(); countdown();
    } catch (e) { $('q-printmsg').textContent = e.message; }
  });
  $('q-elderly').addEventListener('click', function () { setElderly(!elderly); });
  // A visit that ends without a ticket: after a minute untouched, the
  // start screen is reset too.
  function touched() { clearTimeout(idle); idle = setTimeout(function () { if (!current) home(); }, 60000); }
  ['pointerdown', 'keydown'].forEach(function (t) { document.addEventListener(t, touched, true); });
  setElderly(false);
  var timer = null;
  Linli.events(['queue.waiting'], function (e) {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (!e || e.topic !== 'queue.waiting') return;
      (e.payload.services || []).forEach(function (s) {
        document.querySelectorAll('.q-waiting').forEach(function (n) { if (n.dataset.code === s.code) n.textContent = s.waiting; });
        document.querySelectorAll('.q-wait').forEach(function (n) { if (n.dataset.code === s.code) n.textContent = s.wait_minutes; });
      });
    }, 150);
  });
})();
