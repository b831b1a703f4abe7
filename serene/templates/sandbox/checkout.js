/* Serene's Razorpay emulator: a drop-in for https://checkout.razorpay.com/v1/checkout.js.
   new Razorpay(options).open(), .on('payment.failed', cb), .close(); options.handler,
   options.modal.ondismiss, prefill, theme. Results are signed exactly as Razorpay signs them. */
(function () {
  "use strict";
  var PAY_URL = "{{ pay_url|escapejs }}";
  var STYLE = ".rzp-sbx-backdrop{position:fixed;inset:0;background:rgba(15,23,42,.55);display:flex;align-items:center;justify-content:center;z-index:2147483000;padding:12px}" +
    ".rzp-sbx{background:#fff;color:#1f2a2e;width:100%;max-width:380px;border-radius:14px;box-shadow:0 20px 60px rgba(0,0,0,.35);font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;overflow:hidden}" +
    ".rzp-sbx .head{padding:16px 18px;color:#fff;display:flex;justify-content:space-between;align-items:flex-start;gap:8px}" +
    ".rzp-sbx .head strong{display:block;font-size:16px}.rzp-sbx .head span{opacity:.9;font-size:13px}" +
    ".rzp-sbx .amt{font-size:20px;font-weight:700;margin-top:4px}.rzp-sbx .x{background:none;border:0;color:#fff;font-size:24px;line-height:1;cursor:pointer;min-width:40px;min-height:40px}" +
    ".rzp-sbx .body{padding:16px 18px}.rzp-sbx .tabs{display:flex;gap:6px;margin-bottom:12px}" +
    ".rzp-sbx .tabs button{flex:1;min-height:40px;border:1px solid #cfd6dc;background:#f5f7f9;border-radius:8px;font:inherit;cursor:pointer}" +
    ".rzp-sbx .tabs button[aria-selected=true]{border-color:currentColor;background:#fff;font-weight:600}" +
    ".rzp-sbx label{display:block;font-size:13px;font-weight:600;margin:8px 0 4px}.rzp-sbx input{width:100%;box-sizing:border-box;min-height:44px;padding:8px 10px;border:1px solid #cfd6dc;border-radius:8px;font:inherit}" +
    ".rzp-sbx .row{display:flex;gap:8px}.rzp-sbx .row>div{flex:1}.rzp-sbx .pay{width:100%;min-height:48px;margin-top:14px;border:0;border-radius:8px;color:#fff;font:inherit;font-weight:700;cursor:pointer}" +
    ".rzp-sbx .pay[disabled]{opacity:.6}.rzp-sbx .err{color:#a8322d;font-size:13px;margin:10px 0 0}.rzp-sbx .note{font-size:12px;color:#5b6b70;margin-top:10px}";

  function fmt(amount, currency) {
    var value = (Number(amount) || 0) / 100;
    try { return new Intl.NumberFormat("en-IN", {style: "currency", currency: currency || "INR", maximumFractionDigits: value % 1 ? 2 : 0}).format(value); }
    catch (e) { return (currency || "INR") + " " + value.toFixed(2); }
  }

  function Razorpay(options) {
    if (!(this instanceof Razorpay)) return new Razorpay(options);
    if (!options || !options.key) throw new Error("Razorpay: options.key is required");
    this.options = options;
    this.listeners = {};
  }

  Razorpay.prototype.on = function (event, callback) {
    (this.listeners[event] = this.listeners[event] || []).push(callback);
    return this;
  };

  Razorpay.prototype.emit = function (event, payload) {
    (this.listeners[event] || []).forEach(function (callback) { try { callback(payload); } catch (e) { setTimeout(function () { throw e; }); } });
  };

  Razorpay.prototype.close = function () {
    if (this.root) {
      this.root.remove(); this.root = null; document.removeEventListener("keydown", this.onKey);
      (this.inerted || []).forEach(function (node) { node.inert = false; });
      this.inerted = [];
    }
    if (this.lastFocus && this.lastFocus.focus) this.lastFocus.focus();
  };

  Razorpay.prototype.dismiss = function () {
    this.close();
    var modal = this.options.modal || {};
    if (typeof modal.ondismiss === "function") modal.ondismiss();
  };

  Razorpay.prototype.open = function () {
    var self = this, o = this.options, prefill = o.prefill || {}, color = (o.theme && o.theme.color) || "#3399cc";
    if (this.root) return;
    if (!document.getElementById("rzp-sbx-style")) {
      var style = document.createElement("style"); style.id = "rzp-sbx-style"; style.textContent = STYLE; document.head.appendChild(style);
    }
    this.lastFocus = document.activeElement;
    var root = document.createElement("div");
    root.className = "rzp-sbx-backdrop";
    root.innerHTML =
      '<div class="rzp-sbx" role="dialog" aria-modal="true" aria-labelledby="rzp-sbx-title">' +
      '<div class="head" style="background:' + color + '"><div><strong id="rzp-sbx-title"></strong><span class="desc"></span><div class="amt"></div></div>' +
      '<button type="button" class="x" aria-label="Close payment window">×</button></div>' +
      '<form class="body" novalidate><div class="tabs" role="tablist">' +
      '<button type="button" role="tab" aria-selected="true" data-method="card">Card</button>' +
      '<button type="button" role="tab" aria-selected="false" data-method="upi">UPI</button></div>' +
      '<div data-panel="card"><label for="rzp-sbx-card">Card number</label><input id="rzp-sbx-card" inputmode="numeric" autocomplete="cc-number" placeholder="4111 1111 1111 1111">' +
      '<div class="row"><div><label for="rzp-sbx-exp">Expiry</label><input id="rzp-sbx-exp" placeholder="MM / YY" autocomplete="cc-exp"></div>' +
      '<div><label for="rzp-sbx-cvv">CVV</label><input id="rzp-sbx-cvv" inputmode="numeric" placeholder="123" autocomplete="cc-csc"></div></div></div>' +
      '<div data-panel="upi" hidden><label for="rzp-sbx-vpa">UPI ID</label><input id="rzp-sbx-vpa" placeholder="success@razorpay" autocomplete="off"></div>' +
      '<p class="err" role="alert" hidden></p>' +
      '<button type="submit" class="pay" style="background:' + color + '"></button>' +
      '<p class="note">Test mode · Serene sandbox. No real money moves.</p></form></div>';
    root.querySelector("#rzp-sbx-title").textContent = o.name || "Payment";
    root.querySelector(".desc").textContent = o.description || "";
    root.querySelector(".amt").textContent = fmt(o.amount, o.currency);
    var payButton = root.querySelector(".pay");
    payButton.textContent = "Pay " + fmt(o.amount, o.currency);
    var method = "card";
    root.querySelectorAll("[role=tab]").forEach(function (tab) {
      tab.addEventListener("click", function () {
        method = tab.getAttribute("data-method");
        root.querySelectorAll("[role=tab]").forEach(function (other) { other.setAttribute("aria-selected", String(other === tab)); });
        root.querySelectorAll("[data-panel]").forEach(function (panel) { panel.hidden = panel.getAttribute("data-panel") !== method; });
        root.querySelector(method === "card" ? "#rzp-sbx-card" : "#rzp-sbx-vpa").focus();
      });
    });
    if (prefill.method === "upi") root.querySelector('[data-method="upi"]').click();
    root.querySelector(".x").addEventListener("click", function () { self.dismiss(); });
    // Like Razorpay's overlay: Escape closes it, and Tab stays inside it.
    this.onKey = function (event) {
      if (event.key === "Escape" && (!o.modal || o.modal.escape !== false)) { event.preventDefault(); self.dismiss(); return; }
      if (event.key !== "Tab" || !self.root) return;
      var focusable = Array.prototype.filter.call(self.root.querySelectorAll("button, input"), function (node) {
        return !node.disabled && node.getClientRects().length > 0;
      });
      var first = focusable[0], last = focusable[focusable.length - 1], inside = focusable.indexOf(document.activeElement) >= 0;
      if (event.shiftKey && (document.activeElement === first || !inside)) { last.focus(); event.preventDefault(); }
      else if (!event.shiftKey && (document.activeElement === last || !inside)) { first.focus(); event.preventDefault(); }
    };
    document.addEventListener("keydown", this.onKey);
    var error = root.querySelector(".err");
    root.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      error.hidden = true;
      payButton.disabled = true;
      payButton.textContent = "Processing…";
      fetch(PAY_URL, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({
        key: o.key, order_id: o.order_id, method: method, card_number: root.querySelector("#rzp-sbx-card").value,
        vpa: root.querySelector("#rzp-sbx-vpa").value, email: prefill.email || "", contact: prefill.contact || ""})})
        .then(function (response) { return response.json(); })
        .then(function (result) {
          if (result.razorpay_payment_id) {
            self.close();
            if (typeof o.handler === "function") o.handler(result);
            return;
          }
          var failure = result.error || {description: "Payment failed"};
          error.textContent = failure.description;
          error.hidden = false;
          if (failure.metadata && failure.metadata.payment_id) self.emit("payment.failed", {error: failure});
        })
        .catch(function () { error.textContent = "Could not reach the payment server."; error.hidden = false; })
        .finally(function () { payButton.disabled = false; payButton.textContent = "Pay " + fmt(o.amount, o.currency); });
    });
    // The page behind (the merchant's dialog included) is inert while the overlay is open.
    this.inerted = [];
    Array.prototype.forEach.call(document.body.children, function (node) {
      if (node.tagName !== "SCRIPT" && !node.inert) { node.inert = true; self.inerted.push(node); }
    });
    document.body.appendChild(root);
    this.root = root;
    root.querySelector(method === "card" ? "#rzp-sbx-card" : "#rzp-sbx-vpa").focus();
  };

  window.Razorpay = Razorpay;
})();
