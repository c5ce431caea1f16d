// @ts-check
/* Selections: a set of row indices shared by every view of a page. Its compact form for the
 * URL fragment (sel=3,7-12,40), and its CSV download (spreadsheet-injection-safe, as the
 * exports are). */

/** The largest selection the URL fragment carries (a link a reviewer can send). */
reportgen.SELECTION_LINK_MAX = 500;

/** Sorted unique rows as runs: [3, 7, 8, 9, 40] -> "3,7-9,40".
 * @param {ArrayLike<number>} rows  sorted, unique @returns {string} */
reportgen.encodeRows = function (rows) {
  /** @type {string[]} */
  var parts = [];
  var i = 0;
  while (i < rows.length) {
    var j = i;
    while (j + 1 < rows.length && rows[j + 1] === rows[j] + 1) { j++; }
    parts.push(j > i ? rows[i] + "-" + rows[j] : String(rows[i]));
    i = j + 1;
  }
  return parts.join(",");
};

/** The rows of an encoded selection, sorted and unique, those outside [0, n) and any
 * malformed part left out.
 * @param {string} text @param {number} n @returns {number[]} */
reportgen.decodeRows = function (text, n) {
  /** @type {Object<number, boolean>} */
  var seen = {};
  /** @type {number[]} */
  var rows = [];
  (text || "").split(",").forEach(function (part) {
    var match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) { return; }
    var low = Number(match[1]);
    var high = match[2] === undefined ? low : Number(match[2]);
    for (var row = low; row <= Math.min(high, n - 1); row++) {
      if (!seen[row]) { seen[row] = true; rows.push(row); }
    }
  });
  return rows.sort(function (a, b) { return a - b; });
};

/** A CSV cell: a text a spreadsheet would run as a formula (first character =, +, -, the
 * at sign, a tab or CR) gets a leading apostrophe, as in the exports; quoted when it holds
 * a comma, a quote or a line break. @param {string} text @returns {string} */
reportgen.csvCell = function (text) {
  var value = /^[=+\-@\t\r]/.test(text) ? "'" + text : text;
  return /[",\r\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
};

/** A CSV document: a header and rows of cells, CRLF line ends.
 * @param {string[]} header @param {string[][]} rows @returns {string} */
reportgen.csvText = function (header, rows) {
  return [header].concat(rows).map(function (cells) {
    return cells.map(reportgen.csvCell).join(",");
  }).join("\r\n") + "\r\n";
};

/** Offer `text` as a file download (a Blob: works from file://, asks no server).
 * @param {string} name @param {string} text @param {string} type */
reportgen.download = function (name, text, type) {
  var url = URL.createObjectURL(new Blob([text], { type: type }));
  var link = reportgen.el("a", { href: url, download: name });
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  document.body.removeChild(link);
  window.setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
};
