"""Constraints that a doc states only in prose, inside an input's help text.

The markdown has no fields for ranges or file limits, but help texts state them
("floating-point numbers between [1, 10]", "Image format: jpeg, png", "no more
than 10MB"). Each pattern here is one phrasing seen in real docs; a help text
that matches none yields no constraint rather than a guess.
"""

from __future__ import annotations

import re
from fractions import Fraction

from codegen.schema import FileConstraints

_NUM = r"(-?\d+(?:\.\d+)?)"
_RANGES = (
    re.compile(rf"between\s*\[\s*{_NUM}\s*,\s*{_NUM}\s*\]", re.I),
    re.compile(rf"between\s+{_NUM}\s+and\s+{_NUM}", re.I),
    re.compile(rf"range\s*(?:of|is|:)?\s*\[?\s*{_NUM}\s*(?:-|to|,)\s*{_NUM}\s*\]?", re.I),
    re.compile(rf"from\s+{_NUM}\s+to\s+{_NUM}", re.I),
)
_FORMAT_CONTEXT = re.compile(r"(format|must be|supported|accepts?|types?)\b[^.]*", re.I)
_CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "pdf": "application/pdf",
}
_SIZE = re.compile(
    r"(?:no more than|up to|max(?:imum)?|less than|<=?)\s*(\d+(?:\.\d+)?)\s*(kb|mb|gb)", re.I
)
_ASPECT = re.compile(r"aspect ratio[^.]*?\(\s*([\d./]+)\s*,\s*([\d./]+)\s*\)", re.I)
_MIN_SIDE = re.compile(r"(?:width|height)[^.]*?>\s*(\d+)", re.I)
_UNITS = {"kb": 1024, "mb": 1024**2, "gb": 1024**3}


def numeric_range(help_text: str | None) -> tuple[float, float] | None:
    """(min, max) stated by the help text, inclusive."""
    if not help_text:
        return None
    for pattern in _RANGES:
        match = pattern.search(help_text)
        if match:
            low, high = float(match.group(1)), float(match.group(2))
            return (low, high) if low <= high else (high, low)
    return None


def file_constraints(help_text: str | None) -> FileConstraints | None:
    """File format, size, aspect-ratio and side limits stated by the help text."""
    if not help_text:
        return None
    aspect = _ASPECT.search(help_text)
    side = _MIN_SIDE.search(help_text)
    size = _SIZE.search(help_text)
    found = FileConstraints(
        content_types=_content_types(help_text),
        max_bytes=int(float(size.group(1)) * _UNITS[size.group(2).lower()]) if size else None,
        min_aspect_ratio=_ratio(aspect.group(1)) if aspect else None,
        max_aspect_ratio=_ratio(aspect.group(2)) if aspect else None,
        min_side_px=int(side.group(1)) + 1 if side else None,  # "> 14" means at least 15
    )
    return None if found == FileConstraints() else found


def _content_types(help_text: str) -> tuple[str, ...]:
    types: list[str] = []
    for context in _FORMAT_CONTEXT.finditer(help_text):
        for word in re.findall(r"[a-z0-9]+", context.group(0).lower()):
            mime = _CONTENT_TYPES.get(word)
            if mime and mime not in types:
                types.append(mime)
    return tuple(types)


def _ratio(text: str) -> float:
    return round(float(Fraction(text)), 6)
