// The corner's screen: reloaded every minute, so today's places and the
// day itself stay current without anyone touching it.
setTimeout(function () { location.reload(); }, 60000);
