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
