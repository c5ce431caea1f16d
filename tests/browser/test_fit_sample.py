"""A view fitted on a sample in a real Chromium: the page states the sample, and the
quality panel gives the fitted and the placed points apart."""

from pathlib import Path

import numpy as np
import pytest

import reportgen

pytestmark = pytest.mark.browser

N, FIT = 900, 200


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(3, 10)) * 4
    codes = rng.integers(0, 3, size=N)
    vectors = (centres[codes] + rng.normal(size=(N, 10))).astype(np.float32)
    report = reportgen.build(
        vectors,
        labels=[f"group {c}" for c in codes],
        out=tmp_path_factory.mktemp("fit") / "site",
        fit_sample=FIT,
        tsne=False,
    )
    return report.out


def test_the_page_states_the_sample_and_both_parts(open_page, site: Path):
    page, log = open_page(site / "projections.html")
    page.wait_for_selector("#rg-scatter[data-view] .main-svg")
    note = page.locator("#rg-fit-note")
    assert note.is_visible()
    assert note.inner_text() == (
        f"UMAP fitted on {FIT} of {N} points (a seeded sample stratified by label); each "
        "other point placed next to its nearest fitted point in the original space"
    )
    parts = page.locator("#rg-quality-parts li").all_inner_texts()
    assert len(parts) == 2
    assert parts[0].startswith(f"Fitted {FIT} points: recall 0.")
    assert parts[1].startswith(f"Placed {N - FIT} points: recall 0.")
    # PCA is fitted on all points: neither the note nor the parts.
    page.locator("button[data-view='pca-2d']").click()
    page.wait_for_selector("#rg-scatter[data-view='pca-2d']")
    assert not note.is_visible()
    assert not page.locator("#rg-quality-parts").is_visible()
    assert log.console_errors == [] and log.page_errors == []
