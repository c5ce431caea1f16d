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

/** The JSON in element `id`, or null when there is no such element.
 * @param {string} id
 * @returns {any} */
reportgen.readJson = function (id) {
  var element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
};
