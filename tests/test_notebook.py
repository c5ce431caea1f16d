"""A report in a notebook: ``_repr_html_`` (the single file in a srcdoc frame, or a summary
above the size cap) and ``open()``."""

from __future__ import annotations

import html
import re
import webbrowser
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import reportgen
import reportgen.notebook
from reportgen.builder import Report
from reportgen.publish import read_site
from reportgen.render.single_file import single_file

HOSTILE = '</script><script>alert(1)</script> "quotes" & <b>'
_FRAME = re.compile(r'<iframe srcdoc="([^"]*)"( [^<>]*)></iframe>')


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Report:
    """A tiny report with hostile labels and title, written as a folder and a single file."""
    root = tmp_path_factory.mktemp("notebook")
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(30, 5)).astype(np.float32)
    labels = [HOSTILE if i % 3 == 0 else f"plain {i % 3}" for i in range(30)]
    return reportgen.build(
        vectors,
        labels=labels,
        out=root / "site",
        single_file=root / "report.html",
        title=HOSTILE,
        umap=False,
        tsne=False,
    )


def _frame(text: str) -> tuple[str, str]:
    """The srcdoc attribute's value (as written) and the frame's other attributes."""
    match = _FRAME.fullmatch(text)
    assert match, text[:200]
    return match.group(1), match.group(2)


def test_shows_the_single_file_in_a_sandboxed_frame(built: Report):
    text = built._repr_html_()
    source, attributes = _frame(text)
    # The attribute holds no raw quote or "<": nothing in it can end it or open a tag.
    assert "<" not in source and '"' not in source
    assert html.unescape(source).encode() == built.single_file.read_bytes()
    assert 'sandbox="allow-scripts allow-downloads"' in attributes
    assert "height: 800px" in attributes and "width: 100%" in attributes
    assert "<script>alert" not in text and "<b>" not in text
    assert 'title="reportgen report: &lt;/script&gt;' in attributes


def test_without_a_single_file_it_is_made_from_the_folder(built: Report):
    folder_only = replace(built, single_file=None)
    source, _ = _frame(folder_only._repr_html_())
    assert html.unescape(source).encode() == single_file(built.pages, read_site(built.out))
    assert html.unescape(source).encode() == built.single_file.read_bytes()


def test_a_report_made_by_hand_shows_its_summary(built: Report):
    """Without the pages the build rendered there is nothing to make the single file of."""
    by_hand = Report(out=built.out, report=built.report)
    text = by_hand._repr_html_()
    assert "<iframe" not in text and "not in memory" in text


def test_above_the_cap_a_summary_and_a_link(built: Report, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(reportgen.notebook, "INLINE_LIMIT", 10_000)
    for report in (built, replace(built, single_file=None)):
        text = report._repr_html_()
        assert "<iframe" not in text
        assert "30 vectors × 5 dimensions" in text and "larger than 10.0 kB" in text
        assert "<td>pca-2d</td>" in text
        recall = built.report["projections"]["pca-2d"]["knn_recall"]
        assert f"{recall:.3f}" in text
        assert html.escape(HOSTILE) in text  # the title, escaped
        assert "<script>alert" not in text and "<b>" not in text
        assert f'href="{(built.out / "index.html").resolve().as_uri()}"' in text


def test_a_summary_when_the_files_are_gone(built: Report, tmp_path: Path):
    gone = replace(built, out=tmp_path / "missing", single_file=None)
    text = gone._repr_html_()
    assert "not on disk any more" in text and "href=" not in text


def test_open_opens_the_index_page(built: Report, monkeypatch: pytest.MonkeyPatch):
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    path = built.open()
    assert path == (built.out / "index.html").resolve()
    only_file = replace(built, out=None)
    assert only_file.open() == built.single_file.resolve()
    assert opened == [path.as_uri(), built.single_file.resolve().as_uri()]
    assert all(url.startswith("file:///") for url in opened)
