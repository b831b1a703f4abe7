// The room before its window: counts down to the opening, then reloads into the call.
(() => {
  "use strict";
  const box = document.querySelector("[data-opens-in]");
  if (!box) return;
  const value = box.querySelector(".countdown-value");
  const opensAt = performance.now() + Number(box.dataset.opensIn) * 1000;
  const pad = (n) => String(n).padStart(2, "0");

  function tick() {
    const seconds = Math.max(0, Math.ceil((opensAt - performance.now()) / 1000));
    if (seconds === 0) {
      value.textContent = "now";
      window.location.reload();
      return;
    }
    const days = Math.floor(seconds / 86400);
    const hours = Math.floor((seconds % 86400) / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    if (days > 0) value.textContent = `${days} d ${hours} h ${pad(minutes)} min`;
    else if (hours > 0) value.textContent = `${hours} h ${pad(minutes)} min`;
    else value.textContent = `${pad(minutes)}:${pad(seconds % 60)}`;
    setTimeout(tick, 1000);
  }
  tick();
})();
