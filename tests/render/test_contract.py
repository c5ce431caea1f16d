"""The browser contract: declared once in Python, emitted as contract.js, used by both sides."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from reportgen.render import contract
from reportgen.render.payloads import encode_array
from reportgen.render.templates import templates_dir

ROOT = Path(contract.__file__).resolve().parents[2]
SENTINELS = (contract.LABEL, contract.NONE, contract.PRESERVATION)


def test_contract_js_is_up_to_date():
    committed = (templates_dir() / contract.CONTRACT_JS).read_text(encoding="utf-8")
    assert committed == contract.contract_js(), "run `make contract` and commit contract.js"


def test_contract_js_declares_every_shape_and_constant():
    text = contract.contract_js()
    for shape in contract.SHAPES:
        assert f"@typedef {{Object}} {shape.name}\n" in text
    constants = re.search(r"reportgen\.contract = Object\.freeze\((.*)\);", text, re.S)
    assert json.loads(constants.group(1)) == contract.JS_CONSTANTS


def test_encoded_arrays_have_the_declared_fields():
    encoded = encode_array(np.arange(6).reshape(2, 3), "uint16")
    (shape,) = [s for s in contract.SHAPES if s.name == "EncodedArray"]
    sent = {field.name for field in shape.fields if not field.optional}
    assert set(encoded) == sent
    assert encoded["dtype"] in contract.DTYPES


def test_sentinels_are_written_only_through_the_contract():
    """A sentinel literal anywhere else in Python or in a hand-written module is a second
    declaration that can drift."""
    python = [p for p in (ROOT / "reportgen").rglob("*.py") if p.name != "contract.py"]
    scripts = [p for p in (templates_dir() / "static" / "js").rglob("*.js")]
    scripts = [p for p in scripts if p.name != "contract.js"]
    for path in python + scripts:
        text = path.read_text(encoding="utf-8")
        for sentinel in SENTINELS:
            assert f'"{sentinel}"' not in text, f"{path.name} spells {sentinel} itself"
