"""A semantic diff of two catalogues: what changed for someone calling the models.

The diff compares normalized schemas, never text, so reflowed prose or a doc
that moved from page text to llms.txt shows no change, while a removed select
option does. Each change is classed `breaking` when an existing call may now
fail or behave differently (removed input or option, new required input,
narrower range, changed kind) and `compatible` otherwise. A model whose doc Wiro
stopped serving (`Model.gone_upstream`) is deprecated, a compatible change, and
one whose doc came back is no longer deprecated.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass

from pydantic import BaseModel

from codegen.schema import Default, Input, Model

#: The change of a model whose doc Wiro no longer serves (a `.gone` marker appeared).
DEPRECATED = "deprecated: Wiro no longer serves its doc"
#: The change of a model whose doc Wiro serves again (its `.gone` marker went).
UNDEPRECATED = "no longer deprecated"


@dataclass(frozen=True)
class Change:
    model: str
    input: str | None
    change: str
    old: str | None
    new: str | None
    breaking: bool

    @property
    def severity(self) -> str:
        return "breaking" if self.breaking else "compatible"

    @property
    def deprecates(self) -> bool:
        """Whether this change deprecates its model (its doc is gone upstream)."""
        return self.change == DEPRECATED


def diff(old: Mapping[str, Model], new: Mapping[str, Model]) -> list[Change]:
    """Every change from `old` to `new` (both keyed by slug), in slug then input order."""
    changes: list[Change] = []
    for slug in sorted(set(old) | set(new)):
        if slug not in new:
            changes.append(Change(slug, None, "model removed", old[slug].display_name, None, True))
        elif slug not in old:
            changes.append(Change(slug, None, "model added", None, new[slug].display_name, False))
            if new[slug].gone_upstream:
                changes.append(Change(slug, None, DEPRECATED, None, None, False))
        else:
            changes.extend(_model_changes(old[slug], new[slug]))
    return changes


def has_breaking(changes: list[Change]) -> bool:
    return any(c.breaking for c in changes)


def _model_changes(old: Model, new: Model) -> Iterator[Change]:
    if new.gone_upstream != old.gone_upstream:
        yield Change(
            new.slug, None, DEPRECATED if new.gone_upstream else UNDEPRECATED, None, None, False
        )
    before = {i.name: i for i in old.inputs}
    after = {i.name: i for i in new.inputs}
    removed = [before[n] for n in before if n not in after]
    added = [after[n] for n in after if n not in before]
    renames = _renames(removed, added)
    for gone, came in renames:
        yield Change(new.slug, came.name, "input renamed (probable)", gone.name, came.name, True)
    renamed_old = {g.name for g, _ in renames}
    renamed_new = {c.name for _, c in renames}
    for item in removed:
        if item.name not in renamed_old:
            yield Change(new.slug, item.name, "input removed", item.name, None, True)
    for item in added:
        if item.name not in renamed_new:
            what = "required input added" if item.required else "optional input added"
            yield Change(new.slug, item.name, what, None, item.name, item.required)
    for name in after:
        if name in before:
            yield from _input_changes(new.slug, before[name], after[name])


def _renames(removed: list[Input], added: list[Input]) -> list[tuple[Input, Input]]:
    """A removed input and an added one with the same label and kind: probably a rename."""
    pairs: list[tuple[Input, Input]] = []
    free = list(added)
    for gone in removed:
        match = next((c for c in free if (c.label, c.kind) == (gone.label, gone.kind)), None)
        if match is not None:
            pairs.append((gone, match))
            free.remove(match)
    return pairs


def _input_changes(slug: str, old: Input, new: Input) -> Iterator[Change]:
    name = new.name
    if old.kind != new.kind:
        yield Change(slug, name, "kind changed", old.kind.value, new.kind.value, True)
    elif old.wire_type != new.wire_type:
        yield Change(slug, name, "type changed", old.wire_type, new.wire_type, False)
    for field in ("label", "help"):
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            yield Change(slug, name, f"{field} changed", before, after, False)
    if old.default != new.default:
        yield Change(slug, name, "default changed", _show(old.default), _show(new.default), False)
    for value in old.option_values:
        if value not in new.option_values:
            yield Change(slug, name, "option removed", value, None, True)
    for value in new.option_values:
        if value not in old.option_values:
            yield Change(slug, name, "option added", None, value, False)
    if old.required != new.required:
        what = "now required" if new.required else "no longer required"
        yield Change(slug, name, what, str(old.required), str(new.required), new.required)
    yield from _limit_changes(slug, old, new)


def _limit_changes(slug: str, old: Input, new: Input) -> Iterator[Change]:
    # (field, True when a larger value is narrower)
    for field, larger_is_narrower in (("minimum", True), ("maximum", False), ("max_items", False)):
        before, after = getattr(old, field), getattr(new, field)
        if before == after:
            continue
        if before is None or after is None:
            narrower = before is None  # a limit appeared
        else:
            narrower = (after > before) == larger_is_narrower
        what = f"{field} {'tightened' if narrower else 'loosened'}"
        yield Change(slug, new.name, what, _show(before), _show(after), narrower)
    if old.file_constraints != new.file_constraints:
        yield Change(
            slug,
            new.name,
            "file constraints changed",
            _show_model(old.file_constraints),
            _show_model(new.file_constraints),
            _files_narrower(old, new),
        )


def _files_narrower(old: Input, new: Input) -> bool:
    before, after = old.file_constraints, new.file_constraints
    if after is None:
        return False
    if before is None:
        return True
    fewer_types = bool(before.content_types) and not set(after.content_types) >= set(
        before.content_types
    )
    smaller = after.max_bytes is not None and (
        before.max_bytes is None or after.max_bytes < before.max_bytes
    )
    return fewer_types or smaller or (not set(before.content_types) and bool(after.content_types))


def _show(value: Default) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _show_model(value: BaseModel | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value.model_dump(mode="json", exclude_defaults=True), sort_keys=True)


def as_json(changes: list[Change]) -> str:
    rows = [{**asdict(c), "severity": c.severity} for c in changes]
    return json.dumps(
        {"breaking": has_breaking(changes), "changes": rows}, indent=2, ensure_ascii=False
    )


def as_table(changes: list[Change]) -> str:
    if not changes:
        return "no changes"
    header = ("severity", "model", "input", "change", "old", "new")
    rows = [
        (c.severity, c.model, c.input or "", c.change, c.old or "", c.new or "") for c in changes
    ]
    # Spec text (model, input, values) is clipped; the change column is ours, always whole.
    caps = (40, 40, 40, None, 40, 40)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    widths = [w if cap is None else min(cap, w) for w, cap in zip(widths, caps, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            _clip(cell, width).ljust(width) for cell, width in zip(cells, widths, strict=True)
        )

    breaking = sum(c.breaking for c in changes)
    summary = f"{len(changes)} change(s), {breaking} breaking"
    return "\n".join(
        [line(header), line(tuple("-" * w for w in widths)), *map(line, rows), summary]
    )


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
