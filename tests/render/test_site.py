"""render_site gathers every part of the site once: two parts of one path are a bug."""

import pytest

from reportgen.render.site import _add


def test_two_parts_of_the_site_cannot_write_one_path():
    site = {"index.html": b"a"}
    _add(site, {"report.json": b"{}"})
    assert sorted(site) == ["index.html", "report.json"]
    with pytest.raises(ValueError, match=r"two parts of the site write report\.json"):
        _add(site, {"report.json": b"[]", "other.txt": b""})
    assert site["report.json"] == b"{}" and "other.txt" not in site
