// @ts-check
/* Thumbnails: every one is a tile of the page's one sprite sheet. */

/** Row i's thumbnail, drawn at `size` CSS px: a box whose background is its tile of the
 * one sprite sheet (page.sprite: href, thumb px, columns), so every thumbnail of a page
 * comes from a single image.
 * @param {HTMLElement} box
 * @param {Sprite} sprite
 * @param {number} row
 * @param {number} size
 * @returns {HTMLElement} */
reportgen.paintThumb = function (box, sprite, row, size) {
  var column = row % sprite.columns;
  var line = Math.floor(row / sprite.columns);
  box.style.width = size + "px";
  box.style.height = size + "px";
  if (sprite.cssClass) {  // a single-file report: the sheet is inline, once, in a style rule
    box.classList.add(sprite.cssClass);
  } else {
    box.style.backgroundImage = "url(\"" + sprite.href + "\")";
  }
  box.style.backgroundSize = (sprite.columns * size) + "px " + (sprite.columns * size) + "px";
  box.style.backgroundPosition = (-column * size) + "px " + (-line * size) + "px";
  box.setAttribute("data-thumb-row", String(row));
  return box;
};

/** @param {Sprite} sprite @param {number} row @param {number} size @returns {HTMLElement} */
reportgen.thumbnail = function (sprite, row, size) {
  var box = reportgen.el("span", { "class": "rg-thumb", "aria-hidden": "true" });
  return reportgen.paintThumb(box, sprite, row, size);
};

/** Elements the templates mark with data-rg-thumb="row" (e.g. cluster representatives).
 * @param {PageBlock} page
 * @param {PageScope} scope */
reportgen.paintMarkedThumbs = function (page, scope) {
  if (!page.sprite) { return; }
  Array.prototype.forEach.call(scope.all("[data-rg-thumb]"), function (/** @type {HTMLElement} */ box) {
    reportgen.paintThumb(box, page.sprite, Number(box.getAttribute("data-rg-thumb")), 56);
  });
};
