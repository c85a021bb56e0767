// Queue settings as forms: every field labelled and explained, checked
// beside the field before saving; the plugin's own check is shown beside
// the field it names (or under the section); a saved section says so.
(function () {
  var root = document.getElementById('q-admin');
  if (!root) return;
  var zh = document.documentElement.lang !== 'en';
  var data = JSON.parse(document.getElementById('q-config').textContent);
  var cfg = data.effective;
  function L(z, e) { return zh ? z : e; }
  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] !== undefined && attrs[k] !== null) n.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }
  function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); }
  var TIME = /^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;
  var DAYS = [[1, '周一', 'Mon'], [2, '周二', 'Tue'], [3, '周三', 'Wed'], [4, '周四', 'Thu'], [5, '周五', 'Fri'], [6, '周六', 'Sat'], [7, '周日', 'Sun']];

  // One field: label, input, help text and the place for its error.
  // kind: text | int | time | bool | select | days | dates
  function field(path, kind, label, help, value, opts) {
    opts = opts || {};
    var wrap = el('div', { 'class': 'q-field', 'data-path': path });
    var lab = el('label');
    var input;
    if (kind === 'bool') {
      input = el('input', { type: 'checkbox', style: 'display:inline;width:auto' });
      input.checked = !!value;
      lab.appendChild(input);
      lab.appendChild(document.createTextNode(' ' + label));
    } else if (kind === 'select') {
      lab.appendChild(document.createTextNode(label));
      input = el('select');
      opts.choices.forEach(function (c) { var o = el('option', { value: c[0] }, L(c[1], c[2])); if (c[0] === value) o.selected = true; input.appendChild(o); });
      lab.appendChild(input);
    } else if (kind === 'days') {
      lab.appendChild(document.createTextNode(label));
      input = el('span', { 'class': 'q-days' });
      DAYS.forEach(function (d) {
        var l = el('label', { style: 'display:inline-block;margin-right:12px' });
        var c = el('input', { type: 'checkbox', value: d[0], style: 'display:inline;width:auto' });
        c.checked = (value || []).indexOf(d[0]) >= 0;
        l.appendChild(c); l.appendChild(document.createTextNode(' ' + L(d[1], d[2])));
        input.appendChild(l);
      });
      lab.appendChild(input);
    } else if (kind === 'dates') {
      lab.appendChild(document.createTextNode(label));
      input = el('textarea', { rows: 3, placeholder: L('每行一个日期，例如 2026-10-01', 'One date a line, e.g. 2026-10-01') });
      input.value = (value || []).join('\n');
      lab.appendChild(input);
    } else {
      lab.appendChild(document.createTextNode(label));
      input = el('input', { type: kind === 'int' ? 'number' : 'text', inputmode: kind === 'int' || kind === 'time' ? 'numeric' : null,
        min: kind === 'int' ? String(opts.min || 0) : null, step: kind === 'int' ? '1' : null, placeholder: opts.placeholder || (kind === 'time' ? L('时:分，例如 08:30', 'HH:MM, e.g. 08:30') : null),
        maxlength: kind === 'text' ? String(opts.max || 40) : null, autocomplete: 'off' });
      input.value = value === undefined || value === null ? '' : value;
      lab.appendChild(input);
    }
    input.classList.add('q-input');
    input.dataset.kind = kind;
    wrap.appendChild(lab);
    if (help) wrap.appendChild(el('small', { 'class': 'q-muted q-help' }, help));
    wrap.appendChild(el('span', { 'class': 'q-err', role: 'alert' }));
    wrap._input = input;
    wrap._opts = opts;
    return wrap;
  }
  function read(f) {
    var i = f._input, k = i.dataset.kind;
    if (k === 'bool') return i.checked;
    if (k === 'int') return i.value.trim() === '' ? NaN : Number(i.value);
    if (k === 'days') return Array.prototype.filter.call(i.querySelectorAll('input'), function (c) { return c.checked; }).map(function (c) { return +c.value; });
    if (k === 'dates') return i.value.split(/[\s,，]+/).filter(function (s) { return s; });
    return i.value.trim();
  }
  function isDate(s) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
    var d = new Date(s + 'T00:00:00Z');
    return !isNaN(d) && d.toISOString().slice(0, 10) === s;
  }
  // The field's own check; '' when it is fine.
  function check(f) {
    var k = f._input.dataset.kind, v = read(f), o = f._opts;
    if (k === 'int') {
      if (!Number.isInteger(v)) return L('请填写整数', 'Enter a whole number');
      if (v < (o.min || 0)) return L('不能小于 ' + (o.min || 0), 'Must be at least ' + (o.min || 0));
      if (v > (o.maxValue || 100000)) return L('不能大于 ' + (o.maxValue || 100000), 'Must be at most ' + (o.maxValue || 100000));
    }
    if (k === 'time' && !TIME.test(v)) return L('时间格式应为 时:分，例如 08:30（最晚 24:00）', 'Use HH:MM, e.g. 08:30 (24:00 at the latest)');
    if (k === 'text') {
      if (o.required && !v) return L('必填', 'Required');
      if (o.pattern && v && !o.pattern.test(v)) return o.patternText;
      if (v.length > (o.max || 40)) return L('不超过 ' + (o.max || 40) + ' 个字', 'At most ' + (o.max || 40) + ' characters');
      if (/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(v)) return L('含有不允许的控制字符', 'Contains control characters');
    }
    if (k === 'days' && !v.length) return L('至少选择一天', 'Choose at least one day');
    if (k === 'dates') { var bad = v.filter(function (s) { return !isDate(s); }); if (bad.length) return L('不是有效日期：', 'Not a date: ') + bad.join(' '); }
    return '';
  }
  function setErr(f, text) { f.querySelector('.q-err').textContent = text || ''; f.classList.toggle('q-bad', !!text); }

  // Lists of rows (services, windows, periods) with add and remove.
  function rows(sec, items, build, addLabel, empty) {
    var box = el('div', { 'class': 'q-rows' });
    function add(item) {
      var r = el('fieldset', { 'class': 'q-row', style: 'margin:8px 0;padding:8px 12px;border:1px solid var(--line);border-radius:8px' });
      build(r, item, box.children.length);
      var del = el('button', { type: 'button', 'class': 'q-del' }, L('删除这一项', 'Remove'));
      del.addEventListener('click', function () { box.removeChild(r); renumber(); });
      r.appendChild(del);
      box.appendChild(r);
    }
    // Field paths follow the row's place, for the plugin's messages.
    function renumber() {
      Array.prototype.forEach.call(box.children, function (r, i) {
        r.querySelectorAll('.q-field').forEach(function (f) { f.dataset.path = f.dataset.path.replace(/^(\w+)\.\d+/, '$1.' + i); });
      });
    }
    items.forEach(add);
    sec.appendChild(box);
    var more = el('button', { type: 'button', 'class': 'q-add' }, addLabel);
    more.addEventListener('click', function () { add(empty()); renumber(); });
    sec.appendChild(more);
  }

  var builders = {
    services: function (sec, v) {
      rows(sec, v, function (r, s, i) {
        var p = 'services.' + i + '.';
        r.appendChild(field(p + 'code', 'text', L('编号', 'Code'), L('字母或数字，系统内部用来区分业务，例如 A', 'Letters or digits that identify the service, e.g. A'), s.code, { required: true, max: 8, pattern: /^[A-Za-z0-9]+$/, patternText: L('只能是字母或数字', 'Letters or digits only') }));
        r.appendChild(field(p + 'prefix', 'text', L('号票前缀', 'Ticket prefix'), L('印在号码前面，例如 A 得到 A001；留空则与编号相同', 'Printed before the number (A → A001); empty = the code'), s.prefix, { max: 4 }));
        r.appendChild(field(p + 'name_zh', 'text', L('中文名称', 'Name in Chinese'), L('自助机按钮、号票和大屏上显示', 'Shown on the kiosk, the ticket and the screens'), s.name_zh, { required: true, max: 40 }));
        r.appendChild(field(p + 'name_en', 'text', L('英文名称', 'Name in English'), L('英文界面显示；可留空', 'Shown in the English interface; may be empty'), s.name_en, { max: 60 }));
        r.appendChild(field(p + 'daily_limit', 'int', L('每日限号', 'Tickets a day'), L('每天最多发多少张号；0 表示不限', 'At most this many tickets a day; 0 = no limit'), s.daily_limit, { min: 0 }));
        r.appendChild(field(p + 'handling_minutes', 'int', L('每人预计办理分钟', 'Minutes per resident'), L('当天还没有办结记录时，用来估算等候时间；至少 1 分钟', 'Used to estimate waits until the day has finished tickets; at least 1'), s.handling_minutes, { min: 1, maxValue: 600 }));
        (cfg.periods || []).forEach(function (per) {
          r.appendChild(field(p + 'quota.' + per.code, 'int', L('时段配额：', 'Quota: ') + (zh ? per.name_zh : (per.name_en || per.name_zh)) + ' (' + per.code + ')',
            L('该时段最多发多少张号；0 表示不限', 'At most this many tickets in the period; 0 = no limit'), (s.quota || {})[per.code] || 0, { min: 0 }));
        });
      }, L('添加业务', 'Add a service'), function () { return { code: '', prefix: '', name_zh: '', name_en: '', daily_limit: 0, quota: {}, handling_minutes: 8 }; });
    },
    windows: function (sec, v) {
      rows(sec, v, function (r, w, i) {
        var p = 'windows.' + i + '.';
        r.appendChild(field(p + 'number', 'text', L('窗口号', 'Window number'), L('窗口上方标的号，例如 3；办事员登录时填写', 'The number over the window, e.g. 3; clerks give it when signing in'), w.number, { required: true, max: 8 }));
        r.appendChild(field(p + 'services', 'text', L('办理的业务', 'Services served'), L('业务编号，用逗号分开，主办业务写在最前面，例如 A,D', 'Service codes separated by commas, main service first, e.g. A,D'), (w.services || []).join(','), { required: true, max: 100 }));
      }, L('添加窗口', 'Add a window'), function () { return { number: '', services: [] }; });
    },
    hours: function (sec, h) {
      sec.appendChild(field('hours.open', 'time', L('开门时间', 'Opens at'), L('大厅开始办理的时间', 'When the hall opens'), h.open));
      sec.appendChild(field('hours.close', 'time', L('关门时间', 'Closes at'), L('大厅结束办理的时间，最晚 24:00', 'When the hall closes, 24:00 at the latest'), h.close));
      sec.appendChild(field('hours.last_ticket', 'time', L('停止取号时间', 'Last ticket at'), L('此时刻起不再发号，应在开门与关门之间', 'No ticket from this time on; between opening and closing'), h.last_ticket));
      sec.appendChild(field('hours.days', 'days', L('开放日', 'Open on'), L('每周哪几天开放', 'The days of the week the hall opens'), h.days));
      sec.appendChild(field('hours.follow_calendar', 'bool', L('按国家法定节假日和调休安排开放', 'Follow the national holidays and make-up working days'), L('法定节假日不开放，调休上班日（即使是周末）照常开放；日期来自工作日历', 'Closed on public holidays, open on official make-up working days even at weekends; dates from the working-day calendar'), h.follow_calendar !== false));
      sec.appendChild(field('hours.closed_dates', 'dates', L('闭厅日期（节假日）', 'Closed dates (holidays)'), L('这些日期不开放，格式 年-月-日', 'The hall stays closed on these dates, as YYYY-MM-DD'), h.closed_dates));
      sec.appendChild(field('hours.at_close', 'select', L('关门时仍在等候的号', 'Tickets still waiting at closing'), L('作废：当天未办的号失效；保留：下次开门时按原取号时间继续排队', 'Clear: they expire; Carry: they wait for the next opening, keeping their time'), h.at_close,
        { choices: [['clear', '作废', 'Clear'], ['carry', '保留到下次开门', 'Carry to the next opening']] }));
    },
    periods: function (sec, v) {
      rows(sec, v, function (r, per, i) {
        var p = 'periods.' + i + '.';
        r.appendChild(field(p + 'code', 'text', L('时段编号', 'Period code'), L('字母或数字，业务的时段配额用它来对应，例如 am', 'Letters or digits; service quotas refer to it, e.g. am'), per.code, { required: true, max: 16, pattern: /^[A-Za-z0-9_-]+$/, patternText: L('只能是字母、数字、- 或 _', 'Letters, digits, - or _ only') }));
        r.appendChild(field(p + 'name_zh', 'text', L('中文名称', 'Name in Chinese'), L('例如 上午', 'e.g. 上午 (morning)'), per.name_zh, { required: true, max: 20 }));
        r.appendChild(field(p + 'name_en', 'text', L('英文名称', 'Name in English'), L('可留空', 'May be empty'), per.name_en, { max: 30 }));
        r.appendChild(field(p + 'until', 'time', L('截止时间', 'Ends at'), L('从上一时段结束（或开门）到此时间为本时段', 'From the previous period\'s end (or opening) until this time'), per.until));
      }, L('添加时段', 'Add a period'), function () { return { code: '', name_zh: '', name_en: '', until: '24:00' }; });
    },
    policy: function (sec, p) {
      sec.appendChild(field('policy.appointments_first', 'bool', L('预约优先', 'Appointments first'), L('预约的群众到预约时间后优先叫号', 'Residents with an appointment are called first once their time has come'), p.appointments_first));
      sec.appendChild(field('policy.appointment_early_minutes', 'int', L('预约提前分钟', 'Minutes early'), L('预约时间前多少分钟起算作到号', 'An appointment counts as due this many minutes before its time'), p.appointment_early_minutes, { min: 0, maxValue: 240 }));
      sec.appendChild(field('policy.appointment_late_minutes', 'int', L('预约迟到分钟', 'Minutes late'), L('超过预约时间多少分钟后签到，按普通取号排队', 'Checked in later than this after the slot: queued as a walk-in'), p.appointment_late_minutes, { min: 0, maxValue: 240 }));
      sec.appendChild(field('policy.priority_first', 'bool', L('优先群众优先', 'Priority first'), L('老年人、残疾人、孕妇等优先群众优先叫号', 'Elderly, disabled and pregnant residents are called first'), p.priority_first));
      sec.appendChild(field('policy.max_in_row', 'int', L('连续优先上限', 'At most in a row'), L('一个窗口连续叫预约或优先号不超过几个，之后叫一位普通号；0 表示不限', 'A window calls at most this many of these in a row, then the next in order; 0 = no limit'), p.max_in_row, { min: 0, maxValue: 100 }));
      sec.appendChild(field('policy.window_order', 'select', L('窗口叫号顺序', 'Order at a window'), L('主办优先：先叫窗口主办业务，再按顺序叫其他业务；最早优先：窗口所有业务中最早取号的先叫', 'Main first: the window\'s main service, then the others in order; Oldest: the oldest ticket of all its services'), p.window_order,
        { choices: [['main-first', '主办业务优先', 'Main service first'], ['oldest', '最早取号优先', 'Oldest ticket first']] }));
      sec.appendChild(field('policy.max_recalls', 'int', L('重呼次数上限', 'Recalls allowed'), L('每次叫号最多可重呼几次', 'How many times a call may be repeated'), p.max_recalls, { min: 0, maxValue: 10 }));
      sec.appendChild(field('policy.missed', 'select', L('过号处理', 'Missed tickets'), L('重新排队：过号的群众回来后可在导办台重新排队；作废：须重新取号', 'Requeue: a resident who returns is put back at the guide desk; Expire: they take a new ticket'), p.missed,
        { choices: [['requeue', '可重新排队', 'Requeue'], ['expire', '作废', 'Expire']] }));
      sec.appendChild(field('policy.requeue_places', 'int', L('重新排队位置', 'Places behind the front'), L('过号回来的号排到当前第几位之后', 'A returning ticket is put this many places behind the front'), p.requeue_places, { min: 0, maxValue: 100 }));
      sec.appendChild(field('policy.missed_keep_minutes', 'int', L('过号保留分钟', 'Minutes a missed ticket is kept'), L('过号后多少分钟内回来可以重新排队，之后作废', 'A missed ticket may return within this many minutes, then expires'), p.missed_keep_minutes, { min: 0, maxValue: 1440 }));
      sec.appendChild(field('policy.window_idle_minutes', 'int', L('窗口空闲分钟', 'Idle minutes'), L('窗口多少分钟没有操作就不算开放（用于估算等候时间）', 'A window idle this long does not count as open for the estimates'), p.window_idle_minutes, { min: 1, maxValue: 1440 }));
    },
    tickets: function (sec, t) {
      sec.appendChild(field('tickets.one_per_phone', 'bool', L('每人每项业务一张号', 'One ticket per phone'), L('同一手机号在同一业务只能有一张未办结的号（代办除外）', 'One live ticket per phone per service (not for tickets taken on someone\'s behalf)'), t.one_per_phone));
    },
    public_url: function (sec, u) {
      sec.appendChild(field('public_url', 'text', L('二维码地址（大厅网址）', 'QR code address (the hall\'s address)'),
        L('号票二维码里的网址开头，须是居民手机在大厅里能打开的地址，例如 http://192.168.1.10:8080；留空则用「系统管理 → 大厅信息」中的对外地址（通常留空即可）；两处都未填写时用自助机打开本系统时的地址（若为 127.0.0.1 或 localhost，自助机会暂停取号）', 'The start of the address in the ticket\'s QR code; residents\' phones in the hall must reach it, e.g. http://192.168.1.10:8080. Empty (usually right): the hall\'s public address from Administration → Hall settings; when neither is set, the address the kiosk opened (a kiosk at 127.0.0.1 or localhost pauses issuing)'),
        u, { max: 200, placeholder: 'http://192.168.1.10:8080', pattern: /^https?:\/\/[^\s\/?#]+(:\d+)?(\/[^\s]*)?$/, patternText: L('应以 http:// 或 https:// 开头，后接主机地址，例如 http://192.168.1.10:8080', 'Must start with http:// or https:// and a host, e.g. http://192.168.1.10:8080') }));
    }
  };

  function fields(sec) { return Array.prototype.slice.call(sec.querySelectorAll('.q-field')); }
  function get(sec, path) { return fields(sec).filter(function (f) { return f.dataset.path === path; })[0]; }

  // The section's value from its fields, and the checks across fields.
  function collect(key, sec) {
    var errs = [];
    fields(sec).forEach(function (f) { var e = check(f); setErr(f, e); if (e) errs.push(f); });
    function flag(f, text) { if (f && !f.querySelector('.q-err').textContent) { setErr(f, text); errs.push(f); } }
    var rowsOf = function () { return Array.prototype.slice.call(sec.querySelectorAll('.q-row')); };
    var val;
    if (key === 'services') {
      var codes = {};
      val = rowsOf().map(function (r) {
        var s = { quota: {} };
        r.querySelectorAll('.q-field').forEach(function (f) {
          var name = f.dataset.path.split('.').slice(2);
          if (name[0] === 'quota') { var q = read(f); if (q > 0) s.quota[name[1]] = q; } else s[name[0]] = read(f);
        });
        var cf = r.querySelector('.q-field[data-path$=".code"]');
        if (s.code && codes[s.code]) flag(cf, L('编号 ' + s.code + ' 重复', 'Code ' + s.code + ' is used twice'));
        codes[s.code] = true;
        return s;
      });
      if (!val.length) errs.push(null);
    } else if (key === 'windows') {
      var known = (cfg.services || []).map(function (s) { return s.code; }), nums = {};
      val = rowsOf().map(function (r) {
        var nf = r.querySelector('.q-field[data-path$=".number"]'), sf = r.querySelector('.q-field[data-path$=".services"]');
        var w = { number: read(nf), services: read(sf).split(/[\s,，、]+/).filter(function (x) { return x; }) };
        if (w.number && nums[w.number]) flag(nf, L(w.number + ' 号窗口重复', 'Window ' + w.number + ' is listed twice'));
        nums[w.number] = true;
        var unknown = w.services.filter(function (c) { return known.indexOf(c) < 0; });
        if (unknown.length) flag(sf, L('没有这些业务编号：', 'No such service codes: ') + unknown.join(', ') + L('（现有：', ' (known: ') + known.join(', ') + L('）', ')'));
        return w;
      });
    } else if (key === 'periods') {
      var pcodes = {};
      val = rowsOf().map(function (r) {
        var p = {};
        r.querySelectorAll('.q-field').forEach(function (f) { p[f.dataset.path.split('.')[2]] = read(f); });
        if (p.code && pcodes[p.code]) flag(r.querySelector('.q-field[data-path$=".code"]'), L('编号 ' + p.code + ' 重复', 'Code ' + p.code + ' is used twice'));
        pcodes[p.code] = true;
        return p;
      });
    } else if (key === 'public_url') {
      val = read(get(sec, 'public_url')).replace(/\/+$/, '');
    } else {
      val = {};
      fields(sec).forEach(function (f) { val[f.dataset.path.split('.')[1]] = read(f); });
      if (key === 'hours' && TIME.test(val.open) && TIME.test(val.close) && TIME.test(val.last_ticket)) {
        if (val.close <= val.open) flag(get(sec, 'hours.close'), L('关门时间应晚于开门时间', 'Closing must be after opening'));
        if (val.last_ticket < val.open || val.last_ticket > val.close) flag(get(sec, 'hours.last_ticket'), L('停止取号时间应在开门与关门之间', 'The last ticket must be between opening and closing'));
      }
    }
    return { value: val, errors: errs };
  }

  // The plugin's messages, each beside the field it names
  // (`services[2].handling_minutes`), and all of them under the section.
  function showServerError(sec, key, err) {
    var d = (err.data && err.data.error) || {};
    var problems = d.fields || (d.field ? [{ path: d.field, message_zh: err.message, message_en: err.message }] : []);
    var first = null;
    problems.forEach(function (p) {
      var norm = String(p.path || '').replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
      var f = get(sec, norm) || get(sec, key + '.' + norm);
      // A problem with a part of a field (`windows[0].services[1]`) goes
      // beside the field that holds it.
      while (!f && norm.indexOf('.') > 0) { norm = norm.replace(/\.[^.]*$/, ''); f = get(sec, norm); }
      if (f) { setErr(f, zh ? p.message_zh : p.message_en); first = first || f; }
    });
    if (first) first._input.focus();
    status(sec, err.message, false);
  }
  function status(sec, text, ok) {
    var s = sec.querySelector('.q-status');
    s.textContent = text || '';
    s.className = 'q-status' + (ok ? ' q-saved' : ' q-err');
    s.style.display = 'inline';
  }
  function policyText(list) {
    var ul = document.getElementById('q-policy');
    if (!list || !ul) return;
    clear(ul);
    list.forEach(function (l) { ul.appendChild(el('li', {}, l)); });
  }
  function changed(sec, on) {
    var h = sec.querySelector('h2'), c = h.querySelector('.q-changed');
    if (on && !c) h.appendChild(el('small', { 'class': 'q-muted q-changed' }, ' ' + L('（已修改，不同于默认）', '(changed from the default)')));
    if (!on && c) h.removeChild(c);
  }
  async function send(sec, key, value) {
    var body = {}; body[key] = value;
    try {
      var r = await Linli.api('POST', '/api/queue/config', body);
      if (r && r.effective) cfg = r.effective;
      render(sec, key);
      changed(sec, value !== null);
      var now = new Date();
      status(sec, (value === null ? L('已恢复为默认设置，立即生效', 'Back to the default; in effect now') : L('已保存，立即生效', 'Saved; in effect now')) + '（' + now.getHours() + ':' + ('0' + now.getMinutes()).slice(-2) + '）', true);
      try { var s = await Linli.api('GET', '/api/queue/services'); policyText(s.policy); } catch (e) {}
    } catch (err) { showServerError(sec, key, err); }
  }
  function render(sec, key) {
    var box = sec.querySelector('.q-fields');
    clear(box);
    builders[key](box, cfg[key]);
  }
  root.querySelectorAll('.q-section').forEach(function (sec) {
    var key = sec.dataset.section;
    render(sec, key);
    sec.querySelector('.q-save').addEventListener('click', function () {
      var c = collect(key, sec);
      if (c.errors.length) {
        status(sec, c.errors[0] === null ? L('至少要有一项业务', 'Keep at least one service') : L('有 ' + c.errors.length + ' 处需要修改，请看标红的说明', c.errors.length + ' field(s) need changing; see the notes beside them'), false);
        var first = c.errors.filter(function (f) { return f; })[0];
        if (first) first._input.focus();
        return;
      }
      send(sec, key, c.value);
    });
    sec.querySelector('.q-reset').addEventListener('click', function () {
      if (confirm(L('把这一部分恢复为默认设置？', 'Put this section back to its default?'))) send(sec, key, null);
    });
  });
})();
