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
  self.scatter.onSelect = function (rows) { self.setSelection(rows); };
  /** @type {Column | null} the column the points are filtered by */
  self.filterColumn = null;
  /** @type {{view: string, color: string, point: number | null, labels: string,
   *   selection: number[], isolate: boolean, group: string | null}} */
  self.state = { view: page.defaultView, color: page.labels ? reportgen.contract.LABEL : reportgen.contract.NONE,
                 point: null, labels: "off", selection: [], isolate: false, group: null };
  self.buildControls();
  // The hover columns (text, chosen metadata) load when first needed: a hover, a click.
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

  // Map labels: off, or one per cluster or per label class, when the views have them.
  var kinds = reportgen.mapLabelKinds(page);
  var labelMenu = scope.byId("rg-map-labels");
  if (kinds.length) {
    ["off"].concat(kinds).forEach(function (kind) {
      var text = kind === "off" ? "off" : kind === "clusters" ? "k-means clusters" : "label classes";
      labelMenu.appendChild(reportgen.el("option", { value: kind }, text));
    });
    scope.byId("rg-map-labels-control").hidden = false;
    labelMenu.addEventListener("change", function () { self.setLabels(labelMenu.value); });
  }

  // "Select a label or cluster": every label, and the clusters once their column loads.
  var groups = /** @type {HTMLSelectElement} */ (scope.byId("rg-group"));
  var clusterInfo = page.columns.filter(function (c) { return c.name === reportgen.contract.CLUSTER_COLUMN; })[0];
  if (page.labels || clusterInfo) {
    scope.byId("rg-group-control").hidden = false;
    if (page.labels) {
      var labelled = reportgen.el("optgroup", { label: page.labels.name });
      page.labels.names.forEach(function (name) {
        labelled.appendChild(reportgen.el("option", { value: "label:" + name }, name));
      });
      groups.appendChild(labelled);
    }
    var clustersListed = false;
    var listClusters = function () {
      if (clustersListed || !clusterInfo) { return; }
      clustersListed = true;
      self.points.column(clusterInfo.name).then(function (column) {
        var clustered = reportgen.el("optgroup", { label: "k-means clusters" });
        (column.names || []).forEach(function (name, code) {
          clustered.appendChild(reportgen.el("option", { value: "cluster:" + code }, name));
        });
        groups.appendChild(clustered);
      });
    };
    groups.addEventListener("focus", listClusters);
    groups.addEventListener("pointerdown", listClusters);
    groups.addEventListener("change", function () {
      if (groups.value) { self.selectGroup(groups.value); }
      groups.value = "";
    });
  }

  self.buildFilter();

  // The selection's actions; Esc clears it (unless typing in a field).
  scope.byId("rg-isolate").addEventListener("click", function () { self.setIsolate(!self.state.isolate); });
  scope.byId("rg-selection-clear").addEventListener("click", function () { self.setSelection([]); });
  scope.byId("rg-selection-copy").addEventListener("click", function () { self.copyRows(); });
  scope.byId("rg-selection-csv").addEventListener("click", function () {
    self.selectionCsv().then(function (text) {
      reportgen.download("selection-" + self.state.view + ".csv", text, "text/csv");
    });
  });
  scope.byId("rg-select-matches").addEventListener("click", function () {
    if (self.scatter.highlight.matches) { self.setSelection(self.scatter.highlight.matches); }
  });
  document.addEventListener("keydown", function (event) {
    var target = /** @type {HTMLElement} */ (event.target);
    var typing = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (event.key === "Escape" && !typing && self.state.selection.length) { self.setSelection([]); }
  });

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
  var kinds = reportgen.mapLabelKinds(self.page);
  self.state.labels = kinds.indexOf(hash.labels) >= 0 ? hash.labels : "off";
  self.scatter.labelMode = self.state.labels;
  if (kinds.length) {
    /** @type {HTMLSelectElement} */ (self.scope.byId("rg-map-labels")).value = self.state.labels;
  }
  var point = parseInt(hash.point, 10);
  self.state.point = (point >= 0 && point < self.page.n) ? point : null;
  // A group in the link (group=cluster:3) is selected whole; a selection (sel=3,7-12) is
  // restored; a larger one the page made stays.
  if (hash.group) {
    self.state.isolate = hash.isolate === "1";
    return self.showView().then(function () { return self.selectGroup(hash.group, true); })
      .then(function () {
        if (self.state.point !== null) { return self.select(self.state.point, true); }
        return null;
      });
  }
  self.state.group = null;
  var linked = hash.sel !== undefined ? reportgen.decodeRows(hash.sel, self.page.n) : null;
  var keep = linked === null && self.state.selection.length > reportgen.SELECTION_LINK_MAX;
  var rows = linked || (keep ? self.state.selection : []);
  self.state.isolate = hash.isolate === "1" && rows.length > 0;
  self.state.selection = rows;
  self.scatter.highlight.selection = rows.length ? new Set(rows) : null;
  self.scatter.isolate = self.state.isolate;
  return self.showView().then(function () {
    self.showSelection();
    if (self.state.point !== null) { return self.select(self.state.point, true); }
    return null;
  });
};

