// The booking wizard on an expert's profile: date → time → confirm (and sign up or in) → pay, in a modal.
// Its step and choices live in the URL (?book=time&date=…&duration=…&time=…&tz=…), one history entry a
// step, so Back, reload and Android's Back behave. Dates and times are written by timefmt.js as pages
// write them; the server prices, holds and confirms.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("wizard-config").textContent);
  var root = document.getElementById("wizard");
  if (!root) return;

  var T = window.SereneTime;
  // Browsers may report legacy IANA aliases (Asia/Calcutta); T uses the current names, so "same zone" reads as same.
  var browserZone = T.browserZone(config.expert.timezone);
  var expertZone = T.canonicalZone(config.expert.timezone);
  var STEP_NAMES = {1: "Select date", 2: "Select time", 3: "Confirm booking", 4: "Payment"};
  var STEP_KEYS = {1: "date", 2: "time", 3: "confirm"};
  var state = {step: 1, month: null, date: null, duration: null, slot: null, order: null, zone: browserZone,
               opener: null, open: false, accountMode: "signup"};
  var $ = function (selector) { return root.querySelector(selector); };
  var nextButton = $('[data-action="next"]');
  var backButton = $('[data-action="back"]');
  var notice = $("#wizard-notice");
  var heading = $("#wizard-step-label");
  var checkoutLoaded = null;
  var csrfToken = "";
  var inerted = [];
  var busy = false;

  var defaultDuration = config.durations.some(function (d) { return d.minutes === 60; }) ? 60 : config.durations[0].minutes;
  state.duration = defaultDuration;

  // --- helpers ----------------------------------------------------------------------------
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function isoDate(year, month, day) { return year + "-" + pad(month) + "-" + pad(day); }
  function addDays(iso, days) {
    var p = iso.split("-").map(Number), d = new Date(Date.UTC(p[0], p[1] - 1, p[2] + days));
    return isoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
  function todayInZone() { return T.localDate(new Date(), state.zone); }  // YYYY-MM-DD
  function lastBookableDate() { return addDays(todayInZone(), config.horizonDays); }
  function validZone(name) {
    try { new Intl.DateTimeFormat("en", {timeZone: name}); return true; } catch (e) { return false; }
  }
  function escapeHtml(text) { return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"); }
  // When the expert's calendar date differs from the customer's, say so: "… on Tue 24 Nov for …".
  function expertDateIfDifferent(instant) {
    var theirs = T.localDate(instant, expertZone);
    return theirs === T.localDate(instant, state.zone) ? "" : " on " + T.formatShortDay(theirs);
  }
  function durationInfo(minutes) { return config.durations.filter(function (d) { return d.minutes === minutes; })[0]; }
  function endsAt(startsAt, minutes) { return new Date(new Date(startsAt).getTime() + minutes * 60000).toISOString().replace(".000", ""); }
  function csrf() {
    if (csrfToken) return csrfToken;
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function api(path, options) {
    return fetch(path, Object.assign({credentials: "same-origin", headers: {"Accept": "application/json"}}, options || {}))
      .then(function (response) {
        return response.json().catch(function () { return {success: false, error: {code: "bad_response", message: "The server sent an unexpected answer. Please try again."}}; })
          .then(function (body) { body.httpStatus = response.status; return body; });
      }, function () { return {success: false, httpStatus: 0, error: {code: "network", message: "We could not reach Serene. Check your connection and try again."}}; });
  }
  function post(path, body) {
    return api(path, {method: "POST", headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf()},
                      body: JSON.stringify(body)});
  }
  function showNotice(kind, text) { notice.hidden = !text; notice.className = "wizard-notice notice notice-" + kind; notice.textContent = text || ""; }

  // --- the URL holds the step and the choices ---------------------------------------------------
  function profileUrl() {
    var params = new URLSearchParams(window.location.search);
    ["book", "date", "duration", "time", "tz"].forEach(function (key) { params.delete(key); });
    var query = params.toString();
    return window.location.pathname + (query ? "?" + query : "");
  }
  function wizardUrl(step) {
    var params = new URLSearchParams(window.location.search);
    ["book", "date", "duration", "time", "tz"].forEach(function (key) { params.delete(key); });
    params.set("book", STEP_KEYS[Math.min(step, 3)]);
    if (state.date) params.set("date", state.date);
    if (state.duration !== defaultDuration || step > 1) params.set("duration", String(state.duration));
    if (state.slot && step >= 2) params.set("time", state.slot.startsAt);
    if (state.zone !== browserZone) params.set("tz", state.zone);
    return window.location.pathname + "?" + params.toString();
  }
  function depth() { return (window.history.state && window.history.state.wizardDepth) || 0; }
  // previous: the step being left. Its entry is rewritten with the choices made on it first, so that
  // Back shows that step as it was left (the date picked, the time picked).
  function remember(how, previous) {
    if (how === "push") {
      if (previous && depth() > 0) window.history.replaceState({wizardDepth: depth()}, "", wizardUrl(previous));
      window.history.pushState({wizardDepth: depth() + 1}, "", wizardUrl(state.step));
    } else if (how === "replace") window.history.replaceState({wizardDepth: depth()}, "", wizardUrl(state.step));
  }
  // The wizard's state as the URL gives it; null when the URL does not open the wizard.
  function readUrl() {
    var params = new URLSearchParams(window.location.search);
    var book = params.get("book");
    if (!book) return null;
    var wanted = {step: 1, date: null, duration: defaultDuration, startsAt: null, zone: null};
    var legacy = book.split("|");  // ?book=date|startsAt|duration, as links from before kept it
    if (legacy.length === 3) { wanted.step = 3; params.set("date", legacy[0]); params.set("time", legacy[1]); params.set("duration", legacy[2]); }
    else wanted.step = book === "confirm" ? 3 : book === "time" ? 2 : 1;
    var duration = Number(params.get("duration"));
    if (durationInfo(duration)) wanted.duration = duration;
    var tz = params.get("tz");
    if (tz && validZone(tz)) wanted.zone = T.canonicalZone(tz);
    var date = params.get("date");
    if (date && /^\d{4}-\d{2}-\d{2}$/.test(date)) wanted.date = date;
    var time = params.get("time");
    if (time && !isNaN(new Date(time).getTime()) && /^\d{4}-\d{2}-\d{2}T/.test(time)) wanted.startsAt = time;
    if (!wanted.date) wanted.step = 1;
    else if (wanted.step === 3 && !wanted.startsAt) wanted.step = 2;
    return wanted;
  }
  function applyWanted(wanted) {
    state.zone = wanted.zone || browserZone;
    state.date = wanted.date;
    state.month = wanted.date ? wanted.date.slice(0, 7) : state.month;
    state.duration = wanted.duration;
    state.slot = wanted.startsAt ? {startsAt: wanted.startsAt, endsAt: endsAt(wanted.startsAt, wanted.duration)} : null;
    showZone();
  }

  // --- steps ------------------------------------------------------------------------------
  // how: "push" (a new history entry), "replace" or "none" (the URL already says it: Back, reload).
  function go(step, how, focus) {
    var previous = state.open && state.step < 4 ? state.step : null;
    state.step = step;
    root.querySelectorAll("[data-step]").forEach(function (section) { section.hidden = Number(section.dataset.step) !== step; });
    heading.textContent = "Step " + step + " of 4: " + STEP_NAMES[step];
    $(".progress").setAttribute("aria-valuenow", String(step));
    $(".progress").setAttribute("aria-valuetext", "Step " + step + " of 4");
    $("#wizard-progress-bar").style.width = (step * 25) + "%";
    backButton.textContent = step === 1 ? "Cancel" : "← Back";
    backButton.hidden = step === 4;
    nextButton.hidden = step === 4;
    nextButton.textContent = step === 3 ? "Proceed to pay →" : "Next →";
    updateNext();
    if (step < 4) remember(how || "push", previous);
    if (step === 1) renderCalendar();
    if (step === 2) renderTimeStep();
    if (step === 3) renderConfirm();
    if (focus !== false) heading.focus();
  }
  function updateNext() {
    nextButton.disabled = busy || (state.step === 1 && !state.date) || (state.step === 2 && !state.slot);
  }
  function showZone() {
    root.querySelectorAll("[data-viewer-zone]").forEach(function (node) { node.textContent = T.zoneLabel(state.zone); });
    var select = $("#wizard-zone");
    if (!select.querySelector('option[value="' + state.zone + '"]')) {
      var extra = document.createElement("option");
      extra.value = state.zone;
      extra.textContent = T.zoneCity(state.zone);
      select.insertBefore(extra, select.firstChild);
    }
    select.value = state.zone;
    select.dispatchEvent(new Event("serene:sync"));  // the searchable picker over it (zone-combobox.js)
  }
  function retryBox(container, message, again) {
    container.setAttribute("aria-busy", "false");
    container.innerHTML = '<div class="load-failed" role="presentation"><p>' + escapeHtml(message) + '</p><button type="button" class="btn btn-small" data-action="retry">Try again</button></div>';
    container.querySelector('[data-action="retry"]').addEventListener("click", function () { again(); });
  }

  // Step 1: the month calendar, an ARIA grid (arrow keys move, one Tab stop).
  function renderCalendar(focusDate) {
    var today = todayInZone(), last = lastBookableDate();
    if (!state.month) state.month = (state.date || today).slice(0, 7);
    if (state.month < today.slice(0, 7)) state.month = today.slice(0, 7);
    var year = +state.month.slice(0, 4), month = +state.month.slice(5, 7);
    var calendar = $("#calendar");
    $("#calendar-month").textContent = T.formatMonth(state.month);
    $('[data-action="prev-month"]').disabled = state.month <= today.slice(0, 7);
    $('[data-action="next-month"]').disabled = state.month >= last.slice(0, 7);  // the booking horizon
    calendar.setAttribute("aria-busy", "true");
    calendar.innerHTML = '<p class="loading-text">Loading available dates…</p>';
    var requested = state.month;
    api("/api/v1/experts/" + encodeURIComponent(config.expert.id) + "/available-dates?month=" + state.month +
        "&duration=" + state.duration + "&tz=" + encodeURIComponent(state.zone)).then(function (body) {
      if (requested !== state.month || state.step !== 1) return;
      calendar.setAttribute("aria-busy", "false");
      if (!body.success) { retryBox(calendar, body.error.message, function () { renderCalendar(); }); return; }
      var available = {};
      body.availableDates.forEach(function (d) { available[d] = true; });
      var html = '<div class="calendar-row calendar-weekdays" role="row">';
      ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].forEach(function (d, i) {
        html += '<span role="columnheader"><abbr title="' + ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][i] + '">' + d + "</abbr></span>";
      });
      html += "</div>";
      var first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
      var days = new Date(Date.UTC(year, month, 0)).getUTCDate();
      var stop = (state.date && state.date.slice(0, 7) === state.month && state.date) ||
        body.availableDates.filter(function (d) { return d.slice(0, 7) === state.month; })[0] ||
        (today.slice(0, 7) === state.month ? today : isoDate(year, month, 1));
      if (focusDate && focusDate.slice(0, 7) === state.month) stop = focusDate;
      var cells = [];
      for (var i = 0; i < first; i++) cells.push('<span class="calendar-day is-blank" role="gridcell"></span>');
      for (var day = 1; day <= days; day++) {
        var iso = isoDate(year, month, day);
        var past = iso < today, free = !!available[iso];
        var label = T.formatDay(iso) + (free ? ", available" : past ? ", past" : ", no free times");
        var selected = iso === state.date;
        cells.push('<span role="gridcell"' + (selected ? ' aria-selected="true"' : "") + '><button type="button" class="calendar-day' +
          (free ? " is-available" : "") + (selected ? " is-selected" : "") + (iso === today ? " is-today" : "") +
          '" data-date="' + iso + '" tabindex="' + (iso === stop ? "0" : "-1") + '"' + (free ? "" : ' aria-disabled="true"') +
          ' aria-label="' + label + '"' + (selected ? ' aria-pressed="true"' : "") + ">" + day + "</button></span>");
      }
      while (cells.length % 7) cells.push('<span class="calendar-day is-blank" role="gridcell"></span>');
      for (var r = 0; r < cells.length; r += 7) html += '<div class="calendar-row" role="row">' + cells.slice(r, r + 7).join("") + "</div>";
      calendar.innerHTML = html;
      if (focusDate) { var target = calendar.querySelector('[data-date="' + focusDate + '"]'); if (target) target.focus(); }
      if (!body.availableDates.length) {
        showNotice("info", state.month >= last.slice(0, 7) ? "No free times this month, and bookings open " + config.horizonDays +
          " days ahead." : "No free times this month. Try the next month.");
      } else if (notice.classList.contains("notice-info") && /No free times this month/.test(notice.textContent)) showNotice("info", "");
    });
  }
  function chooseDate(button) {
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    if (state.date !== button.dataset.date) state.slot = null;
    state.date = button.dataset.date;
    showNotice("info", "");
    go(2, "push");  // a date chosen shows its times at once, as Calendly does
  }
  $("#calendar").addEventListener("click", function (event) { chooseDate(event.target.closest("button[data-date]")); });
  $("#calendar").addEventListener("keydown", function (event) {
    var button = event.target.closest("button[data-date]");
    if (!button) return;
    var moves = {ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7};
    var from = button.dataset.date, to = null;
    if (moves[event.key] !== undefined) to = addDays(from, moves[event.key]);
    else if (event.key === "Home") to = addDays(from, -new Date(from + "T00:00:00Z").getUTCDay());
    else if (event.key === "End") to = addDays(from, 6 - new Date(from + "T00:00:00Z").getUTCDay());
    else if (event.key === "PageUp" || event.key === "PageDown") {
      var p = from.split("-").map(Number), m = p[1] + (event.key === "PageUp" ? -1 : 1), y = p[0];
      if (m < 1) { m = 12; y--; } else if (m > 12) { m = 1; y++; }
      to = isoDate(y, m, Math.min(p[2], new Date(Date.UTC(y, m, 0)).getUTCDate()));
    }
    if (!to) return;
    event.preventDefault();
    var today = todayInZone();
    if (to < today || to.slice(0, 7) > lastBookableDate().slice(0, 7)) return;
    var target = $("#calendar").querySelector('[data-date="' + to + '"]');
    if (target) {
      $("#calendar").querySelectorAll("[data-date]").forEach(function (b) { b.tabIndex = -1; });
      target.tabIndex = 0;
      target.focus();
    } else {
      state.month = to.slice(0, 7);
      renderCalendar(to);
    }
  });
  $("#calendar").addEventListener("dblclick", function (event) { if (event.target.closest("button[data-date]") && state.date && state.step === 1) go(2, "push"); });
  function shiftMonth(delta) {
    var year = +state.month.slice(0, 4), month = +state.month.slice(5, 7) + delta;
    if (month < 1) { month = 12; year--; } else if (month > 12) { month = 1; year++; }
    var next = year + "-" + pad(month);
    if (next > lastBookableDate().slice(0, 7) || next < todayInZone().slice(0, 7)) return;
    state.month = next;
    renderCalendar();
  }
  $('[data-action="prev-month"]').addEventListener("click", function () { shiftMonth(-1); });
  $('[data-action="next-month"]').addEventListener("click", function () { shiftMonth(1); });

  // Step 2: duration, time zone and the slot grid (an ARIA grid too).
  function renderTimeStep() {
    $("#chosen-date").textContent = T.formatDay(state.date);
    var options = $("#durations");
    options.innerHTML = "";
    config.durations.forEach(function (d) {
      var id = "duration-" + d.minutes;
      var label = document.createElement("label");
      label.className = "duration-option";
      label.setAttribute("for", id);
      label.innerHTML = '<input type="radio" name="duration" id="' + id + '" value="' + d.minutes + '"' + (d.minutes === state.duration ? " checked" : "") +
        '><span>' + d.minutes + ' min</span><strong>' + d.display + "</strong>";
      options.appendChild(label);
    });
    $("#expert-zone-note").textContent = expertZone === state.zone ? "" :
      config.expert.name + " is on " + T.zoneLabel(expertZone) + "; both times are shown when you confirm.";
    loadSlots();
  }
  $("#durations").addEventListener("change", function (event) {
    state.duration = Number(event.target.value);
    showNotice("info", "");
    if (state.slot) state.slot = {startsAt: state.slot.startsAt, endsAt: endsAt(state.slot.startsAt, state.duration)};
    updateNext();
    remember("replace");
    loadSlots();  // keeps the chosen time if it is still free for the new length
  });
  $("#wizard-zone").addEventListener("change", function (event) {
    state.zone = T.canonicalZone(event.target.value);
    showZone();
    remember("replace");
    renderTimeStep();
  });
  function slotColumns() { return window.matchMedia("(min-width: 640px)").matches ? 4 : 3; }
  function loadSlots() {
    var grid = $("#slots");
    grid.setAttribute("aria-busy", "true");
    grid.innerHTML = '<p class="loading-text">Loading times…</p>';
    var key = state.date + "/" + state.duration + "/" + state.zone;
    api("/api/v1/experts/" + encodeURIComponent(config.expert.id) + "/availability?date=" + state.date + "&duration=" + state.duration +
        "&tz=" + encodeURIComponent(state.zone) + "&dateTz=" + encodeURIComponent(state.zone)).then(function (body) {
      if (key !== state.date + "/" + state.duration + "/" + state.zone || state.step !== 2) return;
      grid.setAttribute("aria-busy", "false");
      if (!body.success) { retryBox(grid, body.error.message || "The times could not be loaded.", loadSlots); return; }
      var shown = body.availableSlots.filter(function (s) { return s.available || s.status === "booked"; });
      var wanted = state.slot && state.slot.startsAt;
      var kept = wanted && shown.filter(function (s) { return s.available && s.startsAt === wanted; })[0];
      if (wanted && !kept) {
        state.slot = null;
        showNotice("info", T.formatTime(wanted, state.zone) + " is not free for " + state.duration + " minutes. Choose another time.");
        remember("replace");
      } else if (kept) state.slot = {startsAt: kept.startsAt, endsAt: kept.endsAt};
      updateNext();
      if (!shown.some(function (s) { return s.available; })) {
        grid.innerHTML = '<p class="muted">No free ' + state.duration + "-minute times on this day. Try a shorter session or another date.</p>";
        return;
      }
      var stop = kept ? kept.startsAt : shown.filter(function (s) { return s.available; })[0].startsAt;
      var cells = shown.map(function (s) {
        var time = T.formatTime(s.startsAt, state.zone);
        var selected = state.slot && state.slot.startsAt === s.startsAt;
        // The name is the visible text ("9:00 am Booked"), so what is heard is what is seen.
        return '<span role="gridcell"' + (selected ? ' aria-selected="true"' : "") + '><button type="button" class="slot' +
          (s.available ? "" : " is-booked") + (selected ? " is-selected" : "") + '" data-starts="' + s.startsAt + '" data-ends="' +
          s.endsAt + '" tabindex="' + (s.startsAt === stop ? "0" : "-1") + '"' + (s.available ? "" : ' aria-disabled="true"') +
          ' aria-pressed="' + (selected ? "true" : "false") + '">' + time + (s.available ? "" : ' <span class="slot-note">Booked</span>') + "</button></span>";
      });
      var columns = slotColumns(), html = "";
      for (var r = 0; r < cells.length; r += columns) {
        var row = cells.slice(r, r + columns);
        while (row.length < columns) row.push('<span role="gridcell"></span>');
        html += '<div class="slot-row" role="row" style="grid-template-columns:repeat(' + columns + ',1fr)">' + row.join("") + "</div>";
      }
      grid.innerHTML = html;
    });
  }
  $("#slots").addEventListener("click", function (event) {
    var button = event.target.closest("button.slot");
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    state.slot = {startsAt: button.dataset.starts, endsAt: button.dataset.ends};
    showNotice("info", "");
    go(3, "push");  // a time chosen goes straight to the summary
  });
  $("#slots").addEventListener("keydown", function (event) {
    var button = event.target.closest("button.slot");
    if (!button) return;
    var all = Array.prototype.slice.call($("#slots").querySelectorAll("button.slot"));
    var index = all.indexOf(button), columns = slotColumns(), to = null;
    var moves = {ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns};
    if (moves[event.key] !== undefined) to = index + moves[event.key];
    else if (event.key === "Home") to = event.ctrlKey ? 0 : index - index % columns;
    else if (event.key === "End") to = event.ctrlKey ? all.length - 1 : Math.min(all.length - 1, index - index % columns + columns - 1);
    if (to === null) return;
    event.preventDefault();
    if (to < 0 || to >= all.length) return;
    all.forEach(function (b) { b.tabIndex = -1; });
    all[to].tabIndex = 0;
    all[to].focus();
  });

  // Step 3: confirm, with sign-up or sign-in for a visitor, and the note for the expert.
  function renderConfirm() {
    var d = durationInfo(state.duration);
    var rows = [
      ["Date", T.formatDate(state.slot.startsAt, state.zone)],
      ["Time", T.formatTimeRange(state.slot.startsAt, state.slot.endsAt, state.zone) + " (" + T.zoneLabel(state.zone) + ")" +
        (expertZone !== state.zone ? "\n" + T.formatTimeRange(state.slot.startsAt, state.slot.endsAt, expertZone) +
          expertDateIfDifferent(state.slot.startsAt) + " for " + config.expert.name + " (" + T.zoneLabel(expertZone) + ")" : "")],
      ["Duration", state.duration + " minutes"],
      ["Amount", d.display]
    ];
    $("#confirm-list").innerHTML = rows.map(function (row) {
      return "<div><dt>" + row[0] + "</dt><dd>" + escapeHtml(row[1]).replace(/\n/g, '<br><span class="muted small">') + (row[1].indexOf("\n") >= 0 ? "</span>" : "") + "</dd></div>";
    }).join("");
    $("#confirm-compact").textContent = T.formatShortDate(state.slot.startsAt, state.zone) + ", " +
      T.formatTime(state.slot.startsAt, state.zone) + " · " + state.duration + " min · " + d.display;
    root.classList.toggle("is-signing-up", !config.signedIn);
    var hoursAhead = (new Date(state.slot.startsAt) - new Date()) / 3600000;
    var late = hoursAhead < config.cancellationWindowHours;  // the server's words (bookings/policy.py) for each case
    $("#policy").textContent = config.expert.requiresApproval ? (late ? config.lateApprovalPolicy : config.approvalPolicy)
      : (late ? config.latePolicy : config.policy);
    $("#wizard-account").hidden = config.signedIn;
    $("#signed-in-as").hidden = !config.signedIn || !config.prefill.email;
    if (config.signedIn && config.prefill.email) $("#signed-in-as").textContent = "Booking as " + (config.prefill.name || "") + " (" + config.prefill.email + ").";
    if (!config.signedIn) setAccountMode(state.accountMode, false);
    if (state.order && state.order.startsAt === state.slot.startsAt && state.order.duration === state.duration && new Date(state.order.holdExpiresAt) > new Date()) {
      showNotice("info", "We are holding this time for you until " + T.formatTime(state.order.holdExpiresAt, state.zone) + ".");
    }
  }
  function setAccountMode(mode, focus) {
    state.accountMode = mode;
    var signup = mode === "signup";
    root.querySelectorAll('#wizard-account [data-for="signup"]').forEach(function (node) { node.hidden = !signup; });
    $("#account-switch-signup").hidden = !signup;
    $("#account-switch-login").hidden = signup;
    $("#account-password").setAttribute("autocomplete", signup ? "new-password" : "current-password");
    clearAccountErrors();
    if (focus) $(signup ? "#account-name" : "#account-email").focus();
  }
  $('[data-action="have-account"]').addEventListener("click", function () { setAccountMode("login", true); });
  $('[data-action="new-account"]').addEventListener("click", function () { setAccountMode("signup", true); });
  $("#wizard-account").addEventListener("submit", function (event) { event.preventDefault(); proceed(); });
  function clearAccountErrors() {
    ["name", "email", "password"].forEach(function (field) { fieldError(field, ""); });
    $("#account-error").hidden = true;
  }
  function fieldError(field, message) {
    var input = $("#account-" + field), box = $("#account-" + field + "-error");
    box.hidden = !message;
    box.textContent = message || "";
    if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  }
  function focusFirstInvalid() {
    var invalid = root.querySelector('#wizard-account [aria-invalid="true"]');
    (invalid || $("#account-error")).focus();
  }
  // The site header still offers "Log in / Sign up": show what a signed-in page shows instead. At once
  // from the page's <template> (with a Log out form carrying the new session's token), then the
  // server's own signed-in header (menu, notifications) replaces it, fetched without leaving the page.
  function showSignedInHeader(name, token) {
    var links = document.querySelectorAll("[data-signed-out]");
    var signedIn = document.getElementById("nav-signed-in");
    if (!signedIn || !links.length) return;
    var content = signedIn.content.cloneNode(true);
    content.querySelector("[data-user-name]").textContent = name || "Your profile";
    var tokenField = content.querySelector("[data-csrf]");
    if (tokenField) tokenField.value = token || csrf();
    links[0].parentNode.insertBefore(content, links[0]);
    Array.prototype.forEach.call(links, function (link) { link.remove(); });
    fetch(window.location.pathname + window.location.search, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".site-header");
        var current = document.querySelector(".site-header");
        if (!fresh || !current || !fresh.querySelector("#nav-menu")) return;
        current.replaceWith(document.importNode(fresh, true));
        document.dispatchEvent(new CustomEvent("serene:header-replaced"));
      })
      .catch(function () { /* the header from the template stays, Log out included */ });
  }
  // Sign up or in without leaving the wizard; resolves true once the session can pay.
  function authenticate() {
    clearAccountErrors();
    var signup = state.accountMode === "signup";
    var values = {name: $("#account-name").value.trim(), email: $("#account-email").value.trim(), password: $("#account-password").value};
    var missing = false;
    if (signup && !values.name) { fieldError("name", "Please tell us your name."); missing = true; }
    if (!values.email) { fieldError("email", "Enter your email address."); missing = true; }
    if (!values.password) { fieldError("password", signup ? "Choose a password of at least 10 characters." : "Enter your password."); missing = true; }
    if (missing) { focusFirstInvalid(); return Promise.resolve(false); }
    return api("/api/v1/auth/csrf").then(function (token) {
      if (token.success) csrfToken = token.csrfToken;
      var body = signup ? {name: values.name, email: values.email, password: values.password, timezone: state.zone}
                        : {email: values.email, password: values.password};
      return post(signup ? "/api/v1/auth/signup" : "/api/v1/auth/login", body);
    }).then(function (answer) {
      if (!answer.success) {
        var fields = answer.error.fields || (answer.error.field ? {} : null);
        if (answer.error.fields) {
          Object.keys(fields).forEach(function (field) { if ($("#account-" + field)) fieldError(field, fields[field].join(" ")); });
        }
        if (!answer.error.fields || !root.querySelector('#wizard-account [aria-invalid="true"]')) {
          $("#account-error").textContent = answer.error.message;
          $("#account-error").hidden = false;
          $("#account-error").setAttribute("tabindex", "-1");
        }
        focusFirstInvalid();
        return false;
      }
      csrfToken = answer.csrfToken;
      config.signedIn = true;
      config.prefill = {name: answer.user.name, email: answer.user.email};
      $("#account-password").value = "";
      showSignedInHeader(answer.user.shortName, answer.csrfToken);
      return true;
    });
  }

  // Step 4: pay.
  function loadCheckout() {
    if (window.Razorpay) return Promise.resolve();
    if (!checkoutLoaded) {
      checkoutLoaded = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = config.checkoutJs;
        script.onload = resolve;
        script.onerror = function () { checkoutLoaded = null; reject(new Error("checkout")); };
        document.head.appendChild(script);
      });
    }
    return checkoutLoaded;
  }
  function setBusy(value) { busy = value; nextButton.setAttribute("aria-busy", String(value)); updateNext(); }
  function proceed() {
    if (busy) return;
    if (config.signedIn) { pay(); return; }
    setBusy(true);
    loadCheckout().catch(function () {});  // meanwhile
    authenticate().then(function (ok) {
      setBusy(false);
      if (ok) { renderConfirm(); pay(); }
    });
  }
  function pay() {
    go(4, "none");
    showNotice("info", "");
    $("#paying-text").textContent = "Holding your time and opening secure payment…";
    var d = durationInfo(state.duration);
    var body = {amount: d.amountMinor / 100, currency: config.currency, duration: state.duration, startsAt: state.slot.startsAt,
                notes: {expertId: config.expert.id}, customerNote: $("#wizard-note").value.trim()};
    Promise.all([post("/api/v1/payments/create-order", body), loadCheckout().catch(function () { return "failed"; })])
      .then(function (results) {
        var order = results[0];
        if (!order.success) {
          if (order.error.code === "slot_taken") {
            state.slot = null;
            go(2, "replace");
            showNotice("error", "Sorry, someone has just taken that time. Here are the times still free.");
          } else {
            go(3, "none");
            showNotice("error", order.error.message);
          }
          return;
        }
        if (results[1] === "failed" || !window.Razorpay) { go(3, "none"); showNotice("error", "The payment window could not load. Check your connection and try again."); return; }
        state.order = order;
        openCheckout(order);
      });
  }
  function openCheckout(order) {
    $("#paying-text").textContent = "Complete the payment in the secure window.";
    var checkout = new window.Razorpay({
      key: order.keyId, amount: order.amountMinor, currency: order.currency, order_id: order.orderId,
      name: "Serene Wellbeing", description: "Session with " + config.expert.name, prefill: config.prefill,
      theme: {color: "#2f6f62"},
      handler: function (result) {
        $("#paying-text").textContent = "Payment received. Confirming your booking…";
        heading.focus();
        post("/api/v1/payments/verify", result).then(function (verified) {
          if (verified.success) { window.location.href = verified.redirectUrl; return; }
          window.location.href = "/booking/failed?error=" + encodeURIComponent(verified.error.code) + "&sessionId=" + order.sessionId;
        });
      },
      modal: {ondismiss: function () {
        go(3, "none", false);
        showNotice("info", "Payment not finished. We are holding this time for you until " + T.formatTime(order.holdExpiresAt, state.zone) +
          ". Press “Proceed to pay” to try again.");
        nextButton.focus();  // back where the checkout was opened from
      }}
    });
    checkout.on("payment.failed", function (response) {
      var reason = (response.error && (response.error.reason || response.error.code)) || "payment_failed";
      window.location.href = "/booking/failed?error=" + encodeURIComponent(reason) + "&sessionId=" + order.sessionId;
    });
    checkout.open();
  }

  // --- buttons, open and close --------------------------------------------------------------
  nextButton.addEventListener("click", function () {
    if (state.step === 1 && state.date) { showNotice("info", ""); go(2, "push"); }
    else if (state.step === 2 && state.slot) { showNotice("info", ""); go(3, "push"); }
    else if (state.step === 3) { showNotice("info", ""); proceed(); }
  });
  backButton.addEventListener("click", function () {
    showNotice("info", "");
    if (state.step === 1) { close(); return; }
    if (depth() > 1) window.history.back();  // popstate shows the step before
    else go(state.step - 1, "replace");
  });
  $('[data-action="close"]').addEventListener("click", close);
  function tabbables(container) {
    return Array.prototype.filter.call(container.querySelectorAll("a[href], button, input, select, textarea, [tabindex]"), function (node) {
      return !node.disabled && node.tabIndex >= 0 && node.getClientRects().length > 0 && !node.closest("[hidden]");
    });
  }
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && state.step !== 4 && !document.querySelector(".rzp-sbx-backdrop")) { event.preventDefault(); close(); }
    if (event.key === "Tab") {  // keep focus inside the dialog
      var focusable = tabbables(root);
      if (!focusable.length) return;
      var first = focusable[0], last = focusable[focusable.length - 1];
      var inside = focusable.indexOf(document.activeElement) >= 0;
      if (event.shiftKey && (document.activeElement === first || !inside)) { last.focus(); event.preventDefault(); }
      else if (!event.shiftKey && (document.activeElement === last || !inside)) { first.focus(); event.preventDefault(); }
    }
  });
  // The page behind is inert while the wizard is open: no Tab, click or screen reader reaches it.
  function setBackgroundInert(on) {
    if (on) {
      Array.prototype.forEach.call(document.body.children, function (node) {
        if (node !== root && node.tagName !== "SCRIPT" && !node.inert) { node.inert = true; inerted.push(node); }
      });
    } else {
      inerted.forEach(function (node) { node.inert = false; });
      inerted = [];
    }
  }
  function show(opener) {
    if (!state.open) {
      state.opener = opener || document.querySelector("#book-bar button") || document.getElementById("book-button");
      if (root.parentNode !== document.body) document.body.appendChild(root);
      root.hidden = false;
      document.body.classList.add("has-modal");
      setBackgroundInert(true);
      state.open = true;
    }
  }
  function hide() {
    if (!state.open) return;
    state.open = false;
    root.hidden = true;
    document.body.classList.remove("has-modal");
    setBackgroundInert(false);
    showNotice("info", "");
    var opener = state.opener;
    if (opener && opener.getClientRects().length === 0) opener = document.querySelector("#book-bar button:not([hidden])") || document.getElementById("book-button");
    if (opener && opener.focus) opener.focus();
  }
  function openFromUser(opener) {
    if (state.open) return;
    state.step = 1;
    show(opener);
    go(1, "push");
  }
  function close() {
    var steps = depth();
    if (steps > 0) window.history.go(-steps);  // popstate hides it, back on the profile's own entry
    else { window.history.replaceState(null, "", profileUrl()); hide(); }
  }
  window.addEventListener("popstate", function () {
    if (document.querySelector(".rzp-sbx-backdrop")) return;
    var wanted = readUrl();
    if (!wanted) { hide(); return; }
    applyWanted(wanted);
    show();
    go(wanted.step, "none");
  });
  document.addEventListener("submit", function (event) {
    if (!event.target.matches("[data-book-form]")) return;
    event.preventDefault();
    openFromUser(event.submitter || event.target.querySelector("button"));
  });

  window.SereneWizard = {open: openFromUser};
  showZone();
  // A tap on Book before this script ran, or a URL that opens the wizard (reload, Back, a link).
  var queued = window.sereneBookQueued;
  if (queued) { queued.removeAttribute("aria-busy"); window.sereneBookQueued = null; }
  var fromUrl = readUrl();
  if (fromUrl) {
    applyWanted(fromUrl);
    show(queued || null);
    go(fromUrl.step, "replace");
  } else if (queued) {
    openFromUser(queued);
  }
})();
