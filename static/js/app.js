// htmx settings: validation errors (400/422) swap in like any fragment; other errors show a notice.
document.addEventListener("DOMContentLoaded", () => {
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "(400|422)", swap: true },
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
