// The settings form, built from the settings in force: the categories (a
// row each) and the plain fields the page lists, every one with a label
// and a line explaining it; saving sends them as JSON and shows each
// problem the plugin names beside its field.
(function () {
  var D = JSON.parse(document.getElementById('ac-data').textContent);
  var en = D.en;
  var tr = function (zh, e) { return en ? e : zh; };
  var root = document.getElementById('ac-admin');
  var cfg = D.config;
  var CAT = [
    ['code', 'text', tr('类别编号', 'Category code'), tr('小写字母、数字或短横线；筛选和统计用它，已用过的编号不要改。', 'Lower-case letters, digits or dashes; filters use it, so keep codes already in use.')],
    ['name_zh', 'text', tr('中文名称', 'Chinese name'), tr('居民看到的名称。', 'The name residents see.')],
    ['name_en', 'text', tr('英文名称', 'English name'), tr('英文界面显示的名称。', 'The name on the English pages.')]
  ];
  function field(value, f, path) {
    var wrap = document.createElement('div'); wrap.className = 'ac-field'; wrap.dataset.path = path;
    var id = 'f-' + path.replace(/[^a-z0-9]/gi, '-');
    var label = document.createElement('label'); label.htmlFor = id; label.textContent = f[2];
    var input = document.createElement('input'); input.id = id; input.type = f[1]; input.dataset.key = f[0]; input.dataset.kind = f[1];
    if (f[1] === 'checkbox') input.checked = !!value; else input.value = value === undefined || value === null ? '' : value;
    wrap.appendChild(label); wrap.appendChild(input);
    if (f[3]) { var h = document.createElement('span'); h.className = 'ac-help'; h.textContent = f[3]; wrap.appendChild(h); }
    var e = document.createElement('span'); e.className = 'ac-err'; wrap.appendChild(e);
    return wrap;
  }
  var cats = document.createElement('section'); cats.className = 'card';
  var h = document.createElement('h2'); h.textContent = tr('类别', 'Categories'); cats.appendChild(h);
  var list = document.createElement('div'); cats.appendChild(list);
  function catRow(c, i) {
    var row = document.createElement('div'); row.className = 'ac-row ac-cat';
    CAT.forEach(function (f) { row.appendChild(field(c[f[0]], f, 'categories[' + i + '].' + f[0])); });
    var rm = document.createElement('button'); rm.type = 'button'; rm.textContent = tr('删除此类别', 'Remove this category');
    rm.addEventListener('click', function () { row.remove(); });
    row.appendChild(rm);
    list.appendChild(row);
  }
  (cfg.categories || []).forEach(catRow);
  var add = document.createElement('button'); add.type = 'button'; add.textContent = tr('添加类别', 'Add a category');
  add.addEventListener('click', function () { catRow({}, list.children.length); });
  cats.appendChild(add);
  root.appendChild(cats);
  var rules = document.createElement('section'); rules.className = 'card';
  var h2 = document.createElement('h2'); h2.textContent = tr('规则', 'Rules'); rules.appendChild(h2);
  D.fields.forEach(function (f) { rules.appendChild(field(cfg[f[0]], f, f[0])); });
  root.appendChild(rules);
  function value(i) { return i.dataset.kind === 'checkbox' ? i.checked : i.dataset.kind === 'number' ? Number(i.value) : i.value; }
  function showProblems(ps) {
    root.querySelectorAll('.ac-field .ac-err').forEach(function (e) { e.textContent = ''; });
    (ps || []).forEach(function (p) {
      var w = root.querySelector('[data-path="' + p.path.replace(/"/g, '') + '"] .ac-err');
      if (w) w.textContent = en ? p.en : p.zh;
    });
  }
  showProblems(D.problems);
  document.getElementById('ac-save').addEventListener('click', async function () {
    var out = { categories: [] };
    list.querySelectorAll('.ac-cat').forEach(function (row) {
      var c = {}; row.querySelectorAll('input').forEach(function (i) { c[i.dataset.key] = value(i); }); out.categories.push(c);
    });
    D.fields.forEach(function (f) { out[f[0]] = value(rules.querySelector('[data-path="' + f[0] + '"] input')); });
    var status = document.getElementById('ac-status');
    var err = document.getElementById('ac-err');
    status.textContent = ''; err.textContent = '';
    try {
      await Linli.api('POST', D.api, out);
      showProblems([]);
      status.textContent = tr('已保存', 'Saved');
    } catch (e) {
      err.textContent = e.message;
      showProblems(e.data && e.data.error && e.data.error.fields);
    }
  });
})();
