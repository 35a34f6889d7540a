"""The runtime is shipped verbatim: it must lint clean and type-check strictly as a package."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from tests.typecheck import run_mypy

from .conftest import PKG, RUNTIME_SRC

BIN = Path(sys.executable).parent
ALLOWED_IMPORTS = {"httpx", "pydantic", "websockets", "typing_extensions"}


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        assert found is not None, f"{name} is a test dependency: pip install -e '.[test]'"
        return found
    return str(path)


def test_ruff_check_and_format() -> None:
    for args in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [tool("ruff"), *args, str(RUNTIME_SRC)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_copied_package(rt_root: Path, mypy_cache: Path) -> None:
    result = run_mypy([rt_root / PKG], mypy_cache, cwd=rt_root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_relative_imports_and_allowed_dependencies() -> None:
    stdlib = set(sys.stdlib_module_names)
    for path in RUNTIME_SRC.glob("*.py"):
        tree = ast.parse(path.read_text())
        assert ast.get_docstring(tree), f"{path.name} needs a module docstring"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            elif isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            else:
                continue
            for top in tops:
                assert top in stdlib or top in ALLOWED_IMPORTS or top == "__future__", (path, top)
