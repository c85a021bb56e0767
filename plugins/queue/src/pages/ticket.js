// The resident's ticket page: follows the ticket live and alerts when it
// is called, when only a few are ahead (the count kept true as the queue
// moves), and when it was skipped (with what the rule says to do).
(function () {
  var root = document.getElementById('q-ticket');
  if (!root) return;
  var zh = document.documentElement.lang !== 'en', token = root.dataset.token;
  var audio = null, calledOnce = false, nearOnce = false;
  function beep() {
    try { if (!audio) return; var o = audio.createOscillator(), g = audio.createGain(); o.frequency.value = 880; o.connect(g); g.connect(audio.destination); g.gain.value = 0.3; o.start(); o.stop(audio.currentTime + 0.6); } catch (e) {}
  }
  function buzz(strong) {
    if (navigator.vibrate) navigator.vibrate(strong ? [400, 200, 400, 200, 400] : [200]);
    beep();
  }
  // The alert shows `text`, or hides when there is none.
  function alertText(text, cls) {
    var a = document.getElementById('q-alert');
    a.hidden = !text;
    a.textContent = text || '';
    a.className = cls || 'q-alert';
    a.dataset.kind = text ? (cls === 'q-alert q-called' ? 'called' : 'note') : '';
  }
  // Once finished: the link to rate the service (好差评), when the ratings
  // plugin is there (its script answers); asked once.
  var rateAsked = false;
  function offerRating() {
    var p = document.getElementById('q-rate');
    if (!p || rateAsked) return;
    rateAsked = true;
    fetch('/ratings/assets/ratings.js', { method: 'HEAD', credentials: 'same-origin' })
      .then(function (r) { p.hidden = !r.ok; }).catch(function () {});
  }
  function show(t) {
    if (t.status === 'finished') offerRating();
    document.getElementById('q-status').textContent = t.status_text + (t.window && t.status === 'called' ? (zh ? '：请到 ' + t.window + ' 号窗口' : ': go to window ' + t.window) : '');
    document.getElementById('q-ahead').textContent = t.ahead;
    document.getElementById('q-wait').textContent = t.wait_minutes;
    document.getElementById('q-svc').textContent = t.service_name;
    document.getElementById('q-place').hidden = t.status !== 'waiting';
    root.dataset.status = t.status;
    if (t.status === 'called') {
      alertText(zh ? '轮到您了！请到 ' + t.window + ' 号窗口办理' : 'It is your turn! Please go to window ' + t.window, 'q-alert q-called');
      if (!calledOnce) { calledOnce = true; buzz(true); }
      return;
    }
    calledOnce = false;
    if (t.status === 'waiting' && t.ahead <= 3) {
      // Rewritten on every change, so it never says more (or fewer) than
      // are really ahead.
      alertText(t.ahead === 0
        ? (zh ? '下一位就是您，请到窗口附近等候' : 'You are next; please come near the windows')
        : (zh ? '前面只剩 ' + t.ahead + ' 人，请到窗口附近等候' : 'Only ' + t.ahead + ' ahead of you; please come near the windows'));
      if (!nearOnce) { nearOnce = true; buzz(false); }
      return;
    }
    if (t.status === 'waiting') { nearOnce = false; alertText(''); return; }
    if (t.status === 'missed') { alertText(root.dataset.missed); return; }
    alertText('');
  }
  function refresh() {
    fetch('/api/queue/t/' + token, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; }).then(function (t) { if (t) show(t); }).catch(function () {});
  }
  document.getElementById('q-enable').addEventListener('click', function () {
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) {}
    if (navigator.vibrate) navigator.vibrate(50);
    this.textContent = zh ? '提醒已开启' : 'Alerts on';
  });
  var timer = null;
  Linli.events(['queue.'], function () { clearTimeout(timer); timer = setTimeout(refresh, 150); });
  window.queueTicketRefresh = refresh;
  show(JSON.parse(document.getElementById('q-initial').textContent));
})();
