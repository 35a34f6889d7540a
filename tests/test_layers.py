"""The package layout is the architecture: imports go down the layers, never up or across.

`mockserver/`, bottom to top (a module may import its own layer and the ones below it, in
`TYPE_CHECKING` blocks and functions too): the foundation (`errors`, `config`, `auth`), `models`,
`tasks`, `control`, `store`, `state`, `http`, `api`, `admin`, and the entry points (`app`,
`cli`, `pytest_plugin`). The generator never imports the mock, and neither ships the demo.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MOCK_LAYERS = (
    ("errors", "config", "auth"),
    ("models",),
    ("tasks",),
    ("control",),
    ("store",),
    ("state",),
    ("http",),
    ("api",),
    ("admin",),
    ("app", "cli", "testing", "pytest_plugin", "__init__", "__main__"),
)
RANK = {name: rank for rank, names in enumerate(MOCK_LAYERS) for name in names}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module) of every import in the file, relative ones resolved."""
    package = _module(path).split(".")[:-1]  # a package's __init__ counts as inside it
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            if node.module is None:  # `from . import x`: each name is a module
                for alias in node.names:
                    yield node.lineno, f"{module}.{alias.name}"
            else:
                yield node.lineno, module


def _rank(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "mockserver":
        return None
    return RANK[parts[1]] if len(parts) > 1 else RANK["__init__"]


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_every_mock_module_belongs_to_a_layer() -> None:
    for path in _sources("mockserver"):
        top = path.relative_to(ROOT / "mockserver").parts[0].removesuffix(".py")
        assert top in RANK, f"{path.relative_to(ROOT)}: in no layer of MOCK_LAYERS"


def test_mock_imports_only_go_down() -> None:
    upward = []
    for path in _sources("mockserver"):
        own = _rank(_module(path))
        assert own is not None
        for line, module in _imports(path):
            rank = _rank(module)
            if rank is not None and rank > own:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert upward == []


def test_shipped_packages_import_neither_tests_nor_each_other_upward() -> None:
    found = []
    for package, banned in (("codegen", ("mockserver", "tests")), ("mockserver", ("tests",))):
        for path in _sources(package):
            for line, module in _imports(path):
                if module.split(".")[0] in banned:
                    found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert found == []
