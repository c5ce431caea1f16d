"use strict";

var reportgen = {};

reportgen.controllers = {};

reportgen.current = null;
reportgen.tabs = null;


















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

reportgen.payloads = {
  received: {},
  waiting: {}
};

reportgen.receive = function (name, content) {
  var payloads = reportgen.payloads;
  payloads.received[name] = content;
  (payloads.waiting[name] || []).forEach(function (callbacks) { callbacks.resolve(content); });
  delete payloads.waiting[name];
};

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

reportgen.TYPED = {
  float32: Float32Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array
};

reportgen.decode = function (array) {
  if (array == null) { return null; }
  if (array.cache) { return array.cache; }
  var text = atob(array.b64);
  var bytes = new Uint8Array(text.length);
  for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
  array.cache = new reportgen.TYPED[array.dtype](bytes.buffer);
  return array.cache;
};

reportgen.viewCoordinates = function (payload) {
  var levels = reportgen.decode(payload.coordinates);
  var dims = payload.coordinates.shape[1];
  var values = new Float32Array(levels.length);
  for (var i = 0; i < levels.length; i++) {
    var d = i % dims;
    values[i] = payload.low[d] + levels[i] * payload.step[d];
  }
  return values;
};

reportgen.readJson = function (id) {
  var element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
};

reportgen.plotlyText = function (value) {
  return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
};

reportgen.truncate = function (text, length) {
  text = String(text);
  return text.length > length ? text.slice(0, length - 1) + "…" : text;
};

reportgen.fixed = function (value, digits) { return Number(value).toFixed(digits); };

reportgen.angleOf = function (cosine) {
  var c = Math.max(-1, Math.min(1, cosine));
  return Math.acos(c) * 180 / Math.PI;
};

reportgen.isOtherName = function (names, code) {
  return code === names.length - 1 && /^other \(\d+ values\)$/.test(names[code]);
};

reportgen.naturalOrder = function (names) {
  return names.map(function (_, code) { return code; }).sort(function (a, b) {
    var otherA = reportgen.isOtherName(names, a), otherB = reportgen.isOtherName(names, b);
    if (otherA !== otherB) { return otherA ? 1 : -1; }
    return names[a].localeCompare(names[b], undefined, { numeric: true });
  });
};

reportgen.el = function (tag, attributes, text) {
  var element = document.createElement(tag);
  Object.keys(attributes || {}).forEach(function (key) {
    element.setAttribute(key, attributes[key]);
  });
  if (text != null) { element.textContent = text; }
  return element;
};

reportgen.clear = function (element) {
  while (element.firstChild) { element.removeChild(element.firstChild); }
};

reportgen.hasWebGL = function () {
  try {
    var canvas = document.createElement("canvas");
    return !!(canvas.getContext("webgl") || canvas.getContext("experimental-webgl"));
  } catch (error) {
    return false;
  }
};

reportgen.parseHash = function (text) {
  var state = {};
  String(text).replace(/^#/, "").split("&").forEach(function (part) {
    if (!part) { return; }
    var pair = part.split("=");
    state[decodeURIComponent(pair[0])] = decodeURIComponent(pair.slice(1).join("="));
  });
  return state;
};

reportgen.lookup = function (data, path) {
  return path.split(".").reduce(function (value, key) {
    return value == null ? undefined : value[key];
  }, data);
};

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
    var bound = {};
    Object.keys(value).forEach(function (key) { bound[key] = reportgen.bind(value[key], data); });
    return bound;
  }
  return value;
};

reportgen.clone = function (value) { return JSON.parse(JSON.stringify(value)); };

reportgen.noPlotly = function (element) {
  element.classList.add("rg-figure-missing");
  element.textContent = "This chart needs assets/plotly.min.js, which did not load.";
};

