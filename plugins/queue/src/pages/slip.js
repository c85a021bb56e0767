// The printed slip, built with DOM calls from the plain texts the server
// sends (`slip` in an issue answer): no server-built markup is parsed.
(function () {
  var SVG = 'http://www.w3.org/2000/svg';
  function row(cls, text) {
    var d = document.createElement('div');
    d.className = cls;
    d.textContent = text == null ? '' : String(text);
    return d;
  }
  function qr(q) {
    var s = document.createElementNS(SVG, 'svg');
    s.setAttribute('viewBox', '0 0 ' + q.size + ' ' + q.size);
    s.setAttribute('width', '120');
    s.setAttribute('height', '120');
    s.setAttribute('shape-rendering', 'crispEdges');
    s.setAttribute('role', 'img');
    s.setAttribute('aria-label', document.documentElement.lang === 'en' ? 'QR code' : '二维码');
    var bg = document.createElementNS(SVG, 'rect');
    bg.setAttribute('width', q.size); bg.setAttribute('height', q.size); bg.setAttribute('fill', '#fff');
    var p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', q.path); p.setAttribute('fill', '#000');
    s.appendChild(bg); s.appendChild(p);
    return s;
  }
  // Replace the contents of `into` with the slip.
  function build(into, s) {
    while (into.firstChild) into.removeChild(into.firstChild);
    if (!s) return;
    var slip = document.createElement('div');
    slip.className = 'q-slip w' + (s.paper === 58 ? '58' : '80');
    slip.appendChild(row('row', s.hall));
    slip.appendChild(row('svc', s.service));
    slip.appendChild(row('num', s.label));
    slip.appendChild(row('row', s.line));
    slip.appendChild(row('row', s.time));
    if (s.qr && s.qr.path) slip.appendChild(qr(s.qr));
    slip.appendChild(row('row', s.scan));
    if (s.flag) slip.appendChild(row('row', s.flag));
    into.appendChild(slip);
  }
  window.QueueSlip = { build: build };
})();
