/* reportgen: the pages' one script.
 *
 * Figures are defined in Python (layout, style, trace templates) and reach the page in the
 * inline JSON block #rg-page. Per-point data (coordinates, neighbour lists, metadata
 * columns) lives in data/<name>.js payloads that call reportgen.receive(name, content);
 * load(name) inserts that script the first time it is needed (inserted scripts load from
 * file://, where fetch/XHR do not). Text from the data is only ever put in the page with
 * textContent, and escaped for Plotly, which reads <b>-like markup in the text it draws.
 * A single-file report (--single-file) holds every page as a tab of one document: each
 * page's logic runs in a scope of its own (its ids prefixed, its URL state kept per tab).
 */
(function () {
  "use strict";

  var RG = {};
  window.reportgen = RG;

  // ------------------------------------------------------------------ data loading

  var received = {};
  var waiting = {};

  RG.receive = function (name, content) {
    received[name] = content;
    (waiting[name] || []).forEach(function (callbacks) { callbacks.resolve(content); });
    delete waiting[name];
  };

  RG.load = function (name) {
    if (Object.prototype.hasOwnProperty.call(received, name)) {
      return Promise.resolve(received[name]);
    }
    var inline = document.getElementById("rg-payload-" + name);
    if (inline) {  // a single-file report carries its payloads inline
      received[name] = JSON.parse(inline.textContent);
      return Promise.resolve(received[name]);
    }
    return new Promise(function (resolve, reject) {
      var first = !waiting[name];
      (waiting[name] = waiting[name] || []).push({ resolve: resolve, reject: reject });
      if (!first) { return; }
      var script = document.createElement("script");
      script.src = "data/" + name + ".js";
      script.onerror = function () {
        var error = new Error("could not load data/" + name + ".js");
        (waiting[name] || []).forEach(function (callbacks) { callbacks.reject(error); });
        delete waiting[name];
      };
      document.head.appendChild(script);
    });
  };

  var TYPED = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array };

  RG.decode = function (array) {
    if (array == null) { return null; }
    if (array.cache) { return array.cache; }
    var text = atob(array.b64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
    array.cache = new TYPED[array.dtype](bytes.buffer);
    return array.cache;
  };

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  // ------------------------------------------------------------------ figure binding

  function lookup(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value == null ? undefined : value[key];
    }, data);
  }

  // Plotly decodes HTML entities and reads a few tags in any text it draws; escaping the
  // three markup characters makes it draw the text exactly as written.
  function plotlyText(value) {
    return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  RG.plotlyText = plotlyText;

  function bind(value, data) {
    if (Array.isArray(value)) {
      return value.map(function (item) { return bind(item, data); });
    }
    if (value !== null && typeof value === "object") {
      if (Object.prototype.hasOwnProperty.call(value, "$data")) {
        return lookup(data, value.$data);
      }
      if (Object.prototype.hasOwnProperty.call(value, "$text")) {
        return lookup(data, value.$text).map(plotlyText);
      }
      if (Object.prototype.hasOwnProperty.call(value, "$matrix")) {
        // A typed-array matrix (e.g. similarities quantised to uint8) as Plotly's rows,
        // each value mapped back by value * scale + offset.
        var encoded = lookup(data, value.$matrix);
        var flat = RG.decode(encoded);
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
      Object.keys(value).forEach(function (key) { bound[key] = bind(value[key], data); });
      return bound;
    }
    return value;
  }
  RG.bind = bind;

  function clone(value) { return JSON.parse(JSON.stringify(value)); }

  function noPlotly(element) {
    element.classList.add("rg-figure-missing");
    element.textContent = "This chart needs assets/plotly.min.js, which did not load.";
  }

  function drawFigures(page, scope) {
    var elements = scope.all("[data-rg-figure]");
    Array.prototype.forEach.call(elements, function (element) {
      var spec = page.figures && page.figures[element.getAttribute("data-rg-figure")];
      if (!spec) { return; }
      if (!window.Plotly) { noPlotly(element); return; }
      // A figure with a payload draws once its data has loaded: {"$...": "payload.x"}.
      var ready = spec.payload ? RG.load(spec.payload) : Promise.resolve(null);
      ready.then(function (payload) {
        var data = Object.assign({}, page.data, { payload: payload });
        return window.Plotly.newPlot(
          element, bind(spec.traces, data), bind(spec.layout, data), spec.config
        );
      }).then(function () { element.setAttribute("data-drawn", "true"); });
    });
  }

  // ------------------------------------------------------------------ small helpers

  function el(tag, attributes, text) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      element.setAttribute(key, attributes[key]);
    });
    if (text != null) { element.textContent = text; }
    return element;
  }

  /* The last name of a coded column is "other (N values)" when rare values were lumped. */
  function isOtherName(names, code) {
    return code === names.length - 1 && /^other \(\d+ values\)$/.test(names[code]);
  }

  /* The codes of `names` in natural order (2 before 10), with "other" last. */
  function naturalOrder(names) {
    return names.map(function (_, code) { return code; }).sort(function (a, b) {
      var otherA = isOtherName(names, a), otherB = isOtherName(names, b);
      if (otherA !== otherB) { return otherA ? 1 : -1; }
      return names[a].localeCompare(names[b], undefined, { numeric: true });
    });
  }

  function clear(element) { while (element.firstChild) { element.removeChild(element.firstChild); } }

  function fixed(value, digits) { return Number(value).toFixed(digits); }

  function angleOf(cosine) {
    var c = Math.max(-1, Math.min(1, cosine));
    return Math.acos(c) * 180 / Math.PI;
  }

  function truncate(text, length) {
    text = String(text);
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }

  /* "view=pca-2d&point=3" (or "#view=...") as {view: "pca-2d", point: "3"}. */
  function parseHash(text) {
    var state = {};
    String(text).replace(/^#/, "").split("&").forEach(function (part) {
      if (!part) { return; }
      var pair = part.split("=");
      state[decodeURIComponent(pair[0])] = decodeURIComponent(pair.slice(1).join("="));
    });
    return state;
  }

  // ------------------------------------------------------------------ thumbnails

  /* Row i's thumbnail, drawn at `size` CSS px: a box whose background is its tile of the
   * one sprite sheet (page.sprite: href, thumb px, columns), so every thumbnail of a page
   * comes from a single image. */
  function paintThumb(box, sprite, row, size) {
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
  }

  function thumbnail(sprite, row, size) {
    return paintThumb(el("span", { "class": "rg-thumb", "aria-hidden": "true" }), sprite, row, size);
  }
  RG.thumbnail = thumbnail;

  /* Elements the templates mark with data-rg-thumb="row" (e.g. cluster representatives). */
  function paintMarkedThumbs(page, scope) {
    if (!page.sprite) { return; }
    Array.prototype.forEach.call(scope.all("[data-rg-thumb]"), function (box) {
      paintThumb(box, page.sprite, Number(box.getAttribute("data-rg-thumb")), 56);
    });
  }

  // ------------------------------------------------------------------ the point data

  /* Everything about the points that a scatter needs, loaded lazily and cached. */
  function PointData(page) {
    this.page = page;
    this.n = page.n;
    this.labelCodes = page.labels ? RG.decode(page.labels.codes) : null;
    this.columns = {};
  }

  PointData.prototype.sample = function (dims) {
    var key = dims === 3 ? "3d" : "2d";
    var encoded = this.page.samples[key];
    if (encoded) { return RG.decode(encoded); }
    if (!this["all" + key]) {
      var all = new Int32Array(this.n);
      for (var i = 0; i < this.n; i++) { all[i] = i; }
      this["all" + key] = all;
    }
    return this["all" + key];
  };

  /* A row's label as written: the coded names lump rare labels into "other", so the
   * label column itself is used once it has loaded (it loads after the first view). */
  PointData.prototype.label = function (index) {
    if (!this.labelCodes) { return null; }
    var column = this.columns[this.page.labels.name];
    if (this.page.labels.other && column) { return column.value(index); }
    return this.page.labels.names[this.labelCodes[index]];
  };

  /* A metadata column as {kind, values(index) -> text, codes?, names?, numbers?}. */
  PointData.prototype.column = function (name) {
    var self = this;
    if (self.columns[name]) { return Promise.resolve(self.columns[name]); }
    var info = self.page.columns.filter(function (c) { return c.name === name; })[0];
    if (!info) { return Promise.reject(new Error("no column " + name)); }
    return RG.load(info.payload).then(function (content) {
      var column = { name: name, kind: info.kind };
      if (info.kind === "category") {
        column.codes = RG.decode(content.codes);
        column.names = content.names;
        column.text = content.text ? content.text : null;
        column.value = function (i) {
          return column.text ? column.text[i] : column.names[column.codes[i]];
        };
      } else if (info.kind === "number") {
        column.numbers = RG.decode(content.values);
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

  PointData.prototype.neighbors = function () {
    var self = this;
    if (self.knn) { return Promise.resolve(self.knn); }
    return RG.load(self.page.neighbors).then(function (content) {
      self.knn = {
        k: content.indices.shape[1],
        indices: RG.decode(content.indices),
        cosines: RG.decode(content.cosines)
      };
      return self.knn;
    });
  };

  // ------------------------------------------------------------------ the scatter

  /* One plot element showing one view at a time (browsers allow few WebGL contexts). */
  function Scatter(element, page, points, options) {
    this.element = element;
    this.page = page;
    this.points = points;
    this.options = options || {};
    this.traceRows = [];  // per trace: Int32Array of global row indices
    this.highlight = { selected: null, neighbors: [], matches: null };
    this.onClick = null;
    this.tooltip = el("div", { "class": "rg-tooltip", role: "tooltip" });
    this.tooltip.hidden = true;
    element.parentNode.appendChild(this.tooltip);
  }

  Scatter.prototype.viewInfo = function (key) {
    return this.page.views.filter(function (v) { return v.key === key; })[0];
  };

  Scatter.prototype.show = function (viewKey, colorBy) {
    var self = this;
    var view = self.viewInfo(viewKey);
    self.view = view;
    self.colorBy = colorBy;
    var wanted = [RG.load(view.payload)];
    if (colorBy === "__preservation") {
      wanted.push(RG.load(view.preservation));
    } else if (colorBy && colorBy !== "__label" && colorBy !== "__none") {
      wanted.push(self.points.column(colorBy));
    }
    return Promise.all(wanted).then(function (loaded) {
      self.coordinates = RG.decode(loaded[0].coordinates);
      self.rows = self.points.sample(view.dims);
      self.rowPosition = null;
      var colour = loaded[1];
      if (colorBy === "__preservation") {
        colour = { kind: "number", name: "neighbourhood preservation",
                   numbers: RG.decode(colour.values), sampled: true };
      }
      self.draw(colour);
    });
  };

  Scatter.prototype.positionOf = function (row) {
    if (!this.rowPosition) {
      this.rowPosition = new Map();
      for (var i = 0; i < this.rows.length; i++) { this.rowPosition.set(this.rows[i], i); }
    }
    return this.rowPosition.has(row) ? this.rowPosition.get(row) : -1;
  };

  Scatter.prototype.subset = function (positions) {
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

  Scatter.prototype.baseTrace = function () {
    var figure = this.page.figures[this.view.dims === 3 ? "scatter3d" : "scatter2d"];
    return clone(figure.trace);
  };

  Scatter.prototype.categoryTraces = function (codes, names, codeOfRow) {
    var palette = this.page.palette;
    var groups = names.map(function () { return []; });
    for (var i = 0; i < this.rows.length; i++) { groups[codeOfRow(this.rows[i])].push(i); }
    var self = this;
    var traces = [];
    // Colours follow frequency (the codes); the legend reads in natural order.
    var order = naturalOrder(names);
    var rank = {};
    order.forEach(function (code, position) { rank[code] = position; });
    groups.forEach(function (positions, code) {
      if (!positions.length) { return; }
      var trace = Object.assign(self.baseTrace(), self.subset(positions));
      var isOther = isOtherName(names, code);
      trace.name = plotlyText(truncate(names[code] === "" ? "(empty)" : names[code], 40));
      trace.marker = Object.assign({}, trace.marker,
        { color: isOther ? self.page.otherColor : palette[code % palette.length] });
      trace.legendrank = rank[code];
      traces.push(trace);
      self.traceRows.push(Int32Array.from(positions, function (p) { return self.rows[p]; }));
    });
    return traces;
  };

  Scatter.prototype.numberTrace = function (colour) {
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
    trace.name = plotlyText(truncate(colour.name, 40));
    trace.showlegend = false;
    trace.marker = Object.assign({}, trace.marker, {
      color: Float32Array.from(values),
      colorscale: "Viridis",
      showscale: true,
      colorbar: { title: { text: plotlyText(truncate(colour.name, 30)), side: "right" },
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

  Scatter.prototype.overlayTraces = function () {
    var self = this;
    var overlays = [];
    var figure = self.page.figures[self.view.dims === 3 ? "scatter3d" : "scatter2d"];
    function overlay(rows, style, name) {
      var positions = [];
      rows.forEach(function (row) {
        var p = self.positionOf(row);
        if (p >= 0) { positions.push(p); }
      });
      var trace = Object.assign(clone(figure.overlay), self.subset(positions), style);
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

  Scatter.prototype.draw = function (colour) {
    var self = this;
    if (!window.Plotly) { noPlotly(self.element); return; }
    self.colour = colour;
    self.traceRows = [];
    var traces;
    var points = self.points;
    if (colour && colour.kind === "number") {
      traces = self.numberTrace(colour);
    } else if (colour && colour.kind === "category") {
      traces = self.categoryTraces(colour.codes, colour.names,
                                   function (row) { return colour.codes[row]; });
    } else if (self.colorBy === "__label" && points.labelCodes) {
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
    var layout = clone(figure.layout);
    var titles = self.view.axes.map(plotlyText);
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
      self.element.on("plotly_hover", function (event) { self.hover(event); });
      self.element.on("plotly_unhover", function () { self.tooltip.hidden = true; });
      self.element.on("plotly_click", function (event) {
        var row = self.rowOf(event.points[0]);
        if (row !== null && self.onClick) { self.onClick(row); }
      });
    }
    return drawn;
  };

  Scatter.prototype.redrawOverlays = function () {
    if (this.view && this.coordinates) { this.draw(this.colour); }
  };

  Scatter.prototype.rowOf = function (point) {
    var rows = this.traceRows[point.curveNumber];
    var index = point.pointNumber != null ? point.pointNumber : point.pointIndex;
    return rows && index != null && index < rows.length ? rows[index] : null;
  };

  Scatter.prototype.hover = function (event) {
    var point = event.points[0];
    var row = this.rowOf(point);
    if (row === null) { return; }
    var tooltip = this.tooltip;
    clear(tooltip);
    if (this.page.sprite) {
      tooltip.appendChild(thumbnail(this.page.sprite, row, 96)).classList.add("rg-tooltip-thumb");
    }
    tooltip.appendChild(el("div", { "class": "rg-tooltip-title" }, "#" + row +
      (this.points.labelCodes ? " · " + truncate(this.points.label(row), 60) : "")));
    var list = el("dl", {});
    tooltip.appendChild(list);
    (this.page.hoverColumns || []).forEach(function (name) {
      var column = this.points.columns[name];
      if (!column || (this.page.labels && name === this.page.labels.name)) { return; }
      list.appendChild(el("dt", {}, name));
      list.appendChild(el("dd", {}, truncate(column.value(row), 160)));
    }, this);
    var bounds = this.element.getBoundingClientRect();
    var mouse = event.event || {};
    var x = (mouse.clientX || bounds.left + bounds.width / 2) - bounds.left + 14;
    var y = (mouse.clientY || bounds.top + bounds.height / 2) - bounds.top + 14;
    tooltip.style.left = Math.min(x, bounds.width - 280) + "px";
    tooltip.style.top = Math.min(y, bounds.height - 80) + "px";
    tooltip.hidden = false;
  };

  RG.PointData = PointData;
  RG.Scatter = Scatter;

  // ------------------------------------------------------------------ projections page

  function ProjectionsPage(page, scope) {
    var self = this;
    self.page = page;
    self.scope = scope;
    self.points = new PointData(page);
    self.plot = scope.byId("rg-scatter");
    self.scatter = new Scatter(self.plot, page, self.points);
    self.scatter.onClick = function (row) { self.select(row); };
    self.state = { view: page.defaultView, color: page.labels ? "__label" : "__none",
                   point: null };
    self.buildControls();
    // The hover columns (text, chosen metadata) load after the first view is drawn.
    self.applyHash(scope.hash());
    scope.onHash(function (hash) { self.applyHash(hash); });
  }

  ProjectionsPage.prototype.buildControls = function () {
    var self = this;
    var page = self.page;
    var scope = self.scope;
    var viewBar = scope.byId("rg-views");
    page.views.forEach(function (view) {
      var button = el("button", { type: "button", "data-view": view.key,
                                  "class": "rg-view-button" }, view.title);
      button.addEventListener("click", function () { self.setView(view.key); });
      viewBar.appendChild(button);
    });
    var colour = scope.byId("rg-color");
    function option(value, text) { colour.appendChild(el("option", { value: value }, text)); }
    if (page.labels) {
      option("__label", page.labels.name === "label" ? "label" : page.labels.name + " (label)");
    }
    page.columns.forEach(function (column) {
      if (column.kind !== "text" && (!page.labels || column.name !== page.labels.name)) {
        option(column.name, column.name + (column.kind === "number" ? " (number)" : ""));
      }
    });
    option("__preservation", "neighbourhood preservation");
    option("__none", "none");
    colour.addEventListener("change", function () { self.setColor(colour.value); });

    var searchColumn = scope.byId("rg-search-column");
    page.columns.forEach(function (column) {
      searchColumn.appendChild(el("option", { value: column.name }, column.name));
    });
    if (page.textColumn) { searchColumn.value = page.textColumn; }
    var input = scope.byId("rg-search");
    var regex = scope.byId("rg-search-regex");
    var timer = null;
    function later() { clearTimeout(timer); timer = setTimeout(function () { self.search(); }, 150); }
    input.addEventListener("input", later);
    regex.addEventListener("change", later);
    searchColumn.addEventListener("change", later);
  };

  ProjectionsPage.prototype.applyHash = function (hash) {
    var self = this;
    var known = self.page.views.some(function (v) { return v.key === hash.view; });
    if (known) { self.state.view = hash.view; }
    if (hash.color) {
      var select = self.scope.byId("rg-color");
      var ok = Array.prototype.some.call(select.options, function (o) { return o.value === hash.color; });
      if (ok) { self.state.color = hash.color; }
    }
    var point = parseInt(hash.point, 10);
    self.state.point = (point >= 0 && point < self.page.n) ? point : null;
    return self.showView().then(function () {
      if (self.state.point !== null) { return self.select(self.state.point, true); }
      return null;
    });
  };

  ProjectionsPage.prototype.writeHash = function () {
    var parts = ["view=" + encodeURIComponent(this.state.view)];
    if (this.state.color !== (this.page.labels ? "__label" : "__none")) {
      parts.push("color=" + encodeURIComponent(this.state.color));
    }
    if (this.state.point !== null) { parts.push("point=" + this.state.point); }
    this.scope.setHash(parts.join("&"));
  };

  ProjectionsPage.prototype.setView = function (key) {
    this.state.view = key;
    this.writeHash();
    return this.showView();
  };

  ProjectionsPage.prototype.setColor = function (value) {
    this.state.color = value;
    this.writeHash();
    return this.showView();
  };

  ProjectionsPage.prototype.showView = function () {
    var self = this;
    var view = self.scatter.viewInfo(self.state.view);
    self.scope.byId("rg-color").value = self.state.color;
    Array.prototype.forEach.call(self.scope.all(".rg-view-button"), function (b) {
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

  ProjectionsPage.prototype.loadHoverColumns = function () {
    var points = this.points;
    return Promise.all((this.page.hoverColumns || []).map(function (name) {
      return points.column(name);
    }));
  };

  ProjectionsPage.prototype.fail = function (error) {
    var status = this.scope.byId("rg-status");
    status.textContent = String(error.message || error);
    status.hidden = false;
    this.scope.root.classList.remove("rg-loading");
  };

  ProjectionsPage.prototype.describeView = function (view) {
    var scope = this.scope;
    scope.byId("rg-quality-recall").textContent = fixed(view.quality.recall, 3);
    scope.byId("rg-quality-trust").textContent = fixed(view.quality.trust, 3);
    scope.byId("rg-quality-k").textContent = String(view.quality.k);
    scope.byId("rg-quality-sample").textContent = view.quality.trustSample
      ? " (on a seeded sample of " + view.quality.trustSample + " points)" : "";
    var parameters = scope.byId("rg-parameters");
    clear(parameters);
    view.parameters.forEach(function (pair) {
      parameters.appendChild(el("dt", {}, pair[0]));
      parameters.appendChild(el("dd", {}, pair[1]));
    });
    var notes = scope.byId("rg-view-notes");
    clear(notes);
    view.notes.forEach(function (note) { notes.appendChild(el("li", {}, note)); });
    var shown = this.points.sample(view.dims).length;
    var note = scope.byId("rg-sample-note");
    note.hidden = shown >= this.page.n;
    note.textContent = "showing " + shown.toLocaleString("en-US") + " of " +
      this.page.n.toLocaleString("en-US") +
      " points (a seeded sample, stratified by label); every number uses all points";
  };

  ProjectionsPage.prototype.select = function (row, fromHash) {
    var self = this;
    self.state.point = row;
    if (!fromHash) { self.writeHash(); }
    return self.points.neighbors().then(function (knn) {
      var k = self.page.k;
      var neighbours = [];
      for (var r = 0; r < k; r++) {
        neighbours.push({ row: knn.indices[row * knn.k + r], cosine: knn.cosines[row * knn.k + r] });
      }
      self.scatter.highlight.selected = row;
      self.scatter.highlight.neighbors = neighbours.map(function (n) { return n.row; });
      self.scatter.redrawOverlays();
      self.showInspector(row, neighbours);
    }).catch(function (error) { self.fail(error); });
  };

  ProjectionsPage.prototype.swatch = function (row) {
    var codes = this.points.labelCodes;
    if (!codes) { return null; }
    var code = codes[row];
    var isOther = isOtherName(this.page.labels.names, code);
    var colour = isOther ? this.page.otherColor : this.page.palette[code % this.page.palette.length];
    var swatch = el("span", { "class": "rg-swatch", "aria-hidden": "true" });
    swatch.style.background = colour;
    return swatch;
  };

  ProjectionsPage.prototype.showInspector = function (row, neighbours) {
    var self = this;
    var panel = self.scope.byId("rg-inspector");
    clear(panel);
    var head = el("div", { "class": "rg-inspector-head" });
    var swatch = self.swatch(row);
    if (swatch) { head.appendChild(swatch); }
    head.appendChild(el("strong", {}, "#" + row));
    if (self.points.labelCodes) { head.appendChild(el("span", {}, " " + self.points.label(row))); }
    panel.appendChild(head);
    if (self.page.sprite) {
      panel.appendChild(thumbnail(self.page.sprite, row, 112)).classList.add("rg-inspector-thumb");
    }
    var details = el("dl", { "class": "rg-inspector-details" });
    (self.page.hoverColumns || []).forEach(function (name) {
      var column = self.points.columns[name];
      if (!column || (self.page.labels && name === self.page.labels.name)) { return; }
      details.appendChild(el("dt", {}, name));
      details.appendChild(el("dd", {}, truncate(column.value(row), 400)));
    });
    panel.appendChild(details);
    if (self.scatter.positionOf(row) < 0) {
      panel.appendChild(el("p", { "class": "rg-muted" }, "This point is not in the sample this view shows."));
    }
    panel.appendChild(el("h3", {}, "Nearest neighbours in the original space"));
    var list = el("ol", { "class": "rg-neighbors", id: self.scope.id("rg-neighbor-list") });
    neighbours.forEach(function (neighbour) {
      var item = el("li", {});
      var button = el("button", { type: "button", "data-row": String(neighbour.row) });
      var mark = self.page.sprite ? thumbnail(self.page.sprite, neighbour.row, 32)
        : self.swatch(neighbour.row);
      if (mark) { button.appendChild(mark); }
      var label = self.points.labelCodes ? self.points.label(neighbour.row) : "#" + neighbour.row;
      button.appendChild(el("span", { "class": "rg-neighbor-label" }, label));
      button.appendChild(el("span", { "class": "rg-neighbor-row" }, "#" + neighbour.row));
      button.appendChild(el("span", { "class": "rg-neighbor-score" },
        "cos " + fixed(neighbour.cosine, 3) + " · " + fixed(angleOf(neighbour.cosine), 1) + "°"));
      button.title = (self.points.labelCodes ? self.points.label(row) : "#" + row) + ": (" +
        label + ", " + fixed(angleOf(neighbour.cosine), 1) + "°)";
      button.addEventListener("click", function () { self.select(neighbour.row); });
      item.appendChild(button);
      list.appendChild(item);
    });
    panel.appendChild(list);
  };

  ProjectionsPage.prototype.search = function () {
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
    var test;
    if (useRegex) {
      try {
        var pattern = new RegExp(query, "i");
        test = function (text) { return pattern.test(text); };
      } catch (error) {
        count.textContent = "invalid regular expression";
        return Promise.resolve();
      }
    } else {
      var needle = query.toLowerCase();
      test = function (text) { return text.toLowerCase().indexOf(needle) >= 0; };
    }
    return self.points.column(name).then(function (column) {
      var matches = [];
      for (var i = 0; i < self.page.n; i++) {
        if (test(String(column.value(i)))) { matches.push(i); }
      }
      self.scatter.highlight.matches = matches;
      var shown = matches.filter(function (row) { return self.scatter.positionOf(row) >= 0; });
      count.textContent = matches.length.toLocaleString("en-US") +
        (matches.length === 1 ? " match" : " matches") +
        (shown.length < matches.length ? " (" + shown.length + " in this view)" : "");
      count.setAttribute("data-count", String(matches.length));
      self.scatter.redrawOverlays();
    });
  };

  RG.ProjectionsPage = ProjectionsPage;

  // ------------------------------------------------------------------ headline scatter

  function showHeadline(page, scope) {
    var element = scope.byId("rg-headline");
    if (!element || !page.views || !page.views.length) { return; }
    var points = new PointData(page);
    var scatter = new Scatter(element, page, points);
    scatter.onClick = function (row) {
      scope.go("projections.html#view=" + encodeURIComponent(page.defaultView) +
        "&point=" + row);
    };
    scatter.show(page.defaultView, page.labels ? "__label" : "__none").then(function () {
      element.setAttribute("data-view", page.defaultView);
    });
  }

  function hasWebGL() {
    try {
      var canvas = document.createElement("canvas");
      return !!(canvas.getContext("webgl") || canvas.getContext("experimental-webgl"));
    } catch (error) {
      return false;
    }
  }

  function showClusterMap(page, scope) {
    var element = scope.byId("rg-cluster-map");
    if (!element || !page.views || !page.views.length) { return; }
    if (!hasWebGL() || !window.Plotly) {  // the static picture instead of the WebGL scatter
      var image = el("img", { src: element.getAttribute("data-fallback"), alt: "Cluster map",
                              "class": "rg-fallback" });
      element.replaceWith(image);
      return;
    }
    var points = new PointData(page);
    var scatter = new Scatter(element, page, points);
    scatter.onClick = function (row) {
      scope.go("projections.html#view=" + encodeURIComponent(page.defaultView) +
        "&point=" + row + "&color=" + encodeURIComponent(page.clusterColumn));
    };
    scatter.show(page.defaultView, page.clusterColumn).then(function () {
      element.setAttribute("data-view", page.defaultView);
    });
  }

  // ------------------------------------------------------------------ gallery page

  var GALLERY_TILE = 72;      // CSS px of a thumbnail in the grid
  var GALLERY_FIRST = 96;     // tiles drawn per group before "show all"
  var GALLERY_BATCH = 600;    // tiles added per click of "show more"

  function GalleryPage(page, scope) {
    var self = this;
    self.page = page;
    self.scope = scope;
    self.points = new PointData(page);
    self.container = scope.byId("rg-gallery");
    self.grouping = page.groupings[0];
    self.selected = null;
    var select = scope.byId("rg-group");
    if (select) {
      select.addEventListener("change", function () {
        self.grouping = select.value;
        self.writeHash();
        self.draw();
      });
    }
    self.container.addEventListener("click", function (event) {
      var tile = event.target.closest("[data-row]");
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
  }

  /* A new state in the URL (a link followed within a single-file report). */
  GalleryPage.prototype.applyHash = function (hash) {
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

  GalleryPage.prototype.fail = function (error) {
    var status = this.scope.byId("rg-status");
    status.textContent = String(error.message || error);
    status.hidden = false;
  };

  GalleryPage.prototype.writeHash = function () {
    var parts = ["group=" + encodeURIComponent(this.grouping)];
    if (this.selected !== null) { parts.push("point=" + this.selected); }
    this.scope.setHash(parts.join("&"));
  };

  /* The groups of the current grouping: [{name, rows}], in the coding's order. */
  GalleryPage.prototype.groups = function () {
    var self = this;
    var n = self.page.n;
    function byCodes(codes, names) {
      var members = names.map(function () { return []; });
      for (var i = 0; i < n; i++) { members[codes[i]].push(i); }
      return naturalOrder(names).map(function (code) { return { name: names[code], rows: members[code] }; })
        .filter(function (group) { return group.rows.length; });
    }
    if (self.grouping === "__label") {
      return Promise.resolve(byCodes(self.points.labelCodes, self.page.labels.names));
    }
    if (self.grouping === "__none") {
      var all = [];
      for (var i = 0; i < n; i++) { all.push(i); }
      return Promise.resolve([{ name: "all images", rows: all }]);
    }
    return self.points.column(self.grouping).then(function (column) {
      return byCodes(column.codes, column.names);
    });
  };

  GalleryPage.prototype.draw = function () {
    var self = this;
    return self.groups().then(function (groups) {
      clear(self.container);
      if (self.observer) { self.observer.disconnect(); }
      // Groups draw their tiles when they come near the screen: a large gallery opens fast.
      self.observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            self.observer.unobserve(entry.target);
            self.fillGroup(entry.target);
          }
        });
      }, { rootMargin: "800px 0px" }) : null;
      groups.forEach(function (group, index) {
        var section = el("section", { "class": "rg-gallery-group", "data-group": String(index) });
        var heading = el("h2", {});
        heading.appendChild(el("span", { "class": "rg-break" }, group.name));
        heading.appendChild(el("span", { "class": "rg-muted" },
          " · " + group.rows.length.toLocaleString("en-US")));
        section.appendChild(heading);
        var grid = el("div", { "class": "rg-gallery-grid" });
        // Reserve the group's height so that the page does not jump as groups fill.
        var perLine = Math.max(1, Math.floor((self.container.clientWidth || 800) / (GALLERY_TILE + 30)));
        grid.style.minHeight = Math.ceil(Math.min(group.rows.length, GALLERY_FIRST) / perLine) *
          (GALLERY_TILE + 34) + "px";
        section.appendChild(grid);
        section.rows = group.rows;
        section.shown = 0;
        self.container.appendChild(section);
        if (self.observer) { self.observer.observe(section); } else { self.fillGroup(section); }
      });
      self.container.setAttribute("data-groups", String(groups.length));
    });
  };

  GalleryPage.prototype.fillGroup = function (section, count) {
    var self = this;
    var grid = section.querySelector(".rg-gallery-grid");
    var rows = section.rows;
    var end = Math.min(rows.length, section.shown + (count || GALLERY_FIRST));
    var fragment = document.createDocumentFragment();
    for (var i = section.shown; i < end; i++) { fragment.appendChild(self.tile(rows[i], GALLERY_TILE)); }
    grid.appendChild(fragment);
    grid.style.minHeight = "";
    section.shown = end;
    var more = section.querySelector(".rg-gallery-more");
    if (more) { more.remove(); }
    if (end < rows.length) {
      var left = rows.length - end;
      var button = el("button", { type: "button", "class": "rg-gallery-more" },
        "show " + Math.min(left, GALLERY_BATCH).toLocaleString("en-US") + " more of " +
        left.toLocaleString("en-US"));
      button.addEventListener("click", function () { self.fillGroup(section, GALLERY_BATCH); });
      section.appendChild(button);
    }
  };

  GalleryPage.prototype.caption = function (row) {
    return this.points.labelCodes ? this.points.label(row) : "";
  };

  GalleryPage.prototype.tile = function (row, size, score) {
    var button = el("button", { type: "button", "class": "rg-gallery-tile", "data-row": String(row) });
    button.appendChild(thumbnail(this.page.sprite, row, size));
    var label = this.caption(row);
    button.appendChild(el("span", { "class": "rg-gallery-caption" },
      "#" + row + (label ? " · " + truncate(label, 24) : "")));
    if (score != null) { button.appendChild(el("span", { "class": "rg-gallery-score" }, score)); }
    button.title = "#" + row + (label ? " " + label : "");
    if (row === this.selected) { button.setAttribute("aria-pressed", "true"); }
    return button;
  };

  GalleryPage.prototype.select = function (row) {
    var self = this;
    if (!(row >= 0 && row < self.page.n)) { return Promise.resolve(); }
    self.selected = row;
    self.writeHash();
    Array.prototype.forEach.call(self.container.querySelectorAll("[aria-pressed]"), function (b) {
      b.removeAttribute("aria-pressed");
    });
    Array.prototype.forEach.call(self.container.querySelectorAll("[data-row=\"" + row + "\"]"),
      function (b) { b.setAttribute("aria-pressed", "true"); });
    return self.points.neighbors().then(function (knn) {
      var panel = self.scope.byId("rg-gallery-inspector");
      clear(panel);
      var head = el("div", { "class": "rg-gallery-selected" });
      head.appendChild(thumbnail(self.page.sprite, row, 128));
      var about = el("div", {});
      about.appendChild(el("strong", {}, "#" + row));
      var label = self.caption(row);
      if (label) { about.appendChild(el("div", { "class": "rg-break" }, label)); }
      var link = el("a", { href: self.scope.href("projections.html#point=" + row) },
        "show on the projections →");
      about.appendChild(link);
      head.appendChild(about);
      panel.appendChild(head);
      panel.appendChild(el("h3", {}, "Nearest neighbours in the original space"));
      var grid = el("div", { "class": "rg-gallery-grid rg-gallery-neighbors", id: self.scope.id("rg-gallery-neighbors") });
      for (var r = 0; r < self.page.k; r++) {
        var other = knn.indices[row * knn.k + r];
        var cosine = knn.cosines[row * knn.k + r];
        grid.appendChild(self.tile(other, 64, "cos " + fixed(cosine, 3)));
      }
      grid.addEventListener("click", function (event) {
        var tile = event.target.closest("[data-row]");
        if (tile) { self.select(Number(tile.getAttribute("data-row"))); }
      });
      panel.appendChild(grid);
    }).catch(function (error) { self.fail(error); });
  };

  RG.GalleryPage = GalleryPage;

  // ------------------------------------------------------------------ scopes

  /* Where a page's logic runs: the element it lives in, the prefix of its element ids, its
   * state in the URL ("view=pca-2d&point=3") and how it follows a link to another page.
   * A page of the site is the whole document; a single-file report holds every page as a
   * tab (TabScope below), whose ids carry the page's name ("projections-rg-scatter"). */
  function PageScope() {
    this.root = document.body;
    this.prefix = "";
  }

  PageScope.prototype.id = function (name) { return this.prefix + name; };
  PageScope.prototype.byId = function (name) { return document.getElementById(this.id(name)); };
  PageScope.prototype.all = function (selector) { return this.root.querySelectorAll(selector); };
  PageScope.prototype.hash = function () { return parseHash(window.location.hash); };
  PageScope.prototype.setHash = function (text) {
    if (window.location.hash !== "#" + text) { history.replaceState(null, "", "#" + text); }
  };
  PageScope.prototype.onHash = function (listener) {
    window.addEventListener("hashchange", function () { listener(parseHash(window.location.hash)); });
  };
  PageScope.prototype.href = function (target) { return target; };
  PageScope.prototype.go = function (target) { window.location.href = target; };

  function TabScope(tabs, section) {
    this.tabs = tabs;
    this.root = section;
    this.name = section.getAttribute("data-rg-tab");
    this.prefix = section.getAttribute("data-rg-prefix");
    this.state = "";
    this.listeners = [];
  }

  TabScope.prototype = Object.create(PageScope.prototype);
  TabScope.prototype.hash = function () { return parseHash(this.state); };
  TabScope.prototype.setHash = function (text) {
    this.state = text;
    if (this.tabs.current === this.name) { this.tabs.record(false); }
  };
  TabScope.prototype.onHash = function (listener) { this.listeners.push(listener); };
  TabScope.prototype.href = function (target) {
    var route = this.tabs.route(target);
    return route ? this.tabs.fragment(route.tab, route.state) : target;
  };
  TabScope.prototype.go = function (target) { this.tabs.follow(target); };

  // ------------------------------------------------------------------ single-file tabs

  /* A single-file report: each page is a section [data-rg-tab] (all but one hidden) and
   * the navigation switches between them. A page's logic starts when its tab is first
   * shown (Plotly sizes a figure from its element, which must be visible). The URL keeps
   * "#tab/state" where the browser allows it; inside a notebook's srcdoc frame it cannot,
   * so the state also lives in each scope. Links to "page.html#state" or "#page/state" are
   * followed here, never by the browser: nothing outside the file is requested. */
  function Tabs() {
    var self = this;
    self.scopes = {};
    self.pages = {};
    self.started = {};
    self.names = [];
    self.current = null;
    Array.prototype.forEach.call(document.querySelectorAll("[data-rg-tab]"), function (section) {
      var scope = new TabScope(self, section);
      self.scopes[scope.name] = scope;
      self.names.push(scope.name);
    });
    document.addEventListener("click", function (event) {
      if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey ||
          event.shiftKey || event.altKey) { return; }
      var link = event.target.closest ? event.target.closest("a[href]") : null;
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
  }

  /* {tab, state} of "#projections/point=3" or "projections.html#point=3"; state is
   * undefined when the link names the page only (the tab then keeps its state). */
  Tabs.prototype.route = function (href) {
    var match = /^#([\w-]+)(?:\/(.*))?$/.exec(href || "") ||
      /^([\w-]+)\.html(?:#(.*))?$/.exec(href || "");
    if (!match || this.names.indexOf(match[1]) < 0) { return null; }
    return { tab: match[1], state: match[2] };
  };

  Tabs.prototype.fragment = function (tab, state) {
    return "#" + tab + (state ? "/" + state : "");
  };

  Tabs.prototype.follow = function (href) {
    var route = this.route(href);
    if (route) { this.show(route.tab, route.state, true); }
  };

  /* Write the current tab and its state into the URL (a new history entry when `push`). */
  Tabs.prototype.record = function (push) {
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
  Tabs.prototype.show = function (name, state, push) {
    var self = this;
    if (!self.scopes[name]) { name = self.names[0]; state = undefined; }
    var scope = self.scopes[name];
    var changed = state !== undefined && state !== scope.state;
    if (state !== undefined) { scope.state = state; }
    var switched = self.current !== name;
    self.current = name;
    self.names.forEach(function (other) { self.scopes[other].root.hidden = other !== name; });
    Array.prototype.forEach.call(document.querySelectorAll("[data-rg-tab-link]"), function (link) {
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
      var page = readJson(scope.id("rg-page"));
      if (page) { self.pages[name] = startPage(page, scope); }
      return;
    }
    if (changed) {
      var hash = parseHash(scope.state);
      scope.listeners.forEach(function (listener) { listener(hash); });
    }
    if (switched && window.Plotly) {  // figures drawn while another width was current
      Array.prototype.forEach.call(scope.root.querySelectorAll(".js-plotly-plot"), function (plot) {
        var resized = window.Plotly.Plots.resize(plot);
        if (resized && resized.catch) { resized.catch(function () {}); }
      });
    }
  };

  RG.Tabs = Tabs;

  // ------------------------------------------------------------------ start

  /* Start a page's logic in `scope`; returns its page object (projections or gallery). */
  function startPage(page, scope) {
    var current = null;
    drawFigures(page, scope);
    if (scope.byId("rg-scatter")) { current = new ProjectionsPage(page, scope); }
    if (scope.byId("rg-headline")) { showHeadline(page, scope); }
    if (scope.byId("rg-cluster-map")) { showClusterMap(page, scope); }
    // Without its sprite (a single file too large to carry it) the gallery has nothing to show.
    if (scope.byId("rg-gallery") && page.sprite) { current = new GalleryPage(page, scope); }
    paintMarkedThumbs(page, scope);
    return current;
  }
  RG.startPage = startPage;

  var page = readJson("rg-page");
  RG.page = page;
  function start() {
    if (document.querySelector("[data-rg-tab]")) {
      RG.tabs = new Tabs();
      return;
    }
    if (!page) { return; }
    RG.current = startPage(page, new PageScope());
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
