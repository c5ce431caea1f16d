// @ts-check
/* clusters.html: the cluster map (the static picture where WebGL or Plotly is missing);
 * a click opens the point on the projections, coloured by cluster. */

/** @param {PageBlock} page @param {PageScope} scope @returns {null} */
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
