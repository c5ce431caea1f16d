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
