"""Parameter constraints: what each admits and how the messages read."""

import numpy as np
import pytest

from reportgen.errors import AnalysisError
from reportgen.validation import (
    NONE,
    SEED,
    Choices,
    Interval,
    describe,
    problem,
    validate_params,
)


@pytest.mark.parametrize(
    ("constraint", "value", "admitted"),
    [
        (Interval(int, 2), 2, True),
        (Interval(int, 2), np.int64(5), True),
        (Interval(int, 2), 1, False),
        (Interval(int, 2), 2.0, False),  # a float is not an integer, even a whole one
        (Interval(int, 2), True, False),  # nor is a bool
        (Interval(float, 0.0, 1.0), 1, True),
        (Interval(float, 0.0, 1.0), 1.0000001, False),
        (Interval(float, 0.0, 1.0), float("nan"), False),
        (Interval(float, 0.0, closed="neither"), 0.0, False),
        (Interval(float, 0.0, 1.0, closed="left"), 1.0, False),
        (Interval(float, 0.0, 1.0, closed="right"), 0.0, False),
        (Choices(("cosine", "euclidean")), "cosine", True),
        (Choices(("cosine", "euclidean")), "manhattan", False),
        (NONE, None, True),
        (NONE, 0, False),
    ],
)
def test_what_a_constraint_admits(constraint, value, admitted):
    assert constraint.admits(value) is admitted


def test_messages_name_the_limit_and_the_kind_when_the_kind_is_wrong():
    assert problem((Interval(int, 1), NONE), 0) == ">= 1 or None"
    assert problem((Interval(int, 1), NONE), "x") == "an integer >= 1 or None"
    assert problem((Interval(float, 0.0, 1.0),), 2.0) == "between 0 and 1"
    assert problem((Interval(float, 1 / 3, low_text="1/3"),), 0.2) == ">= 1/3"
    assert problem(SEED, -1) == "between 0 and 2**32 - 1"
    assert problem(SEED, 7) is None
    assert describe((Interval(float, 0.0, closed="neither"),)) == "> 0"


def test_validate_params_names_the_owner_the_parameter_and_its_value():
    table = {"k": (Interval(int, 1),), "metric": (Choices(("cosine",)),)}
    validate_params("UMAP", table, {"k": 3, "metric": "cosine", "other": object()})
    with pytest.raises(AnalysisError, match=r"^UMAP k=0 must be >= 1$"):
        validate_params("UMAP", table, {"k": 0, "metric": "cosine"})
    with pytest.raises(AnalysisError, match=r"^metric='dot' must be one of cosine$"):
        validate_params("", table, {"metric": "dot"})
