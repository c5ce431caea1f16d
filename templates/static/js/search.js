// @ts-check
/* Search: which rows of a column match a query (a substring, or a regular expression). */

/** A test of one value's text, or null when `query` is not a valid regular expression.
 * Both ignore case.
 * @param {string} query
 * @param {boolean} useRegex
 * @returns {(function(string): boolean) | null} */
reportgen.matcher = function (query, useRegex) {
  if (useRegex) {
    try {
      var pattern = new RegExp(query, "i");
      return function (text) { return pattern.test(text); };
    } catch (error) {
      return null;
    }
  }
  var needle = query.toLowerCase();
  return function (text) { return text.toLowerCase().indexOf(needle) >= 0; };
};

/** The rows 0..n-1 whose value in `column` passes `test` (of the rows its text is
 * carried for, when it carries the shown points' text only).
 * @param {{value: function(number): string, listed?: Int32Array | null, kind?: string}} column
 * @param {number} n
 * @param {function(string): boolean} test
 * @returns {number[]} */
reportgen.matchingRows = function (column, n, test) {
  var matches = [];
  if (column.listed && column.kind === "text") {
    for (var p = 0; p < column.listed.length; p++) {
      if (test(String(column.value(column.listed[p])))) { matches.push(column.listed[p]); }
    }
    return matches;
  }
  for (var i = 0; i < n; i++) {
    if (test(String(column.value(i)))) { matches.push(i); }
  }
  return matches;
};

/** "12 matches (3 in this view)"
 * @param {number} matches
 * @param {number} shown
 * @returns {string} */
reportgen.matchText = function (matches, shown) {
  return matches.toLocaleString("en-US") + (matches === 1 ? " match" : " matches") +
    (shown < matches ? " (" + shown + " in this view)" : "");
};
