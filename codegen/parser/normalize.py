"""Turn a RawDoc (strings as written) into the typed, validated schema.

Every rule that interprets the doc lives here, once, whichever format the facts
came from: the kind each Wiro input type maps to, how defaults are typed, which
inputs are required, and which constraints help texts state.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

from pydantic import ValidationError

from codegen import numbers, wire
from codegen.errors import SpecError
from codegen.parser import constraints
from codegen.parser.raw import RawDoc, RawInput, url_sibling
from codegen.schema import (
    Default,
    Input,
    InputKind,
    Model,
    Option,
    OverrideSource,
    Source,
    medium_of,
)

#: Wiro's input types (WIRO_API.md) and the kind each one is.
TYPE_KINDS: dict[str, InputKind] = {
    "text": InputKind.TEXT,
    "textarea": InputKind.TEXTAREA,
    "select": InputKind.SELECT,
    "selectwithcover": InputKind.SELECT,
    "multiselect": InputKind.MULTISELECT,
    "number": InputKind.INTEGER,  # unless its default has a fraction: see _numeric_kind
    "float": InputKind.NUMBER,
    "range": InputKind.NUMBER,
    "fileinput": InputKind.FILE,
    "multifileinput": InputKind.FILES,
    "combinefileinput": InputKind.FILES,
}
#: Types Wiro's schemas imply but no doc has shown yet: mapped, with a warning.
GUESSED_TYPES: dict[str, InputKind] = {
    "checkbox": InputKind.BOOLEAN,
    "boolean": InputKind.BOOLEAN,
    "toggle": InputKind.BOOLEAN,
    "switch": InputKind.BOOLEAN,
    "integer": InputKind.INTEGER,
    "color": InputKind.TEXT,
    "colorpicker": InputKind.TEXT,
}
_I18N_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*-help$")
_RUN_PATH = re.compile(r"/v1(/Run/[^/\s]+/[^/\s]+)/?$")


def normalize(doc: RawDoc, *, sha256: str, overrides: tuple[OverrideSource, ...] = ()) -> Model:
    display_name = _display_name(doc)
    run_path = _run_path(doc, display_name)
    owner, project = run_path.split("/")[2:4]
    guessed = required_by_rule(doc.inputs, _labels(doc, display_name))
    inputs = tuple(_input(doc, raw, raw.name in guessed) for raw in doc.inputs)
    _check_unique(doc, inputs)
    if not inputs:
        doc.warn("no_inputs", "the doc lists no inputs")
    _check_examples(doc, {i.name for i in inputs})
    try:
        return Model(
            slug=f"{owner}/{project}".lower(),
            owner=owner.lower(),
            project=project.lower(),
            display_name=display_name,
            kind="tool" if doc.kind == "tool" else "model",
            description=_prose(doc.info.get("description", "")),
            cover_url=doc.info.get("cover") or None,
            categories=tuple(doc.categories),
            tags=tuple(doc.tags),
            run_path=f"/Run/{owner.lower()}/{project.lower()}",
            inputs=inputs,
            examples=tuple(doc.examples),
            source=Source(path=doc.path, format=doc.format, sha256=sha256, overrides=overrides),
            warnings=tuple(doc.warnings),
        )
    except ValidationError as exc:  # pragma: no cover - guarded by the checks above
        raise SpecError(doc.path, f"invalid model: {exc.errors()[0]['msg']}") from exc


def _labels(doc: RawDoc, display_name: str) -> list[str]:
    words = re.split(r"[-_/\s]+", display_name)
    return [*doc.categories, *doc.tags, *words]


def _prose(text: str) -> str:
    """Runs of whitespace in prose are layout, not content (and flattening loses them)."""
    return " ".join(text.split())


def _check_examples(doc: RawDoc, names: set[str]) -> None:
    unknown = sorted({key for example in doc.examples for key in example} - names)
    for key in unknown:
        doc.warn(
            "example_unknown_input", f"an example sets {key!r}, which is not an input", input=key
        )


def _display_name(doc: RawDoc) -> str:
    name = doc.info.get("name", "").strip()
    if "/" not in name:
        raise SpecError(doc.path, "expected 'Model name: OWNER/PROJECT' in Basic tool info")
    return name


def _run_path(doc: RawDoc, display_name: str) -> str:
    """The Run path from the doc's endpoint URL; else guessed from the display name.

    Wiro's OpenAPI documents write some paths with the display name in them
    (`/Run/wiro/Virtual Try-On`, `/Run/lightricks/ ltx-2-distilled`): the slug is
    that name trimmed, with each run of spaces a dash.
    """
    endpoint = doc.info.get("Run Task Endpoint (POST)", "")
    try:
        path = urlparse(endpoint).path
    except ValueError:  # a mangled URL (`https://api.wiro.ai[/v1/...`): read the raw text
        path = endpoint
    match = _RUN_PATH.search(path) if endpoint else None
    if match:
        return match.group(1)
    spaced = _spaced_run_path(path) if endpoint else None
    if spaced:
        doc.warn("run_path_spaced", f"the Run path {path!r} has spaces: read as {spaced}")
        return spaced
    doc.warn("run_path_guessed", "no Run endpoint URL in the doc; derived from the model name")
    return "/Run/" + _slug_words(display_name)


def _spaced_run_path(path: str) -> str | None:
    _, found, rest = path.rpartition("/Run/")
    parts = [_slug_words(part) for part in rest.rstrip("/").split("/")]
    if not found or len(parts) != 2 or not all(parts):
        return None
    return "/Run/" + "/".join(parts)


def _slug_words(text: str) -> str:
    return "-".join(text.split())


def _check_unique(doc: RawDoc, inputs: tuple[Input, ...]) -> None:
    seen: dict[str, Input] = {}
    for raw, item in zip(doc.inputs, inputs, strict=True):
        if item.name in seen:
            raise SpecError(doc.path, f"duplicate input name {item.name!r}", raw.line)
        seen[item.name] = item


def _check_name(doc: RawDoc, raw: RawInput) -> None:
    """Warn about an input name a reader cannot see as written: invisible, control or
    non-ASCII characters (``pro\u200bmpt`` looks like ``prompt``). The wire name is kept
    as the doc has it; the client's Python name uses its ASCII letters."""
    odd = sorted({c for c in raw.name if not (c.isascii() and c.isprintable())})
    if odd:
        shown = ", ".join(f"U+{ord(c):04X}" for c in odd[:5])
        doc.warn(
            "name_unusual",
            f"input name {raw.name!r} has invisible or non-ASCII characters ({shown})",
            input=raw.name,
            line=raw.line,
        )


