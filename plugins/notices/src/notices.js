// The notices page: the list follows new, changed and deleted notices
// live (rebuilt from the JSON with DOM calls); editors post, edit, pin or
// unpin and delete.
(function () {
  var list = document.getElementById('notices');
  if (!list) return;
  var zh = document.documentElement.lang !== 'en', canEdit = list.dataset.edit === '1', editing = null;
  function L(z, e) { return zh ? z : e; }
  function el(tag, cls, text) { var n = document.createElement(tag); if (cls) n.className = cls; if (text != null) n.textContent = String(text); return n; }
  function button(act, text) { var b = el('button', null, text); b.type = 'button'; b.dataset.act = act; return b; }
  var items = {};
  function render(notices) {
    while (list.firstChild) list.removeChild(list.firstChild);
    items = {};
    if (!notices.length) list.appendChild(el('li', 'empty', L('暂无公告。', 'No notices yet.')));
    notices.forEach(function (n) {
      items[n.id] = n;
      var li = el('li'); li.dataset.id = n.id; li.dataset.pinned = n.pinned;
      var head = el('strong');
      if (n.pinned) { head.appendChild(el('span', 'pinned', L('【置顶】', '[Pinned]'))); head.appendChild(document.createTextNode(' ')); }
      head.appendChild(el('span', 'title', n.title));
      li.appendChild(head);
      var body = el('div', 'body');
      String(n.body || '').split('\n').forEach(function (line, i) { if (i) body.appendChild(document.createElement('br')); body.appendChild(document.createTextNode(line)); });
      li.appendChild(body);
      li.appendChild(el('div', 'meta', n.created_local + (n.updated_local ? ' · ' + L('修改于 ', 'edited ') + n.updated_local : '')));
      if (canEdit) {
        var a = el('div', 'actions');
        a.appendChild(button('edit', L('修改', 'Edit'))); a.appendChild(document.createTextNode(' '));
        a.appendChild(button('pin', n.pinned ? L('取消置顶', 'Unpin') : L('置顶', 'Pin'))); a.appendChild(document.createTextNode(' '));
        a.appendChild(button('delete', L('删除', 'Delete')));
        li.appendChild(a);
      }
      list.appendChild(li);
    });
  }
  function reload() {
    fetch('/api/notices', { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.json(); }).then(function (d) { render(d.notices || []); }).catch(function () {});
  }
  var f = document.getElementById('post-notice'), s = document.getElementById('post-status');
  function startEdit(n) {
    editing = n.id;
    f.title.value = n.title; f.body.value = n.body; f.pinned.checked = n.pinned;
    document.getElementById('notice-form-title').textContent = L('修改公告', 'Edit the notice');
    f.querySelector('button[type=submit]').textContent = L('保存修改', 'Save changes');
    // `hidden` loses to the stylesheet's display for buttons.
    document.getElementById('cancel-edit').style.display = '';
    s.textContent = '';
    f.title.focus();
  }
  function stopEdit() {
    editing = null; f.reset();
    document.getElementById('notice-form-title').textContent = L('发布公告', 'Post a notice');
    f.querySelector('button[type=submit]').textContent = L('发布', 'Post');
    document.getElementById('cancel-edit').style.display = 'none';
  }
  if (f) {
    f.addEventListener('submit', async function (e) {
      e.preventDefault();
      var body = { title: f.title.value, body: f.body.value, pinned: f.pinned.checked };
      try {
        if (editing) { await Linli.api('POST', '/api/notices/' + editing, body); stopEdit(); s.textContent = L('已保存修改', 'Changes saved'); }
        else { await Linli.api('POST', '/api/notices', body); f.reset(); s.textContent = L('已发布', 'Posted'); }
        reload();
      } catch (err) { s.textContent = err.message; }
    });
    document.getElementById('cancel-edit').addEventListener('click', function () { stopEdit(); s.textContent = ''; });
  }
  list.addEventListener('click', async function (e) {
    var b = e.target.closest && e.target.closest('button[data-act]');
    if (!b) return;
    var id = +b.closest('li').dataset.id, n = items[id];
    try {
      if (b.dataset.act === 'edit' && n) startEdit(n);
      if (b.dataset.act === 'pin' && n) { await Linli.api('POST', '/api/notices/' + id, { pinned: !n.pinned }); s.textContent = n.pinned ? L('已取消置顶', 'Unpinned') : L('已置顶', 'Pinned'); reload(); }
      if (b.dataset.act === 'delete' && confirm(L('删除这条公告？删除后居民将看不到它。', 'Delete this notice? Residents will no longer see it.'))) {
        await Linli.api('DELETE', '/api/notices/' + id); s.textContent = L('已删除', 'Deleted');
        if (editing === id) stopEdit();
        reload();
      }
    } catch (err) { if (s) s.textContent = err.message; else alert(err.message); }
  });
  // The list as the server drew it, then live.
  reload();
  Linli.events(['notices.'], function () { reload(); });
})();
