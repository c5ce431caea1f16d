"""The site's in-memory form: relative path -> content."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

# A file's content: its bytes, or a producer that streams them into an open binary file
# (for large files, so that nothing large is held twice in memory).
Producer = Callable[[BinaryIO], None]
Content = bytes | Producer
Site = dict[str, Content]
