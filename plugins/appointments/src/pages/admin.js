// The settings form, built from the effective settings: every field has a
// label and a line explaining it; saving sends the sections as JSON and
// shows each problem the plugin names beside its field.
(function () {
  var D = JSON.parse(document.getElementById('ap-data').textContent);
  var en = D.en;
  var tr = function (zh, e) { return en ? e : zh; };
  var root = document.getElementById('ap-admin');
  var cfg = D.config;
  var ITEM = [
    ['code', 'text', tr('事项编号', 'Item code'), tr('小写字母、数字或短横线，如 dibao；与办事指南的事项编号一致。', 'Lower-case letters, digits or dashes, e.g. dibao; the same as the guide\'s item code.')],
    ['name_zh', 'text', tr('中文名称', 'Chinese name'), tr('居民在预约页看到的名称。', 'The name residents see on the booking page.')],
    ['name_en', 'text', tr('英文名称', 'English name'), tr('英文界面显示的名称。', 'The name on the English pages.')],
    ['queue_service', 'text', tr('排队业务编号', 'Queue service'), tr('签到后在哪个排队业务出预约号，如 A。', 'The queue service the appointment ticket is issued for, e.g. A.')],
    ['days_ahead', 'number', tr('可提前预约的工作日数', 'Working days ahead'), tr('1 至 5；按工作日日历计算（周末、节假日不算，调休上班日算）。', '1 to 5, counted on the working-day calendar (weekends and holidays skipped, make-up days counted).')],
    ['release_time', 'time', tr('每日放号时间', 'Daily release time'), tr('最远一天的号源每天这个时间放出，如 08:00。', 'When the furthest day opens each day, e.g. 08:00.')],
    ['walk_in_percent', 'number', tr('现场号比例（%）', 'Walk-in share (%)'), tr('每个时段留给现场取号的比例（向上取整），预约不会占用。', 'The share of each slot (rounded up) kept for walk-ins; booking never takes it.')],
    ['cancel_hours', 'number', tr('改约/取消时限（小时）', 'Move/cancel limit (hours)'), tr('预约时间前多少小时之前可以改约或取消。', 'A booking can be moved or cancelled until this many hours before.')]
  ];
  var SLOT = [
    ['start', 'time', tr('开始', 'Start'), ''],
    ['end', 'time', tr('结束', 'End'), ''],
    ['capacity', 'number', tr('容量（人）', 'Capacity'), tr('该时段窗口能接待的人数（含现场号）。', 'Residents the windows can serve in the slot, walk-ins included.')]
  ];
  var GROUPS = [
    ['no_show', tr('爽约规则', 'No-show rule'), [
      ['limit', 'number', tr('未到次数', 'No-shows'), tr('统计期内预约未到达到这个次数即暂停预约；0 表示不限制。', 'This many missed appointments within the period pause booking; 0 turns the rule off.')],
      ['within_days', 'number', tr('统计天数', 'Counting period (days)'), tr('往前统计多少天内的未到次数。', 'How many days back the no-shows are counted.')],
      ['ban_days', 'number', tr('暂停预约天数', 'Pause (days)'), tr('暂停预约多少天；主管可在代办预约页解除。', 'How long booking is paused; a supervisor can lift it on the booking desk page.')]
    ]],
    ['check_in', tr('签到时间', 'Check-in limits'), [
      ['early_minutes', 'number', tr('最早提前（分钟）', 'Earliest (minutes before)'), tr('预约开始前多少分钟起可以签到。', 'Check-in opens this many minutes before the slot.')],
      ['late_minutes', 'number', tr('最晚迟到（分钟）', 'Latest (minutes after)'), tr('开始后多少分钟内仍可签到；超过即记为未到。', 'Check-in closes this many minutes after the slot starts; later counts as a no-show.')]
    ]],
    ['reminders', tr('提醒', 'Reminders'), [
      ['day_before_at', 'time', tr('前一天提醒时间', 'Day-before reminder at'), tr('前一天从这个时间起发短信提醒；留空不提醒。', 'The day before, a message is sent from this time; empty for none.')],
      ['hour_before', 'checkbox', tr('提前一小时提醒', 'Reminder an hour before'), tr('预约开始前一小时再提醒一次。', 'Another message an hour before the slot.')]
    ]]
  ];
  function field(obj, f, path) {
    var wrap = document.createElement('div'); wrap.className = 'ap-field'; wrap.dataset.path = path;
    var id = 'f-' + path.replace(/[^a-z0-9]/gi, '-');
    var label = document.createElement('label'); label.htmlFor = id; label.textContent = f[2];
    var input = document.createElement('input'); input.id = id; input.type = f[1]; input.dataset.key = f[0]; input.dataset.kind = f[1];
    if (f[1] === 'checkbox') input.checked = !!obj[f[0]]; else input.value = obj[f[0]] === undefined ? '' : obj[f[0]];
    wrap.appendChild(label); wrap.appendChild(input);
    if (f[3]) { var h = document.createElement('span'); h.className = 'ap-help'; h.textContent = f[3]; wrap.appendChild(h); }
    var err = document.createElement('span'); err.className = 'ap-err'; wrap.appendChild(err);
    return wrap;
  }
  function read(box) {
    var o = {};
    box.querySelectorAll(':scope > .ap-row > .ap-field > input, :scope > .ap-field > input').forEach(function (i) {
      o[i.dataset.key] = i.dataset.kind === 'checkbox' ? i.checked : i.dataset.kind === 'number' ? Number(i.value) : i.value;
    });
    return o;
  }
  function slotRow(box, s, path) {
    var row = document.createElement('div'); row.className = 'ap-row ap-slotrow';
    SLOT.forEach(function (f) { row.appendChild(field(s, f, path + '.' + f[0])); });
    var del = document.createElement('button'); del.type = 'button'; del.textContent = tr('删除时段', 'Remove slot');
    del.onclick = function () { row.remove(); };
    row.appendChild(del); box.appendChild(row);
  }
  function itemBox(it, i) {
    var sec = document.createElement('section'); sec.className = 'card ap-item';
    var h = document.createElement('h2'); h.textContent = tr('可预约事项', 'Bookable item') + ' ' + (it.name_zh || ''); sec.appendChild(h);
    var row = document.createElement('div'); row.className = 'ap-row';
    ITEM.forEach(function (f) { row.appendChild(field(it, f, 'items[' + i + '].' + f[0])); });
    sec.appendChild(row);
    var sh = document.createElement('h3'); sh.textContent = tr('时段', 'Slots'); sec.appendChild(sh);
    var slots = document.createElement('div'); slots.className = 'ap-slots'; sec.appendChild(slots);
    (it.slots || []).forEach(function (s, j) { slotRow(slots, s, 'items[' + i + '].slots[' + j + ']'); });
    var add = document.createElement('button'); add.type = 'button'; add.textContent = tr('添加时段', 'Add a slot');
    add.onclick = function () { slotRow(slots, { start: '', end: '', capacity: 4 }, 'items[' + i + '].slots[new]'); };
    var del = document.createElement('button'); del.type = 'button'; del.textContent = tr('删除此事项', 'Remove this item');
    del.onclick = function () { sec.remove(); };
    var p = document.createElement('p'); p.appendChild(add); p.appendChild(document.createTextNode(' ')); p.appendChild(del); sec.appendChild(p);
    return sec;
  }
  var items = document.createElement('div'); items.id = 'ap-items'; root.appendChild(items);
  (cfg.items || []).forEach(function (it, i) { items.appendChild(itemBox(it, i)); });
  var addItem = document.createElement('button'); addItem.type = 'button'; addItem.textContent = tr('添加可预约事项', 'Add a bookable item');
  addItem.onclick = function () { items.appendChild(itemBox({ days_ahead: 5, release_time: '08:00', walk_in_percent: 25, cancel_hours: 2, slots: [] }, items.children.length)); };
  root.appendChild(addItem);
  // Items of the guides (办事指南) not bookable yet, to add with their code and names.
  if (Array.isArray(D.guides)) {
    var have = (cfg.items || []).map(function (i) { return i.code; });
    var left = D.guides.filter(function (g) { return have.indexOf(g.code) < 0; });
    if (left.length) {
      var p = document.createElement('p');
      var lab = document.createElement('label'); lab.htmlFor = 'ap-from-guide'; lab.textContent = tr('从办事指南添加事项：', 'Add an item from the guides: ');
      var sel = document.createElement('select'); sel.id = 'ap-from-guide';
      left.forEach(function (g) { var o = document.createElement('option'); o.value = g.code; o.textContent = en ? g.name_en : g.name; sel.appendChild(o); });
      var go = document.createElement('button'); go.type = 'button'; go.textContent = tr('添加', 'Add');
      go.onclick = function () {
        var g = left.filter(function (x) { return x.code === sel.value; })[0];
        items.appendChild(itemBox({ code: g.code, name_zh: g.name, name_en: g.name_en, queue_service: '', days_ahead: 5, release_time: '08:00', walk_in_percent: 25, cancel_hours: 2, slots: [] }, items.children.length));
      };
      p.appendChild(lab); p.appendChild(sel); p.appendChild(document.createTextNode(' ')); p.appendChild(go); root.appendChild(p);
    }
  } else {
    var hint = document.createElement('p'); hint.className = 'ap-help';
    hint.textContent = tr('提示：在插件管理页允许本插件调用“办事指南”后，可在这里直接添加指南中的事项。', 'Tip: allow this plugin to call the guides plugin on the plugins page to add the guides\' items here.');
    root.appendChild(hint);
  }
  GROUPS.forEach(function (g) {
    var sec = document.createElement('section'); sec.className = 'card'; sec.dataset.group = g[0];
    var h = document.createElement('h2'); h.textContent = g[1]; sec.appendChild(h);
    g[2].forEach(function (f) { sec.appendChild(field(cfg[g[0]] || {}, f, g[0] + '.' + f[0])); });
    root.appendChild(sec);
  });
  var readRow = function (r) { var o = {}; r.querySelectorAll('input').forEach(function (i) { o[i.dataset.key] = i.dataset.kind === 'number' ? Number(i.value) : i.value; }); return o; };
  var collect = function () {
    var out = { items: [] };
    items.querySelectorAll(':scope > .ap-item').forEach(function (sec) {
      var it = {};
      sec.querySelectorAll(':scope > .ap-row > .ap-field > input').forEach(function (i) { it[i.dataset.key] = i.dataset.kind === 'number' ? Number(i.value) : i.value; });
      it.slots = [];
      sec.querySelectorAll('.ap-slotrow').forEach(function (r) { it.slots.push(readRow(r)); });
      out.items.push(it);
    });
    GROUPS.forEach(function (g) { out[g[0]] = read(root.querySelector('[data-group="' + g[0] + '"]')); });
    return out;
  };
  function showProblems(list) {
    root.querySelectorAll('.ap-err').forEach(function (e) { e.textContent = ''; });
    (list || []).forEach(function (p) {
      var box = root.querySelector('[data-path="' + p.path + '"] .ap-err');
      if (box) box.textContent = en ? p.en : p.zh;
    });
  }
  showProblems(D.problems);
  document.getElementById('ap-save').addEventListener('click', async function () {
    var status = document.getElementById('ap-status'), err = document.getElementById('ap-err');
    status.textContent = ''; err.textContent = '';
    try {
      await Linli.api('POST', '/api/appointments/config', collect());
      showProblems([]); status.textContent = tr('已保存，立即生效', 'Saved; in effect now'); status.className = 'ap-ok';
    } catch (e) {
      err.textContent = e.message;
      if (e.data && e.data.error) showProblems(e.data.error.fields);
    }
  });
})();
