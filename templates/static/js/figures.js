// @ts-check
/* Binding Python's figure templates to the page's data: {"$data": "a.b"} is replaced by
 * that value of the data, {"$text": ...} by those strings escaped for Plotly and
 * {"$matrix": ..., scale, offset} by an encoded matrix as Plotly's rows. */

/** The value at dotted `path` in `data` (undefined when a step is missing).
 * @param {any} data
 * @param {string} path
 * @returns {any} */
reportgen.lookup = function (data, path) {
  return path.split(".").reduce(function (value, key) {
    return value == null ? undefined : value[key];
  }, data);
};

/** `value` with every reference replaced by what it refers to in `data`.
 * @param {any} value
 * @param {any} data
 * @returns {any} */
reportgen.bind = function (value, data) {
  var refs = reportgen.contract.BIND;
  var has = function (/** @type {string} */ key) {
    return Object.prototype.hasOwnProperty.call(value, key);
  };
  if (Array.isArray(value)) {
    return value.map(function (item) { return reportgen.bind(item, data); });
  }
  if (value !== null && typeof value === "object") {
    if (has(refs.DATA)) { return reportgen.lookup(data, value[refs.DATA]); }
    if (has(refs.TEXT)) { return reportgen.lookup(data, value[refs.TEXT]).map(reportgen.plotlyText); }
    if (has(refs.MATRIX)) {
      // A typed-array matrix (e.g. similarities quantised to uint8) as Plotly's rows,
      // each value mapped back by value * scale + offset.
      /** @type {EncodedArray} */
      var encoded = reportgen.lookup(data, value[refs.MATRIX]);
      var flat = reportgen.decode(encoded);
      var columns = encoded.shape[1];
      var rows = [];
      for (var r = 0; r < encoded.shape[0]; r++) {
        var row = new Array(columns);
        for (var c = 0; c < columns; c++) {
          row[c] = flat[r * columns + c] * value.scale + value.offset;
        }
        rows.push(row);
      }
      return rows;
    }
    /** @type {Object<string, any>} */
    var bound = {};
    Object.keys(value).forEach(function (key) { bound[key] = reportgen.bind(value[key], data); });
    return bound;
  }
  return value;
};

/** @param {any} value @returns {any} a deep copy of a JSON value */
reportgen.clone = function (value) { return JSON.parse(JSON.stringify(value)); };

/** @param {HTMLElement} element */
reportgen.noPlotly = function (element) {
  element.classList.add("rg-figure-missing");
  element.textContent = "This chart needs assets/plotly.min.js, which did not load.";
};

/** Draw every [data-rg-figure] element of `scope` from the page block's figures.
 * @param {PageBlock} page
 * @param {PageScope} scope */
reportgen.drawFigures = function (page, scope) {
  var elements = scope.all("[data-rg-figure]");
  Array.prototype.forEach.call(elements, function (/** @type {HTMLElement} */ element) {
    var spec = page.figures && page.figures[element.getAttribute("data-rg-figure")];
    if (!spec) { return; }
    if (!window.Plotly) { reportgen.noPlotly(element); return; }
    // A figure with a payload draws once its data has loaded: {"$...": "payload.x"}.
    var ready = spec.payload ? reportgen.load(spec.payload) : Promise.resolve(null);
    ready.then(function (payload) {
      var data = Object.assign({}, page.data, { payload: payload });
      return window.Plotly.newPlot(
        element, reportgen.bind(spec.traces, data), reportgen.bind(spec.layout, data), spec.config
      );
    }).then(function () { element.setAttribute("data-drawn", "true"); });
  });
};
