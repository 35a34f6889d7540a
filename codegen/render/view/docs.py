"""The prose of a model's module and README entry: docstrings and the example call.

Kept apart from the code the module runs (:mod:`.model`) because these change
with the doc's wording and examples, never with the client's API: the
docstrings of the resource and of run(), and the README's plausible run() call,
whose values are the doc's example (or default) read by :mod:`codegen.wire`.
"""

from __future__ import annotations

from codegen import wire
from codegen.render.format import Group, render
from codegen.render.quote import doc_lines, doc_text, py, truncate
from codegen.render.view.fields import FieldView
from codegen.schema import Input, InputKind, Model

EXAMPLE_LIMIT = 240
#: Kinds whose example text is typed (a number, a bool, a list); others stay text.
_TYPED_EXAMPLES = frozenset(
    {InputKind.INTEGER, InputKind.NUMBER, InputKind.BOOLEAN, InputKind.FILES, InputKind.MULTISELECT}
)


def deprecation_message(model: Model) -> str | None:
    """The DeprecationWarning a gone model's run() emits (None for any other model); the
    docstrings and the README say the same in :func:`deprecation_doc`."""
    if not model.gone_upstream:
        return None
    return f"{model.slug} is deprecated: Wiro no longer serves its doc"


def deprecation_doc(model: Model) -> str | None:
    """The "Deprecated: ..." paragraph of a gone model's docstrings (None for any other)."""
    if not model.gone_upstream:
        return None
    return (
        "Deprecated: Wiro no longer serves this model's doc (`wirogen sync` found it gone), "
        "so the model may be withdrawn; run() warns with a DeprecationWarning."
    )


def _title(model: Model) -> str:
    return doc_text(f"{model.display_name}: {model.description}".strip(" :"))


def model_doc(model: Model) -> list[str]:
    """The module's docstring: the model's name and description."""
    return doc_lines([_title(model)], 0)


def _examples_doc(model: Model, indent: int) -> list[str]:
    paras: list[str] = []
    for example in model.examples[:3]:
        text = ", ".join(f"{k}={v!s}" for k, v in sorted(example.items()))
        paras.append(doc_text("Example: " + truncate(text, EXAMPLE_LIMIT)))
    return doc_lines(paras, indent)


def run_doc(model: Model, fields: list[FieldView]) -> list[str]:
    """run()'s docstring: the endpoint, what leaving an input out means, one line per arg."""
    paras = [doc_text(f"Start a {model.display_name} task (POST {model.run_path}).")]
    if (deprecated := deprecation_doc(model)) is not None:
        paras.append(doc_text(deprecated))
    lines = doc_lines(paras, 2)
    lines += [
        "",
        *doc_lines(
            [
                "Optional inputs left out are not sent, so Wiro's own default applies. "
                "Per-call options: extra_headers, extra_query, extra_body, timeout."
            ],
            2,
        ),
    ]
    if fields:
        lines += ["", "Args:"]
        for f in fields:
            note = f" {f.advisory}" if f.advisory else ""
            if f.default_repr is not None:
                note += f" Wiro's default: {f.default_repr}."
            about = f.description or f.kind
            if note and not about.endswith((".", "!", "?")):
                about += "."
            text = doc_text(f"{f.name} ({f.wire}): {about}{note}")
            lines += ["    " + line for line in doc_lines([text], 3)]
    return lines


def resource_doc(model: Model) -> list[str]:
    """The resource class's docstring: the title, then up to three of the doc's examples."""
    deprecated = deprecation_doc(model)
    lines = doc_lines([_title(model), *([doc_text(deprecated)] if deprecated else [])], 1)
    examples = _examples_doc(model, 1)
    return [*lines, "", *examples] if examples else lines


def example_call(model: Model, fields: list[FieldView], target: str) -> str:
    """A plausible run() call for the README: the doc's first example, else the defaults of
    required inputs; `...` where a required input has neither."""
    args = [f"{f.name}={value}" for f, value in _example_args(model, fields)]
    return render(Group(f"task = {target}.run(", tuple(args), ")"))


def _example_args(model: Model, fields: list[FieldView]) -> list[tuple[FieldView, str]]:
    example = model.examples[0] if model.examples else {}
    inputs = {item.name: item for item in model.inputs}
    args: list[tuple[FieldView, str]] = []
    for f in fields:
        item = inputs.get(f.wire)
        if item is None:  # a transport field (callbackUrl): never in an example call
            continue
        if f.wire in example:
            args.append((f, _example_value(item, example[f.wire])))
        elif f.required and item.default not in (None, "", []) and not item.kind.is_file:
            args.append((f, _example_value(item, wire.text(item.default, item.kind))))
        elif f.required:
            args.append((f, "..."))
    return args


def example_complete(model: Model, fields: list[FieldView]) -> bool:
    """Whether the example call sets something and every required input: runnable as is."""
    args = _example_args(model, fields)
    return bool(args) and all(value != "..." for _, value in args)


def _example_value(item: Input, raw: str) -> str:
    """An example's (or a default's) wire text as the Python value run() takes: typed by
    :func:`codegen.wire.coerce` where the kind has a type, else the text (truncated)."""
    if item.kind in _TYPED_EXAMPLES:
        value = wire.coerce(raw, item.kind)
        if value is not None:
            return py(value)
    return py(truncate(raw, 160))
