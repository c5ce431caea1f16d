import json

import pytest

from reportgen.render.templates import (
    environment,
    format_number,
    markdown_text,
    percent,
    script_json,
    shorten,
    templates_dir,
)


def test_templates_are_found_in_the_source_tree():
    folder = templates_dir()
    assert (folder / "base.html").is_file()
    assert (folder / "static" / "js" / "main.js").is_file()


@pytest.mark.parametrize(
    "value",
    [
        "</script><script>alert(1)</script>",
        "<!-- x",
        "a & b > c",
        "line\u2028separator\u2029para",
        {"k": ["<img src=x onerror=alert(1)>"]},
    ],
)
def test_script_json_cannot_close_the_script_and_round_trips(value):
    text = script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == value


def test_script_json_is_sorted_and_compact():
    assert script_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1797, "1\u2009797"),
        (0, "0"),
        (3.0, "3"),
        (0.123456, "0.123"),
        (12.3456, "12.3"),
        (999.99, "1000"),
        (-2.5, "-2.50"),
        (1234.5, "1\u2009234"),
        (1.234e-05, "1.23e-05"),
        (float("nan"), "–"),
    ],
)
def test_format_number(value, shown):
    assert format_number(value) == shown


def test_format_number_rejects_bools():
    with pytest.raises(TypeError):
        format_number(True)


def test_percent():
    assert percent(0.1234) == "12.3\u2009%"


def test_markdown_text_shows_markup_as_typed():
    assert markdown_text("a|b *c* [x](y)\nz") == "a\\|b \\*c\\* \\[x\\](y) z"


def test_autoescape_is_on_for_every_extension():
    env = environment()
    for name in ("x.html", "x.md.j2", "x.txt"):
        template = env.from_string("{{ v }}")
        template.name = name
        assert template.render(v="<b>") == "&lt;b&gt;"
    md = env.from_string("{{ v | md }}").render(v="<img src=x onerror=alert(1)>|")
    assert md == "&lt;img src=x onerror=alert(1)&gt;\\|"


def test_shorten_keeps_one_line_and_marks_the_cut():
    assert shorten("a  b\nc", 10) == "a b c"
    assert shorten("abcdefghij", 5) == "abcd…"
    assert len(shorten("x" * 500, 60)) == 60


def test_numbers_of_one_kind_side_by_side_share_their_decimals():
    from reportgen.render.templates import format_alike

    # The vector norms of unit vectors: min just under 1, max just over.
    assert format_alike([0.99996, 1.0, 1.0, 1.0000001]) == ["1.000", "1.000", "1.000", "1.000"]
    assert format_alike([0.5, 12.25, 1234.5]) == ["0.500", "12.250", "1\u2009234.500"]
    assert format_alike([3.0, 4.5]) == ["3.00", "4.50"]
    assert format_alike([float("nan"), 0.25])[0] == "–"
    assert format_alike([]) == []
