// @ts-check
/* Everything about the points that a scatter needs, loaded lazily and cached. */

/**
 * A loaded metadata column: its values as text, and its codes or numbers.
 * @typedef {Object} Column
 * @property {string} name
 * @property {"category" | "number" | "text"} kind
 * @property {function(number): string} value  row -> the value as text
 * @property {any} [codes]  category: a typed array of codes, one per row
 * @property {string[]} [names]  category: the name of each code
 * @property {string[] | null} [text]  the values as written (category with "other", text)
 * @property {any} [numbers]  number: a Float32Array, NaN where empty
 * @property {boolean} [sampled]  numbers follow the view's sample, not all rows
 * @property {Int32Array | null} [listed]  the rows `text` is carried for (sorted), when
 *   the views show samples; null: every row
 */

/**
 * The neighbour lists: the i-th neighbour of the row at list position p is
 * indices[p * k + i]; p is the row itself, or its place in `rows` when only the shown
 * points' lists are carried.
 * @typedef {Object} Knn
 * @property {number} k
 * @property {Int32Array | null} rows
 * @property {Int32Array} indices
 * @property {Float32Array} cosines
 */

/** @param {PageBlock} page */
reportgen.PointData = function (page) {
  this.page = page;
  this.n = page.n;
  /** @type {any} */
  this.labelCodes = page.labels ? reportgen.decode(page.labels.codes) : null;
  /** @type {Object<string, Column>} */
  this.columns = {};
  /** @type {Object<string, Int32Array>} every row, when a view shows all of them */
  this.everyRow = {};
  /** @type {Knn | null} */
  this.knn = null;
};

/** The rows a view of `dims` dimensions shows (the browser sample, else all).
 * @param {number} dims
 * @returns {Int32Array} */
reportgen.PointData.prototype.sample = function (dims) {
  var key = dims === 3 ? "3d" : "2d";
  var encoded = this.page.samples[key];
  if (encoded) { return reportgen.decode(encoded); }
  if (!this.everyRow[key]) {
    var all = new Int32Array(this.n);
    for (var i = 0; i < this.n; i++) { all[i] = i; }
    this.everyRow[key] = all;
  }
  return this.everyRow[key];
};

/** A row's label as written: the coded names lump rare labels into "other", so the
 * label column itself is used once it has loaded (it loads after the first view).
 * @param {number} index
 * @returns {string | null} */
reportgen.PointData.prototype.label = function (index) {
  if (!this.labelCodes) { return null; }
  var column = this.columns[this.page.labels.name];
  if (this.page.labels.other && column) { return column.value(index); }
  return this.page.labels.names[this.labelCodes[index]];
};

/** A metadata column, loaded once.
 * @param {string} name
 * @returns {Promise<Column>} */
reportgen.PointData.prototype.column = function (name) {
  var self = this;
  if (self.columns[name]) { return Promise.resolve(self.columns[name]); }
  var info = self.page.columns.filter(function (c) { return c.name === name; })[0];
  if (!info) { return Promise.reject(new Error("no column " + name)); }
  return reportgen.load(info.payload).then(function (/** @type {ColumnPayload} */ content) {
    /** @type {Column} */
    var column = { name: name, kind: info.kind, value: null };
    // When the views show samples, the text is carried for the shown rows only (`rows`);
    // another row has none (null).
    var listed = content.rows ? reportgen.decode(content.rows) : null;
    /** @param {number} i @returns {string | null} */
    function textOf(i) {
      if (!listed) { return column.text[i]; }
      var at = reportgen.sortedPosition(listed, i);
      return at < 0 ? null : column.text[at];
    }
    column.listed = listed;
    if (info.kind === "category") {
      column.codes = reportgen.decode(content.codes);
      column.names = content.names;
      column.text = content.text ? content.text : null;
      column.value = function (i) {
        var text = column.text ? textOf(i) : null;
        return text !== null ? text : column.names[column.codes[i]];
      };
    } else if (info.kind === "number") {
      column.numbers = reportgen.decode(content.values);
      column.value = function (i) {
        var v = column.numbers[i];
        return isNaN(v) ? "" : String(Number(v.toPrecision(6)));
      };
    } else {
      column.text = content.text;
      column.value = function (i) {
        var text = textOf(i);
        return text !== null ? text : "";
      };
    }
    self.columns[name] = column;
    return column;
  });
};

/** Whether every hover column has loaded. @returns {boolean} */
reportgen.PointData.prototype.hoverColumnsLoaded = function () {
  var columns = this.columns;
  return (this.page.hoverColumns || []).every(function (name) { return !!columns[name]; });
};

/** The columns hover and the inspector show, loaded when first needed (a first hover,
 * a click), never on open: at scale they weigh more than the view itself.
 * @returns {Promise<Column[]>} */
reportgen.PointData.prototype.hoverColumns = function () {
  var self = this;
  return Promise.all((self.page.hoverColumns || []).map(function (name) { return self.column(name); }));
};

/** The neighbour lists, loaded once.
 * @returns {Promise<Knn>} */
reportgen.PointData.prototype.neighbors = function () {
  var self = this;
  if (self.knn) { return Promise.resolve(self.knn); }
  return reportgen.load(self.page.neighbors).then(function (/** @type {NeighborsPayload} */ content) {
    self.knn = {
      k: content.indices.shape[1],
      rows: content.rows ? reportgen.decode(content.rows) : null,
      indices: reportgen.decode(content.indices),
      cosines: reportgen.decode(content.cosines)
    };
    return self.knn;
  });
};
