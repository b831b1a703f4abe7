// The booking wizard on an expert's profile: date → time → confirm → pay, in a modal.
// Dates and times are shown in the browser's time zone, written by timefmt.js as pages write them;
// the server prices, holds and confirms.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("wizard-config").textContent);
  var root = document.getElementById("wizard");
  var openButton = document.getElementById("book-button");
  if (!root || !openButton) return;

  var T = window.SereneTime;
  // Browsers may report legacy IANA aliases (Asia/Calcutta); T uses the current names, so "same zone" reads as same.
  var zone = T.browserZone(config.expert.timezone);
  var expertZone = T.canonicalZone(config.expert.timezone);
  var STEP_NAMES = {1: "Select date", 2: "Select time", 3: "Confirm booking", 4: "Payment"};
  var state = {step: 1, month: null, date: null, duration: null, slot: null, order: null, lastFocus: null};
  var $ = function (selector) { return root.querySelector(selector); };
  var nextButton = $('[data-action="next"]');
  var backButton = $('[data-action="back"]');
  var notice = $("#wizard-notice");
  var checkoutLoaded = null;

  var defaultDuration = config.durations.some(function (d) { return d.minutes === 60; }) ? 60 : config.durations[0].minutes;
  state.duration = defaultDuration;
  root.querySelectorAll("[data-viewer-zone]").forEach(function (node) { node.textContent = T.zoneLabel(zone); });
  $("#confirm-avatar").src = config.expert.avatar;

  // --- helpers ----------------------------------------------------------------------------
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function isoDate(year, month, day) { return year + "-" + pad(month) + "-" + pad(day); }
  function todayInZone() { return T.localDate(new Date(), zone); }  // YYYY-MM-DD
  // When the expert's calendar date differs from the customer's, say so: "… on Tue 24 Nov for …".
  function expertDateIfDifferent(instant) {
    var theirs = T.localDate(instant, expertZone);
    return theirs === T.localDate(instant, zone) ? "" : " on " + T.formatShortDay(theirs);
  }
  function durationInfo(minutes) { return config.durations.filter(function (d) { return d.minutes === minutes; })[0]; }
  function csrf() { var m = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/); return m ? decodeURIComponent(m[1]) : ""; }
  function api(path, options) {
    return fetch(path, Object.assign({credentials: "same-origin", headers: {"Accept": "application/json"}}, options || {}))
      .then(function (response) {
        return response.json().catch(function () { return {success: false, error: {code: "bad_response", message: "The server sent an unexpected answer. Please try again."}}; })
          .then(function (body) { body.httpStatus = response.status; return body; });
      }, function () { return {success: false, httpStatus: 0, error: {code: "network", message: "We could not reach Serene. Check your connection and try again."}}; });
  }
  function showNotice(kind, text) { notice.hidden = !text; notice.className = "wizard-notice notice notice-" + kind; notice.textContent = text || ""; }

  // --- steps ------------------------------------------------------------------------------
  function go(step) {
    state.step = step;
    root.querySelectorAll("[data-step]").forEach(function (section) { section.hidden = Number(section.dataset.step) !== step; });
    $("#wizard-step-label").textContent = "Step " + step + " of 4: " + STEP_NAMES[step];
    $(".progress").setAttribute("aria-valuenow", String(step));
    $("#wizard-progress-bar").style.width = (step * 25) + "%";
    backButton.textContent = step === 1 ? "Cancel" : "← Back";
    backButton.hidden = step === 4;
    nextButton.hidden = step === 4;
    nextButton.textContent = step === 3 ? "Proceed to pay →" : "Next →";
    updateNext();
    if (step === 1) renderCalendar();
    if (step === 2) renderTimeStep();
    if (step === 3) renderConfirm();
  }
  function updateNext() {
    nextButton.disabled = (state.step === 1 && !state.date) || (state.step === 2 && !state.slot);
  }

  // Step 1: the month calendar.
  function renderCalendar() {
    var today = todayInZone();
    if (!state.month) state.month = (state.date || today).slice(0, 7);
    var year = +state.month.slice(0, 4), month = +state.month.slice(5, 7);
    var calendar = $("#calendar");
    $("#calendar-month").textContent = T.formatMonth(state.month);
    $('[data-action="prev-month"]').disabled = state.month <= today.slice(0, 7);
    calendar.setAttribute("aria-busy", "true");
    calendar.innerHTML = '<p class="loading-text">Loading available dates…</p>';
    var requested = state.month;
    api("/api/v1/experts/" + encodeURIComponent(config.expert.id) + "/available-dates?month=" + state.month +
        "&duration=" + state.duration + "&tz=" + encodeURIComponent(zone)).then(function (body) {
      if (requested !== state.month) return;
      calendar.setAttribute("aria-busy", "false");
      if (!body.success) { calendar.innerHTML = ""; showNotice("error", body.error.message); return; }
      var available = {};
      body.availableDates.forEach(function (d) { available[d] = true; });
      var html = '<div class="calendar-row calendar-weekdays" role="row">';
      ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].forEach(function (d) { html += '<span role="columnheader">' + d + "</span>"; });
      html += "</div>";
      var first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
      var days = new Date(Date.UTC(year, month, 0)).getUTCDate();
      var cells = [];
      for (var i = 0; i < first; i++) cells.push('<span class="calendar-day is-blank" role="gridcell"></span>');
      for (var day = 1; day <= days; day++) {
        var iso = isoDate(year, month, day);
        var past = iso < today, free = !!available[iso];
        var label = T.formatDay(iso) + (free ? ", available" : past ? ", past" : ", no free times");
        cells.push('<span role="gridcell"><button type="button" class="calendar-day' + (free ? " is-available" : "") +
          (iso === state.date ? " is-selected" : "") + (iso === today ? " is-today" : "") + '" data-date="' + iso + '"' +
          (free ? "" : " disabled") + ' aria-label="' + label + '"' + (iso === state.date ? ' aria-pressed="true"' : "") + ">" + day + "</button></span>");
      }
      for (var r = 0; r < cells.length; r += 7) html += '<div class="calendar-row" role="row">' + cells.slice(r, r + 7).join("") + "</div>";
      calendar.innerHTML = html;
      if (!body.availableDates.length) showNotice("info", "No free times this month. Try the next month.");
      else if (notice.classList.contains("notice-info") && /No free times this month/.test(notice.textContent)) showNotice("info", "");
    });
  }
  $("#calendar").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-date]");
    if (!button || button.disabled) return;
    state.date = button.dataset.date;
    state.slot = null;
    $("#calendar").querySelectorAll(".is-selected").forEach(function (b) { b.classList.remove("is-selected"); b.removeAttribute("aria-pressed"); });
    button.classList.add("is-selected");
    button.setAttribute("aria-pressed", "true");
    updateNext();
  });
  $("#calendar").addEventListener("dblclick", function (event) { if (event.target.closest("button[data-date]") && state.date) go(2); });
  function shiftMonth(delta) {
    var year = +state.month.slice(0, 4), month = +state.month.slice(5, 7) + delta;
    if (month < 1) { month = 12; year--; } else if (month > 12) { month = 1; year++; }
    state.month = year + "-" + pad(month);
    renderCalendar();
  }
  $('[data-action="prev-month"]').addEventListener("click", function () { shiftMonth(-1); });
  $('[data-action="next-month"]').addEventListener("click", function () { shiftMonth(1); });

  // Step 2: duration and the slot grid.
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
    $("#expert-zone-note").textContent = expertZone === zone ? "" :
      config.expert.name + " is on " + T.zoneLabel(expertZone) + "; both times are shown when you confirm.";
    loadSlots();
  }
  $("#durations").addEventListener("change", function (event) {
    state.duration = Number(event.target.value);
    state.slot = null;
    updateNext();
    loadSlots();
  });
  function loadSlots() {
    var grid = $("#slots");
    grid.setAttribute("aria-busy", "true");
    grid.innerHTML = '<p class="loading-text">Loading times…</p>';
    var key = state.date + "/" + state.duration;
    api("/api/v1/experts/" + encodeURIComponent(config.expert.id) + "/availability?date=" + state.date + "&duration=" + state.duration +
        "&tz=" + encodeURIComponent(zone) + "&dateTz=" + encodeURIComponent(zone)).then(function (body) {
      if (key !== state.date + "/" + state.duration) return;
      grid.setAttribute("aria-busy", "false");
      if (!body.success) { grid.innerHTML = ""; showNotice("error", body.error.message); return; }
      var shown = body.availableSlots.filter(function (s) { return s.available || s.status === "booked"; });
      if (!shown.some(function (s) { return s.available; })) {
        grid.innerHTML = '<p class="muted">No free ' + state.duration + "-minute times on this day. Try a shorter session or another date.</p>";
        return;
      }
      grid.innerHTML = shown.map(function (s) {
        var time = T.formatTime(s.startsAt, zone);
        var selected = state.slot && state.slot.startsAt === s.startsAt;
        return '<button type="button" class="slot' + (s.available ? "" : " is-booked") + (selected ? " is-selected" : "") +
          '" data-starts="' + s.startsAt + '" data-ends="' + s.endsAt + '"' + (s.available ? "" : " disabled") +
          ' aria-pressed="' + (selected ? "true" : "false") + '" aria-label="' + time + (s.available ? "" : ", booked") + '">' +
          time + (s.available ? "" : '<span class="slot-note">Booked</span>') + "</button>";
      }).join("");
    });
  }
  $("#slots").addEventListener("click", function (event) {
    var button = event.target.closest("button.slot");
    if (!button || button.disabled) return;
    $("#slots").querySelectorAll(".is-selected").forEach(function (b) { b.classList.remove("is-selected"); b.setAttribute("aria-pressed", "false"); });
    button.classList.add("is-selected");
    button.setAttribute("aria-pressed", "true");
    state.slot = {startsAt: button.dataset.starts, endsAt: button.dataset.ends};
    updateNext();
  });

  // Step 3: confirm.
  function renderConfirm() {
    var d = durationInfo(state.duration);
    var rows = [
      ["Date", T.formatDay(state.date)],
      ["Time", T.formatTimeRange(state.slot.startsAt, state.slot.endsAt, zone) + " (" + T.zoneLabel(zone) + ")" +
        (expertZone !== zone ? "\n" + T.formatTimeRange(state.slot.startsAt, state.slot.endsAt, expertZone) +
          expertDateIfDifferent(state.slot.startsAt) + " for " + config.expert.name + " (" + T.zoneLabel(expertZone) + ")" : "")],
      ["Duration", state.duration + " minutes"],
      ["Amount", d.display]
    ];
    $("#confirm-list").innerHTML = rows.map(function (row) {
      return "<div><dt>" + row[0] + "</dt><dd>" + row[1].replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/\n/g, '<br><span class="muted small">') + (row[1].indexOf("\n") >= 0 ? "</span>" : "") + "</dd></div>";
    }).join("");
    var hoursAhead = (new Date(state.slot.startsAt) - new Date()) / 3600000;
    var policy = hoursAhead >= config.cancellationWindowHours ? "Cancellation policy: " + config.policy
      : "This session starts within " + config.cancellationWindowHours + " hours, so cancelling it would not be refunded.";
    $("#policy").textContent = policy + (config.expert.requiresApproval ? " " + config.expert.name + " confirms new bookings by hand; if they decline, you are refunded in full." : "");
    if (state.order && state.order.startsAt === state.slot.startsAt && state.order.duration === state.duration && new Date(state.order.holdExpiresAt) > new Date()) {
      showNotice("info", "We are holding this time for you until " + T.formatTime(state.order.holdExpiresAt, zone) + ".");
    }
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
  function pay() {
    if (!config.signedIn) {
      var back = window.location.pathname + "?book=" + encodeURIComponent([state.date, state.slot.startsAt, state.duration].join("|"));
      window.location.href = config.loginUrl + "?next=" + encodeURIComponent(back);
      return;
    }
    go(4);
    showNotice("info", "");
    $("#paying-text").textContent = "Holding your time and opening secure payment…";
    var d = durationInfo(state.duration);
    var body = {amount: d.amountMinor / 100, currency: config.currency, duration: state.duration, startsAt: state.slot.startsAt,
                notes: {expertId: config.expert.id}};
    Promise.all([api("/api/v1/payments/create-order", {method: "POST", headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
                                                       body: JSON.stringify(body)}), loadCheckout().catch(function () { return "failed"; })])
      .then(function (results) {
        var order = results[0];
        if (!order.success) {
          if (order.error.code === "slot_taken") {
            state.slot = null;
            go(2);
            showNotice("error", "Sorry, someone has just taken that time. Here are the times still free.");
          } else {
            go(3);
            showNotice("error", order.error.message);
          }
          return;
        }
        if (results[1] === "failed" || !window.Razorpay) { go(3); showNotice("error", "The payment window could not load. Check your connection and try again."); return; }
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
        api("/api/v1/payments/verify", {method: "POST", headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
                                        body: JSON.stringify(result)}).then(function (verified) {
          if (verified.success) { window.location.href = verified.redirectUrl; return; }
          window.location.href = "/booking/failed?error=" + encodeURIComponent(verified.error.code) + "&sessionId=" + order.sessionId;
        });
      },
      modal: {ondismiss: function () {
        go(3);
        showNotice("info", "Payment not finished. We are holding this time for you until " + T.formatTime(order.holdExpiresAt, zone) +
          ". Press “Proceed to pay” to try again.");
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
    showNotice("info", "");
    if (state.step === 1 && state.date) go(2);
    else if (state.step === 2 && state.slot) go(3);
    else if (state.step === 3) pay();
  });
  backButton.addEventListener("click", function () {
    showNotice("info", "");
    if (state.step === 1) close(); else go(state.step - 1);
  });
  $('[data-action="close"]').addEventListener("click", close);
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && state.step !== 4 && !document.querySelector(".rzp-sbx-backdrop")) close();
    if (event.key === "Tab") {  // keep focus inside the dialog
      var focusable = Array.prototype.filter.call(root.querySelectorAll("button, input, [href]"), function (node) {
        return !node.disabled && node.offsetParent !== null;
      });
      if (!focusable.length) return;
      var first = focusable[0], last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
      else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
    }
  });
  function open(step) {
    state.lastFocus = document.activeElement;
    root.hidden = false;
    document.body.classList.add("has-modal");
    go(step || 1);
    $('[data-action="close"]').focus();
  }
  function close() {
    root.hidden = true;
    document.body.classList.remove("has-modal");
    showNotice("info", "");
    if (state.lastFocus && state.lastFocus.focus) state.lastFocus.focus();
  }
  openButton.addEventListener("click", function () { open(1); });

  // Back from signing in (?book=date|startsAt|duration), or "choose another time" (?book=1).
  var params = new URLSearchParams(window.location.search);
  var book = params.get("book");
  if (book) {
    var parts = book.split("|");
    if (parts.length === 3 && /^\d{4}-\d{2}-\d{2}$/.test(parts[0]) && durationInfo(Number(parts[2]))) {
      state.date = parts[0];
      state.month = parts[0].slice(0, 7);
      state.duration = Number(parts[2]);
      var endsAt = new Date(new Date(parts[1]).getTime() + state.duration * 60000).toISOString().replace(".000", "");
      state.slot = {startsAt: parts[1], endsAt: endsAt};
      open(3);
    } else {
      open(1);
    }
  }
})();
