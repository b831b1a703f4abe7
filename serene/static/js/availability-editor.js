// The expert's availability editor: builds the brief's availability body from the form and saves
// it with PUT /api/v1/experts/availability. The server validates everything; errors come back
// naming the field (e.g. "workingHours.1.ranges.0.end") and are shown beside that field.
(function () {
  "use strict";

  var DAYS = [[1, "Monday"], [2, "Tuesday"], [3, "Wednesday"], [4, "Thursday"], [5, "Friday"], [6, "Saturday"], [0, "Sunday"]];
  var SHORT = {0: "Sun", 1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat"};
  var rules = JSON.parse(document.getElementById("availability-rules").textContent);
  var form = document.getElementById("availability-form");
  var status = document.getElementById("editor-status");
  var weekly = document.getElementById("weekly");
  var breaks = document.getElementById("breaks");
  var overrides = document.getElementById("overrides");
  var counter = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "class") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function uid(prefix) { counter += 1; return prefix + "-" + counter; }

  function timeInput(value, label) {
    return el("input", {type: "time", value: value || "", required: "required", "aria-label": label, step: "300"});
  }

  function removeButton(label, onClick) {
    var button = el("button", {type: "button", class: "icon-button", "aria-label": label, title: label, text: "×"});
    button.addEventListener("click", onClick);
    return button;
  }

  function rangeRow(container, range, labelPrefix) {
    var start = timeInput(range.start, labelPrefix + " from");
    var end = timeInput(range.end, labelPrefix + " until");
    var row = el("div", {class: "range-row"}, [start, el("span", {"aria-hidden": "true", text: "–"}), end]);
    row.appendChild(removeButton("Remove " + labelPrefix.toLowerCase(), function () { row.remove(); renumber(); }));
    container.appendChild(row);
    return row;
  }

  // --- Weekly hours -------------------------------------------------------------------------
  DAYS.forEach(function (entry) {
    var day = entry[0], name = entry[1];
    var info = rules.workingHours[String(day)];
    var toggleId = uid("day");
    var toggle = el("input", {type: "checkbox", id: toggleId, "data-day": String(day)});
    toggle.checked = info.enabled;
    var ranges = el("div", {class: "ranges"});
    var add = el("button", {type: "button", class: "btn btn-ghost btn-small", text: "+ Add hours"});
    var row = el("div", {class: "day-row", "data-field": "workingHours." + day}, [
      el("label", {class: "day-name check", for: toggleId}, [toggle, document.createTextNode(" " + name)]),
      ranges, add]);
    var list = info.ranges && info.ranges.length ? info.ranges : [{start: info.start || "09:00", end: info.end || "17:00"}];
    list.forEach(function (range) { rangeRow(ranges, range, name + " hours"); });
    function sync() {
      ranges.hidden = !toggle.checked; add.hidden = !toggle.checked;
      row.classList.toggle("is-off", !toggle.checked);
      if (toggle.checked && !ranges.children.length) rangeRow(ranges, {start: "09:00", end: "17:00"}, name + " hours");
      renumber();
    }
    toggle.addEventListener("change", sync);
    add.addEventListener("click", function () {
      var last = ranges.lastElementChild;
      var from = last ? last.querySelectorAll("input")[1].value : "09:00";
      rangeRow(ranges, {start: from || "13:00", end: ""}, name + " hours").querySelector("input").focus();
      renumber();
    });
    weekly.appendChild(row);
    sync();
  });

  // --- Breaks -------------------------------------------------------------------------------
  function breakRow(item) {
    var row = el("div", {class: "break-row"});
    var times = el("div", {class: "range-row"}, [timeInput(item.start, "Break from"), el("span", {"aria-hidden": "true", text: "–"}),
      timeInput(item.end, "Break until")]);
    var days = el("div", {class: "checks", role: "group", "aria-label": "Days of this break"});
    DAYS.forEach(function (entry) {
      var box = el("input", {type: "checkbox", value: String(entry[0])});
      box.checked = (item.days || []).indexOf(entry[0]) >= 0;
      days.appendChild(el("label", {class: "check"}, [box, document.createTextNode(" " + SHORT[entry[0]])]));
    });
    row.appendChild(times);
    row.appendChild(days);
    row.appendChild(removeButton("Remove this break", function () { row.remove(); renumber(); }));
    breaks.appendChild(row);
    return row;
  }
  (rules.breakTimes || []).forEach(breakRow);
  document.getElementById("add-break").addEventListener("click", function () {
    breakRow({start: "13:00", end: "14:00", days: [1, 2, 3, 4, 5]}).querySelector("input").focus();
    renumber();
  });

  // --- Date overrides -----------------------------------------------------------------------
  function overrideRow(item) {
    var row = el("div", {class: "override-row"});
    var from = el("input", {type: "date", value: item.startDate || "", "aria-label": "From date", required: "required"});
    var until = el("input", {type: "date", value: item.endDate || item.startDate || "", "aria-label": "Until date"});
    var kind = el("select", {"aria-label": "What happens on these dates"}, [
      el("option", {value: "off", text: "Not available"}), el("option", {value: "hours", text: "Different hours"})]);
    kind.value = item.available ? "hours" : "off";
    var ranges = el("div", {class: "ranges"});
    (item.ranges && item.ranges.length ? item.ranges : [{start: "10:00", end: "14:00"}]).forEach(function (range) {
      rangeRow(ranges, range, "Special hours");
    });
    var note = el("input", {type: "text", value: item.note || "", maxlength: "120", placeholder: "Note (only you see it)", "aria-label": "Note"});
    function sync() { ranges.hidden = kind.value !== "hours"; }
    kind.addEventListener("change", sync);
    sync();
    row.appendChild(el("div", {class: "date-pair"}, [from, el("span", {"aria-hidden": "true", text: "to"}), until]));
    row.appendChild(kind);
    row.appendChild(ranges);
    row.appendChild(note);
    row.appendChild(removeButton("Remove this date", function () { row.remove(); renumber(); }));
    overrides.appendChild(row);
    return row;
  }
  (rules.dateOverrides || []).forEach(overrideRow);
  document.getElementById("add-override").addEventListener("click", function () {
    overrideRow({startDate: "", available: false}).querySelector("input").focus();
    renumber();
  });

  // Field paths mirror the body we send, so a server error lands on the right row.
  function renumber() {
    weekly.querySelectorAll(".day-row").forEach(function (row) {
      row.querySelectorAll(".range-row").forEach(function (range, index) {
        range.setAttribute("data-field", row.getAttribute("data-field") + ".ranges." + index);
      });
    });
    breaks.querySelectorAll(".break-row").forEach(function (row, index) { row.setAttribute("data-field", "breakTimes." + index); });
    overrides.querySelectorAll(".override-row").forEach(function (row, index) {
      row.setAttribute("data-field", "dateOverrides." + index);
      row.querySelectorAll(".range-row").forEach(function (range, rangeIndex) {
        range.setAttribute("data-field", "dateOverrides." + index + ".ranges." + rangeIndex);
      });
    });
  }
  renumber();

  function readRanges(container) {
    return Array.prototype.map.call(container.querySelectorAll(".range-row"), function (row) {
      var inputs = row.querySelectorAll("input");
      return {start: inputs[0].value, end: inputs[1].value};
    });
  }

  function buildBody() {
    var workingHours = {}, workingDays = [];
    weekly.querySelectorAll(".day-row").forEach(function (row) {
      var toggle = row.querySelector("input[type=checkbox]");
      var day = toggle.getAttribute("data-day");
      var ranges = toggle.checked ? readRanges(row.querySelector(".ranges")) : [];
      workingHours[day] = {enabled: toggle.checked, ranges: ranges};
      if (toggle.checked) workingDays.push(Number(day));
    });
    var breakTimes = Array.prototype.map.call(breaks.querySelectorAll(".break-row"), function (row) {
      var times = row.querySelectorAll("input[type=time]");
      var days = Array.prototype.filter.call(row.querySelectorAll("input[type=checkbox]"), function (box) { return box.checked; })
        .map(function (box) { return Number(box.value); });
      return {start: times[0].value, end: times[1].value, days: days};
    });
    var dateOverrides = Array.prototype.map.call(overrides.querySelectorAll(".override-row"), function (row) {
      var dates = row.querySelectorAll("input[type=date]");
      var available = row.querySelector("select").value === "hours";
      return {startDate: dates[0].value, endDate: dates[1].value || dates[0].value, available: available,
              ranges: available ? readRanges(row.querySelector(".ranges")) : [],
              note: row.querySelector("input[type=text]").value};
    });
    var durations = Array.prototype.filter.call(form.querySelectorAll("input[name=durations]"), function (box) { return box.checked; })
      .map(function (box) { return Number(box.value); });
    function number(id) { var value = document.getElementById(id).value; return value === "" ? null : Number(value); }
    return {workingHours: workingHours, workingDays: workingDays, breakTimes: breakTimes, dateOverrides: dateOverrides,
            timezone: document.getElementById("timezone").value, slotInterval: number("slotInterval"), durations: durations,
            bufferMinutes: number("bufferMinutes"), minimumNoticeHours: number("minimumNoticeHours"),
            bookingHorizonDays: number("bookingHorizonDays")};
  }

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (node) { node.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
    form.querySelectorAll(".has-error").forEach(function (node) { node.classList.remove("has-error"); });
  }

  function showStatus(kind, text) {
    status.hidden = false;
    status.className = "notice notice-" + kind;
    status.textContent = text;
  }

  function showFieldError(field, message) {
    var parts = (field || "").split(".");
    var target = null;
    while (parts.length && !target) {
      target = form.querySelector('[data-field="' + parts.join(".") + '"]');
      parts.pop();
    }
    target = target || form;
    target.classList.add("has-error");
    var first = target.querySelector("input, select");
    if (first) { first.setAttribute("aria-invalid", "true"); first.focus(); }
    target.appendChild(el("p", {class: "field-error", role: "alert", text: message}));
  }

  function getCookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Booked sessions that now fall on a day off: the save's message says so, and the list below the
  // message offers to keep or cancel each (a day off stops new bookings only).
  var savedJustNow = false;
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (!savedJustNow || !event.target || event.target.id !== "days-off-sessions") return;
    savedJustNow = false;
    var list = document.getElementById("days-off-sessions-list");
    var count = list ? parseInt(list.getAttribute("data-count"), 10) || 0 : 0;
    if (count) {
      showStatus("warning", "Saved. " + count + (count === 1 ? " booked session falls" : " booked sessions fall") +
        " on your days off and " + (count === 1 ? "is" : "are") + " still booked: keep or cancel " +
        (count === 1 ? "it" : "each") + " below.");
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    var button = document.getElementById("save");
    button.disabled = true;
    button.textContent = "Saving…";
    showStatus("info", "Saving your availability…");
    fetch("/api/v1/experts/availability", {
      method: "PUT", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": getCookie("csrftoken")},
      body: JSON.stringify(buildBody())
    }).then(function (response) {
      return response.json().catch(function () { return {success: false, error: {message: "The server sent an unexpected answer."}}; });
    }).then(function (body) {
      if (body.success) {
        showStatus("success", "Saved. Customers now see these times.");
        savedJustNow = true;
        if (window.htmx) {
          window.htmx.trigger("#preview", "refresh");
          window.htmx.trigger("#days-off-sessions", "refresh");
        }
      } else {
        showStatus("error", body.error.field ? "Not saved: please fix the highlighted field." : "Not saved: " + body.error.message);
        showFieldError(body.error.field, body.error.message);
      }
    }).catch(function () {
      showStatus("error", "Not saved: we could not reach Serene. Check your connection and try again.");
    }).finally(function () {
      button.disabled = false;
      button.textContent = "Save availability";
    });
  });
})();
