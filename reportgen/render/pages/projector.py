"""The projector page: how to open the data in the Embedding Projector / TensorBoard.

(The files of ``projector/`` themselves are written by ``reportgen.render.projector``.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportgen.render.inputs import RenderInput
from reportgen.render.pages.page import Page
from reportgen.render.projector import (
    BOOKMARKS_JSON,
    CONFIG_JSON,
    CONFIG_PBTXT,
    METADATA_TSV,
    PROJECTOR_DIR,
    SPRITE_PNG,
    TENSOR_BYTES,
    TENSOR_TSV,
    bookmark_label,
    projector_link,
)


@dataclass(frozen=True)
class ProjectorPage:
    """Context of ``projector.html``: what was exported and the ways to open it."""

    n: int
    dim: int
    total: int  # the input's N (n is less when the export is a sample)
    sampled: bool
    files: list[tuple[str, str, str]]  # (name, path in the site, what it holds)
    notes: list[str]
    link: str | None
    config_url: str | None
    has_configs: bool
    has_tsv: bool
    has_metadata: bool
    has_bookmarks: bool
    sprite_dim: int | None
    bookmark_titles: list[str]
    tensor_tsv: str = TENSOR_TSV
    metadata_tsv: str = METADATA_TSV
    bookmarks: str = BOOKMARKS_JSON
    script: dict[str, Any] | None = None


def has_projector(inputs: RenderInput) -> bool:
    """The page exists when the Projector export is written."""
    return inputs.projector is not None


def projector_page(inputs: RenderInput) -> ProjectorPage:
    """The context of ``projector.html``."""
    files, table = inputs.projector, inputs.table
    if files is None:
        raise ValueError("the projector page needs the Projector export")
    listing: list[tuple[str, str]] = []
    notes: list[str] = []
    n, dim = files.shape
    if files.tensors:
        listing.append((CONFIG_JSON, "the config of the standalone Embedding Projector"))
        listing.append((CONFIG_PBTXT, "the config TensorBoard reads from its logdir"))
        listing.append(
            (TENSOR_BYTES, f"the vectors: float32, little-endian, {4 * n * dim:,} bytes")
        )
        if files.tensor_tsv:
            listing.append((TENSOR_TSV, "the vectors as text, one per line (TensorBoard reads it)"))
        elif not inputs.config.projector.tensor_tsv:
            notes.append(
                "tensors.tsv was left out (--no-projector-tensor-tsv): TensorBoard reads "
                "tensors.bytes instead, which works unless the file happens to be valid UTF-8."
            )
    else:
        notes.append(
            "The vectors were left out (--no-projector-tensors): the Projector needs them "
            "from elsewhere, and there are no configs."
        )
    notes.extend(files.notes)
    if table is not None:
        listing.append((METADATA_TSV, "the metadata, one row per vector"))
        because = (
            "so that each sampled point can be found in the input"
            if files.sampled
            else "because some rows would otherwise be blank, and the Projector skips blank lines"
        )
        added = (
            f"; a '{table.header[-1]}' column of row numbers was added {because}"
            if table.row_column
            else ""
        )
        notes.append(
            f"In metadata.tsv, tabs and line breaks inside values are replaced by spaces{added}."
        )
    if files.bookmarks:
        listing.append((BOOKMARKS_JSON, "one bookmark per view, with this report's coordinates"))
    if files.sprite_dim is not None:
        side = files.sprite_dim
        listing.append((SPRITE_PNG, f"the images, {side}×{side} px each, in one sprite sheet"))
    base_url = inputs.config.render.base_url
    link = projector_link(base_url) if files.has_configs else None
    return ProjectorPage(
        n=n,
        dim=dim,
        total=files.total if files.sampled else n,
        sampled=files.sampled,
        files=[(name, f"{PROJECTOR_DIR}/{name}", what) for name, what in listing],
        notes=notes,
        link=link,
        config_url=f"{base_url.rstrip('/')}/{PROJECTOR_DIR}/{CONFIG_JSON}" if link else None,
        has_configs=files.has_configs,
        has_tsv=files.tensor_tsv,
        has_metadata=files.metadata,
        has_bookmarks=files.bookmarks,
        sprite_dim=files.sprite_dim,
        bookmark_titles=[bookmark_label(view.key) for view in inputs.analysis.views],
    )


PAGE = Page(
    href="projector.html",
    title="Projector",
    heading="Embedding Projector",
    template="pages/projector.html",
    context=projector_page,
    present=has_projector,
    single_file_note=(
        "This single file does not carry the files of projector/ (the vectors, their "
        "metadata, the sprite sheet and the bookmarks): the folder build (--out) has "
        "them, next to this page's instructions."
    ),
)
