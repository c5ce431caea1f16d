"""Opening built pages in the real Chromium, recording what a user would not want to see."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class PageLog:
    """What happened while a page was open."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def foreign_requests(self) -> list[str]:
        """Requests for anything but a local file (the site must make no network request)."""
        return [url for url in self.requests if not url.startswith(("file://", "data:", "blob:"))]


@pytest.fixture
def open_page(browser) -> Iterator:
    """``open_page(path)`` -> (page, log): the file opened from ``file://`` in a fresh tab."""
    contexts = []

    def _open(path: Path, viewport=(1366, 850)):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        contexts.append(context)
        page = context.new_page()
        log = PageLog()
        page.on(
            "console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda e: log.page_errors.append(str(e)))
        page.on("request", lambda r: log.requests.append(r.url))

        def on_dialog(dialog):
            log.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(Path(path).resolve().as_uri())
        page.wait_for_load_state("load")
        return page, log

    yield _open
    for context in contexts:
        context.close()
