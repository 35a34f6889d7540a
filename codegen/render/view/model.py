"""One model's module: the view its template prints, from the model and its names.

A model's view depends only on that model and the names the catalogue gave it
(owner attribute, module, registry alias), which is what lets the engine make
views in parallel and cache each one: the input model's fields
(:mod:`.fields`), the ``SPEC`` literal, run()'s signature and call, the module's
imports, and the owner package's property for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from codegen.render.format import Group, Item, def_header, fence, render, return_call
from codegen.render.names import Namer, pascal
from codegen.render.quote import clean_text, doc_lines, doc_text, py, truncate
from codegen.render.view.docs import (
    deprecation_doc,
    deprecation_message,
    example_call,
    example_complete,
    model_doc,
    resource_doc,
    run_doc,
)
from codegen.render.view.fields import (
    FieldView,
    Names,
    advisory_range,
    callback_field,
    field_names,
    field_view,
)
from codegen.render.view.headers import header_lines, source_path
from codegen.render.view.reserved import FIELD_RESERVED, MODULE_RESERVED
from codegen.schema import InputKind, Model


@dataclass(frozen=True)
class ModelView:
    slug: str
    display_name: str
    owner_attr: str
    registry_alias: str
    module: str  # module name inside models/<owner>/
    file_path: str  # relative to the output dir
    class_name: str
    async_class_name: str
    input_class: str
    header: list[str]
    docstring: list[str]
    aliases: list[str]
    fields: list[FieldView]
    input_doc: list[str]
    resource_doc: list[str]
    run_doc: list[str]
    signature: str
    async_signature: str
    call: str
    async_call: str
    spec: str
    imports: list[str]
    summary: str
    summary_doc: list[str]
    prop_def: str
    async_prop_def: str
    prop_return: str
    async_prop_return: str
    description: str
    example_call: str
    example_fence: str
    #: Whether example_call sets every required input (else it shows `...` placeholders).
    example_complete: bool
    #: run()'s first statement for a model Wiro no longer serves (`Model.gone_upstream`):
    #: a `warnings.warn(..., DeprecationWarning)` call; empty for any other model.
    deprecation: str = ""
    #: The README's Markdown note for such a model; empty for any other.
    readme_note: str = ""


def split_slug(model: Model) -> tuple[str, str]:
    """(owner, project) of the model's slug; a slug without ``/`` is the project."""
    owner, sep, project = model.slug.partition("/")
    if not sep:
        return model.owner or "owner", model.slug
    return owner, project


def _spec_code(model: Model, input_class: str) -> str:
    file_fields = tuple(
        Group(
            "FileField(",
            (
                f"name={py(i.name)}",
                f"url_sibling={py(i.url_sibling)}",
                f"multiple={py(i.kind == InputKind.FILES)}",
                f"max_items={py(i.max_items)}",
            ),
            ")",
            magic=True,
        )
        for i in model.inputs
        if i.kind.is_file
    )
    example = model.examples[0] if model.examples else {}
    example_items = tuple(f"{py(str(k))}: {py(str(v))}" for k, v in example.items())
    ranges = tuple(
        f"{py(i.name)}: {py(tuple(float(v) for v in stated))}"
        for i in model.inputs
        if (stated := advisory_range(i)) is not None
    )
    args: tuple[Item, ...] = (
        f"slug={py(model.slug)}",
        f"display_name={py(model.display_name)}",
        f"run_path={py(model.run_path)}",
        f"description={py(clean_text(model.description))}",
        f"input_model={input_class}",
        Group("file_fields=(", file_fields, ")", magic=True) if file_fields else "file_fields=()",
        Group("example={", example_items, "}", magic=True) if example_items else "example={}",
        Group("advisory_ranges={", ranges, "}", magic=True) if ranges else "advisory_ranges={}",
    )
    return render(Group("SPEC = ModelSpec(", args, ")", magic=True))


def _signature(fields: list[FieldView], task: str, is_async: bool) -> str:
    prefix = "async def" if is_async else "def"
    items = ("self", "*", *(f.param for f in fields), "**options: typing.Unpack[CallOptions]")
    return render(Group(f"{prefix} run(", items, f") -> {task}:", magic=True), 1)


def _call(fields: list[FieldView], is_async: bool) -> str:
    head = "return await self._call(" if is_async else "return self._call("
    items = (*(f"{f.name}={f.name}" for f in fields), "**options")
    return render(Group(head, items, ")", magic=True), 2)


