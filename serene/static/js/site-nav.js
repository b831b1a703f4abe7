// Header on a phone: a signed-in person's links fold behind a Menu button, so the header stays one
// row; the notifications bell stays outside. Escape or a tap elsewhere closes the menu.
(function () {
  "use strict";
  var toggle = document.querySelector(".menu-toggle");
  var menu = document.getElementById("nav-menu");
  if (!toggle || !menu) return;
  var phone = window.matchMedia("(max-width: 639px)");

  function layout() {
    toggle.hidden = !phone.matches;
    menu.classList.toggle("is-folded", phone.matches);
    menu.hidden = phone.matches && toggle.getAttribute("aria-expanded") !== "true";
  }
  function close(focusToggle) {
    if (toggle.getAttribute("aria-expanded") !== "true") return;
    toggle.setAttribute("aria-expanded", "false");
    layout();
    if (focusToggle) toggle.focus();
  }
  toggle.addEventListener("click", function () {
    toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
    layout();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.contains(document.activeElement)) close(true);
  });
  document.addEventListener("click", function (event) {
    if (!menu.contains(event.target) && !toggle.contains(event.target)) close(false);
  });
  phone.addEventListener("change", layout);
  layout();
})();
