"""Projection methods: one module each, found and ordered by the registry.

A method module (``pca.py``, ``umap.py``, ...) declares ``METHOD``, a ``ProjectionMethod``:
its key, title, views, parents, parameters and config section, its compute function and
its Embedding Projector bookmark fields. Everything that lists views (the pipeline's
steps, the view buttons, the thresholds' aliases, the titles, the bookmarks) reads
``methods()``; adding a method is one new module here (and its test).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager

from reportgen.analysis.projections.base import (
    ConfigSection,
    MethodInputs,
    Projection,
    ProjectionMethod,
    ViewSpec,
    fit_to_size,
)
from reportgen.analysis.projections.custom import compute_custom
from reportgen.analysis.projections.pca import PcaResult, compute_pca, pca_projections
from reportgen.analysis.projections.tsne import compute_tsne
from reportgen.analysis.projections.umap import compute_umap

__all__ = [
    "ConfigSection",
    "MethodInputs",
    "PcaResult",
    "Projection",
    "ProjectionMethod",
    "ViewSpec",
    "all_views",
    "compute_custom",
    "compute_pca",
    "compute_tsne",
    "compute_umap",
    "fit_to_size",
    "method_of",
    "methods",
    "pca_projections",
    "registered",
    "view_title",
]

_NOT_METHODS = ("base",)
_registered: list[ProjectionMethod] = []


def _discover() -> list[ProjectionMethod]:
    """The METHOD of every module of this package, in their ``order``."""
    found = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name in _NOT_METHODS or module.name.startswith("_"):
            continue
        method = getattr(importlib.import_module(f"{__name__}.{module.name}"), "METHOD", None)
        if isinstance(method, ProjectionMethod):
            found.append(method)
    return found


_BUILT_IN = tuple(_discover())


def methods() -> tuple[ProjectionMethod, ...]:
    """Every projection method, in their ``order`` (PCA, UMAP, t-SNE, custom)."""
    return tuple(sorted((*_BUILT_IN, *_registered), key=lambda m: (m.order, m.key)))


def all_views() -> tuple[ViewSpec, ...]:
    """Every view any method can compute, in display order (UMAP 2D first)."""
    ranked = sorted(methods(), key=lambda m: (m.rank, m.key))
    return tuple(view for method in ranked for view in method.views)


def method_of(view_key: str) -> ProjectionMethod:
    """The method that computes view ``view_key`` ("umap-2d" -> UMAP)."""
    for method in methods():
        if any(view.key == view_key for view in method.views):
            return method
    raise KeyError(view_key)


def view_title(view_key: str) -> str:
    """A view's title: "UMAP 2D", "t-SNE 3D", "Custom"."""
    return method_of(view_key).view(view_key).title


@contextmanager
def registered(method: ProjectionMethod) -> Iterator[ProjectionMethod]:
    """Add ``method`` to the registry while the block runs (for tests and plugins that are
    not modules of this package)."""
    if any(m.key == method.key for m in methods()):
        raise ValueError(f"a projection method {method.key!r} is registered already")
    _registered.append(method)
    try:
        yield method
    finally:
        _registered.remove(method)
