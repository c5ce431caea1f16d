// @ts-check
/* reportgen: the pages' one script, as small classic scripts on one namespace.
 *
 * reportgen/render/scripts.py concatenates the files of this folder in a fixed order into
 * assets/reportgen.js (the single file inlines the same bytes): no Node at run time, and
 * no ES modules (they do not load from file://). Every file only registers what it defines
 * on `reportgen`; main.js, the last, starts the page's controller.
 *
 * Figures are defined in Python (layout, style, trace templates) and reach the page in the
 * inline JSON block #rg-page. Per-point data (coordinates, neighbour lists, metadata
 * columns) lives in data/<name>.js payloads that call reportgen.receive(name, content).
 * Text from the data is only ever put in the page with textContent, and escaped for
 * Plotly, which reads <b>-like markup in the text it draws. The shapes of the page block
 * and of the payloads are declared once, in reportgen/render/contract.py (contract.js).
 */
"use strict";

/** The one namespace: a top-level var of a classic script is window.reportgen. */
var reportgen = {};

/** The page controllers by page name (<body data-page>, or a tab's data-rg-tab): each
 * takes the page block and its scope and returns its object (or null).
 * @type {Object<string, function(PageBlock, PageScope): any>} */
reportgen.controllers = {};

/** The started page: its controller's object, or the single file's router. */
reportgen.current = null;
reportgen.tabs = null;
// @ts-check

/* The browser contract. Generated from reportgen/render/contract.py by `make contract`:
 * do not edit. */

/**
 * A typed array as base64 of its little-endian bytes (payloads.encode_array).
 * @typedef {Object} EncodedArray
 * @property {"float32"|"int32"|"uint8"|"uint16"} dtype  which typed array
 * @property {number[]} shape  row-major, e.g. [n, dims]
 * @property {string} b64  base64 of the bytes
 * @property {any} [cache]  the decoded array, kept by the browser (never sent)
 */

/**
 * One projection view in the page block (render/scatter.py).
 * @typedef {Object} ViewInfo
 * @property {string} key  "umap-2d"
 * @property {string} title  "UMAP 2D"
 * @property {number} dims  2 or 3
 * @property {string[]} axes  the axis titles
 * @property {string} payload  the ViewPayload's name
 * @property {string} preservation  the PreservationPayload's name
 * @property {ViewQuality} quality  how far the view can be trusted
 * @property {string[][]} parameters  [name, value] pairs, formatted
 * @property {string[]} notes  what the page says about the view
 */

/**
 * A view's quality against the original space.
 * @typedef {Object} ViewQuality
 * @property {number} recall  kNN recall
 * @property {number} trust  trustworthiness
 * @property {number|null} trustSample  the sample trustworthiness used, if any
 * @property {number} k  the neighbours both are measured with
 */

/**
 * The label codes, inline (rare labels lumped into a last 'other (N values)').
 * @typedef {Object} Labels
 * @property {string} name  the label column's name
 * @property {string[]} names  the name of each code
 * @property {boolean} other  whether the last code lumps rare labels
 * @property {EncodedArray} codes  one code per row (uint8 or uint16)
 */

/**
 * A metadata column the page can load.
 * @typedef {Object} ColumnInfo
 * @property {string} name  its name
 * @property {"category"|"number"|"text"} kind  how it is coded
 * @property {string} payload  the ColumnPayload's name
 */

/**
 * The sprite sheet every thumbnail is a tile of (render/gallery.py).
 * @typedef {Object} Sprite
 * @property {string} href  the sheet's path
 * @property {number} thumb  px of one tile
 * @property {number} columns  tiles per row of the sheet
 * @property {string} [cssClass]  a single file: the class carrying the sheet
 */

/**
 * A figure template: a bound figure (traces, layout, config) or a scatter's templates.
 * @typedef {Object} Figure
 * @property {string} [payload]  the payload its references read, as payload.*
 * @property {any[]} [traces]  traces with {$data|$text|$matrix} references
 * @property {Object<string, any>} layout  Plotly's layout
 * @property {Object<string, any>} config  Plotly's config
 * @property {Object<string, any>} [trace]  scatter: the base trace
 * @property {Object<string, any>} [overlay]  scatter: the highlight trace
 * @property {Object<string, Object<string, any>>} [styles]  scatter: match, ...
 */

/**
 * A page's inline block; each page sends the fields it uses.
 * @typedef {Object} PageBlock
 * @property {number} [n]  the number of points
 * @property {number} [k]  neighbours the inspector lists
 * @property {string|null} [defaultView]  the view a page opens on
 * @property {ViewInfo[]} [views]  the projection views, in order
 * @property {Object<string, EncodedArray|null>} [samples]  rows per '2d'/'3d'
 * @property {Labels|null} [labels]  the label codes
 * @property {ColumnInfo[]} [columns]  the loadable metadata columns
 * @property {string|null} [textColumn]  the column searched by default
 * @property {string[]} [hoverColumns]  columns shown on hover
 * @property {string} [neighbors]  the NeighborsPayload's name
 * @property {string[]} [palette]  category colours, by code
 * @property {string} [otherColor]  the colour of 'other' and empty
 * @property {Object<string, Figure>} [figures]  by data-rg-figure name
 * @property {Object<string, any>} [data]  what figure references read
 * @property {Sprite|null} [sprite]  thumbnails, with images
 * @property {string} [clusterColumn]  clusters: the cluster column's name
 * @property {string[]} [groupings]  gallery: the group-by choices
 */

/**
 * view-<key>: a view's coordinates for its shown rows, dims per row.
 * @typedef {Object} ViewPayload
 * @property {EncodedArray} coordinates  float32 [rows, dims]
 */

/**
 * preservation-<key>: a view's per-point neighbourhood preservation.
 * @typedef {Object} PreservationPayload
 * @property {EncodedArray} values  float32, one per shown row
 */

/**
 * neighbors: the k nearest neighbours of every row in the original space.
 * @typedef {Object} NeighborsPayload
 * @property {EncodedArray} indices  int32 [n, k]
 * @property {EncodedArray} cosines  float32 [n, k]
 */

/**
 * column-<i>: a category (codes, names, text with 'other'), number or text column.
 * @typedef {Object} ColumnPayload
 * @property {EncodedArray} [codes]  category: one code per row
 * @property {string[]} [names]  category: the name of each code
 * @property {string[]} [text]  text, or a category's values as written
 * @property {EncodedArray} [values]  number: float32, NaN where empty
 */

/**
 * similarity-sample: the sample heatmap, quantised to uint8.
 * @typedef {Object} SimilaritySamplePayload
 * @property {EncodedArray} matrix  uint8 [m, m]
 * @property {number[]} rows  the sample's rows
 * @property {string[]} groups  each sample row's group name
 */

/** The sentinels and names Python writes; compare against these, never literals. */

reportgen.contract = Object.freeze({
  "BIND": {
    "DATA": "$data",
    "MATRIX": "$matrix",
    "TEXT": "$text"
  },
  "LABEL": "__label",
  "NONE": "__none",
  "PAGE_BLOCK_ID": "rg-page",
  "PAYLOAD_DIR": "data/",
  "PAYLOAD_ELEMENT_PREFIX": "rg-payload-",
  "PRESERVATION": "__preservation"
});
// @ts-check
/* The payload loader. load(name) inserts a script element for data/NAME.js the first time
 * a payload is needed (inserted scripts load from file://, where fetch/XHR do not); the
 * script calls receive(name, content). A single-file report carries its payloads inline,
 * as text/plain script elements with the id rg-payload-NAME, read first. */

/** What has arrived, and who waits for what (name -> callbacks). */
reportgen.payloads = {
  /** @type {Object<string, any>} */
  received: {},
  /** @type {Object<string, {resolve: function(any): void, reject: function(Error): void}[]>} */
  waiting: {}
};

/** Called by every data/<name>.js.
 * @param {string} name
 * @param {any} content */
