"""Progress of a build: a live line on a terminal, one plain line per step otherwise.

Timings are kept here and only here: they go to the log and to ``--timings FILE``, never
into the site, which must stay byte-identical between builds.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

# In plain mode (CI logs), a step still running says so this often, with how far it is.
HEARTBEAT_SECONDS = 30.0

# In live mode (a terminal), the line is redrawn at most this often.
_REDRAW_SECONDS = 0.2


def _ignore() -> None:
    return None


@dataclass
class StepStatus:
    """What a running step tells about itself: how many of its results came from the
    analysis cache and how many it computed (both 0 for a step that does not cache), and
    how far its work is (``advance``)."""

    from_cache: int = 0
    computed: int = 0
    done: int = 0
    total: int = 0
    unit: str = ""
    changed: Callable[[], None] = field(default=_ignore, repr=False, compare=False)

    def advance(self, done: int, total: int, unit: str = "rows") -> None:
        """Say that ``done`` of ``total`` units of the step's work are finished."""
        self.done, self.total, self.unit = done, total, unit
        self.changed()

    def how_far(self) -> str:
        """' 45 % (450,000 of 1,000,000 rows)', or nothing before the first ``advance``."""
        if not self.total:
            return ""
        share = 100.0 * self.done / self.total
        return f" {share:.0f} % ({self.done:,} of {self.total:,} {self.unit})"

    def label(self) -> str:
        """The step line's suffix: ' (cached)', ' (2 of 5 cached)' or nothing."""
        if not self.from_cache:
            return ""
        if not self.computed:
            return " (cached)"
        return f" ({self.from_cache} of {self.from_cache + self.computed} cached)"


class Progress:
    """Reports the steps of a build and records how long each took.

    ``mode`` is ``"live"`` (a terminal: the running step is shown, then replaced by its
    result), ``"plain"`` (CI logs: one line per finished step with its seconds) or
    ``"quiet"`` (nothing). ``"auto"`` picks live or plain from ``stream.isatty()``.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        mode: str = "auto",
        *,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.heartbeat_seconds = heartbeat_seconds
        if mode == "auto":
            mode = "live" if getattr(self.stream, "isatty", lambda: False)() else "plain"
        if mode not in ("live", "plain", "quiet"):
            raise ValueError(f"unknown progress mode {mode!r}")
        self.mode = mode
        self.timings: dict[str, float] = {}
        # Steps that looked up the analysis cache: name -> (results from it, results in all).
        self.cache_use: dict[str, tuple[int, int]] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[StepStatus]:
        """Time the enclosed block as step ``name`` and report it when it ends.

        The block may count on the yielded ``StepStatus`` which of its results came from the
        cache: the line then says so, e.g. ``umap-2d (cached)``.
        """
        status = StepStatus()
        start = time.perf_counter()
        lock = threading.Lock()  # the step's thread and the heartbeat both write
        stop = threading.Event()
        heartbeat = None
        if self.mode == "live":
            self.stream.write(f"\r\033[K  … {name}")
            self.stream.flush()
            status.changed = self._redraw(name, status, lock)
        elif self.mode == "plain":
            heartbeat = threading.Thread(
                target=self._beat, args=(name, status, start, stop, lock), daemon=True
            )
            heartbeat.start()
        try:
            yield status
        except BaseException:
            stop.set()
            if self.mode == "live":
                with lock:
                    self.stream.write(f"\r\033[K  ✗ {name}\n")
                    self.stream.flush()
            raise
        finally:
            stop.set()
            if heartbeat is not None:
                heartbeat.join()
        seconds = time.perf_counter() - start
        self.timings[name] = self.timings.get(name, 0.0) + seconds
        if status.from_cache or status.computed:
            self.cache_use[name] = (status.from_cache, status.from_cache + status.computed)
        shown = name + status.label()
        if self.mode == "live":
            self.stream.write(f"\r\033[K  ✓ {shown:<12} {seconds:6.2f} s\n")
        elif self.mode == "plain":
            self.stream.write(f"reportgen: {shown} {seconds:.2f} s\n")
        self.stream.flush()

    def _redraw(self, name: str, status: StepStatus, lock: threading.Lock) -> Callable[[], None]:
        last = [0.0]

        def redraw() -> None:
            now = time.perf_counter()
            if now - last[0] < _REDRAW_SECONDS and status.done < status.total:
                return
            last[0] = now
            with lock:
                self.stream.write(f"\r\033[K  … {name}{status.how_far()}")
                self.stream.flush()

        return redraw

    def _beat(
        self,
        name: str,
        status: StepStatus,
        start: float,
        stop: threading.Event,
        lock: threading.Lock,
    ) -> None:
        """One line per ``heartbeat_seconds`` while the step runs (plain mode)."""
        while not stop.wait(self.heartbeat_seconds):
            seconds = time.perf_counter() - start
            with lock:
                self.stream.write(f"reportgen: {name} running {seconds:.0f} s{status.how_far()}\n")
                self.stream.flush()

    def message(self, text: str) -> None:
        """Show a line that is not a step (a warning or a closing summary)."""
        if self.mode != "quiet":
            self.stream.write(f"reportgen: {text}\n")
            self.stream.flush()
