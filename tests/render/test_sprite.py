import io
import logging
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image

from reportgen.dataset import Images
from reportgen.render.sprite import (
    BACKGROUND,
    MAX_SPRITE_SIDE,
    ImageProblem,
    SpriteSheet,
    build_sprite,
    make_thumbnail,
    sprite_geometry,
)

GREY = (BACKGROUND,) * 3


@pytest.fixture
def warnings_log(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """caplog for the "reportgen" logger, even after a CLI test turned its propagation off."""
    monkeypatch.setattr(logging.getLogger("reportgen"), "propagate", True)
    caplog.set_level(logging.WARNING, logger="reportgen")
    return caplog


def _pixels(sheet: SpriteSheet) -> np.ndarray:
    """The sheet decoded as (side, side, 3) RGB."""
    return np.asarray(Image.open(io.BytesIO(sheet.png)).convert("RGB"))


def _tile(sheet: SpriteSheet, row: int, pixels: np.ndarray | None = None) -> np.ndarray:
    x, y = sheet.position(row)
    pixels = _pixels(sheet) if pixels is None else pixels
    return pixels[y : y + sheet.thumb, x : x + sheet.thumb]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header for a width x height grey image with a tiny IDAT (never decoded)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + _chunk(b"IEND", b"")
    )


def _save(image: Image.Image, path: Path, **options) -> Path:
    image.save(path, **options)
    return path


@pytest.mark.parametrize(
    ("n", "wanted", "expected"),
    [
        (1, 64, (1, 64)),
        (2, 64, (2, 64)),
        (4, 64, (2, 64)),
        (10, 64, (4, 64)),
        (1797, 64, (43, 64)),
        (70_000, 64, (265, 30)),
        (70_000, 16, (265, 16)),
        (1, 10_000, (1, MAX_SPRITE_SIDE)),
    ],
)
def test_sprite_geometry(n, wanted, expected):
    columns, thumb = sprite_geometry(n, wanted)
    assert (columns, thumb) == expected
    assert (columns - 1) ** 2 < n <= columns**2
    assert columns * thumb <= MAX_SPRITE_SIDE


@pytest.mark.parametrize(("n", "wanted"), [(0, 64), (5, 0)])
def test_sprite_geometry_rejects_nothing_to_draw(n, wanted):
    with pytest.raises(ValueError, match=f"={min(n, wanted)}"):
        sprite_geometry(n, wanted)


@pytest.mark.parametrize(("n", "wanted"), [(1, 5), (2, 7), (10, 3), (70_000, 64)])
def test_png_is_columns_times_thumb_square(n, wanted):
    arrays = np.arange(n, dtype=np.uint8).reshape(n, 1, 1)  # 1x1 px: a real build stays fast
    sheet = build_sprite(Images(arrays=arrays), wanted)
    assert (sheet.columns, sheet.thumb) == sprite_geometry(n, wanted)
    assert Image.open(io.BytesIO(sheet.png)).size == (sheet.columns * sheet.thumb,) * 2
    assert sheet.n == n and sheet.problems == ()


def test_tiles_are_row_major_and_unused_cells_are_background():
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255), (9, 9, 9)]
    arrays = np.array(colours, dtype=np.uint8)[:, None, None, :].repeat(4, 1).repeat(4, 2)
    sheet = build_sprite(Images(arrays=arrays), 8)
    assert (sheet.columns, sheet.thumb) == (3, 8)
    assert [sheet.position(row) for row in range(6)] == [
        (0, 0), (8, 0), (16, 0), (0, 8), (8, 8), (16, 8)
    ]  # fmt: skip
    pixels = _pixels(sheet)
    for row, colour in enumerate(colours):
        x, y = sheet.position(row)
        assert tuple(pixels[y + 4, x + 4]) == colour
        assert (_tile(sheet, row, pixels) == colour).all()  # 4 px enlarged to fill 8 px
    assert (pixels[16:, :] == BACKGROUND).all()  # the last grid line is unused
    with pytest.raises(IndexError, match="row 6"):
        sheet.position(6)


@pytest.mark.parametrize("tall", [False, True])
def test_aspect_ratio_is_kept_and_image_centred(tall):
    red = np.zeros((4, 8, 3), dtype=np.uint8)  # 8 wide, 4 high
    red[..., 0] = 255
    if tall:
        red = red.transpose(1, 0, 2)
    tile = np.asarray(make_thumbnail(Image.fromarray(red), 16))
    if tall:
        tile = tile.transpose(1, 0, 2)
    assert (tile[:4] == BACKGROUND).all() and (tile[12:] == BACKGROUND).all()
    assert (tile[4:12] == (255, 0, 0)).all()
    sheet = build_sprite(Images(arrays=red[None]), 16)
    expected = tile.transpose(1, 0, 2) if tall else tile
    assert (_tile(sheet, 0) == expected).all()


def test_exif_orientation_is_applied(tmp_path):
    # Stored 32 wide x 16 high, left half black; Orientation 6 means "rotate 90° clockwise
    # to display", so the shown image is 16 wide x 32 high with the black half on top.
    stored = np.full((16, 32), 255, dtype=np.uint8)
    stored[:, :16] = 0
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    path = _save(Image.fromarray(stored), tmp_path / "rotated.jpg", exif=exif, quality=95)
    tile = _tile(build_sprite(Images(paths=(path,)), 32), 0).astype(int)
    assert (tile[:, :8] == BACKGROUND).all() and (tile[:, 24:] == BACKGROUND).all()
    assert tile[2:14, 10:22].max() < 40  # black on top
    assert tile[18:30, 10:22].min() > 215  # white below


def _palette_with_transparency() -> Image.Image:
    image = Image.new("P", (4, 4), 0)
    image.putpalette([255, 0, 0, 0, 255, 0])  # 0 red, 1 green
    image.paste(1, (2, 0, 4, 4))  # right half green, which is the transparent index
    image.info["transparency"] = 1
    return image


def _rgba() -> Image.Image:
    pixels = np.zeros((4, 4, 4), dtype=np.uint8)
    pixels[:, :2] = (0, 0, 255, 255)  # opaque blue on the left, transparent on the right
    return Image.fromarray(pixels)


# (name, image, save options, expected colour of the left half, of the right half)
MODES = [
    ("l.png", Image.new("L", (4, 4), 100), {}, (100,) * 3, (100,) * 3),
    ("p.png", _palette_with_transparency(), {}, (255, 0, 0), GREY),
    ("p.gif", _palette_with_transparency(), {}, (255, 0, 0), GREY),
    ("rgba.png", _rgba(), {}, (0, 0, 255), GREY),
    ("cmyk.jpg", Image.new("CMYK", (4, 4), (0, 255, 255, 0)), {"quality": 100}, (255, 0, 0), None),
    ("cmyk.tif", Image.new("CMYK", (4, 4), (255, 0, 255, 0)), {}, (0, 255, 0), None),
    ("one.png", Image.new("1", (4, 4), 1), {}, (255,) * 3, (255,) * 3),
    # 16-bit: 0..65535 maps to 0..255, so 32896 is 128 (and a dark image stays dark).
    ("i16.png", Image.fromarray(np.full((4, 4), 32896, np.uint16)), {}, (128,) * 3, None),
]


@pytest.mark.parametrize(
    ("name", "image", "options", "left", "right"), MODES, ids=[m[0] for m in MODES]
)
def test_colour_modes_become_rgb_over_the_background(tmp_path, name, image, options, left, right):
    path = _save(image, tmp_path / name, **options)
    sheet = build_sprite(Images(paths=(path,)), 8)  # 4 px → 8 px: NEAREST, colours exact
    assert sheet.problems == ()
    tile = _tile(sheet, 0).astype(int)
    assert np.abs(tile[:, :4] - left).max() <= 2  # JPEG's rounding
    assert right is None or (tile[:, 4:] == right).all()


def test_grayscale_16_bit_and_float_ranges():
    ramp16 = np.array([[0, 257, 65535, 32896]], dtype=np.uint16)
    assert np.asarray(make_thumbnail(Image.fromarray(ramp16), 8))[4, ::2, 0].tolist() == [
        0, 1, 255, 128
    ]  # fmt: skip
    floats = Image.fromarray(np.array([[-2.0, 0.0, 2.0, np.nan]], dtype=np.float32))
    assert floats.mode == "F"
    # No nominal range: stretched from the minimum (black) to the maximum (white).
    assert np.asarray(make_thumbnail(floats, 8))[4, ::2, 0].tolist() == [0, 128, 255, 0]


def test_lab_is_converted_not_mistaken_for_a_mode_with_alpha():
    # Regression: "LAB" contains an "A", and was composited as if it had an alpha channel.
    white = make_thumbnail(Image.new("LAB", (2, 2), (255, 128, 128)), 2)
    black = make_thumbnail(Image.new("LAB", (2, 2), (0, 128, 128)), 2)
    assert np.asarray(white).min() >= 250 and np.asarray(black).max() <= 5


def test_gray_input_gives_a_grayscale_png_and_colour_an_rgb_one(tmp_path):
    gray = build_sprite(Images(arrays=np.zeros((3, 2, 2), np.uint8)), 4)
    assert Image.open(io.BytesIO(gray.png)).mode == "L"
    colour = build_sprite(Images(arrays=np.zeros((3, 2, 2, 3), np.uint8)), 4)
    assert Image.open(io.BytesIO(colour.png)).mode == "RGB"
    # From files: grey until the first colour tile, which turns the sheet RGB.
    first = _save(Image.new("L", (2, 2), 50), tmp_path / "gray.png")
    second = _save(Image.new("RGB", (2, 2), (1, 2, 3)), tmp_path / "colour.png")
    mixed = build_sprite(Images(paths=(first, None, second)), 4)
    assert Image.open(io.BytesIO(mixed.png)).mode == "RGB"
    assert (_tile(mixed, 0) == 50).all() and (_tile(mixed, 2) == (1, 2, 3)).all()


def test_small_images_are_enlarged_crisply_by_two_or_more_and_smoothly_below():
    rng = np.random.default_rng(0)
    digits = rng.integers(0, 256, (5, 8, 8), dtype=np.uint8)
    sheet = build_sprite(Images(arrays=digits), 64)
    assert sheet.thumb == 64
    pixels = _pixels(sheet)
    for row, digit in enumerate(digits):
        blocks = digit.repeat(8, axis=0).repeat(8, axis=1)
        assert (_tile(sheet, row, pixels)[..., 0] == blocks).all()
    checker = (np.indices((28, 28)).sum(axis=0) % 2 * 255).astype(np.uint8)
    crisp = np.asarray(make_thumbnail(Image.fromarray(checker), 56))
    assert set(np.unique(crisp)) == {0, 255}
    smooth = np.asarray(make_thumbnail(Image.fromarray(checker), 30))
    assert len(np.unique(smooth)) > 10


@pytest.mark.parametrize(
    ("shape", "size"),
    [
        ((6, 8, 8), 64),  # NEAREST by an integer factor
        ((6, 7, 10), 64),  # NEAREST by 6.4
        ((6, 28, 28), 30),  # Lanczos, enlarging
        ((6, 20, 40, 3), 16),  # Lanczos, shrinking
        ((6, 12, 9, 4), 16),  # RGBA over the background
        ((6, 9, 5, 2), 13),  # LA
        ((3, 200, 120, 3), 16),  # shrinking 12x: Pillow box-reduces first, one by one
        ((4, 16, 16, 1), 16),  # already the tile size
    ],
)
def test_arrays_are_tiled_as_make_thumbnail_tiles_each_one(shape, size):
    arrays = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    sheet = build_sprite(Images(arrays=arrays), size)
    pixels = _pixels(sheet)
    for row, array in enumerate(arrays):
        expected = make_thumbnail(Image.fromarray(array.squeeze()), size)
        assert (_tile(sheet, row, pixels) == np.asarray(expected)).all(), row


def test_exact_size_rgb_arrays_pass_through_unchanged():
    tiles = np.random.default_rng(2).integers(0, 256, (5, 16, 16, 3), dtype=np.uint8)
    sheet = build_sprite(Images(arrays=tiles), 16)
    pixels = _pixels(sheet)
    for row, tile in enumerate(tiles):
        assert (_tile(sheet, row, pixels) == tile).all()
    assert (np.asarray(make_thumbnail(Image.fromarray(tiles[0]), 16)) == tiles[0]).all()


def test_builds_are_byte_identical_and_carry_no_metadata(tmp_path):
    rng = np.random.default_rng(3)
    arrays = rng.integers(0, 256, (20, 10, 13, 3), dtype=np.uint8)
    first = build_sprite(Images(arrays=arrays), 24)
    assert first.png == build_sprite(Images(arrays=arrays.copy()), 24).png
    paths = tuple(
        _save(Image.fromarray(a), tmp_path / f"{i}.png") for i, a in enumerate(arrays[:4])
    )
    assert build_sprite(Images(paths=paths), 24).png == build_sprite(Images(paths=paths), 24).png
    assert b"tEXt" not in first.png and b"tIME" not in first.png and b"iTXt" not in first.png


