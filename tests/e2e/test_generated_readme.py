"""The generated package's README, as a new user copies it: its quick start runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mockserver.testing import WiroMock
from tests.paths import ROOT

README = ROOT / "generated" / "README.md"


def _python_blocks() -> list[str]:
    found = re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), re.DOTALL)
    assert found, "the generated README has a Python quick start"
    return found


@pytest.mark.parametrize("mock", ["memory"], indirect=True)
def test_quick_start_runs_against_the_mock(
    mock: WiroMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIRO_API_KEY", mock.api_key)
    monkeypatch.setenv("WIRO_API_SECRET", mock.api_secret or "")
    monkeypatch.setenv("WIRO_BASE_URL", mock.base_url)
    monkeypatch.chdir(tmp_path)
    mock.set_clock("realtime", speed=1000)  # the quick start waits with real sleeps
    names: dict[str, object] = {}
    quick_start, more = _python_blocks()[:2]
    exec(compile(quick_start, str(README), "exec"), names)
    assert getattr(names["detail"], "status", None) == "task_postprocess_end"
    saved = names["paths"]
    assert isinstance(saved, list) and saved and all(Path(p).is_file() for p in saved)
    assert mock.requests(path="*/Run/*", status=200, result=True)
    exec(compile(more, str(README), "exec"), names)  # continues from the quick start
    assert mock.requests(path="*/Task/Detail", header="x-request-id:readme")
    assert mock.requests(path="*/Task/List") and mock.requests(path="*/Tool/Detail")
    assert getattr(names["folder"], "name", None) == "inputs"
