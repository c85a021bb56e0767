// The host's admin pages (staff, devices, plugins): served as a file so
// the pages run no inline script (the CSP allows scripts from this host
// only). Texts come from the page (data attributes) in its language.
(function () {
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }

  // Show an API error: beside the field it names, else in the form's status.
  function showError(form, err) {
    $$('.field-error', form).forEach(function (e) { e.remove(); });
    $$('[aria-invalid]', form).forEach(function (e) { e.removeAttribute('aria-invalid'); });
    var field = err.data && err.data.error && err.data.error.field;
    var input = field && form.querySelector('[name="' + field + '"]');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      var span = document.createElement('span');
      span.className = 'field-error alert';
      span.setAttribute('role', 'alert');
      span.textContent = err.message;
      (input.closest('fieldset') || input).insertAdjacentElement('afterend', span);
      input.focus();
    } else {
      var status = $('.status', form);
      if (status) status.textContent = err.message;
    }
  }
  function checked(form, name) {
    return $$('input[name="' + name + '"]:checked', form).map(function (x) { return x.value; });
  }
  function onSubmit(form, send) {
    form.addEventListener('submit', async function (e) {
      e.preventDefault();
      try { await send(form); } catch (err) { showError(form, err); }
    });
  }

  // ---- staff ----
  var newStaff = $('#new-staff');
  if (newStaff) {
    onSubmit(newStaff, async function (f) {
      await Linli.api('POST', '/api/host/staff', { username: f.username.value, name: f.elements.name.value, roles: checked(f, 'roles'), windows: f.windows.value, password: f.password.value });
      location.reload();
    });
  }
  $$('[data-edit]').forEach(function (b) {
    b.addEventListener('click', function () {
      var row = document.getElementById('edit-' + b.dataset.edit);
      row.hidden = !row.hidden;
      if (!row.hidden) $('input', row).focus();
    });
  });
  $$('form.staff-edit').forEach(function (f) {
    onSubmit(f, async function () {
      await Linli.api('POST', '/api/host/staff/' + f.dataset.id + '/update', { name: f.elements.name.value, roles: checked(f, 'roles'), windows: f.windows.value });
      location.reload();
    });
  });
  $$('form.staff-password').forEach(function (f) {
    onSubmit(f, async function () {
      await Linli.api('POST', '/api/host/staff/' + f.dataset.id + '/password', { password: f.password.value });
      f.reset();
      $('.status', f).textContent = Linli.zh() ? '密码已重置' : 'Password reset';
    });
  });
  $$('[data-disable]').forEach(function (b) {
    b.addEventListener('click', async function () {
      if (!window.confirm(b.dataset.confirm)) return;
      try { await Linli.api('POST', '/api/host/staff/' + b.dataset.disable + '/disable'); location.reload(); }
      catch (err) { window.alert(err.message); }
    });
  });
  $$('[data-enable]').forEach(function (b) {
    b.addEventListener('click', async function () {
      try { await Linli.api('POST', '/api/host/staff/' + b.dataset.enable + '/enable'); location.reload(); }
      catch (err) { window.alert(err.message); }
    });
  });

  // ---- hall settings ----
  var hallForm = $('#hall-form');
  if (hallForm) {
    onSubmit(hallForm, async function (f) {
      $$('.field-error', f).forEach(function (e) { e.remove(); });
      $$('[aria-invalid]', f).forEach(function (e) { e.removeAttribute('aria-invalid'); });
      var r = await Linli.api('POST', '/api/host/hall', { name: f.elements.name.value, public_url: f.public_url.value, phone: f.phone.value });
      f.public_url.value = r.hall.public_url;
      $('.status', f).textContent = Linli.zh() ? '已保存' : 'Saved';
    });
  }

  // ---- devices ----
  function revokeButton(b) {
    b.addEventListener('click', async function () {
      if (!window.confirm(b.dataset.confirm)) return;
      try { await Linli.api('POST', '/api/host/devices/' + b.dataset.revoke + '/revoke'); location.reload(); }
      catch (err) { window.alert(err.message); }
    });
  }
  $$('[data-revoke]').forEach(revokeButton);
  function qrSvg(qr) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + qr.size + ' ' + qr.size);
    svg.setAttribute('width', '220'); svg.setAttribute('height', '220');
    svg.setAttribute('shape-rendering', 'crispEdges');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', Linli.zh() ? '配对二维码' : 'pairing QR code');
    var bg = document.createElementNS(ns, 'rect');
    bg.setAttribute('width', qr.size); bg.setAttribute('height', qr.size); bg.setAttribute('fill', '#fff');
    var p = document.createElementNS(ns, 'path');
    p.setAttribute('d', qr.path); p.setAttribute('fill', '#000');
    svg.appendChild(bg); svg.appendChild(p);
    return svg;
  }
  var newDevice = $('#new-device');
  if (newDevice) {
    onSubmit(newDevice, async function (f) {
      var r = await Linli.api('POST', '/api/host/devices', { name: f.elements.name.value, kind: f.kind.value, window: f.window.value, start: f.start ? f.start.value : '', origin: location.origin });
      // The new device in the list at once, built with DOM calls.
      var v = r.view, tr = document.createElement('tr');
      tr.dataset.device = v.id;
      [v.name, v.kind, v.window, v.state, v.seen].forEach(function (text, i) {
        var td = document.createElement('td'); td.textContent = text;
        if (i === 3) td.className = 'ok';
        tr.appendChild(td);
      });
      var td = document.createElement('td'), b = document.createElement('button');
      b.type = 'button'; b.textContent = v.revoke; b.dataset.revoke = v.id; b.dataset.confirm = v.confirm;
      revokeButton(b); td.appendChild(b); tr.appendChild(td);
      $('#device-table tbody').prepend(tr);
      $('#device-token').textContent = r.token;
      $('#device-link').textContent = r.pair_link;
      var box = $('#device-qr'); box.replaceChildren();
      if (r.qr) box.appendChild(qrSvg(r.qr));
      $('#device-paired').hidden = false;
      $('.status', f).textContent = '';
      f.reset();
    });
  }
  var copy = $('#device-copy');
  if (copy) {
    copy.addEventListener('click', async function () {
      var text = $('#device-link').textContent;
      try { await navigator.clipboard.writeText(text); }
      catch (e) {
        // No clipboard API (plain http): select the text for Ctrl+C.
        var range = document.createRange(); range.selectNodeContents($('#device-link'));
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        document.execCommand && document.execCommand('copy');
      }
      copy.textContent = copy.dataset.done;
    });
  }

  // ---- plugins: disable (asks first) and enable ----
  $$('[data-plugin-disable]').forEach(function (b) {
    b.addEventListener('click', async function () {
      if (!window.confirm(b.dataset.confirm)) return;
      try { await Linli.api('POST', '/api/host/plugins/' + encodeURIComponent(b.dataset.pluginDisable) + '/disable'); location.reload(); }
      catch (err) { window.alert(err.message); }
    });
  });
  $$('[data-plugin-enable]').forEach(function (b) {
    b.addEventListener('click', async function () {
      try { await Linli.api('POST', '/api/host/plugins/' + encodeURIComponent(b.dataset.pluginEnable) + '/enable'); location.reload(); }
      catch (err) { window.alert(err.message); }
    });
  });

  // ---- plugins: capability grants ----
  $$('form.grants').forEach(function (f) {
    onSubmit(f, async function () {
      var caps = $$('input:checked', f).map(function (x) { return x.value; });
      await Linli.api('POST', '/api/host/plugins/' + f.dataset.plugin + '/grants', { capabilities: caps });
      location.reload();
    });
  });

  // ---- plugins: which plugins each may call (capability `services`) ----
  $$('form.calls').forEach(function (f) {
    onSubmit(f, async function () {
      var callees = $$('input:checked', f).map(function (x) { return x.value; });
      await Linli.api('POST', '/api/host/plugins/' + encodeURIComponent(f.dataset.plugin) + '/calls', { callees: callees });
      location.reload();
    });
  });
})();
