// The roster calendar: "+" in a cell fills the add form with that day and shift; removing a
// person asks first; the print button prints (the print stylesheet leaves only the grid).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var add = event.target.closest(".slot-add");
    if (add) {
      var form = document.getElementById("add-form");
      if (!form) return;
      form.querySelector("[name='add-date']").value = add.dataset.date;
      form.querySelector("[name='add-shift_type']").value = add.dataset.shift;
      var tool = document.getElementById("tool-add");
      if (tool) tool.open = true;
      document.querySelectorAll(".slot-selected").forEach(function (cell) { cell.classList.remove("slot-selected"); });
      add.closest("td").classList.add("slot-selected");
      var person = form.querySelector("[name='add-user']");
      person.scrollIntoView({ block: "nearest" });
      person.focus();
      return;
    }
    var remove = event.target.closest("button.remove");
    if (remove && remove.dataset.confirm && !window.confirm(remove.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (event.target.closest("[data-print]")) window.print();
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]") && event.target.value) event.target.form.submit();
  });

  // Open the month scrolled (inside the grid, not the page) to the day just changed, else today.
  document.addEventListener("DOMContentLoaded", function () {
    var wrap = document.querySelector(".cal-table-wrap");
    var target = (location.hash && document.getElementById(location.hash.slice(1))) || document.querySelector("tr.is-today");
    if (!wrap || !target) return;
    var head = wrap.querySelector("thead");
    var offset = target.getBoundingClientRect().top - wrap.getBoundingClientRect().top;
    wrap.scrollTop += offset - (location.hash ? (head ? head.offsetHeight : 0) + 8 : wrap.clientHeight / 3);
    window.scrollTo(0, 0);
  });
})();
