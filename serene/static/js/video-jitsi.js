// The room page with Jitsi: "Join the call" opens Jitsi Meet in a new tab and this page stays, so a
// person can always come back and join again. Before that, the page asks Jitsi's web server whether
// it answers (an opaque no-cors request: any answer will do, only a network failure counts) and, if
// not, says so with a way to try again, rather than sending the person to a browser error page.
(() => {
  "use strict";
  const room = document.getElementById("jitsi-room");
  const join = document.getElementById("jitsi-join");
  const unreachable = document.getElementById("jitsi-unreachable");
  const retry = document.getElementById("jitsi-retry");
  const opened = document.getElementById("jitsi-opened");
  const checkUrl = room.dataset.checkUrl;

  async function answers() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 8000);
    try {
      await fetch(checkUrl, { mode: "no-cors", cache: "no-store", credentials: "omit", signal: controller.signal });
      return true;
    } catch (error) {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async function check() {
    retry.disabled = true;
    const ok = await answers();
    unreachable.hidden = ok;
    if (ok) join.removeAttribute("aria-describedby");
    else join.setAttribute("aria-describedby", "jitsi-unreachable");
    retry.disabled = false;
    return ok;
  }

  join.addEventListener("click", () => {
    opened.textContent = "The call opened in a new tab. If you close it, join again from here.";
  });
  retry.addEventListener("click", async () => {
    if (await check()) opened.textContent = "Jitsi Meet answers again: you can join the call.";
  });
  check();
})();
