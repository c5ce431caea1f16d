"""Parameter constraints, declared once per compute function and read by the config too.

A compute function declares a table ``{parameter: (constraint, ...)}`` (any one constraint
admitting the value is enough, as in scikit-learn's ``_parameter_constraints``) and checks
its arguments with ``validate_params`` first thing. The config's options point at the same
constraints (``option(..., constraint=UMAP_PARAMETERS["min_dist"])``), so a value that the
compute function would refuse is refused when the config is loaded, before any work, with
the same limit in the message.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from reportgen.errors import AnalysisError

__all__ = [
    "NONE",
    "SEED",
    "Choices",
    "Constraint",
    "Interval",
    "describe",
    "problem",
    "validate_params",
]

# The largest seed numpy, umap-learn and openTSNE all accept.
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class Interval:
    """A number of ``kind`` (int or float) within [low, high] (either end may be open or
    missing). ``int`` admits Python and numpy integers but not bools; ``float`` admits any
    finite real number except bools."""

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"  # "both", "left", "right" or "neither"
    low_text: str | None = None  # how messages write ``low`` ("1/3" rather than 0.333333)

    def admits(self, value: Any) -> bool:
        """Whether ``value`` is a number of this kind inside the interval."""
        if isinstance(value, bool):
            return False
        if self.kind is int and not isinstance(value, Integral):
            return False
        if not isinstance(value, Real) or not math.isfinite(value):
            return False
        low_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        high_ok = self.high is None or (
            value <= self.high if self.closed in ("both", "right") else value < self.high
        )
        return low_ok and high_ok

    def is_kind(self, value: Any) -> bool:
        """Whether ``value`` is a number of this kind, in range or not."""
        if isinstance(value, bool):
            return False
        return isinstance(value, Integral if self.kind is int else Real)

    def describe(self, *, with_kind: bool = False) -> str:
        """``">= 2"``, ``"between 0 and 1"``, ``"> 0"``; with ``with_kind``, ``"an integer
        >= 2"`` (for a value that is not even a number of the right kind)."""
        low = self.low_text or _number(self.low)
        high = _number(self.high)
        if self.low is not None and self.high is not None and self.closed == "both":
            text = f"between {low} and {high}"
        else:
            parts = []
            if self.low is not None:
                parts.append((">= " if self.closed in ("both", "left") else "> ") + low)
            if self.high is not None:
                parts.append(("<= " if self.closed in ("both", "right") else "< ") + high)
            text = " and ".join(parts)
        if with_kind or not text:
            kind = "an integer" if self.kind is int else "a finite number"
            return f"{kind} {text}".strip()
        return text


@dataclass(frozen=True)
class Choices:
    """One of a few values (strings)."""

    values: tuple[Any, ...]

    def admits(self, value: Any) -> bool:
        """Whether ``value`` is one of the choices."""
        return any(value == choice and type(value) is type(choice) for choice in self.values)

    def describe(self, *, with_kind: bool = False) -> str:
        """``"one of cosine, euclidean"``."""
        return "one of " + ", ".join(str(v) for v in self.values)


@dataclass(frozen=True)
class _NoneConstraint:
    """The value None (a parameter whose absence means a default)."""

    def admits(self, value: Any) -> bool:
        return value is None

    def describe(self, *, with_kind: bool = False) -> str:
        return "None"


Constraint = Interval | Choices | _NoneConstraint

# None admitted (write it last in a tuple: messages read "an integer >= 1 or None").
NONE = _NoneConstraint()
# Every seed: numpy's, umap-learn's and openTSNE's random states take 0 <= seed < 2**32.
# A size or budget that must be more than nothing (the site budgets in MB).
POSITIVE = Interval(float, 0, closed="neither")

SEED = (Interval(int, 0, MAX_SEED),)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if value == MAX_SEED:
        return "2**32 - 1"
    return f"{value:g}" if isinstance(value, float) else str(value)


_NO_VALUE = object()


def describe(constraints: Iterable[Constraint], value: Any = _NO_VALUE) -> str:
    """What a parameter must be: its constraints' descriptions joined by "or"; the number's
    kind is said too when a ``value`` is given that is not even a number of that kind."""
    return " or ".join(
        c.describe(
            with_kind=value is not _NO_VALUE and isinstance(c, Interval) and not c.is_kind(value)
        )
        for c in constraints
    )


def problem(constraints: tuple[Constraint, ...], value: Any) -> str | None:
    """None when some constraint admits ``value``, else what it must be."""
    if any(c.admits(value) for c in constraints):
        return None
    return describe(constraints, value)


def validate_params(
    owner: str, constraints: Mapping[str, tuple[Constraint, ...]], values: Mapping[str, Any]
) -> None:
    """Check ``values`` against a compute function's table, every parameter it names.

    Raises AnalysisError naming the first bad parameter, its value and the limit:
    ``UMAP min_dist=2.0 must be between 0 and 1``.
    """
    for name, allowed in constraints.items():
        if name not in values:
            continue
        wanted = problem(allowed, values[name])
        if wanted is not None:
            prefix = f"{owner} " if owner else ""
            raise AnalysisError(f"{prefix}{name}={values[name]!r} must be {wanted}")