reportgen.drawFigures = function (page, scope) {
  var elements = scope.all("[data-rg-figure]");
  Array.prototype.forEach.call(elements, function (/** @type {HTMLElement} */ element) {
    var spec = page.figures && page.figures[element.getAttribute("data-rg-figure")];
    if (!spec) { return; }
    if (!window.Plotly) { reportgen.noPlotly(element); return; }
    var ready = spec.payload ? reportgen.load(spec.payload) : Promise.resolve(null);
    ready.then(function (payload) {
      var data = Object.assign({}, page.data, { payload: payload });
      return window.Plotly.newPlot(
        element, reportgen.bind(spec.traces, data), reportgen.bind(spec.layout, data), spec.config
      );
    }).then(function () { element.setAttribute("data-drawn", "true"); });
  });
};

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

reportgen.thumbnail = function (sprite, row, size) {
  var box = reportgen.el("span", { "class": "rg-thumb", "aria-hidden": "true" });
  return reportgen.paintThumb(box, sprite, row, size);
};

reportgen.paintMarkedThumbs = function (page, scope) {
  if (!page.sprite) { return; }
  Array.prototype.forEach.call(scope.all("[data-rg-thumb]"), function (/** @type {HTMLElement} */ box) {
    reportgen.paintThumb(box, page.sprite, Number(box.getAttribute("data-rg-thumb")), 56);
  });
};



reportgen.PointData = function (page) {
  this.page = page;
  this.n = page.n;
  this.labelCodes = page.labels ? reportgen.decode(page.labels.codes) : null;
  this.columns = {};
  this.everyRow = {};
  this.knn = null;
};

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

reportgen.PointData.prototype.label = function (index) {
  if (!this.labelCodes) { return null; }
  var column = this.columns[this.page.labels.name];
  if (this.page.labels.other && column) { return column.value(index); }
  return this.page.labels.names[this.labelCodes[index]];
};

