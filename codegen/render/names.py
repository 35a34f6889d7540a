"""Turning spec strings into Python identifiers.

Spec strings never become code by themselves: every name that appears in a
generated module goes through this module, which only ever returns ASCII
identifiers that are not keywords, soft keywords, builtins or dunders. Names
are allocated through a :class:`Namer` so two spec names that collapse to one
identifier get deterministic numeric suffixes instead of silently shadowing.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_CAMEL_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_2 = re.compile(r"([a-z0-9])([A-Z])")
_NON_WORD = re.compile(r"[^0-9A-Za-z]+")

#: Identifiers a generated lowercase name must never be, on top of keywords.
_RESERVED_LOWER = frozenset(
    {
        *dir(builtins),
        *keyword.softkwlist,
        "self",
        "cls",
        "typing",
        "pydantic",
    }
)


def ascii_words(text: str) -> list[str]:
    """Split text into ASCII alphanumeric words; unicode is transliterated or dropped.

    NFKD keeps the base letter of accented characters (``é`` -> ``e``); characters
    with no ASCII decomposition disappear, and callers supply a fallback.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = _CAMEL_1.sub(r"\1_\2", folded)
    folded = _CAMEL_2.sub(r"\1_\2", folded)
    return [w for w in _NON_WORD.split(folded) if w]


MAX_LENGTH = 60


@lru_cache(maxsize=4096)
def snake(text: str, fallback: str) -> str:
    """A safe lowercase identifier for ``text`` (``inputImageUrl`` -> ``input_image_url``).

    Leading digits get a prefix, reserved words get a trailing underscore; very
    long names are cut (the Namer keeps cut names unique). Memoized: the same
    input names (``prompt``, ``seed``...) recur across a whole catalogue.
    """
    name = "_".join(w.lower() for w in ascii_words(text))[:MAX_LENGTH].strip("_") or fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if keyword.iskeyword(name) or name in _RESERVED_LOWER:
        name += "_"
    return name


@lru_cache(maxsize=4096)
def pascal(text: str, fallback: str) -> str:
    """A safe class name for ``text`` (``image-to-image-v3`` -> ``ImageToImageV3``)."""
    name = "".join(w[0].upper() + w[1:] for w in ascii_words(text))[:MAX_LENGTH] or fallback
    if name[0].isdigit():
        name = fallback + name
    if keyword.iskeyword(name) or name in _RESERVED_LOWER:
        name += "_"
    return name


class Namer:
    """Allocates unique names within one scope, in call order.

    The first claimant of a name keeps it; later ones get ``_2``, ``_3``...
    (``2``, ``3`` after a trailing underscore), so output depends only on the
    order of the spec's inputs, which the parser keeps stable.
    """

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._used: set[str] = set(reserved)

    def claim(self, base: str, avoid: Iterable[str] = ()) -> str:
        """``base``, or the first free suffixed form; never one of ``avoid`` either."""
        taken = self._used.union(avoid)
        name = base
        sep = "" if base.endswith("_") else "_"
        counter = 2
        while name in taken:
            name = f"{base}{sep}{counter}"
            counter += 1
        self._used.add(name)
        return name
