"""The projector page's context: what the export holds and how to open it."""

from __future__ import annotations

from reportgen.config import ProjectorConfig, RenderConfig
from reportgen.render.pages import projector


def test_lists_the_files_with_their_paths(inputs):
    assert projector.has_projector(inputs)
    page = projector.projector_page(inputs)
    names = [name for name, _, _ in page.files]
    assert names[:3] == ["projector_config.json", "projector_config.pbtxt", "tensors.bytes"]
    assert all(path == f"projector/{name}" for name, path, _ in page.files)
    assert page.n == 40 and page.dim == 6 and page.has_configs and page.has_bookmarks
    assert page.bookmark_titles == ["reportgen: PCA 2D", "reportgen: PCA 3D"]
    assert page.link is None and page.config_url is None  # no --base-url


def test_a_base_url_gives_the_projector_link(make):
    page = projector.projector_page(make(render=RenderConfig(base_url="https://x.io/r/")))
    assert page.config_url == "https://x.io/r/projector/projector_config.json"
    assert page.link.startswith("https://projector.tensorflow.org/?config=https%3A")


def test_absent_without_the_export(make):
    assert not projector.has_projector(make(projector=ProjectorConfig(enabled=False)))