reportgen.receive = function (name, content) {
  var payloads = reportgen.payloads;
  payloads.received[name] = content;
  (payloads.waiting[name] || []).forEach(function (callbacks) { callbacks.resolve(content); });
  delete payloads.waiting[name];
};

/** Payload `name`'s content, loaded once.
 * @param {string} name
 * @returns {Promise<any>} */
reportgen.load = function (name) {
  var received = reportgen.payloads.received;
  var waiting = reportgen.payloads.waiting;
  if (Object.prototype.hasOwnProperty.call(received, name)) {
    return Promise.resolve(received[name]);
  }
  var inline = document.getElementById(reportgen.contract.PAYLOAD_ELEMENT_PREFIX + name);
  if (inline) {  // a single-file report carries its payloads inline
    received[name] = JSON.parse(inline.textContent);
    return Promise.resolve(received[name]);
  }
  return new Promise(function (resolve, reject) {
    var first = !waiting[name];
    (waiting[name] = waiting[name] || []).push({ resolve: resolve, reject: reject });
    if (!first) { return; }
    var script = document.createElement("script");
    script.src = reportgen.contract.PAYLOAD_DIR + name + ".js";
    script.onerror = function () {
      var error = new Error("could not load " + reportgen.contract.PAYLOAD_DIR + name + ".js");
      (waiting[name] || []).forEach(function (callbacks) { callbacks.reject(error); });
      delete waiting[name];
    };
    document.head.appendChild(script);
  });
};
// @ts-check
/* The encoded arrays of the contract, and the page's inline JSON blocks. */

/** The typed array for each dtype the contract allows. */
reportgen.TYPED = {
  float32: Float32Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array
};

/** An EncodedArray's values (decoded once, kept on the array), or null for null.
 * @param {EncodedArray | null | undefined} array
 * @returns {any} a Float32Array, Int32Array, Uint8Array or Uint16Array */
reportgen.decode = function (array) {
  if (array == null) { return null; }
  if (array.cache) { return array.cache; }
  var text = atob(array.b64);
  var bytes = new Uint8Array(text.length);
  for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
  array.cache = new reportgen.TYPED[array.dtype](bytes.buffer);
  return array.cache;
};

/** The JSON in element `id`, or null when there is no such element.
 * @param {string} id
 * @returns {any} */
reportgen.readJson = function (id) {
  var element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
};
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
// @ts-check
/* Small DOM helpers: text always goes in with textContent. */

/** A new element with `attributes` and, when given, `text` as its text.
 * @param {string} tag
 * @param {Object<string, string>} [attributes]
 * @param {string} [text]
 * @returns {HTMLElement} */
reportgen.el = function (tag, attributes, text) {
  var element = document.createElement(tag);
  Object.keys(attributes || {}).forEach(function (key) {
    element.setAttribute(key, attributes[key]);
  });
  if (text != null) { element.textContent = text; }
  return element;
};

/** @param {Element} element */
reportgen.clear = function (element) {
  while (element.firstChild) { element.removeChild(element.firstChild); }
};

/** @returns {boolean} whether this browser draws WebGL (the 3D and large scatters) */
reportgen.hasWebGL = function () {
  try {
    var canvas = document.createElement("canvas");
    return !!(canvas.getContext("webgl") || canvas.getContext("experimental-webgl"));
  } catch (error) {
    return false;
  }
};
// @ts-check
/* A page's state in the URL fragment: "view=pca-2d&point=3". */

/** "view=pca-2d&point=3" (or "#view=...") as {view: "pca-2d", point: "3"}.
 * @param {string} text
 * @returns {Object<string, string>} */
reportgen.parseHash = function (text) {
  /** @type {Object<string, string>} */
  var state = {};
  String(text).replace(/^#/, "").split("&").forEach(function (part) {
    if (!part) { return; }
    var pair = part.split("=");
    state[decodeURIComponent(pair[0])] = decodeURIComponent(pair.slice(1).join("="));
  });
  return state;
};
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
// @ts-check
/* Thumbnails: every one is a tile of the page's one sprite sheet. */

/** Row i's thumbnail, drawn at `size` CSS px: a box whose background is its tile of the
 * one sprite sheet (page.sprite: href, thumb px, columns), so every thumbnail of a page
 * comes from a single image.
 * @param {HTMLElement} box
 * @param {Sprite} sprite
 * @param {number} row
 * @param {number} size
 * @returns {HTMLElement} */
reportgen.paintThumb = function (box, sprite, row, size) {
  var column = row % sprite.columns;
  var line = Math.floor(row / sprite.columns);
  box.style.width = size + "px";
  box.style.height = size + "px";
  if (sprite.cssClass) {  // a single-file report: the sheet is inline, once, in a style rule
    box.classList.add(sprite.cssClass);
  } else {
    box.style.backgroundImage = "url(\"" + sprite.href + "\")";
  }
  box.style.backgroundSize = (sprite.columns * size) + "px " + (sprite.columns * size) + "px";
  box.style.backgroundPosition = (-column * size) + "px " + (-line * size) + "px";
  box.setAttribute("data-thumb-row", String(row));
  return box;
};

/** @param {Sprite} sprite @param {number} row @param {number} size @returns {HTMLElement} */
reportgen.thumbnail = function (sprite, row, size) {
  var box = reportgen.el("span", { "class": "rg-thumb", "aria-hidden": "true" });
  return reportgen.paintThumb(box, sprite, row, size);
};

/** Elements the templates mark with data-rg-thumb="row" (e.g. cluster representatives).
 * @param {PageBlock} page
 * @param {PageScope} scope */
reportgen.paintMarkedThumbs = function (page, scope) {
  if (!page.sprite) { return; }
  Array.prototype.forEach.call(scope.all("[data-rg-thumb]"), function (/** @type {HTMLElement} */ box) {
    reportgen.paintThumb(box, page.sprite, Number(box.getAttribute("data-rg-thumb")), 56);
  });
};
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
 */

/**
 * The neighbour lists: row r's i-th neighbour is indices[r * k + i].
 * @typedef {Object} Knn
 * @property {number} k
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
    if (info.kind === "category") {
      column.codes = reportgen.decode(content.codes);
      column.names = content.names;
      column.text = content.text ? content.text : null;
      column.value = function (i) {
        return column.text ? column.text[i] : column.names[column.codes[i]];
      };
    } else if (info.kind === "number") {
      column.numbers = reportgen.decode(content.values);
      column.value = function (i) {
        var v = column.numbers[i];
        return isNaN(v) ? "" : String(Number(v.toPrecision(6)));
      };
    } else {
      column.text = content.text;
      column.value = function (i) { return column.text[i]; };
    }
    self.columns[name] = column;
    return column;
  });
};

/** The neighbour lists, loaded once.
 * @returns {Promise<Knn>} */
reportgen.PointData.prototype.neighbors = function () {
  var self = this;
  if (self.knn) { return Promise.resolve(self.knn); }
  return reportgen.load(self.page.neighbors).then(function (/** @type {NeighborsPayload} */ content) {
    self.knn = {
      k: content.indices.shape[1],
      indices: reportgen.decode(content.indices),
      cosines: reportgen.decode(content.cosines)
    };
    return self.knn;
  });
};
// @ts-check
/* The scatter: one plot element showing one view at a time (browsers allow few WebGL
 * contexts), coloured by label, a column or a per-point score, with the selected point,
 * its neighbours and the search matches drawn over it. */

/** @typedef {{points: {curveNumber: number, pointNumber?: number, pointIndex?: number}[], event?: MouseEvent}} PlotlyPointEvent */

/**
 * @param {HTMLElement} element  the plot's element (its parent also holds the tooltip)
 * @param {PageBlock} page
 * @param {InstanceType<typeof reportgen.PointData>} points
 * @param {Object<string, any>} [options]
 */
