// @ts-check
/* compare.html: the two runs' maps, linked. Hovering or clicking an item in one map
 * highlights the same item in the other (both maps hold the same items in the same order);
 * a click also sets the deep link compare.html#point=ROW, which opens the page on it. The
 * "Colour by" menu recolours both maps: by overlap (a colour scale), by the items' kNN
 * label vote in the two runs, or by label (colours by code from the page's palettes). */

/** @param {PageBlock} page @param {PageScope} scope @returns {null} */
reportgen.controllers.compare = function (page, scope) {
  var maps = ["map-a", "map-b"].map(function (name) {
    return /** @type {any} */ (scope.all('[data-rg-figure="' + name + '"]')[0]);
  });
  if (!maps[0] || !maps[1] || !window.Plotly) { return null; }
  /** @type {number[]} */
  var rows = reportgen.lookup(page.data, "compare.rows") || [];
  var linking = false;

  /** Show item `index` (its point number in both maps) in both maps' hover labels.
   * @param {number} index */
  function highlight(index) {
    linking = true;
    maps.forEach(function (map) {
      window.Plotly.Fx.hover(map, [{ curveNumber: 0, pointNumber: index }]);
    });
    linking = false;
  }

  /** The marker settings of one colouring, for both maps.
   * @param {string} mode  "overlap", "vote" or "label" */
  function colouring(mode) {
    if (mode === "overlap") {
      return {
        "marker.color": [reportgen.lookup(page.data, "compare.overlap")],
        "marker.showscale": true,
        hovertemplate: "#%{customdata} %{text}<br>overlap %{marker.color:.2f}<extra></extra>"
      };
    }
    /** @type {number[]} */
    var codes = reportgen.lookup(page.data, "compare." + (mode === "vote" ? "vote" : "label_code")) || [];
    /** @type {string[]} */
    var palette = reportgen.lookup(page.data, "compare." + (mode === "vote" ? "vote" : "label") + "_palette") || [];
    /** @type {string[]} */
    var names = reportgen.lookup(page.data, "compare.vote_names") || [];
    var vote = mode === "vote";
    return {
      "marker.color": [codes.map(function (code) { return palette[code]; })],
      "marker.showscale": false,
      hovertext: [vote ? codes.map(function (code) { return names[code]; }) : []],
      hovertemplate: "#%{customdata} %{text}" + (vote ? "<br>%{hovertext}" : "") + "<extra></extra>"
    };
  }

  function colourMenu() {
    var menu = /** @type {HTMLSelectElement | null} */ (scope.all("select")[0] || null);
    var key = /** @type {HTMLElement | null} */ (scope.all(".rg-compare-key")[0] || null);
    if (!menu) { return; }
    menu.addEventListener("change", function () {
      var update = colouring(menu.value);
      maps.forEach(function (map) { window.Plotly.restyle(map, update, [0]); });
      if (key) { key.hidden = menu.value !== "vote"; }
      maps[0].setAttribute("data-colour", menu.value);
    });
  }

  function link() {
    maps.forEach(function (map, side) {
      var other = maps[1 - side];
      map.on("plotly_hover", function (/** @type {any} */ event) {
        if (linking || !event.points || !event.points.length) { return; }
        linking = true;
        window.Plotly.Fx.hover(other, [{ curveNumber: 0, pointNumber: event.points[0].pointNumber }]);
        linking = false;
      });
      map.on("plotly_unhover", function () {
        if (linking) { return; }
        window.Plotly.Fx.unhover(other);
      });
      map.on("plotly_click", function (/** @type {any} */ event) {
        if (!event.points || !event.points.length) { return; }
        var index = event.points[0].pointNumber;
        scope.setHash("point=" + rows[index]);
        highlight(index);
      });
    });
    /** Show the item the link names (compare.html#point=ROW), on open and when it changes.
     * @param {Object<string, string>} hash */
    function follow(hash) {
      var index = hash.point === undefined ? -1 : rows.indexOf(Number(hash.point));
      if (index >= 0) { highlight(index); }
    }
    follow(scope.hash());
    scope.onHash(follow);
    colourMenu();
    maps[0].setAttribute("data-linked", "true");
  }

  // The figures draw asynchronously (drawFigures): link them once both have drawn.
  function whenDrawn() {
    if (maps.every(function (map) { return map.getAttribute("data-drawn") === "true"; })) {
      link();
    } else {
      window.setTimeout(whenDrawn, 50);
    }
  }
  whenDrawn();
  return null;
};
