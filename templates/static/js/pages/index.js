// @ts-check
/* index.html: the overview's headline scatter; a click opens the point on the projections. */

/** @param {PageBlock} page @param {PageScope} scope @returns {null} */
reportgen.controllers.index = function (page, scope) {
  var element = scope.byId("rg-headline");
  if (!element || !page.views || !page.views.length) { return null; }
  var points = new reportgen.PointData(page);
  var scatter = new reportgen.Scatter(element, page, points);
  // The headline map names its regions: one label per cluster when there are clusters.
  var kinds = reportgen.mapLabelKinds(page);
  scatter.labelMode = kinds.length ? kinds[0] : "off";
  scatter.onClick = function (row) {
    scope.go("projections.html#view=" + encodeURIComponent(page.defaultView) +
      "&point=" + row);
  };
  scatter.show(page.defaultView, page.labels ? reportgen.contract.LABEL : reportgen.contract.NONE)
    .then(function () { element.setAttribute("data-view", page.defaultView); });
  return null;
};