reportgen.Scatter = function (element, page, points, options) {
  /** @type {any} the plot element, with Plotly's on() once drawn */
  this.element = element;
  this.page = page;
  this.points = points;
  this.options = options || {};
  /** @type {Int32Array[]} per trace: the global row of each of its points */
  this.traceRows = [];
  /** @type {{selected: number | null, neighbors: number[], matches: number[] | null}} */
  this.highlight = { selected: null, neighbors: [], matches: null };
  /** @type {function(number): void | null} called with the row of a clicked point */
  this.onClick = null;
  /** @type {ViewInfo} */
  this.view = null;
  /** @type {string} */
  this.colorBy = null;
  /** @type {Column | null} */
  this.colour = null;
  /** @type {Float32Array} the view's coordinates, dims per shown row */
  this.coordinates = null;
  /** @type {Int32Array} the rows the view shows */
  this.rows = null;
  /** @type {Map<number, number> | null} row -> its position in rows */
  this.rowPosition = null;
  this.baseCount = 0;
  this.tooltip = reportgen.el("div", { "class": "rg-tooltip", role: "tooltip" });
  this.tooltip.hidden = true;
  element.parentNode.appendChild(this.tooltip);
};

/** @param {string} key @returns {ViewInfo} */
reportgen.Scatter.prototype.viewInfo = function (key) {
  return this.page.views.filter(function (v) { return v.key === key; })[0];
};

/** Show view `viewKey` coloured by `colorBy` (a column, or a contract sentinel).
 * @param {string} viewKey @param {string} colorBy @returns {Promise<void>} */
reportgen.Scatter.prototype.show = function (viewKey, colorBy) {
  var self = this;
  var view = self.viewInfo(viewKey);
  self.view = view;
  self.colorBy = colorBy;
  var wanted = [reportgen.load(view.payload)];
  if (colorBy === reportgen.contract.PRESERVATION) {
    wanted.push(reportgen.load(view.preservation));
  } else if (colorBy && colorBy !== reportgen.contract.LABEL && colorBy !== reportgen.contract.NONE) {
    wanted.push(self.points.column(colorBy));
  }
  return Promise.all(wanted).then(function (loaded) {
    self.coordinates = reportgen.decode(loaded[0].coordinates);
    self.rows = self.points.sample(view.dims);
    self.rowPosition = null;
    var colour = loaded[1];
    if (colorBy === reportgen.contract.PRESERVATION) {
      colour = { kind: "number", name: "neighbourhood preservation",
                 numbers: reportgen.decode(colour.values), sampled: true };
    }
    self.draw(colour);
  });
};

/** @param {number} row @returns {number} its position among the shown rows, or -1 */
reportgen.Scatter.prototype.positionOf = function (row) {
  if (!this.rowPosition) {
    this.rowPosition = new Map();
    for (var i = 0; i < this.rows.length; i++) { this.rowPosition.set(this.rows[i], i); }
  }
  return this.rowPosition.has(row) ? this.rowPosition.get(row) : -1;
};

/** The coordinates of the shown rows at `positions`, as a trace's x, y (and z).
 * @param {number[]} positions @returns {{x: Float32Array, y: Float32Array, z?: Float32Array}} */
reportgen.Scatter.prototype.subset = function (positions) {
  var dims = this.view.dims;
  var axes = [new Float32Array(positions.length), new Float32Array(positions.length)];
  if (dims === 3) { axes.push(new Float32Array(positions.length)); }
  for (var i = 0; i < positions.length; i++) {
    for (var d = 0; d < dims; d++) { axes[d][i] = this.coordinates[positions[i] * dims + d]; }
  }
  /** @type {{x: Float32Array, y: Float32Array, z?: Float32Array}} */
  var trace = { x: axes[0], y: axes[1] };
  if (dims === 3) { trace.z = axes[2]; }
  return trace;
};

/** @returns {Object<string, any>} a fresh copy of the view's trace template */
reportgen.Scatter.prototype.baseTrace = function () {
  var figure = this.page.figures[this.view.dims === 3 ? "scatter3d" : "scatter2d"];
  return reportgen.clone(figure.trace);
};

/** One trace per category present, coloured by code, in natural legend order.
 * @param {any} codes @param {string[]} names @param {function(number): number} codeOfRow
 * @returns {Object<string, any>[]} */
reportgen.Scatter.prototype.categoryTraces = function (codes, names, codeOfRow) {
  var palette = this.page.palette;
  /** @type {number[][]} */
  var groups = names.map(function () { return /** @type {number[]} */ ([]); });
  for (var i = 0; i < this.rows.length; i++) { groups[codeOfRow(this.rows[i])].push(i); }
  var self = this;
  /** @type {Object<string, any>[]} */
  var traces = [];
  // Colours follow frequency (the codes); the legend reads in natural order.
  var order = reportgen.naturalOrder(names);
  /** @type {Object<number, number>} */
  var rank = {};
  order.forEach(function (code, position) { rank[code] = position; });
  groups.forEach(function (positions, code) {
    if (!positions.length) { return; }
    var trace = Object.assign(self.baseTrace(), self.subset(positions));
    var isOther = reportgen.isOtherName(names, code);
    trace.name = reportgen.plotlyText(reportgen.truncate(names[code] === "" ? "(empty)" : names[code], 40));
    trace.marker = Object.assign({}, trace.marker,
      { color: isOther ? self.page.otherColor : palette[code % palette.length] });
    trace.legendrank = rank[code];
    traces.push(trace);
    self.traceRows.push(Int32Array.from(positions, function (p) { return self.rows[p]; }));
  });
  return traces;
};

/** @param {Column} colour @returns {Object<string, any>[]} */
reportgen.Scatter.prototype.numberTrace = function (colour) {
  var self = this;
  var finite = [];
  var missing = [];
  var values = [];
  for (var i = 0; i < self.rows.length; i++) {
    var v = colour.sampled ? colour.numbers[i] : colour.numbers[self.rows[i]];
    if (isNaN(v)) { missing.push(i); } else { finite.push(i); values.push(v); }
  }
  var traces = [];
  var trace = Object.assign(self.baseTrace(), self.subset(finite));
  trace.name = reportgen.plotlyText(reportgen.truncate(colour.name, 40));
  trace.showlegend = false;
  trace.marker = Object.assign({}, trace.marker, {
    color: Float32Array.from(values),
    colorscale: "Viridis",
    showscale: true,
    colorbar: { title: { text: reportgen.plotlyText(reportgen.truncate(colour.name, 30)), side: "right" },
                thickness: 12, len: 0.8 }
  });
  traces.push(trace);
  self.traceRows.push(Int32Array.from(finite, function (p) { return self.rows[p]; }));
  if (missing.length) {
    var empty = Object.assign(self.baseTrace(), self.subset(missing));
    empty.name = "(empty)";
    empty.marker = Object.assign({}, empty.marker, { color: self.page.otherColor });
    traces.push(empty);
    self.traceRows.push(Int32Array.from(missing, function (p) { return self.rows[p]; }));
  }
  return traces;
};

/** @returns {Object<string, any>[]} the matches, neighbours and selected point */
reportgen.Scatter.prototype.overlayTraces = function () {
  var self = this;
  /** @type {Object<string, any>[]} */
  var overlays = [];
  var figure = self.page.figures[self.view.dims === 3 ? "scatter3d" : "scatter2d"];
  /** @param {number[]} rows @param {Object<string, any>} style @param {string} name */
  function overlay(rows, style, name) {
    /** @type {number[]} */
    var positions = [];
    rows.forEach(function (row) {
      var p = self.positionOf(row);
      if (p >= 0) { positions.push(p); }
    });
    var trace = Object.assign(reportgen.clone(figure.overlay), self.subset(positions), style);
    trace.name = name;
    overlays.push(trace);
    self.traceRows.push(Int32Array.from(positions, function (p) { return self.rows[p]; }));
  }
  if (self.highlight.matches) { overlay(self.highlight.matches, figure.styles.match, "matches"); }
  if (self.highlight.neighbors.length) {
    overlay(self.highlight.neighbors, figure.styles.neighbor, "neighbours");
  }
  if (self.highlight.selected !== null) {
    overlay([self.highlight.selected], figure.styles.selected, "selected");
  }
  return overlays;
};

