"""``images/``: the static PNGs (centroid heatmap, cluster map) the summary and the pages
fall back on."""

from __future__ import annotations

from reportgen.analysis.results import Analysis, cluster_names
from reportgen.cache import Cache, reuse_bytes
from reportgen.render.figures import similarity_range
from reportgen.render.scatter import default_view
from reportgen.render.site_types import Site
from reportgen.render.static_plots import (
    CENTROID_PNG,
    CLUSTER_MAP_PNG,
    centroid_heatmap_png,
    cluster_map_png,
)


def static_images(analysis: Analysis, *, cache: Cache | None = None) -> Site:
    """``images/``: the centroid heatmap and the cluster map as PNGs (when they exist).

    With a ``cache``, a PNG drawn by an earlier build from the same numbers is reused:
    matplotlib then is not even imported (about a second).
    """
    site: Site = {}
    similarity = analysis.similarity
    if similarity is not None:
        site[CENTROID_PNG] = reuse_bytes(
            cache,
            "centroid-png",
            centroid_heatmap_png,
            similarity.centroid_similarity,
            similarity.ordered_names,
            similarity_range(similarity.centroid_similarity),
            libraries=_PNG_LIBRARIES,
        )
    key = default_view(analysis)
    view = next((v for v in analysis.views if v.key == key and v.projection.dims == 2), None)
    if analysis.clustering is not None and view is not None:
        site[CLUSTER_MAP_PNG] = reuse_bytes(
            cache,
            "cluster-map-png",
            cluster_map_png,
            view.projection.coordinates,
            analysis.clustering.assignments,
            cluster_names(analysis.clustering),
            libraries=_PNG_LIBRARIES,
        )
    return site


# The libraries whose versions can change a PNG's bytes.
_PNG_LIBRARIES = ("numpy", "matplotlib", "pillow")
