"""What installing wirogen costs the people who do not use all of it: the pytest plugin is
free until a test asks for a mock fixture."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("mockserver.app", "mockserver.state", "starlette", "uvicorn", "httpx", "pydantic",
         "redis", "codegen")  # fmt: skip


def _imported_by(statement: str) -> list[str]:
    code = f"import sys; {statement}; import json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules: list[str] = json.loads(out.stdout)
    return modules


def test_the_pytest_plugin_imports_no_mock_until_a_fixture_is_used() -> None:
    """pytest loads the plugin (entry point `pytest11`) in every run of an environment that has
    wirogen installed: it must not pull in the mock, its web stack or the parser."""
    loaded = _imported_by("import mockserver.pytest_plugin")
    heavy = [m for m in loaded if m.startswith(HEAVY)]
    assert heavy == []
    assert "mockserver.pytest_plugin" in loaded  # the probe itself works


def test_the_fixtures_class_still_brings_the_whole_mock() -> None:
    loaded = _imported_by("import mockserver.testing")
    assert {"mockserver.app", "uvicorn", "httpx"} <= set(loaded)
