"""A structured synthetic mixture for sizes beyond real text: clusters inside clusters.

The data
    N x D float32 rows (default D 768), L2-normalised like sentence embeddings, in
    ``--labels`` labels (default 100) of Zipf-like unbalanced sizes (label r gets a share
    proportional to 1 / (r + 1) ** ``--zipf``, at least ``MIN_LABEL_ROWS`` rows). Every label
    has a centre (a shared mean direction, as text embeddings have, plus the direction of its
    group of about ``GROUP_SIZE`` related labels, plus its own) and 2-6 sub-clusters around
    it; every sub-cluster is anisotropic: a cloud in a few latent
    dimensions with decaying scales, mapped into D by its own random linear map, plus a little
    isotropic noise. ``DUPLICATE_SHARE`` of the rows are near-duplicates of another row of
    their chunk (the same vector plus tiny noise) and ``OUTLIER_SHARE`` are outliers (a
    random direction, labelled like their row's label). The text column is synthetic words:
    a few drawn from the label's vocabulary, a few from its sub-cluster's, a few common ones.

Output (``--out DIR``)
    ``vectors.npy`` (float32 N x D, a plain .npy that ``np.load(mmap_mode="r")`` maps),
    ``metadata.tsv`` (header ``label``, ``text``) and ``manifest.json`` (parameters, label
    counts, seconds, sha256 of both files unless ``--no-hash``). The vectors are appended to
    the .npy chunk by chunk (its header first): at most one chunk of ``CHUNK_ROWS`` rows
    (plus the per-label parameters and one label code per row) is in memory, so 1M x 768
    (3 GB) is made in a few hundred MB.

Determinism
    The same ``--n``, ``--dim``, ``--labels``, ``--zipf`` and ``--seed`` give the same bytes:
    the per-label parameters come from ``default_rng(seed)``, each chunk from
    ``default_rng([seed, chunk])`` over fixed ``CHUNK_ROWS`` chunks, so nothing depends on
    threads or on memory. The first rows of a larger N are not those of a smaller one.

Parquet shards (``--parquet``)
    Instead of the .npy and the TSV, one Parquet file per chunk under ``DIR/shards/``
    (``part-00000.parquet`` ...) with the columns ``embedding`` (fixed-size list of float32),
    ``label`` and ``text``: the layout the Dask engine reads (``'DIR/shards/*.parquet'
    --vector-columns embedding --label-column label``). The rows are the same as the .npy's.
    ``--jobs J`` writes them from J processes; a file already there is kept (each is
    written under a temporary name and renamed), so an interrupted run resumes.

Usage::

    python benchmarks/mixture.py --n 200000 --dim 768 --out /work/data/mix200k
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

CHUNK_ROWS = 50_000  # 50k x 768 float32 = 154 MB per chunk, a few of them in flight
MIN_LABEL_ROWS = 20
GROUP_SIZE = 10  # labels per group of related labels
LATENT = 8  # dimensions of a sub-cluster's own cloud
DUPLICATE_SHARE = 0.005
OUTLIER_SHARE = 0.002
WORDS_PER_TEXT = (4, 3, 3)  # from the label's, the sub-cluster's, the common vocabulary
SYLLABLES = [a + b for a in "bcdfghklmnprstvz" for b in "aeiou"]


def label_sizes(n: int, labels: int, zipf: float) -> np.ndarray:
    """Rows per label: Zipf-like shares, at least MIN_LABEL_ROWS each, summing to n."""
    if n < labels * MIN_LABEL_ROWS:
        sys.exit(f"--n {n} is below --labels {labels} x {MIN_LABEL_ROWS} rows")
    weights = 1.0 / (np.arange(labels) + 1.0) ** zipf
    spare = n - labels * MIN_LABEL_ROWS
    sizes = MIN_LABEL_ROWS + np.floor(spare * weights / weights.sum()).astype(np.int64)
    sizes[: n - sizes.sum()] += 1  # the remainder, largest labels first
    return sizes


def _word(rng: np.random.Generator) -> str:
    return "".join(SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), rng.integers(2, 4)))


class Mixture:
    """The per-label and per-sub-cluster parameters, drawn once from the seed."""

    def __init__(self, n: int, dim: int, labels: int, zipf: float, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.n, self.dim = n, dim
        self.sizes = label_sizes(n, labels, zipf)
        self.names = [f"topic-{i:03d}-{_word(rng)}" for i in range(labels)]
        mean = rng.normal(size=dim)
        mean *= 0.8 / np.linalg.norm(mean)  # the shared direction of all rows
        self.subs_of = rng.integers(2, 7, size=labels)  # sub-clusters per label
        self.sub_weights = [rng.dirichlet(np.full(s, 2.0)) for s in self.subs_of]
        self.first_sub = np.concatenate([[0], np.cumsum(self.subs_of)])
        total_subs = int(self.first_sub[-1])
        # labels come in groups of about GROUP_SIZE that share a direction: neighbouring
        # topics overlap, as they do in text
        groups = rng.normal(size=(max(1, labels // GROUP_SIZE), dim))
        groups *= 0.6 / np.linalg.norm(groups, axis=1, keepdims=True)
        label_centres = rng.normal(size=(labels, dim))
        label_centres *= 0.2 / np.linalg.norm(label_centres, axis=1, keepdims=True)
        label_centres += groups[np.arange(labels) % len(groups)]
        sub_label = np.repeat(np.arange(labels), self.subs_of)
        offsets = rng.normal(size=(total_subs, dim))
        offsets *= 0.25 / np.linalg.norm(offsets, axis=1, keepdims=True)
        self.sub_centres = (mean + label_centres[sub_label] + offsets).astype(np.float32)
        scales = 0.4 * 0.7 ** np.arange(LATENT)  # decaying: anisotropic clouds
        maps = rng.normal(size=(total_subs, LATENT, dim)) / np.sqrt(dim)
        self.maps = (maps * scales[None, :, None]).astype(np.float32)
        self.noise = 0.55 / np.sqrt(dim)  # isotropic part, norm about 0.55
        self.vocab = [[_word(rng) for _ in range(40)] for _ in range(labels)]
        self.sub_vocab = [[_word(rng) for _ in range(15)] for _ in range(total_subs)]
        self.common = [_word(rng) for _ in range(200)]
        # which label each row has: a seeded permutation of the sizes (8 bytes a row)
        self.row_label = rng.permutation(np.repeat(np.arange(labels), self.sizes))

    def chunk(self, index: int, seed: int) -> tuple[np.ndarray, list[str], list[str]]:
        """Rows [index * CHUNK_ROWS, ...): vectors (float32, normalised), labels, texts."""
        rng = np.random.default_rng([seed, index])
        start = index * CHUNK_ROWS
        label = self.row_label[start : start + CHUNK_ROWS]
        rows = len(label)
        sub = np.empty(rows, dtype=np.int64)
        for lab in np.unique(label):
            at = np.flatnonzero(label == lab)
            pick = rng.choice(self.subs_of[lab], size=len(at), p=self.sub_weights[lab])
            sub[at] = self.first_sub[lab] + pick
        vectors = rng.standard_normal((rows, self.dim), dtype=np.float32)
        vectors *= np.float32(self.noise)
        vectors += self.sub_centres[sub]
        for s in np.unique(sub):
            at = np.flatnonzero(sub == s)
            latent = rng.standard_normal((len(at), LATENT), dtype=np.float32)
            vectors[at] += latent @ self.maps[s]
        duplicates = np.flatnonzero(rng.random(rows) < DUPLICATE_SHARE)
        sources = rng.integers(0, rows, size=len(duplicates))
        vectors[duplicates] = vectors[sources] + rng.normal(
            scale=0.01 / np.sqrt(self.dim), size=(len(duplicates), self.dim)
        ).astype(np.float32)
        outliers = np.flatnonzero(rng.random(rows) < OUTLIER_SHARE)
        vectors[outliers] = rng.standard_normal((len(outliers), self.dim), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        texts = []
        for lab, s in zip(label.tolist(), sub.tolist(), strict=True):
            words = [self.vocab[lab][i] for i in rng.integers(0, 40, WORDS_PER_TEXT[0])]
            words += [self.sub_vocab[s][i] for i in rng.integers(0, 15, WORDS_PER_TEXT[1])]
            words += [self.common[i] for i in rng.integers(0, 200, WORDS_PER_TEXT[2])]
            texts.append(" ".join(words))
        return vectors, [self.names[lab] for lab in label.tolist()], texts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 24):
            digest.update(block)
    return digest.hexdigest()


def _write_parquet_chunk(folder: Path, mixture: Mixture, index: int, seed: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = folder / f"part-{index:05d}.parquet"
    if target.exists():  # written whole by an earlier run (renamed into place)
        return
    block, names, texts = mixture.chunk(index, seed)
    flat = pa.array(block.reshape(-1), type=pa.float32())
    table = pa.table(
        {
            "embedding": pa.FixedSizeListArray.from_arrays(flat, mixture.dim),
            "label": pa.array(names),
            "text": pa.array(texts),
        }
    )
    partial = target.with_suffix(".parquet.partial")
    pq.write_table(table, partial)
    partial.replace(target)
    print(f"  mixture chunk {index + 1} ({len(block)} rows)", file=sys.stderr, flush=True)


def _write_parquet_shards(
    folder: Path, mixture: Mixture, chunks: int, seed: int, jobs: int = 1
) -> None:
    """One file per chunk, ``jobs`` processes writing every jobs-th chunk (each chunk's rows
    depend only on the seed and its index, so the files are the same for any ``jobs``)."""
    folder.mkdir(parents=True, exist_ok=True)
    if jobs <= 1:
        for index in range(chunks):
            _write_parquet_chunk(folder, mixture, index, seed)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork")  # the children share the parameters
    children = [
        context.Process(
            target=lambda first=first: [
                _write_parquet_chunk(folder, mixture, index, seed)
                for index in range(first, chunks, jobs)
            ]
        )
        for first in range(jobs)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join()
        if child.exitcode != 0:
            sys.exit(f"a writer process failed with status {child.exitcode}")


def write(
    out: Path,
    n: int,
    dim: int,
    labels: int,
    zipf: float,
    seed: int,
    hash_files: bool = True,
    parquet: bool = False,
    jobs: int = 1,
) -> dict[str, object]:
    """Write vectors.npy, metadata.tsv and manifest.json into ``out`` (or, with
    ``parquet``, shards/part-NNNNN.parquet and manifest.json); return the manifest."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    mixture = Mixture(n, dim, labels, zipf, seed)
    chunks = (n + CHUNK_ROWS - 1) // CHUNK_ROWS
    if parquet:
        _write_parquet_shards(out / "shards", mixture, chunks, seed, jobs)
        hash_files = False
    else:
        _write_npy_and_tsv(out, mixture, chunks, seed)
    manifest: dict[str, object] = {
        "generator": "benchmarks/mixture.py",
        "n": n,
        "dim": dim,
        "labels": labels,
        "zipf": zipf,
        "seed": seed,
        "chunk_rows": CHUNK_ROWS,
        "format": "parquet shards" if parquet else "npy + tsv",
        "sub_clusters": int(mixture.first_sub[-1]),
        "duplicate_share": DUPLICATE_SHARE,
        "outlier_share": OUTLIER_SHARE,
        "label_counts": dict(zip(mixture.names, mixture.sizes.tolist(), strict=True)),
        "numpy": np.__version__,
        "seconds": round(time.perf_counter() - started, 2),
    }
    if hash_files:
        manifest["sha256"] = {f: _sha256(out / f) for f in ("vectors.npy", "metadata.tsv")}
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def _write_npy_and_tsv(out: Path, mixture: Mixture, chunks: int, seed: int) -> None:
    header = {"descr": "<f4", "fortran_order": False, "shape": (mixture.n, mixture.dim)}
    with (
        (out / "vectors.npy").open("wb") as vectors,
        (out / "metadata.tsv").open("w", encoding="utf-8", newline="\n") as meta,
    ):
        # a plain .npy appended chunk by chunk: a memory map of the output would count its
        # dirty pages in this process's RSS (3 GB at 1M x 768)
        np.lib.format.write_array_header_1_0(vectors, header)
        meta.write("label\ttext\n")
        for index in range(chunks):
            block, names, texts = mixture.chunk(index, seed)
            block.astype("<f4", copy=False).tofile(vectors)  # no bytes copy of the chunk
            meta.writelines(f"{a}\t{b}\n" for a, b in zip(names, texts, strict=True))
            print(f"  mixture rows {index * CHUNK_ROWS + len(block)}/{mixture.n}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, required=True, help="rows")
    parser.add_argument("--dim", type=int, default=768, help="dimensions (default 768)")
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--zipf", type=float, default=1.0, help="size exponent of the labels")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--no-hash", action="store_true", help="skip the sha256 of the files")
    parser.add_argument(
        "--parquet", action="store_true", help="write Parquet shards (one per chunk) instead"
    )
    parser.add_argument("--jobs", type=int, default=1, help="--parquet: writer processes")
    args = parser.parse_args(argv)
    if args.n < 1 or args.dim < 2 or args.labels < 1:
        parser.error("--n, --dim and --labels must be positive (--dim at least 2)")
    hash_files = not args.no_hash
    manifest = write(
        args.out,
        args.n,
        args.dim,
        args.labels,
        args.zipf,
        args.seed,
        hash_files,
        args.parquet,
        args.jobs,
    )
    print(f"wrote {args.out} in {manifest['seconds']}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
