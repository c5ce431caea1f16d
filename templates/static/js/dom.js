// @ts-check
/* Small DOM helpers: text always goes in with textContent. */

/** A new element with `attributes` and, when given, `text` as its text.
 * @param {string} tag
 * @param {Object<string, string>} [attributes]
 * @param {string} [text]
 * @returns {HTMLElement} */
reportgen.el = function (tag, attributes, text) {
  var element = document.createElement(tag);
  Object.keys(attributes || {}).forEach(function (key) {
    element.setAttribute(key, attributes[key]);
  });
  if (text != null) { element.textContent = text; }
  return element;
};

/** @param {Element} element */
reportgen.clear = function (element) {
  while (element.firstChild) { element.removeChild(element.firstChild); }
};

/** @returns {boolean} whether this browser draws WebGL (the 3D and large scatters) */
reportgen.hasWebGL = function () {
  try {
    var canvas = document.createElement("canvas");
    return !!(canvas.getContext("webgl") || canvas.getContext("experimental-webgl"));
  } catch (error) {
    return false;
  }
};
