"""The registry of projection methods: the built-in four, and what a new one needs.

``test_a_new_method_needs_one_declaration`` registers a fake method ("rp", a seeded random
projection) the way a new module of ``reportgen/analysis/projections/`` would declare it,
and checks that everything that lists views picks it up: the config (its own section,
validated before any work), the pipeline's steps and cache, the view buttons and titles,
report.json, the thresholds' aliases and the Embedding Projector's bookmarks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import reportgen
from reportgen.analysis.projections import (
    ConfigSection,
    MethodInputs,
    Projection,
    ProjectionMethod,
    ViewSpec,
    all_views,
    method_of,
    methods,
    registered,
    view_title,
)
from reportgen.config.declare import option
from reportgen.errors import ConfigError
from reportgen.thresholds import aliases, compared
from reportgen.validation import Interval

RP_PARAMETERS = {"scale": (Interval(float, 0.0, closed="neither"),)}


@dataclass(frozen=True)
class RpConfig:
    """The fake method's section: ``[rp]``, flags ``--rp-...``."""

    enabled: bool = option(False, "compute the random projection")
    scale: float = option(1.0, "scale of the axes", constraint=RP_PARAMETERS["scale"])


def _compute(inputs: MethodInputs, view: ViewSpec, params: Mapping[str, Any]) -> Projection:
    rng = np.random.default_rng(params["seed"])
    directions = rng.standard_normal((inputs.vectors.shape[1], view.dims))
    coordinates = (inputs.vectors @ directions * params["scale"]).astype(np.float32)
    return Projection(
        key=view.key,
        method="rp",
        coordinates=np.ascontiguousarray(coordinates),
        parameters=dict(params),
        axis_titles=("RP 1", "RP 2"),
    )


RP = ProjectionMethod(
    key="rp",
    title="Random projection",
    views=(ViewSpec("rp-2d", 2, "Random projection 2D"),),
    order=9,
    rank=9,
    parents=(),
    libraries=("numpy",),
    selected=lambda config: ("rp-2d",) if config.rp.enabled else (),
    params=lambda config: {"scale": config.rp.scale, "seed": config.seed},
    compute=_compute,
    projector_axes=lambda projection: ["linear-x", "linear-y"],
    bookmark_fields=lambda projection, config, label: {"rpScale": config.rp.scale},
    section=ConfigSection("rp", RpConfig, "rp-", "random projection"),
)


def test_the_built_in_methods_and_their_order():
    assert [m.key for m in methods()] == ["pca", "umap", "tsne", "custom"]
    assert [v.key for v in all_views()] == [
        "umap-2d",
        "umap-3d",
        "tsne-2d",
        "tsne-3d",
        "pca-2d",
        "pca-3d",
        "custom",
    ]
    assert view_title("tsne-3d") == "t-SNE 3D" and view_title("custom") == "Custom"
    assert method_of("pca-3d").key == "pca"
    with pytest.raises(KeyError):
        method_of("pacmap-2d")


def test_a_method_is_registered_only_once():
    with registered(RP), pytest.raises(ValueError, match="registered already"), registered(RP):
        pass
    assert "rp" not in [m.key for m in methods()]


def test_a_new_method_needs_one_declaration(workdir, tiny_vectors, tiny_labels):
    with registered(RP):
        # Its section is validated with the config, before any work.
        with pytest.raises(ConfigError, match=r"--rp-scale must be > 0, got 0\.0"):
            reportgen.build(tiny_vectors, labels=tiny_labels, out="bad", rp={"scale": 0.0})
        report = reportgen.build(
            tiny_vectors,
            labels=tiny_labels,
            out="site",
            umap=False,
            tsne=False,
            rp={"enabled": True, "scale": 2.0},
            fail_under={"rp_recall": 0.0},
        )
        assert aliases()["rp_recall"] == "projections.rp-2d.knn_recall"
        assert ("projections.rp-2d.trustworthiness", "Random projection 2D trustworthiness") in (
            compared()
        )
    quality = report.report["projections"]["rp-2d"]
    assert 0.0 <= quality["knn_recall"] <= 1.0
    assert report.report["provenance"]["config"]["rp"] == {"enabled": True, "scale": 2.0}
    page = (report.out / "projections.html").read_text()
    assert '"title":"Random projection 2D"' in page
    # Views follow the rank: PCA's before the new one's.
    assert page.index('"key":"pca-2d"') < page.index('"key":"rp-2d"')
    bookmarks = json.loads((report.out / "projector" / "bookmarks.json").read_text())
    mine = [b for b in bookmarks if b["label"] == "reportgen: Random projection 2D"]
    assert len(mine) == 1 and mine[0]["rpScale"] == 2.0
    assert mine[0]["selectedProjection"] == "rp"
    coordinates = (report.out / "exports" / "coordinates.csv").read_text().splitlines()[0]
    assert "rp-2d" in coordinates
