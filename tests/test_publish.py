import os
from pathlib import Path

import pytest

from reportgen.errors import PublishError
from reportgen.publish import MARKER, publish
from tests.helpers import read_tree


def _siblings(root: Path) -> list[str]:
    return sorted(p.name for p in root.parent.iterdir() if p.name != root.name)


def test_writes_files_and_marker(tmp_path: Path):
    out = tmp_path / "site"
    publish({"index.html": b"<p>hi</p>", "assets/a.js": lambda f: f.write(b"x")}, out)
    assert read_tree(out) == {
        MARKER: (out / MARKER).read_bytes(),
        "assets/a.js": b"x",
        "index.html": b"<p>hi</p>",
    }
    assert _siblings(out) == []


def test_replaces_its_own_previous_site_whole(tmp_path: Path):
    out = tmp_path / "site"
    publish({"old.html": b"old"}, out)
    publish({"new.html": b"new"}, out)
    assert set(read_tree(out)) == {MARKER, "new.html"}
    assert _siblings(out) == []


def test_refuses_a_folder_it_did_not_write(tmp_path: Path):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("precious")
    with pytest.raises(PublishError, match=r"thesis: folder is not empty.*--force"):
        publish({"index.html": b""}, out)
    assert (out / "chapter1.tex").read_text() == "precious"
    assert _siblings(out) == []


def test_force_replaces_a_foreign_folder(tmp_path: Path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "stale.txt").write_text("x")
    publish({"index.html": b"ok"}, out, force=True)
    assert set(read_tree(out)) == {MARKER, "index.html"}


def test_an_empty_folder_is_fine(tmp_path: Path):
    out = tmp_path / "site"
    out.mkdir()
    publish({"index.html": b"ok"}, out)
    assert (out / "index.html").read_bytes() == b"ok"


def test_refuses_a_file(tmp_path: Path):
    out = tmp_path / "site"
    out.write_text("x")
    with pytest.raises(PublishError, match="not a folder"):
        publish({"index.html": b""}, out)


@pytest.mark.parametrize("name", ["../escape.html", "/etc/passwd", "a/../../b", "a//b", "", "a\\b"])
def test_rejects_paths_that_escape_the_output(tmp_path: Path, name: str):
    with pytest.raises(PublishError, match="not a plain relative path"):
        publish({name: b"x"}, tmp_path / "site")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_producer_leaves_the_previous_site(tmp_path: Path):
    out = tmp_path / "site"
    publish({"index.html": b"v1", "data/big.bin": b"1" * 100}, out)
    before = read_tree(out)

    def broken(handle):
        handle.write(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        publish({"index.html": b"v2", "data/big.bin": broken}, out)
    assert read_tree(out) == before
    assert _siblings(out) == []


def test_an_interrupt_leaves_the_previous_site(tmp_path: Path):
    out = tmp_path / "site"
    publish({"index.html": b"v1"}, out)

    def interrupted(handle):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        publish({"index.html": b"v2", "z.bin": interrupted}, out)
    assert (out / "index.html").read_bytes() == b"v1"
    assert _siblings(out) == []


def test_source_date_epoch_fixes_file_times(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = tmp_path / "site"
    publish({"index.html": b"x", "assets/a.css": b"y"}, out)
    assert os.stat(out / "index.html").st_mtime == 1700000000
    assert os.stat(out / "assets").st_mtime == 1700000000


def test_published_folder_is_readable_by_others(tmp_path: Path):
    old = os.umask(0o022)
    try:
        publish({"index.html": b"x"}, tmp_path / "site")
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "site").st_mode & 0o755 == 0o755
