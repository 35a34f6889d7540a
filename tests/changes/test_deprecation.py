"""A model whose doc Wiro no longer serves is deprecated: in the diff, the CHANGELOG and the
version, and in the generated client (a DeprecationWarning on every run, "Deprecated:" in
its docstrings and README entry); its doc coming back undoes all of it."""

from __future__ import annotations

import asyncio
import importlib
import shutil
import sys
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic
import pytest

from codegen.changes import diff, release
from codegen.parser import gone_path, load_catalogue
from codegen.render import generate
from codegen.schema import GONE_UPSTREAM, Model
from codegen.schema import Warning as SpecWarning
from tests.paths import SPECS

GONE = "reve/edit"
KEPT = "reve/generate"
DOCS = ("reve__edit.page.txt", "reve__generate.llms.md")


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    for name in DOCS:
        shutil.copy2(SPECS / name, folder / name)
    return folder


@pytest.fixture
def package(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A package name of this test's own, forgotten by `sys.modules` afterwards."""
    name = f"wg_gone_{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # regenerated modules re-import
    yield name
    _forget(name)


def _forget(package: str) -> None:
    for module in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[module]


def _marker(specs: Path) -> Path:
    return gone_path(specs / "reve__edit.page.txt")


def _import(out: Path, package: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The package as generated now (a module imported before is imported again)."""
    _forget(package)
    monkeypatch.syspath_prepend(str(out))
    importlib.invalidate_caches()
    return importlib.import_module(package)


def _top_entry(out: Path) -> str:
    """The newest CHANGELOG entry: from its `## VERSION` heading to the next one."""
    log = (out / release.CHANGELOG).read_text(encoding="utf-8")
    return "## " + log.split("\n## ")[1].rstrip("\n")


def _recording(pkg: ModuleType, calls: list[str]) -> tuple[Any, Any]:
    """A sync and an async client whose requests are recorded, never sent."""

    class Recording(pkg.Wiro):  # type: ignore[misc,name-defined]
        def _run(self, spec: Any, params: pydantic.BaseModel, options: Any) -> Any:
            calls.append(spec.slug)

    class AsyncRecording(pkg.AsyncWiro):  # type: ignore[misc,name-defined]
        async def _run(self, spec: Any, params: pydantic.BaseModel, options: Any) -> Any:
            calls.append(spec.slug)

    return Recording(api_key="k"), AsyncRecording(api_key="k")


def _no_warnings(call: Any) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return caught


def _edit(client: Any) -> Any:
    return client.reve.edit.run(prompt="blue", input_image="https://example.com/a.png")


def test_gone_marker_deprecates_the_model_in_the_changelog_and_version(
    specs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert generate(specs, out).version == "0.1.0"
    _marker(specs).write_bytes(b"404\n")

    gone = generate(specs, out)
    assert gone.version == "0.2.0"  # compatible: a minor bump
    assert _top_entry(out) == (
        "## 0.2.0\n\n\n### Deprecated\n\n- `reve/edit`: deprecated: Wiro no longer serves its doc"
    )
    assert 'version = "0.2.0"' in (out / "pyproject.toml").read_text()
    assert generate(specs, out).written == ()  # a fixpoint: no second deprecation

    _marker(specs).unlink()
    back = generate(specs, out)
    assert back.version == "0.3.0"
    assert _top_entry(out) == "## 0.3.0\n\n\n### Compatible\n\n- `reve/edit`: no longer deprecated"


def test_gone_model_warns_on_every_run_and_the_others_never(
    specs: Path, tmp_path: Path, package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _marker(specs).write_bytes(b"404\n")
    generate(specs, out, package)
    pkg = _import(out, package, monkeypatch)
    calls: list[str] = []
    client, async_client = _recording(pkg, calls)

    for _ in range(2):  # every call, not only the first
        with pytest.warns(DeprecationWarning, match=GONE) as record:
            _edit(client)
        assert record[0].filename == __file__  # stacklevel=2: the caller's line
    with pytest.warns(DeprecationWarning, match=GONE):
        asyncio.run(_edit(async_client))
    with pytest.warns(DeprecationWarning, match=GONE):
        client.models[GONE].run(prompt="blue", input_image="https://example.com/a.png")
    assert _no_warnings(lambda: client.reve.generate.run(prompt="a cat")) == []
    assert _no_warnings(lambda: asyncio.run(async_client.reve.generate.run(prompt="a"))) == []
    assert calls == [GONE, GONE, GONE, GONE, KEPT, KEPT]  # a deprecated model still runs

    edit = importlib.import_module(f"{package}.models.reve.edit")
    for cls in (edit.Edit, edit.AsyncEdit):
        assert "Deprecated: Wiro no longer serves this model's doc" in (cls.__doc__ or "")
        assert "Deprecated: Wiro no longer serves this model's doc" in (cls.run.__doc__ or "")
    kept = importlib.import_module(f"{package}.models.reve.generate")
    assert "Deprecated" not in (kept.Generate.__doc__ or "") + (kept.Generate.run.__doc__ or "")
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "| `reve/edit` | `client.reve.edit` | **Deprecated.** " in readme
    assert "| `reve/generate` | `client.reve.generate` | **Deprecated." not in readme

    _marker(specs).unlink()  # Wiro serves the doc again
    generate(specs, out, package)
    pkg = _import(out, package, monkeypatch)
    client, _async_client = _recording(pkg, calls)
    assert _no_warnings(lambda: _edit(client)) == []
    assert "Deprecated" not in (out / "README.md").read_text(encoding="utf-8")


def test_a_gone_marker_changes_only_the_gone_models_files(specs: Path, tmp_path: Path) -> None:
    """The other model's module is byte for byte what it was."""
    out = tmp_path / "out"
    generate(specs, out)
    kept = out / "wiro_client" / "models" / "reve" / "generate.py"
    before = kept.read_bytes()
    _marker(specs).write_bytes(b"404\n")
    report = generate(specs, out)
    assert "wiro_client/models/reve/edit.py" in report.written
    assert "wiro_client/models/reve/generate.py" not in report.written
    assert kept.read_bytes() == before


def _gone(model: Model) -> Model:
    warning = SpecWarning(code=GONE_UPSTREAM, message="Wiro answered 404")
    return model.model_copy(update={"warnings": (*model.warnings, warning)})


def test_diff_deprecates_and_undeprecates(specs: Path) -> None:
    models = load_catalogue(specs).by_slug()
    served = models[GONE]
    assert not served.gone_upstream and _gone(served).gone_upstream
    deprecated = diff.diff({GONE: served}, {GONE: _gone(served)})
    assert deprecated == [diff.Change(GONE, None, diff.DEPRECATED, None, None, False)]
    assert deprecated[0].deprecates and not diff.has_breaking(deprecated)
    assert release.bump("1.4.2", deprecated) == "1.5.0"
    back = diff.diff({GONE: _gone(served)}, {GONE: served})
    assert back == [diff.Change(GONE, None, diff.UNDEPRECATED, None, None, False)]
    assert not back[0].deprecates
    assert diff.diff({GONE: _gone(served)}, {GONE: _gone(served)}) == []
    added = diff.diff({}, {GONE: _gone(served)})
    assert [c.change for c in added] == ["model added", diff.DEPRECATED]
    assert "deprecated: Wiro no longer serves its doc" in diff.as_table(deprecated)


def test_first_generation_lists_each_model_once_and_the_deprecated(
    specs: Path, tmp_path: Path
) -> None:
    _marker(specs).write_bytes(b"404\n")
    out = tmp_path / "out"
    assert generate(specs, out).version == release.FIRST_VERSION
    assert _top_entry(out) == (
        "## 0.1.0\n\nFirst generation: 2 models.\n\n- `reve/edit`\n- `reve/generate`\n\n"
        "### Deprecated\n\n- `reve/edit`: deprecated: Wiro no longer serves its doc"
    )
