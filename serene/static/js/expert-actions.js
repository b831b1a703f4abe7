// The expert's action links (accept, decline, cancel, no-show) open their confirm form in a dialog
// instead of on its own page. The form posts as the page's would; errors come back on that page.
(function () {
  if (window.sereneExpertActions) return;  // the include that loads this may appear many times
  window.sereneExpertActions = true;

  let dialog;
  let opener;

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
    if (text) node.textContent = text;
    return node;
  }

  function build(link) {
    const data = link.dataset;
    const box = element("dialog", {class: "confirm-dialog", "aria-labelledby": "confirm-title",
                                   "aria-describedby": "confirm-body"});
    const form = element("form", {method: "post", action: link.href.split("?")[0]});
    const token = document.querySelector("[data-expert-actions] input[name=csrfmiddlewaretoken]");
    form.append(element("input", {type: "hidden", name: "csrfmiddlewaretoken", value: token ? token.value : ""}));
    form.append(element("input", {type: "hidden", name: "next", value: data.next || location.pathname}));
    form.append(element("h2", {id: "confirm-title"}, data.title));
    form.append(element("p", {class: "muted small"}, data.summary));
    form.append(element("p", {id: "confirm-body"}, data.body));
    if (data.reason) {
      const field = element("div", {class: "field"});
      const label = element("label", {for: "confirm-reason"}, "Reason");
      if (data.reason === "optional") label.append(" ", element("span", {class: "muted"}, "(optional)"));
      field.append(label);
      const area = element("textarea", {id: "confirm-reason", name: "reason", rows: "3", maxlength: "240"});
      if (data.reason === "required") { area.required = true; area.setAttribute("aria-required", "true"); }
      field.append(area);
      field.append(element("p", {class: "help"}, data.reason === "required" ? "The client reads this." : "Kept in the session's timeline."));
      form.append(field);
    }
    const actions = element("div", {class: "dialog-actions"});
    const keep = element("button", {type: "button", class: "btn btn-ghost"}, "Keep as it is");
    keep.addEventListener("click", () => box.close());
    const submit = element("button", {type: "submit", class: "btn" + (data.danger === "true" ? " btn-danger" : "")}, data.confirm);
    actions.append(keep, submit);
    form.append(actions);
    form.addEventListener("submit", () => {  // one click, one answer
      submit.disabled = true;
      submit.textContent = "Working…";
      keep.disabled = true;
    });
    box.append(form);
    box.addEventListener("close", () => { box.remove(); if (opener) opener.focus(); });
    box.addEventListener("click", (event) => { if (event.target === box) box.close(); });  // the backdrop
    return box;
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-action-dialog]");
    if (!link || typeof HTMLDialogElement !== "function" || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    if (dialog && dialog.open) dialog.close();
    opener = link;
    dialog = build(link);
    document.body.append(dialog);
    dialog.showModal();
  });
})();
