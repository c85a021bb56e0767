// The one-time notice's print button (no inline script on the page).
(function () {
  var b = document.getElementById('g-print-now');
  if (b) b.addEventListener('click', function () { window.print(); });
})();
