// The settings form: one labelled field with its help line per setting,
// and the list setting as rows; a refused field's reason shown beside it.
(function () {
  var D = JSON.parse(document.getElementById('vo-data').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; };
  var form = $('vo-form'), L = D.list;
  D.fields.forEach(function (f) {
    var box = el('div', 'vo-field'); box.setAttribute('data-path', f.path);
    var id = 'f-' + f.path, lab = el('label', null, f.label); lab.htmlFor = id; box.appendChild(lab); box.appendChild(el('br'));
    var inp = el('input'); inp.id = id;
    if (f.type === 'bool') { inp.type = 'checkbox'; inp.checked = !!D.config[f.path]; }
    else { inp.type = f.type === 'int' ? 'number' : 'text'; inp.value = D.config[f.path] == null ? '' : D.config[f.path]; }
    box.appendChild(inp); box.appendChild(el('span', 'vo-help', f.help)); box.appendChild(el('span', 'vo-err'));
    form.appendChild(box);
  });
  var lbox = el('div', 'vo-field'); lbox.setAttribute('data-path', L.path);
  lbox.appendChild(el('h3', null, L.label)); lbox.appendChild(el('span', 'vo-help', L.help));
  var table = el('table'), head = el('tr'); L.columns.forEach(function (c) { head.appendChild(el('th', null, c.label)); }); head.appendChild(el('th'));
  table.appendChild(head); lbox.appendChild(table);
  function addRow(v) {
    var tr = el('tr');
    L.columns.forEach(function (c) { var td = el('td'), i = el('input'); i.value = v[c.key] || ''; i.setAttribute('data-key', c.key); i.setAttribute('aria-label', c.label); td.appendChild(i); tr.appendChild(td); });
    var td = el('td'), b = el('button', '', L.remove); b.type = 'button'; b.addEventListener('click', function () { tr.remove(); }); td.appendChild(b); tr.appendChild(td);
    table.appendChild(tr);
  }
  (D.config[L.path] || []).forEach(addRow);
  var add = el('button', '', L.add); add.type = 'button'; add.addEventListener('click', function () { addRow({}); }); lbox.appendChild(add);
  lbox.appendChild(el('span', 'vo-err')); form.appendChild(lbox);
  function showProblems(list) {
    document.querySelectorAll('[data-path] > .vo-err').forEach(function (e) { e.textContent = ''; });
    (list || []).forEach(function (p) {
      var root = p.path.split(/[.\[]/)[0];
      var box = document.querySelector('[data-path="' + root + '"] > .vo-err');
      if (box) box.textContent = (box.textContent ? box.textContent + ' ' : '') + (p.path !== root ? p.path + ': ' : '') + (document.documentElement.lang === 'en' ? p.en : p.zh);
    });
  }
  showProblems(D.problems);
  $('vo-save').addEventListener('click', async function () {
    $('vo-err').textContent = ''; $('vo-status').textContent = '';
    var patch = {};
    D.fields.forEach(function (f) {
      var i = $('f-' + f.path);
      patch[f.path] = f.type === 'bool' ? i.checked : f.type === 'int' ? (i.value === '' ? null : Number(i.value)) : i.value;
    });
    patch[L.path] = Array.prototype.slice.call(table.querySelectorAll('tr')).slice(1).map(function (tr) {
      var o = {}; tr.querySelectorAll('input').forEach(function (i) { o[i.getAttribute('data-key')] = i.value.trim(); }); return o;
    });
    try { await Linli.api('POST', D.api, patch); showProblems([]); $('vo-status').textContent = D.saved; }
    catch (e) {
      $('vo-err').textContent = e.message;
      showProblems(e.data && e.data.error && e.data.error.fields);
    }
  });
})();
