"""Constraints that a doc states only in prose, inside an input's help text.

The markdown has no fields for ranges or file limits, but help texts state them
("floating-point numbers between [1, 10]", "Image format: jpeg, png", "no more
than 10MB"). Each pattern here is one phrasing seen in real docs; a help text
that matches none yields no constraint rather than a guess.
"""

from __future__ import annotations

import re

from codegen import numbers
from codegen.schema import FileConstraints

_NUM = r"(-?\d+(?:\.\d+)?)"
_RANGES = (
    re.compile(rf"between\s*\[\s*{_NUM}\s*,\s*{_NUM}\s*\]", re.I),
    re.compile(rf"between\s+{_NUM}\s+and\s+{_NUM}", re.I),
    # Possessive (`*+`): three optional-separated `\s*` would split a run of spaces
    # every possible way before failing (cubic in the run's length).
    re.compile(rf"range\s*+(?:of|is|:)?\s*+\[?\s*+{_NUM}\s*+(?:-|to|,)\s*+{_NUM}\s*\]?", re.I),
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


class _InSentence:
    """`LEAD[^.]*?TARGET` (case-insensitive) as a scan that stays linear in the text.

    The regex tried every LEAD against the rest of its sentence, so a help text
    repeating "width " or "aspect ratio " with no period took time quadratic in
    its length. Only a sentence's first LEAD can match (a later one sees fewer
    targets), so each sentence is scanned once, and TARGET is tried only where
    its first character (`opener`) is. `search` returns TARGET's match.
    """

    def __init__(self, lead: str, opener: str, target: str) -> None:
        self.lead = re.compile(lead, re.I)
        self.opener = opener
        self.target = re.compile(target, re.I)

    def search(self, text: str) -> re.Match[str] | None:
        at = 0
        while (lead := self.lead.search(text, at)) is not None:
            stop = text.find(".", lead.end())
            at = len(text) if stop == -1 else stop
            found = self._target(text, lead.end(), at)
            if found is not None:
                return found
        return None

    def _target(self, text: str, start: int, stop: int) -> re.Match[str] | None:
        """The first TARGET starting in `text[start:stop]` (it may end past `stop`)."""
        at = text.find(self.opener, start, stop)
        while at != -1:
            found = self.target.match(text, at)
            if found is not None:
                return found
            at = text.find(self.opener, at + 1, stop)
        return None


#: "Aspect ratio (width/height): within the range (1/3, 3)": groups 1 and 2.
_ASPECT = _InSentence(r"aspect ratio", "(", r"\(\s*+([\d./]++)\s*+,\s*+([\d./]++)\s*+\)")
#: "Width and height (px) > 14": group 1.
_MIN_SIDE = _InSentence(r"width|height", ">", r">\s*+(\d+)")
_UNITS = {"kb": 1024, "mb": 1024**2, "gb": 1024**3}


def numeric_range(help_text: str | None) -> tuple[float, float] | None:
    """(min, max) stated by the help text, inclusive; a BoundError for a number no schema
    holds (`Between 0 and <400 digits>`)."""
    if not help_text:
        return None
    for pattern in _RANGES:
        match = pattern.search(help_text)
        if match:
            low, high = numbers.as_float(match.group(1)), numbers.as_float(match.group(2))
            return (low, high) if low <= high else (high, low)
    return None


def file_constraints(help_text: str | None) -> FileConstraints | None:
    """File format, size, aspect-ratio and side limits stated by the help text; a
    BoundError for a number no schema holds (`(1/0, 3)`, a 400-digit size)."""
    if not help_text:
        return None
    aspect = _ASPECT.search(help_text)
    side = _MIN_SIDE.search(help_text)
    size = _SIZE.search(help_text)
    found = FileConstraints(
        content_types=_content_types(help_text),
        max_bytes=_bytes(size) if size else None,
        min_aspect_ratio=numbers.to_ratio(aspect.group(1)) if aspect else None,
        max_aspect_ratio=numbers.to_ratio(aspect.group(2)) if aspect else None,
        min_side_px=numbers.to_int(side.group(1)) + 1 if side else None,  # "> 14": at least 15
    )
    numbers.ordered(found.min_aspect_ratio, found.max_aspect_ratio, ("aspect ratio", "its maximum"))
    return None if found == FileConstraints() else found


def _content_types(help_text: str) -> tuple[str, ...]:
    types: list[str] = []
    for context in _FORMAT_CONTEXT.finditer(help_text):
        for word in re.findall(r"[a-z0-9]+", context.group(0).lower()):
            mime = _CONTENT_TYPES.get(word)
            if mime and mime not in types:
                types.append(mime)
    return tuple(types)


def _bytes(size: re.Match[str]) -> int:
    """`10MB` in bytes (the number bounded first: `float` makes 400 digits infinite)."""
    return int(numbers.as_float(size.group(1)) * _UNITS[size.group(2).lower()])
