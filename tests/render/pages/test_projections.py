"""The projections page's context."""

from __future__ import annotations

from reportgen.config import ProjectionsConfig
from reportgen.render.pages import projections


def test_its_script_is_the_shared_scatter_block(inputs):
    page = projections.projections_page(inputs)
    assert page.script is inputs.scatter
    assert page.has_views and not page.has_text
    assert page.k == inputs.analysis.k and page.metric == "cosine"


def test_text_column_and_no_views(make):
    page = projections.projections_page(make(texts=True))
    assert page.has_text
    off = ProjectionsConfig(pca=False, umap=False, tsne=False, custom_column=None)
    assert not projections.projections_page(make(projections=off)).has_views
