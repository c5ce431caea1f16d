"""The gallery's context (present only with images)."""

from __future__ import annotations

from dataclasses import replace

from reportgen.analysis.pipeline import CLUSTER_COLUMN
from reportgen.render.inputs import sprite_block
from reportgen.render.pages import gallery
from reportgen.render.sprite import ImageProblem, SpriteSheet


def _with_sprite(inputs, problems=()):
    sheet = SpriteSheet(png=b"png", thumb=8, columns=7, n=40, problems=tuple(problems))
    scatter = {**inputs.scatter, "sprite": sprite_block(sheet, inputs.sprite_href)}
    return replace(inputs, sprite=sheet, scatter=scatter)


def test_only_with_images(inputs):
    assert not gallery.has_gallery(inputs)
    assert gallery.has_gallery(_with_sprite(inputs))


def test_groupings_and_script(inputs):
    page = gallery.gallery_page(_with_sprite(inputs))
    assert [value for value, _ in page.groupings] == ["__label", CLUSTER_COLUMN, "__none"]
    assert page.has_choice and page.script["groupings"] == ["__label", CLUSTER_COLUMN, "__none"]
    assert page.script["sprite"] == {"href": inputs.sprite_href, "thumb": 8, "columns": 7}
    assert set(page.script) < set(inputs.scatter) | {"groupings"}
    assert page.problems == 0 and not page.more_problems


def test_unreadable_images_listed_up_to_a_cap(inputs):
    problems = [ImageProblem(row, "missing file") for row in range(60)]
    page = gallery.gallery_page(_with_sprite(inputs, problems))
    assert page.problems == 60 and len(page.problem_rows) == 50 and page.more_problems
