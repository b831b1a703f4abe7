// Header on a phone: a signed-in person's links fold behind a Menu button, so the header stays one
// row; the notifications bell stays outside. Escape or a tap elsewhere closes the menu. A page that
// replaces the header (the booking wizard, after signing in) sends "serene:header-replaced" to wire
// the new one.
(function () {
  "use strict";
  var toggle = null;
  var menu = null;
  var phone = window.matchMedia("(max-width: 639px)");

  function layout() {
    if (!toggle || !menu) return;
    toggle.hidden = !phone.matches;
    menu.classList.toggle("is-folded", phone.matches);
    menu.hidden = phone.matches && toggle.getAttribute("aria-expanded") !== "true";
  }
  function close(focusToggle) {
    if (!toggle || toggle.getAttribute("aria-expanded") !== "true") return;
    toggle.setAttribute("aria-expanded", "false");
    layout();
    if (focusToggle) toggle.focus();
  }
  function wire() {
    toggle = document.querySelector(".menu-toggle");
    menu = document.getElementById("nav-menu");
    if (!toggle || !menu) return;
    toggle.addEventListener("click", function () {
      toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
      layout();
    });
    layout();
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu && menu.contains(document.activeElement)) close(true);
  });
  document.addEventListener("click", function (event) {
    if (menu && toggle && !menu.contains(event.target) && !toggle.contains(event.target)) close(false);
  });
  phone.addEventListener("change", layout);
  document.addEventListener("serene:header-replaced", wire);
  wire();
})();
