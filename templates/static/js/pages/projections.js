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
  /** @type {{view: string, color: string, point: number | null, labels: string}} */
  self.state = { view: page.defaultView, color: page.labels ? reportgen.contract.LABEL : reportgen.contract.NONE,
                 point: null, labels: "off" };
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
  if (this.state.labels !== "off") { parts.push("labels=" + this.state.labels); }
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