def _input(doc: RawDoc, raw: RawInput, guessed_required: bool) -> Input:
    """The typed input; a number out of bounds anywhere in it is a SpecError at its line."""
    _check_name(doc, raw)
    with numbers.located(doc.path, raw.line, f"input {raw.name!r}"):
        return _typed_input(doc, raw, guessed_required)


def _typed_input(doc: RawDoc, raw: RawInput, guessed_required: bool) -> Input:
    wire_type = raw.fields.get("type")
    kind = _kind(doc, raw, wire_type)
    if kind is InputKind.FILES and raw.typed.get("max_items") == 1:
        kind = InputKind.FILE  # "up to 1 entry": one value, file or URL
    label = _prose(raw.fields.get("label", "")) or raw.name
    help_text = _prose(raw.fields.get("help", "")) or None
    help_key = help_text if help_text and _I18N_KEY.match(help_text) else None
    options = _options(doc, raw)
    if kind is InputKind.SELECT and not options:
        doc.warn(
            "select_without_options",
            "a select with no options: read as text",
            input=raw.name,
            line=raw.line,
        )
        kind = InputKind.TEXT
    fields: dict[str, Any] = {
        "name": raw.name,
        "label": label,
        "help": None if help_key else help_text,
        "help_key": help_key,
        "wire_type": wire_type,
        "kind": kind,
        "options": options,
        "origin": raw.origin,
        **_file_fields(raw, kind),
        **_range_fields(raw, kind, help_text),
    }
    fields["default"] = _default(doc, raw, kind, options)
    stated = _stated_required(raw)
    fields["required"] = guessed_required if stated is None else stated
    fields.update({k: v for k, v in raw.typed.items() if k != "required"})
    numbers.ordered(fields.get("minimum"), fields.get("maximum"), ("minimum", "maximum"))
    try:
        return Input(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise SpecError(doc.path, f"input {raw.name!r}: {where}: {error['msg']}", raw.line) from exc


_TEXTUAL = (InputKind.TEXT, InputKind.TEXTAREA)


def _options(doc: RawDoc, raw: RawInput) -> tuple[Option, ...]:
    """The options by value, the first of each: a value listed twice (wiro/ugc-creator's
    effect presets, each under two themes) is one choice on the wire."""
    found: dict[str, Option] = {}
    repeated: list[str] = []
    for o in raw.options or ():
        if o.value in found:
            repeated.append(o.value)
        else:
            found[o.value] = Option(value=o.value, label=o.label, extra=o.extra)
    if repeated:
        shown = ", ".join(repr(v) for v in repeated[:3]) + (", ..." if len(repeated) > 3 else "")
        doc.warn(
            "duplicate_option",
            f"{len(repeated)} option value(s) listed again, the first kept: {shown}",
            input=raw.name,
            line=raw.line,
        )
    return tuple(found.values())


def _stated_required(raw: RawInput) -> bool | None:
    """An override wins, then a `required:` line (OpenAPI documents), then the help text.

    Wiro's forms begin a help text with "Required." or "Optional." where it matters;
    "Required if …" or "Required for …" is a condition, not a rule.
    """
    if "required" in raw.typed:
        return bool(raw.typed["required"])
    stated = raw.fields.get("required", "").lower()
    if stated in ("true", "false"):
        return stated == "true"
    lead = _HELP_STATES.match(raw.fields.get("help", ""))
    return None if lead is None else lead.group(1).lower() == "required"


_HELP_STATES = re.compile(r"\s*(required|optional)\s*(?:[.:;,!]|$)", re.IGNORECASE)
#: Categories and tags (and slug words) of models that edit an image they are given.
_EDITS = frozenset({"image-to-image", "image-editing", "edit"})


def required_by_rule(inputs: list[RawInput], labels: Iterable[str] = ()) -> set[str]:
    """Which inputs of a doc that states nothing are required, by the catalogue's rule.

    Measured on Wiro's OpenAPI documents (`bench/required_rule.py`): a text `prompt`
    is required. A model without one needs its first input of each medium (a
    virtual try-on needs the person, not the garment; an animation both its image
    and its video), and an editing model its first image, even with a prompt.
    Where a medium comes as a file input and a URL input, either does: neither is.
    `labels` are the model's categories, tags and slug words.
    """
    names = {raw.name for raw in inputs}
    required = {
        raw.name for raw in inputs if raw.name == "prompt" and _written_kind(raw) in _TEXTUAL
    }
    edits = not _EDITS.isdisjoint(label.lower() for label in labels)
    if "prompt" in names and not edits:
        return required
    seen: set[str] = set()
    for raw in inputs:
        medium = _medium(raw)
        if medium is None or medium in seen or ("prompt" in names and medium != "image"):
            continue
        seen.add(medium)
        if not _has_twin(raw.name, names):
            required.add(raw.name)
    return required


def _written_kind(raw: RawInput) -> InputKind | None:
    return TYPE_KINDS.get((raw.fields.get("type") or "text").lower())


def _medium(raw: RawInput) -> str | None:
    """`image` for `inputImage` or `inputImageUrl`, a file input or a text one (a URL)."""
    kind = _written_kind(raw)
    if kind is not None and not kind.is_file and kind not in _TEXTUAL:
        return None
    return medium_of(raw.name)


def _has_twin(name: str, names: set[str]) -> bool:
    """`inputImage` beside `inputImageUrl` (or the other way round)."""
    if name.endswith(("Url", "UrlMultiple")):
        return name.replace("Url", "", 1) in names
    return url_sibling(name) in names


def _kind(doc: RawDoc, raw: RawInput, wire_type: str | None) -> InputKind:
    if wire_type is None:
        doc.warn("type_missing", "no type given: read as text", input=raw.name, line=raw.line)
        return InputKind.TEXT
    key = wire_type.lower()
    if key in TYPE_KINDS:
        kind = TYPE_KINDS[key]
        if key == "number" and "." in raw.fields.get("default", ""):
            return InputKind.NUMBER
        if key == "range" and _integral_step(raw):
            return InputKind.INTEGER
        return kind
    if key in GUESSED_TYPES:
        guessed = GUESSED_TYPES[key]
        doc.warn(
            "type_guessed",
            f"type {wire_type!r} not seen in docs yet: read as {guessed}",
            input=raw.name,
            line=raw.line,
        )
        return guessed
    doc.warn(
        "unknown_type", f"unknown type {wire_type!r}: read as text", input=raw.name, line=raw.line
    )
    return InputKind.TEXT


def _integral_step(raw: RawInput) -> bool:
    step = numbers.to_float(raw.fields.get("step", ""))
    return step is not None and step.is_integer()


def _file_fields(raw: RawInput, kind: InputKind) -> dict[str, Any]:
    if kind.is_file:
        multiple = kind is InputKind.FILES
        sibling = None
        if (raw.fields.get("type") or "").lower() in ("fileinput", "multifileinput"):
            sibling = url_sibling(raw.name)
        return {
            "accepts_file": True,
            "accepts_url": True,
            "url_sibling": sibling,
            "max_items": None if multiple else 1,
            "file_constraints": constraints.file_constraints(raw.fields.get("help")),
        }
    if kind in _TEXTUAL and raw.name.lower().endswith("url"):
        return {
            "accepts_url": True,
            "file_constraints": constraints.file_constraints(raw.fields.get("help")),
        }
    return {}


def _range_fields(raw: RawInput, kind: InputKind, help_text: str | None) -> dict[str, Any]:
    if not kind.is_numeric:
        return {}
    found: dict[str, Any] = {}
    stated = constraints.numeric_range(help_text)
    if stated:
        found["advisory_range"] = stated
    for key, target in (("min", "minimum"), ("max", "maximum"), ("step", "step")):
        value = numbers.to_float(raw.fields.get(key, ""), key)
        if value is not None:
            found[target] = value
    return found


def _default(doc: RawDoc, raw: RawInput, kind: InputKind, options: tuple[Option, ...]) -> Default:
    text = raw.fields.get("default", "")
    values = [o.value for o in options]
    if text == "" and "" not in values:
        return None
    typed = wire.parse(text, kind)
    if typed is None:
        doc.warn(
            "bad_default",
            f"default {text!r} is not a valid {kind}: dropped",
            input=raw.name,
            line=raw.line,
        )
    elif kind is InputKind.SELECT and text not in values:
        doc.warn(
            "default_not_in_options",
            f"default {text!r} is not among the options: dropped",
            input=raw.name,
            line=raw.line,
        )
        return None
    return typed
