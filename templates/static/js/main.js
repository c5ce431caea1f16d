// @ts-check
/* The last file of the bundle and the only one that does something when it loads: read
 * the page's block and start its controller once the document is parsed. */

/** @type {PageBlock | null} the page's inline block (the first tab's in a single file: none) */
reportgen.page = reportgen.readJson(reportgen.contract.PAGE_BLOCK_ID);
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", reportgen.start);
} else {
  reportgen.start();
}
