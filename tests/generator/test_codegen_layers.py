"""The generator's layers, as its package docstrings state them, checked on the imports.

`codegen.wire` and `codegen.numbers` sit beside the schema, below the parser and
the renderer; `codegen.changes` reads catalogues and never renders; each module of
`codegen.render.view` imports only the view modules before it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CODEGEN = Path(__file__).resolve().parents[2] / "codegen"
#: Bottom to top, as `codegen/render/view/__init__.py` lists them.
VIEW_ORDER = ("reserved", "headers", "fields", "docs", "model", "catalogue", "registry")
#: Module (relative to codegen/, dotted) -> packages it must not import.
BANNED = {
    "wire": ("codegen.parser", "codegen.render", "codegen.changes"),
    "numbers": ("codegen.parser", "codegen.render", "codegen.changes", "codegen.schema"),
    **{
        f"changes.{name}": ("codegen.render", "codegen.cli")
        for name in ("diff", "snapshot", "sync", "release")
    },
}


def _imports(path: Path) -> set[str]:
    """Every module `path` imports (a `from X import y` counts X and X.y)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("module", sorted(BANNED))
def test_lower_layers_do_not_import_upper_ones(module: str) -> None:
    imported = _imports(CODEGEN / (module.replace(".", "/") + ".py"))
    banned = BANNED[module]
    assert not {name for name in imported if name.startswith(banned)}, module


@pytest.mark.parametrize("index", range(len(VIEW_ORDER)))
def test_each_view_module_imports_only_earlier_ones(index: int) -> None:
    later = {f"codegen.render.view.{name}" for name in VIEW_ORDER[index:]}
    imported = _imports(CODEGEN / "render" / "view" / f"{VIEW_ORDER[index]}.py")
    assert not imported & later, VIEW_ORDER[index]


def test_the_view_order_names_every_view_module() -> None:
    modules = {p.stem for p in (CODEGEN / "render" / "view").glob("*.py")} - {"__init__"}
    assert modules == set(VIEW_ORDER)
