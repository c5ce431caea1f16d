"""A report in a notebook: shown inline (Jupyter's ``_repr_html_``) or opened in a browser.

Inline, the report is its single-file form in an ``<iframe srcdoc>``: the file written with
``--single-file`` when there is one, else made when displayed from the pages the build
rendered (``Report.pages``) and the files of the published folder (so the build does no
extra work for it). The frame is sandboxed (scripts, no same origin), so
the report's script cannot reach the notebook. Above ``INLINE_LIMIT`` a short summary and a
link take its place: a notebook keeps its outputs, and 20 MB in every saved copy is enough.
"""

from __future__ import annotations

import html
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.publish import describe_size, read_site
from reportgen.render.single_file import single_file

if TYPE_CHECKING:
    from reportgen.builder import Report

INLINE_LIMIT = 20_000_000  # bytes of HTML shown inline
FRAME_HEIGHT = 800  # CSS px

# What the single file takes from a published folder, for the size estimate.
_INLINED_FOLDERS = ("assets/", "data/", "images/")


def report_html(report: Report, *, limit: int | None = None) -> str:
    """The report as notebook HTML: the single file in a frame, or the summary above
    ``limit`` bytes (default ``INLINE_LIMIT``) or when its files are not on disk any more."""
    document, reason = _document(report, INLINE_LIMIT if limit is None else limit)
    if document is None:
        return _summary(report, reason)
    title = html.escape(f"reportgen report: {_title(report.report)}", quote=True)
    source = html.escape(document.decode("utf-8"), quote=True)
    return (
        f'<iframe srcdoc="{source}" title="{title}" sandbox="allow-scripts allow-downloads" '
        f'style="width: 100%; height: {FRAME_HEIGHT}px; border: 1px solid #d0d7de; '
        f'border-radius: 6px"></iframe>'
    )


def open_report(report: Report) -> Path:
    """Open ``report.index`` (the folder's index.html, else the single file) in the
    default browser; returns its absolute path."""
    path = report.index.resolve()
    webbrowser.open(path.as_uri())
    return path


def _document(report: Report, limit: int) -> tuple[bytes | None, str]:
    """The single file's bytes, or None and why not."""
    path = report.single_file
    if path is not None and path.is_file():
        size = path.stat().st_size
        if size > limit:
            return None, _too_large(size, limit)
        return path.read_bytes(), ""
    if report.out is None or not (report.out / "index.html").is_file():
        return None, "the report's files are not on disk any more"
    if report.pages is None:
        return None, "the report's pages are not in memory (build it again to see it here)"
    site = read_site(report.out)
    estimate = sum(
        (report.out / name).stat().st_size
        for name in site
        if name.startswith(_INLINED_FOLDERS) or "/" not in name
    )
    if estimate > limit:  # no need to read it all to know
        return None, _too_large(estimate, limit)
    document = single_file(report.pages, site)
    if len(document) > limit:
        return None, _too_large(len(document), limit)
    return document, ""


def _too_large(size: int, limit: int) -> str:
    return f"the report ({describe_size(size)}) is larger than {describe_size(limit)}"


def _title(report: dict[str, Any]) -> str:
    title = report.get("provenance", {}).get("config", {}).get("render", {}).get("title")
    return str(title or report.get("dataset", {}).get("name", "report"))


def _number(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


def _summary(report: Report, reason: str) -> str:
    """A few lines of HTML: what the report holds, its main numbers, where it is."""
    data = report.report
    dataset = data.get("dataset", {})
    rows = "".join(
        f"<tr><td>{html.escape(key)}</td><td>{_number(view.get('knn_recall'))}</td>"
        f"<td>{_number(view.get('trustworthiness'))}</td></tr>"
        for key, view in sorted(data.get("projections", {}).items())
    )
    table = (
        "<table><thead><tr><th>view</th><th>kNN recall</th><th>trustworthiness</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
        if rows
        else ""
    )
    facts = []
    accuracy = data.get("findings", {}).get("knn_label_accuracy") or {}
    if accuracy.get("overall") is not None:
        facts.append(f"kNN label accuracy {100 * accuracy['overall']:.1f} %")
    clusters = data.get("clusters") or {}
    if clusters.get("k") is not None:
        facts.append(f"k-means k = {clusters['k']}, ARI {_number(clusters.get('ari'))}")
    where = ""
    try:
        index = report.index.resolve()
    except ValueError:
        index = None
    if index is not None and index.exists():
        uri = html.escape(index.as_uri(), quote=True)
        where = (
            f'<p>Open <a href="{uri}" target="_blank" rel="noopener">{html.escape(str(index))}'
            "</a> (or call <code>.open()</code> on the report).</p>"
        )
    return (
        '<div class="reportgen-summary">'
        f"<p><strong>{html.escape(_title(data))}</strong>: reportgen report of "
        f"{html.escape(str(dataset.get('n', '?')))} vectors × "
        f"{html.escape(str(dataset.get('dim', '?')))} dimensions. "
        f"Not shown inline: {html.escape(reason)}.</p>"
        f"{table}"
        + (f"<p>{html.escape(' · '.join(facts))}</p>" if facts else "")
        + where
        + "</div>"
    )
