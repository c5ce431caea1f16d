"""The GitHub Action (action.yml): it parses as a composite action with the inputs and
outputs the README names, and its build step, run by bash as the runner runs it, builds the
digits demo, appends summary.md to the job summary and reports the gates."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ACTION = Path(__file__).resolve().parents[1] / "action.yml"


@pytest.fixture(scope="module")
def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def _step(action: dict, name: str) -> dict:
    return next(step for step in action["runs"]["steps"] if step["name"] == name)


def test_the_action_is_composite_with_its_inputs_and_outputs(action):
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    for name in ("vectors", "metadata", "config", "out", "baseline", "fail-under", "fail-over",
                 "fail-if-drop", "args", "fail-on-gates", "base-url", "compare-with"):  # fmt: skip
        assert name in inputs and inputs[name]["required"] is False, name
    assert inputs["out"]["default"] == "site"
    assert set(action["outputs"]) == {"site", "gates", "exit-code"}
    for output in action["outputs"].values():
        assert output["value"].startswith("${{ steps.build.outputs.")
    install = _step(action, "Install reportgen")
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert "pip install" in install["run"]
    build = _step(action, "Build the report")
    assert build["id"] == "build" and build["shell"] == "bash"
    # No input is pasted into the script (a value with quotes or $() stays data).
    assert "${{" not in build["run"]


def _run_build(action: dict, tmp_path: Path, **inputs: str) -> tuple[int, dict, str]:
    """The build step's script under bash -eo pipefail (as the runner runs composite bash
    steps), with the action's defaults for the inputs not given."""
    step = _step(action, "Build the report")
    env = {key: value for key, value in os.environ.items() if not key.startswith("INPUT_")}
    for key, reference in step["env"].items():
        name = reference.removeprefix("${{ inputs.").removesuffix(" }}")
        env[key] = inputs.get(name.replace("-", "_"), action["inputs"][name]["default"])
    outputs, summary = tmp_path / "outputs", tmp_path / "summary"
    outputs.write_text(""), summary.write_text("previous step\n")
    env.update(GITHUB_OUTPUT=str(outputs), GITHUB_STEP_SUMMARY=str(summary))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    script = tmp_path / "build.sh"
    script.write_text(step["run"])
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    said = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return done.returncode, said, summary.read_text()


FAST = "--demo digits --no-umap --no-tsne --quiet"


def test_its_build_step_builds_reports_the_gates_and_writes_the_job_summary(action, tmp_path):
    code, said, summary = _run_build(
        action, tmp_path, args=FAST, out="report-site", fail_under="knn_label_accuracy=0.5"
    )
    assert code == 0
    assert said == {"site": "report-site", "gates": "passed", "exit-code": "0"}
    assert (tmp_path / "report-site" / "index.html").is_file()
    assert summary.startswith("previous step\n") and "kNN label accuracy" in summary
    # A failing gate fails the step, after the site and the summary are written.
    code, said, summary = _run_build(
        action, tmp_path, args=FAST, fail_under="knn_label_accuracy=1.01"
    )
    assert code == 3 and said["gates"] == "failed" and said["exit-code"] == "3"
    assert (tmp_path / "site" / "report.json").is_file() and "kNN label accuracy" in summary
    # ... unless the workflow only wants to know.
    code, said, _ = _run_build(
        action, tmp_path, args=FAST, fail_under="knn_label_accuracy=1.01", fail_on_gates="false"
    )
    assert code == 0 and said["gates"] == "failed"
    # Bad input is an error whatever fail-on-gates says.
    code, said, _ = _run_build(action, tmp_path, vectors="missing.npy", fail_on_gates="false")
    assert code == 2 and said == {"site": "site", "gates": "error", "exit-code": "2"}
