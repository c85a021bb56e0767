// The item page's next steps: book a time (appointments) and hand in the
// materials beforehand (applications), each shown only when that service
// is enabled in this hall and offers this item (asked of their public
// lists, so the guides need no link to them).
(function () {
  var root = document.getElementById('g-item'), next = document.getElementById('g-next');
  if (!root || !next) return;
  var code = root.dataset.code;
  function offer(list, id) {
    fetch(list, { headers: { 'Accept': 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (v) {
        var has = v && (v.items || []).some(function (i) { return i.code === code; });
        if (has) { document.getElementById(id).hidden = false; next.hidden = false; }
      })
      .catch(function () { /* the service is off: no link */ });
  }
  offer('/api/appointments/items', 'g-book');
  offer('/api/applications/items', 'g-apply');
})();
