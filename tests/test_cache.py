"""The analysis cache: an unchanged rebuild computes nothing and writes the same site; a
changed parameter recomputes only what depends on it; a damaged entry is never trusted."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import reportgen
from reportgen import cache as cache_module
from reportgen.analysis import pipeline
from reportgen.analysis.projections import custom, tsne, umap
from reportgen.cache import MARKER, Cache, default_folder
from reportgen.cli import main
from tests.helpers import read_tree

# Every function the pipeline's steps call that a cache hit saves, and its caller's module.
COUNTED = (
    (pipeline, "compute_knn_graph"),
    (pipeline, "compute_pca"),
    (umap, "compute_umap"),
    (tsne, "compute_tsne"),
    (custom, "compute_custom"),
    (pipeline, "compute_qualities"),
    (pipeline, "compute_clusters"),
    (pipeline, "describe_clusters"),
    (pipeline, "compute_similarity"),
    (pipeline, "hubness"),
)

FAST = {"umap": False, "tsne": False}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """How many times each analysis step ran (cleared by the test between builds)."""
    counter: Counter = Counter()
    for module, name in COUNTED:
        real = getattr(module, name)

        def counting(*args, _real=real, _name=name, **kwargs):
            counter[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, counting)
    return counter


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """How many times each slow rendered file was formatted (a producer: when it ran)."""
    from reportgen.render import budget, images, projector

    counter: Counter = Counter()
    for module, name in (
        (projector, "bookmarks_json"),
        (images, "centroid_heatmap_png"),
        (images, "cluster_map_png"),
    ):
        real = getattr(module, name)

        def counting(*args, _real=real, _name=name):
            counter[_name] += 1
            return _real(*args)

        monkeypatch.setattr(module, name, counting)
    for module, name in (
        (projector, "tensor_tsv"),
        (budget, "coordinates_csv"),
        (budget, "neighbors_csv"),
    ):
        real = getattr(module, name)

        def counting_producer(*args, _real=real, _name=name):
            producer = _real(*args)

            def produce(target):
                counter[_name] += 1
                producer(target)

            return produce

        monkeypatch.setattr(module, name, counting_producer)
    return counter


def _captions(n: int) -> list[str]:
    words = ["red apple", "green leaf", "blue sea", "grey stone"]
    return [f"{words[i % 4]} number {i}" for i in range(n)]


def _build(vectors, labels, out: str, **options) -> reportgen.Report:
    metadata = {"label": labels, "caption": _captions(len(labels))}
    return reportgen.build(vectors, metadata=metadata, out=out, text_column="caption", **options)


def _entries(folder: Path, step: str, suffix: str = ".npz") -> list[Path]:
    return sorted(
        path
        for path in folder.glob(f"{step}-*{suffix}")
        if len(path.name) == len(step) + 1 + 64 + len(suffix)
    )


# --- rebuilds -----------------------------------------------------------------------------------


def test_a_rebuild_computes_nothing_and_writes_the_same_site(
    workdir, tiny_vectors, tiny_labels, calls, renders, cache_dir
):
    custom = {"custom_column": "label", "custom_left": "^cat$", "custom_right": "^dog$"}
    _build(tiny_vectors, tiny_labels, "one", **custom)
    assert set(calls) == {name for _, name in COUNTED}
    assert set(renders) == {
        "bookmarks_json",
        "centroid_heatmap_png",
        "cluster_map_png",
        "tensor_tsv",
        "coordinates_csv",
        "neighbors_csv",
    }
    calls.clear()
    renders.clear()
    _build(tiny_vectors, tiny_labels, "two", **custom)
    assert calls == {}
    assert renders == {}
    first, second = read_tree(workdir / "one"), read_tree(workdir / "two")
    assert "projector/tensors.tsv" in first and "images/cluster-map.png" in first
    assert first == second


def test_a_rebuild_says_it_came_from_the_cache(npy_dataset, capsys):
    args = ["build", "vectors.npy", "--metadata", "metadata.tsv", "--no-tsne"]
    assert main([*args, "--out", "one"]) == 0
    assert "cached" not in capsys.readouterr().err
    assert main([*args, "--out", "two"]) == 0
    err = capsys.readouterr().err
    assert "reportgen: umap-2d (cached) " in err
    assert "reportgen: analysis: all 8 steps from the cache" in err
    assert main([*args, "--out", "three", "--umap-min-dist", "0.3"]) == 0
    err = capsys.readouterr().err
    assert "reportgen: umap-2d 0" in err and "reportgen: pca (cached)" in err
    assert "reportgen: quality 0" in err
    assert "5 of 8 steps from the cache; computed umap-2d, umap-3d, quality" in err


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ({"umap__min_dist": 0.3}, {"compute_umap": 2, "compute_qualities": 1}),
        ({"tsne__n_iter": 300}, {"compute_tsne": 1, "compute_qualities": 1}),
        ({"clusters__k": 2}, {"compute_clusters": 1, "describe_clusters": 1}),
        ({"similarity__sample_size": 20}, {"compute_similarity": 1}),
        (
            {
                "projections__trustworthiness_sample": 11,
                "projections__trustworthiness_exact_max_n": 3,
            },
            {"compute_qualities": 1},
        ),
    ],
    ids=["umap-min-dist", "tsne-n-iter", "clusters-k", "similarity-sample", "trust-sample"],
)
def test_a_changed_parameter_recomputes_only_what_depends_on_it(
    workdir, tiny_vectors, tiny_labels, calls, option, expected
):
    _build(tiny_vectors, tiny_labels, "one")
    calls.clear()
    _build(tiny_vectors, tiny_labels, "two", **option)
    assert calls == expected


def test_a_new_seed_keeps_the_exact_graph_and_pca(workdir, tiny_vectors, tiny_labels, calls):
    _build(tiny_vectors, tiny_labels, "one")
    calls.clear()
    _build(tiny_vectors, tiny_labels, "two", seed=7)
    assert "compute_knn_graph" not in calls and "compute_pca" not in calls
    assert calls["compute_umap"] == 2 and calls["compute_clusters"] == 1


def test_new_labels_recompute_no_projection(workdir, tiny_vectors, tiny_labels, calls):
    _build(tiny_vectors, tiny_labels, "one")
    calls.clear()
    relabelled = ["fish" if label == "bird" else label for label in tiny_labels]
    report = _build(tiny_vectors, relabelled, "two")
    assert calls == {"describe_clusters": 1, "compute_similarity": 1}
    pairs = report.report["similarity"]["confusable_pairs"]
    assert "fish" in {pair["a"] for pair in pairs} | {pair["b"] for pair in pairs}
    assert "fish" in (workdir / "two" / "exports" / "coordinates.csv").read_text()


def test_the_data_key_hashes_the_numbers_not_the_file(workdir, tiny_vectors, calls):
    np.save(workdir / "c.npy", np.ascontiguousarray(tiny_vectors))
    np.save(workdir / "f.npy", np.asfortranarray(tiny_vectors))
    assert (workdir / "c.npy").read_bytes() != (workdir / "f.npy").read_bytes()
    reportgen.build("c.npy", out="one", **FAST)
    calls.clear()
    reportgen.build("f.npy", out="two", **FAST)
    assert calls == {}


def test_no_cache_writes_nothing(npy_dataset, cache_dir, calls):
    args = ["build", "vectors.npy", "--no-umap", "--no-tsne", "--no-cache", "-q"]
    assert main([*args, "--out", "one"]) == 0
    assert main([*args, "--out", "two"]) == 0
    assert not cache_dir.exists()
    assert calls["compute_knn_graph"] == 2


def test_cache_dir_overrides_the_environment(workdir, tiny_vectors, cache_dir, tmp_path):
    chosen = tmp_path / "chosen"
    reportgen.build(tiny_vectors, out="one", cache={"dir": chosen}, **FAST)
    assert _entries(chosen, "knn-graph") and not cache_dir.exists()
    assert (chosen / MARKER).read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_a_folder_that_is_not_a_cache_is_left_alone(workdir, tiny_vectors, tmp_path, caplog):
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with caplog.at_level(logging.WARNING, logger="reportgen"):
        reportgen.build(tiny_vectors, out="one", cache={"dir": foreign}, **FAST)
    assert [p.name for p in foreign.iterdir()] == ["thesis.tex"]
    assert "is not a reportgen cache" in caplog.text


def test_a_warm_build_imports_no_umap_numba_or_opentsne(npy_dataset):
    args = ["build", "vectors.npy", "--metadata", "metadata.tsv", "-q"]
    assert main([*args, "--out", "one"]) == 0
    script = (
        "import sys\n"
        "from reportgen.cli import main\n"
        f"code = main({[*args, '--out', 'two']!r})\n"
        "heavy = ['umap', 'numba', 'pynndescent', 'openTSNE']\n"
        "print([name for name in heavy if name in sys.modules])\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=npy_dataset.parent, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert read_tree(npy_dataset.parent / "one") == read_tree(npy_dataset.parent / "two")


# --- damaged entries ----------------------------------------------------------------------------


def _damage(path: Path, how: str, folder: Path) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(b"not a zip file at all " * 40)
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "flipped-byte":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    elif how == "other-key":
        # a valid entry of another step under this name: its record names another key
        path.write_bytes(_entries(folder, "pca")[0].read_bytes())
    elif how == "wrong-shape":
        step, key = path.stem[:-65], path.stem[-64:]
        wrong = {
            "indices": np.zeros((3, 2), dtype=np.int32),
            "distances": np.zeros((3, 2), dtype=np.float32),
            "similarities": np.zeros((3, 2), dtype=np.float32),
        }
        Cache(folder, 2**30).put(step, key, wrong, {"metric": "cosine", "method": "exact"})
    elif how == "bare-npy":
        with open(path, "wb") as stream:
            np.save(stream, np.zeros(3))
    elif how == "pickle":
        step, key = path.stem[:-65], path.stem[-64:]
        record = b'{"format": 1, "step": "%s", "key": "%s", "value": {}}' % (
            step.encode(),
            key.encode(),
        )
        np.savez(
            path.with_suffix(".tmp.npz"),
            indices=np.array([object()], dtype=object),
            __record__=np.frombuffer(record, dtype=np.uint8),
        )
        os.replace(path.with_suffix(".tmp.npz"), path)
    else:
        raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "truncated",
        "garbage",
        "empty",
        "flipped-byte",
        "other-key",
        "wrong-shape",
        "bare-npy",
        "pickle",
    ],
)
def test_a_damaged_entry_is_recomputed(
    workdir, tiny_vectors, tiny_labels, calls, cache_dir, how, caplog
):
    _build(tiny_vectors, tiny_labels, "one", **FAST)
    (entry,) = _entries(cache_dir, "knn-graph")
    _damage(entry, how, cache_dir)
    calls.clear()
    with caplog.at_level(logging.DEBUG, logger="reportgen"):
        _build(tiny_vectors, tiny_labels, "two", **FAST)
    assert calls == {"compute_knn_graph": 1}
    assert f"discarded {entry.name}" in caplog.text
    assert read_tree(workdir / "one") == read_tree(workdir / "two")
    calls.clear()
    _build(tiny_vectors, tiny_labels, "three", **FAST)  # the entry was written again
    assert calls == {}


@pytest.mark.parametrize("step", ["tensors-tsv", "neighbors-csv", "cluster-map-png"])
@pytest.mark.parametrize("how", ["truncated", "flipped-byte", "garbage"])
def test_a_damaged_rendered_file_is_rendered_again(
    workdir, tiny_vectors, tiny_labels, cache_dir, step, how
):
    _build(tiny_vectors, tiny_labels, "one", **FAST)
    (blob,) = _entries(cache_dir, step, ".blob")
    _damage(blob, how, cache_dir)
    _build(tiny_vectors, tiny_labels, "two", **FAST)
    assert read_tree(workdir / "one") == read_tree(workdir / "two")
    (blob,) = _entries(cache_dir, step, ".blob")
    assert Cache(cache_dir, 2**30).read_blob(step, blob.stem[-64:]) is not None


# --- the store ----------------------------------------------------------------------------------


def _array(size: int, fill: int) -> dict[str, np.ndarray]:
    return {"values": np.full(size, fill, dtype=np.uint8)}


def _decode(arrays, value):
    return arrays["values"]


KEYS = {name: f"{index:064x}" for index, name in enumerate("abcdefgh", start=1)}


def test_concurrent_writers_leave_no_partial_files(tmp_path):
    folder = tmp_path / "cache"
    size = 4 * 2**20  # large enough that a write takes a while
    stop = threading.Event()
    problems = []

    def write(fill: int) -> None:
        store = Cache(folder, 2**30)
        for _ in range(5):
            store.put("step", KEYS["a"], _array(size, 7), {"fill": 7})
            store.put("step", KEYS[f"{'bcd'[fill]}"], _array(size, fill), {"fill": fill})

    def read() -> None:
        store = Cache(folder, 2**30)
        path = folder / f"step-{KEYS['a']}.npz"
        while not stop.is_set():
            existed = path.exists()
            found = store.get("step", KEYS["a"], _decode)
            if existed and (found is None or found.shape != (size,) or found[-1] != 7):
                problems.append("a reader saw a partial entry")

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(fill,)) for fill in range(3)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    reader.join()
    assert problems == []
    names = sorted(p.name for p in folder.iterdir())
    assert names == [MARKER, *sorted(f"step-{KEYS[k]}.npz" for k in "abcd")]


def test_a_failed_write_leaves_no_file(tmp_path, monkeypatch, caplog):
    folder = tmp_path / "cache"

    def disk_full(stream, **arrays):
        stream.write(b"PK\x03\x04 half an entry")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module.np, "savez", disk_full)
    store = Cache(folder, 2**30)
    with caplog.at_level(logging.WARNING, logger="reportgen"):
        store.put("step", KEYS["a"], _array(10, 1), {})
    assert "No space left" in caplog.text
    assert [p.name for p in folder.iterdir()] == [MARKER]


def test_a_failed_producer_leaves_no_blob(tmp_path):
    store = Cache(tmp_path / "cache", 2**30)

    def producer(target):
        target.write(b"the first half")
        raise RuntimeError("boom")

    target = open(tmp_path / "out", "wb")  # noqa: SIM115
    with target, pytest.raises(RuntimeError):
        store.tee_blob("step", KEYS["a"], producer, target)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [MARKER]


def test_the_size_cap_evicts_the_least_recently_used(tmp_path):
    folder = tmp_path / "cache"
    store = Cache(folder, 250_000)  # room for two entries of 100 kB, not three
    store.put("step", KEYS["a"], _array(100_000, 1), {})
    store.put("step", KEYS["b"], _array(100_000, 2), {})
    os.utime(folder / f"step-{KEYS['a']}.npz", (1_000_000, 1_000_000))
    os.utime(folder / f"step-{KEYS['b']}.npz", (2_000_000, 2_000_000))
    assert store.get("step", KEYS["a"], _decode)[0] == 1  # a read makes "a" the most recent
    store.put("step", KEYS["c"], _array(100_000, 3), {})
    assert store.get("step", KEYS["b"], _decode) is None
    assert store.get("step", KEYS["a"], _decode)[0] == 1
    assert store.get("step", KEYS["c"], _decode)[0] == 3


def test_the_size_cap_applies_to_a_build(workdir, cache_dir, rng):
    # 1,200 points: the similarity entry alone (a 1,000-point sample's matrix) is 5 MB.
    np.save(workdir / "big.npy", rng.normal(size=(1200, 8)).astype(np.float32))
    args = ["build", "big.npy", "--no-umap", "--no-tsne", "--no-clusters", "-q", "--out", "s"]
    assert main([*args, "--cache-max-size-mb", "1"]) == 0
    sizes = [p.stat().st_size for p in cache_dir.iterdir()]
    assert 0 < sum(sizes) <= 2**20
    assert not _entries(cache_dir, "similarity")


def test_entries_are_npz_with_a_json_record_never_pickles(workdir, tiny_vectors, cache_dir):
    reportgen.build(tiny_vectors, out="one", **FAST)
    (entry,) = _entries(cache_dir, "knn-graph")
    with zipfile.ZipFile(entry) as archive:
        assert sorted(archive.namelist()) == [
            "__record__.npy",
            "distances.npy",
            "indices.npy",
            "similarities.npy",
        ]
    with np.load(entry, allow_pickle=False) as stored:
        assert stored["indices"].dtype == np.int32


# --- reportgen cache info / clear ---------------------------------------------------------------


def test_cache_clear_removes_the_entries_and_nothing_else(npy_dataset, cache_dir, capsys):
    assert main(["build", "vectors.npy", "--no-umap", "--no-tsne", "-q", "--out", "s"]) == 0
    count = len(list(cache_dir.glob("*-*.npz"))) + len(list(cache_dir.glob("*-*.blob")))
    assert count > 5
    (cache_dir / "notes.txt").write_text("mine")
    (cache_dir / "knn-graph-notes.npz").write_text("not a name reportgen writes")
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"folder: {cache_dir}" in out and f"entries: {count} " in out and "knn-graph" in out
    assert main(["cache", "clear"]) == 0
    assert f"removed {count} cache files" in capsys.readouterr().out
    assert sorted(p.name for p in cache_dir.iterdir()) == [
        MARKER,
        "knn-graph-notes.npz",
        "notes.txt",
    ]
    assert main(["cache", "info"]) == 0
    assert "entries: 0 " in capsys.readouterr().out


def test_cache_clear_refuses_a_folder_it_did_not_make(tmp_path, capsys):
    foreign = tmp_path / "work"
    foreign.mkdir()
    (foreign / f"knn-graph-{'0' * 64}.npz").write_bytes(b"someone else's")
    assert main(["cache", "clear", "--cache-dir", str(foreign)]) == 2
    assert "not a reportgen cache folder" in capsys.readouterr().err
    assert len(list(foreign.iterdir())) == 1


def test_cache_clear_of_a_missing_folder_removes_nothing(tmp_path, capsys):
    assert main(["cache", "clear", "--cache-dir", str(tmp_path / "nothing")]) == 0
    assert "removed 0 cache files" in capsys.readouterr().out
    assert not (tmp_path / "nothing").exists()


def test_cache_commands_read_the_config_file(workdir, capsys):
    (workdir / "reportgen.toml").write_text('[input]\nvectors = "v.npy"\n[cache]\ndir = "rc"\n')
    assert main(["cache", "info"]) == 0
    assert f"folder: {workdir / 'rc'}" in capsys.readouterr().out


# --- where ----------------------------------------------------------------------------------------


def test_the_default_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("REPORTGEN_CACHE_DIR", str(tmp_path / "env"))
    assert default_folder() == tmp_path / "env"
    monkeypatch.delenv("REPORTGEN_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_folder() == tmp_path / "xdg" / "reportgen"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert default_folder() == tmp_path / ".cache" / "reportgen"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert default_folder() == tmp_path / "Library" / "Caches" / "reportgen"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert default_folder() == tmp_path / "local" / "reportgen"


# --- the sprite -----------------------------------------------------------------------------------


def _count_sheets(monkeypatch) -> Counter:
    from reportgen.render import sprite

    counter: Counter = Counter()
    for name in ("_sheet_from_arrays", "_sheet_from_paths"):
        real = getattr(sprite, name)

        def counting(*args, _real=real, _name=name):
            counter[_name] += 1
            return _real(*args)

        monkeypatch.setattr(sprite, name, counting)
    return counter


def test_a_sprite_of_arrays_is_reused(tmp_path, monkeypatch, rng):
    from reportgen.dataset import Images
    from reportgen.render.sprite import build_sprite

    sheets = _count_sheets(monkeypatch)
    store = Cache(tmp_path / "cache", 2**30)
    images = Images(arrays=rng.integers(0, 255, size=(30, 8, 8), dtype=np.uint8))
    first = build_sprite(images, 16, cache=store)
    second = build_sprite(images, 16, cache=store)
    assert sheets == {"_sheet_from_arrays": 1}
    assert second == first and second.png == first.png
    build_sprite(images, 12, cache=store)  # another tile size is another sheet
    assert sheets == {"_sheet_from_arrays": 2}


def test_a_sprite_of_files_is_reused_until_a_file_changes(tmp_path, monkeypatch, rng, caplog):
    from PIL import Image

    from reportgen.dataset import Images
    from reportgen.render.sprite import build_sprite

    sheets = _count_sheets(monkeypatch)
    store = Cache(tmp_path / "cache", 2**30)
    paths = []
    for i in range(6):
        path = tmp_path / f"{i}.png"
        Image.fromarray(rng.integers(0, 255, size=(10, 10, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    images = Images(paths=(*paths, tmp_path / "bad.png", None))
    with caplog.at_level(logging.WARNING, logger="reportgen"):
        first = build_sprite(images, 16, cache=store)
        caplog.clear()
        again = build_sprite(images, 16, cache=store)
    assert sheets == {"_sheet_from_paths": 1}
    assert again == first and again.problems == first.problems and len(first.problems) == 2
    assert "2 of 8 rows have no readable image" in caplog.text  # said again when reused
    Image.fromarray(np.zeros((10, 10, 3), dtype=np.uint8)).save(paths[2])
    changed = build_sprite(images, 16, cache=store)
    assert sheets == {"_sheet_from_paths": 2} and changed.png != first.png
    missing = Images(paths=(*paths, tmp_path / "gone.png"))
    build_sprite(missing, 16, cache=store)
    build_sprite(missing, 16, cache=store)  # a missing file: not cached, drawn each time
    assert sheets == {"_sheet_from_paths": 4}
