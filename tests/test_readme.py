"""The README documents every option and starts with the two commands."""

from pathlib import Path

from reportgen.config import option_specs

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_starts_with_the_two_commands():
    head = README.split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in head.strip().splitlines()] == [
        ["make", "demo"],
        ["make", "test"],
    ]


def test_readme_documents_every_option():
    for spec in option_specs():
        key = f"`[{spec.section}] {spec.key}`" if spec.section else f"`{spec.key}`"
        assert key in README, key
        if spec.key != "vectors":
            assert f"`{spec.flag}`" in README, spec.flag
