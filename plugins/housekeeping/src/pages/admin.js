// The settings form, built from the settings in force: every field has a
// label and a line explaining it (never raw JSON); a list is typed with
// commas; saving sends the fields and shows each problem beside its field.
(function () {
  var D = JSON.parse(document.getElementById('hk-data').textContent);
  var form = document.getElementById('hk-admin');
  D.fields.forEach(function (f) {
    var wrap = document.createElement('div'); wrap.className = 'hk-field'; wrap.dataset.path = f[0];
    var label = document.createElement('label'); label.htmlFor = 'f-' + f[0]; label.textContent = f[2];
    var input = document.createElement('input'); input.id = 'f-' + f[0]; input.dataset.key = f[0]; input.dataset.kind = f[1];
    input.type = f[1] === 'number' ? 'number' : 'text';
    var v = D.config[f[0]];
    input.value = f[1] === 'list' ? (v || []).join('，') : (v === undefined ? '' : v);
    var help = document.createElement('span'); help.className = 'hk-help'; help.textContent = f[3];
    var err = document.createElement('span'); err.className = 'hk-err';
    wrap.appendChild(label); wrap.appendChild(input); wrap.appendChild(help); wrap.appendChild(err);
    form.appendChild(wrap);
  });
  function show(problems) {
    form.querySelectorAll('.hk-field .hk-err').forEach(function (e) { e.textContent = ''; });
    (problems || []).forEach(function (p) {
      var key = String(p.path).split(/[.\[]/)[0];
      var box = form.querySelector('[data-path="' + key + '"] .hk-err');
      if (box) box.textContent += (Linli.zh() ? p.zh : p.en) + ' ';
    });
  }
  show(D.problems);
  document.getElementById('hk-save').addEventListener('click', async function () {
    var out = {};
    form.querySelectorAll('input').forEach(function (i) {
      var k = i.dataset.kind;
      out[i.dataset.key] = k === 'number' ? Number(i.value) : k === 'list' ? i.value.split(/[,，、;；\s]+/).filter(function (s) { return s; }) : i.value;
    });
    document.getElementById('hk-err').textContent = ''; document.getElementById('hk-status').textContent = '';
    try {
      await Linli.api('POST', D.api, out);
      show([]);
      document.getElementById('hk-status').textContent = D.saved;
    } catch (e) {
      document.getElementById('hk-err').textContent = e.message;
      show(e.data && e.data.error && e.data.error.fields);
    }
  });
})();
