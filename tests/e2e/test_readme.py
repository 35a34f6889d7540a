"""The README's code is real: its Python snippets type-check, and its pytest example passes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT, SPECS
from tests.typecheck import run_mypy

README = (ROOT / "README.md").read_text(encoding="utf-8")
SNIPPETS = re.findall(r"```python\n(.*?)```", README, flags=re.S)
BIN = Path(sys.executable).parent


def test_client_snippets_type_check(tmp_path: Path, mypy_cache: Path) -> None:
    client_snippets = [s for s in SNIPPETS if "wiro_client" in s and "def test_" not in s]
    assert len(client_snippets) >= 2
    for index, snippet in enumerate(client_snippets):
        (tmp_path / f"snippet_{index}.py").write_text(snippet)
    # generated/ named: the editable install's import hook is invisible to mypy
    result = run_mypy([tmp_path], mypy_cache, cwd=tmp_path, mypypath=[ROOT / "generated"])
    assert result.returncode == 0, result.stdout


def test_pytest_fixture_example_passes(tmp_path: Path) -> None:
    (example,) = [s for s in SNIPPETS if "def test_" in s and "wiro_mock" in s]
    (tmp_path / "test_example.py").write_text(example)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "WIRO_MOCK_SPECS": str(SPECS)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
