"""Shared fixtures: small seeded data, a clean working directory, a real Chromium."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session", autouse=True)
def _session_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Never the user's real analysis cache: builds made by module- or session-scoped
    fixtures (which run before any per-test fixture) use this session folder."""
    folder = tmp_path_factory.mktemp("cache-session")
    previous = os.environ.get("REPORTGEN_CACHE_DIR")
    os.environ["REPORTGEN_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("REPORTGEN_CACHE_DIR", None)
    else:
        os.environ["REPORTGEN_CACHE_DIR"] = previous


_CACHE_DIRS = itertools.count()


@pytest.fixture(autouse=True)
def cache_dir(
    _session_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch
) -> Path:
    """Each test's own analysis cache folder (created by the first build that uses it), so
    that no test finds results another one left (subprocesses inherit it too)."""
    folder = tmp_path_factory.getbasetemp() / "caches" / f"cache-{next(_CACHE_DIRS)}"
    monkeypatch.setenv("REPORTGEN_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: tests are deterministic."""
    return np.random.default_rng(1234)


@pytest.fixture
def tiny_vectors(rng: np.random.Generator) -> np.ndarray:
    """40 vectors of 6 dims in 3 loose clusters, float32."""
    centers = rng.normal(size=(3, 6)) * 4
    rows = np.repeat(centers, [15, 15, 10], axis=0) + rng.normal(size=(40, 6))
    return rows.astype(np.float32)


@pytest.fixture
def tiny_labels() -> list[str]:
    """The 40 labels of ``tiny_vectors``."""
    return ["cat"] * 15 + ["dog"] * 15 + ["bird"] * 10


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory (so no reportgen.toml or pyproject.toml is picked up)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def npy_dataset(workdir: Path, tiny_vectors: np.ndarray, tiny_labels: list[str]) -> Path:
    """``vectors.npy`` + ``metadata.tsv`` (label, caption) in the working directory."""
    np.save(workdir / "vectors.npy", tiny_vectors)
    lines = ["label\tcaption"] + [f"{lab}\ta {lab} number {i}" for i, lab in enumerate(tiny_labels)]
    (workdir / "metadata.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return workdir / "vectors.npy"


def chromium_path() -> str:
    """Debian's Chromium (``make test`` installs it); never a browser Playwright downloads."""
    found = os.environ.get("REPORTGEN_CHROMIUM") or shutil.which("chromium")
    if not found:
        raise RuntimeError("the browser tests need Chromium: apt-get install chromium")
    return found


# Without the networking flags Chromium phones home at start-up; this machine (and CI)
# has no network, and a browser test must see only the site's own requests anyway.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the whole test session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield instance
        instance.close()
