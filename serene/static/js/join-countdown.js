// The Join button's countdown: "Opens in 2 h 5 min" until the room opens, then the button becomes
// the link to the room; after the room closes it says so. Without JavaScript the page shows when it
// opens, and a reload shows the link.
(function () {
  "use strict";

  function left(ms) {
    var minutes = Math.ceil(ms / 60000);
    if (minutes >= 2 * 24 * 60) return Math.floor(minutes / (24 * 60)) + " days";
    if (minutes >= 60) return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
    if (minutes > 1) return minutes + " min";
    return Math.max(Math.ceil(ms / 1000), 1) + " s";
  }

  function update(box) {
    var now = Date.now(), opens = Date.parse(box.dataset.opens), closes = Date.parse(box.dataset.closes);
    var button = box.querySelector(".join-button"), note = box.querySelector(".join-note");
    if (!button || !note || isNaN(opens)) return false;
    if (now >= closes) {
      button.remove();
      note.textContent = "The room has closed.";
      return false;
    }
    if (now >= opens) {
      if (!box.dataset.href) {
        note.textContent = "The video room is not available yet.";
        return false;
      }
      if (button.tagName !== "A") {
        var link = document.createElement("a");
        link.className = button.className;
        link.href = box.dataset.href;
        link.textContent = "Join session";
        button.replaceWith(link);
        note.textContent = "The room is open.";
      }
      return true;
    }
    note.textContent = "Opens in " + left(opens - now);
    return true;
  }

  function tick() {
    var boxes = document.querySelectorAll("[data-join]"), live = false;
    boxes.forEach(function (box) { live = update(box) || live; });
    if (live) window.setTimeout(tick, 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", tick);
  else tick();
})();
