"""The similarity page's context and its sample payload."""

from __future__ import annotations

import numpy as np

from reportgen.config import ClustersConfig
from reportgen.render.pages import similarity
from reportgen.render.payloads import payload_path


def test_by_label(inputs):
    page = similarity.similarity_page(inputs)
    assert page.available and page.by == "label"
    assert sum(size for _, size, _ in page.per_group) == 40
    centroids = np.array(page.script["data"]["centroids"]["z"])
    assert np.allclose(centroids, centroids.T) and np.allclose(np.diag(centroids), 1, atol=1e-3)
    assert page.script["figures"]["sample"]["payload"] == similarity.SAMPLE_PAYLOAD
    assert page.within_mean > page.between_mean  # three loose clusters


def test_the_sample_payload(inputs):
    files = similarity.similarity_payloads(inputs.analysis)
    assert list(files) == [payload_path(similarity.SAMPLE_PAYLOAD)]


def test_without_labels_or_clusters_nothing_to_compare(make):
    bare = make(labels=False, clusters=ClustersConfig(enabled=False))
    page = similarity.similarity_page(bare)
    assert not page.available and page.per_group == [] and page.script["figures"] == {}
    assert similarity.similarity_payloads(bare.analysis) == {}
