// Linli page helpers: API calls with the CSRF token, and live events over
// Server-Sent Events (the browser resumes from the last event id by itself).
(function () {
  function csrf() {
    var m = document.querySelector('meta[name="csrf"]');
    return m ? m.getAttribute('content') : '';
  }
  async function api(method, url, body) {
    var opts = { method: method, headers: { 'Accept': 'application/json' }, credentials: 'same-origin' };
    if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    if (method !== 'GET') opts.headers['X-CSRF-Token'] = csrf();
    var r = await fetch(url, opts);
    var text = await r.text();
    var data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = { raw: text }; }
    if (!r.ok) {
      var zh = document.documentElement.lang !== 'en';
      var msg = data && data.error ? (zh ? data.error.message_zh : data.error.message_en) : ('HTTP ' + r.status);
      var err = new Error(msg); err.status = r.status; err.data = data; throw err;
    }
    return data;
  }
  function events(topics, onEvent) {
    var es = new EventSource('/api/events?topics=' + encodeURIComponent(topics.join(',')));
    es.onmessage = function (m) { try { onEvent(JSON.parse(m.data)); } catch (e) { console.error(e); } };
    return es;
  }
  window.Linli = { api: api, events: events, csrf: csrf, zh: function () { return document.documentElement.lang !== 'en'; } };

  // A kiosk (the host marks its pages with data-kiosk-idle) left untouched:
  // a warning with a countdown, then what was typed is gone and the kiosk is
  // back on the page it started on, so the next resident never sees the
  // last one's ID number, phone or result. A page that resets itself (the
  // queue's kiosk) says so with data-kiosk-self-reset.
  function kioskIdle() {
    var body = document.body, secs = parseInt(body && body.dataset.kioskIdle, 10);
    if (!secs) return;
    var zh = document.documentElement.lang !== 'en', home = location.pathname + location.search;
    try {
      var kept = sessionStorage.getItem('linli-kiosk-home');
      if (kept) home = kept; else sessionStorage.setItem('linli-kiosk-home', home);
    } catch (e) { /* private mode: this page is the start */ }
    if (document.querySelector('[data-kiosk-self-reset]')) return;
    var warnFor = Math.min(15, Math.max(3, Math.floor(secs / 3)));
    var timer = null, tick = null, overlay = null, changed = false;
    var main = document.querySelector('main');
    if (main && window.MutationObserver) {
      new MutationObserver(function () { changed = true; }).observe(main, { childList: true, subtree: true, characterData: true });
    }
    function typed() {
      return Array.prototype.some.call(document.querySelectorAll('input, textarea, select'), function (f) {
        if (f.type === 'hidden' || f.type === 'submit' || f.type === 'button') return false;
        if (f.type === 'checkbox' || f.type === 'radio') return f.checked !== f.defaultChecked;
        if (f.tagName === 'SELECT') return Array.prototype.some.call(f.options, function (o) { return o.selected !== o.defaultSelected; });
        if (f.type === 'file') return f.files && f.files.length > 0;
        return f.value !== f.defaultValue;
      });
    }
    function clearAndGoHome() {
      document.querySelectorAll('form').forEach(function (f) { try { f.reset(); } catch (e) {} });
      document.querySelectorAll('input, textarea').forEach(function (f) { if (f.type !== 'hidden' && f.type !== 'submit' && f.type !== 'button') f.value = ''; });
      location.replace(home);
    }
    function hide() {
      clearInterval(tick);
      if (overlay) { overlay.remove(); overlay = null; }
    }
    function warn() {
      if (location.pathname + location.search === home && !typed() && !changed) return arm();
      var left = warnFor;
      overlay = document.createElement('div');
      overlay.className = 'kiosk-idle';
      overlay.setAttribute('role', 'alertdialog');
      var box = document.createElement('div'), text = document.createElement('p'), go = document.createElement('button');
      box.appendChild(text); box.appendChild(go); overlay.appendChild(box);
      go.className = 'primary';
      go.textContent = zh ? '继续操作' : 'Continue';
      function say() { text.textContent = zh ? ('您还在操作吗？' + left + ' 秒后将清除已填写的内容并返回首页。') : ('Still there? In ' + left + ' s what was entered is cleared and the kiosk starts over.'); }
      say();
      document.body.appendChild(overlay);
      tick = setInterval(function () { left -= 1; if (left <= 0) { hide(); clearAndGoHome(); } else say(); }, 1000);
    }
    function arm() { clearTimeout(timer); timer = setTimeout(warn, (secs - warnFor) * 1000); }
    function touched() { hide(); arm(); }
    ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart'].forEach(function (t) { document.addEventListener(t, touched, true); });
    arm();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', kioskIdle); else kioskIdle();
  // The top bar's menus close when one clicks elsewhere or presses Escape.
  function closeMenus(except) {
    document.querySelectorAll('details.menu[open]').forEach(function (d) { if (d !== except) d.open = false; });
  }
  document.addEventListener('click', function (e) { closeMenus(e.target.closest ? e.target.closest('details.menu') : null); });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') closeMenus(null); });
})();