/** @param {Column | null} colour @returns {Promise<HTMLElement> | undefined} */
reportgen.Scatter.prototype.draw = function (colour) {
  var self = this;
  if (!window.Plotly) { reportgen.noPlotly(self.element); return; }
  self.colour = colour;
  self.traceRows = [];
  var traces;
  var points = self.points;
  if (colour && colour.kind === "number") {
    traces = self.numberTrace(colour);
  } else if (colour && colour.kind === "category") {
    traces = self.categoryTraces(colour.codes, colour.names,
                                 function (row) { return colour.codes[row]; });
  } else if (self.colorBy === reportgen.contract.LABEL && points.labelCodes) {
    traces = self.categoryTraces(points.labelCodes, self.page.labels.names,
                                 function (row) { return points.labelCodes[row]; });
  } else {
    var all = [];
    for (var i = 0; i < self.rows.length; i++) { all.push(i); }
    traces = [Object.assign(self.baseTrace(), self.subset(all), { name: "points" })];
    traces[0].showlegend = false;
    self.traceRows.push(self.rows);
  }
  self.baseCount = traces.length;
  traces = traces.concat(self.overlayTraces());
  var figure = self.page.figures[self.view.dims === 3 ? "scatter3d" : "scatter2d"];
  var layout = reportgen.clone(figure.layout);
  var titles = self.view.axes.map(reportgen.plotlyText);
  if (self.view.dims === 3) {
    ["xaxis", "yaxis", "zaxis"].forEach(function (axis, d) {
      layout.scene[axis] = Object.assign({}, layout.scene[axis], { title: { text: titles[d] } });
    });
  } else {
    layout.xaxis = Object.assign({}, layout.xaxis, { title: { text: titles[0] } });
    layout.yaxis = Object.assign({}, layout.yaxis, { title: { text: titles[1] } });
  }
  layout.uirevision = self.view.key;
  var first = !self.element.classList.contains("js-plotly-plot");
  var drawn = window.Plotly.react(self.element, traces, layout, figure.config);
  if (first) {
    self.element.on("plotly_hover", function (/** @type {PlotlyPointEvent} */ event) { self.hover(event); });
    self.element.on("plotly_unhover", function () { self.tooltip.hidden = true; });
    self.element.on("plotly_click", function (/** @type {PlotlyPointEvent} */ event) {
      var row = self.rowOf(event.points[0]);
      if (row !== null && self.onClick) { self.onClick(row); }
    });
  }
  return drawn;
};

reportgen.Scatter.prototype.redrawOverlays = function () {
  if (this.view && this.coordinates) { this.draw(this.colour); }
};

/** @param {PlotlyPointEvent["points"][0]} point @returns {number | null} */
reportgen.Scatter.prototype.rowOf = function (point) {
  var rows = this.traceRows[point.curveNumber];
  var index = point.pointNumber != null ? point.pointNumber : point.pointIndex;
  return rows && index != null && index < rows.length ? rows[index] : null;
};

/** @param {PlotlyPointEvent} event */
reportgen.Scatter.prototype.hover = function (event) {
  var point = event.points[0];
  var row = this.rowOf(point);
  if (row === null) { return; }
  var tooltip = this.tooltip;
  reportgen.clear(tooltip);
  if (this.page.sprite) {
    tooltip.appendChild(reportgen.thumbnail(this.page.sprite, row, 96)).classList.add("rg-tooltip-thumb");
  }
  tooltip.appendChild(reportgen.el("div", { "class": "rg-tooltip-title" }, "#" + row +
    (this.points.labelCodes ? " · " + reportgen.truncate(this.points.label(row), 60) : "")));
  tooltip.appendChild(reportgen.detailList(this.page, this.points, row, 160, {}));
  var bounds = this.element.getBoundingClientRect();
  /** @type {{clientX?: number, clientY?: number}} */
  var mouse = event.event || {};
  var x = (mouse.clientX || bounds.left + bounds.width / 2) - bounds.left + 14;
  var y = (mouse.clientY || bounds.top + bounds.height / 2) - bounds.top + 14;
  tooltip.style.left = Math.min(x, bounds.width - 280) + "px";
  tooltip.style.top = Math.min(y, bounds.height - 80) + "px";
  tooltip.hidden = false;
};
// @ts-check
/* What the inspectors show of a point: its neighbour list and its detail fields (shared
 * by the scatter's tooltip, the projections inspector and the gallery). */

/**
 * One neighbour of a point in the original space.
 * @typedef {{row: number, cosine: number}} Neighbour
 */

/** The first `k` neighbours of `row`, nearest first.
 * @param {Knn} knn
 * @param {number} row
 * @param {number} k
 * @returns {Neighbour[]} */
reportgen.neighbourList = function (knn, row, k) {
  var neighbours = [];
  for (var r = 0; r < k; r++) {
    neighbours.push({ row: knn.indices[row * knn.k + r], cosine: knn.cosines[row * knn.k + r] });
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

/** The rows 0..n-1 whose value in `column` passes `test`.
 * @param {{value: function(number): string}} column
 * @param {number} n
 * @param {function(string): boolean} test
 * @returns {number[]} */
reportgen.matchingRows = function (column, n, test) {
  var matches = [];
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
// @ts-check
/* Where a page's logic runs: the element it lives in, the prefix of its element ids, its
 * state in the URL ("view=pca-2d&point=3") and how it follows a link to another page.
 * A page of the site is the whole document (PageScope); a single-file report holds every
 * page as a tab (TabScope), whose ids carry the page's name ("projections-rg-scatter"). */

reportgen.PageScope = class {
  constructor() {
    /** @type {HTMLElement} */
    this.root = document.body;
    /** @type {string} */
    this.prefix = "";
    /** @type {string} the page's name: which controller runs it */
    this.name = document.body.getAttribute("data-page");
  }

  /** @param {string} name @returns {string} */
  id(name) { return this.prefix + name; }

  /** @param {string} name @returns {any} the element (any: each caller knows its kind) */
  byId(name) { return document.getElementById(this.id(name)); }

  /** @param {string} selector @returns {NodeListOf<HTMLElement>} */
  all(selector) { return this.root.querySelectorAll(selector); }

  /** @returns {Object<string, string>} */
  hash() { return reportgen.parseHash(window.location.hash); }

  /** @param {string} text */
  setHash(text) {
    if (window.location.hash !== "#" + text) { history.replaceState(null, "", "#" + text); }
  }

  /** @param {function(Object<string, string>): void} listener */
  onHash(listener) {
    window.addEventListener("hashchange", function () { listener(reportgen.parseHash(window.location.hash)); });
  }

  /** @param {string} target @returns {string} */
  href(target) { return target; }

  /** @param {string} target */
  go(target) { window.location.href = target; }
};

reportgen.TabScope = class extends reportgen.PageScope {
  /** @param {InstanceType<typeof reportgen.Tabs>} tabs @param {HTMLElement} section */
  constructor(tabs, section) {
    super();
    this.tabs = tabs;
    this.root = section;
    this.name = section.getAttribute("data-rg-tab");
    this.prefix = section.getAttribute("data-rg-prefix");
    this.state = "";
    /** @type {Array<function(Object<string, string>): void>} */
    this.listeners = [];
  }

  /** @returns {Object<string, string>} */
  hash() { return reportgen.parseHash(this.state); }

  /** @param {string} text */
  setHash(text) {
    this.state = text;
    if (this.tabs.current === this.name) { this.tabs.record(false); }
  }

  /** @param {function(Object<string, string>): void} listener */
  onHash(listener) { this.listeners.push(listener); }

  /** @param {string} target @returns {string} */
  href(target) {
    var route = this.tabs.route(target);
    return route ? this.tabs.fragment(route.tab, route.state) : target;
  }

  /** @param {string} target */
  go(target) { this.tabs.follow(target); }
};
// @ts-check
/* The single-file report's router: each page is a section [data-rg-tab] (all but one
 * hidden) and the navigation switches between them. A page's logic starts when its tab is
 * first shown (Plotly sizes a figure from its element, which must be visible). The URL
 * keeps "#tab/state" where the browser allows it; inside a notebook's srcdoc frame it
 * cannot, so the state also lives in each scope. Links to "page.html#state" or
 * "#page/state" are followed here, never by the browser: nothing outside the file is
 * requested. */

reportgen.Tabs = function () {
  var self = this;
  /** @type {Object<string, InstanceType<typeof reportgen.TabScope>>} */
  self.scopes = {};
  /** @type {Object<string, any>} the controller each started tab returned */
  self.pages = {};
  /** @type {Object<string, boolean>} */
  self.started = {};
  /** @type {string[]} */
  self.names = [];
  /** @type {string | null} */
  self.current = null;
  Array.prototype.forEach.call(document.querySelectorAll("[data-rg-tab]"), function (/** @type {HTMLElement} */ section) {
    var scope = new reportgen.TabScope(self, section);
    self.scopes[scope.name] = scope;
    self.names.push(scope.name);
  });
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey ||
        event.shiftKey || event.altKey) { return; }
    var target = /** @type {Element} */ (event.target);
    var link = target.closest ? target.closest("a[href]") : null;
    if (!link) { return; }
    var route = self.route(link.getAttribute("href"));
    if (!route) { return; }
    event.preventDefault();
    self.show(route.tab, route.state, true);
  });
  function fromLocation() {
    var route = self.route(window.location.hash);
    if (route) { self.show(route.tab, route.state, null); }
  }
  window.addEventListener("popstate", fromLocation);
  window.addEventListener("hashchange", fromLocation);
  var first = self.route(window.location.hash);
  self.show(first ? first.tab : self.names[0], first ? first.state : undefined, null);
};

