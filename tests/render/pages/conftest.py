"""A render input made in-process from small seeded data, for the page contexts' tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from reportgen.analysis.pipeline import analyze
from reportgen.config import Config, InputConfig, ProjectionsConfig
from reportgen.io import dataset_from_arrays
from reportgen.progress import Progress
from reportgen.render.inputs import RenderInput, render_input

LABELS = ["cat"] * 15 + ["dog"] * 15 + ["bird"] * 10


def _vectors() -> np.ndarray:
    """40 vectors of 6 dims in 3 loose clusters (as tests/conftest.py's tiny_vectors)."""
    rng = np.random.default_rng(1234)
    centers = rng.normal(size=(3, 6)) * 4
    rows = np.repeat(centers, [15, 15, 10], axis=0) + rng.normal(size=(40, 6))
    return rows.astype(np.float32)


def make_inputs(
    *, labels: bool = True, texts: bool = False, baseline: dict | None = None, **sections
) -> RenderInput:
    """The render input of 40 labelled vectors, PCA only; ``sections`` replace parts of
    the config (``clusters=ClustersConfig(enabled=False)``)."""
    metadata = {"caption": [f"a {lab} number {i}" for i, lab in enumerate(LABELS)]}
    dataset = dataset_from_arrays(
        _vectors(),
        labels=LABELS if labels else None,
        metadata=metadata if texts else None,
        inp=InputConfig(text_column="caption" if texts else None),
    )
    config = Config(
        input=InputConfig(),
        projections=ProjectionsConfig(umap=False, tsne=False, custom_column=None),
    )
    config = replace(config, **sections)
    analysis = analyze(dataset, config, Progress(mode="quiet"))
    return render_input(dataset, analysis, config, baseline=baseline)


@pytest.fixture(scope="module")
def inputs() -> RenderInput:
    """40 labelled vectors, PCA only, with clusters and the Projector export."""
    return make_inputs()


@pytest.fixture(scope="module")
def make() -> Callable[..., RenderInput]:
    """``make_inputs``, for a test that needs another dataset or config."""
    return make_inputs
