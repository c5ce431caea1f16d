"""End-to-end builds in-process: determinism, atomicity and the Python API."""

import json
from pathlib import Path

import numpy as np
import pytest

import reportgen
from reportgen.errors import ConfigError, InputError, PublishError
from reportgen.publish import MARKER
from tests.helpers import read_tree


def test_the_site_has_its_files(npy_dataset: Path):
    report = reportgen.build(npy_dataset, metadata="metadata.tsv", out="site")
    files = set(read_tree(report.out))
    assert {
        "index.html",
        "report.json",
        "summary.md",
        ".nojekyll",
        MARKER,
        "assets/plotly.min.js",
        "assets/reportgen.css",
        "assets/reportgen.js",
    } <= files
    on_disk = json.loads((report.out / "report.json").read_text())
    assert on_disk == report.report
    assert on_disk["schema"] == "reportgen/report/v1"
    assert on_disk["dataset"]["n"] == 40 and on_disk["dataset"]["dim"] == 6
    assert on_disk["dataset"]["label_column"] == "label"
    assert on_disk["dataset"]["label_counts"] == {"cat": 15, "dog": 15, "bird": 10}


def test_plotly_js_is_the_installed_one(npy_dataset: Path):
    from importlib import resources

    report = reportgen.build(npy_dataset, out="site")
    shipped = (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()
    assert (report.out / "assets" / "plotly.min.js").read_bytes() == shipped


def test_two_builds_are_byte_identical(npy_dataset: Path):
    first = reportgen.build(npy_dataset, metadata="metadata.tsv", out="one")
    second = reportgen.build(npy_dataset, metadata="metadata.tsv", out="two")
    a, b = read_tree(first.out), read_tree(second.out)
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name] == b[name], name


def test_the_site_holds_no_timestamp_or_absolute_path(npy_dataset: Path):
    report = reportgen.build(npy_dataset, metadata="metadata.tsv", out="site")
    workdir = str(npy_dataset.parent.resolve())
    for name, content in read_tree(report.out).items():
        if name.endswith((".html", ".json", ".md")):
            text = content.decode()
            assert workdir not in text, name


def test_provenance_records_versions_seed_config_and_hashes(npy_dataset: Path):
    import hashlib

    report = reportgen.build(npy_dataset, metadata="metadata.tsv", out="site", seed=5)
    provenance = report.report["provenance"]
    assert provenance["reportgen"] == reportgen.__version__
    assert provenance["seed"] == 5 and provenance["config"]["seed"] == 5
    assert "numpy" in provenance["libraries"]
    inputs = {i["role"]: i for i in provenance["inputs"]}
    assert inputs["vectors"]["sha256"] == hashlib.sha256(npy_dataset.read_bytes()).hexdigest()
    assert inputs["vectors"]["name"] == "vectors.npy"
    footer = (report.out / "index.html").read_text()
    assert inputs["vectors"]["sha256"][:12] in footer


def test_a_failure_while_rendering_leaves_the_previous_site(
    npy_dataset: Path, monkeypatch: pytest.MonkeyPatch
):
    reportgen.build(npy_dataset, metadata="metadata.tsv", out="site")
    before = read_tree(Path("site"))

    from reportgen.render import site as site_module

    real = site_module.render_template

    def fail_on_summary(name, **context):
        if name.startswith("summary"):
            raise RuntimeError("template exploded")
        return real(name, **context)

    monkeypatch.setattr(site_module, "render_template", fail_on_summary)
    with pytest.raises(RuntimeError, match="template exploded"):
        reportgen.build(npy_dataset, metadata="metadata.tsv", out="site", seed=9)
    assert read_tree(Path("site")) == before
    assert sorted(p.name for p in Path.cwd().iterdir()) == [
        "metadata.tsv",
        "site",
        "vectors.npy",
    ]


def test_bad_input_leaves_the_previous_site(npy_dataset: Path):
    reportgen.build(npy_dataset, out="site")
    before = read_tree(Path("site"))
    Path("bad.csv").write_text("1,2\n3,x\n5,6\n")
    with pytest.raises(InputError, match=r"bad\.csv: line 2, column 2"):
        reportgen.build("bad.csv", out="site")
    assert read_tree(Path("site")) == before


