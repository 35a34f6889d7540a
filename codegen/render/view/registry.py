"""The files every model shares: ``_registry.py``, ``_client.py`` and owner packages.

Each model contributes a line or a few (an entry, a type-checking import, an
overload, a lazy import), sorted by slug or module name, and no file carries a
hash or a count: two branches adding different models touch different lines,
and adding one model leaves every other model's lines as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from codegen.render.format import (
    INDENT,
    Group,
    Item,
    def_header,
    import_from,
    lines,
    natural_key,
)
from codegen.render.quote import LINE_LENGTH, doc_lines, doc_text, py
from codegen.render.view.catalogue import CatalogueView, OwnerView
from codegen.render.view.model import ModelView

#: What ``_registry.py`` imports from ``_base`` (in isort order).
_REGISTRY_BASE_NAMES = (
    "AsyncNamespace",
    "AsyncResource",
    "Entry",
    "Namespace",
    "Registry",
    "Resource",
)


@dataclass(frozen=True)
class RegistryView:
    base_import: str
    #: ``_registry.py``'s imports for type checkers, one per model (indented).
    type_imports: list[str]
    entries: str
    sync_overloads: list[str]
    async_overloads: list[str]
    #: ``_client.py``'s imports for type checkers, one per owner (indented).
    owner_imports: list[str]
    #: Owner attribute -> the (sync, async) property's import of its owner class.
    owner_body_imports: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class ModelLines:
    """One model's own lines in ``_registry.py`` (README rows are the engine's).

    They depend on the model and its names alone, so the engine makes them with the
    model's module and caches them with it: a run in which one model changed lays
    out that model's lines and joins the others'.
    """

    #: Its import for type checkers, indented under ``if typing.TYPE_CHECKING:``.
    type_import: str
    #: Its ``_MODELS`` item, laid out one level deep with its trailing comma.
    entry: str
    sync_overload: str
    async_overload: str


def model_lines(m: ModelView, package: str, display_name: str) -> ModelLines:
    """``m``'s lines; `display_name` is the spec's own (see :func:`_entry`)."""
    return ModelLines(
        type_import=import_from(
            f"{package}.models.{m.owner_attr}", [f"{m.module} as {m.registry_alias}"], 1
        ),
        entry="\n".join(lines(_entry(m, display_name), 1, ",")),
        sync_overload=_overload(m, m.class_name),
        async_overload=_overload(m, m.async_class_name),
    )


def registry_view(cat: CatalogueView, made: Sequence[ModelLines]) -> RegistryView:
    """``_registry.py`` and ``_client.py``: a line or a few per model or owner, no hash.

    Each model is data (one entry line), a type-checking import and an overload
    per client; sorted by slug or module, so two branches adding different
    models touch different lines. `made` are ``cat.models``' lines, in order.
    """
    models = cat.models
    order = sorted(
        range(len(models)),
        key=lambda n: (natural_key(models[n].owner_attr), natural_key(models[n].module)),
    )
    owners = sorted(cat.owners, key=lambda o: natural_key(o.package))
    return RegistryView(
        base_import=import_from(f"{cat.package}._base", _REGISTRY_BASE_NAMES),
        type_imports=[made[n].type_import for n in order],
        entries=_entries([m.entry for m in made]),
        sync_overloads=_overloads([m.sync_overload for m in made], "Resource"),
        async_overloads=_overloads([m.async_overload for m in made], "AsyncResource"),
        owner_imports=[_owner_import(o, [o.async_class_name, o.class_name], 1) for o in owners],
        owner_body_imports={
            o.attr: (
                _owner_import(o, [o.class_name], 2),
                _owner_import(o, [o.async_class_name], 2),
            )
            for o in cat.owners
        },
    )


def _overload(m: ModelView, class_name: str) -> str:
    """``__getitem__``'s overload for one model: its slug's literal."""
    params = ("self", f"slug: typing.Literal[{py(m.slug)}]")
    return def_header("__getitem__", params, f"{m.registry_alias}.{class_name}", 1, " ...")


def _overloads(made: Sequence[str], fallback: str) -> list[str]:
    """``__getitem__`` overloads: one per model, then any slug."""
    if not made:
        return []
    any_slug = def_header("__getitem__", ("self", "slug: str"), fallback, 1, " ...")
    return [*made, any_slug]


def _entry(m: ModelView, display: str) -> Item:
    """``slug: (module, class, async class, display name)``.

    The display name is the spec's own (``SPEC.display_name``), not the cleaned
    text of the view, so resolving one matches exactly what the spec says.
    """
    names = (f"{m.owner_attr}.{m.module}", m.class_name, m.async_class_name, display)
    values = tuple(py(name) for name in names)
    line = f"{py(m.slug)}: ({', '.join(values)})"
    # A tuple that does not fit is split one value per line, as ruff does.
    fits = len(INDENT) + len(line) + 1 <= LINE_LENGTH
    return line if fits else Group(f"{py(m.slug)}: (", values, ")", magic=True)


def _entries(items: Sequence[str]) -> str:
    """``_MODELS``: one ``slug: (...)`` item per model, as `render` lays out its magic group."""
    if not items:
        return "_MODELS: dict[str, Entry] = {}"
    return "\n".join(["_MODELS: dict[str, Entry] = {", *items, "}"])


def _owner_import(owner: OwnerView, names: Sequence[str], indent: int) -> str:
    return import_from(owner.package, sorted(names, key=natural_key), indent)


@dataclass(frozen=True)
class OwnerImports:
    """An owner package's imports: for type checkers, and each property's own."""

    doc: list[str]
    types: list[str]
    #: Model module name -> the import its properties run on first use (indented).
    bodies: dict[str, str]


def owner_imports(owner: OwnerView) -> OwnerImports:
    """``from pkg.models.owner import module as _module`` lines, in ruff's isort order."""
    modules = sorted((m.module for m in owner.models), key=natural_key)
    doc = doc_lines(
        [
            doc_text(f"Models published by {owner.slug_owner} on Wiro."),
            doc_text(
                "A model's module is imported when its attribute is first read; the imports "
                "under ``TYPE_CHECKING`` only give type checkers the exact classes."
            ),
        ],
        0,
    )
    return OwnerImports(
        doc=doc,
        types=[import_from(owner.package, [f"{name} as _{name}"], 1) for name in modules],
        bodies={name: import_from(owner.package, [f"{name} as _{name}"], 2) for name in modules},
    )