/* {tab, state} of "#projections/point=3" or "projections.html#point=3"; state is
 * undefined when the link names the page only (the tab then keeps its state). */
/** @param {string} href @returns {{tab: string, state: string | undefined} | null} */
reportgen.Tabs.prototype.route = function (href) {
  var match = /^#([\w-]+)(?:\/(.*))?$/.exec(href || "") ||
    /^([\w-]+)\.html(?:#(.*))?$/.exec(href || "");
  if (!match || this.names.indexOf(match[1]) < 0) { return null; }
  return { tab: match[1], state: match[2] };
};

/** @param {string} tab @param {string} [state] @returns {string} */
reportgen.Tabs.prototype.fragment = function (tab, state) {
  return "#" + tab + (state ? "/" + state : "");
};

/** @param {string} href */
reportgen.Tabs.prototype.follow = function (href) {
  var route = this.route(href);
  if (route) { this.show(route.tab, route.state, true); }
};

/* Write the current tab and its state into the URL (a new history entry when `push`). */
/** @param {boolean} push */
reportgen.Tabs.prototype.record = function (push) {
  var fragment = this.fragment(this.current, this.scopes[this.current].state);
  if (window.location.hash === fragment) { return; }
  try {
    history[push ? "pushState" : "replaceState"](null, "", fragment);
  } catch (error) {
    // about:srcdoc (a notebook's frame) cannot change its URL: the state stays in memory.
  }
};

/* Show tab `name`, with `state` when given; `push`: true adds a history entry, false
 * replaces the current one, null leaves the URL alone (it already says this). */
/** @param {string} name @param {string | undefined} state @param {boolean | null} push */
reportgen.Tabs.prototype.show = function (name, state, push) {
  var self = this;
  if (!self.scopes[name]) { name = self.names[0]; state = undefined; }
  var scope = self.scopes[name];
  var changed = state !== undefined && state !== scope.state;
  if (state !== undefined) { scope.state = state; }
  var switched = self.current !== name;
  self.current = name;
  self.names.forEach(function (other) { self.scopes[other].root.hidden = other !== name; });
  Array.prototype.forEach.call(document.querySelectorAll("[data-rg-tab-link]"), function (/** @type {Element} */ link) {
    if (link.getAttribute("data-rg-tab-link") === name) {
      link.setAttribute("aria-current", "page");
    } else {
      link.removeAttribute("aria-current");
    }
  });
  if (push !== null) { self.record(push && (switched || changed)); }
  if (switched) { window.scrollTo(0, 0); }
  if (!self.started[name]) {
    self.started[name] = true;
    var page = reportgen.readJson(scope.id(reportgen.contract.PAGE_BLOCK_ID));
    if (page) { self.pages[name] = reportgen.startPage(page, scope); }
    return;
  }
  if (changed) {
    var hash = reportgen.parseHash(scope.state);
    scope.listeners.forEach(function (listener) { listener(hash); });
  }
  if (switched && window.Plotly) {  // figures drawn while another width was current
    Array.prototype.forEach.call(scope.root.querySelectorAll(".js-plotly-plot"), function (/** @type {HTMLElement} */ plot) {
      var resized = window.Plotly.Plots.resize(plot);
      if (resized && resized.catch) { resized.catch(function () {}); }
    });
  }
};
// @ts-check
/* index.html: the overview's headline scatter; a click opens the point on the projections. */

/** @param {PageBlock} page @param {PageScope} scope @returns {null} */
reportgen.controllers.index = function (page, scope) {
  var element = scope.byId("rg-headline");
  if (!element || !page.views || !page.views.length) { return null; }
  var points = new reportgen.PointData(page);
  var scatter = new reportgen.Scatter(element, page, points);
  scatter.onClick = function (row) {
    scope.go("projections.html#view=" + encodeURIComponent(page.defaultView) +
      "&point=" + row);
  };
  scatter.show(page.defaultView, page.labels ? reportgen.contract.LABEL : reportgen.contract.NONE)
    .then(function () { element.setAttribute("data-view", page.defaultView); });
  return null;
};
// @ts-check
/* projections.html: the views, colouring, search, and the inspector of a clicked point. */

/** @param {PageBlock} page @param {PageScope} scope */
reportgen.ProjectionsPage = function (page, scope) {
  var self = this;
  self.page = page;
  self.scope = scope;
  self.points = new reportgen.PointData(page);
  self.plot = scope.byId("rg-scatter");
  self.scatter = new reportgen.Scatter(self.plot, page, self.points);
  self.scatter.onClick = function (row) { self.select(row); };
  /** @type {{view: string, color: string, point: number | null}} */
  self.state = { view: page.defaultView, color: page.labels ? reportgen.contract.LABEL : reportgen.contract.NONE,
                 point: null };
  self.buildControls();
  // The hover columns (text, chosen metadata) load after the first view is drawn.
  self.applyHash(scope.hash());
  scope.onHash(function (hash) { self.applyHash(hash); });
};

/** The view buttons, the colour and search controls. */
reportgen.ProjectionsPage.prototype.buildControls = function () {
  var self = this;
  var page = self.page;
  var scope = self.scope;
  var viewBar = scope.byId("rg-views");
  page.views.forEach(function (view) {
    var button = reportgen.el("button", { type: "button", "data-view": view.key,
                                "class": "rg-view-button" }, view.title);
    button.addEventListener("click", function () { self.setView(view.key); });
    viewBar.appendChild(button);
  });
  var colour = scope.byId("rg-color");
  /** @param {string} value @param {string} text */
  function option(value, text) { colour.appendChild(reportgen.el("option", { value: value }, text)); }
  if (page.labels) {
    option(reportgen.contract.LABEL, page.labels.name === "label" ? "label" : page.labels.name + " (label)");
  }
  page.columns.forEach(function (column) {
    if (column.kind !== "text" && (!page.labels || column.name !== page.labels.name)) {
      option(column.name, column.name + (column.kind === "number" ? " (number)" : ""));
    }
  });
  option(reportgen.contract.PRESERVATION, "neighbourhood preservation");
  option(reportgen.contract.NONE, "none");
  colour.addEventListener("change", function () { self.setColor(colour.value); });

  var searchColumn = scope.byId("rg-search-column");
  page.columns.forEach(function (column) {
    searchColumn.appendChild(reportgen.el("option", { value: column.name }, column.name));
  });
  if (page.textColumn) { searchColumn.value = page.textColumn; }
  var input = scope.byId("rg-search");
  var regex = scope.byId("rg-search-regex");
  /** @type {number | undefined} */
  var timer;
  function later() { clearTimeout(timer); timer = setTimeout(function () { self.search(); }, 150); }
  input.addEventListener("input", later);
  regex.addEventListener("change", later);
  searchColumn.addEventListener("change", later);
};

/** @param {Object<string, string>} hash @returns {Promise<void | null>} */
reportgen.ProjectionsPage.prototype.applyHash = function (hash) {
  var self = this;
  var known = self.page.views.some(function (v) { return v.key === hash.view; });
  if (known) { self.state.view = hash.view; }
  if (hash.color) {
    var select = self.scope.byId("rg-color");
    var ok = Array.prototype.some.call(select.options, function (/** @type {HTMLOptionElement} */ o) { return o.value === hash.color; });
    if (ok) { self.state.color = hash.color; }
  }
  var point = parseInt(hash.point, 10);
  self.state.point = (point >= 0 && point < self.page.n) ? point : null;
  return self.showView().then(function () {
    if (self.state.point !== null) { return self.select(self.state.point, true); }
    return null;
  });
};

reportgen.ProjectionsPage.prototype.writeHash = function () {
  var parts = ["view=" + encodeURIComponent(this.state.view)];
  if (this.state.color !== (this.page.labels ? reportgen.contract.LABEL : reportgen.contract.NONE)) {
    parts.push("color=" + encodeURIComponent(this.state.color));
  }
  if (this.state.point !== null) { parts.push("point=" + this.state.point); }
  this.scope.setHash(parts.join("&"));
};

/** @param {string} key */
reportgen.ProjectionsPage.prototype.setView = function (key) {
  this.state.view = key;
  this.writeHash();
  return this.showView();
};

/** @param {string} value */
reportgen.ProjectionsPage.prototype.setColor = function (value) {
  this.state.color = value;
  this.writeHash();
  return this.showView();
};

reportgen.ProjectionsPage.prototype.showView = function () {
  var self = this;
  var view = self.scatter.viewInfo(self.state.view);
  self.scope.byId("rg-color").value = self.state.color;
  Array.prototype.forEach.call(self.scope.all(".rg-view-button"), function (/** @type {HTMLElement} */ b) {
    b.setAttribute("aria-pressed", String(b.getAttribute("data-view") === view.key));
  });
  self.describeView(view);
  self.scope.root.classList.add("rg-loading");
  return self.scatter.show(view.key, self.state.color).then(function () {
    self.scope.root.classList.remove("rg-loading");
    self.plot.setAttribute("data-view", view.key);
    return self.loadHoverColumns();
  }).catch(function (error) { self.fail(error); });
};

reportgen.ProjectionsPage.prototype.loadHoverColumns = function () {
  var points = this.points;
  return Promise.all((this.page.hoverColumns || []).map(function (name) {
    return points.column(name);
  }));
};

/** @param {any} error  an Error, or what a promise was rejected with */
reportgen.ProjectionsPage.prototype.fail = function (error) {
  var status = this.scope.byId("rg-status");
  status.textContent = String(error.message || error);
  status.hidden = false;
  this.scope.root.classList.remove("rg-loading");
};

/** @param {ViewInfo} view */
reportgen.ProjectionsPage.prototype.describeView = function (view) {
  var scope = this.scope;
  scope.byId("rg-quality-recall").textContent = reportgen.fixed(view.quality.recall, 3);
  scope.byId("rg-quality-trust").textContent = reportgen.fixed(view.quality.trust, 3);
  scope.byId("rg-quality-k").textContent = String(view.quality.k);
  scope.byId("rg-quality-sample").textContent = view.quality.trustSample
    ? " (on a seeded sample of " + view.quality.trustSample + " points)" : "";
  var parameters = scope.byId("rg-parameters");
  reportgen.clear(parameters);
  view.parameters.forEach(function (/** @type {string[]} */ pair) {
    parameters.appendChild(reportgen.el("dt", {}, pair[0]));
    parameters.appendChild(reportgen.el("dd", {}, pair[1]));
  });
  var notes = scope.byId("rg-view-notes");
  reportgen.clear(notes);
  view.notes.forEach(function (/** @type {string} */ note) { notes.appendChild(reportgen.el("li", {}, note)); });
  var shown = this.points.sample(view.dims).length;
  var note = scope.byId("rg-sample-note");
  note.hidden = shown >= this.page.n;
  note.textContent = "showing " + shown.toLocaleString("en-US") + " of " +
    this.page.n.toLocaleString("en-US") +
    " points (a seeded sample, stratified by label); every number uses all points";
};

/** Select `row`: its neighbours drawn and listed (`fromHash`: the URL says so already).
 * @param {number} row @param {boolean} [fromHash] @returns {Promise<void>} */
reportgen.ProjectionsPage.prototype.select = function (row, fromHash) {
  var self = this;
  self.state.point = row;
  if (!fromHash) { self.writeHash(); }
  return self.points.neighbors().then(function (knn) {
    var neighbours = reportgen.neighbourList(knn, row, self.page.k);
    self.scatter.highlight.selected = row;
    self.scatter.highlight.neighbors = neighbours.map(function (n) { return n.row; });
    self.scatter.redrawOverlays();
    self.showInspector(row, neighbours);
  }).catch(function (error) { self.fail(error); });
};

/** @param {number} row @returns {HTMLElement | null} its label's colour */
reportgen.ProjectionsPage.prototype.swatch = function (row) {
  var codes = this.points.labelCodes;
  if (!codes) { return null; }
  var code = codes[row];
  var isOther = reportgen.isOtherName(this.page.labels.names, code);
  var colour = isOther ? this.page.otherColor : this.page.palette[code % this.page.palette.length];
  var swatch = reportgen.el("span", { "class": "rg-swatch", "aria-hidden": "true" });
  swatch.style.background = colour;
  return swatch;
};

/** @param {number} row @param {Neighbour[]} neighbours */
reportgen.ProjectionsPage.prototype.showInspector = function (row, neighbours) {
  var self = this;
  var panel = self.scope.byId("rg-inspector");
  reportgen.clear(panel);
  var head = reportgen.el("div", { "class": "rg-inspector-head" });
  var swatch = self.swatch(row);
  if (swatch) { head.appendChild(swatch); }
  head.appendChild(reportgen.el("strong", {}, "#" + row));
  if (self.points.labelCodes) { head.appendChild(reportgen.el("span", {}, " " + self.points.label(row))); }
  panel.appendChild(head);
  if (self.page.sprite) {
    panel.appendChild(reportgen.thumbnail(self.page.sprite, row, 112)).classList.add("rg-inspector-thumb");
  }
  panel.appendChild(reportgen.detailList(self.page, self.points, row, 400,
    { "class": "rg-inspector-details" }));
  if (self.scatter.positionOf(row) < 0) {
    panel.appendChild(reportgen.el("p", { "class": "rg-muted" }, "This point is not in the sample this view shows."));
  }
  panel.appendChild(reportgen.el("h3", {}, "Nearest neighbours in the original space"));
  var list = reportgen.el("ol", { "class": "rg-neighbors", id: self.scope.id("rg-neighbor-list") });
  neighbours.forEach(function (/** @type {Neighbour} */ neighbour) {
    var item = reportgen.el("li", {});
    var button = reportgen.el("button", { type: "button", "data-row": String(neighbour.row) });
    var mark = self.page.sprite ? reportgen.thumbnail(self.page.sprite, neighbour.row, 32)
      : self.swatch(neighbour.row);
    if (mark) { button.appendChild(mark); }
    var label = self.points.labelCodes ? self.points.label(neighbour.row) : "#" + neighbour.row;
    button.appendChild(reportgen.el("span", { "class": "rg-neighbor-label" }, label));
    button.appendChild(reportgen.el("span", { "class": "rg-neighbor-row" }, "#" + neighbour.row));
    button.appendChild(reportgen.el("span", { "class": "rg-neighbor-score" },
      reportgen.cosineText(neighbour.cosine)));
    button.title = (self.points.labelCodes ? self.points.label(row) : "#" + row) + ": (" +
      label + ", " + reportgen.fixed(reportgen.angleOf(neighbour.cosine), 1) + "°)";
    button.addEventListener("click", function () { self.select(neighbour.row); });
    item.appendChild(button);
    list.appendChild(item);
  });
  panel.appendChild(list);
};

reportgen.ProjectionsPage.prototype.search = function () {
  var self = this;
  var query = self.scope.byId("rg-search").value;
  var name = self.scope.byId("rg-search-column").value;
  var useRegex = self.scope.byId("rg-search-regex").checked;
  var count = self.scope.byId("rg-search-count");
  if (!query) {
    count.textContent = "";
    self.scatter.highlight.matches = null;
    self.scatter.redrawOverlays();
    return Promise.resolve();
  }
  var test = reportgen.matcher(query, useRegex);
  if (!test) {
    count.textContent = "invalid regular expression";
    return Promise.resolve();
  }
  return self.points.column(name).then(function (column) {
    var matches = reportgen.matchingRows(column, self.page.n, test);
    self.scatter.highlight.matches = matches;
    var shown = matches.filter(function (row) { return self.scatter.positionOf(row) >= 0; });
    count.textContent = reportgen.matchText(matches.length, shown.length);
    count.setAttribute("data-count", String(matches.length));
    self.scatter.redrawOverlays();
  });
};

reportgen.controllers.projections = function (/** @type {PageBlock} */ page, /** @type {PageScope} */ scope) {
  return new reportgen.ProjectionsPage(page, scope);
};
// @ts-check
/* clusters.html: the cluster map (the static picture where WebGL or Plotly is missing);
 * a click opens the point on the projections, coloured by cluster. */

/** @param {PageBlock} page @param {PageScope} scope @returns {null} */
reportgen.controllers.clusters = function (page, scope) {
  var element = scope.byId("rg-cluster-map");
  if (!element || !page.views || !page.views.length) { return null; }
  if (!reportgen.hasWebGL() || !window.Plotly) {  // the static picture instead of the WebGL scatter
    var image = reportgen.el("img", { src: element.getAttribute("data-fallback"), alt: "Cluster map",
                                      "class": "rg-fallback" });
    element.replaceWith(image);
    return null;
  }
  var points = new reportgen.PointData(page);
  var scatter = new reportgen.Scatter(element, page, points);
  scatter.onClick = function (row) {
    scope.go("projections.html#view=" + encodeURIComponent(page.defaultView) +
      "&point=" + row + "&color=" + encodeURIComponent(page.clusterColumn));
  };
  scatter.show(page.defaultView, page.clusterColumn).then(function () {
    element.setAttribute("data-view", page.defaultView);
  });
  return null;
};
// @ts-check
/* gallery.html: thumbnails grouped by label or cluster, and a clicked image's neighbours. */

/** The gallery's sizes. */
reportgen.GALLERY = {
  TILE: 72,     // CSS px of a thumbnail in the grid
  FIRST: 96,    // tiles drawn per group before "show all"
  BATCH: 600    // tiles added per click of "show more"
};

/** @typedef {HTMLElement & {rows: number[], shown: number}} GroupSection */

/** @param {PageBlock} page @param {PageScope} scope */
reportgen.GalleryPage = function (page, scope) {
  var self = this;
  self.page = page;
  self.scope = scope;
  self.points = new reportgen.PointData(page);
  self.container = scope.byId("rg-gallery");
  self.grouping = page.groupings[0];
  /** @type {number | null} */
  self.selected = null;
  /** @type {IntersectionObserver | null} */
  self.observer = null;
  var select = scope.byId("rg-group");
  if (select) {
    select.addEventListener("change", function () {
      self.grouping = select.value;
      self.writeHash();
      self.draw();
    });
  }
  self.container.addEventListener("click", function (/** @type {MouseEvent} */ event) {
    var tile = /** @type {Element} */ (event.target).closest("[data-row]");
    if (tile) { self.select(Number(tile.getAttribute("data-row"))); }
  });
  var hash = scope.hash();
  if (hash.group && page.groupings.indexOf(hash.group) >= 0) { self.grouping = hash.group; }
  if (select) { select.value = self.grouping; }
  self.draw().then(function () {
    // The label column's own text (beyond the top labels) loads after the first draw.
    if (page.labels && page.labels.other) { return self.points.column(page.labels.name); }
  }).then(function () {
    if (hash.point != null && hash.point !== "" && !isNaN(Number(hash.point))) {
      self.select(Number(hash.point));
    }
  }).catch(function (error) { self.fail(error); });
  scope.onHash(function (next) { self.applyHash(next); });
};

/* A new state in the URL (a link followed within a single-file report). */
/** @param {Object<string, string>} hash @returns {Promise<void | null>} */
reportgen.GalleryPage.prototype.applyHash = function (hash) {
  var self = this;
  var ready = Promise.resolve();
  if (hash.group && hash.group !== self.grouping && self.page.groupings.indexOf(hash.group) >= 0) {
    self.grouping = hash.group;
    var select = self.scope.byId("rg-group");
    if (select) { select.value = self.grouping; }
    ready = self.draw();
  }
  return ready.then(function () {
    var row = Number(hash.point);
    if (hash.point != null && hash.point !== "" && row !== self.selected) { return self.select(row); }
    return null;
  }).catch(function (error) { self.fail(error); });
};

/** @param {any} error  an Error, or what a promise was rejected with */
reportgen.GalleryPage.prototype.fail = function (error) {
  var status = this.scope.byId("rg-status");
  status.textContent = String(error.message || error);
  status.hidden = false;
};

reportgen.GalleryPage.prototype.writeHash = function () {
  var parts = ["group=" + encodeURIComponent(this.grouping)];
  if (this.selected !== null) { parts.push("point=" + this.selected); }
  this.scope.setHash(parts.join("&"));
};

/* The groups of the current grouping: [{name, rows}], in the coding's order. */
/** @returns {Promise<{name: string, rows: number[]}[]>} */
reportgen.GalleryPage.prototype.groups = function () {
  var self = this;
  var n = self.page.n;
  /** @param {any} codes @param {string[]} names */
  function byCodes(codes, names) {
    var members = names.map(function () { return /** @type {number[]} */ ([]); });
    for (var i = 0; i < n; i++) { members[codes[i]].push(i); }
    return reportgen.naturalOrder(names).map(function (code) { return { name: names[code], rows: members[code] }; })
      .filter(function (group) { return group.rows.length; });
  }
  if (self.grouping === reportgen.contract.LABEL) {
    return Promise.resolve(byCodes(self.points.labelCodes, self.page.labels.names));
  }
  if (self.grouping === reportgen.contract.NONE) {
    var all = [];
    for (var i = 0; i < n; i++) { all.push(i); }
    return Promise.resolve([{ name: "all images", rows: all }]);
  }
  return self.points.column(self.grouping).then(function (column) {
    return byCodes(column.codes, column.names);
  });
};

reportgen.GalleryPage.prototype.draw = function () {
  var self = this;
  return self.groups().then(function (groups) {
    reportgen.clear(self.container);
    if (self.observer) { self.observer.disconnect(); }
    // Groups draw their tiles when they come near the screen: a large gallery opens fast.
    self.observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          self.observer.unobserve(entry.target);
          self.fillGroup(/** @type {GroupSection} */ (entry.target));
        }
      });
    }, { rootMargin: "800px 0px" }) : null;
    groups.forEach(function (group, index) {
      var section = /** @type {GroupSection} */ (reportgen.el("section",
        { "class": "rg-gallery-group", "data-group": String(index) }));
      var heading = reportgen.el("h2", {});
      heading.appendChild(reportgen.el("span", { "class": "rg-break" }, group.name));
      heading.appendChild(reportgen.el("span", { "class": "rg-muted" },
        " · " + group.rows.length.toLocaleString("en-US")));
      section.appendChild(heading);
      var grid = reportgen.el("div", { "class": "rg-gallery-grid" });
      // Reserve the group's height so that the page does not jump as groups fill.
      var perLine = Math.max(1, Math.floor((self.container.clientWidth || 800) / (reportgen.GALLERY.TILE + 30)));
      grid.style.minHeight = Math.ceil(Math.min(group.rows.length, reportgen.GALLERY.FIRST) / perLine) *
        (reportgen.GALLERY.TILE + 34) + "px";
      section.appendChild(grid);
      section.rows = group.rows;
      section.shown = 0;
      self.container.appendChild(section);
      if (self.observer) { self.observer.observe(section); } else { self.fillGroup(section); }
    });
    self.container.setAttribute("data-groups", String(groups.length));
  });
};

