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