reportgen.PointData.prototype.column = function (name) {
  var self = this;
  if (self.columns[name]) { return Promise.resolve(self.columns[name]); }
  var info = self.page.columns.filter(function (c) { return c.name === name; })[0];
  if (!info) { return Promise.reject(new Error("no column " + name)); }
  return reportgen.load(info.payload).then(function (/** @type {ColumnPayload} */ content) {
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

reportgen.PointData.prototype.hoverColumnsLoaded = function () {
  var columns = this.columns;
  return (this.page.hoverColumns || []).every(function (name) { return !!columns[name]; });
};

reportgen.PointData.prototype.hoverColumns = function () {
  var self = this;
  return Promise.all((self.page.hoverColumns || []).map(function (name) { return self.column(name); }));
};

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


reportgen.Scatter = function (element, page, points, options) {
  this.element = element;
  this.page = page;
  this.points = points;
  this.options = options || {};
  this.traceRows = [];
  this.highlight = { selected: null, neighbors: [], matches: null };
  this.onClick = null;
  this.view = null;
  this.colorBy = null;
  this.colour = null;
  this.coordinates = null;
  this.density = null;
  this.densityTraces = {};
  this.hoverRow = null;
  this.rows = null;
  this.rowPosition = null;
  this.baseCount = 0;
  this.tooltip = reportgen.el("div", { "class": "rg-tooltip", role: "tooltip" });
  this.tooltip.hidden = true;
  element.parentNode.appendChild(this.tooltip);
};

reportgen.Scatter.prototype.viewInfo = function (key) {
  return this.page.views.filter(function (v) { return v.key === key; })[0];
};

reportgen.Scatter.prototype.show = function (viewKey, colorBy) {
  var self = this;
  var view = self.viewInfo(viewKey);
  self.view = view;
  self.colorBy = colorBy;
  var colourLoad = null;
  if (colorBy === reportgen.contract.PRESERVATION) {
    colourLoad = reportgen.load(view.preservation);
  } else if (colorBy && colorBy !== reportgen.contract.LABEL && colorBy !== reportgen.contract.NONE) {
    colourLoad = self.points.column(colorBy);
  }
  var densityLoad = view.density ? reportgen.load(view.density) : null;
  return Promise.all([reportgen.load(view.payload), colourLoad, densityLoad]).then(function (loaded) {
    self.coordinates = reportgen.viewCoordinates(loaded[0]);
    self.rows = self.points.sample(view.dims);
    self.rowPosition = null;
    self.density = loaded[2] ? self.densityTrace(view.key, loaded[2]) : null;
    var colour = loaded[1];
    if (colorBy === reportgen.contract.PRESERVATION) {
      colour = { kind: "number", name: "neighbourhood preservation",
                 numbers: reportgen.decode(colour.values), sampled: true };
    }
    self.draw(colour);
  });
};

reportgen.Scatter.prototype.densityTrace = function (key, density) {
  if (this.densityTraces[key]) { return this.densityTraces[key]; }
  var levels = reportgen.decode(density.levels);
  var rows = density.levels.shape[0];
  var columns = density.levels.shape[1];
  var z = [];
  for (var r = 0; r < rows; r++) {
    var line = new Array(columns);
    for (var c = 0; c < columns; c++) {
      var level = levels[r * columns + c];
      line[c] = level ? level : null;
    }
    z.push(line);
  }
  var dx = (density.x[1] - density.x[0]) / columns;
  var dy = (density.y[1] - density.y[0]) / rows;
  var trace = reportgen.clone(this.page.figures.scatter2d.density);
  Object.assign(trace, { z: z, x0: density.x[0] + dx / 2, dx: dx, y0: density.y[0] + dy / 2, dy: dy });
  this.densityTraces[key] = trace;
  return trace;
};

reportgen.Scatter.prototype.positionOf = function (row) {
  if (!this.rowPosition) {
    this.rowPosition = new Map();
    for (var i = 0; i < this.rows.length; i++) { this.rowPosition.set(this.rows[i], i); }
  }
  return this.rowPosition.has(row) ? this.rowPosition.get(row) : -1;
};

reportgen.Scatter.prototype.subset = function (positions) {
  var dims = this.view.dims;
  var axes = [new Float32Array(positions.length), new Float32Array(positions.length)];
  if (dims === 3) { axes.push(new Float32Array(positions.length)); }
  for (var i = 0; i < positions.length; i++) {
    for (var d = 0; d < dims; d++) { axes[d][i] = this.coordinates[positions[i] * dims + d]; }
  }
  var trace = { x: axes[0], y: axes[1] };
  if (dims === 3) { trace.z = axes[2]; }
  return trace;
};

reportgen.Scatter.prototype.baseTrace = function () {
  var figure = this.page.figures[this.view.dims === 3 ? "scatter3d" : "scatter2d"];
  return reportgen.clone(figure.trace);
};

reportgen.Scatter.prototype.categoryTraces = function (codes, names, codeOfRow) {
  var palette = this.page.palette;
  var groups = names.map(function () { return /** @type {number[]} */ ([]); });
  for (var i = 0; i < this.rows.length; i++) { groups[codeOfRow(this.rows[i])].push(i); }
  var self = this;
  var traces = [];
  var order = reportgen.naturalOrder(names);
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

reportgen.Scatter.prototype.overlayTraces = function () {
  var self = this;
  var overlays = [];
  var figure = self.page.figures[self.view.dims === 3 ? "scatter3d" : "scatter2d"];
  function overlay(rows, style, name) {
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
    traces[0].marker = Object.assign({}, traces[0].marker, { color: self.page.palette[0] });
    self.traceRows.push(self.rows);
  }
  if (self.density) {  // first, so that it lies under the points; it has no rows
    traces.unshift(self.density);
    self.traceRows.unshift(new Int32Array(0));
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
    self.element.on("plotly_unhover", function () { self.tooltip.hidden = true; self.hoverRow = null; });
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

reportgen.Scatter.prototype.rowOf = function (point) {
  var rows = this.traceRows[point.curveNumber];
  var index = point.pointNumber != null ? point.pointNumber : point.pointIndex;
  return rows && index != null && index < rows.length ? rows[index] : null;
};

reportgen.Scatter.prototype.hover = function (event) {
  var self = this;
  var point = event.points[0];
  var row = self.rowOf(point);
  if (row === null) { return; }
  self.hoverRow = row;
  self.fillTooltip(row);
  var bounds = self.element.getBoundingClientRect();
  var mouse = event.event || {};
  var x = (mouse.clientX || bounds.left + bounds.width / 2) - bounds.left + 14;
  var y = (mouse.clientY || bounds.top + bounds.height / 2) - bounds.top + 14;
  self.tooltip.style.left = Math.min(x, bounds.width - 280) + "px";
  self.tooltip.style.top = Math.min(y, bounds.height - 80) + "px";
  self.tooltip.hidden = false;
  if (!self.points.hoverColumnsLoaded()) {
    self.points.hoverColumns().then(function () {
      if (self.hoverRow === row && !self.tooltip.hidden) { self.fillTooltip(row); }
    });
  }
};

reportgen.Scatter.prototype.fillTooltip = function (row) {
  var tooltip = this.tooltip;
  reportgen.clear(tooltip);
  if (this.page.sprite) {
    tooltip.appendChild(reportgen.thumbnail(this.page.sprite, row, 96)).classList.add("rg-tooltip-thumb");
  }
  tooltip.appendChild(reportgen.el("div", { "class": "rg-tooltip-title" }, "#" + row +
    (this.points.labelCodes ? " · " + reportgen.truncate(this.points.label(row), 60) : "")));
  tooltip.appendChild(reportgen.detailList(this.page, this.points, row, 160, {}));
};


reportgen.listPosition = function (knn, row) {
  if (!knn.rows) { return row; }
  var low = 0, high = knn.rows.length - 1;
  while (low <= high) {
    var middle = (low + high) >> 1;
    if (knn.rows[middle] === row) { return middle; }
    if (knn.rows[middle] < row) { low = middle + 1; } else { high = middle - 1; }
  }
  return -1;
};

reportgen.neighbourList = function (knn, row, k) {
  var neighbours = [];
  var at = reportgen.listPosition(knn, row);
  if (at < 0) { return neighbours; }
  for (var r = 0; r < k; r++) {
    neighbours.push({ row: knn.indices[at * knn.k + r], cosine: knn.cosines[at * knn.k + r] });
  }
  return neighbours;
};

reportgen.cosineText = function (cosine) {
  return "cos " + reportgen.fixed(cosine, 3) + " · " + reportgen.fixed(reportgen.angleOf(cosine), 1) + "°";
};

reportgen.detailFields = function (page, points, row, length) {
  var fields = [];
  (page.hoverColumns || []).forEach(function (name) {
    var column = points.columns[name];
    if (!column || (page.labels && name === page.labels.name)) { return; }
    fields.push([name, reportgen.truncate(column.value(row), length)]);
  });
  return fields;
};

reportgen.detailList = function (page, points, row, length, attributes) {
  var list = reportgen.el("dl", attributes);
  reportgen.detailFields(page, points, row, length).forEach(function (pair) {
    list.appendChild(reportgen.el("dt", {}, pair[0]));
    list.appendChild(reportgen.el("dd", {}, pair[1]));
  });
  return list;
};

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

reportgen.matchingRows = function (column, n, test) {
  var matches = [];
  for (var i = 0; i < n; i++) {
    if (test(String(column.value(i)))) { matches.push(i); }
  }
  return matches;
};

reportgen.matchText = function (matches, shown) {
  return matches.toLocaleString("en-US") + (matches === 1 ? " match" : " matches") +
    (shown < matches ? " (" + shown + " in this view)" : "");
};

reportgen.PageScope = class {
  constructor() {
    this.root = document.body;
    this.prefix = "";
    this.name = document.body.getAttribute("data-page");
  }

  id(name) { return this.prefix + name; }

  byId(name) { return document.getElementById(this.id(name)); }

  all(selector) { return this.root.querySelectorAll(selector); }

  hash() { return reportgen.parseHash(window.location.hash); }

  setHash(text) {
    if (window.location.hash !== "#" + text) { history.replaceState(null, "", "#" + text); }
  }

  onHash(listener) {
    window.addEventListener("hashchange", function () { listener(reportgen.parseHash(window.location.hash)); });
  }

  href(target) { return target; }

  go(target) { window.location.href = target; }
};

reportgen.TabScope = class extends reportgen.PageScope {
  constructor(tabs, section) {
    super();
    this.tabs = tabs;
    this.root = section;
    this.name = section.getAttribute("data-rg-tab");
    this.prefix = section.getAttribute("data-rg-prefix");
    this.state = "";
    this.listeners = [];
  }

  hash() { return reportgen.parseHash(this.state); }

  setHash(text) {
    this.state = text;
    if (this.tabs.current === this.name) { this.tabs.record(false); }
  }

  onHash(listener) { this.listeners.push(listener); }

  href(target) {
    var route = this.tabs.route(target);
    return route ? this.tabs.fragment(route.tab, route.state) : target;
  }

  go(target) { this.tabs.follow(target); }
};

reportgen.Tabs = function () {
  var self = this;
  self.scopes = {};
  self.pages = {};
  self.started = {};
  self.names = [];
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

reportgen.Tabs.prototype.route = function (href) {
  var match = /^#([\w-]+)(?:\/(.*))?$/.exec(href || "") ||
    /^([\w-]+)\.html(?:#(.*))?$/.exec(href || "");
  if (!match || this.names.indexOf(match[1]) < 0) { return null; }
  return { tab: match[1], state: match[2] };
};

reportgen.Tabs.prototype.fragment = function (tab, state) {
  return "#" + tab + (state ? "/" + state : "");
};

reportgen.Tabs.prototype.follow = function (href) {
  var route = this.route(href);
  if (route) { this.show(route.tab, route.state, true); }
};

reportgen.Tabs.prototype.record = function (push) {
  var fragment = this.fragment(this.current, this.scopes[this.current].state);
  if (window.location.hash === fragment) { return; }
  try {
    history[push ? "pushState" : "replaceState"](null, "", fragment);
  } catch (error) {
  }
};

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

reportgen.ProjectionsPage = function (page, scope) {
  var self = this;
  self.page = page;
  self.scope = scope;
  self.points = new reportgen.PointData(page);
  self.plot = scope.byId("rg-scatter");
  self.scatter = new reportgen.Scatter(self.plot, page, self.points);
  self.scatter.onClick = function (row) { self.select(row); };
  self.state = { view: page.defaultView, color: page.labels ? reportgen.contract.LABEL : reportgen.contract.NONE,
                 point: null };
  self.buildControls();
  self.applyHash(scope.hash());
  scope.onHash(function (hash) { self.applyHash(hash); });
};

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
  var timer;
  function later() { clearTimeout(timer); timer = setTimeout(function () { self.search(); }, 150); }
  input.addEventListener("input", later);
  regex.addEventListener("change", later);
  searchColumn.addEventListener("change", later);
};

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

reportgen.ProjectionsPage.prototype.setView = function (key) {
  this.state.view = key;
  this.writeHash();
  return this.showView();
};

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
  }).catch(function (error) { self.fail(error); });
};

reportgen.ProjectionsPage.prototype.fail = function (error) {
  var status = this.scope.byId("rg-status");
  status.textContent = String(error.message || error);
  status.hidden = false;
  this.scope.root.classList.remove("rg-loading");
};

reportgen.ProjectionsPage.prototype.describeView = function (view) {
  var scope = this.scope;
  scope.byId("rg-quality-recall").textContent = reportgen.fixed(view.quality.recall, 3);
  scope.byId("rg-quality-trust").textContent = reportgen.fixed(view.quality.trust, 3);
  scope.byId("rg-quality-k").textContent = String(view.quality.k);
  scope.byId("rg-quality-sample").textContent = view.quality.trustSample
    ? " (on a seeded sample of " + view.quality.trustSample + " points)" : "";
  var fit = scope.byId("rg-fit-note");
  fit.hidden = !view.quality.fit;
  fit.textContent = view.quality.fit || "";
  var parts = scope.byId("rg-quality-parts");
  reportgen.clear(parts);
  parts.hidden = view.quality.parts.length === 0;
  view.quality.parts.forEach(function (/** @type {QualityPart} */ part) {
    var name = part.name === "fitted" ? "Fitted" : "Placed";
    var queries = part.queries < part.points
      ? " (" + part.queries.toLocaleString("en-US") + " queries)" : "";
    parts.appendChild(reportgen.el("li", {}, name + " " + part.points.toLocaleString("en-US") +
      " points: recall " + reportgen.fixed(part.recall, 3) + ", trustworthiness " +
      reportgen.fixed(part.trust, 3) + queries));
  });
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
  var all = this.page.n.toLocaleString("en-US");
  var layer = view.density ? "; the grey layer under them is the density of all " + all + " points"
    : (view.dims === 3 ? "; 3D views draw the sample only, with no density layer" : "");
  note.textContent = "showing " + shown.toLocaleString("en-US") + " of " + all +
    " points (a seeded sample, stratified by label)" + layer +
    ". Search and the inspector mark the shown points; every number uses all points.";
};

reportgen.ProjectionsPage.prototype.select = function (row, fromHash) {
  var self = this;
  self.state.point = row;
  if (!fromHash) { self.writeHash(); }
  return Promise.all([self.points.neighbors(), self.points.hoverColumns()]).then(function (loaded) {
    var knn = loaded[0];
    var neighbours = reportgen.neighbourList(knn, row, self.page.k);
    self.scatter.highlight.selected = row;
    self.scatter.highlight.neighbors = neighbours.map(function (n) { return n.row; });
    self.scatter.redrawOverlays();
    self.showInspector(row, neighbours);
  }).catch(function (error) { self.fail(error); });
};

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
  panel.appendChild(reportgen.el("h3", {}, self.page.among
    ? "Nearest of the " + self.page.among.toLocaleString("en-US") + " fitted points, in the original space"
    : "Nearest neighbours in the original space"));
  if (!neighbours.length && self.points.knn && reportgen.listPosition(self.points.knn, row) < 0) {
    panel.appendChild(reportgen.el("p", { "class": "rg-muted", id: self.scope.id("rg-neighbors-absent") },
      "Neighbour lists are carried for the shown points only; this one is not shown."));
  }
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

reportgen.GALLERY = {
  TILE: 72,     // CSS px of a thumbnail in the grid
  FIRST: 96,    // tiles drawn per group before "show all"
  BATCH: 600    // tiles added per click of "show more"
};


reportgen.GalleryPage = function (page, scope) {
  var self = this;
  self.page = page;
  self.scope = scope;
  self.points = new reportgen.PointData(page);
  self.container = scope.byId("rg-gallery");
  self.grouping = page.groupings[0];
  self.selected = null;
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
    if (page.labels && page.labels.other) { return self.points.column(page.labels.name); }
  }).then(function () {
    if (hash.point != null && hash.point !== "" && !isNaN(Number(hash.point))) {
      self.select(Number(hash.point));
    }
  }).catch(function (error) { self.fail(error); });
  scope.onHash(function (next) { self.applyHash(next); });
};

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

reportgen.GalleryPage.prototype.groups = function () {
  var self = this;
  var n = self.page.n;
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

reportgen.GalleryPage.prototype.caption = function (row) {
  return this.points.labelCodes ? this.points.label(row) : "";
};

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

reportgen.controllers.gallery = function (/** @type {PageBlock} */ page, /** @type {PageScope} */ scope) {
  return scope.byId("rg-gallery") && page.sprite ? new reportgen.GalleryPage(page, scope) : null;
};


reportgen.startPage = function (page, scope) {
  reportgen.drawFigures(page, scope);
  var controller = Object.prototype.hasOwnProperty.call(reportgen.controllers, scope.name)
    ? reportgen.controllers[scope.name] : null;
  var current = controller ? controller(page, scope) : null;
  reportgen.paintMarkedThumbs(page, scope);
  return current;
};

reportgen.start = function () {
  if (document.querySelector("[data-rg-tab]")) {
    reportgen.tabs = new reportgen.Tabs();
    return;
  }
  if (!reportgen.page) { return; }
  reportgen.current = reportgen.startPage(reportgen.page, new reportgen.PageScope());
};

reportgen.page = reportgen.readJson(reportgen.contract.PAGE_BLOCK_ID);
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", reportgen.start);
} else {
  reportgen.start();
}