/** Draw the next `count` tiles of a group (its first ones by default).
 * @param {GroupSection} section @param {number} [count] */
reportgen.GalleryPage.prototype.fillGroup = function (section, count) {
  var self = this;
  var grid = /** @type {HTMLElement} */ (section.querySelector(".rg-gallery-grid"));
  var rows = section.rows;
  var end = Math.min(rows.length, section.shown + (count || reportgen.GALLERY.FIRST));
  var fragment = document.createDocumentFragment();
  for (var i = section.shown; i < end; i++) { fragment.appendChild(self.tile(rows[i], reportgen.GALLERY.TILE)); }
  grid.appendChild(fragment);
  grid.style.minHeight = "";
  section.shown = end;
  var more = section.querySelector(".rg-gallery-more");
  if (more) { more.remove(); }
  if (end < rows.length) {
    var left = rows.length - end;
    var button = reportgen.el("button", { type: "button", "class": "rg-gallery-more" },
      "show " + Math.min(left, reportgen.GALLERY.BATCH).toLocaleString("en-US") + " more of " +
      left.toLocaleString("en-US"));
    button.addEventListener("click", function () { self.fillGroup(section, reportgen.GALLERY.BATCH); });
    section.appendChild(button);
  }
};

/** @param {number} row @returns {string} */
reportgen.GalleryPage.prototype.caption = function (row) {
  return this.points.labelCodes ? this.points.label(row) : "";
};

