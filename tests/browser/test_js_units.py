"""The pure functions of the pages' script, run in the real Chromium on a tiny harness page
that loads the bundle exactly as the site ships it (assets/reportgen.js)."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest

from reportgen.render import contract
from reportgen.render.payloads import encode_array
from reportgen.render.scripts import javascript_bundle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("harness")
    (folder / "reportgen.js").write_bytes(javascript_bundle())
    # A page with no block and no controller: main.js starts nothing.
    (folder / "harness.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"></head>'
        '<body data-page="harness"><script src="reportgen.js"></script></body></html>',
        encoding="utf-8",
    )
    return folder / "harness.html"


@pytest.fixture
def js(harness: Path, open_page):
    page, log = open_page(harness)
    yield lambda expression, *arg: page.evaluate(expression, *arg)
    assert log.console_errors == [] and log.page_errors == []


def test_loading_the_bundle_registers_one_namespace(js):
    assert js("Object.keys(window.reportgen.controllers).sort()") == [
        "clusters",
        "compare",
        "gallery",
        "index",
        "projections",
    ]
    assert js("Object.isFrozen(reportgen.contract)")
    assert js("JSON.parse(JSON.stringify(reportgen.contract))") == contract.JS_CONSTANTS
    assert js("reportgen.current === null && reportgen.tabs === null")


def test_parse_hash(js):
    assert js("reportgen.parseHash('#view=pca-2d&point=3')") == {"view": "pca-2d", "point": "3"}
    assert js("reportgen.parseHash('color=k-means%20cluster&q=a%3Db=c')") == {
        "color": "k-means cluster",
        "q": "a=b=c",
    }
    assert js("reportgen.parseHash('#')") == {}
    assert js("reportgen.parseHash('&&point=&')") == {"point": ""}


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([1.5, -2.0, 3.25, np.nan], "float32"),
        ([-(2**31), 0, 2**31 - 1], "int32"),
        ([0, 7, 255], "uint8"),
        ([0, 1, 65535], "uint16"),
    ],
)
def test_decode_reads_what_python_encodes(js, values, dtype):
    encoded = encode_array(np.array(values), dtype)
    decoded = js("a => Array.from(reportgen.decode(a), v => Number.isNaN(v) ? 'NaN' : v)", encoded)
    assert decoded == ["NaN" if v != v else v for v in values]
    assert js("a => reportgen.decode(a) === reportgen.decode(a)", encoded)  # decoded once
    assert js("reportgen.decode(null)") is None


def test_decode_of_a_matrix_keeps_rows_in_order(js):
    matrix = np.arange(12, dtype=np.float32).reshape(3, 4)
    rows = js(
        "m => reportgen.bind({$matrix: 'm', scale: 2, offset: -1}, {m: m})",
        encode_array(matrix, "float32"),
    )
    assert rows == (matrix * 2 - 1).tolist()


def test_bind_replaces_references(js):
    bound = js(
        "reportgen.bind({x: {$data: 'a.b'}, t: {$text: 'names'}, n: [1, {$data: 'a.missing'}]},"
        " {a: {b: [1, 2]}, names: ['<b>x</b>', 'a & b']})"
    )
    assert bound == {"x": [1, 2], "t": ["&lt;b&gt;x&lt;/b&gt;", "a &amp; b"], "n": [1, None]}


def test_natural_order_puts_other_last(js):
    order = "n => reportgen.naturalOrder(n).map(c => n[c])"
    assert js(order, ["b10", "b9", "a", "other (2 values)"]) == [
        "a",
        "b9",
        "b10",
        "other (2 values)",
    ]
    # "other (N values)" is the lumped rest only as the last name; elsewhere it is a name.
    assert js(order, ["zeta", "other (3 values)", "a"]) == ["a", "other (3 values)", "zeta"]
    assert js("n => reportgen.naturalOrder(n)", ["10", "2", "1"]) == [2, 1, 0]


def test_truncate_and_plotly_text(js):
    assert js("reportgen.truncate('abcdef', 4)") == "abc…"
    assert js("reportgen.truncate('abcd', 4)") == "abcd"
    assert js("reportgen.truncate(123456, 3)") == "12…"
    assert js("reportgen.plotlyText('<b>&amp;</b>')") == "&lt;b&gt;&amp;amp;&lt;/b&gt;"


def test_angle_from_cosine(js):
    angles = js("[1, 0.5, 0, -1, 1.0000001, -1.5].map(reportgen.angleOf)")
    assert angles == pytest.approx([0, 60, 90, 180, 0, 180])
    assert js("reportgen.cosineText(0.5)") == "cos 0.500 · 60.0°"


def test_neighbour_list_reads_the_row_of_the_flat_graph(js):
    indices = np.array([[1, 2, 3], [0, 2, 3], [3, 1, 0], [2, 0, 1]], dtype=np.int32)
    cosines = np.array([[0.9, 0.8, 0.1], [0.9, 0.5, 0.4], [0.7, 0.5, 0.3], [0.7, 0.2, 0.1]])
    knn = {
        "indices": encode_array(indices, "int32"),
        "cosines": encode_array(cosines, "float32"),
    }
    got = js(
        "([content, row, k]) => reportgen.neighbourList({k: content.indices.shape[1],"
        " indices: reportgen.decode(content.indices),"
        " cosines: reportgen.decode(content.cosines)}, row, k)",
        [knn, 2, 2],
    )
    assert [n["row"] for n in got] == [3, 1]
    assert [n["cosine"] for n in got] == pytest.approx([0.7, 0.5])


def test_search_matchers(js):
    assert js("reportgen.matcher('(', true)") is None  # an invalid expression
    assert js("reportgen.matcher('AB', false)('xaby')")
    assert not js("reportgen.matcher('a.b', false)('axb')")
    assert js("reportgen.matcher('^a.b$', true)('AXB')")
    rows = js(
        "reportgen.matchingRows({value: i => ['cat', 'dog', 'Catalog'][i]}, 3,"
        " reportgen.matcher('cat', false))"
    )
    assert rows == [0, 2]
    assert js("reportgen.matchText(1, 1)") == "1 match"
    assert js("reportgen.matchText(1200, 3)") == "1,200 matches (3 in this view)"


def test_base64_is_the_bytes_python_wrote(js):
    raw = np.array([258], dtype="<u2").tobytes()
    assert base64.b64encode(raw).decode() == "AgE="  # little-endian: 0x0102 as 02 01
    assert js("Array.from(reportgen.decode({dtype: 'uint16', shape: [1], b64: 'AgE='}))") == [258]


def test_a_selection_s_link_form_round_trips_and_its_csv_cells_are_safe(js):
    assert js("reportgen.encodeRows([3, 7, 8, 9, 40, 41])") == "3,7-9,40-41"
    assert js("reportgen.encodeRows([])") == ""
    assert js("reportgen.decodeRows('3,7-9,40-41', 100)") == [3, 7, 8, 9, 40, 41]
    # Out of range, repeated, reversed and malformed parts are left out; the rest sorted.
    assert js("reportgen.decodeRows('9,2,2,5-3,x,98-102,-1', 100)") == [2, 9, 98, 99]
    rows = np.random.default_rng(0).choice(5000, size=300, replace=False)
    rows.sort()
    encoded = js("rows => reportgen.encodeRows(rows)", rows.tolist())
    assert js("([text, n]) => reportgen.decodeRows(text, n)", [encoded, 5000]) == rows.tolist()
    cells = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "plain", 'say "hi", ok', "a\nb"]
    assert js("cells => cells.map(reportgen.csvCell)", cells) == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "plain", '"say ""hi"", ok"', '"a\nb"',
    ]  # fmt: skip
    assert js("reportgen.csvText(['row', 'text'], [['1', '=x']])") == "row,text\r\n1,'=x\r\n"
