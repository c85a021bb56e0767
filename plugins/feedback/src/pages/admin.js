// The settings form, built from the effective settings: every field has a
// label and a line explaining it; saving sends the fields as JSON and
// shows each problem the plugin names beside its field.
(function () {
  var D = JSON.parse(document.getElementById('fb-data').textContent);
  var en = D.en;
  var tr = function (zh, e) { return en ? e : zh; };
  var root = document.getElementById('fb-admin');
  var cfg = D.config;
  var CAT = [
    ['code', 'text', tr('类别编号', 'Category code'), tr('小写字母、数字或短横线，如 attitude；统计和筛选用它，已用过的编号不要改。', 'Lower-case letters, digits or dashes, e.g. attitude; statistics and filters use it, so keep codes already in use.')],
    ['name_zh', 'text', tr('中文名称', 'Chinese name'), tr('居民在意见箱看到的名称。', 'The name residents see on the form.')],
    ['name_en', 'text', tr('英文名称', 'English name'), tr('英文界面显示的名称。', 'The name on the English pages.')]
  ];
  var FIELDS = [
    ['deadlines.complaint', 'number', tr('投诉答复时限（工作日）', 'Complaint reply deadline (working days)'), tr('从居民提交当天起算的工作日数（周末、节假日不算，调休上班日算），1 至 60。', 'Working days from the day it was sent (weekends and holidays skipped, make-up days counted), 1 to 60.')],
    ['deadlines.suggestion', 'number', tr('建议答复时限（工作日）', 'Suggestion reply deadline (working days)'), tr('同上，适用于建议。', 'The same, for suggestions.')],
    ['deadlines.praise', 'number', tr('表扬答复时限（工作日）', 'Praise reply deadline (working days)'), tr('同上，适用于表扬。', 'The same, for praise.')],
    ['reopen_days', 'number', tr('重新办理时限（工作日）', 'Deadline after reopening (working days)'), tr('居民不满意申请重新办理后，从当天起算的答复时限。', 'The new deadline, from the day a resident reopens a case.')],
    ['answer_days', 'number', tr('居民确认期限（工作日）', 'Time for the resident to answer (working days)'), tr('答复后居民在这些工作日内可以确认或重新办理；过期自动办结。', 'After the reply the resident may accept or reopen it within these working days; then it closes by itself.')],
    ['public_replies', 'checkbox', tr('允许公开答复', 'Allow published replies'), tr('主管可在隐去个人信息并核对后，把答复公开到“意见答复公开”页。', 'A supervisor may publish a reply on the public page after removing personal details and checking it.')],
    ['public_url', 'text', tr('大厅网址（二维码海报）', 'Hall address (QR poster)'), tr('居民手机能打开的大厅地址，如 http://192.168.1.10:8080；二维码海报指向它。通常留空：用“系统管理 → 大厅信息”中的对外地址；都未设置时用打开海报页时的地址。', 'The hall address residents\' phones can open, e.g. http://192.168.1.10:8080; the QR poster points there. Usually empty: the hall\'s public address from Administration → Hall settings; when neither is set, the address the poster page was opened at.')],
    ['notify_residents', 'checkbox', tr('短信通知实名居民', 'Text named residents'), tr('留了手机号的居民在受理和答复时收到短信。', 'Residents who left a phone get a message when it is received and when it is answered.')]
  ];
  function get(path) { return path.split('.').reduce(function (o, k) { return o ? o[k] : undefined; }, cfg); }
  function field(value, f, path) {
    var wrap = document.createElement('div'); wrap.className = 'fb-field'; wrap.dataset.path = path;
    var id = 'f-' + path.replace(/[^a-z0-9]/gi, '-');
    var label = document.createElement('label'); label.htmlFor = id; label.textContent = f[2];
    var input = document.createElement('input'); input.id = id; input.type = f[1]; input.dataset.key = f[0]; input.dataset.kind = f[1];
    if (f[1] === 'checkbox') input.checked = !!value; else input.value = value === undefined ? '' : value;
    wrap.appendChild(label); wrap.appendChild(input);
    if (f[3]) { var h = document.createElement('span'); h.className = 'fb-help'; h.textContent = f[3]; wrap.appendChild(h); }
    var err = document.createElement('span'); err.className = 'fb-err'; wrap.appendChild(err);
    return wrap;
  }
  var cats = document.createElement('section'); cats.className = 'card';
  var h = document.createElement('h2'); h.textContent = tr('类别', 'Categories'); cats.appendChild(h);
  var list = document.createElement('div'); cats.appendChild(list);
  function catRow(c, i) {
    var row = document.createElement('div'); row.className = 'fb-row fb-cat';
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
  var h2 = document.createElement('h2'); h2.textContent = tr('时限与答复', 'Deadlines and replies'); rules.appendChild(h2);
  FIELDS.forEach(function (f) { rules.appendChild(field(get(f[0]), f, f[0])); });
  root.appendChild(rules);
  function value(i) { return i.dataset.kind === 'checkbox' ? i.checked : i.dataset.kind === 'number' ? Number(i.value) : i.value; }
  function showProblems(ps) {
    root.querySelectorAll('.fb-field .fb-err').forEach(function (e) { e.textContent = ''; });
    (ps || []).forEach(function (p) {
      var w = root.querySelector('[data-path="' + p.path.replace(/"/g, '') + '"] .fb-err');
      if (w) w.textContent = en ? p.en : p.zh;
    });
  }
  showProblems(D.problems);
  document.getElementById('fb-save').addEventListener('click', async function () {
    var out = { categories: [], deadlines: {} };
    list.querySelectorAll('.fb-cat').forEach(function (row) {
      var c = {}; row.querySelectorAll('input').forEach(function (i) { c[i.dataset.key] = value(i); }); out.categories.push(c);
    });
    FIELDS.forEach(function (f) {
      var i = rules.querySelector('[data-path="' + f[0] + '"] input');
      var parts = f[0].split('.');
      if (parts.length === 2) out[parts[0]][parts[1]] = value(i); else out[f[0]] = value(i);
    });
    var status = document.getElementById('fb-status');
    var err = document.getElementById('fb-err');
    status.textContent = ''; err.textContent = '';
    try {
      await Linli.api('POST', '/api/feedback/config', out);
      showProblems([]);
      status.textContent = tr('已保存', 'Saved');
    } catch (e) {
      err.textContent = e.message;
      showProblems(e.data && e.data.error && e.data.error.fields);
    }
  });
})();
