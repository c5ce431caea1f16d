"""How a config option and a config section are declared (the schema's building blocks).

Kept apart from the schema itself so that a projection method's module can declare its own
section (``[umap]`` in ``analysis/projections/umap.py``) without importing the whole config.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from reportgen.validation import Constraint, Interval


def option(
    default: Any,
    help: str,
    *,
    choices: tuple[str, ...] | None = None,
    minimum: float | None = None,
    constraint: tuple[Constraint, ...] | None = None,
    flag: str | None = None,
) -> Any:
    """Declare one config option: its default, its help line, its allowed values, and
    (rarely) a flag name other than the section's prefix + its key.

    ``constraint`` is the compute function's own constraint for the parameter the option
    feeds (``UMAP_PARAMETERS["min_dist"]``), so the config refuses what the computation
    would; ``minimum`` is short for an option no compute function checks (a page budget).
    """
    if minimum is not None:
        if constraint is not None:
            raise TypeError("give either minimum or constraint")
        kind = float if isinstance(minimum, float) else int
        constraint = (Interval(kind, minimum),)
    return field(
        default=default,
        metadata={"help": help, "choices": choices, "constraint": constraint, "flag": flag},
    )


def section(cls: type, flag_prefix: str, help: str) -> Any:
    """Declare a config section; its options' flags start with ``flag_prefix``."""
    return field(
        default_factory=cls, metadata={"section": True, "flag_prefix": flag_prefix, "help": help}
    )