/** @param {number} row @param {number} size @param {string} [score] @returns {HTMLElement} */
reportgen.GalleryPage.prototype.tile = function (row, size, score) {
  var button = reportgen.el("button", { type: "button", "class": "rg-gallery-tile", "data-row": String(row) });
  button.appendChild(reportgen.thumbnail(this.page.sprite, row, size));
  var label = this.caption(row);
  button.appendChild(reportgen.el("span", { "class": "rg-gallery-caption" },
    "#" + row + (label ? " · " + reportgen.truncate(label, 24) : "")));
  if (score != null) { button.appendChild(reportgen.el("span", { "class": "rg-gallery-score" }, score)); }
  button.title = "#" + row + (label ? " " + label : "");
  if (row === this.selected) { button.setAttribute("aria-pressed", "true"); }
  return button;
};

/** @param {number} row @returns {Promise<void>} */
reportgen.GalleryPage.prototype.select = function (row) {
  var self = this;
  if (!(row >= 0 && row < self.page.n)) { return Promise.resolve(); }
  self.selected = row;
  self.writeHash();
  Array.prototype.forEach.call(self.container.querySelectorAll("[aria-pressed]"), function (/** @type {Element} */ b) {
    b.removeAttribute("aria-pressed");
  });
  Array.prototype.forEach.call(self.container.querySelectorAll("[data-row=\"" + row + "\"]"),
    function (/** @type {Element} */ b) { b.setAttribute("aria-pressed", "true"); });
  return self.points.neighbors().then(function (knn) {
    var panel = self.scope.byId("rg-gallery-inspector");
    reportgen.clear(panel);
    var head = reportgen.el("div", { "class": "rg-gallery-selected" });
    head.appendChild(reportgen.thumbnail(self.page.sprite, row, 128));
    var about = reportgen.el("div", {});
    about.appendChild(reportgen.el("strong", {}, "#" + row));
    var label = self.caption(row);
    if (label) { about.appendChild(reportgen.el("div", { "class": "rg-break" }, label)); }
    var link = reportgen.el("a", { href: self.scope.href("projections.html#point=" + row) },
      "show on the projections →");
    about.appendChild(link);
    head.appendChild(about);
    panel.appendChild(head);
    panel.appendChild(reportgen.el("h3", {}, "Nearest neighbours in the original space"));
    var grid = reportgen.el("div", { "class": "rg-gallery-grid rg-gallery-neighbors", id: self.scope.id("rg-gallery-neighbors") });
    reportgen.neighbourList(knn, row, self.page.k).forEach(function (neighbour) {
      grid.appendChild(self.tile(neighbour.row, 64, "cos " + reportgen.fixed(neighbour.cosine, 3)));
    });
    grid.addEventListener("click", function (event) {
      var tile = /** @type {Element} */ (event.target).closest("[data-row]");
      if (tile) { self.select(Number(tile.getAttribute("data-row"))); }
    });
    panel.appendChild(grid);
  }).catch(function (error) { self.fail(error); });
};