def _deprecation(model: Model) -> str:
    """`warnings.warn(...)` for a gone model's run(), laid out at run()'s body indent."""
    message = deprecation_message(model)
    if message is None:
        return ""
    args = (py(message), "DeprecationWarning", "stacklevel=2")
    return render(Group("warnings.warn(", args, ")", magic=True), 2)


def _imports(package: str, has_files: bool, deprecated: bool) -> list[str]:
    lines = [
        "import typing",
        *(["import warnings"] if deprecated else []),
        "",
        "import pydantic",
        "",
    ]
    lines.append(f"from {package}._base import AsyncRawMethod, AsyncResource, RawMethod, Resource")
    if has_files:
        lines.append(f"from {package}._runtime._files import FileInput, FileValue")
    lines.append(f"from {package}._runtime._options import NOT_GIVEN, CallOptions, NotGiven")
    if has_files:
        lines.append(f"from {package}._runtime._spec import FileField, ModelSpec")
    else:
        lines.append(f"from {package}._runtime._spec import ModelSpec")
    lines.append(f"from {package}._runtime._task import AsyncTask, Task")
    return lines


def model_view(
    model: Model,
    package: str,
    owner_attr: str,
    module: str,
    specs_dir: PurePosixPath | None,
    registry_alias: str,
) -> ModelView:
    """One model's view under the names the catalogue allocated for it."""
    _owner, project = split_slug(model)
    display_project = model.display_name.partition("/")[2] or model.display_name or project
    module_names = Namer(MODULE_RESERVED)
    class_name = module_names.claim(pascal(display_project, "Model"))
    async_class = module_names.claim("Async" + class_name)
    input_class = module_names.claim(class_name + "Input")
    names = Names(Namer(FIELD_RESERVED), module_names)
    aliases: list[str] = []
    python = field_names(model.inputs, names.field)
    fields = [field_view(i, python[i.name], names, aliases) for i in model.inputs]
    if not any(i.name == "callbackUrl" for i in model.inputs):
        fields.append(callback_field())
    has_files = any(i.kind.is_file for i in model.inputs)
    desc = clean_text(model.description)
    return ModelView(
        slug=model.slug,
        display_name=clean_text(model.display_name),
        registry_alias=registry_alias,
        owner_attr=owner_attr,
        module=module,
        file_path=f"{package}/models/{owner_attr}/{module}.py",
        class_name=class_name,
        async_class_name=async_class,
        input_class=input_class,
        header=header_lines(source_path(model, specs_dir), model.source.sha256),
        docstring=model_doc(model),
        aliases=aliases,
        fields=fields,
        input_doc=doc_lines([doc_text(f"Inputs of {model.display_name}.")], 1),
        resource_doc=resource_doc(model),
        run_doc=run_doc(model, fields),
        signature=_signature(fields, "Task", False),
        async_signature=_signature(fields, "AsyncTask", True),
        call=_call(fields, False),
        async_call=_call(fields, True),
        spec=_spec_code(model, input_class),
        imports=_imports(package, has_files, model.gone_upstream),
        summary=truncate(desc, 120),
        summary_doc=doc_lines(
            [
                doc_text(f"{model.display_name}: {truncate(desc, 200)}"),
                *([doc_text(deprecated)] if (deprecated := deprecation_doc(model)) else []),
            ],
            2,
        ),
        prop_def=def_header(module, ("self",), f"_{module}.{class_name}", 1),
        async_prop_def=def_header(module, ("self",), f"_{module}.{async_class}", 1),
        prop_return=return_call(f"_{module}.{class_name}", ("self._client",), 2),
        async_prop_return=return_call(f"_{module}.{async_class}", ("self._client",), 2),
        description=desc,
        example_call=(call := example_call(model, fields, f"client.{owner_attr}.{module}")),
        example_fence=fence(call),
        example_complete=example_complete(model, fields),
        deprecation=_deprecation(model),
        readme_note=_README_NOTE if model.gone_upstream else "",
    )


#: The README's note on a model whose doc Wiro no longer serves (our text, not the spec's).
_README_NOTE = (
    "**Deprecated**: Wiro no longer serves this model's doc (`wirogen sync` found it gone), "
    "so the model may be withdrawn; `run()` emits a `DeprecationWarning`."
)
