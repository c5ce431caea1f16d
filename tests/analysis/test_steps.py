"""The step loop: keys chained from parents, cache hits, lazy `wanted`, optional steps."""

from __future__ import annotations

import io

import numpy as np
import pytest

from reportgen.analysis.steps import DATA, Codec, Step, StepContext, run_steps
from reportgen.cache import Cache
from reportgen.config import Config
from reportgen.errors import AnalysisError
from reportgen.io import dataset_from_arrays
from reportgen.progress import Progress

SUM = Codec(
    encode=lambda value: ({"value": np.asarray([value])}, {}),
    decode=lambda arrays, value, context, params: float(arrays["value"][0]),
)


def _context(vectors: np.ndarray | None = None) -> StepContext:
    if vectors is None:
        vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    return StepContext(dataset_from_arrays(vectors), Config())


def _table(calls: list[str]) -> tuple[Step, ...]:
    def total(context, params):
        calls.append("total")
        return float(context.dataset.vectors.sum()) * params["scale"]

    def double(context, params):
        calls.append("double")
        return context["total"] * 2

    return (
        Step(
            "total",
            total,
            parents=(DATA,),
            params=lambda c: {"scale": 1.0},
            codec=SUM,
            progress="sums",
        ),
        Step("double", double, parents=("total",), codec=SUM, progress="sums"),
    )


def test_a_second_run_reads_every_cached_step(tmp_path):
    cache = Cache(tmp_path / "cache", 10**8)
    calls: list[str] = []
    first = run_steps(_table(calls), _context(), Progress(mode="quiet"), cache)
    assert first.results == {"total": 66.0, "double": 132.0} and calls == ["total", "double"]
    stream = io.StringIO()
    second = run_steps(_table(calls), _context(), Progress(stream, mode="plain"), cache)
    assert second.results == first.results and calls == ["total", "double"]
    assert "sums (cached)" in stream.getvalue()
    assert "analysis: all 1 steps from the cache" in stream.getvalue()


def test_new_data_changes_the_whole_key_chain(tmp_path):
    cache = Cache(tmp_path / "cache", 10**8)
    calls: list[str] = []
    run_steps(_table(calls), _context(), Progress(mode="quiet"), cache)
    other = np.ones((4, 3), dtype=np.float32)
    result = run_steps(_table(calls), _context(other), Progress(mode="quiet"), cache)
    assert result.results == {"total": 12.0, "double": 24.0}
    assert calls == ["total", "double", "total", "double"]


def test_wanted_is_asked_after_the_steps_before_it_ran():
    steps = (
        Step("first", lambda c, p: None, progress="group"),
        # Wanted only when "first" gave something: it gave None, so it does not run.
        Step("second", lambda c, p: 1, progress="group", wanted=lambda c: c.get("first")),
        Step("third", lambda c, p: 3, wanted=lambda c: "first" in c.results),
    )
    result = run_steps(steps, _context(), Progress(mode="quiet"), None)
    assert result.results == {"first": None, "third": 3}


def test_an_optional_step_fails_into_a_note_and_a_required_one_fails_the_build():
    def fail(context, params):
        raise AnalysisError("too few points")

    optional = Step("clusters", fail, optional=lambda c: True)
    result = run_steps((optional,), _context(), Progress(mode="quiet"), None)
    assert result.results == {"clusters": None}
    assert result.notes == ["no clusters: too few points"]
    assert result.skipped == {"clusters": "no clusters: too few points"}
    with pytest.raises(AnalysisError, match="too few points"):
        run_steps((Step("clusters", fail),), _context(), Progress(mode="quiet"), None)


def test_a_step_before_its_parent_is_a_bug_in_the_table():
    step = Step("double", lambda c, p: 0, parents=("total",))
    with pytest.raises(RuntimeError, match="runs before total"):
        run_steps((step,), _context(), Progress(mode="quiet"), None)
