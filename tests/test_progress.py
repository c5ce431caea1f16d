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


def test_a_long_step_says_how_far_it_is_in_ci_logs():
    import time

    stream = io.StringIO()
    progress = Progress(stream, mode="plain", heartbeat_seconds=0.05)
    with progress.step("neighbors") as status:
        status.advance(450_000, 1_000_000)
        time.sleep(0.3)
    lines = stream.getvalue().splitlines()
    running = [line for line in lines if " running " in line]
    assert running, lines
    assert running[0].startswith("reportgen: neighbors running ")
    assert running[0].endswith(" s 45 % (450,000 of 1,000,000 rows)")
    assert lines[-1].startswith("reportgen: neighbors ") and " running " not in lines[-1]
    # The heartbeat stops with the step.
    time.sleep(0.15)
    assert stream.getvalue().splitlines() == lines


def test_a_long_step_redraws_its_live_line_with_its_share():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress(stream)
    with progress.step("tsne-2d") as status:
        status.advance(750, 750, "iterations")
    assert "… tsne-2d 100 % (750 of 750 iterations)" in stream.getvalue()
