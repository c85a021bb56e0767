// A plugin's settings form (linli_sdk::settings_page), built from the
// settings in force and the plugin's description of its fields: lists of
// rows (categories…; a row may hold lists of its own, e.g. an item's time
// slots), and titled cards of plain fields (dotted paths:
// "deadlines.complaint"), each with a label and a line explaining it.
// Saving sends the whole sections as JSON to the plugin's settings API and
// shows each problem the plugin names beside its field.
(function () {
  var D = JSON.parse(document.getElementById('linli-settings-data').textContent);
  var root = document.getElementById('linli-settings');
  var cfg = D.config || {};
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function get(path) { return path.split('.').reduce(function (o, k) { return o === undefined || o === null ? undefined : o[k]; }, cfg); }
  function field(value, f, path) {
    var wrap = el('div', 'ls-field'); wrap.dataset.path = path; wrap.dataset.key = f.key;
    var id = 'ls-' + (path || f.key + '-' + Math.random().toString(36).slice(2)).replace(/[^a-z0-9]/gi, '-');
    var label = el('label', null, f.label); label.htmlFor = id;
    var input = el('input'); input.id = id; input.type = f.kind === 'list' ? 'text' : f.kind; input.dataset.key = f.key; input.dataset.kind = f.kind;
    if (f.min !== undefined && f.min !== null) input.min = f.min;
    if (f.max !== undefined && f.max !== null) input.max = f.max;
    if (f.kind === 'checkbox') input.checked = !!value;
    else if (f.kind === 'list') input.value = (Array.isArray(value) ? value : []).join('，');
    else input.value = value === undefined || value === null ? '' : value;
    wrap.appendChild(label); wrap.appendChild(input);
    if (f.help) wrap.appendChild(el('span', 'ls-help', f.help));
    wrap.appendChild(el('span', 'ls-err'));
    return wrap;
  }
  // A list is typed with commas (Chinese or English), enumeration commas,
  // semicolons or spaces; an empty number is sent as null so the plugin
  // names the field (or, for a whole setting, goes back to the default)
  // instead of reading 0.
  function value(i) {
    var k = i.dataset.kind;
    if (k === 'checkbox') return i.checked;
    if (k === 'number') return i.value.trim() === '' ? null : Number(i.value);
    if (k === 'list') return i.value.split(/[,，、;；\s]+/).filter(function (s) { return s; });
    return i.value;
  }
  // One list's box: its rows, the add button, the catalogue picker. Returns
  // collect(path): the rows as sent, each field's data-path set to where
  // it is sent (rows may have been removed or added since the page was
  // drawn), so a problem with items[1].days_ahead goes beside the second
  // item on screen.
  function listBox(l, values, top) {
    var box = el(top ? 'section' : 'div', top ? 'card' : 'ls-sub');
    box.appendChild(el(top ? 'h2' : 'h3', null, l.title));
    if (l.help) box.appendChild(el('p', 'ls-help', l.help));
    var rows = el('div'); box.appendChild(rows);
    function row(item) {
      var r = el('div', 'ls-row'); r._subs = [];
      if (l.row_title) r.appendChild(el('h3', null, l.row_title.text + ' ' + (item[l.row_title.key] || '')));
      l.fields.forEach(function (f) { r.appendChild(field(item[f.key], f, '')); });
      (l.lists || []).forEach(function (sub) { var b = listBox(sub, item[sub.key] || [], false); r._subs.push({ key: sub.key, collect: b.collect }); r.appendChild(b.el); });
      var rm = el('button', null, l.remove); rm.type = 'button';
      rm.addEventListener('click', function () { r.remove(); });
      r.appendChild(rm);
      rows.appendChild(r);
    }
    (values || []).forEach(row);
    var p = el('p');
    var add = el('button', null, l.add); add.type = 'button';
    add.addEventListener('click', function () { row(JSON.parse(JSON.stringify(l.new_row || {}))); });
    p.appendChild(add); box.appendChild(p);
    var c = l.catalogue;
    if (c && Array.isArray(c.entries)) {
      var have = (values || []).map(function (v) { return v[c.key]; });
      var left = c.entries.filter(function (e) { return have.indexOf(e.row[c.key]) < 0; });
      if (left.length) {
        var cp = el('p'), sid = 'ls-cat-' + l.key.replace(/[^a-z0-9]/gi, '-');
        var lab = el('label', null, c.label); lab.htmlFor = sid;
        var sel = el('select'); sel.id = sid;
        left.forEach(function (e, n) { var o = el('option', null, e.label); o.value = String(n); sel.appendChild(o); });
        var go = el('button', null, c.add); go.type = 'button';
        go.addEventListener('click', function () { var e = left[Number(sel.value)]; if (e) row(Object.assign(JSON.parse(JSON.stringify(l.new_row || {})), e.row)); });
        cp.appendChild(lab); cp.appendChild(sel); cp.appendChild(document.createTextNode(' ')); cp.appendChild(go); box.appendChild(cp);
      }
    } else if (c && c.hint) {
      box.appendChild(el('p', 'ls-help', c.hint));
    }
    box.appendChild(el('span', 'ls-err'));
    function collect(path) {
      box.dataset.path = path;
      return Array.prototype.map.call(rows.children, function (r, n) {
        var item = {}, at = path + '[' + n + ']';
        r.querySelectorAll(':scope > .ls-field').forEach(function (w) {
          w.dataset.path = at + '.' + w.dataset.key;
          item[w.dataset.key] = value(w.querySelector(':scope > input'));
        });
        r._subs.forEach(function (s) { item[s.key] = s.collect(at + '.' + s.key); });
        return item;
      });
    }
    return { el: box, collect: collect };
  }
  var lists = (D.lists || []).map(function (l) {
    var b = listBox(l, get(l.key) || [], true);
    root.appendChild(b.el);
    return { key: l.key, collect: b.collect };
  });
  // Older data (one card of plain fields) still reads.
  var sections = D.sections || (D.fields && D.fields.length ? [{ title: D.rules, fields: D.fields }] : []);
  var plain = [];
  sections.forEach(function (s) {
    var card = el('section', 'card'); card.appendChild(el('h2', null, s.title));
    s.fields.forEach(function (f) { card.appendChild(field(get(f.key), f, f.key)); plain.push(f); });
    root.appendChild(card);
  });
  function collect() {
    var out = {};
    lists.forEach(function (l) { out[l.key] = l.collect(l.key); });
    plain.forEach(function (f) {
      var i = root.querySelector('[data-path="' + f.key + '"] > input');
      var parts = f.key.split('.');
      var o = out;
      for (var k = 0; k < parts.length - 1; k++) { o[parts[k]] = o[parts[k]] || {}; o = o[parts[k]]; }
      o[parts[parts.length - 1]] = value(i);
    });
    return out;
  }
  function showProblems(ps) {
    root.querySelectorAll('.ls-err').forEach(function (e) { e.textContent = ''; });
    // A problem goes beside its own field, or, when it names a part of one
    // (carriers[2] of a list typed with commas), beside the nearest field
    // or list that holds it.
    (ps || []).forEach(function (p) {
      var path = String(p.path).replace(/"/g, ''), w = null;
      while (path && !(w = root.querySelector('[data-path="' + path + '"] > .ls-err'))) {
        var shorter = path.replace(/(\[\d+\]|\.[^.\[]*|^[^.\[]*)$/, '');
        path = shorter === path ? '' : shorter;
      }
      if (!w) w = document.getElementById('linli-settings-err');
      var msg = D.en ? p.en : p.zh;
      w.textContent = w.textContent ? w.textContent + ' ' + msg : msg;
    });
  }
  collect(); // numbers every row's fields before the first problems are shown
  showProblems(D.problems);
  document.getElementById('linli-settings-save').addEventListener('click', async function () {
    var out = collect();
    var status = document.getElementById('linli-settings-status');
    var err = document.getElementById('linli-settings-err');
    status.textContent = ''; err.textContent = '';
    try {
      await Linli.api('POST', D.api, out);
      showProblems([]);
      status.textContent = D.saved;
    } catch (e) {
      err.textContent = e.message;
      showProblems(e.data && e.data.error && e.data.error.fields);
    }
  });
})();
