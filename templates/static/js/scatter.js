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
  /** @type {{selected: number | null, neighbors: number[], matches: number[] | null,
   *   selection: Set<number> | null, filter: Set<number> | null}} */
  this.highlight = { selected: null, neighbors: [], matches: null, selection: null, filter: null };
  /** whether only the selection is drawn (Isolate) */
  this.isolate = false;
  /** @type {function(number): void | null} called with the row of a clicked point */
  this.onClick = null;
  /** @type {function(number[]): void | null} called with the rows a box or lasso took */
  this.onSelect = null;
  /** @type {ViewInfo} */
  this.view = null;
  /** @type {string} */
  this.colorBy = null;
  /** @type {Column | null} */
  this.colour = null;
  /** @type {Float32Array} the view's coordinates, dims per shown row */
  this.coordinates = null;
  /** @type {Object<string, any> | null} the density heatmap under a sampled 2D view */
  this.density = null;
  /** @type {Object<string, Object<string, any>>} by view key */
  this.densityTraces = {};
  /** @type {number | null} the row the tooltip shows */
  this.hoverRow = null;
  /** @type {Int32Array} the rows the view shows */
  this.rows = null;
  /** @type {Map<number, number> | null} row -> its position in rows */
  this.rowPosition = null;
  this.baseCount = 0;
  this.tooltip = reportgen.el("div", { "class": "rg-tooltip", role: "tooltip" });
  this.tooltip.hidden = true;
  element.parentNode.appendChild(this.tooltip);
  /** @type {string} which map labels a 2D view shows: "off", "clusters" or "labels" */
  this.labelMode = "off";
  // The map labels: text over the plot (a halo keeps it readable on any colour), placed
  // after every redraw (zoom, pan, resize) so that none overlaps another.
  this.labelLayer = reportgen.el("div", { "class": "rg-map-labels", "aria-hidden": "true" });
  this.labelLayer.hidden = true;
  element.parentNode.appendChild(this.labelLayer);
};

/** The kinds of map labels any view has ("clusters", "labels"), in that order.
 * @param {PageBlock} page @returns {string[]} */
reportgen.mapLabelKinds = function (page) {
  return ["clusters", "labels"].filter(function (kind) {
    return page.views.some(function (view) {
      return !!(view.mapLabels && view.mapLabels[/** @type {"clusters" | "labels"} */ (kind)]);
    });
  });
};

/** Show map labels of `mode` ("off", "clusters" or "labels") on the 2D views.
 * @param {string} mode */
reportgen.Scatter.prototype.setLabelMode = function (mode) {
  this.labelMode = mode;
  this.placeLabels();
};

/** A shorter form of a map label's text, tried when the whole does not fit: the first of
 * its " · "-separated parts, or its first 16 characters.
 * @param {string} text @returns {string | null} */
reportgen.shorterLabel = function (text) {
  var first = text.split(" · ")[0];
  if (first !== text) { return first; }
  return text.length > 18 ? text.slice(0, 16) + "…" : null;
};

/** Write the current view's map labels over the plot: the largest groups first, each where
 * its anchor is on screen, whole or shortened, and left out when it would overlap one
 * already written or leave the plot area. The layer says how many it wrote
 * (data-count). */
