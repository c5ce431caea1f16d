import base64
import json

import numpy as np
import pytest

from reportgen.render.payloads import encode_array, encode_quantised, payload_path, payload_script


@pytest.mark.parametrize(
    ("dtype", "numpy_dtype"),
    [("float32", "<f4"), ("int32", "<i4"), ("uint8", "u1"), ("uint16", "<u2")],
)
def test_arrays_round_trip_as_little_endian_bytes(dtype, numpy_dtype):
    values = np.arange(12).reshape(4, 3) * 3
    encoded = encode_array(values, dtype)
    assert encoded["dtype"] == dtype and encoded["shape"] == [4, 3]
    decoded = np.frombuffer(base64.b64decode(encoded["b64"]), dtype=numpy_dtype).reshape(4, 3)
    assert np.array_equal(decoded, values)


def test_float32_is_bit_exact():
    values = np.array([np.pi, -1e-30, 3.4e38], dtype=np.float32)
    decoded = np.frombuffer(base64.b64decode(encode_array(values, "float32")["b64"]), "<f4")
    assert decoded.tobytes() == values.tobytes()


def test_payload_script_calls_the_loader_and_cannot_break_out():
    script = payload_script("column-0", {"text": ["</script><script>alert(1)</script>"]})
    text = script.decode()
    assert text.startswith('reportgen.receive("column-0",{')
    assert "</script>" not in text and "<" not in text
    inner = text[len('reportgen.receive("column-0",') : -len(");\n")]
    assert json.loads(inner) == {"text": ["</script><script>alert(1)</script>"]}
    assert payload_path("column-0") == "data/column-0.js"


def test_quantised_coordinates_are_within_half_a_step_of_the_floats():
    rng = np.random.default_rng(3)
    values = (rng.normal(size=(500, 3)) * [100.0, 0.01, 1.0]).astype(np.float32)
    values[:, 2] = 7.0  # a flat axis
    encoded = encode_quantised(values)
    levels = np.frombuffer(base64.b64decode(encoded["coordinates"]["b64"]), "<u2").reshape(500, 3)
    low, step = np.array(encoded["low"]), np.array(encoded["step"])
    back = low + levels * step
    span = values.max(axis=0).astype(np.float64) - values.min(axis=0)
    assert (np.abs(back - values) <= span / 65_535 / 2 + 1e-12).all()
    assert levels[:, 0].min() == 0 and levels[:, 0].max() == 65_535  # the whole range is used
    assert (levels[:, 2] == 0).all() and (back[:, 2] == 7.0).all()
    with pytest.raises(ValueError, match="must be \\(rows, dims\\)"):
        encode_quantised(np.zeros(4))
