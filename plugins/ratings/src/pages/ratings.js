// The ratings pages: the window's evaluator, the resident's phone page,
// the case console and the settings form. Texts come from the page's JSON
// data block; everything shown is set with textContent (never markup).
(function () {
  var D = JSON.parse(document.getElementById('rt-data').textContent);
  var T = D.t;
  var $ = function (id) { return document.getElementById(id); };

  // The five levels and, for a poor one, the reasons: shared by the
  // evaluator and the phone page. `send(body)` posts the rating.
  function ratingForm(send, done) {
    var form = $('rt-form');
    if (!form) return;
    var level = 0;
    var buttons = form.querySelectorAll('.rt-level');
    function reset() {
      level = 0;
      buttons.forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
      form.querySelectorAll('input[name=reason]').forEach(function (c) { c.checked = false; });
      $('rt-words').value = '';
      $('rt-poor').hidden = true;
      $('rt-send').disabled = true;
      $('rt-err').textContent = '';
    }
    buttons.forEach(function (b) {
      b.addEventListener('click', function () {
        level = parseInt(b.getAttribute('data-level'), 10);
        buttons.forEach(function (x) { x.setAttribute('aria-pressed', x === b ? 'true' : 'false'); });
        $('rt-poor').hidden = level > 2;
        $('rt-send').disabled = false;
      });
    });
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      $('rt-err').textContent = '';
      var reasons = [];
      if (level <= 2) {
        form.querySelectorAll('input[name=reason]:checked').forEach(function (c) { reasons.push(c.value); });
        if (!reasons.length) { $('rt-err').textContent = T.choose_reason; return; }
      }
      var body = { level: level, reasons: reasons, words: level <= 2 ? $('rt-words').value : '' };
      try {
        await send(body);
        reset();
        done();
      } catch (e) { $('rt-err').textContent = e.message; }
    });
    return reset;
  }

  if (D.page === 'evaluator') {
    var pending = null;
    function speak(text) {
      try {
        if (window.speechSynthesis) {
          var u = new SpeechSynthesisUtterance(text); u.lang = 'zh-CN';
          window.speechSynthesis.speak(u);
        }
      } catch (e) { /* no voice: the screen still asks */ }
    }
    function show(state) {
      var c = state.clerk;
      var clerk = $('rt-clerk');
      clerk.textContent = '';
      if (c && c.name) {
        var name = document.createElement('strong'); name.id = 'rt-clerk-name'; name.textContent = c.name;
        var no = document.createElement('span'); no.id = 'rt-clerk-no'; no.textContent = c.staff_no || '';
        clerk.appendChild(name); clerk.appendChild(document.createTextNode(' · ' + T.staff_no + ' ')); clerk.appendChild(no);
      } else {
        clerk.textContent = T.clerk_none;
      }
      var p = state.pending;
      var fresh = p && (!pending || pending.ticket !== p.ticket);
      pending = p;
      $('rt-box').hidden = !p;
      $('rt-ask').textContent = p ? T.prompt : T.waiting;
      $('rt-ticket').textContent = p ? (T.ticket + ' ' + p.ticket + ' · ' + p.service_name) : '';
      if (fresh) { $('rt-ok').textContent = ''; speak(T.prompt); }
    }
    async function refresh() {
      try { show(await Linli.api('GET', '/api/ratings/evaluator')); } catch (e) { /* try again on the next event or poll */ }
    }
    var reset = ratingForm(function (body) {
      body.ticket = pending ? pending.ticket : '';
      return Linli.api('POST', '/api/ratings/evaluator/rate', body);
    }, function () { $('rt-ok').textContent = T.thanks; pending = null; $('rt-box').hidden = true; $('rt-ticket').textContent = ''; $('rt-ask').textContent = T.waiting; });
    show(D.state);
    // The queue's finish reaches this plugin first, then `ratings.pending`;
    // a poll every 15 s covers a missed event.
    Linli.events(['ratings.', 'queue.finished'], function (ev) {
      if (ev.payload && String(ev.payload.window) === String(D.window)) refresh();
    });
    setInterval(refresh, 15000);
    void reset;
  }

  if (D.page === 'resident') {
    ratingForm(function (body) {
      return Linli.api('POST', '/api/ratings/t/' + encodeURIComponent(D.token), body);
    }, function () { $('rt-form').hidden = true; $('rt-ok').textContent = T.thanks; });
  }

  if (D.page === 'cases') {
    document.querySelectorAll('[data-act]').forEach(function (b) {
      b.addEventListener('click', async function () {
        var id = b.getAttribute('data-case'), act = b.getAttribute('data-act');
        var field = function (f) { var el = document.querySelector('[data-field="' + f + '"][data-case="' + id + '"]'); return el ? el.value : ''; };
        var err = document.querySelector('[data-err="' + id + '"]');
        err.textContent = '';
        var path = act, body = {};
        if (act === 'fix') body = { text: field('fix') };
        else if (act === 'callback') body = { result: field('callback'), note: field('callback-note') };
        else if (act === 'appeal') body = { text: field('appeal') };
        else if (act === 'uphold' || act === 'reject') { path = 'decide'; body = { uphold: act === 'uphold', note: field('decide') }; }
        else if (act === 'close' && !window.confirm(T.confirm_close)) return;
        try {
          await Linli.api('POST', '/api/ratings/cases/' + id + '/' + path, body);
          location.reload();
        } catch (e) { err.textContent = e.message; }
      });
    });
  }

  if (D.page === 'admin') {
    $('rt-settings').addEventListener('submit', async function (ev) {
      ev.preventDefault();
      $('rt-err').textContent = ''; $('rt-status').textContent = '';
      var body = {};
      this.querySelectorAll('input[type=number]').forEach(function (i) { body[i.name] = parseInt(i.value, 10); });
      try {
        await Linli.api('POST', '/api/ratings/config', body);
        $('rt-status').textContent = T.done;
      } catch (e) { $('rt-err').textContent = e.message; }
    });
  }
})();
