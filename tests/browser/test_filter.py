"""The metadata filter in a real Chromium, from file://: a category's values or a number's
range; the points outside are dimmed (not hidden) in every view, and the filtered points
can become the selection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import reportgen
from tests.browser.scripts import DRAWN

pytestmark = pytest.mark.browser

N = 300
GROUPS = ["north", "south", "east"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, list[str], np.ndarray]:
    rng = np.random.default_rng(6)
    labels = [f"c{i % 3}" for i in range(N)]
    groups = [GROUPS[(i // 7) % 3] for i in range(N)]
    scores = np.round(rng.uniform(0, 10, size=N), 2)
    vectors = np.stack([rng.normal(size=8) + 4 * (i % 3) for i in range(N)])
    out = tmp_path_factory.mktemp("filter") / "site"
    reportgen.build(
        vectors.astype(np.float32), labels=labels,
        metadata={"group": groups, "score": scores.tolist()},
        out=out, tsne=False, umap__n_epochs=30,
    )  # fmt: skip
    return out, groups, scores


def test_a_filter_dims_the_points_outside_it_in_every_view(site, open_page):
    out, groups, scores = site
    page, log = open_page(out / "projections.html")
    page.goto((out / "projections.html").as_uri() + "#view=pca-2d")
    page.wait_for_selector('.rg-scatter[data-view="pca-2d"]')
    page.select_option("select[id$='rg-filter-column']", "group")
    values = page.locator("select[id$='rg-filter-values']")
    values.wait_for()
    values.select_option(label=["south", "east"])
    expected = sum(g in ("south", "east") for g in groups)
    page.wait_for_selector(f"output[id$='rg-filter-count'][data-count='{expected}']")
    page.wait_for_function(f"({DRAWN})().bright === {expected}")
    assert page.evaluate(DRAWN)["all"] == N + expected  # dimmed, not hidden
    page.click("[data-view='umap-2d']")
    page.wait_for_selector('.rg-scatter[data-view="umap-2d"]')
    page.wait_for_function(f"({DRAWN})().bright === {expected}")
    # A number's range, with its histogram.
    page.select_option("select[id$='rg-filter-column']", "score")
    page.wait_for_selector("[id$='rg-filter-range']:not([hidden])")
    assert page.locator(".rg-histogram-bar").count() == 20
    page.fill("input[id$='rg-filter-low']", "2.5")
    page.fill("input[id$='rg-filter-high']", "4")
    in_range = int(((scores >= 2.5) & (scores <= 4)).sum())
    page.wait_for_selector(f"output[id$='rg-filter-count'][data-count='{in_range}']")
    page.wait_for_function(f"({DRAWN})().bright === {in_range}")
    # The filtered points become the selection.
    page.click("button[id$='rg-select-filtered']")
    page.wait_for_function(
        f"document.querySelector('[data-selected]').dataset.selected === '{in_range}'"
    )
    page.select_option("select[id$='rg-filter-column']", "")
    page.wait_for_function(f"({DRAWN})().bright === {in_range}")  # the selection stays
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []
