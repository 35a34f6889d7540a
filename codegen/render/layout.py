"""Line breaking for bracketed expressions, the way ``ruff format`` does it.

The generator emits code that is already formatted, so its output does not
depend on ruff being installed. Only the shapes the templates use are
supported: a bracket group of items, each an atom (already-quoted text) or a
nested group. The rules mirror ruff's (black's) right-hand split:

1. everything on one line, if it fits and no group is ``magic``;
2. otherwise the items on one indented line between the brackets, if that fits
   (or if there is a single item: a trailing comma would change a subscript);
3. otherwise one item per line, with a trailing ("magic") comma.

``magic`` groups are always split one item per line, as a magic trailing comma
forces ruff to do; templates use it for long-lived shapes (signatures, Field
calls) so small spec changes do not reflow them.
"""

from __future__ import annotations

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
