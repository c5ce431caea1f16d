"""reportgen: embeddings, labels and metadata in; a self-contained static HTML report out.

    import reportgen
    report = reportgen.build(vectors, labels=labels, out="site")
    report.index  # site/index.html

The public names are imported on first use, so that ``reportgen --version`` and importing
one submodule stay fast (the build pulls in scikit-learn, plotly and, when a UMAP step runs,
umap-learn and numba).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reportgen._version import __version__
from reportgen.errors import (
    AnalysisError,
    BudgetError,
    ConfigError,
    EngineError,
    InputError,
    PublishError,
    ReportgenError,
)

if TYPE_CHECKING:
    from reportgen.api import build, load
    from reportgen.builder import Report
    from reportgen.config import Config
    from reportgen.dataset import Dataset

_LAZY = {
    "build": "reportgen.api",
    "load": "reportgen.api",
    "Report": "reportgen.builder",
    "Config": "reportgen.config",
    "Dataset": "reportgen.dataset",
}

__all__ = [
    "AnalysisError",
    "BudgetError",
    "Config",
    "ConfigError",
    "Dataset",
    "EngineError",
    "InputError",
    "PublishError",
    "Report",
    "ReportgenError",
    "__version__",
    "build",
    "load",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'reportgen' has no attribute {name!r}")
