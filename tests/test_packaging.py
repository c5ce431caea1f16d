"""The wheel carries the templates, and an installed wheel builds a site."""

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    (found,) = out.glob("reportgen-*.whl")
    return found


def test_wheel_contains_the_templates(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    for template in (ROOT / "templates").rglob("*"):
        if template.is_file():
            inside = "reportgen/templates/" + template.relative_to(ROOT / "templates").as_posix()
            assert inside in names
    assert "reportgen/cli.py" in names
    assert not any(name.startswith("templates/") for name in names)


def test_installed_wheel_builds_a_site(wheel: Path, tmp_path: Path):
    target = tmp_path / "installed"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    script = textwrap.dedent(
        """
        import sys, reportgen
        from reportgen.render.templates import templates_dir
        print(reportgen.__file__)
        print(templates_dir())
        args = ["build", "--demo", "digits", "--out", "site", "-q", "--no-umap", "--no-tsne"]
        sys.exit(reportgen.cli.main(args))
        """
    )
    work = tmp_path / "work"
    work.mkdir()
    # The wheel's copy comes first on the path; run outside the source tree so the checkout
    # cannot be imported by accident.
    result = subprocess.run(
        [sys.executable, "-c", "import reportgen.cli\n" + script],
        cwd=work,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    module_file, templates = result.stdout.split()[:2]
    assert module_file.startswith(str(target))
    assert templates == str(target / "reportgen" / "templates")
    assert (work / "site" / "index.html").is_file()
    assert (work / "site" / "assets" / "reportgen.css").is_file()
