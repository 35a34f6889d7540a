"""The layout of generated code: what ``ruff format`` plus its isort rules would produce.

Contract: for the shapes below, the text returned here is a fixed point of
``ruff format`` (the version pinned in the project's ``.venv``, line length
:data:`~codegen.render.quote.LINE_LENGTH`) and passes ``ruff check --select I``.
``tests/generator/test_format.py`` renders each shape at the widths where a rule
changes and compares with ruff's own output, so a divergence fails there.

The generator lays code out itself instead of running ``ruff format`` on its
output: then generating needs no ruff, and it costs nothing per file (one
``ruff format`` process over a 1,000-model tree takes about 0.1 s of wall
time, one per rendered file about 6 ms each, against a 2.6 s cold generate).

Bracket groups (calls, subscripts, literals, signatures) follow ruff's (black's)
right-hand split:

1. everything on one line, if it fits and no group is ``magic``;
2. otherwise the items on one indented line between the brackets, if that fits
   (or if there is a single item: a trailing comma would change a subscript);
3. otherwise one item per line, with a trailing ("magic") comma.

``magic`` groups are always split one item per line, as a magic trailing comma
forces ruff to do; templates use it for long-lived shapes (signatures, Field
calls) so small spec changes do not reflow them. On top of groups: ``def``
headers whose return annotation does not fit, ``from ... import`` lines, isort's
order of modules and names, and Markdown code fences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from codegen.render.quote import LINE_LENGTH

INDENT = "    "


@dataclass(frozen=True)
class Group:
    head: str
    items: tuple[Item, ...]
    tail: str
    magic: bool = False
    #: Calls and subscripts keep a lone item hugged without a comma; a ``def``
    #: with one parameter is split with a trailing comma instead.
    hug_single: bool = True


Item = str | Group


def flat(item: Item) -> str | None:
    """One-line rendering, or None when the item must span several lines."""
    if isinstance(item, str):
        return item
    return _flat_group(item, _flat_items(item))


def _flat_items(group: Group) -> list[str | None] | None:
    """Each item's one-line form; None for a non-empty magic group (never one line)."""
    if group.magic and group.items:
        return None
    return [i if isinstance(i, str) else flat(i) for i in group.items]


def _flat_group(group: Group, parts: list[str | None] | None) -> str | None:
    if parts is None or None in parts:
        return None
    return group.head + ", ".join(p for p in parts if p is not None) + group.tail


def lines(item: Item, indent: int, suffix: str = "") -> list[str]:
    """Format ``item`` starting at ``indent`` levels, followed by ``suffix``.

    Each group's items are flattened once and reused by rules 1 and 2: this
    runs for every field of every model, so repeated flattening showed up.
    """
    pad = INDENT * indent
    if isinstance(item, str):
        return [pad + item + suffix]
    parts = _flat_items(item)
    one = _flat_group(item, parts)
    if one is not None and len(pad) + len(one) + len(suffix) <= LINE_LENGTH:
        return [pad + one + suffix]
    inner = INDENT * (indent + 1)
    if parts is not None and not item.magic and None not in parts:
        body = ", ".join(p for p in parts if p is not None)
        if len(item.items) == 1 and not item.hug_single:
            pass
        elif len(item.items) == 1 or len(inner) + len(body) <= LINE_LENGTH:
            return [pad + item.head, inner + body, pad + item.tail + suffix]
    out = [pad + item.head]
    for child in item.items:
        if isinstance(child, str):
            out.append(inner + child + ",")
        else:
            out.extend(lines(child, indent + 1, ","))
    out.append(pad + item.tail + suffix)
    return out


def render(item: Item, indent: int = 0, suffix: str = "") -> str:
    """Formatted text of ``item`` without a final newline."""
    return "\n".join(lines(item, indent, suffix))


def def_header(
    name: str, params: tuple[str, ...], returns: str, indent: int, body: str = ""
) -> str:
    """``def name(params) -> returns:`` (then ``body``, e.g. `` ...``), laid out."""
    group = Group(f"def {name}(", params, f") -> {returns}:{body}", hug_single=False)
    out = lines(group, indent)
    if len(out[-1]) > LINE_LENGTH:
        # ruff parenthesizes a return annotation that does not fit.
        pad = INDENT * indent
        out[-1:] = [f"{pad}) -> (", f"{pad}    {returns}", f"{pad}):{body}"]
    return "\n".join(out)


def return_call(func: str, args: tuple[str, ...], indent: int) -> str:
    """``return func(args)``, laid out.

    When ``return func(`` does not fit but ``func(`` does, one level deeper,
    ruff wraps the call in parentheses; when neither fits, it splits the call.
    """
    out = lines(Group(f"return {func}(", args, ")"), indent)
    inner = lines(Group(f"{func}(", args, ")"), indent + 1)
    if len(out[0]) <= LINE_LENGTH or len(inner[0]) > LINE_LENGTH:
        return "\n".join(out)
    pad = INDENT * indent
    return "\n".join([f"{pad}return (", *inner, f"{pad})"])


def import_from(module: str, names: Sequence[str], indent: int = 0) -> str:
    """``from module import names`` at ``indent`` levels, parenthesized when too long.

    ``names`` are given in isort order (see :func:`isort_names`); each may be
    ``name as alias``.
    """
    pad = INDENT * indent
    line = f"from {module} import {', '.join(names)}"
    if len(pad) + len(line) <= LINE_LENGTH:
        return pad + line
    return render(Group(f"from {module} import (", tuple(names), ")", magic=True), indent)


_NATURAL = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Ruff's isort order: case-insensitive, digit runs compared as numbers."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in _NATURAL.split(text)
        if part
    )


def isort_names(names: Sequence[str]) -> list[str]:
    """Ruff's order-by-type: CONSTANTS, then Classes, then the rest; natural within each."""

    def key(name: str) -> tuple[int, tuple[tuple[int, int | str], ...]]:
        if name.isupper() and len(name) > 1:
            kind = 0
        elif name[:1].isupper():
            kind = 1
        else:
            kind = 2
        return kind, natural_key(name)

    return sorted(set(names), key=key)


def fence(code: str) -> str:
    """A Markdown code fence longer than any backtick run in ``code``."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    return "`" * max(3, longest + 1)
