// The one way Serene writes dates and times for people, in the browser: the patterns of
// serene/core/timefmt.py, which pages, the PDF receipt and emails use.
//
//   date        Tuesday 1 December 2026      SereneTime.formatDay("2026-12-01"), .formatDate(instant, zone)
//   short date  Tue 1 Dec                    SereneTime.formatShortDay("2026-12-01")
//   time        4:30 pm                      SereneTime.formatTime(instant, zone)
//   zone        Kolkata time                 SereneTime.zoneLabel("Asia/Calcutta")
//
// Intl is asked only for the numbers of a wall time in a zone; the words and their order are ours, so
// the text is the same whatever language the browser speaks. Legacy zone names (Asia/Calcutta) are
// read from the table the page renders from Python (#time-zone-aliases), so there is one list.
(function () {
  "use strict";

  var DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December"];
  var aliasNode = document.getElementById("time-zone-aliases");
  var ALIASES = aliasNode ? JSON.parse(aliasNode.textContent) : {};
  var partFormats = {};

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function canonicalZone(name) { return Object.prototype.hasOwnProperty.call(ALIASES, name) ? ALIASES[name] : name; }

  // The browser's zone under its current name, or the fallback when the browser does not say.
  function browserZone(fallback) {
    try { return canonicalZone(Intl.DateTimeFormat().resolvedOptions().timeZone || fallback); }
    catch (e) { return fallback; }
  }

  function zoneCity(name) {
    name = canonicalZone(name);
    return name.indexOf("/") < 0 ? name : name.slice(name.lastIndexOf("/") + 1).replace(/_/g, " ");
  }

  function zoneLabel(name) {
    var city = zoneCity(name);
    return city === "UTC" ? city : city + " time";
  }

  // {year, month, day, hour, minute} of an instant on the zone's wall clock (month 1–12, hour 0–23).
  function wall(instant, zone) {
    zone = canonicalZone(zone);
    var format = partFormats[zone] || (partFormats[zone] = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", numberingSystem: "latn",
      year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric"}));
    var parts = {};
    format.formatToParts(new Date(instant)).forEach(function (part) {
      if (part.type !== "literal") parts[part.type] = parseInt(part.value, 10);
    });
    return {year: parts.year, month: parts.month, day: parts.day, hour: parts.hour % 24, minute: parts.minute};
  }

  function clock(hour, minute) { return (hour % 12 || 12) + ":" + pad(minute) + " " + (hour < 12 ? "am" : "pm"); }

  // A calendar date "YYYY-MM-DD" as numbers, with its weekday (0 Sunday).
  function calendarDay(iso) {
    var p = iso.split("-").map(Number);
    return {year: p[0], month: p[1], day: p[2], weekday: new Date(Date.UTC(p[0], p[1] - 1, p[2])).getUTCDay()};
  }

  function localDate(instant, zone) {
    var w = wall(instant, zone);
    return w.year + "-" + pad(w.month) + "-" + pad(w.day);
  }

  function formatDay(iso) {
    var d = calendarDay(iso);
    return DAYS[d.weekday] + " " + d.day + " " + MONTHS[d.month - 1] + " " + d.year;
  }

  function formatShortDay(iso) {
    var d = calendarDay(iso);
    return DAYS[d.weekday].slice(0, 3) + " " + d.day + " " + MONTHS[d.month - 1].slice(0, 3);
  }

  function formatMonth(isoMonth) {  // "2026-12" → "December 2026"
    var p = isoMonth.split("-").map(Number);
    return MONTHS[p[1] - 1] + " " + p[0];
  }

  function formatTime(instant, zone) { var w = wall(instant, zone); return clock(w.hour, w.minute); }

  function formatDate(instant, zone) { return formatDay(localDate(instant, zone)); }

  function formatShortDate(instant, zone) { return formatShortDay(localDate(instant, zone)); }

  function formatWhen(instant, zone) { return formatDate(instant, zone) + ", " + formatTime(instant, zone); }

  function formatTimeRange(startsAt, endsAt, zone) { return formatTime(startsAt, zone) + " – " + formatTime(endsAt, zone); }

  window.SereneTime = {
    canonicalZone: canonicalZone, browserZone: browserZone, zoneCity: zoneCity, zoneLabel: zoneLabel,
    localDate: localDate, formatDay: formatDay, formatShortDay: formatShortDay, formatMonth: formatMonth,
    formatTime: formatTime, formatDate: formatDate, formatShortDate: formatShortDate, formatWhen: formatWhen,
    formatTimeRange: formatTimeRange
  };
})();
