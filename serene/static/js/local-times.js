// Shows every <time data-local datetime="…"> in the browser's own time zone and language, so a
// visitor who is not signed in still sees times as their clock reads them.
(function () {
  "use strict";
  function render(root) {
    (root || document).querySelectorAll("time[data-local]").forEach(function (node) {
      var instant = new Date(node.getAttribute("datetime"));
      if (isNaN(instant)) return;
      var text = node.getAttribute("data-local") === "time"
        ? instant.toLocaleTimeString(undefined, {hour: "numeric", minute: "2-digit"})
        : instant.toLocaleString(undefined, {weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit"});
      node.textContent = text;
      node.title = instant.toLocaleString(undefined, {timeZoneName: "long"});
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(); });
  document.addEventListener("htmx:afterSwap", function (event) { render(event.target); });
})();
