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
})();
