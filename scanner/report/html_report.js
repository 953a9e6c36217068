// Optional comforts; the report reads the same without scripts.
(function () {
  "use strict";
  var filter = document.getElementById("host-filter");
  var problems = document.getElementById("only-problems");
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.matrix tbody tr"));
  var shown = document.getElementById("shown-count");
  function apply() {
    var text = filter ? filter.value.trim().toLowerCase() : "";
    var onlyProblems = problems ? problems.checked : false;
    var count = 0;
    rows.forEach(function (row) {
      var ok = (!text || row.getAttribute("data-search").indexOf(text) !== -1) &&
               (!onlyProblems || row.getAttribute("data-problem") === "1");
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    if (shown) { shown.textContent = String(count); }
  }
  if (filter) { filter.addEventListener("input", apply); }
  if (problems) { problems.addEventListener("change", apply); }
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
