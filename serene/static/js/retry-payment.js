// "Retry payment" on the failure page: reopens Checkout on the same order while the hold lives.
(function () {
  "use strict";
  var button = document.getElementById("retry-payment");
  if (!button) return;
  function csrf() { var m = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/); return m ? decodeURIComponent(m[1]) : ""; }
  button.addEventListener("click", function () {
    var d = button.dataset;
    var checkout = new window.Razorpay({
      key: d.key, amount: Number(d.amount), currency: d.currency, order_id: d.order, name: "Serene Wellbeing",
      description: d.description, prefill: {name: d.name, email: d.email, contact: d.contact}, theme: {color: "#2f6f62"},
      handler: function (result) {
        button.disabled = true;
        button.textContent = "Confirming your payment…";
        fetch("/api/v1/payments/verify", {method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}, body: JSON.stringify(result)})
          .then(function (r) { return r.json(); })
          .then(function (body) {
            if (body.success) window.location.href = body.redirectUrl;
            else document.getElementById("failure-message").textContent = body.error.message;
          });
      }
    });
    checkout.on("payment.failed", function (response) {
      document.getElementById("failure-message").textContent = response.error.description;
    });
    checkout.open();
  });
})();
