"""The pages' script: the modules of templates/static/js concatenated in a declared order."""

from __future__ import annotations

import re

import pytest

from reportgen.render.scripts import MODULES, _without_comment_lines, javascript_bundle
from reportgen.render.templates import templates_dir

JS = templates_dir() / "static" / "js"


def test_every_module_is_listed_once():
    on_disk = sorted(p.relative_to(JS).as_posix() for p in JS.rglob("*.js"))
    assert sorted(MODULES) == on_disk
    assert len(set(MODULES)) == len(MODULES)


def test_the_namespace_comes_first_and_the_start_last():
    assert MODULES[:2] == ("namespace.js", "contract.js")
    assert MODULES[-1] == "main.js"


def test_the_bundle_is_the_modules_in_order():
    bundle = javascript_bundle().decode("utf-8")
    position = 0
    for name in MODULES:
        text = _without_comment_lines((JS / name).read_text(encoding="utf-8"), name)
        found = bundle.find(text, position)
        assert found == position, f"{name} is not where MODULES puts it"
        position += len(text)
    assert position == len(bundle)
    assert javascript_bundle() == javascript_bundle()  # deterministic


def test_the_bundle_leaves_out_comment_lines_and_keeps_every_line_of_code():
    text = (
        "// @ts-check\n"
        "/** A block\n * @param {number} x */\n"
        "reportgen.a = 1; // a trailing comment stays\n"
        "  /* one line */\n"
        "/* a comment */ reportgen.b = 2;\n"
        "/* open\n  still */ reportgen.c = 3;\n"
    )
    assert _without_comment_lines(text, "x.js") == (
        "reportgen.a = 1; // a trailing comment stays\n"
        "/* a comment */ reportgen.b = 2;\n"
        "/* open\n  still */ reportgen.c = 3;\n"
    )
    with pytest.raises(ValueError, match="never closed"):
        _without_comment_lines("/* open\nreportgen.a = 1;\n", "x.js")
    bundle = javascript_bundle().decode("utf-8")
    assert "@typedef" not in bundle and "// @ts-check" not in bundle
    code = [
        line
        for name in MODULES
        for line in (JS / name).read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith(("//", "/*", "*"))
    ]
    assert all(line in bundle for line in code)


def test_every_module_is_type_checked_and_only_registers():
    for name in MODULES:
        text = (JS / name).read_text(encoding="utf-8")
        assert text.startswith("// @ts-check\n"), name
        # Nothing at the top level but the namespace's own properties (and comments);
        # eslint's no-implicit-globals checks the same in `make lint`.
        for line in text.splitlines():
            if re.match(r"[A-Za-z_$]", line):
                assert re.match(
                    r"(reportgen\b|var reportgen = \{\};|if \(document|\} else)", line
                ), f"{name}: {line!r}"


def test_every_namespace_member_used_is_registered():
    """tsc lets a script read any property of the namespace (an object literal), so a
    misspelt reportgen.name would only fail in the browser: every one used is defined."""
    texts = [(JS / name).read_text(encoding="utf-8") for name in MODULES]
    defined = {m for text in texts for m in re.findall(r"^reportgen\.(\w+) =", text, re.M)}
    defined |= {"controllers"}
    used = {m for text in texts for m in re.findall(r"(?<![/\w])reportgen\.(\w+)", text)}
    assert used - defined == set()
    controllers = {
        m for text in texts for m in re.findall(r"^reportgen\.controllers\.(\w+) =", text, re.M)
    }
    assert controllers == {"index", "projections", "clusters", "compare", "gallery"}
