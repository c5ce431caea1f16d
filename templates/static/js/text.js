// @ts-check
/* Pure text and number helpers (unit-tested in tests/browser/test_js_units.py). */

/** Plotly decodes HTML entities and reads a few tags in any text it draws; escaping the
 * three markup characters makes it draw the text exactly as written.
 * @param {any} value
 * @returns {string} */
reportgen.plotlyText = function (value) {
  return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
};

/** `text` cut to `length` characters, the last one an ellipsis when cut.
 * @param {any} text
 * @param {number} length
 * @returns {string} */
reportgen.truncate = function (text, length) {
  text = String(text);
  return text.length > length ? text.slice(0, length - 1) + "…" : text;
};

/** @param {any} value @param {number} digits @returns {string} */
reportgen.fixed = function (value, digits) { return Number(value).toFixed(digits); };

/** The angle in degrees between two vectors of cosine similarity `cosine`.
 * @param {number} cosine
 * @returns {number} */
reportgen.angleOf = function (cosine) {
  var c = Math.max(-1, Math.min(1, cosine));
  return Math.acos(c) * 180 / Math.PI;
};

/** The last name of a coded column is "other (N values)" when rare values were lumped.
 * @param {string[]} names
 * @param {number} code
 * @returns {boolean} */
reportgen.isOtherName = function (names, code) {
  return code === names.length - 1 && /^other \(\d+ values\)$/.test(names[code]);
};

/** The codes of `names` in natural order (2 before 10), with "other" last.
 * @param {string[]} names
 * @returns {number[]} */
reportgen.naturalOrder = function (names) {
  return names.map(function (_, code) { return code; }).sort(function (a, b) {
    var otherA = reportgen.isOtherName(names, a), otherB = reportgen.isOtherName(names, b);
    if (otherA !== otherB) { return otherA ? 1 : -1; }
    return names[a].localeCompare(names[b], undefined, { numeric: true });
  });
};
