// @ts-check
/* What the inspectors show of a point: its neighbour list and its detail fields (shared
 * by the scatter's tooltip, the projections inspector and the gallery). */

/**
 * One neighbour of a point in the original space.
 * @typedef {{row: number, cosine: number}} Neighbour
 */

/** Where `row` sits in the sorted `rows`, or -1 (binary search).
 * @param {Int32Array} rows
 * @param {number} row
 * @returns {number} */
reportgen.sortedPosition = function (rows, row) {
  var low = 0, high = rows.length - 1;
  while (low <= high) {
    var middle = (low + high) >> 1;
    if (rows[middle] === row) { return middle; }
    if (rows[middle] < row) { low = middle + 1; } else { high = middle - 1; }
  }
  return -1;
};

/** Where `row`'s list sits in `knn`: the row itself, its place in `knn.rows`, or -1 when
 * its list is not carried (a point no view shows).
 * @param {Knn} knn
 * @param {number} row
 * @returns {number} */
reportgen.listPosition = function (knn, row) {
  return knn.rows ? reportgen.sortedPosition(knn.rows, row) : row;
};

/** The first `k` neighbours of `row`, nearest first (none when its list is not carried).
 * @param {Knn} knn
 * @param {number} row
 * @param {number} k
 * @returns {Neighbour[]} */
reportgen.neighbourList = function (knn, row, k) {
  /** @type {Neighbour[]} */
  var neighbours = [];
  var at = reportgen.listPosition(knn, row);
  if (at < 0) { return neighbours; }
  for (var r = 0; r < k; r++) {
    neighbours.push({ row: knn.indices[at * knn.k + r], cosine: knn.cosines[at * knn.k + r] });
  }
  return neighbours;
};

/** "cos 0.912 · 24.2°"
 * @param {number} cosine
 * @returns {string} */
reportgen.cosineText = function (cosine) {
  return "cos " + reportgen.fixed(cosine, 3) + " · " + reportgen.fixed(reportgen.angleOf(cosine), 1) + "°";
};

/** The hover columns that have loaded, as [name, value cut to `length`] (the label column
 * is left out: the title shows the label).
 * @param {PageBlock} page
 * @param {InstanceType<typeof reportgen.PointData>} points
 * @param {number} row
 * @param {number} length
 * @returns {string[][]} */
reportgen.detailFields = function (page, points, row, length) {
  /** @type {string[][]} */
  var fields = [];
  (page.hoverColumns || []).forEach(function (name) {
    var column = points.columns[name];
    if (!column || (page.labels && name === page.labels.name)) { return; }
    fields.push([name, reportgen.truncate(column.value(row), length)]);
  });
  return fields;
};

/** detailFields as a <dl> with `attributes`.
 * @param {PageBlock} page
 * @param {InstanceType<typeof reportgen.PointData>} points
 * @param {number} row
 * @param {number} length
 * @param {Object<string, string>} attributes
 * @returns {HTMLElement} */
reportgen.detailList = function (page, points, row, length, attributes) {
  var list = reportgen.el("dl", attributes);
  reportgen.detailFields(page, points, row, length).forEach(function (pair) {
    list.appendChild(reportgen.el("dt", {}, pair[0]));
    list.appendChild(reportgen.el("dd", {}, pair[1]));
  });
  return list;
};
