// @ts-check
/* A page's state in the URL fragment: "view=pca-2d&point=3". */

/** "view=pca-2d&point=3" (or "#view=...") as {view: "pca-2d", point: "3"}.
 * @param {string} text
 * @returns {Object<string, string>} */
reportgen.parseHash = function (text) {
  /** @type {Object<string, string>} */
  var state = {};
  String(text).replace(/^#/, "").split("&").forEach(function (part) {
    if (!part) { return; }
    var pair = part.split("=");
    state[decodeURIComponent(pair[0])] = decodeURIComponent(pair.slice(1).join("="));
  });
  return state;
};
