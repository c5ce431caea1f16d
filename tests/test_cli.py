"""The command line, in-process: exit codes, one-line errors, config files, flags."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen import __version__
from reportgen.cli import main
from reportgen.config import option_specs
from tests.helpers import read_tree
from tests.io.cases import BAD_INPUTS, BadInput


def test_version(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"reportgen {__version__}"


def test_help_lists_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for spec in option_specs():
        if spec.key != "vectors":
            assert spec.flag in text
    assert "(default: off; config: [input] drop_invalid)" in text


def test_demo_build_plain_progress_and_timings(workdir: Path, capsys):
    code = main(["build", "--demo", "digits", "--out", "site", "--timings", "t.json", *FAST])
    assert code == 0
    err = capsys.readouterr().err
    assert "reportgen: load " in err and "reportgen: publish " in err
    timings = json.loads(Path("t.json").read_text())
    assert {"load", "summarize", "neighbors", "pca", "quality", "render", "publish"} <= set(
        timings["steps"]
    )
    report = json.loads(Path("site/report.json").read_text())
    assert report["dataset"]["n"] == 1797
    # timings live in the log and the timings file only, never in the site
    assert "timings" not in json.dumps(report)


def test_quiet_prints_nothing(workdir: Path, capsys):
    assert main(["build", "--demo", "digits", "--out", "site", "--quiet", *FAST]) == 0
    assert capsys.readouterr().err == ""


# Only what these tests check: loading, config and publishing. UMAP and t-SNE have tests of
# their own; leaving them out keeps each build here well under a second.
FAST = ["--no-umap", "--no-tsne"]


def _args_for(case: BadInput, root: Path) -> list[str]:
    specs = {s.key: s for s in option_specs() if s.section == "input"}
    args = ["build"]
    for key, value in case.options.items():
        spec = specs[key]
        if key == "vectors":
            args.insert(1, str(root / value))
        elif spec.type is bool:
            args.append(spec.flag if value else "--no-" + spec.flag[2:])
        elif spec.type is Path:
            args += [spec.flag, str(root / value)]
        else:
            args += [spec.flag, str(value)]
    return args


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c.id for c in BAD_INPUTS])
def test_bad_input_exits_2_with_one_line_and_keeps_the_site(case: BadInput, workdir: Path, capsys):
    assert main(["build", "--demo", "digits", "--out", "site", "--quiet", *FAST]) == 0
    before = read_tree(workdir / "site")
    data = workdir / "data"
    data.mkdir()
    for name, content in case.files.items():
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_bytes(content)
    code = main([*_args_for(case, data), "--out", "site", "--quiet", *FAST])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reportgen: error: "), err
    assert re.search(case.message, lines[0]), lines[0]
    assert read_tree(workdir / "site") == before


def test_unknown_config_key_exits_2(workdir: Path, capsys):
    Path("reportgen.toml").write_text('[input]\ndemo = "digits"\nlabel_colum = "x"\n')
    assert main(["build", "--out", "site"]) == 2
    err = capsys.readouterr().err
    assert "reportgen.toml" in err and "did you mean 'label_column'" in err


def test_reportgen_toml_is_read_and_flags_override_it(workdir: Path):
    Path("reportgen.toml").write_text('seed = 4\nout = "from-file"\n[input]\ndemo = "digits"\n')
    assert main(["build", "--quiet", *FAST]) == 0
    assert json.loads(Path("from-file/report.json").read_text())["provenance"]["seed"] == 4
    assert main(["build", "--quiet", "--seed", "6", "--out", "from-flag", *FAST]) == 0
    assert json.loads(Path("from-flag/report.json").read_text())["provenance"]["seed"] == 6


def test_pyproject_table_is_read(workdir: Path):
    Path("pyproject.toml").write_text(
        '[project]\nname = "x"\n'
        '[tool.reportgen]\nseed = 8\n[tool.reportgen.input]\ndemo = "digits"\n'
    )
    assert main(["build", "--quiet", "--out", "site", *FAST]) == 0
    assert json.loads(Path("site/report.json").read_text())["provenance"]["seed"] == 8


def test_explicit_config_paths_are_relative_to_it(workdir: Path, npy_dataset: Path):
    conf = workdir / "conf"
    conf.mkdir()
    (conf / "report.toml").write_text('[input]\nvectors = "../vectors.npy"\n')
    assert main(["build", "--config", "conf/report.toml", "--out", "site", "--quiet", *FAST]) == 0
    assert json.loads(Path("site/report.json").read_text())["dataset"]["n"] == 40


def test_foreign_output_folder_exits_2(workdir: Path, capsys):
    Path("site").mkdir()
    Path("site/keep.txt").write_text("x")
    assert main(["build", "--demo", "digits", "--out", "site", "--quiet", *FAST]) == 2
    assert "--force" in capsys.readouterr().err
    assert Path("site/keep.txt").exists()


def test_python_dash_m_works():
    result = subprocess.run(
        [sys.executable, "-m", "reportgen", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.strip() == f"reportgen {__version__}"


def test_urls_given_as_flags_keep_their_double_slash():
    """--metadata and --exports-dir take URLs as the positional vectors do: a Path would
    fold s3://b/k into s3:/b/k (a local folder named "s3:")."""
    from reportgen.cli import _overrides, _parser

    args = ["build", "s3://b/v/*.npy", "--metadata", "s3://b/m/*.tsv", "--exports-dir", "gs://b/r"]
    values = _overrides(_parser().parse_args(args))
    assert values[("input", "metadata")] == "s3://b/m/*.tsv"
    assert values[("render", "exports_dir")] == "gs://b/r"
