"""Override files: project-owned facts that complete or correct a doc.

`specs/X.override.toml` beside `specs/X.<format>` adds, patches or removes
inputs and corrects model fields. Every entry must say where its facts come
from (`origin`), which ends up in the schema, so a reader can tell a doc's
word from ours. Overrides act on the raw form, before normalization, so an
overridden input is typed and checked by exactly the rules a parsed one is.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from codegen import numbers, wire
from codegen.errors import OverrideError
from codegen.parser.raw import RawDoc, RawInput, RawOption

Value = str | int | float | bool | list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptionOverride(_Strict):
    value: str
    label: str | None = None
    description: str | None = None


class InputOverride(_Strict):
    name: str = Field(min_length=1)
    origin: str = Field(min_length=1)
    remove: bool = False
    type: str | None = None
    label: str | None = None
    help: str | None = None
    default: Value | None = None
    options: list[OptionOverride] | None = None
    required: bool | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    max_items: int | None = Field(default=None, ge=1)

    @field_validator("default", "minimum", "maximum", "step", "max_items")
    @classmethod
    def _bounded(cls, value: Value | None) -> Value | None:
        """TOML reads `inf`, `nan` and 400-digit integers: held to the doc's number bounds."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                numbers.checked(value)
            except numbers.BoundError as exc:
                raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _ordered(self) -> InputOverride:
        try:
            numbers.ordered(self.minimum, self.maximum, ("minimum", "maximum"))
        except numbers.BoundError as exc:
            raise ValueError(str(exc)) from None
        return self


class ModelOverride(_Strict):
    origin: str = Field(min_length=1)
    kind: Literal["model", "tool"] | None = None
    description: str | None = None
    cover_url: str | None = None
    categories: list[str] | None = None
    tags: list[str] | None = None


class OverrideFile(_Strict):
    model: ModelOverride | None = None
    inputs: list[InputOverride] = []


#: What a spec file's name ends with, longest first; the rest is the stem its override and
#: `.gone` files share. A dot before it is the model's own (`FLUX.2-klein-4B`).
SPEC_ENDINGS = (".openapi.json", ".llms.md", ".llms.txt", ".page.txt", ".json", ".md", ".txt")


def spec_stem(spec: Path) -> str:
    """`a__FLUX.2-klein-4B.openapi.json` -> `a__FLUX.2-klein-4B`; another name: before its
    first dot (as before spec names kept the dots of display names)."""
    name = spec.name
    ending = next((e for e in SPEC_ENDINGS if name.endswith(e) and len(name) > len(e)), None)
    return name[: -len(ending)] if ending else name.split(".", 1)[0]


def override_path(spec: Path) -> Path:
    """`specs/a__b.llms.md` -> `specs/a__b.override.toml`."""
    return spec.with_name(spec_stem(spec) + ".override.toml")


def load_override(path: Path, data: bytes) -> OverrideFile:
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except ValueError as exc:  # not UTF-8, not TOML, or an integer of over 4,300 digits
        message = str(exc).split(";")[0]  # int's digit-limit advice is not for users
        raise OverrideError(str(path), f"not valid TOML: {message}", _toml_line(exc, data)) from exc
    try:
        return OverrideFile.model_validate(parsed)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")  # our validators' own words
        raise OverrideError(str(path), f"{where}: {message}", _line_of(data, error["loc"])) from exc


def _toml_line(exc: ValueError, data: bytes) -> int | None:
    """The line a TOML error names; for `int`'s digit limit (which names none), the line
    of the first run of digits that long."""
    line = re.search(r"line (\d+)", str(exc))
    if line:
        return int(line.group(1))
    long_number = re.search(rb"\d{4300}", data)
    return data.count(b"\n", 0, long_number.start()) + 1 if long_number else None


def _line_of(data: bytes, loc: tuple[int | str, ...]) -> int | None:
    """Line of the `[[inputs]]` table that an error location points into."""
    if len(loc) < 2 or loc[0] != "inputs" or not isinstance(loc[1], int):
        return None
    headers = [
        n
        for n, line in enumerate(data.decode("utf-8").splitlines(), 1)
        if line.strip() == "[[inputs]]"
    ]
    return headers[loc[1]] if loc[1] < len(headers) else None


def apply_override(doc: RawDoc, override: OverrideFile, path: str) -> None:
    """Apply the model entry, then each input entry in order.

    Inputs are found by name through one index, and removed ones dropped in one
    pass at the end: a scan of all inputs per entry is quadratic in a big doc.
    """
    if override.model is not None:
        _apply_model(doc, override.model)
    index = _Index(doc)
    for entry in override.inputs:
        _apply_input(doc, entry, path, index)
    if index.removed:
        doc.inputs = [raw for raw in doc.inputs if id(raw) not in index.removed]


class _Index:
    """The doc's inputs by name (the first of a repeated name first), and those removed."""

    def __init__(self, doc: RawDoc) -> None:
        self.named: dict[str, list[RawInput]] = {}
        for raw in doc.inputs:
            self.named.setdefault(raw.name, []).append(raw)
        self.removed: set[int] = set()

    def first(self, name: str) -> RawInput | None:
        found = self.named.get(name)
        return found[0] if found else None

    def remove(self, raw: RawInput) -> None:
        self.named[raw.name].pop(0)
        self.removed.add(id(raw))

    def add(self, raw: RawInput) -> None:
        self.named.setdefault(raw.name, []).append(raw)


def _apply_model(doc: RawDoc, entry: ModelOverride) -> None:
    resolved = {"cover_unknown": entry.cover_url, "categories_unknown": entry.categories}
    doc.warnings = [w for w in doc.warnings if resolved.get(w.code) is None]
    if entry.kind is not None:
        doc.kind = entry.kind
    if entry.description is not None:
        doc.info["description"] = entry.description
    if entry.cover_url is not None:
        doc.info["cover"] = entry.cover_url
    if entry.categories is not None:
        doc.categories = list(entry.categories)
    if entry.tags is not None:
        doc.tags = list(entry.tags)


def _apply_input(doc: RawDoc, entry: InputOverride, path: str, index: _Index) -> None:
    existing = index.first(entry.name)
    if entry.remove:
        if existing is None:
            raise OverrideError(path, f"cannot remove input {entry.name!r}: the doc has none")
        index.remove(existing)
        return
    if existing is None:
        if entry.type is None:
            raise OverrideError(path, f"input {entry.name!r} is new: it needs a 'type'")
        existing = RawInput(name=entry.name)
        doc.inputs.append(existing)
        index.add(existing)
    existing.origin = f"override: {entry.origin}"
    for key in ("type", "label", "help"):
        value = getattr(entry, key)
        if value is not None:
            existing.fields[key] = value
    if entry.default is not None:
        existing.fields["default"] = wire.text(entry.default)  # typed again by normalize
    if entry.options is not None:
        existing.options = [
            RawOption(
                value=o.value,
                label=o.label if o.label is not None else o.value,
                extra={"description": o.description} if o.description is not None else {},
            )
            for o in entry.options
        ]
    for key in ("required", "minimum", "maximum", "step", "max_items"):
        value = getattr(entry, key)
        if value is not None:
            existing.typed[key] = value
    existing.complete = True
