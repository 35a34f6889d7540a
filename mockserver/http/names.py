"""File names from clients, made safe to store and serve (no paths, no control characters)."""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(name: str, fallback: str = "file") -> str:
    """The last path component, normalized, with anything outside `[A-Za-z0-9._ -]` replaced.

    `../../etc/passwd` -> `passwd`, `C:\\x\\a.png` -> `a.png`, `..` -> fallback.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = _UNSAFE.sub("_", base).strip(" .")
    return base[:120] or fallback
