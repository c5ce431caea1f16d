"""The export opens in a real TensorBoard (from PyPI, without TensorFlow).

The test starts ``tensorboard --logdir <site>/projector`` on a free local port, waits for
it, and reads back through the projector plugin's HTTP API exactly what reportgen wrote.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import reportgen

pytestmark = pytest.mark.tensorboard

_START_TIMEOUT = 120.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, np.ndarray]:
    """The digits demo (images, labels) with tab- and newline-holding, non-ASCII text."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    vectors = digits.data.astype(np.float32)[:300]
    labels = [f"digit {t}" for t in digits.target[:300]]
    captions = [f"zahl\t{t}\nü “{t}”" if i % 7 == 0 else f"n° {i}" for i, t in enumerate(labels)]
    folder = tmp_path_factory.mktemp("tensorboard")
    images = folder / "images"
    images.mkdir()
    from PIL import Image

    for i, pixels in enumerate(digits.images[:300]):
        Image.fromarray((pixels * 15).astype(np.uint8)).save(images / f"{i:04d}.png")
    out = folder / "site"
    reportgen.build(
        vectors,
        labels=labels,
        metadata={"caption": captions},
        out=out,
        images=images,
        umap=False,
        tsne=False,
        clusters=False,
    )
    return out, vectors


@contextmanager
def _tensorboard(logdir: Path) -> Iterator[str]:
    """A running TensorBoard on ``logdir``; yields its projector plugin's base URL."""
    port = _free_port()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tensorboard.main",
            "--logdir",
            str(logdir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    base = f"http://127.0.0.1:{port}/data/plugin/projector"
    deadline = time.monotonic() + _START_TIMEOUT
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"tensorboard exited: {process.stderr.read().decode()[-2000:]}")
            try:
                runs = json.loads(_get(f"{base}/runs"))
            except (urllib.error.URLError, ConnectionError, OSError):
                runs = None
            if runs:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("tensorboard did not serve the projector plugin in time")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def server(built: tuple[Path, np.ndarray]) -> Iterator[str]:
    """A running TensorBoard on the export; yields its base URL."""
    out, _ = built
    with _tensorboard(out / "projector") as base:
        yield base


def test_tensorboard_serves_what_we_wrote(built, server):
    out, vectors = built
    projector = out / "projector"
    assert json.loads(_get(f"{server}/runs")) == ["."]
    info = json.loads(_get(f"{server}/info?run=."))
    (embedding,) = info["embeddings"]
    assert [int(v) for v in embedding["tensorShape"]] == list(vectors.shape)
    name = urllib.request.quote(embedding["tensorName"])
    tensor = _get(f"{server}/tensor?run=.&name={name}")
    assert tensor == vectors.astype("<f4").tobytes()
    metadata = _get(f"{server}/metadata?run=.&name={name}")
    assert metadata == (projector / "metadata.tsv").read_bytes()
    sprite = _get(f"{server}/sprite_image?run=.&name={name}")
    assert sprite == (projector / "sprite.png").read_bytes()
    bookmarks = json.loads(_get(f"{server}/bookmarks?run=.&name={name}"))
    assert [state["dataSetDimensions"] for state in bookmarks] == [list(vectors.shape)] * len(
        bookmarks
    )


def test_tensorboard_loads_a_sampled_export(built, tmp_path):
    """Over --projector-max-points the export is a sample: TensorBoard serves its rows,
    and metadata.tsv's row column names the input row of each."""
    _, vectors = built
    out = tmp_path / "sampled"
    reportgen.build(
        vectors,
        labels=[f"digit {i % 10}" for i in range(len(vectors))],
        out=out,
        umap=False,
        tsne=False,
        clusters=False,
        projector__max_points=120,
    )
    projector = out / "projector"
    with _tensorboard(projector) as base:
        (embedding,) = json.loads(_get(f"{base}/info?run=."))["embeddings"]
        assert [int(v) for v in embedding["tensorShape"]] == [120, vectors.shape[1]]
        name = urllib.request.quote(embedding["tensorName"])
        tensor = np.frombuffer(_get(f"{base}/tensor?run=.&name={name}"), dtype="<f4")
        metadata = _get(f"{base}/metadata?run=.&name={name}")
    assert metadata == (projector / "metadata.tsv").read_bytes()
    lines = metadata.decode().split("\n")
    assert lines[0] == "label\trow" and len(lines) == 122  # header, 120 rows, final newline
    rows = [int(line.split("\t")[1]) for line in lines[1:-1]]
    assert np.array_equal(tensor.reshape(120, -1), vectors[rows])
