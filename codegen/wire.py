"""An input value as Wiro writes it, and back: the one rule for typed value <-> wire text.

Wiro carries every input as text: forms send it, docs state defaults in it and
Task/Detail shows parameters as it. The parser reads a doc's default with
`parse`, the generator types a default (or an example) for Python with
`coerce`, and the mock and its dashboard write defaults back with `text`, so
the four agree on each spelling:

* booleans are `true` / `false` (read case-insensitively, `1` / `0` too);
* an integer input's whole number has no `.0`; a float keeps Python's shortest
  repr, which is how the docs write it (`4.0`, `0.75`);
* list values (files, multiselect) are comma-joined; read back, each part is
  stripped and unquoted, and empty parts are dropped;
* a value written as one quoted scalar (`"16:9"`) reads as its text
  (`unquote`, the grammar every doc reader and the flattened-doc restorer use).

Numbers are read by `codegen.numbers.to_float`: one beyond the doc bounds is a
`BoundError` in `parse`, which the parser turns into a SpecError at its line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import overload

from codegen import numbers
from codegen.schema import Default, Input, InputKind, Model, Scalar

#: One quoted scalar: `"..."` or `'...'`, where a backslash escapes the next character.
#: (Unrolled, `[^"\\]*(?:\\.[^"\\]*)*`, so runs of plain characters match in one step.)
QUOTED = re.compile(r""""[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*'""", re.S)
_ESCAPES = {quote: re.compile(r"\\([\\" + quote + "])") for quote in "\"'"}
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
_LISTS = (InputKind.FILES, InputKind.MULTISELECT)


def unquote(text: str) -> str:
    """The text of a value written as one quoted scalar (`"16:9"`, `'1:1'`, `""`); else `text`.

    Docs quote a value so that it reads as text, as written: `""` is the empty
    string (the same as no value, unless `""` is an option), `"61"` the value
    61, as an unquoted `61` is. Only a pair around the whole value is removed,
    and only when the value is one quoted scalar (the grammar `restore` cuts
    flattened options by, so both forms of a doc agree): `"a" and "b"` stays as
    written. Inside, a backslash escapes the enclosing quote or a backslash;
    other backslashes (a Windows path, a regex) are kept as written.
    """
    if len(text) < 2 or text[0] not in "\"'" or text[-1] != text[0]:
        return text
    if QUOTED.fullmatch(text) is None:
        return text
    return _ESCAPES[text[0]].sub(r"\1", text[1:-1])


def number_text(value: float) -> str:
    """A number as Wiro writes a bound or a whole value: `1` rather than `1.0`."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def texts(value: Scalar | Sequence[Scalar] | None, kind: InputKind | None = None) -> list[str]:
    """Each value's wire text: one per list item, none for None.

    `kind` matters only to an integer input, whose whole float (an override's
    `5.0`) is written `5`.
    """
    if value is None:
        return []
    if isinstance(value, str | int | float):
        return [_scalar(value, kind)]
    return [_scalar(item, kind) for item in value]


@overload
def text(value: Scalar | Sequence[Scalar], kind: InputKind | None = None) -> str: ...
@overload
def text(value: None, kind: InputKind | None = None) -> None: ...
def text(value: Scalar | Sequence[Scalar] | None, kind: InputKind | None = None) -> str | None:
    """The wire text of a value (lists comma-joined); None for None."""
    return None if value is None else ",".join(texts(value, kind))


def scalar_text(value: object) -> str | None:
    """A JSON or form scalar's wire text; None for null, objects and arrays."""
    return _scalar(value, None) if isinstance(value, str | int | float) else None


def default_text(item: Input) -> str | None:
    """An input's default as a form field carries it; None when it has none (an empty
    default is none: nothing is sent, so Wiro's own applies)."""
    return text(item.default, item.kind) or None


def _scalar(value: Scalar, kind: InputKind | None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and kind is InputKind.INTEGER and value.is_integer():
        return str(int(value))
    return str(value)


def parse(wire: str, kind: InputKind) -> Default:
    """The typed value `wire` spells for an input of `kind`; None when it spells none.

    A number beyond the doc bounds (`nan`, `1e400`, 400 digits) is a `BoundError`.
    """
    if kind is InputKind.INTEGER:
        number = numbers.to_float(wire, "default")
        return int(number) if number is not None and number.is_integer() else None
    if kind is InputKind.NUMBER:
        return numbers.to_float(wire, "default")
    if kind is InputKind.BOOLEAN:
        return _BOOLEANS.get(wire.lower())
    if kind in _LISTS:  # `61, 62` or `"61", "62"`
        parts = (unquote(part.strip()) for part in wire.split(","))
        return [part for part in parts if part]
    return wire


def coerce(value: Default, kind: InputKind) -> Default:
    """`value` (typed, or wire text) as the type of `kind`; None when it is not one.

    A value already of the kind's type is kept as is; anything else is read back
    from its wire text, so a model built in code (an integer input defaulting to
    `"5"`, a float input to `5`) types like a parsed doc, and a number beyond the
    doc bounds (`nan`) is None.
    """
    if value is None:
        return None
    if _typed(value, kind):
        return value
    wire = value if isinstance(value, str) else ",".join(texts(value, kind))
    try:
        return parse(wire, kind)
    except numbers.BoundError:
        return None


def _typed(value: Default, kind: InputKind) -> bool:
    """Whether `value` already has the Python type of `kind` (a bool is no number)."""
    if kind in _LISTS:
        return isinstance(value, list)
    if kind is InputKind.BOOLEAN or isinstance(value, bool):
        return kind is InputKind.BOOLEAN and isinstance(value, bool)
    if kind is InputKind.INTEGER:
        return isinstance(value, int)
    if kind is InputKind.NUMBER:
        return isinstance(value, float) and math.isfinite(value)
    return isinstance(value, str)


def example_values(model: Model) -> dict[str, str]:
    """Wire text for a documented sample call, by wire name (file inputs left to the caller).

    The first "Parameter Inspires" example supplies values for the model's own free-text
    inputs; required inputs it leaves out get their documented default, else a stand-in
    that the model's own rules accept (a model such as wiro/chat documents no prompt).
    """
    example = model.examples[0] if model.examples else {}
    values: dict[str, str] = {}
    for item in model.inputs:
        if item.kind.is_file:
            continue
        if item.name in example and not item.options:
            values[item.name] = example[item.name]
        elif item.required:
            values[item.name] = _stand_in(item)
    return values


def _stand_in(item: Input) -> str:
    default = default_text(item)
    if default:
        return default
    if item.options:
        return item.options[0].value
    if item.kind is InputKind.BOOLEAN:
        return "true"
    if item.kind in (InputKind.INTEGER, InputKind.NUMBER):
        low = item.minimum if item.minimum is not None else min(1.0, item.maximum or 1.0)
        return number_text(low)
    return f"A sample {item.label or item.name}"
