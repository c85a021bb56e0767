// The editors' form: gathers the fields into the item and saves it as a
// new version; a refusal points at the field it names.
(function () {
  var form = document.getElementById('g-form');
  if (!form) return;
  var status = document.getElementById('g-status');
  var zh = window.Linli ? Linli.zh() : true;
  function val(name) { var e = form.querySelector('[name="' + name + '"]'); return e ? e.value : ''; }
  function lines(name) { return val(name).split('\n').map(function (s) { return s.trim(); }).filter(function (s) { return s; }); }
  function add(listId, tplId) {
    var tpl = document.getElementById(tplId);
    document.getElementById(listId).appendChild(tpl.content.cloneNode(true));
  }
  document.getElementById('g-add-mat').addEventListener('click', function () { add('g-materials', 'g-mat-tpl'); });
  document.getElementById('g-add-faq').addEventListener('click', function () { add('g-faqs', 'g-faq-tpl'); });
  form.addEventListener('click', function (e) {
    if (e.target && e.target.dataset && e.target.dataset.act === 'remove') e.target.closest('fieldset').remove();
  });
  function gather() {
    var mats = Array.prototype.map.call(form.querySelectorAll('#g-materials .g-mat'), function (f) {
      function v(n) { return f.querySelector('[name="' + n + '"]').value; }
      return { id: v('id'), name: v('name'), kind: v('kind'), copies: parseInt(v('copies') || '0', 10) || 0, format: v('format'),
        issuer: v('issuer'), sample: v('sample'), note: v('note'), on_file: f.querySelector('[name="on_file"]').checked };
    });
    var faqs = Array.prototype.map.call(form.querySelectorAll('#g-faqs .g-faq'), function (f) {
      return { q: f.querySelector('[name="q"]').value, a: f.querySelector('[name="a"]').value };
    });
    return {
      item: {
        code: val('code'), name: val('name'), name_en: val('name_en'), category: val('category'), keywords: val('keywords'),
        pinyin: val('pinyin'), summary: val('summary'), conditions: lines('conditions'), materials: mats, steps: lines('steps'),
        window: val('window'), role: val('role'), time_limit_days: parseInt(val('time_limit_days') || '0', 10) || 0,
        fees: val('fees'), legal_basis: val('legal_basis'), faqs: faqs, source: val('source')
      },
      effective: val('effective'), note: val('note')
    };
  }
  function mark(field) {
    Array.prototype.forEach.call(form.querySelectorAll('.g-bad'), function (e) { e.classList.remove('g-bad'); });
    if (!field) return;
    var m = /^(materials|faqs)\[(\d+)\]\.(\w+)$/.exec(field);
    var el = null;
    if (m) {
      var group = form.querySelectorAll(m[1] === 'materials' ? '#g-materials .g-mat' : '#g-faqs .g-faq')[+m[2]];
      el = group && group.querySelector('[name="' + m[3] + '"]');
    } else {
      el = form.querySelector('[data-field="' + field.replace(/\[.*$/, '') + '"]');
    }
    if (el) { el.classList.add('g-bad'); el.scrollIntoView({ block: 'center' }); }
  }
  form.addEventListener('submit', async function (e) {
    e.preventDefault();
    status.textContent = zh ? '正在保存…' : 'Saving…';
    var body = gather();
    var isNew = form.dataset['new'] === '1';
    var url = isNew ? '/api/guides/items' : '/api/guides/items/' + encodeURIComponent(form.dataset.code);
    try {
      var r = await Linli.api('POST', url, body);
      mark(null);
      status.dataset.version = r.version;
      status.textContent = r.unchanged ? (zh ? '没有改动' : 'Nothing changed')
        : (zh ? ('已保存为第 ' + r.version + ' 版，自 ' + r.effective + ' 起施行') : ('Saved as version ' + r.version + ', in force from ' + r.effective));
      if (isNew) location.href = '/guides/admin/item/' + encodeURIComponent(r.code);
    } catch (err) {
      status.textContent = err.message;
      mark(err.data && err.data.error && err.data.error.field);
    }
  });
})();
