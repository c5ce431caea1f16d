"""The sprite sheet: every row's image as one square thumbnail in a single PNG.

TensorFlow's Embedding Projector reads it (``sprite.image_path`` with ``single_image_dim``)
and the site's gallery shows its tiles with CSS ``background-position``. The layout is the
Projector's: a square grid of ``columns`` x ``columns`` tiles, row i of the dataset at grid
column ``i % columns`` and grid line ``i // columns``, unused cells left blank.

Every image, whatever its size and colour mode, becomes an RGB thumbnail on a neutral
light-grey background, aspect ratio kept and centred in its tile. An image that cannot be
shown (empty cell, missing file, not an image, truncated, too large to decode safely) gets
a placeholder tile and the build goes on; the affected rows are logged once at the end.

The sheet is built in memory and returned as bytes; nothing here writes a file. The bytes
depend only on the input (and on the zlib Pillow is built with): Pillow writes no timestamp
into a PNG, and no text chunks are added.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
import stat
import struct
import warnings
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from reportgen.cache import Cache, array_key, step_key
from reportgen.dataset import Images

if TYPE_CHECKING:
    from PIL import Image as PILImage

logger = logging.getLogger("reportgen")

# The Projector (and WebGL textures on many GPUs) accept at most 8192 px per side.
MAX_SPRITE_SIDE = 8192

# Neutral light grey behind transparent pixels, around letterboxed images and in unused cells.
BACKGROUND = 238
# The placeholder: a darker grey tile with a diagonal cross, distinct from the background.
_PLACEHOLDER_FILL = 204
_PLACEHOLDER_MARK = 136

# Pillow's default MAX_IMAGE_PIXELS. Fixed here rather than read from PIL.Image, which any
# library in the process may have changed (or set to None, disabling Pillow's own check).
_MAX_PIXELS = 89_478_485

# zlib level for the sheet. Measured on 70,000 MNIST-like 28x28 arrays at 64 px (a 7950 px
# square grayscale sheet of 30 px tiles; 1.1 s to build the pixels): level 1 encodes in
# 1.5 s to 25.9 MB, 6 (Pillow's default) in 2.2 s to 23.7 MB, 9 in 12 s to 23.2 MB.
_COMPRESS_LEVEL = 6

# When shrinking by more than this factor, Pillow first reduces by an integer box filter and
# then resamples the rest: much faster on photos, and per its docs indistinguishable from the
# full filter at 3.
_REDUCING_GAP = 3.0
# Enlarging by at least this factor uses NEAREST, keeping pixel art and tiny digits crisp.
_NEAREST_FROM = 2
_SMOOTH = "LANCZOS"

# Arrays are resized this many at a time (bounds the temporary memory for big datasets).
_BATCH = 4096

# Rows listed by name in the warning; the rest are counted.
_LISTED_ROWS = 10

# What Pillow raises for malformed files besides OSError: the same set its own Image.open
# treats as "this plugin cannot read it", plus ValueError and EOFError from decoders.
_CORRUPT_ERRORS = (SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error)


@dataclass(frozen=True)
class ImageProblem:
    """A row whose image could not be shown; its tile is a placeholder.

    ``row`` is 0-based; ``reason`` is short, e.g. ``"missing file"``, ``"not an image"``,
    ``"truncated"``, ``"too large (50000 x 50000 px)"`` or ``"no image"`` (an empty cell).
    """

    row: int
    reason: str


@dataclass(frozen=True)
class SpriteSheet:
    """One PNG of ``columns`` x ``columns`` square tiles of ``thumb`` px, row-major.

    Attributes:
        png: the PNG file's bytes, ``columns * thumb`` px square (grayscale when every tile
            is grey, else RGB).
        thumb: side of one tile in px.
        columns: tiles per line and per column of the grid.
        n: number of rows (tiles in use; the rest of the grid is background).
        problems: the rows that show a placeholder, in row order.
    """

    png: bytes = field(repr=False)
    thumb: int
    columns: int
    n: int
    problems: tuple[ImageProblem, ...] = ()

    def position(self, row: int) -> tuple[int, int]:
        """The (x, y) pixel offset of ``row``'s tile from the sheet's top-left corner.

        Raises IndexError when ``row`` is not in 0..n-1.
        """
        if not 0 <= row < self.n:
            raise IndexError(f"row {row} is not in the sprite's {self.n} rows")
        return (row % self.columns) * self.thumb, (row // self.columns) * self.thumb


def sprite_geometry(n: int, wanted: int) -> tuple[int, int]:
    """``(columns, thumb)`` for ``n`` images with tiles of ``wanted`` px if they fit.

    ``columns = ceil(sqrt(n))`` tiles per side of the square grid; ``thumb = min(wanted,
    floor(8192 / columns))``, at least 1 (so the sheet stays within MAX_SPRITE_SIDE for up
    to 8192² images). Raises ValueError when ``n`` or ``wanted`` is below 1.
    """
    if n < 1:
        raise ValueError(f"n={n} images: a sprite needs at least one")
    if wanted < 1:
        raise ValueError(f"wanted={wanted} px: a thumbnail needs at least 1 px")
    columns = math.isqrt(n)
    if columns * columns < n:
        columns += 1
    return columns, max(1, min(wanted, MAX_SPRITE_SIDE // columns))


def make_thumbnail(image: PILImage.Image, size: int) -> PILImage.Image:
    """``image`` as a ``size`` x ``size`` RGB tile.

    EXIF orientation is applied; any colour mode becomes RGB, transparent pixels showing
    the light-grey background; integer grayscale of more than 8 bits (I;16, I) is read as
    16-bit, 0..65535 → 0..255, and floating point (F) or 32-bit values outside 0..65535 are
    stretched from their actual minimum to their maximum. The image is scaled to fit with
    its aspect ratio kept and centred: shrunk with a Lanczos filter, enlarged with NEAREST
    when by a factor of 2 or more (crisp pixels), else with Lanczos. An RGB image already
    ``size`` x ``size`` comes back pixel-identical.

    For an unloaded JPEG only the needed resolution is decoded (``image.draft``, which
    changes ``image`` itself). Raises what Pillow raises for an unreadable image (OSError,
    SyntaxError, ValueError, ...) and ValueError for a colour mode it cannot convert.
    """
    from PIL import Image

    tile = np.full((size, size, 3), BACKGROUND, dtype=np.uint8)
    _paste_centred(tile, np.asarray(_fit(image, size)))
    return Image.fromarray(tile)


def build_sprite(images: Images, wanted: int, *, cache: Cache | None = None) -> SpriteSheet:
    """The sprite sheet of ``images`` (one per row) with tiles of up to ``wanted`` px.

    A bad image (empty cell, missing or unreadable file, truncated, larger than 89,478,485
    px) gets a placeholder tile and is reported in ``problems`` and in one logged warning;
    it never raises. Arrays must be uint8 of shape (N, h, w) or (N, h, w, 1|2|3|4)
    (ValueError otherwise: that is a loader's bug, not a bad image). Same input, same bytes.

    With a ``cache``, a sheet an earlier build made from the same pixels (the arrays, or
    the files' bytes when every path is a regular file) is reused instead of decoding and
    encoding every image again; its problems are logged the same way.
    """
    n = len(images)
    columns, thumb = sprite_geometry(n, wanted)
    key = _sprite_key(images, thumb) if cache is not None else None
    if key is not None:
        found = cache.get("sprite", key, partial(_decode_sheet, n=n, columns=columns, thumb=thumb))
        if found is not None:
            if found.problems:
                logger.warning("%s", _describe_problems(found.problems, n))
            return found
    if images.arrays is not None:
        sheet = _sheet_from_arrays(images.arrays, columns, thumb)
        problems: tuple[ImageProblem, ...] = ()
    else:
        sheet, problems = _sheet_from_paths(images.paths, columns, thumb)
    if problems:
        logger.warning("%s", _describe_problems(problems, n))
    sprite = SpriteSheet(_encode_png(sheet), thumb, columns, n, problems)
    if key is not None:
        png = np.frombuffer(sprite.png, dtype=np.uint8)
        cache.put("sprite", key, {"png": png}, {"problems": [[p.row, p.reason] for p in problems]})
    return sprite


def _sprite_key(images: Images, thumb: int) -> str | None:
    """The cache key of a sheet: the pixels' source and the tile size; None when a path is
    not a readable regular file (what such a row shows is not worth predicting)."""
    digest = hashlib.sha256()
    if images.arrays is not None:
        digest.update(b"arrays " + array_key(np.asarray(images.arrays)).encode())
    else:
        for path in images.paths:
            if path is None:
                digest.update(b"none\0")
                continue
            try:
                if not stat.S_ISREG(Path(path).stat().st_mode):
                    return None
                # Pillow reads by content; the suffix goes in too, to be safe.
                digest.update(b"file " + Path(path).suffix.lower().encode() + b"\0")
                with open(path, "rb") as handle:
                    content = hashlib.sha256()
                    while chunk := handle.read(1 << 20):
                        content.update(chunk)
                digest.update(content.digest())
            except OSError:
                return None
    return step_key("sprite", [digest.hexdigest()], {"thumb": thumb}, ("numpy", "pillow"))


def _decode_sheet(arrays, value, *, n: int, columns: int, thumb: int) -> SpriteSheet:
    png = arrays["png"]
    if png.dtype != np.uint8 or png.ndim != 1 or not png[:8].tobytes() == b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    problems = tuple(ImageProblem(int(row), str(reason)) for row, reason in value["problems"])
    if any(not 0 <= p.row < n for p in problems):
        raise ValueError("problem row out of range")
    return SpriteSheet(png.tobytes(), thumb, columns, n, problems)


class _BadImage(ValueError):
    """An image this module refuses to show; ``args[0]`` is the reason for the warning."""


class _Sheet:
    """The pixels of the sheet while it is built: grayscale until the first colour tile.

    Starting grey saves two thirds of the memory and of the PNG for grayscale datasets (MNIST,
    scans); the first colour tile turns the whole sheet into RGB, once.
    """

    def __init__(self, columns: int, thumb: int, gray: bool = True) -> None:
        side = columns * thumb
        self.columns = columns
        self.thumb = thumb
        self.pixels = np.full((side, side) if gray else (side, side, 3), BACKGROUND, np.uint8)

    def tile(self, row: int) -> np.ndarray:
        y, x = divmod(row, self.columns)
        t = self.thumb
        return self.pixels[y * t : (y + 1) * t, x * t : (x + 1) * t]

    def put(self, row: int, image: np.ndarray) -> None:
        """Centre ``image`` (h, w) or (h, w, 3), at most thumb px a side, in ``row``'s tile."""
        if image.ndim == 3 and self.pixels.ndim == 2:
            self.pixels = np.repeat(self.pixels[:, :, None], 3, axis=2)
        _paste_centred(self.tile(row), image)

    def put_batch(self, start: int, images: np.ndarray) -> None:
        """Centre ``images`` (k, h, w) or (k, h, w, 3) in the tiles of rows start..start+k-1."""
        t, c = self.thumb, self.columns
        rows = np.arange(start, start + len(images))
        h, w = images.shape[1:3]
        top, left = (t - h) // 2, (t - w) // 2
        # A (grid line, y, grid column, x[, channel]) view of the sheet: one fancy-indexed
        # assignment places the whole batch.
        grid = self.pixels.reshape(c, t, c, t, *self.pixels.shape[2:])
        grid[rows // c, top : top + h, rows % c, left : left + w] = images


def _paste_centred(tile: np.ndarray, image: np.ndarray) -> None:
    h, w = image.shape[:2]
    top, left = (tile.shape[0] - h) // 2, (tile.shape[1] - w) // 2
    if image.ndim == 2 and tile.ndim == 3:
        image = image[:, :, None]  # grey into all three channels
    tile[top : top + h, left : left + w] = image


def _placeholder(size: int) -> np.ndarray:
    """A grey (size, size) tile with a diagonal cross, about 1/16 of the side thick."""
    tile = np.full((size, size), _PLACEHOLDER_FILL, dtype=np.uint8)
    i = np.arange(size)
    half = max(1, size // 16) / 2
    on_cross = (np.abs(i[:, None] - i[None, :]) < half) | (
        np.abs(i[:, None] + i[None, :] - (size - 1)) < half
    )
    tile[on_cross] = _PLACEHOLDER_MARK
    return tile


def _fitted_size(w: int, h: int, size: int) -> tuple[int, int]:
    """(width, height) of a w x h image scaled so that its longer side is ``size``."""
    # Integer rounding (half up), so that the result does not depend on float quirks.
    if w >= h:
        return size, max(1, (2 * h * size + w) // (2 * w))
    return max(1, (2 * w * size + h) // (2 * h)), size


def _filter_for(w: int, h: int, size: int) -> str | None:
    """The resampling filter that brings w x h to its fitted size; None if already there."""
    if _fitted_size(w, h, size) == (w, h):
        return None
    return "NEAREST" if size >= _NEAREST_FROM * max(w, h) else _SMOOTH


def _fit(image: PILImage.Image, size: int) -> PILImage.Image:
    """``image`` oriented, in mode L or RGB over the background, scaled to fit ``size``."""
    from PIL import ImageOps

    # Decode a JPEG at the smallest DCT scale (1/2, 1/4, 1/8) that still leaves twice the
    # final size, as Image.thumbnail does; a no-op for other formats and loaded images. The
    # tile is square, so the fitted size does not depend on the EXIF rotation applied next.
    w, h = _fitted_size(*image.size, size)
    image.draft(None, (2 * w, 2 * h))
    image = ImageOps.exif_transpose(image)
    return _resize(_flatten(image), size)


def _resize(image: PILImage.Image, size: int) -> PILImage.Image:
    from PIL import Image

    method = _filter_for(*image.size, size)
    if method is None:
        return image
    return image.resize(
        _fitted_size(*image.size, size),
        Image.Resampling[method],
        reducing_gap=_REDUCING_GAP,
    )


def _flatten(image: PILImage.Image) -> PILImage.Image:
    """``image`` in mode L (grey sources) or RGB, transparency composited on the background."""
    from PIL import Image

    mode = image.mode
    if mode in ("L", "RGB") and "transparency" not in image.info:
        return image
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I") or mode == "F":
        return Image.fromarray(_to_8bit(np.asarray(image)))
    if mode in ("LA", "La", "L"):
        return Image.fromarray(_over_background(np.asarray(image.convert("LA"))))
    if mode in ("RGBA", "RGBa", "PA") or "transparency" in image.info:
        return Image.fromarray(_over_background(np.asarray(image.convert("RGBA"))))
    try:
        return image.convert("RGB")
    except ValueError as error:
        raise _BadImage(f"unsupported colour mode {mode}") from error


def _to_8bit(values: np.ndarray) -> np.ndarray:
    """Grayscale of more than 8 bits as uint8 (see make_thumbnail for the rule)."""
    if values.dtype.kind in "ui" and values.min() >= 0 and values.max() <= 65535:
        # 16-bit: the range the file format means, so a dark image stays dark and images
        # compare with each other.
        wide = values.astype(np.uint32)
        return ((wide * 255 + 32767) // 65535).astype(np.uint8)
    # Floats (and wider integers) have no nominal range: stretch what is there.
    floats = values.astype(np.float64)
    finite = np.isfinite(floats)
    if not finite.any():
        return np.zeros(values.shape, dtype=np.uint8)
    low, high = floats[finite].min(), floats[finite].max()
    scaled = (floats - low) * (255.0 / (high - low)) if high > low else np.zeros_like(floats)
    return np.rint(np.where(finite, scaled, 0.0)).clip(0, 255).astype(np.uint8)


def _over_background(pixels: np.ndarray) -> np.ndarray:
    """(..., channels + alpha) uint8 composited over the background, alpha dropped."""
    alpha = pixels[..., -1:].astype(np.uint16)
    colour = pixels[..., :-1].astype(np.uint16)
    out = (colour * alpha + BACKGROUND * (255 - alpha) + 127) // 255
    out = out.astype(np.uint8)
    return out[..., 0] if out.shape[-1] == 1 else out


def _sheet_from_paths(
    paths: tuple[Path | None, ...], columns: int, thumb: int
) -> tuple[np.ndarray, tuple[ImageProblem, ...]]:
    from PIL import Image

    sheet = _Sheet(columns, thumb)
    placeholder = _placeholder(thumb)
    problems = []
    with warnings.catch_warnings():
        # Images between 1x and 2x Pillow's limit only warn; _read_fitted refuses them
        # itself, with their size in the reason.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        for row, path in enumerate(paths):
            try:
                if path is None:
                    raise _BadImage("no image")
                sheet.put(row, np.asarray(_read_fitted(Path(path), thumb)))
            except _BadImage as bad:
                problems.append(ImageProblem(row, bad.args[0]))
                sheet.put(row, placeholder)
    return sheet.pixels, tuple(problems)


def _read_fitted(path: Path, size: int) -> PILImage.Image:
    """The image at ``path`` fitted to ``size`` (mode L or RGB); _BadImage when it cannot be."""
    from PIL import Image, UnidentifiedImageError

    try:
        # Only regular files: opening a FIFO or a device could block or never end.
        if not stat.S_ISREG(path.stat().st_mode):
            raise _BadImage("not a file")
        with Image.open(path) as image:
            # Image.open reads only the header: refuse decompression bombs before decoding.
            w, h = image.size
            if w * h > _MAX_PIXELS:
                raise _BadImage(f"too large ({w} x {h} px)")
            return _fit(image, size)
    except _BadImage:
        raise
    except FileNotFoundError as error:
        reason, detail = "missing file", error
    except PermissionError as error:
        reason, detail = "permission denied", error
    except UnidentifiedImageError as error:
        reason, detail = "not an image", error
    except Image.DecompressionBombError as error:
        # Beyond twice Pillow's limit Image.open raises before telling the size in pixels.
        found = re.search(r"\((\d+) pixels\)", str(error))
        reason, detail = f"too large ({int(found[1]):,} px)" if found else "too large", error
    except OSError as error:
        # Pillow says "image file is truncated", "Truncated File Read" (in a header) or
        # "broken data stream" for a short file.
        text = str(error).lower()
        reason = "truncated" if "truncated" in text or "broken data" in text else "unreadable"
        detail = error
    except _CORRUPT_ERRORS as error:
        reason, detail = "corrupt", error
    logger.debug("sprite: %s: %s (%s: %s)", path, reason, type(detail).__name__, detail)
    raise _BadImage(reason) from detail


def _sheet_from_arrays(arrays: np.ndarray, columns: int, thumb: int) -> np.ndarray:
    pixels = _flat_arrays(arrays)
    n, h, w = pixels.shape[:3]
    sheet = _Sheet(columns, thumb, gray=pixels.ndim == 3)
    method = _filter_for(w, h, thumb)
    tw, th = _fitted_size(w, h, thumb)
    if method is None:
        sheet.put_batch(0, pixels)
    elif method == "NEAREST":
        # Pillow's own NEAREST mapping, taken from resizing a row of indices, so that the
        # batch matches make_thumbnail pixel for pixel.
        ys, xs = _nearest_indices(h, th), _nearest_indices(w, tw)
        for start in range(0, n, _BATCH):
            sheet.put_batch(start, pixels[start : start + _BATCH][:, ys][:, :, xs])
    elif _reduces(w, h, tw, th):
        # Shrinking a lot: Pillow reduces by whole-pixel boxes first, which a stacked
        # batch cannot reproduce (boxes would straddle images). Resize one by one.
        from PIL import Image

        for row in range(n):
            sheet.put(row, np.asarray(_resize(Image.fromarray(pixels[row]), thumb)))
    else:
        for start in range(0, n, _BATCH):
            sheet.put_batch(start, _resize_stack(pixels[start : start + _BATCH], tw, th))
    return sheet.pixels


def _flat_arrays(arrays: np.ndarray) -> np.ndarray:
    """(N, h, w) grey or (N, h, w, 3) RGB uint8, any alpha composited on the background."""
    if arrays.dtype != np.uint8:
        raise ValueError(f"image arrays must be uint8, not {arrays.dtype}")
    channels = arrays.shape[3] if arrays.ndim == 4 else None
    if arrays.ndim not in (3, 4) or channels not in (None, 1, 2, 3, 4) or 0 in arrays.shape:
        raise ValueError(
            f"image arrays of shape {arrays.shape}: expected (N, h, w) or (N, h, w, 1|2|3|4)"
        )
    if channels in (2, 4):
        return _over_background(arrays)
    return arrays[..., 0] if channels == 1 else arrays


def _nearest_indices(length: int, fitted: int) -> np.ndarray:
    from PIL import Image

    indices = Image.fromarray(np.arange(length, dtype=np.int32)[None, :])
    return np.asarray(indices.resize((fitted, 1), Image.Resampling.NEAREST))[0]


def _reduces(w: int, h: int, tw: int, th: int) -> bool:
    """Whether Image.resize with _REDUCING_GAP would box-reduce first (its own formula)."""
    return int(w / tw / _REDUCING_GAP) > 1 or int(h / th / _REDUCING_GAP) > 1


def _resize_stack(pixels: np.ndarray, tw: int, th: int) -> np.ndarray:
    """(k, h, w[, 3]) resized to (k, th, tw[, 3]), exactly as Pillow resizes each one.

    Pillow resizes in two passes, horizontal then vertical, each row (then column)
    independently of the others. So stacking the images vertically for the horizontal pass,
    and side by side for the vertical one, gives each image's own result in two calls.
    """
    from PIL import Image

    k, h, w = pixels.shape[:3]
    rest = pixels.shape[3:]
    lanczos = Image.Resampling[_SMOOTH]
    if tw != w:
        tall = Image.fromarray(np.ascontiguousarray(pixels).reshape(k * h, w, *rest))
        pixels = np.asarray(tall.resize((tw, k * h), lanczos)).reshape(k, h, tw, *rest)
    if th != h:
        wide = Image.fromarray(
            np.ascontiguousarray(pixels.swapaxes(0, 1)).reshape(h, k * tw, *rest)
        )
        pixels = np.asarray(wide.resize((k * tw, th), lanczos)).reshape(th, k, tw, *rest)
        pixels = pixels.swapaxes(0, 1)
    return pixels


def _encode_png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    # No pnginfo and no optimize: the bytes depend on the pixels and the zlib level only.
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=_COMPRESS_LEVEL)
    return buffer.getvalue()


def _describe_problems(problems: tuple[ImageProblem, ...], n: int) -> str:
    """``sprite: 3 of 50 rows ...: row 4 (missing file); rows 9, 12 (not an image)``."""
    groups: dict[str, list[int]] = {}
    for problem in problems[:_LISTED_ROWS]:
        groups.setdefault(problem.reason, []).append(problem.row)
    listed = "; ".join(
        f"{'row' if len(rows) == 1 else 'rows'} {', '.join(map(str, rows))} ({reason})"
        for reason, rows in groups.items()
    )
    more = len(problems) - _LISTED_ROWS
    verb = "has" if len(problems) == 1 else "have"
    return (
        f"sprite: {len(problems)} of {n} rows {verb} no readable image and show a placeholder: "
        f"{listed}{f' and {more} more' if more > 0 else ''}"
    )
