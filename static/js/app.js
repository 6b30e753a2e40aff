// htmx settings: validation errors (400/422) and conflicts to confirm (409, e.g. a task's touch conflicts) swap
// in like any fragment; other errors show a notice.
document.addEventListener("DOMContentLoaded", () => {
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "(400|409|422)", swap: true },
    { code: "...", swap: false, error: true },
  ];
});
document.addEventListener("htmx:responseError", (event) => {
  const flash = document.getElementById("flash");
  const status = event.detail.xhr.status;
  const text = { 403: "You do not have permission to do this.", 404: "That no longer exists." }[status]
    || `Something went wrong (${status}). Please try again.`;
  flash.innerHTML = "";
  const p = document.createElement("p");
  p.className = "flash flash-error";
  p.textContent = text;
  flash.appendChild(p);
});
// A filter form marked data-sync-url keeps the page's address in step with its fields whenever it asks for
// the list, so a reload, a bookmark or a shared link shows the same view (the page prefills from the query).
// Fields at their natural default (empty, or a select's first option such as the default sort) are left out.
document.addEventListener("htmx:configRequest", (event) => {
  const form = event.detail.elt;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-sync-url")) return;
  const params = new URLSearchParams();
  for (const field of form.elements) {
    if (!field.name || field.disabled || field.value === "") continue;
    if ((field.type === "checkbox" || field.type === "radio") && !field.checked) continue;
    if (field instanceof HTMLSelectElement && field.options.length && field.value === field.options[0].value) continue;
    params.append(field.name, field.value);
  }
  const query = params.toString();
  history.replaceState(history.state, "", query ? `?${query}` : window.location.pathname);
});

// Behaviour that the templates declare with data attributes: the Content-Security-Policy allows no inline
// script (onclick=…, hx-on) and no style="…" attributes, so both live here.

// <button data-confirm="Remove …?">: asks before the click goes ahead (submitting its form).
document.addEventListener("click", (event) => {
  const asking = event.target.closest("[data-confirm]");
  if (asking && !window.confirm(asking.dataset.confirm)) event.preventDefault();
});
// <button data-clear="account-panel">: empties that element (closes a panel, cancels a create form).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-clear]");
  if (button) document.getElementById(button.dataset.clear)?.replaceChildren();
});
// <a data-export-form="account-filters" href="…/export/">: the download carries that form's filters and sort.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-export-form]");
  if (!link) return;
  const form = document.getElementById(link.dataset.exportForm);
  link.href = `${link.href.split("?")[0]}?${new URLSearchParams(new FormData(form))}`;
});
// <input type="checkbox" data-select-all="#rows input[name=ids]">: checks or clears every box it names.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  document.querySelectorAll(all.dataset.selectAll).forEach((box) => { box.checked = all.checked; });
});
// <input data-stop-change>: its change events stop here (captured before a surrounding form's htmx trigger).
document.addEventListener("change", (event) => {
  if (event.target instanceof Element && event.target.matches("[data-stop-change]")) event.stopPropagation();
}, true);
// <form data-query-from="account-filters" hx-post=…>: sends that form's fields as one `query` parameter.
document.addEventListener("htmx:configRequest", (event) => {
  const source = event.detail.elt.dataset?.queryFrom;
  if (!source) return;
  event.detail.parameters.query = new URLSearchParams(new FormData(document.getElementById(source))).toString();
});
// Sizes from data: progress bars follow their role="progressbar" parent's aria-valuenow, chart bars
// data-percent, hierarchy rows data-indent (CSSOM writes, which the policy allows, unlike style attributes).
function applySizes(root) {
  const within = (selector) => [...(root.matches?.(selector) ? [root] : []), ...root.querySelectorAll(selector)];
  within("[role=progressbar]").forEach((bar) => {
    const fill = bar.firstElementChild;
    if (fill) fill.style.width = `${Number(bar.getAttribute("aria-valuenow")) || 0}%`;
  });
  within("[data-percent]").forEach((bar) => { bar.style.height = `${Number(bar.dataset.percent) || 0}%`; });
  within("[data-indent]").forEach((cell) => { cell.style.paddingLeft = `${Number(cell.dataset.indent) + 0.5}rem`; });
}
document.addEventListener("DOMContentLoaded", () => htmx.onLoad(applySizes));
