// @ts-check

/* The browser contract. Generated from reportgen/render/contract.py by `make contract`:
 * do not edit. */

/**
 * A typed array as base64 of its little-endian bytes (payloads.encode_array).
 * @typedef {Object} EncodedArray
 * @property {"float32"|"int32"|"uint8"|"uint16"} dtype  which typed array
 * @property {number[]} shape  row-major, e.g. [n, dims]
 * @property {string} b64  base64 of the bytes
 * @property {any} [cache]  the decoded array, kept by the browser (never sent)
 */

/**
 * One projection view in the page block (render/scatter.py).
 * @typedef {Object} ViewInfo
 * @property {string} key  "umap-2d"
 * @property {string} title  "UMAP 2D"
 * @property {number} dims  2 or 3
 * @property {string[]} axes  the axis titles
 * @property {string} payload  the ViewPayload's name
 * @property {string} preservation  the PreservationPayload's name
 * @property {string|null} density  a sampled 2D view: the DensityPayload's name
 * @property {MapLabels|null} mapLabels  a 2D view: the texts to write on its map (analysis/map_labels.py)
 * @property {ViewQuality} quality  how far the view can be trusted
 * @property {string[][]} parameters  [name, value] pairs, formatted
 * @property {string[]} notes  what the page says about the view
 */

/**
 * A 2D view's map labels, each [x, y, text, items], largest group first.
 * @typedef {Object} MapLabels
 * @property {Array<number|string>[]} [clusters]  one per k-means cluster
 * @property {Array<number|string>[]} [labels]  one per label class
 */

/**
 * A view's quality against the original space.
 * @typedef {Object} ViewQuality
 * @property {number} recall  kNN recall
 * @property {number} trust  trustworthiness
 * @property {number|null} trustSample  the sample trustworthiness used, if any
 * @property {number} k  the neighbours both are measured with
 * @property {string|null} fit  how a layout fitted on a sample was made, if it was
 * @property {QualityPart[]} parts  the fitted and the placed points apart (or none)
 */

/**
 * The quality of the fitted or of the placed points of a view fitted on a sample.
 * @typedef {Object} QualityPart
 * @property {string} name  "fitted" or "placed"
 * @property {number} points  how many points the part has
 * @property {number} recall  their kNN recall
 * @property {number} trust  their trustworthiness
 * @property {number} queries  how many of them the trustworthiness queried
 */

/**
 * The label codes, inline (rare labels lumped into a last 'other (N values)').
 * @typedef {Object} Labels
 * @property {string} name  the label column's name
 * @property {string[]} names  the name of each code
 * @property {boolean} other  whether the last code lumps rare labels
 * @property {EncodedArray} codes  one code per row (uint8 or uint16)
 */

/**
 * A metadata column the page can load.
 * @typedef {Object} ColumnInfo
 * @property {string} name  its name
 * @property {"category"|"number"|"text"} kind  how it is coded
 * @property {string} payload  the ColumnPayload's name
 */

/**
 * The sprite sheet every thumbnail is a tile of (render/gallery.py).
 * @typedef {Object} Sprite
 * @property {string} href  the sheet's path
 * @property {number} thumb  px of one tile
 * @property {number} columns  tiles per row of the sheet
 * @property {string} [cssClass]  a single file: the class carrying the sheet
 */

/**
 * A figure template: a bound figure (traces, layout, config) or a scatter's templates.
 * @typedef {Object} Figure
 * @property {string} [payload]  the payload its references read, as payload.*
 * @property {any[]} [traces]  traces with {$data|$text|$matrix} references
 * @property {Object<string, any>} layout  Plotly's layout
 * @property {Object<string, any>} config  Plotly's config
 * @property {Object<string, any>} [trace]  scatter: the base trace
 * @property {Object<string, any>} [density]  scatter, 2D: the density heatmap
 * @property {Object<string, any>} [overlay]  scatter: the highlight trace
 * @property {Object<string, Object<string, any>>} [styles]  scatter: match, ...
 */