reportgen.Scatter.prototype.placeLabels = function () {
  var layer = this.labelLayer;
  reportgen.clear(layer);
  var view = this.view;
  var full = this.element._fullLayout;
  var kind = /** @type {"clusters" | "labels"} */ (this.labelMode);
  var entries = view && view.dims === 2 && view.mapLabels && this.labelMode !== "off"
    ? view.mapLabels[kind] : null;
  if (!entries || !full || !full.xaxis || !full.yaxis) {
    layer.hidden = true;
    layer.setAttribute("data-count", "0");
    return;
  }
  var xa = full.xaxis, ya = full.yaxis;
  layer.hidden = false;
  layer.style.left = this.element.offsetLeft + "px";
  layer.style.top = this.element.offsetTop + "px";
  layer.style.width = this.element.offsetWidth + "px";
  layer.style.height = this.element.offsetHeight + "px";
  var area = { left: xa._offset, right: xa._offset + xa._length,
               top: ya._offset, bottom: ya._offset + ya._length };
  /** @type {{left: number, right: number, top: number, bottom: number}[]} */
  var placed = [];
  var margin = 3;
  /** @param {{left: number, right: number, top: number, bottom: number}} box */
  function fits(box) {
    if (box.left < area.left || box.right > area.right || box.top < area.top ||
        box.bottom > area.bottom) { return false; }
    return placed.every(function (other) {
      return box.right + margin <= other.left || other.right + margin <= box.left ||
        box.bottom + margin <= other.top || other.bottom + margin <= box.top;
    });
  }
  entries.forEach(function (entry) {
    var x = xa._offset + xa.l2p(Number(entry[0]));
    var y = ya._offset + ya.l2p(Number(entry[1]));
    if (!(x >= area.left && x <= area.right && y >= area.top && y <= area.bottom)) { return; }
    /** @type {string | null} */
    var text = String(entry[2]);
    while (text) {
      var span = reportgen.el("span", { "class": "rg-map-label", title: String(entry[2]) }, text);
      layer.appendChild(span);
      var width = span.offsetWidth, height = span.offsetHeight;
      var box = { left: x - width / 2, right: x + width / 2, top: y - height / 2, bottom: y + height / 2 };
      if (fits(box)) {
        span.style.left = box.left + "px";
        span.style.top = box.top + "px";
        span.setAttribute("data-items", String(entry[3]));
        placed.push(box);
        return;
      }
      layer.removeChild(span);
      text = reportgen.shorterLabel(text);
    }
  });
  layer.setAttribute("data-count", String(placed.length));
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
  var colourLoad = null;
  if (colorBy === reportgen.contract.PRESERVATION) {
    colourLoad = reportgen.load(view.preservation);
  } else if (colorBy && colorBy !== reportgen.contract.LABEL && colorBy !== reportgen.contract.NONE) {
    colourLoad = self.points.column(colorBy);
  }
  // A sampled 2D view draws the density of all N points under its sample.
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

/** View `key`'s density heatmap (built once): cells centred on the grid the analysis
 * counted on, empty cells null (transparent).
 * @param {string} key @param {DensityPayload} density @returns {Object<string, any>} */
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

/** The positions (among the shown rows) the view draws: all of them, or the selected ones
 * when isolating the selection. @returns {number[]} */
reportgen.Scatter.prototype.shownPositions = function () {
  var only = this.isolate ? this.highlight.selection : null;
  /** @type {number[]} */
  var positions = [];
  for (var i = 0; i < this.rows.length; i++) {
    if (!only || only.has(this.rows[i])) { positions.push(i); }
  }
  return positions;
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
  var self = this;
  this.shownPositions().forEach(function (i) { groups[codeOfRow(self.rows[i])].push(i); });
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
  /** @type {number[]} */
  var finite = [];
  /** @type {number[]} */
  var missing = [];
  /** @type {number[]} */
  var values = [];
  self.shownPositions().forEach(function (i) {
    var v = colour.sampled ? colour.numbers[i] : colour.numbers[self.rows[i]];
    if (isNaN(v)) { missing.push(i); } else { finite.push(i); values.push(v); }
  });
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

/** The rows drawn in full while the others are dimmed: the selected ones (unless the view
 * shows the selection alone) that also pass the filter; null when nothing is dimmed.
 * @returns {{has: function(number): boolean} | null} */
reportgen.Scatter.prototype.focus = function () {
  var selection = this.isolate ? null : this.highlight.selection;
  var filter = this.highlight.filter;
  if (!selection && !filter) { return null; }
  return { has: function (row) {
    return (!selection || selection.has(row)) && (!filter || filter.has(row));
  } };
};

/** The selection (and the filter) drawn over the dimmed points: of each trace, a copy
 * holding its points in focus only, in their own colours (the traces themselves are
 * dimmed, not hidden).
 * @param {Object<string, any>[]} traces  the view's traces, traceRows in step
 * @param {{has: function(number): boolean}} selection  the rows in focus
 * @returns {Object<string, any>[]} */
reportgen.Scatter.prototype.selectedTraces = function (traces, selection) {
  var self = this;
  /** @type {Object<string, any>[]} */
  var copies = [];
  traces.forEach(function (trace, t) {
    var rows = self.traceRows[t];
    /** @type {number[]} */
    var kept = [];
    for (var j = 0; j < rows.length; j++) { if (selection.has(rows[j])) { kept.push(j); } }
    trace.marker = Object.assign({}, trace.marker, { opacity: 0.25 });
    if (!kept.length) { return; }
    /** @param {any} values */
    function pick(values) { return Float32Array.from(kept, function (j) { return values[j]; }); }
    var copy = Object.assign(self.baseTrace(), { x: pick(trace.x), y: pick(trace.y), name: trace.name,
      showlegend: false, legendgroup: trace.name });
    if (trace.z) { copy.z = pick(trace.z); }
    var colours = trace.marker.color;
    copy.marker = Object.assign({}, trace.marker, { opacity: 1, showscale: false,
      color: colours && typeof colours !== "string" ? pick(colours) : colours });
    copies.push(copy);
    self.traceRows.push(Int32Array.from(kept, function (j) { return rows[j]; }));
  });
  return copies;
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
    var all = self.shownPositions();
    traces = [Object.assign(self.baseTrace(), self.subset(all), { name: "points" })];
    traces[0].showlegend = false;
    // Its own colour: Plotly's default would follow the trace's place, and the density
    // layer under a sampled view takes the first.
    traces[0].marker = Object.assign({}, traces[0].marker, { color: self.page.palette[0] });
    self.traceRows.push(self.rows);
  }
  var focus = self.focus();
  if (focus) { traces = traces.concat(self.selectedTraces(traces, focus)); }
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
  // Isolating the selection zooms to it (a new revision autoscales), and back again.
  layout.uirevision = self.view.key + (self.isolate ? ":isolated" : "");
  layout.selections = [];
  var first = !self.element.classList.contains("js-plotly-plot");
  var drawn = window.Plotly.react(self.element, traces, layout, figure.config);
  if (first) {
    self.element.on("plotly_hover", function (/** @type {PlotlyPointEvent} */ event) { self.hover(event); });
    self.element.on("plotly_unhover", function () { self.tooltip.hidden = true; self.hoverRow = null; });
    self.element.on("plotly_click", function (/** @type {PlotlyPointEvent} */ event) {
      var row = self.rowOf(event.points[0]);
      if (row !== null && self.onClick) { self.onClick(row); }
    });
    // Only a box or lasso the user drew selects: Plotly also reports "selected" when it
    // applies a kept selection outline to a redrawn view, which must not change ours.
    var drawing = false;
    self.element.on("plotly_selecting", function () { drawing = true; });
    self.element.on("plotly_selected", function (/** @type {PlotlyPointEvent | undefined} */ event) {
      var drawn = drawing;
      drawing = false;
      if (!drawn || !event || !event.points || !self.onSelect) { return; }
      /** @type {number[]} */
      var rows = [];
      event.points.forEach(function (point) {
        var row = self.rowOf(point);
        if (row !== null) { rows.push(row); }
      });
      // The selection is drawn by the page (in every view); Plotly's outline would stay.
      window.Plotly.relayout(self.element, { selections: [] });
      self.onSelect(rows);
    });
    // Every redraw (a zoom, a pan, a resize, a new view) places the map labels again.
    self.element.on("plotly_afterplot", function () { self.placeLabels(); });
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
  var self = this;
  var point = event.points[0];
  var row = self.rowOf(point);
  if (row === null) { return; }
  self.hoverRow = row;
  self.fillTooltip(row);
  var bounds = self.element.getBoundingClientRect();
  /** @type {{clientX?: number, clientY?: number}} */
  var mouse = event.event || {};
  var x = (mouse.clientX || bounds.left + bounds.width / 2) - bounds.left + 14;
  var y = (mouse.clientY || bounds.top + bounds.height / 2) - bounds.top + 14;
  self.tooltip.style.left = Math.min(x, bounds.width - 280) + "px";
  self.tooltip.style.top = Math.min(y, bounds.height - 80) + "px";
  self.tooltip.hidden = false;
  // The hover columns (text, the label as written) load on the first hover, not on open:
  // the tooltip is filled again once they are here, if it still shows the same point.
  if (!self.points.hoverColumnsLoaded()) {
    self.points.hoverColumns().then(function () {
      if (self.hoverRow === row && !self.tooltip.hidden) { self.fillTooltip(row); }
    });
  }
};

/** The tooltip's content for `row`, from what has loaded. @param {number} row */
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