reportgen.ProjectionsPage.prototype.writeHash = function () {
  var parts = ["view=" + encodeURIComponent(this.state.view)];
  if (this.state.color !== (this.page.labels ? reportgen.contract.LABEL : reportgen.contract.NONE)) {
    parts.push("color=" + encodeURIComponent(this.state.color));
  }
  if (this.state.labels !== "off") { parts.push("labels=" + this.state.labels); }
  var selection = this.state.selection;
  if (this.state.group) {
    parts.push("group=" + encodeURIComponent(this.state.group));
  } else if (selection.length && selection.length <= reportgen.SELECTION_LINK_MAX) {
    parts.push("sel=" + reportgen.encodeRows(selection));
  }
  if (this.state.isolate) { parts.push("isolate=1"); }
  if (this.state.point !== null) { parts.push("point=" + this.state.point); }
  this.scope.setHash(parts.join("&"));
};

/** @param {string} key */
reportgen.ProjectionsPage.prototype.setView = function (key) {
  this.state.view = key;
  this.writeHash();
  return this.showView();
};

/** @param {string} mode  "off", "clusters" or "labels" */
reportgen.ProjectionsPage.prototype.setLabels = function (mode) {
  this.state.labels = mode;
  this.writeHash();
  this.scatter.setLabelMode(mode);
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
  }).catch(function (error) { self.fail(error); });
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
  var fit = scope.byId("rg-fit-note");
  fit.hidden = !view.quality.fit;
  fit.textContent = view.quality.fit || "";
  var parts = scope.byId("rg-quality-parts");
  reportgen.clear(parts);
  parts.hidden = view.quality.parts.length === 0;
  view.quality.parts.forEach(function (/** @type {QualityPart} */ part) {
    var name = part.name === "fitted" ? "Fitted" : "Placed";
    // The query sample is split between the parts: at 10M points, 1 of 2,000 queries
    // fell among the 15,000 fitted ones, too few for its trustworthiness to mean much.
    var queries = part.queries < part.points
      ? " (" + part.queries.toLocaleString("en-US") + (part.queries === 1 ? " query" : " queries") +
        (part.queries < 100 ? ": too few to judge" : "") + ")" : "";
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

/** Select `row`: its neighbours drawn and listed (`fromHash`: the URL says so already).
 * @param {number} row @param {boolean} [fromHash] @returns {Promise<void>} */
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
  panel.appendChild(reportgen.el("h3", {}, self.page.among
    ? "Nearest of the " + self.page.among.toLocaleString("en-US") + " fitted points, in the original space"
    : "Nearest neighbours in the original space"));
  if (!neighbours.length && self.points.knn && reportgen.listPosition(self.points.knn, row) < 0) {
    panel.appendChild(reportgen.el("p", { "class": "rg-muted", id: self.scope.id("rg-neighbors-absent") },
      "Neighbour lists and text are carried for the shown points only; this one is not shown."));
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
  if (neighbours.length) {
    var take = reportgen.el("button", { type: "button", "class": "rg-action", id: self.scope.id("rg-select-neighbors") },
      "Select this point and its " + neighbours.length + " neighbours");
    take.addEventListener("click", function () {
      self.setSelection([row].concat(neighbours.map(function (n) { return n.row; })));
    });
    panel.appendChild(take);
  }
};

reportgen.ProjectionsPage.prototype.search = function () {
  var self = this;
  var query = self.scope.byId("rg-search").value;
  var name = self.scope.byId("rg-search-column").value;
  var useRegex = self.scope.byId("rg-search-regex").checked;
  var count = self.scope.byId("rg-search-count");
  if (!query) {
    count.textContent = "";
    self.scope.byId("rg-select-matches").hidden = true;
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
    self.scope.byId("rg-select-matches").hidden = matches.length === 0;
    self.scatter.redrawOverlays();
  });
};

/** Make `rows` the selection (sorted, unique; [] clears it), drawn in every view, listed in
 * the selection panel and, when small, kept in the link.
 * @param {ArrayLike<number>} rows @param {boolean} [fromHash] @returns {Promise<void>} */
reportgen.ProjectionsPage.prototype.setSelection = function (rows, fromHash) {
  var self = this;
  self.state.group = null;
  var sorted = Array.from(new Set(Array.from(rows))).sort(function (a, b) { return a - b; });
  self.state.selection = sorted;
  if (!sorted.length) { self.state.isolate = false; }
  self.scatter.highlight.selection = sorted.length ? new Set(sorted) : null;
  self.scatter.isolate = self.state.isolate;
  if (!fromHash) { self.writeHash(); }
  self.scatter.redrawOverlays();
  return self.showSelection();
};

/** The metadata filter: a category column's values, or a number column's range (with its
 * histogram); the points outside are dimmed in every view. */
reportgen.ProjectionsPage.prototype.buildFilter = function () {
  var self = this;
  var scope = self.scope;
  var columns = self.page.columns.filter(function (c) { return c.kind === "category" || c.kind === "number"; });
  if (!columns.length) { return; }
  scope.byId("rg-filter").hidden = false;
  var pick = /** @type {HTMLSelectElement} */ (scope.byId("rg-filter-column"));
  columns.forEach(function (column) {
    pick.appendChild(reportgen.el("option", { value: column.name },
      column.name + (column.kind === "number" ? " (number)" : "")));
  });
  var values = /** @type {HTMLSelectElement} */ (scope.byId("rg-filter-values"));
  var low = /** @type {HTMLInputElement} */ (scope.byId("rg-filter-low"));
  var high = /** @type {HTMLInputElement} */ (scope.byId("rg-filter-high"));
  pick.addEventListener("change", function () { self.chooseFilter(pick.value); });
  values.addEventListener("change", function () { self.applyFilter(); });
  low.addEventListener("input", function () { self.applyFilter(); });
  high.addEventListener("input", function () { self.applyFilter(); });
  scope.byId("rg-select-filtered").addEventListener("click", function () {
    var passing = self.scatter.highlight.filter;
    if (passing) { self.setSelection(Array.from(passing)); }
  });
};

/** Filter by column `name` ("" for none): its values or its range offered, all passing.
 * @param {string} name @returns {Promise<void>} */
reportgen.ProjectionsPage.prototype.chooseFilter = function (name) {
  var self = this;
  var scope = self.scope;
  scope.byId("rg-filter-values-control").hidden = true;
  scope.byId("rg-filter-range").hidden = true;
  if (!name) {
    self.filterColumn = null;
    return self.applyFilter();
  }
  return self.points.column(name).then(function (column) {
    self.filterColumn = column;
    if (column.kind === "category") {
      var values = /** @type {HTMLSelectElement} */ (scope.byId("rg-filter-values"));
      reportgen.clear(values);
      (column.names || []).forEach(function (value, code) {
        values.appendChild(reportgen.el("option", { value: String(code) }, value === "" ? "(empty)" : value));
      });
      scope.byId("rg-filter-values-control").hidden = false;
    } else {
      var numbers = Array.from(column.numbers || []).filter(function (v) { return !isNaN(v); });
      var min = Math.min.apply(null, numbers), max = Math.max.apply(null, numbers);
      /** @type {HTMLInputElement} */ (scope.byId("rg-filter-low")).value = String(min);
      /** @type {HTMLInputElement} */ (scope.byId("rg-filter-high")).value = String(max);
      self.drawHistogram(numbers, min, max);
      scope.byId("rg-filter-range").hidden = false;
    }
    return self.applyFilter();
  });
};

/** A number column's histogram (20 bins between its minimum and maximum), as bars.
 * @param {number[]} numbers @param {number} min @param {number} max */
reportgen.ProjectionsPage.prototype.drawHistogram = function (numbers, min, max) {
  var bins = 20;
  /** @type {number[]} */
  var counts = [];
  for (var b = 0; b < bins; b++) { counts.push(0); }
  var width = max > min ? (max - min) / bins : 1;
  numbers.forEach(function (v) { counts[Math.min(bins - 1, Math.floor((v - min) / width))] += 1; });
  var top = Math.max.apply(null, counts) || 1;
  var chart = this.scope.byId("rg-filter-histogram");
  reportgen.clear(chart);
  counts.forEach(function (count) {
    var bar = reportgen.el("span", { "class": "rg-histogram-bar", title: String(count) });
    bar.style.height = Math.max(1, Math.round(100 * count / top)) + "%";
    chart.appendChild(bar);
  });
};

/** The rows passing the chosen filter, dimming the rest in every view; none: no filter.
 * @returns {Promise<void>} */
reportgen.ProjectionsPage.prototype.applyFilter = function () {
  var self = this;
  var scope = self.scope;
  var column = self.filterColumn;
  var count = scope.byId("rg-filter-count");
  var button = scope.byId("rg-select-filtered");
  if (!column) {
    self.scatter.highlight.filter = null;
    count.textContent = "";
    count.removeAttribute("data-count");
    button.hidden = true;
    self.scatter.redrawOverlays();
    return Promise.resolve();
  }
  /** @type {function(number): boolean} */
  var passes;
  if (column.kind === "category") {
    var values = /** @type {HTMLSelectElement} */ (scope.byId("rg-filter-values"));
    /** @type {Object<number, boolean>} */
    var chosen = {};
    Array.prototype.forEach.call(values.selectedOptions, function (/** @type {HTMLOptionElement} */ o) {
      chosen[Number(o.value)] = true;
    });
    var any = Object.keys(chosen).length > 0;
    var codes = column.codes;
    passes = function (row) { return !any || !!chosen[codes[row]]; };
  } else {
    var low = parseFloat(/** @type {HTMLInputElement} */ (scope.byId("rg-filter-low")).value);
    var high = parseFloat(/** @type {HTMLInputElement} */ (scope.byId("rg-filter-high")).value);
    var numbers = column.numbers;
    passes = function (row) {
      var v = numbers[row];
      return !isNaN(v) && !(v < low) && !(v > high);
    };
  }
  /** @type {Set<number>} */
  var passing = new Set();
  for (var row = 0; row < self.page.n; row++) { if (passes(row)) { passing.add(row); } }
  self.scatter.highlight.filter = passing;
  count.textContent = passing.size.toLocaleString("en-US") + " of " +
    self.page.n.toLocaleString("en-US") + " points pass";
  count.setAttribute("data-count", String(passing.size));
  button.hidden = passing.size === 0;
  self.scatter.redrawOverlays();
  return Promise.resolve();
};

/** Select every point of a label ("label:NAME") or of a k-means cluster ("cluster:3"); the
 * link then names the group (group=cluster:3), however large it is.
 * @param {string} group @param {boolean} [fromHash] @returns {Promise<void>} */
reportgen.ProjectionsPage.prototype.selectGroup = function (group, fromHash) {
  var self = this;
  var colon = group.indexOf(":");
  var kind = group.slice(0, colon), key = group.slice(colon + 1);
  /** @param {function(number): boolean} inGroup @returns {Promise<void>} */
  function take(inGroup) {
    /** @type {number[]} */
    var rows = [];
    for (var row = 0; row < self.page.n; row++) { if (inGroup(row)) { rows.push(row); } }
    return self.setSelection(rows, true).then(function () {
      self.state.group = rows.length ? group : null;
      if (!fromHash) { self.writeHash(); }
    });
  }
  if (kind === "label" && self.points.labelCodes) {
    var code = self.page.labels.names.indexOf(key);
    var codes = self.points.labelCodes;
    return take(function (row) { return codes[row] === code; });
  }
  var info = self.page.columns.filter(function (c) { return c.name === reportgen.contract.CLUSTER_COLUMN; })[0];
  if (kind === "cluster" && info) {
    var cluster = Number(key);
    return self.points.column(info.name).then(function (column) {
      return take(function (row) { return column.codes[row] === cluster; });
    });
  }
  return self.setSelection([], fromHash);
};

/** @param {boolean} on  show only the selection (zoomed to it), or every point again */
reportgen.ProjectionsPage.prototype.setIsolate = function (on) {
  this.state.isolate = on && this.state.selection.length > 0;
  this.scatter.isolate = this.state.isolate;
  this.writeHash();
  this.scatter.redrawOverlays();
  return this.showSelection();
};

/** The selection panel: how many, their labels against the whole set's, the first 50
 * (each opens in the inspector) and the actions. @returns {Promise<void>} */
reportgen.ProjectionsPage.prototype.showSelection = function () {
  var self = this;
  var scope = self.scope;
  var panel = scope.byId("rg-selection");
  var rows = self.state.selection;
  panel.hidden = rows.length === 0;
  scope.root.setAttribute("data-selected", String(rows.length));
  if (!rows.length) { return Promise.resolve(); }
  return self.points.hoverColumns().then(function () {
    scope.byId("rg-selection-count").textContent = rows.length.toLocaleString("en-US") +
      " of " + self.page.n.toLocaleString("en-US") + " points selected" +
      (self.state.isolate ? ", shown alone" : "");
    scope.byId("rg-isolate").textContent = self.state.isolate ? "Show all points" : "Isolate";
    var link = scope.byId("rg-selection-link");
    link.hidden = rows.length <= reportgen.SELECTION_LINK_MAX;
    link.textContent = "The link keeps selections of up to " + reportgen.SELECTION_LINK_MAX +
      " points; download the CSV or copy the row indices to send this one.";
    self.showBreakdown(rows);
    var list = scope.byId("rg-selection-list");
    reportgen.clear(list);
    rows.slice(0, 50).forEach(function (row) {
      var button = reportgen.el("button", { type: "button", "data-row": String(row) });
      var mark = self.page.sprite ? reportgen.thumbnail(self.page.sprite, row, 32) : self.swatch(row);
      if (mark) { button.appendChild(mark); }
      button.appendChild(reportgen.el("span", { "class": "rg-neighbor-row" }, "#" + row));
      var label = self.points.labelCodes ? self.points.label(row) : "";
      var text = self.page.textColumn && self.points.columns[self.page.textColumn]
        ? self.points.columns[self.page.textColumn].value(row) : "";
      button.appendChild(reportgen.el("span", { "class": "rg-neighbor-label" },
        reportgen.truncate([label, text].filter(Boolean).join(" · "), 90)));
      button.addEventListener("click", function () { self.select(row); });
      var item = reportgen.el("li", {});
      item.appendChild(button);
      list.appendChild(item);
    });
    var more = scope.byId("rg-selection-more");
    more.hidden = rows.length <= 50;
    more.textContent = "and " + (rows.length - 50).toLocaleString("en-US") + " more (all in the CSV)";
  });
};

/** The selection's labels against the whole set's: the six most frequent in the selection.
 * @param {number[]} rows */
reportgen.ProjectionsPage.prototype.showBreakdown = function (rows) {
  var self = this;
  var chart = self.scope.byId("rg-selection-labels");
  reportgen.clear(chart);
  var codes = self.points.labelCodes;
  chart.hidden = !codes;
  if (!codes) { return; }
  var names = self.page.labels.names;
  /** @type {number[]} */
  var here = names.map(function () { return 0; });
  /** @type {number[]} */
  var overall = names.map(function () { return 0; });
  rows.forEach(function (row) { here[codes[row]] += 1; });
  for (var i = 0; i < codes.length; i++) { overall[codes[i]] += 1; }
  var order = names.map(function (_, code) { return code; })
    .filter(function (code) { return here[code] > 0; })
    .sort(function (a, b) { return here[b] - here[a] || a - b; }).slice(0, 6);
  order.forEach(function (code) {
    var share = here[code] / rows.length, whole = overall[code] / codes.length;
    var bar = reportgen.el("span", { "class": "rg-bar" });
    bar.style.width = Math.max(1, Math.round(share * 100)) + "%";
    var mark = reportgen.el("span", { "class": "rg-bar-whole", title: "share of all points" });
    mark.style.left = Math.round(whole * 100) + "%";
    var track = reportgen.el("span", { "class": "rg-bar-track" });
    track.appendChild(bar);
    track.appendChild(mark);
    var item = reportgen.el("li", {});
    var name = reportgen.el("span", { "class": "rg-bar-name" }, reportgen.truncate(names[code], 30));
    item.appendChild(name);
    item.appendChild(track);
    item.appendChild(reportgen.el("span", { "class": "rg-bar-value" },
      reportgen.fixed(100 * share, 0) + " % · " + reportgen.fixed(100 * whole, 0) + " % of all"));
    chart.appendChild(item);
  });
};

/** The selection as CSV: row, label, the hover columns and this view's coordinates (blank
 * for a selected point this view does not show). @returns {Promise<string>} */
reportgen.ProjectionsPage.prototype.selectionCsv = function () {
  var self = this;
  return self.points.hoverColumns().then(function (columns) {
    var view = self.scatter.view;
    var axes = view.axes.slice(0, view.dims);
    var header = ["row"].concat(self.points.labelCodes ? ["label"] : [],
      columns.map(function (c) { return c.name; }), axes);
    var lines = self.state.selection.map(function (row) {
      var cells = [String(row)];
      if (self.points.labelCodes) { cells.push(String(self.points.label(row))); }
      columns.forEach(function (column) { cells.push(String(column.value(row))); });
      var position = self.scatter.positionOf(row);
      for (var d = 0; d < view.dims; d++) {
        cells.push(position < 0 ? "" : String(self.scatter.coordinates[position * view.dims + d]));
      }
      return cells;
    });
    return reportgen.csvText(header, lines);
  });
};

/** Copy the selection's row indices ("3,7,8,9"): the clipboard when the browser allows it,
 * and always into the panel's field, selected, for a manual copy. */
reportgen.ProjectionsPage.prototype.copyRows = function () {
  var field = /** @type {HTMLTextAreaElement} */ (this.scope.byId("rg-selection-rows"));
  field.value = this.state.selection.join(",");
  field.hidden = false;
  field.focus();
  field.select();
  var copied = false;
  try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
  this.scope.byId("rg-selection-copied").textContent = copied
    ? "Copied " + this.state.selection.length + " row indices." : "Select the field and copy.";
};

reportgen.controllers.projections = function (/** @type {PageBlock} */ page, /** @type {PageScope} */ scope) {
  return new reportgen.ProjectionsPage(page, scope);
};
