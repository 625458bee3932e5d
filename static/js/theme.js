// Light/dark theme: follows the system unless the user picked one; remembered per browser.
(function () {
  "use strict";
  var root = document.documentElement;
  var saved = null;
  try { saved = localStorage.getItem("d112-theme"); } catch (e) { /* storage disabled */ }
  if (saved === "light" || saved === "dark") root.setAttribute("data-theme", saved);

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    button.addEventListener("click", function () {
      var current = root.getAttribute("data-theme");
      if (current === "auto") current = window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
      var next = current === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("d112-theme", next); } catch (e) { /* storage disabled */ }
    });
  });

  // Print buttons (data-print), in place of onclick="window.print()": the pages' Content Security
  // Policy runs no inline handler. This file is on every page, so it carries this one too.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
})();
