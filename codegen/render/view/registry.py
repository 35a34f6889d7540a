"""The files every model shares: ``_registry.py``, ``_client.py`` and owner packages.

Each model contributes a line or a few (an entry, a type-checking import, an
overload, a lazy import), sorted by slug or module name, and no file carries a
hash or a count: two branches adding different models touch different lines,
and adding one model leaves every other model's lines as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from codegen.render.format import INDENT, Group, Item, def_header, import_from, natural_key, render
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


def registry_view(cat: CatalogueView) -> RegistryView:
    """``_registry.py`` and ``_client.py``: a line or a few per model or owner, no hash.

    Each model is data (one entry line), a type-checking import and an overload
    per client; sorted by slug or module, so two branches adding different
    models touch different lines.
    """
    models = cat.models
    ordered = sorted(models, key=lambda m: (natural_key(m.owner_attr), natural_key(m.module)))
    owners = sorted(cat.owners, key=lambda o: natural_key(o.package))
    return RegistryView(
        base_import=import_from(f"{cat.package}._base", _REGISTRY_BASE_NAMES),
        type_imports=[
            import_from(
                f"{cat.package}.models.{m.owner_attr}", [f"{m.module} as {m.registry_alias}"], 1
            )
            for m in ordered
        ],
        entries=_entries(models, {m.slug: m.display_name for o in cat.owners for m in o.sources}),
        sync_overloads=_overloads(models, "class_name", "Resource"),
        async_overloads=_overloads(models, "async_class_name", "AsyncResource"),
        owner_imports=[_owner_import(o, [o.async_class_name, o.class_name], 1) for o in owners],
        owner_body_imports={
            o.attr: (
                _owner_import(o, [o.class_name], 2),
                _owner_import(o, [o.async_class_name], 2),
            )
            for o in cat.owners
        },
    )


def _overloads(models: Sequence[ModelView], attr: str, fallback: str) -> list[str]:
    """``__getitem__`` overloads: one per model (its slug's literal), then any slug."""
    if not models:
        return []
    out = []
    for m in models:
        params = ("self", f"slug: typing.Literal[{py(m.slug)}]")
        returns = f"{m.registry_alias}.{getattr(m, attr)}"
        out.append(def_header("__getitem__", params, returns, 1, " ..."))
    out.append(def_header("__getitem__", ("self", "slug: str"), fallback, 1, " ..."))
    return out


def _entries(models: Sequence[ModelView], display_names: dict[str, str]) -> str:
    """``_MODELS``: one ``slug: (module, class, async class, display name)`` line per model.

    The display name is the spec's own (``SPEC.display_name``), not the cleaned
    text of the view, so resolving one matches exactly what the spec says.
    """
    if not models:
        return "_MODELS: dict[str, Entry] = {}"
    items: list[Item] = []
    for m in models:
        display = display_names[m.slug]
        names = (f"{m.owner_attr}.{m.module}", m.class_name, m.async_class_name, display)
        values = tuple(py(name) for name in names)
        line = f"{py(m.slug)}: ({', '.join(values)})"
        # A tuple that does not fit is split one value per line, as ruff does.
        fits = len(INDENT) + len(line) + 1 <= LINE_LENGTH
        items.append(line if fits else Group(f"{py(m.slug)}: (", values, ")", magic=True))
    return render(Group("_MODELS: dict[str, Entry] = {", tuple(items), "}", magic=True))


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
