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
