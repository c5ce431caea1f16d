import base64
import json

import numpy as np
import pytest

from reportgen.render.payloads import encode_array, payload_path, payload_script


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