/* Without its sprite (a single file too large to carry it) the gallery has nothing to show. */
reportgen.controllers.gallery = function (/** @type {PageBlock} */ page, /** @type {PageScope} */ scope) {
  return scope.byId("rg-gallery") && page.sprite ? new reportgen.GalleryPage(page, scope) : null;
};
// @ts-check
/* Starting a page: its figures, its controller (by the scope's page name), its marked
 * thumbnails. Similarity and the projector page have figures only: no controller. */

/** @typedef {InstanceType<typeof reportgen.PageScope>} PageScope  (a TabScope is one too) */

/** Start page `page` in `scope`; returns its controller's object (projections or gallery).
 * @param {PageBlock} page
 * @param {PageScope} scope
 * @returns {any} */
reportgen.startPage = function (page, scope) {
  reportgen.drawFigures(page, scope);
  var controller = Object.prototype.hasOwnProperty.call(reportgen.controllers, scope.name)
    ? reportgen.controllers[scope.name] : null;
  var current = controller ? controller(page, scope) : null;
  reportgen.paintMarkedThumbs(page, scope);
  return current;
};

/** Start the document: a single-file report's tabs, else the one page of the site. */
reportgen.start = function () {
  if (document.querySelector("[data-rg-tab]")) {
    reportgen.tabs = new reportgen.Tabs();
    return;
  }
  if (!reportgen.page) { return; }
  reportgen.current = reportgen.startPage(reportgen.page, new reportgen.PageScope());
};
// @ts-check
/* The last file of the bundle and the only one that does something when it loads: read
 * the page's block and start its controller once the document is parsed. */

/** @type {PageBlock | null} the page's inline block (the first tab's in a single file: none) */
reportgen.page = reportgen.readJson(reportgen.contract.PAGE_BLOCK_ID);
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", reportgen.start);
} else {
  reportgen.start();
}
