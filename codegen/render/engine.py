"""Rendering a catalogue into an in-memory tree ``{relative path: bytes}``.

Rendering never touches the output directory; :mod:`codegen.render.tree` writes
or compares. Keeping the tree in memory is what makes ``check`` exact and
``generate`` skip unchanged files.
"""

from __future__ import annotations

import ast
import hashlib
import keyword
from collections.abc import Sequence
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from codegen.errors import GenerateError
from codegen.render import quote, view
from codegen.render.layout import Group, render
from codegen.render.release import FIRST_VERSION
from codegen.schema import Model

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
RUNTIME = Path(__file__).resolve().parent.parent / "runtime"

#: Names the package ``__init__`` re-exports from each runtime module, besides
#: whatever that module lists in ``__all__`` (errors and response types).
_EXPORT_ALL_FROM = ("_errors", "_types")
_EXPORT_NAMED = {"_task": ("AsyncTask", "Task"), "_files": ("FileInput", "FileValue")}


@cache
def environment() -> jinja2.Environment:
    """The one Jinja environment: strict, no autoescape (we emit Python, not HTML)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["py"] = quote.py
    env.filters["docstring"] = quote.docstring
    env.filters["md"] = quote.md
    env.filters["md_code"] = quote.md_code
    return env


def _render(name: str, **context: Any) -> bytes:
    text = environment().get_template(name).render(**context)
    return text.encode("utf-8")


def check_package_name(package: str) -> None:
    if not package.isidentifier() or not package.isascii() or keyword.iskeyword(package):
        raise GenerateError(f"package name {package!r} is not a valid Python identifier")
    if package.startswith("_"):
        raise GenerateError(f"package name {package!r} must not start with an underscore")


def render_tree(
    models: Sequence[Model],
    package: str,
    specs_dir: Path | None = None,
    version: str = FIRST_VERSION,
) -> dict[str, bytes]:
    """Every file of the distribution, keyed by POSIX path relative to the output dir."""
    check_package_name(package)
    specs = PurePosixPath(specs_dir.resolve().as_posix()) if specs_dir is not None else None
    cat = view.catalogue_view(models, package, specs)
    tree: dict[str, bytes] = {}
    for m in cat.models:
        tree[m.file_path] = _render("model.py.j2", m=m)
    tree.update(_package_files(cat, version))
    tree.update(runtime_files(package))
    return dict(sorted(tree.items()))


def _package_files(cat: view.CatalogueView, version: str) -> dict[str, bytes]:
    pkg = cat.package
    reg = view.registry_view(cat)
    ctx = {"c": _CatalogueContext(cat)}
    files = {
        f"{pkg}/_base.py": _render("_base.py.j2", **ctx),
        f"{pkg}/_registry.py": _render("_registry.py.j2", r=reg, **ctx),
        f"{pkg}/_client.py": _render("_client.py.j2", r=reg, **ctx),
        f"{pkg}/__init__.py": _render("__init__.py.j2", x=_init_exports(pkg), **ctx),
        f"{pkg}/__main__.py": _render("__main__.py.j2", **ctx),
        f"{pkg}/py.typed": _render("py.typed.j2", **ctx),
        f"{pkg}/models/__init__.py": _render("models_init.py.j2", **ctx),
        "pyproject.toml": _render("pyproject.toml.j2", x={"version": version}, **ctx),
        "README.md": _render("README.md.j2", **ctx),
    }
    for owner in cat.owners:
        # Per-owner hash: changing one spec rewrites its owner's package, not all of them.
        header = view.header_lines(
            f"{cat.specs_label}/ ({len(owner.models)} models of {owner.slug_owner}, combined)",
            owner.sha256,
        )
        files[owner.file_path] = _render(
            "owner_init.py.j2",
            o=owner,
            imports=view.owner_imports(owner),
            c={"package": pkg, "header": header},
        )
    return files


class _CatalogueContext:
    """The catalogue view plus the few derived strings the templates need."""

    def __init__(self, cat: view.CatalogueView) -> None:
        self.package = cat.package
        self.dist_name = cat.dist_name
        self.header = cat.header
        self.header_text = " ".join(line.lstrip("# ") for line in cat.header).replace("--", "-")
        self.generated_by = view.GENERATED_BY
        self.owners = cat.owners
        self.models = cat.models


# ---------------------------------------------------------------------------- runtime


def _runtime_sources() -> list[Path]:
    if not RUNTIME.is_dir():
        raise GenerateError(f"runtime sources not found at {RUNTIME}")
    return sorted(p for p in RUNTIME.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@cache
def _runtime_cached(package: str, stamp: tuple[tuple[str, int, int], ...]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for src in _runtime_sources():
        rel = src.relative_to(RUNTIME).as_posix()
        data = src.read_bytes()
        if src.suffix == ".py":
            digest = hashlib.sha256(data).hexdigest()
            head = view.header_lines(f"codegen/runtime/{rel} (copied verbatim)", digest)
            data = ("\n".join(head) + "\n").encode() + data
        files[f"{package}/_runtime/{rel}"] = data
    init = f"{package}/_runtime/__init__.py"
    if init not in files:
        header = view.header_lines("codegen/templates/runtime_init.py.j2", _template_hash())
        files[init] = _render("runtime_init.py.j2", c={"header": header})
    return files


def runtime_files(package: str) -> dict[str, bytes]:
    """The runtime sources with a provenance header (cached per process by mtime)."""
    stamp = tuple(
        (p.as_posix(), p.stat().st_mtime_ns, p.stat().st_size) for p in _runtime_sources()
    )
    return _runtime_cached(package, stamp)


@cache
def _template_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES.glob("*.j2")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _module_exports(module: str) -> tuple[str, ...]:
    if module in _EXPORT_NAMED:
        return _EXPORT_NAMED[module]
    path = RUNTIME / f"{module}.py"
    if not path.is_file():
        return ()
    for node in ast.parse(path.read_text("utf-8")).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            return tuple(
                e.value
                for e in node.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            )
    return ()


def isort_names(names: Sequence[str]) -> list[str]:
    """Ruff's order-by-type: CONSTANTS, then Classes, then the rest; natural within each."""

    def key(name: str) -> tuple[int, tuple[tuple[int, int | str], ...]]:
        if name.isupper() and len(name) > 1:
            kind = 0
        elif name[:1].isupper():
            kind = 1
        else:
            kind = 2
        return kind, view.natural_key(name)

    return sorted(set(names), key=key)


def _init_exports(package: str) -> dict[str, Any]:
    groups: dict[str, list[str]] = {
        f"{package}._client": ["AsyncWiro", "Wiro"],
        f"{package}._registry": ["REGISTRY"],
        f"{package}._runtime._spec": ["FileField", "ModelSpec"],
    }
    for module in (*_EXPORT_ALL_FROM, *_EXPORT_NAMED):
        names = [n for n in _module_exports(module) if (RUNTIME / f"{module}.py").is_file()]
        if names:
            groups[f"{package}._runtime.{module}"] = names
    exported: set[str] = set()
    imports: list[str] = []
    for module in sorted(groups, key=view.natural_key):
        names = isort_names([n for n in groups[module] if n not in exported])
        exported.update(names)
        if names:
            imports.append(_import_line(module, names))
    items = tuple(quote.py(n) for n in isort_names(list(exported)))
    return {"imports": imports, "all": render(Group("__all__ = [", items, "]"))}


def _import_line(module: str, names: list[str]) -> str:
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= quote.LINE_LENGTH:
        return line
    return render(Group(f"from {module} import (", tuple(names), ")", magic=True))
