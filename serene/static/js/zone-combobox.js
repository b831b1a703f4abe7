// A searchable time-zone picker over a plain <select data-zone-combobox> (ARIA 1.2 combobox with a
// listbox popup). Without JavaScript the <select> is the picker; with it, the select stays in the form
// (hidden) as the value, and a text box filters its options: "lon" finds London. Empty, the list
// shows the browser's zone and the common ones first. Keys: ↓/↑ move (↓ or Alt+↓ opens), Enter
// chooses, Escape closes (a second Escape restores the chosen zone's name), Home/End move in the text.
// Another script that sets the select's value sends it "serene:sync" so the text box follows.
(function () {
  "use strict";
  var COMMON = ["Asia/Kolkata", "Europe/London", "America/New_York", "America/Chicago", "America/Los_Angeles",
    "Europe/Paris", "Europe/Berlin", "Asia/Dubai", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "UTC"];
  var MAX_SHOWN = 60;
  var counter = 0;

  function browserZone() {  // under its current name (Chromium says Asia/Calcutta for Asia/Kolkata)
    if (window.SereneTime && window.SereneTime.browserZone) return window.SereneTime.browserZone("");
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { return ""; }
  }
  function words(option) {
    var group = option.parentNode && option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
    var place = option.textContent.trim();
    var zone = option.value.replace(/_/g, " ");
    var label = zone.indexOf("/") >= 0 && place !== zone ? place + " (" + zone + ")" : (place === zone ? zone : place + " (" + zone + ")");
    return {value: option.value, label: label, city: place, search: (place + " " + zone + " " + group).toLowerCase()};
  }

  function enhance(select) {
    counter += 1;
    var id = "zone-combobox-" + counter;
    var input = document.createElement("input");
    var list = document.createElement("ul");
    var status = document.createElement("p");
    input.type = "text";
    input.id = id;
    input.className = "zone-combobox-input";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    list.id = id + "-list";
    list.className = "zone-combobox-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    if (label) {
      label.id = label.id || id + "-label";
      label.htmlFor = id;
    } else {
      input.setAttribute("aria-label", select.getAttribute("aria-label") || "Time zone");
    }
    list.setAttribute("aria-label", "Suggestions");  // the field's own label names the field alone
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
    });
    var wrap = document.createElement("div");
    wrap.className = "zone-combobox";
    select.parentNode.insertBefore(wrap, select);
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(status);
    wrap.appendChild(select);
    select.hidden = true;
    select.tabIndex = -1;

    var shown = [];
    var active = -1;

    function all() { return Array.prototype.map.call(select.options, words); }
    function chosen() {
      var option = select.options[select.selectedIndex];
      return option ? words(option) : null;
    }
    function showChosen() {
      var current = chosen();
      input.value = current ? current.city : "";  // the option's own words ("Kolkata"); the list says more
    }
    function matches(query) {
      var zones = all();
      if (!query) {
        var firsts = [browserZone(), select.value].concat(COMMON);
        var seen = {};
        var top = [];
        firsts.forEach(function (zone) {
          var found = zones.filter(function (z) { return z.value === zone; })[0];
          if (found && !seen[zone]) { seen[zone] = true; top.push(found); }
        });
        return top.concat(zones.filter(function (z) { return !seen[z.value]; }));
      }
      query = query.toLowerCase().replace(/_/g, " ").trim();
      var rank = function (zone) {
        if (zone.city.toLowerCase().indexOf(query) === 0) return 0;
        if (zone.search.indexOf(" " + query) >= 0 || zone.search.indexOf("/" + query) >= 0) return 1;
        return 2;
      };
      var common = function (zone) { var at = COMMON.indexOf(zone.value); return at < 0 ? COMMON.length : at; };
      return zones.filter(function (zone) { return zone.search.indexOf(query) >= 0; })
        .sort(function (a, b) { return rank(a) - rank(b) || common(a) - common(b) || a.label.localeCompare(b.label); });
    }
    function render(query) {
      shown = matches(query).slice(0, MAX_SHOWN);
      list.innerHTML = "";
      shown.forEach(function (zone, index) {
        var item = document.createElement("li");
        item.id = id + "-option-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", zone.value === select.value ? "true" : "false");
        item.textContent = zone.label;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { choose(index); });
        list.appendChild(item);
      });
      if (!shown.length) {
        var none = document.createElement("li");
        none.className = "zone-combobox-empty";
        none.setAttribute("aria-disabled", "true");
        none.setAttribute("role", "option");
        none.textContent = "No time zone matches “" + query + "”";
        list.appendChild(none);
      }
      status.textContent = shown.length ? shown.length + (shown.length === MAX_SHOWN ? "+" : "") + " time zones" : "No time zone matches";
      setActive(shown.length ? 0 : -1);
    }
    function setActive(index) {
      var items = list.querySelectorAll('[role="option"]');
      Array.prototype.forEach.call(items, function (item) { item.classList.remove("is-active"); });
      active = index;
      if (index < 0 || !shown[index]) { input.removeAttribute("aria-activedescendant"); return; }
      items[index].classList.add("is-active");
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({block: "nearest"});
    }
    function open(query) {
      render(query);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function choose(index) {
      var zone = shown[index];
      if (!zone) return;
      var changed = select.value !== zone.value;
      select.value = zone.value;
      showChosen();
      close();
      if (changed) select.dispatchEvent(new Event("change", {bubbles: true}));
    }

    input.addEventListener("input", function () { open(input.value); });
    input.addEventListener("focus", function () { input.select(); });
    input.addEventListener("click", function () { if (list.hidden) open(""); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { open(""); return; }
        if (!event.altKey) setActive(Math.min(active + 1, shown.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { open(""); setActive(shown.length - 1); return; }
        if (event.altKey) { if (active >= 0) choose(active); return; }
        setActive(Math.max(active - 1, 0));
      } else if (event.key === "Enter") {
        if (!list.hidden) { event.preventDefault(); if (active >= 0) choose(active); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); showChosen(); input.select(); }  // typing starts afresh
        else if (input.value !== (chosen() || {}).city) { event.preventDefault(); showChosen(); }
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () { close(); showChosen(); });
    select.addEventListener("change", showChosen);
    select.addEventListener("serene:sync", showChosen);
    showChosen();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-zone-combobox]"), enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
