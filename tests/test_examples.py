"""The example GitHub Pages workflow parses and does what the README says it does."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

WORKFLOW = Path(__file__).resolve().parents[1] / "examples" / "github-pages.yml"
ACTION = Path(__file__).resolve().parents[1] / "action.yml"


def _steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def test_workflow_builds_uploads_and_deploys():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    # YAML 1.1 reads the key `on` as True
    triggers = workflow.get("on", workflow.get(True))
    assert "push" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build = _steps(workflow, "build")
    uses = [step.get("uses", "") for step in build]
    # The build is reportgen's own action (action.yml), which writes the job summary.
    report = next(
        step for step in build if re.fullmatch(r"[^/]+/reportgen@v\d+", step.get("uses", ""))
    )
    assert report["with"]["vectors"] and report["with"]["base-url"].startswith("https://")
    action = yaml.safe_load(ACTION.read_text())
    assert set(report["with"]) <= set(action["inputs"])
    assert "GITHUB_STEP_SUMMARY" in " ".join(
        step.get("run", "") for step in action["runs"]["steps"]
    )
    upload = next(step for step in build if "upload-pages-artifact" in step.get("uses", ""))
    assert upload["with"] == {"path": "site", "include-hidden-files": True}
    assert any(u.startswith("actions/configure-pages") for u in uses)
    deploy = _steps(workflow, "deploy")
    assert workflow["jobs"]["deploy"]["needs"] == "build"
    assert deploy[0]["uses"].startswith("actions/deploy-pages")
    # the build writes the folder the upload step reads
    assert upload["with"]["path"] == report["with"]["out"]
