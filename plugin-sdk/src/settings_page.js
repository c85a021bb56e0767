// A plugin's settings form (linli_sdk::settings_page), built from the
// settings in force and the plugin's description of its fields: lists of
// rows (categories…) and plain fields (dotted paths: "deadlines.complaint"),
// each with a label and a line explaining it. Saving sends the whole
// sections as JSON to the plugin's settings API and shows each problem the
// plugin names beside its field.
(function () {
  var D = JSON.parse(document.getElementById('linli-settings-data').textContent);
  var root = document.getElementById('linli-settings');
  var cfg = D.config || {};
  function get(path) { return path.split('.').reduce(function (o, k) { return o === undefined || o === null ? undefined : o[k]; }, cfg); }
  function field(value, f, path) {
    var wrap = document.createElement('div'); wrap.className = 'ls-field'; wrap.dataset.path = path;
    var id = 'ls-' + path.replace(/[^a-z0-9]/gi, '-');
    var label = document.createElement('label'); label.htmlFor = id; label.textContent = f.label;
    var input = document.createElement('input'); input.id = id; input.type = f.kind === 'list' ? 'text' : f.kind; input.dataset.key = f.key; input.dataset.kind = f.kind;
    if (f.min !== undefined && f.min !== null) input.min = f.min;
    if (f.max !== undefined && f.max !== null) input.max = f.max;
    if (f.kind === 'checkbox') input.checked = !!value;
    else if (f.kind === 'list') input.value = (Array.isArray(value) ? value : []).join('，');
    else input.value = value === undefined || value === null ? '' : value;
    wrap.appendChild(label); wrap.appendChild(input);
    if (f.help) { var h = document.createElement('span'); h.className = 'ls-help'; h.textContent = f.help; wrap.appendChild(h); }
    var e = document.createElement('span'); e.className = 'ls-err'; wrap.appendChild(e);
    return wrap;
  }
  // A list is typed with commas (Chinese or English), enumeration commas,
  // semicolons or spaces; an empty number is sent as null so the plugin
  // names the field instead of reading 0.
  function value(i) {
    var k = i.dataset.kind;
    if (k === 'checkbox') return i.checked;
    if (k === 'number') return i.value.trim() === '' ? null : Number(i.value);
    if (k === 'list') return i.value.split(/[,，、;；\s]+/).filter(function (s) { return s; });
    return i.value;
  }
  var lists = (D.lists || []).map(function (l) {
    var box = document.createElement('section'); box.className = 'card'; box.dataset.path = l.key;
    var h = document.createElement('h2'); h.textContent = l.title; box.appendChild(h);
    if (l.help) { var lh = document.createElement('p'); lh.className = 'ls-help'; lh.textContent = l.help; box.appendChild(lh); }
    var rows = document.createElement('div'); box.appendChild(rows);
    function row(item, i) {
      var r = document.createElement('div'); r.className = 'ls-row';
      l.fields.forEach(function (f) { r.appendChild(field(item[f.key], f, l.key + '[' + i + '].' + f.key)); });
      var rm = document.createElement('button'); rm.type = 'button'; rm.textContent = l.remove;
      rm.addEventListener('click', function () { r.remove(); });
      r.appendChild(rm);
      rows.appendChild(r);
    }
    (get(l.key) || []).forEach(row);
    var add = document.createElement('button'); add.type = 'button'; add.textContent = l.add;
    add.addEventListener('click', function () { row({}, rows.children.length); });
    box.appendChild(add);
    var le = document.createElement('span'); le.className = 'ls-err'; box.appendChild(le);
    root.appendChild(box);
    return { key: l.key, rows: rows };
  });
  var plain = document.createElement('section'); plain.className = 'card';
  if (D.fields && D.fields.length) {
    var h2 = document.createElement('h2'); h2.textContent = D.rules; plain.appendChild(h2);
    D.fields.forEach(function (f) { plain.appendChild(field(get(f.key), f, f.key)); });
    root.appendChild(plain);
  }
  function showProblems(ps) {
    root.querySelectorAll('.ls-err').forEach(function (e) { e.textContent = ''; });
    // A problem goes beside its own field, or, when it names a part of one
    // (carriers[2] of a list typed with commas), beside the nearest field
    // that holds it.
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
  showProblems(D.problems);
  document.getElementById('linli-settings-save').addEventListener('click', async function () {
    var out = {};
    lists.forEach(function (l) {
      out[l.key] = [];
      l.rows.querySelectorAll('.ls-row').forEach(function (r, n) {
        var item = {};
        r.querySelectorAll('input').forEach(function (i) {
          item[i.dataset.key] = value(i);
          // Rows may have been removed: number them as sent, so a problem
          // with items[1] goes beside the second row on screen.
          i.parentNode.dataset.path = l.key + '[' + n + '].' + i.dataset.key;
        });
        out[l.key].push(item);
      });
    });
    (D.fields || []).forEach(function (f) {
      var i = plain.querySelector('[data-path="' + f.key + '"] > input');
      var parts = f.key.split('.');
      var o = out;
      for (var k = 0; k < parts.length - 1; k++) { o[parts[k]] = o[parts[k]] || {}; o = o[parts[k]]; }
      o[parts[parts.length - 1]] = value(i);
    });
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