def test_api_arrays_labels_and_options(workdir: Path, tiny_vectors, tiny_labels):
    report = reportgen.build(tiny_vectors, labels=tiny_labels, out="site", render__title="Pets")
    assert report.report["dataset"]["label_counts"]["cat"] == 15
    assert "Pets" in (report.out / "index.html").read_text()
    assert report.index == Path("site") / "index.html"


def test_api_metadata_mapping(workdir: Path, tiny_vectors, tiny_labels):
    report = reportgen.build(
        tiny_vectors, metadata={"species": tiny_labels}, label_column="species", out="site"
    )
    assert report.report["dataset"]["label_column"] == "species"


def test_api_reads_no_config_file_it_was_not_given(workdir: Path, tiny_vectors):
    Path("reportgen.toml").write_text("seed = 99\n")
    report = reportgen.build(tiny_vectors, out="site")
    assert report.report["provenance"]["seed"] == 0
    given = reportgen.build(tiny_vectors, out="site2", config_file="reportgen.toml")
    assert given.report["provenance"]["seed"] == 99


def test_api_rejects_unknown_options(workdir: Path, tiny_vectors):
    with pytest.raises(ConfigError, match="did you mean"):
        reportgen.build(tiny_vectors, out="site", sede=1)


def test_api_refuses_a_foreign_folder(workdir: Path, tiny_vectors):
    Path("site").mkdir()
    Path("site", "notes.txt").write_text("mine")
    with pytest.raises(PublishError, match="--force"):
        reportgen.build(tiny_vectors, out="site")
    reportgen.build(tiny_vectors, out="site", force=True)
    assert not Path("site", "notes.txt").exists()


def test_load_returns_the_validated_dataset(npy_dataset: Path):
    dataset = reportgen.load(npy_dataset, metadata="metadata.tsv")
    assert dataset.vectors.dtype == np.float32 and dataset.vectors.shape == (40, 6)
    assert dataset.labels[:2] == ["cat", "cat"]


def test_the_demo_through_the_api(workdir: Path):
    report = reportgen.build(None, out="site", demo="digits", umap=False, tsne=False)
    dataset = report.report["dataset"]
    assert (dataset["n"], dataset["dim"], dataset["name"]) == (1797, 64, "digits")
    assert sorted(dataset["label_counts"]) == [str(d) for d in range(10)]
    assert sum(dataset["label_counts"].values()) == 1797


def test_build_stays_the_function_after_its_module_is_imported():
    # regression: a submodule named reportgen/build.py replaced the lazy `reportgen.build`
    import reportgen.builder

    assert callable(reportgen.build) and reportgen.build.__module__ == "reportgen.api"


def test_an_approximate_graph_states_its_recall(tmp_path: Path):
    """Above [neighbors] exact_max_n (lowered here) the graph is faiss's; report.json and the
    pages carry its recall measured on the seeded probe rows."""
    rng = np.random.default_rng(0)
    middles = rng.normal(size=(6, 16)) * 3
    vectors = (middles[rng.integers(0, 6, 2000)] + rng.normal(size=(2000, 16))).astype(np.float32)
    np.save(tmp_path / "vectors.npy", vectors)
    report = reportgen.build(
        tmp_path / "vectors.npy",
        out=tmp_path / "site",
        neighbors={"exact_max_n": 500},
        projections={"umap": False, "tsne": False},
        clusters={"enabled": False},
    )
    neighbors = report.report["neighbors"]
    assert neighbors["method"] == "faiss" and neighbors["probe_size"] == 2000
    assert 0.9 <= neighbors["recall"] <= 1
    stated = (
        f"IVF-Flat on faiss k-means lists, recall {neighbors['recall']:.3f} on 2,000 probe points"
    )
    for page in ("index.html", "projections.html", "summary.md"):
        assert stated in (report.out / page).read_text(), page
