"""Every bad input of cases.py is refused by load_dataset with the expected message."""

from __future__ import annotations

import pytest
from cases import BAD_INPUTS, PATH_OPTIONS, BadInput

from reportgen.config import InputConfig
from reportgen.errors import InputError
from reportgen.io import load_dataset


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c.id for c in BAD_INPUTS])
def test_bad_input_is_an_input_error(tmp_path, case: BadInput):
    for name, content in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    options = {
        key: tmp_path / value if key in PATH_OPTIONS else value
        for key, value in case.options.items()
    }
    with pytest.raises(InputError, match=case.message):
        load_dataset(InputConfig(**options))


def test_case_ids_are_unique():
    ids = [c.id for c in BAD_INPUTS]
    assert len(ids) == len(set(ids))
