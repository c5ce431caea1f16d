// @ts-check
/* The encoded arrays of the contract, and the page's inline JSON blocks. */

/** The typed array for each dtype the contract allows. */
reportgen.TYPED = {
  float32: Float32Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array
};

/** An EncodedArray's values (decoded once, kept on the array), or null for null.
 * @param {EncodedArray | null | undefined} array
 * @returns {any} a Float32Array, Int32Array, Uint8Array or Uint16Array */
reportgen.decode = function (array) {
  if (array == null) { return null; }
  if (array.cache) { return array.cache; }
  var text = atob(array.b64);
  var bytes = new Uint8Array(text.length);
  for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
  array.cache = new reportgen.TYPED[array.dtype](bytes.buffer);
  return array.cache;
};

/** A ViewPayload's coordinates as floats: low + level * step on each axis.
 * @param {ViewPayload} payload
 * @returns {Float32Array} dims per row */
reportgen.viewCoordinates = function (payload) {
  var levels = reportgen.decode(payload.coordinates);
  var dims = payload.coordinates.shape[1];
  var values = new Float32Array(levels.length);
  for (var i = 0; i < levels.length; i++) {
    var d = i % dims;
    values[i] = payload.low[d] + levels[i] * payload.step[d];
  }
  return values;
};

/** The JSON in element `id`, or null when there is no such element.
 * @param {string} id
 * @returns {any} */
reportgen.readJson = function (id) {
  var element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
};
