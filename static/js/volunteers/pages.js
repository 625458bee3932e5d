// Coordinators' pages: filters that apply as soon as they change.
for (const input of document.querySelectorAll("[data-autosubmit]")) {
  input.addEventListener("change", () => input.form.submit());
}