def test_bad_images_get_a_placeholder_and_one_warning(tmp_path, warnings_log):
    good = _save(Image.new("RGB", (8, 8), (10, 200, 30)), tmp_path / "good.png")
    png = good.read_bytes()
    jpeg_image = Image.fromarray(np.random.default_rng(4).integers(0, 256, (32, 32, 3), np.uint8))
    jpeg = _save(jpeg_image, tmp_path / "good.jpg").read_bytes()
    (tmp_path / "corrupt.png").write_bytes(b"definitely not an image" * 10)
    # Cut inside the pixel data: Pillow still reads a PNG missing only the end of its stream.
    (tmp_path / "truncated.png").write_bytes(png[: len(png) - 30])
    (tmp_path / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (tmp_path / "huge.png").write_bytes(_png_declaring(100_000, 100_000))
    (tmp_path / "big.png").write_bytes(_png_declaring(10_000, 10_000))  # 1x..2x the limit
    (tmp_path / "folder.png").mkdir()
    paths = (
        good,
        tmp_path / "missing.png",
        tmp_path / "corrupt.png",
        None,
        tmp_path / "truncated.png",
        tmp_path / "truncated.jpg",
        tmp_path / "huge.png",
        tmp_path / "big.png",
        tmp_path / "folder.png",
        good,
    )
    sheet = build_sprite(Images(paths=paths), 8)
    assert sheet.problems == (
        ImageProblem(1, "missing file"),
        ImageProblem(2, "not an image"),
        ImageProblem(3, "no image"),
        ImageProblem(4, "truncated"),
        ImageProblem(5, "truncated"),
        ImageProblem(6, "too large (10,000,000,000 px)"),
        ImageProblem(7, "too large (10000 x 10000 px)"),
        ImageProblem(8, "not a file"),
    )
    pixels = _pixels(sheet)
    placeholder = _tile(sheet, 3, pixels)
    assert (placeholder[0, 0] < placeholder[0, 3]).all()  # a dark cross on a lighter grey
    assert (placeholder != BACKGROUND).all()
    for problem in sheet.problems:
        assert (_tile(sheet, problem.row, pixels) == placeholder).all()
    for row in (0, 9):
        assert (_tile(sheet, row, pixels) == (10, 200, 30)).all()
    records = [r for r in warnings_log.records if r.levelno >= logging.WARNING]
    assert len(records) == 1
    assert records[0].getMessage() == (
        "sprite: 8 of 10 rows have no readable image and show a placeholder: "
        "row 1 (missing file); row 2 (not an image); row 3 (no image); rows 4, 5 (truncated); "
        "row 6 (too large (10,000,000,000 px)); row 7 (too large (10000 x 10000 px)); "
        "row 8 (not a file)"
    )


def test_warning_lists_the_first_rows_and_counts_the_rest(warnings_log):
    paths = (None,) * 1000
    sheet = build_sprite(Images(paths=paths), 4)
    assert len(sheet.problems) == 1000
    (record,) = warnings_log.records
    assert record.getMessage() == (
        "sprite: 1000 of 1000 rows have no readable image and show a placeholder: "
        "rows 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 (no image) and 990 more"
    )


def test_good_images_log_nothing(tmp_path, warnings_log):
    path = _save(Image.new("RGB", (3, 3)), tmp_path / "a.png")
    assert build_sprite(Images(paths=(path, path)), 4).problems == ()
    assert warnings_log.records == []


@pytest.mark.parametrize(
    ("arrays", "match"),
    [
        (np.zeros((2, 4, 4), np.float32), "must be uint8, not float32"),
        (np.zeros((2, 4), np.uint8), r"shape \(2, 4\)"),
        (np.zeros((2, 4, 4, 5), np.uint8), r"shape \(2, 4, 4, 5\)"),
    ],
)
def test_arrays_of_the_wrong_kind_are_a_bug_not_a_bad_image(arrays, match):
    with pytest.raises(ValueError, match=match):
        build_sprite(Images(arrays=arrays), 8)
