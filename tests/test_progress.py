import io

import pytest

from reportgen.progress import Progress


def test_plain_mode_prints_one_line_per_step_with_seconds():
    stream = io.StringIO()
    progress = Progress(stream, mode="auto")  # StringIO is not a terminal
    with progress.step("load"):
        pass
    with progress.step("render"):
        pass
    lines = stream.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["load", "render"]
    assert all(line.startswith("reportgen: ") and line.endswith(" s") for line in lines)
    assert set(progress.timings) == {"load", "render"}


def test_live_mode_rewrites_the_line():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress(stream)
    with progress.step("load"):
        pass
    assert progress.mode == "live"
    assert "\r" in stream.getvalue() and "✓ load" in stream.getvalue()


def test_quiet_mode_prints_nothing_but_still_times():
    stream = io.StringIO()
    progress = Progress(stream, mode="quiet")
    with progress.step("load"):
        pass
    progress.message("done")
    assert stream.getvalue() == ""
    assert "load" in progress.timings


def test_a_failed_step_is_not_timed():
    progress = Progress(io.StringIO(), mode="plain")
    with pytest.raises(ValueError), progress.step("load"):
        raise ValueError("boom")
    assert progress.timings == {}
