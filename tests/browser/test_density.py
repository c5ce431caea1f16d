"""A sampled view in a real Chromium: its density layer of all N, its note, its weight."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import reportgen
from reportgen.analysis.density import compute_density, density_bins, log_levels

pytestmark = pytest.mark.browser

N, BUDGET = 2_000, 300


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """2,000 points in 4 unequal clusters with a text column, views sampled to 300 (PCA
    only: the density layer does not depend on the method, and PCA is fast)."""
    root = tmp_path_factory.mktemp("density")
    rng = np.random.default_rng(11)
    sizes = [900, 600, 350, 150]
    centers = rng.normal(size=(4, 12)) * 4
    vectors = (np.repeat(centers, sizes, axis=0) + rng.normal(size=(N, 12))).astype(np.float32)
    labels = [name for name, size in zip("abcd", sizes, strict=True) for _ in range(size)]
    metadata = {"label": labels, "caption": [f"caption of item {i}" for i in range(N)]}
    report = reportgen.build(
        vectors,
        metadata=metadata,
        text_column="caption",
        out=root / "site",
        umap=False,
        tsne=False,
        max_points_2d=BUDGET,
        max_points_3d=BUDGET,
    )
    return report.out


def _payload(site: Path, name: str) -> dict:
    text = (site / "data" / f"{name}.js").read_text()
    prefix = f'reportgen.receive("{name}",'
    assert text.startswith(prefix) and text.endswith(");\n")
    return json.loads(text[len(prefix) : -3])


def _levels(payload: dict) -> np.ndarray:
    import base64

    raw = np.frombuffer(base64.b64decode(payload["levels"]["b64"]), dtype=np.uint8)
    return raw.reshape(payload["levels"]["shape"])


def _pca_2d(site: Path) -> np.ndarray:
    with open(site / "exports" / "coordinates.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = [name for name in rows[0] if name.startswith("pca-2d")]
    assert len(names) == 2, rows[0].keys()
    return np.array([[float(row[name]) for name in names] for row in rows], dtype=np.float32)


def _open(open_page, site: Path, fragment: str = ""):
    page, log = open_page(site / "projections.html")
    if fragment:
        page.goto((site / "projections.html").resolve().as_uri() + fragment)
    page.wait_for_selector("#rg-scatter[data-view] .main-svg")
    return page, log


def test_the_density_payload_counts_every_point_of_the_view(site: Path):
    payload = _payload(site, "density-pca-2d")
    assert payload["n"] == N
    bins = density_bins(N)
    assert payload["levels"]["shape"] == [bins, bins]
    # the reference: the histogram of all N exported coordinates (exact floats)
    reference = compute_density("pca-2d", _pca_2d(site), bins)
    assert reference.n == N
    assert np.array_equal(_levels(payload), log_levels(reference.counts))
    assert payload["max"] == reference.counts.max()
    assert payload["x"] == list(reference.x_range) and payload["y"] == list(reference.y_range)
    assert not (site / "data" / "density-pca-3d.js").exists()  # 3D: the sample only


def test_a_sampled_view_draws_over_its_density_layer(site: Path, open_page):
    page, log = _open(open_page, site)
    assert page.get_attribute("#rg-scatter", "data-view") == "pca-2d"
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []
    assert any(url.endswith("/data/density-pca-2d.js") for url in log.requests)
    note = page.text_content("#rg-sample-note")
    assert "showing 300 of 2,000 points" in note
    assert "density of all 2,000 points" in note
    assert "Search and the inspector mark the shown points" in note
    drawn = page.evaluate(
        """() => {
          const plot = document.getElementById('rg-scatter');
          const heat = plot._fullData[0];
          const filled = heat.z.flat().filter(v => v !== null).length;
          return {types: plot._fullData.map(t => t.type), filled: filled,
                  left: heat.x0 - heat.dx / 2, bottom: heat.y0 - heat.dy / 2,
                  right: heat.x0 + heat.dx * (heat.z[0].length - 0.5),
                  points: plot._fullData.slice(1).reduce((s, t) => s + t.x.length, 0),
                  images: plot.querySelectorAll('.heatmaplayer image').length,
                  xrange: plot._fullLayout.xaxis.range};
        }"""
    )
    assert drawn["types"][0] == "heatmap"  # first: under the points
    assert set(drawn["types"][1:]) == {"scattergl"}
    assert drawn["points"] == BUDGET
    assert drawn["images"] == 1
    payload = _payload(site, "density-pca-2d")
    assert drawn["filled"] == int((_levels(payload) > 0).sum())
    # the grid lies on the axes the points use: its edges are the data's range
    assert drawn["left"] == pytest.approx(payload["x"][0], abs=1e-9)
    assert drawn["right"] == pytest.approx(payload["x"][1], abs=1e-9)
    assert drawn["bottom"] == pytest.approx(payload["y"][0], abs=1e-9)
    assert drawn["xrange"][0] <= payload["x"][0] and drawn["xrange"][1] >= payload["x"][1]


def test_a_3d_view_says_it_draws_the_sample_only(site: Path, open_page):
    page, log = _open(open_page, site, "#view=pca-3d")
    page.wait_for_selector("#rg-scatter[data-view='pca-3d']")
    assert "3D views draw the sample only" in page.text_content("#rg-sample-note")
    types = page.evaluate("document.getElementById('rg-scatter')._fullData.map(t => t.type)")
    assert "heatmap" not in types
    assert log.console_errors == [] and log.page_errors == []


def test_opening_loads_what_the_first_view_needs_and_hover_the_rest(site: Path, open_page):
    page, log = _open(open_page, site)
    page.wait_for_timeout(500)  # nothing else may follow the first view on its own
    loaded = [url for url in log.requests if url.startswith("file://")]
    names = {Path(url).name for url in loaded}
    assert not any(name.startswith(("column-", "neighbors")) for name in names), names
    # Bytes per point on open: the page and its data (the assets are code of a fixed
    # size, shared by every page and cached; plotly.js is excluded by the standard).
    per_point = [Path(url.removeprefix("file://")) for url in loaded if "/assets/" not in url]
    weight = sum(path.stat().st_size for path in per_point) / N
    assert weight <= 16, (weight, per_point)
    # The first hover loads the text column and shows it in the tooltip.
    position = page.evaluate(
        """() => {
          const plot = document.getElementById('rg-scatter');
          const trace = plot._fullData[1], xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis;
          const box = plot.getBoundingClientRect();
          return [box.left + xa._offset + xa.l2p(trace.x[0]),
                  box.top + ya._offset + ya.l2p(trace.y[0])];
        }"""
    )
    page.mouse.move(position[0] - 30, position[1] - 30)
    page.mouse.move(*position)
    page.wait_for_selector(".rg-tooltip:not([hidden]) dd")
    assert "caption of item" in page.text_content(".rg-tooltip")
    assert any("/data/column-" in url for url in log.requests)
    # A click on a shown point (not on the density under it) opens it in the inspector.
    page.mouse.click(*position)
    page.wait_for_selector("#rg-neighbor-list button")
    assert "caption of item" in page.text_content(".rg-inspector-details")
    assert log.console_errors == [] and log.page_errors == []


def test_uncoloured_points_keep_their_colour_over_the_density(site: Path, open_page):
    # Regression: Plotly colours an uncoloured trace by its place, and the density layer
    # took the first place, so the points turned orange.
    page, _ = _open(open_page, site, "#view=pca-2d&color=__none")
    page.wait_for_function(
        "document.getElementById('rg-scatter')._fullData.length === 2"
        " && document.getElementById('rg-scatter')._fullData[1].name === 'points'"
    )
    colour = page.evaluate("document.getElementById('rg-scatter')._fullData[1].marker.color")
    assert colour == "#0072B2"


def _decoded(payload: dict, name: str, dtype: str) -> np.ndarray:
    import base64

    raw = np.frombuffer(base64.b64decode(payload[name]["b64"]), dtype=dtype)
    return raw.reshape(payload[name]["shape"])


def test_neighbour_lists_are_carried_for_the_shown_points_only(site: Path, open_page):
    payload = _payload(site, "neighbors")
    rows = _decoded(payload, "rows", "int32")
    indices = _decoded(payload, "indices", "int32")
    # 2D and 3D draw the same stratified sample here: 300 lists of 2,000.
    assert len(rows) == BUDGET and np.array_equal(rows, np.unique(rows))
    assert indices.shape == (BUDGET, 10)
    with open(site / "exports" / "neighbors.csv", newline="") as handle:
        exported = list(csv.DictReader(handle))
    first = int(rows[0])
    listed = [int(r["neighbor"]) for r in exported if int(r["index"]) == first]
    assert sorted(indices[0].tolist()) == sorted(listed)
    # A point no view shows, opened by its link: its details, and why no list.
    hidden = next(row for row in range(N) if row not in set(rows.tolist()))
    page, log = _open(open_page, site, f"#point={hidden}")
    page.wait_for_selector("#rg-neighbors-absent")
    assert "shown points only" in page.text_content("#rg-neighbors-absent")
    assert page.locator("#rg-neighbor-list li").count() == 0
    assert log.console_errors == [] and log.page_errors == []


def test_text_is_carried_for_the_shown_points_only(site: Path, open_page):
    """The caption column carries the text of the 300 shown points (the rows the
    neighbour lists are carried for); the inspector shows a shown point's caption, and a
    point no view shows has none; the label codes stay for every point."""
    listed = _decoded(_payload(site, "neighbors"), "rows", "int32")
    payloads = [_payload(site, path.stem) for path in sorted((site / "data").glob("column-*.js"))]
    text = next(p for p in payloads if "rows" in p)
    assert np.array_equal(_decoded(text, "rows", "int32"), listed)
    assert text["text"] == [f"caption of item {row}" for row in listed]
    assert all(len(_decoded(p, "codes", "uint8")) == N for p in payloads if "codes" in p)
    shown, hidden = int(listed[3]), next(r for r in range(N) if r not in set(listed.tolist()))
    page, log = _open(open_page, site, f"#point={shown}")
    details = page.locator("#rg-inspector .rg-inspector-details")
    details.filter(has_text=f"caption of item {shown}").wait_for()
    page.goto((site / "projections.html").resolve().as_uri() + f"#point={hidden}")
    page.wait_for_selector("#rg-neighbors-absent")
    assert "caption of item" not in details.text_content()
    assert "text are carried for the shown points only" in page.text_content("#rg-neighbors-absent")
    # Search reads the carried text: a shown point's caption is found, a hidden one's not.
    page.select_option("#rg-search-column", "caption")
    page.check("#rg-search-regex")
    page.fill("#rg-search", f"^caption of item ({shown}|{hidden})$")
    page.wait_for_selector("#rg-search-count[data-count='1']")
    assert log.console_errors == [] and log.page_errors == []
