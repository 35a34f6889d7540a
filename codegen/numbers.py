"""Numbers read from text: one bounded conversion, so a hostile number is a SpecError.

Python reads numbers generously: `float` turns `nan`, `inf` and a 400-digit number into
values no JSON can hold, `int` refuses 4,300 digits with a ValueError, `Fraction("1/0")`
raises ZeroDivisionError, and `json.loads` raises RecursionError on deep nesting. Each of
those escaped as a traceback. Every number the parser takes from a doc (help texts, `min:`
lines, page comments, JSON bodies, OpenAPI documents, override files), defaults read as
wire text (`codegen.wire`) included, goes through here instead, which refuses what is out
of bounds with a `BoundError`; the caller, which knows the file and line, turns it into a
SpecError with `located`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

from codegen.errors import SpecError, WirogenError

#: Digits a doc's number may have: Wiro's longest is 10 (a seed's 9999999999), a float's
#: repr has at most 17 significant digits, 2**128 has 39.
MAX_DIGITS = 40
#: Nesting of a JSON value read from a doc: Wiro's OpenAPI documents nest 12 deep.
MAX_DEPTH = 100


class BoundError(WirogenError):
    """A number (or a nesting) beyond what a doc may state; has no file yet (see `located`)."""


@contextmanager
def located(path: str, line: int | None = None, about: str = "") -> Iterator[None]:
    """Turn a BoundError raised inside into a SpecError at `path:line` (`about` prefixes
    the message, e.g. the input's name)."""
    try:
        yield
    except BoundError as exc:
        message = f"{about}: {exc}" if about else str(exc)
        raise SpecError(path, message, line) from None


def to_float(text: str, what: str = "") -> float | None:
    """The finite float `text` spells; None when it spells no number at all ("lots", "").

    A number too long or not finite (`nan`, `inf`, `1e400`, 400 digits) is a BoundError,
    not None: the doc states a number, just not one a schema can hold. `what` names it.
    """
    try:
        value = float(text)
    except ValueError:
        return None
    check_digits(text, what)
    if not math.isfinite(value):
        raise BoundError(f"{what} {_shown(text)} is not a finite number".lstrip())
    return value


def as_float(text: str) -> float:
    """`to_float` for text a pattern already matched as a number (a help text's range)."""
    value = to_float(text)
    if value is None:
        raise BoundError(f"{_shown(text)} is not a number")
    return value


def to_int(digits: str) -> int:
    """A whole number written as digits (a regex's `\\d+`), refused beyond MAX_DIGITS."""
    check_digits(digits)
    return int(digits)


def to_ratio(text: str) -> float:
    """An aspect ratio as a doc writes it (`1/3`, `0.75`, `3`), rounded to 6 places."""
    check_digits(text)
    try:
        value = Fraction(text)
    except ValueError:
        raise BoundError(f"{_shown(text)} is not a ratio (expected a number or A/B)") from None
    except ZeroDivisionError:
        raise BoundError(f"{_shown(text)} divides by zero") from None
    return round(float(value), 6)


def checked(value: float) -> float:
    """An already-parsed number (TOML, JSON) held to the same bounds as `to_float`."""
    if isinstance(value, int):
        if abs(value) >= 10**MAX_DIGITS:
            raise BoundError(f"a number of more than {MAX_DIGITS} digits")
        return value
    if not math.isfinite(value):
        raise BoundError(f"{value!r} is not a finite number")
    return value


def ordered(low: float | None, high: float | None, names: tuple[str, str]) -> None:
    """Refuse a range no value can satisfy (`min: 10`, `max: 1`)."""
    if low is not None and high is not None and low > high:
        raise BoundError(f"{names[0]} {low:g} is above {names[1]} {high:g}: no value fits")


def load_json(text: str) -> Any:
    """`json.loads` for doc text: finite numbers of at most MAX_DIGITS digits, no NaN or
    Infinity tokens, nesting at most MAX_DEPTH. JSONDecodeError passes through (callers
    treat malformed JSON in their own way); every bound is a BoundError."""
    try:
        value = json.loads(
            text, parse_constant=_no_constant, parse_float=_json_float, parse_int=_json_int
        )
    except RecursionError:
        raise BoundError(f"JSON nested more than {MAX_DEPTH} deep") from None
    check_depth(value)
    return value


def check_depth(value: Any) -> None:
    """Refuse a parsed JSON value nested deeper than MAX_DEPTH: whatever walks it later
    (dumping an example, reading a default) then cannot recurse out of stack."""
    if _depth(value) > MAX_DEPTH:
        raise BoundError(f"JSON nested more than {MAX_DEPTH} deep")


def check_digits(text: str, what: str = "") -> None:
    """Refuse a number longer than MAX_DIGITS (before `int` or `Fraction` work on it)."""
    if len(text) <= MAX_DIGITS:
        return
    digits = sum(map(str.isdigit, text))
    if digits > MAX_DIGITS:
        about = f"{what}: " if what else ""
        raise BoundError(f"{about}a number of {digits:,} digits (at most {MAX_DIGITS} are read)")


def _json_float(text: str) -> float:
    return as_float(text)


def _json_int(text: str) -> int:
    return to_int(text.lstrip("-")) * (-1 if text.startswith("-") else 1)


def _no_constant(name: str) -> float:
    raise BoundError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    """How deep lists and objects nest in a parsed JSON value (iteratively: no recursion)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack and deepest <= MAX_DEPTH:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in node)
    return deepest


def _shown(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 24 else text[:20] + "...")