/**
 * A page's inline block; each page sends the fields it uses.
 * @typedef {Object} PageBlock
 * @property {number} [n]  the number of points
 * @property {number} [k]  neighbours the inspector lists
 * @property {number} [among]  the fit sample's size when the neighbours are searched among it, else 0
 * @property {string|null} [defaultView]  the view a page opens on
 * @property {ViewInfo[]} [views]  the projection views, in order
 * @property {Object<string, EncodedArray|null>} [samples]  rows per '2d'/'3d'
 * @property {Labels|null} [labels]  the label codes
 * @property {ColumnInfo[]} [columns]  the loadable metadata columns
 * @property {string|null} [textColumn]  the column searched by default
 * @property {string[]} [hoverColumns]  columns shown on hover
 * @property {string} [neighbors]  the NeighborsPayload's name
 * @property {string[]} [palette]  category colours, by code
 * @property {string} [otherColor]  the colour of 'other' and empty
 * @property {Object<string, Figure>} [figures]  by data-rg-figure name
 * @property {Object<string, any>} [data]  what figure references read
 * @property {Sprite|null} [sprite]  thumbnails, with images
 * @property {string} [clusterColumn]  clusters: the cluster column's name
 * @property {string[]} [groupings]  gallery: the group-by choices
 */

/**
 * view-<key>: a view's coordinates for its shown rows (payloads.encode_quantised).
 * @typedef {Object} ViewPayload
 * @property {EncodedArray} coordinates  uint16 [rows, dims]: low + q * step
 * @property {number[]} low  per axis: the value of level 0
 * @property {number[]} step  per axis: the value of one level
 */

/**
 * preservation-<key>: a view's per-point neighbourhood preservation.
 * @typedef {Object} PreservationPayload
 * @property {EncodedArray} values  float32, one per shown row
 */

/**
 * density-<key>: a 2D histogram of all N points of a sampled view (analysis/density.py).
 * @typedef {Object} DensityPayload
 * @property {EncodedArray} levels  uint8 [rows, columns], log scale, 0 = empty
 * @property {number[]} x  [low, high] of the grid on the x axis
 * @property {number[]} y  [low, high] of the grid on the y axis (row 0 at low)
 * @property {number} max  points in the fullest cell (level 255)
 * @property {number} n  points counted: all N
 */

/**
 * neighbors: the k nearest neighbours of every row (or of ``rows``) in the original space.
 * @typedef {Object} NeighborsPayload
 * @property {EncodedArray} [rows]  int32 [m], sorted: the rows listed, when views are sampled
 * @property {EncodedArray} indices  int32 [n or m, k]
 * @property {EncodedArray} cosines  float32 [n or m, k]
 */

/**
 * column-<i>: a category (codes, names, text with 'other'), number or text column.
 * @typedef {Object} ColumnPayload
 * @property {EncodedArray} [codes]  category: one code per row
 * @property {string[]} [names]  category: the name of each code
 * @property {string[]} [text]  text, or a category's values as written (of ``rows`` when given)
 * @property {EncodedArray} [rows]  int32 [m], sorted: the rows ``text`` is carried for, when views are sampled
 * @property {EncodedArray} [values]  number: float32, NaN where empty
 */

/**
 * similarity-sample: the sample heatmap, quantised to uint8.
 * @typedef {Object} SimilaritySamplePayload
 * @property {EncodedArray} matrix  uint8 [m, m]
 * @property {number[]} rows  the sample's rows
 * @property {string[]} groups  each sample row's group name
 */

/** The sentinels and names Python writes; compare against these, never literals. */

reportgen.contract = Object.freeze({
  "BIND": {
    "DATA": "$data",
    "MATRIX": "$matrix",
    "TEXT": "$text"
  },
  "CLUSTER_COLUMN": "k-means cluster",
  "LABEL": "__label",
  "NONE": "__none",
  "PAGE_BLOCK_ID": "rg-page",
  "PAYLOAD_DIR": "data/",
  "PAYLOAD_ELEMENT_PREFIX": "rg-payload-",
  "PRESERVATION": "__preservation"
});
