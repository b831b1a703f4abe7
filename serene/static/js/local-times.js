// Shows every <time data-local datetime="…"> on the browser's own clock, written as the server writes
// it (static/js/timefmt.js) and naming the zone, so a visitor who is not signed in still sees times as
// their clock reads them. data-local="time" is a time alone ("4:30 pm (Kolkata time)"); a bare
// data-local adds the day ("Tue 1 Dec, 4:30 pm (Kolkata time)").
(function () {
  "use strict";
  function render(root) {
    var T = window.SereneTime;
    if (!T) return;
    var zone = T.browserZone("UTC");
    (root || document).querySelectorAll("time[data-local]").forEach(function (node) {
      var instant = node.getAttribute("datetime");
      if (isNaN(new Date(instant))) return;
      var text = T.formatTime(instant, zone);
      if (node.getAttribute("data-local") !== "time") text = T.formatShortDate(instant, zone) + ", " + text;
      node.textContent = text + " (" + T.zoneLabel(zone) + ")";
      node.title = T.formatWhen(instant, zone) + ", " + T.zoneLabel(zone);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(); });
  document.addEventListener("htmx:afterSwap", function (event) { render(event.target); });
})();
