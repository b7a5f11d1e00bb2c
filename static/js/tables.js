// Lists on a phone (issue 16): every list table becomes a stack of small cards at narrow widths (static/css/app.css,
// `.table.stack`), each cell preceded by its column's heading. The headings are copied here, once for every table,
// so no template repeats them; a table that must keep its grid (figures, a roster that scrolls in its own box)
// is left alone.
(function () {
  "use strict";
  function headings(table) {
    var rows = table.tHead ? table.tHead.rows : [];
    if (!rows.length) return null;
    var names = [];
    Array.prototype.forEach.call(rows[rows.length - 1].cells, function (th) {
      for (var i = 0; i < (th.colSpan || 1); i++) names.push(th.textContent.trim());
    });
    return names;
  }
  document.querySelectorAll("table.table").forEach(function (table) {
    if (table.closest(".table-scroll") || table.classList.contains("figures") || table.classList.contains("token-table")) return;
    var names = headings(table);
    if (!names) return;
    table.classList.add("stack");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var name = cell.colSpan > 1 ? "" : names[column];
          if (name && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", name);
          column += cell.colSpan || 1;
        });
      });
    });
  });
})();
