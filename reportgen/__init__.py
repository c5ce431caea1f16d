"""reportgen: embeddings, labels and metadata in; a self-contained static HTML report out.

import reportgen
report = reportgen.build(vectors, labels=labels, out="site")
report.index  # site/index.html
"""

from reportgen._version import __version__
from reportgen.api import build, load
from reportgen.build import Report
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.errors import (
    AnalysisError,
    ConfigError,
    InputError,
    PublishError,
    ReportgenError,
)

__all__ = [
    "AnalysisError",
    "Config",
    "ConfigError",
    "Dataset",
    "InputError",
    "PublishError",
    "Report",
    "ReportgenError",
    "__version__",
    "build",
    "load",
]
