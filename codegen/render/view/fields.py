"""One input of a model as the generated code shows it: field, run() parameter, docs.

Everything an input contributes is decided here, from that input alone (plus
the names already claimed in its model): its Python name, annotation, the
pydantic ``Field(...)`` statement, run()'s parameter and the typed default,
which comes from :mod:`codegen.wire` so it is the value the parser read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from codegen import wire
from codegen.render.format import Group, render
from codegen.render.names import Namer, pascal, snake
from codegen.render.quote import clean_text, py
from codegen.schema import Default, Input, InputKind


@dataclass(frozen=True)
class FieldView:
    wire: str
    name: str
    kind: str
    annotation: str  # in the input model
    param: str  # ``name: type`` or ``name: type | NotGiven = NOT_GIVEN`` in run()
    code: str  # the whole field statement, already laid out
    default_repr: str | None  # None when required
    required: bool
    description: str  # clean text, for the README
    advisory: str | None = None  # clean text: the advisory-range note, for run()'s docstring


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def default_value(item: Input) -> Default:
    """The documented default, typed by kind (:func:`codegen.wire.coerce`); None when
    absent or unusable: not among the options, or a file default that is no URL."""
    if item.required or item.default is None:
        return None
    value = wire.coerce(item.default, item.kind)
    kind = item.kind
    if kind == InputKind.SELECT and item.options and value not in item.option_values:
        return None
    if kind == InputKind.MULTISELECT and isinstance(value, list):
        picked = [v for v in value if not item.options or v in item.option_values]
        return picked or None
    if kind == InputKind.FILE:
        return value if isinstance(value, str) and _is_url(value) else None
    if kind == InputKind.FILES and isinstance(value, list):
        return value if value and all(_is_url(u) for u in value) else None
    return value


def advisory_range(item: Input) -> tuple[float, float] | None:
    """The help-text range worth documenting as advisory, or None.

    None when there is none, when it is not finite, or when the declared bounds
    are the same range (then it is enforced, and calling it advisory would lie).
    """
    stated = item.advisory_range
    if stated is None or not all(math.isfinite(v) for v in stated):
        return None
    return None if (item.minimum, item.maximum) == stated else stated


def advisory_note(item: Input) -> str | None:
    """The sentence run()'s docstring adds for an advisory range.

    Wiro accepts values outside a range its help text states (its own n8n node
    sends them), so the client documents it instead of rejecting them.
    """
    stated = advisory_range(item)
    if stated is None:
        return None
    low, high = (wire.number_text(v) for v in stated)
    return f"Advisory range (from the doc's help text, not enforced): {low} to {high}."


def _bound(value: float | None, integer: bool) -> str | None:
    if value is None:
        return None
    if integer and float(value).is_integer():
        return py(int(value))
    return py(float(value))


@dataclass(frozen=True)
class Names:
    """The namers a model's inputs claim from: field names, and module-level aliases."""

    field: Namer
    alias: Namer


def _base_type(item: Input, alias: str | None) -> str:
    kind = item.kind
    if kind in (InputKind.SELECT, InputKind.MULTISELECT):
        scalar = alias or "str"
        return f"list[{scalar}]" if kind == InputKind.MULTISELECT else scalar
    return {
        InputKind.INTEGER: "int",
        InputKind.NUMBER: "float",
        InputKind.BOOLEAN: "bool",
        InputKind.FILE: "FileValue",
        InputKind.FILES: "list[FileValue]",
    }.get(kind, "str")


def _alias_code(alias: str, values: Sequence[str]) -> str:
    group = Group(f"{alias} = typing.Literal[", tuple(py(v) for v in values), "]")
    return render(group)


def _description(item: Input) -> str:
    label = item.label.strip()
    help_text = (item.help or "").strip()
    parts = [label] if label else []
    if help_text and help_text != label:
        parts.append(help_text)
    return clean_text(". ".join(parts))


def field_names(inputs: Sequence[Input], namer: Namer) -> dict[str, str]:
    """Wire name -> Python name, unique, and never another input's wire name.

    The input model sets ``populate_by_name``, so a Python name equal to another
    field's alias (``input_image`` beside ``inputImage``) would send one value to
    both fields. Names whose wire form is plain ASCII claim first, so an input
    ``pro\u200bmpt`` listed before ``prompt`` cannot take ``prompt`` from it.
    """
    wires = {item.name for item in inputs} | {"callbackUrl"}
    ordered = sorted(inputs, key=lambda item: not _plain(item.name))  # stable: doc order kept
    return {
        item.name: namer.claim(snake(item.name, "field"), wires - {item.name}) for item in ordered
    }


def _plain(name: str) -> bool:
    return name.isascii() and name.isprintable()


def field_view(item: Input, name: str, names: Names, aliases: list[str]) -> FieldView:
    """The view of one input under its Python ``name``; an options alias it needs is
    claimed from ``names`` and its code appended to ``aliases``."""
    alias = None
    if item.kind in (InputKind.SELECT, InputKind.MULTISELECT) and item.options:
        alias = names.alias.claim(pascal(item.name, "Option") + "Option")
        aliases.append(_alias_code(alias, item.option_values))
    base = _base_type(item, alias)
    value = default_value(item)
    optional = not item.required and value is None
    annotation = f"{base} | None" if optional else base
    args: list[str] = []
    if not item.required:
        args.append(f"default={py(value)}")
    args.append(f"alias={py(item.name)}")
    description = _description(item)
    if description:
        args.append(f"description={py(description)}")
    integer = item.kind == InputKind.INTEGER
    if item.kind.is_numeric:
        for key, bound in (("ge", item.minimum), ("le", item.maximum)):
            text = _bound(bound, integer)
            if text is not None:
                args.append(f"{key}={text}")
    if item.kind in (InputKind.FILES, InputKind.MULTISELECT) and item.max_items:
        args.append(f"max_length={py(int(item.max_items))}")
    code = render(Group(f"{name}: {annotation} = pydantic.Field(", tuple(args), ")", magic=True), 1)
    param, default_repr = _param(name, base, item, value)
    return FieldView(
        wire=item.name,
        name=name,
        kind=str(item.kind),
        annotation=annotation,
        param=param,
        code=code,
        default_repr=default_repr,
        required=item.required,
        description=description,
        advisory=advisory_note(item),
    )


def _param(name: str, base: str, item: Input, value: object) -> tuple[str, str | None]:
    """run()'s parameter and the documented default's repr (None when there is none).

    Required inputs have no default; optional ones default to ``NOT_GIVEN``, so
    they are sent only when set and Wiro's own default applies otherwise (the
    documented one is only shown, in the docstring). File parameters take the
    runtime's ``FileInput`` (what a caller may pass); the input model's
    ``FileValue`` is the validated form.
    """
    base = base.replace("FileValue", "FileInput")
    if item.required:
        return f"{name}: {base}", None
    return f"{name}: {base} | NotGiven = NOT_GIVEN", None if value is None else py(value)


def callback_field() -> FieldView:
    """``callbackUrl``: every Run accepts it, so a model whose doc omits it gets it."""
    description = "URL Wiro POSTs to when the task completes"
    code = render(
        Group(
            "callback_url: str | None = pydantic.Field(",
            ("default=None", 'alias="callbackUrl"', f"description={py(description)}"),
            ")",
            magic=True,
        ),
        1,
    )
    return FieldView(
        wire="callbackUrl",
        name="callback_url",
        kind="text",
        annotation="str | None",
        param="callback_url: str | NotGiven = NOT_GIVEN",
        code=code,
        default_repr=None,
        required=False,
        description=description,
    )
