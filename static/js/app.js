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
// A filter form (role="search") whose list answered 400, or a form marked data-place-errors whose answer went
// elsewhere: each error of the answer ([data-field-error="<name>"] data-message="…") moves next to that field,
// labelled ("Fit from: ensure this value is …"), and the field is marked invalid and described by it; the next
// answer clears them. Errors naming no field of the form stay where the answer went.
document.addEventListener("htmx:afterSwap", (event) => {
  const form = event.detail.requestConfig?.elt;
  if (!(form instanceof HTMLFormElement)) return;
  if (form.getAttribute("role") !== "search" && !form.hasAttribute("data-place-errors")) return;
  placeFieldErrors(form, event.detail.target);
});
function placeFieldErrors(form, target) {
  form.querySelectorAll(".field-error").forEach((error) => error.remove());
  form.querySelectorAll("[aria-invalid]").forEach((field) => {
    field.removeAttribute("aria-invalid");
    field.removeAttribute("aria-describedby");
  });
  target.querySelectorAll("[data-field-error]").forEach((error) => {
    const field = form.elements.namedItem(error.dataset.fieldError);
    if (!(field instanceof Element)) return;
    const label = field.closest("label");
    const name = label?.firstChild?.textContent.trim() || error.dataset.fieldError;
    const message = error.dataset.message;
    const note = document.createElement("span");
    note.className = "error field-error";
    note.id = `${form.id}-${field.name}-error`;
    note.textContent = `${name}: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", note.id);
    (label || field).after(note);
    error.remove();
  });
}
// Filter errors in a page as it was loaded (a shared link with a value no longer valid) go beside their field too.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[role=search][hx-target]").forEach((form) => {
    const target = document.querySelector(form.getAttribute("hx-target"));
    if (target) placeFieldErrors(form, target);
  });
});
// <form data-drop-empty>: its empty fields are not sent, so the address it pushes (hx-push-url) stays short.
document.addEventListener("htmx:configRequest", (event) => {
  if (!event.detail.elt.closest?.("form[data-drop-empty]")) return;
  for (const [name, value] of Object.entries(event.detail.parameters)) {
    if (value === "") delete event.detail.parameters[name];
  }
});
// The Menu button (narrow screens) opens and closes the main navigation.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-toggle-nav]");
  if (!button) return;
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  document.getElementById(button.getAttribute("aria-controls"))?.classList.toggle("open", open);
});
// The header's search: arrow keys move between the box and the result links, Escape closes the results;
// a click elsewhere closes them too.
document.addEventListener("keydown", (event) => {
  const search = event.target.closest?.(".global-search");
  if (!search) return;
  const box = search.querySelector("input[type=search]");
  const links = [...search.querySelectorAll(".search-dropdown a")];
  const at = links.indexOf(document.activeElement);
  if (event.key === "Escape") {
    search.querySelector(".search-dropdown").replaceChildren();
    box.focus();
  } else if (event.key === "ArrowDown" && links.length) {
    links[Math.min(at + 1, links.length - 1)].focus();
  } else if (event.key === "ArrowUp" && at >= 0) {
    (at === 0 ? box : links[at - 1]).focus();
  } else if (event.key === "Enter" && event.target === box && links.length) {
    links[0].click();
  } else {
    return;
  }
  event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (!event.target.closest(".global-search")) document.getElementById("global-search-results")?.replaceChildren();
});
