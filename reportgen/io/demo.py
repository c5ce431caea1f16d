"""Bundled demo data (no download needed): scikit-learn's handwritten digits with their
images, and generated sentences on six topics (text, no images)."""

from __future__ import annotations

import numpy as np

from reportgen.dataset import Column, Images, SourceFile
from reportgen.io.arrays import RawVectors
from reportgen.io.files import array_sha256
from reportgen.io.tables import Table

DIGITS_SOURCE = "scikit-learn digits (bundled)"
_DIGITS_MAX = 16  # the digits' pixels run from 0 (background) to 16 (ink)


def read_digits() -> tuple[RawVectors, Table, Images, SourceFile]:
    """The 1797 8x8 digits: 64-D float32 vectors, a text ``label`` column "0".."9", and the
    images as uint8 (1797, 8, 8) scaled to 0..255 (0 = black background)."""
    from sklearn.datasets import load_digits  # imported here: only the demo needs it

    digits = load_digits()
    values = np.ascontiguousarray(digits.data, dtype=np.float32)
    labels = np.empty(len(digits.target), dtype=object)
    labels[:] = [str(int(t)) for t in digits.target]
    pixels = np.rint(digits.images * (255.0 / _DIGITS_MAX)).clip(0, 255).astype(np.uint8)
    raw = RawVectors(values, "digits", is_file=False)
    table = Table("digits", len(values), (Column("label", labels),))
    source = SourceFile("vectors", DIGITS_SOURCE, array_sha256(values))
    return raw, table, Images(arrays=pixels), source


SENTENCES_SOURCE = "reportgen sentences (generated)"
# Topics and the words their sentences are made of; a few words are shared between
# topics, so that neighbouring topics overlap as real text embeddings do.
_TOPICS: dict[str, tuple[str, ...]] = {
    "astronomy": ("star", "galaxy", "orbit", "telescope", "planet", "comet", "nebula", "light"),
    "cooking": ("onion", "pan", "simmer", "garlic", "oven", "salt", "butter", "recipe"),
    "football": ("goal", "striker", "pitch", "referee", "match", "keeper", "league", "score"),
    "gardening": ("soil", "seed", "prune", "compost", "bloom", "water", "root", "light"),
    "finance": ("bond", "equity", "yield", "market", "interest", "fund", "score", "risk"),
    "music": ("chord", "tempo", "melody", "guitar", "rhythm", "score", "choir", "pitch"),
}
_FILLER = ("the", "a", "with", "after", "before", "under", "new", "old", "quiet", "bright")
_SENTENCES_PER_TOPIC = 200
_SENTENCE_DIMS = 48


def read_sentences(seed: int = 0) -> tuple[RawVectors, Table, SourceFile]:
    """A text-like demo without images: 1,200 generated sentences on 6 topics, embedded by
    TF-IDF and truncated SVD into 48 dimensions; columns ``label`` (the topic) and ``text``."""
    from sklearn.decomposition import TruncatedSVD  # imported here: only the demo needs them
    from sklearn.feature_extraction.text import TfidfVectorizer

    rng = np.random.default_rng(seed)
    texts, topics = [], []
    for topic, words in _TOPICS.items():
        for _ in range(_SENTENCES_PER_TOPIC):
            own = rng.choice(words, size=int(rng.integers(2, 5)), replace=False)
            # words from other topics (each with probability 0.35) blur the topics
            other = [rng.choice(w) for w in _TOPICS.values() if rng.random() < 0.35]
            filler = rng.choice(_FILLER, size=3)
            tokens = [*own, *other, *filler]
            rng.shuffle(tokens)
            texts.append(" ".join(tokens).capitalize() + ".")
            topics.append(topic)
    tfidf = TfidfVectorizer().fit_transform(texts)
    svd = TruncatedSVD(n_components=_SENTENCE_DIMS, random_state=seed)
    values = np.ascontiguousarray(svd.fit_transform(tfidf), dtype=np.float32)
    label_values = np.empty(len(topics), dtype=object)
    label_values[:] = topics
    text_values = np.empty(len(texts), dtype=object)
    text_values[:] = texts
    raw = RawVectors(values, "sentences", is_file=False)
    table = Table(
        "sentences", len(values), (Column("label", label_values), Column("text", text_values))
    )
    source = SourceFile("vectors", SENTENCES_SOURCE, array_sha256(values))
    return raw, table, source
