"""A bad doc never stops the mock: skipped, listed at start, in `/__mock__` and the dashboard.

Issue 16, item 3: a doc whose parse raised anything but a SpecError made `wiro-mock` exit 1,
and under `--watch` vanished with a logged traceback, unlisted. Now every doc goes through
the parser's one path (`codegen.parser.parse_data`): its error, whatever it was, is that
doc's entry in `Registry.errors` until the doc parses again or is deleted.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import httpx
import pytest

from mockserver import create_app
from mockserver.cli import _log_start
from tests.parser.hostile_numbers import CASES, odd_model, strict_json
from tests.paths import SPECS

GOOD = "reve__edit.page.txt"
ROOT = "http://127.0.0.1"  # a loopback Host: the admin API's guard lets it in
#: Loading docs is the same for every store; `buggy` gives a doc a parser bug.
pytestmark = [pytest.mark.memory_only, pytest.mark.usefixtures("buggy")]


def _specs(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / GOOD).write_bytes((SPECS / GOOD).read_bytes())
    CASES["a__zero.llms.md"].write(specs)
    CASES["a__deep.page.txt"].write(specs)
    (specs / "bug.page.txt").write_bytes((SPECS / GOOD).read_bytes())
    return specs


@pytest.fixture
def buggy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A parser bug (not a SpecError) for any doc named `bug*`."""
    normalize = sys.modules["codegen.parser.normalize"]
    check = normalize._check_unique

    def check_unique(doc: object, inputs: object) -> None:
        if Path(str(getattr(doc, "path", ""))).name.startswith("bug"):
            raise RuntimeError("oops")
        check(doc, inputs)

    monkeypatch.setattr(normalize, "_check_unique", check_unique)


async def test_bad_docs_are_skipped_and_listed_everywhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(_specs(tmp_path), clock={"mode": "step"})
    state = app.state.mock
    assert sorted(state.registry.models) == ["reve/edit"]
    shown = [str(e) for e in state.registry.errors]
    assert [s.split(": ", 1)[0] for s in shown] == [
        "specs/a__deep.page.txt:7", "specs/a__zero.llms.md:10", "specs/bug.page.txt",
    ]  # fmt: skip
    assert "wirogen bug while reading this doc: RuntimeError: oops" in shown[2]
    with caplog.at_level(logging.INFO, logger="mockserver"):
        _log_start(state, "127.0.0.1", 1, "test")
    skipped = [m for r in caplog.records if (m := r.getMessage()).startswith("wiro-mock: skip")]
    assert skipped == [f"wiro-mock: skipped {s}" for s in shown]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ROOT) as client:
        assert (await client.get("/__mock__")).json()["spec_errors"] == shown
        page = (await client.get("/__mock__/ui")).text
    assert all(s.split(": ", 1)[0] in page for s in shown)


async def test_watch_keeps_the_last_good_version_and_lists_the_error(tmp_path: Path) -> None:
    specs = _specs(tmp_path)
    registry = create_app(specs, clock={"mode": "step"}).state.mock.registry
    good = specs / GOOD
    text = good.read_text()
    assert "up to 1 entry" in text
    _touch(good, text.replace("up to 1 entry", f"up to {'9' * 5000} entries"))
    registry.reload_changed()
    assert sorted(registry.models) == ["reve/edit"]  # the last good version, still served
    assert any(str(e).startswith(f"specs/{GOOD}:") for e in registry.errors)
    _touch(good, text)
    assert registry.reload_changed() == [f"reloaded reve/edit from {good}"]
    assert not any(GOOD in str(e) for e in registry.errors)
    (specs / "a__zero.llms.md").unlink()
    registry.reload_changed()
    assert [str(e).split(":", 1)[0] for e in registry.errors] == [
        "specs/a__deep.page.txt", "specs/bug.page.txt",
    ]  # fmt: skip


def _touch(path: Path, text: str) -> None:
    """Rewrite a file with a new mtime (the watcher compares mtimes)."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


async def test_openapi_json_is_standard_json_for_non_finite_bounds() -> None:
    """A model built in code with infinite or NaN bounds: no 500, no `NaN` token."""
    app = create_app(models=[odd_model()])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ROOT) as client:
        response = await client.get("/v1/openapi.json")
    assert response.status_code == 200
    assert isinstance(strict_json(response.text), dict)
