"""File names as printed in messages (shared by the loader and the build, which must not import each other)."""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def shown_path(path: str) -> str:
    """A file name as printed: bytes that are not UTF-8 and control characters become ``\\x..`` escapes."""
    text = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
