/* reportgen: binds each page's figure templates to its data block.
 *
 * Figures are defined in Python (layout, style, trace templates) and reach the page in the
 * inline JSON block #rg-page as {figures: {...}, data: {...}}. A figure's values are
 * references into `data`: {"$data": "a.b"} is that value, {"$text": "a.b"} that list of
 * strings escaped so that Plotly shows them as typed (it reads <b>-like markup in text).
 */
(function () {
  "use strict";

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function lookup(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value == null ? undefined : value[key];
    }, data);
  }

  // Plotly decodes HTML entities and reads a few tags in any text it draws; escaping the
  // three markup characters makes it draw the label exactly as written.
  function plotlyText(value) {
    return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

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
      var bound = {};
      Object.keys(value).forEach(function (key) { bound[key] = bind(value[key], data); });
      return bound;
    }
    return value;
  }

  function drawFigures(page) {
    var elements = document.querySelectorAll("[data-rg-figure]");
    Array.prototype.forEach.call(elements, function (element) {
      var spec = page.figures[element.getAttribute("data-rg-figure")];
      if (!spec) { return; }
      if (!window.Plotly) {
        element.classList.add("rg-figure-missing");
        element.textContent = "This chart needs assets/plotly.min.js, which did not load.";
        return;
      }
      window.Plotly.newPlot(
        element, bind(spec.traces, page.data), bind(spec.layout, page.data), spec.config
      );
    });
  }

  var page = readJson("rg-page");
  window.reportgen = { page: page, bind: bind, plotlyText: plotlyText };
  if (page) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { drawFigures(page); });
    } else {
      drawFigures(page);
    }
  }
})();
