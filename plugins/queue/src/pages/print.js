// The bare printable slip prints itself once loaded.
window.addEventListener('load', function () { window.print(); });
