import os
from pathlib import Path

import pytest

from reportgen.errors import PublishError
from reportgen.publish import MARKER, publish, publish_file, read_site
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


# --------------------------------------------------------------------------------------
# The single file


def test_single_file_is_written_and_replaced_whole(tmp_path: Path):
    target = tmp_path / "out" / "report.html"
    publish_file(b"<p>v1</p>", target)
    publish_file(b"<p>v2</p>", target)
    assert target.read_bytes() == b"<p>v2</p>"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]  # no temp left
    assert os.stat(target).st_mode & 0o644 == 0o644


def test_single_file_never_replaces_a_folder(tmp_path: Path):
    folder = tmp_path / "report.html"
    folder.mkdir()
    with pytest.raises(PublishError, match="is a folder"):
        publish_file(b"x", folder, force=True)
    assert folder.is_dir()


def test_single_file_refuses_a_file_it_did_not_write(tmp_path: Path):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"keep me")
    with pytest.raises(PublishError, match="not an HTML file reportgen wrote"):
        publish_file(b"x", notes)
    assert notes.read_bytes() == b"keep me"
    ours = tmp_path / "report.bin"
    ours.write_bytes(b'<!doctype html>\n<meta name="generator" content="reportgen">')
    publish_file(b"new", ours)  # reportgen's own, whatever its name
    publish_file(b"forced", notes, force=True)
    assert (ours.read_bytes(), notes.read_bytes()) == (b"new", b"forced")


def test_a_failed_single_file_keeps_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    target = tmp_path / "report.html"
    target.write_bytes(b"old")

    def failing(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(KeyboardInterrupt):
        publish_file(b"new", target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_single_file_time_follows_source_date_epoch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    publish_file(b"x", tmp_path / "report.html")
    assert os.stat(tmp_path / "report.html").st_mtime == 1700000000


def test_read_site_gives_back_what_was_published(tmp_path: Path):
    site = {"index.html": b"<p>hi</p>", "assets/a.js": b"x", "data/b.js": b"y"}
    publish(site, tmp_path / "site")
    back = read_site(tmp_path / "site")
    assert list(back) == sorted(site) and dict(back) == site  # without the marker
    with pytest.raises(KeyError):
        back[MARKER]
