// @ts-check
/* reportgen: the pages' one script, as small classic scripts on one namespace.
 *
 * reportgen/render/scripts.py concatenates the files of this folder in a fixed order into
 * assets/reportgen.js (the single file inlines the same bytes): no Node at run time, and
 * no ES modules (they do not load from file://). Every file only registers what it defines
 * on `reportgen`; main.js, the last, starts the page's controller.
 *
 * Figures are defined in Python (layout, style, trace templates) and reach the page in the
 * inline JSON block #rg-page. Per-point data (coordinates, neighbour lists, metadata
 * columns) lives in data/<name>.js payloads that call reportgen.receive(name, content).
 * Text from the data is only ever put in the page with textContent, and escaped for
 * Plotly, which reads <b>-like markup in the text it draws. The shapes of the page block
 * and of the payloads are declared once, in reportgen/render/contract.py (contract.js).
 */
"use strict";

/** The one namespace: a top-level var of a classic script is window.reportgen. */
var reportgen = {};

/** The page controllers by page name (<body data-page>, or a tab's data-rg-tab): each
 * takes the page block and its scope and returns its object (or null).
 * @type {Object<string, function(PageBlock, PageScope): any>} */
reportgen.controllers = {};

/** The started page: its controller's object, or the single file's router. */
reportgen.current = null;
reportgen.tabs = null;
