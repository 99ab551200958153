(function () {
  "use strict";
  var table = document.querySelector("table.sortable");
  if (!table || !table.tBodies.length) { return; }
  var body = table.tBodies[0];
  var heads = table.tHead.rows[0].cells;
  function value(row, i, kind) {
    var text = row.cells[i].getAttribute("data-sort");
    if (text === null) { text = row.cells[i].textContent.trim().toLowerCase(); }
    if (text === "") { return null; }
    return kind === "num" ? parseFloat(text) : text;
  }
  function sortBy(i) {
    var th = heads[i], kind = th.getAttribute("data-kind");
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, i, kind), y = value(b, i, kind);
      if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }
      var c = kind === "num" ? x - y : (kind === "date" ? (x < y ? -1 : (x > y ? 1 : 0)) : x.localeCompare(y));
      return c * dir;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    for (var j = 0; j < heads.length; j++) { heads[j].setAttribute("aria-sort", "none"); }
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(heads, function (th, i) {
    th.tabIndex = 0;
    th.classList.add("sorts");
    th.addEventListener("click", function () { sortBy(i); });
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(i); }
    });
  });
  var box = document.getElementById("filter");
  var shown = document.getElementById("shown");
  if (box) {
    box.closest(".filter").hidden = false;
    box.addEventListener("input", function () {
      var want = box.value.trim().toLowerCase(), count = 0;
      Array.prototype.forEach.call(body.rows, function (row) {
        row.hidden = want !== "" && row.textContent.toLowerCase().indexOf(want) < 0;
        if (!row.hidden) { count++; }
      });
      if (shown) { shown.textContent = want === "" ? "" : count + " of " + body.rows.length + " shown"; }
    });
  }
}());
