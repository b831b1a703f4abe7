// Browse page: on a phone the filters fold behind a "Filters" button that counts the active ones;
// after an htmx search the price fields are marked invalid while the words beside them say why.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) return;
  var toggle = form.querySelector(".filters-toggle");
  var panel = document.getElementById("filter-panel");
  var badge = form.querySelector(".filters-count");
  var phone = window.matchMedia("(max-width: 639px)");

  function activeCount() {
    var count = 0;
    ["category", "language"].forEach(function (name) { if (form.elements[name].value) count += 1; });
    if (form.elements.min_price.value || form.elements.max_price.value) count += 1;
    return count;
  }

  function showCount() {
    var count = activeCount();
    badge.hidden = count === 0;
    badge.firstChild.nodeValue = String(count);
  }

  function layout() {
    // The button exists only on a phone; elsewhere the panel always shows.
    toggle.hidden = !phone.matches;
    panel.hidden = phone.matches && toggle.getAttribute("aria-expanded") !== "true";
  }

  toggle.addEventListener("click", function () {
    toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
    layout();
  });
  phone.addEventListener("change", layout);
  form.addEventListener("input", showCount);
  form.addEventListener("change", showCount);

  document.body.addEventListener("htmx:afterSettle", function () {
    var error = document.getElementById("price-error");
    var invalid = !!(error && error.textContent.trim());
    ["min_price", "max_price"].forEach(function (name) {
      if (invalid) form.elements[name].setAttribute("aria-invalid", "true");
      else form.elements[name].removeAttribute("aria-invalid");
    });
    form.querySelector(".field-price").classList.toggle("has-error", invalid);
    if (invalid && panel.hidden) { toggle.setAttribute("aria-expanded", "true"); layout(); }
  });

  showCount();
  layout();
})();
