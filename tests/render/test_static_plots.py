import numpy as np

from reportgen.render.static_plots import centroid_heatmap_png, cluster_map_png


def _chunks(png: bytes) -> list[bytes]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    chunks, at = [], 8
    while at < len(png):
        length = int.from_bytes(png[at : at + 4], "big")
        chunks.append(png[at + 4 : at + 8])
        at += 12 + length
    return chunks


def test_pngs_are_byte_identical_and_carry_no_metadata():
    rng = np.random.default_rng(0)
    matrix = np.corrcoef(rng.normal(size=(4, 10)))
    names = ["a", "</script>", "c" * 40, "d"]
    first = centroid_heatmap_png(matrix, names, -1.0)
    assert first == centroid_heatmap_png(matrix, names, -1.0)
    coordinates = rng.normal(size=(50, 2))
    codes = rng.integers(0, 3, size=50)
    second = cluster_map_png(coordinates, codes, ["x", "y", "z"])
    assert second == cluster_map_png(coordinates, codes, ["x", "y", "z"])
    for png in (first, second):
        chunks = _chunks(png)
        assert b"IHDR" in chunks and b"IEND" in chunks
        assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(chunks)
