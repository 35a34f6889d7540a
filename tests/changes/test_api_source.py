"""`wirogen add` / `sync` from the API's `Tool/DetailOpenAPI`, against the mock on loopback.

The mock serves the models of its own specs folder, so a test decides what "Wiro" knows by
what it puts there; the docs site (conftest) answers for the llms.txt side. No test touches
the network, and none leaves the credentials anywhere but in request headers.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from codegen.changes.sync import Credentials, openapi_bytes, pick_spec, write_atomic
from codegen.parser import load_catalogue
from codegen.schema import Model
from mockserver.auth import sign
from mockserver.testing import WiroMock
from tests.changes import docs
from tests.changes.conftest import DocsSite
from tests.paths import SPECS

TOONIFY = docs.original("wiro__cartoonify.llms.md").replace("wiro/cartoonify", "acme/Toonify")
KEY_ONLY = "key-only-project-key"
BAD_SECRET = "not-the-secret-0123456789"
#: A loopback URL nobody answers: the source a test must not use.
NOWHERE = "http://127.0.0.1:9"
#: An optional input for acme/Toonify's next version.
GRAIN = docs.NEW_OPTIONAL_INPUT.replace("seed", "grain")

Factory = Callable[..., WiroMock]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose specs/ is a copy of ours."""
    shutil.copytree(SPECS, tmp_path / "project" / "specs")
    return tmp_path / "project"


@pytest.fixture
def wiro_specs(tmp_path: Path) -> Path:
    """What the mocked API knows: our specs plus acme/Toonify (which the project lacks)."""
    folder = tmp_path / "wiro-specs"
    shutil.copytree(SPECS, folder)
    (folder / "acme__Toonify.llms.md").write_text(TOONIFY, encoding="utf-8")
    return folder


@pytest.fixture
def signed(wiro_mock_factory: Factory, wiro_specs: Path) -> WiroMock:
    """The mock with its default signature-mode project."""
    return wiro_mock_factory(specs=wiro_specs)


def _env(mock: WiroMock | None, secret: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIRO_")}
    if mock is not None:
        env["WIRO_API_KEY"] = mock.api_key
        if secret or mock.api_secret:
            env["WIRO_API_SECRET"] = secret or mock.api_secret or ""
    return env


def _wirogen(
    project: Path, *args: str, env: dict[str, str], umask: int | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args, "--specs", "specs", "--no-generate"],
        capture_output=True,
        text=True,
        cwd=project,
        env=env,
        check=False,
        preexec_fn=None if umask is None else lambda: _set_umask(umask),
    )


def _set_umask(mask: int) -> None:
    os.umask(mask)


def _add(
    project: Path, mock: WiroMock, slug: str, *extra: str, docs_url: str = NOWHERE
) -> subprocess.CompletedProcess[str]:
    return _wirogen(
        project, "add", slug, "--api-url", mock.base_url, "--docs-url", docs_url, "--timeout",
        "5", *extra, env=_env(mock),
    )  # fmt: skip


def _served(mock: WiroMock, owner: str, project: str) -> dict[str, object]:
    """The spec the mock's DetailOpenAPI answers with (its signature entry)."""
    response = httpx.post(
        f"{mock.base_url}/Tool/DetailOpenAPI",
        json={"slugowner": owner, "slugproject": project},
        headers=mock.headers(),
        timeout=10,
        trust_env=False,
    )
    return pick_spec(response.json(), "mock")


def _loaded(mock: WiroMock, owner: str, project: str) -> Model:
    """The model as the mock parsed it from its specs folder."""
    model = mock.app.state.mock.registry.lookup(owner, project)
    assert isinstance(model, Model)
    return model


def _shape(model: Model) -> list[tuple[str, str, bool]]:
    return [(i.name, i.kind, i.required) for i in model.inputs]


def _snapshot(specs: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(specs.iterdir())}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_signature_matches_the_mock() -> None:
    """Our signer and the mock's checker agree (codegen may not import the mock's)."""
    headers = Credentials("k", "s").headers("1700000000000")
    assert headers["x-signature"] == sign("k", "s", "1700000000000")
    assert Credentials("k").headers("1") == {"x-api-key": "k"}
    assert "s3cret" not in repr(Credentials("key-value", "s3cret"))


@pytest.mark.parametrize("mode", ["signature", "key-only"])
def test_add_writes_the_apis_document(
    project: Path, wiro_mock_factory: Factory, wiro_specs: Path, mode: str
) -> None:
    config = {} if mode == "signature" else {"projects": [{"api_key": KEY_ONLY}]}
    mock = wiro_mock_factory(specs=wiro_specs, strict_nonce=True, **config)
    assert (mock.api_secret is None) == (mode == "key-only")
    result = _add(project, mock, "acme/toonify")
    assert result.returncode == 0, result.stderr + result.stdout
    written = project / "specs" / "acme__Toonify.openapi.json"
    assert "OpenAPI document from the API" in result.stdout
    assert written.read_bytes() == openapi_bytes(_served(mock, "acme", "toonify"))
    assert not (project / "specs" / "acme__Toonify.llms.md").exists()
    served = _loaded(mock, "acme", "toonify")
    parsed = load_catalogue(project / "specs").by_slug()["acme/toonify"]
    assert _shape(parsed) == _shape(served)
    assert [i.option_values for i in parsed.inputs] == [i.option_values for i in served.inputs]
    assert mock.requests(path="*/Tool/DetailOpenAPI", result=True)
    everything = written.read_text() + result.stdout + result.stderr
    assert mock.api_key not in everything
    assert mock.api_secret is None or mock.api_secret not in everything


def test_source_api_reports_wiros_error_and_does_not_fall_back(
    project: Path, signed: WiroMock, docs_site: DocsSite
) -> None:
    docs_site.model("acme", "other", TOONIFY.replace("acme/Toonify", "acme/Other"))
    result = _add(project, signed, "acme/other", "--source", "api", docs_url=docs_site.url)
    assert result.returncode == 2
    assert "slug-owner-project-not-exist" in result.stderr and "Traceback" not in result.stderr
    assert not docs_site.hits
    assert not (project / "specs" / "acme__Other.llms.md").exists()


@pytest.mark.parametrize("http_errors", [False, True])
def test_auto_falls_back_to_the_docs_site_for_a_model_the_api_does_not_know(
    project: Path, wiro_mock_factory: Factory, docs_site: DocsSite, http_errors: bool
) -> None:
    mock = wiro_mock_factory(specs=SPECS, http_errors=http_errors)
    docs_site.model("acme", "toonify", TOONIFY)
    result = _add(project, mock, "acme/toonify", docs_url=docs_site.url)
    assert result.returncode == 0, result.stderr
    assert (project / "specs" / "acme__Toonify.llms.md").read_text() == TOONIFY
    assert "llms.txt from the docs site" in result.stdout
    assert "slug-owner-project-not-exist" in result.stdout
    assert mock.requests(path="*/Tool/DetailOpenAPI", result=False)


def test_auto_without_credentials_uses_the_docs_site(
    project: Path, signed: WiroMock, docs_site: DocsSite
) -> None:
    docs_site.model("acme", "toonify", TOONIFY)
    result = _wirogen(
        project, "add", "acme/toonify", "--api-url", signed.base_url, "--docs-url", docs_site.url,
        env=_env(None),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (project / "specs" / "acme__Toonify.llms.md").exists()
    assert "WIRO_API_KEY is not set" in result.stdout
    assert not signed.requests(path="*/Tool/DetailOpenAPI")


def test_source_api_without_credentials_fails_clearly(project: Path, signed: WiroMock) -> None:
    before = _snapshot(project / "specs")
    for command in ("add", "sync"):
        target = ["acme/toonify"] if command == "add" else []
        result = _wirogen(
            project, command, *target, "--source", "api", "--api-url", signed.base_url,
            env=_env(None),
        )  # fmt: skip
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.count("\n") == 1 and "WIRO_API_KEY" in result.stderr
    assert _snapshot(project / "specs") == before
    assert not signed.requests(path="*/Tool/DetailOpenAPI")


@pytest.mark.parametrize("source", ["auto", "api"])
def test_refused_credentials_are_reported_without_echoing_them(
    project: Path, signed: WiroMock, source: str
) -> None:
    before = _snapshot(project / "specs")
    result = _wirogen(
        project, "add", "acme/toonify", "--source", source, "--api-url", signed.base_url,
        "--docs-url", NOWHERE, env=_env(signed, secret=BAD_SECRET),
    )  # fmt: skip
    assert result.returncode == 2
    assert "refused the credentials" in result.stderr and "Traceback" not in result.stderr
    shown = result.stdout + result.stderr
    assert BAD_SECRET not in shown and signed.api_key not in shown
    assert _snapshot(project / "specs") == before


def test_add_refuses_to_replace_a_spec_without_force(
    project: Path, wiro_mock_factory: Factory, wiro_specs: Path
) -> None:
    """reve/generate is in specs/ as llms.txt; the API's document differs: shown, not written."""
    (wiro_specs / "reve__generate.llms.md").write_text(docs.reve_generate_v2(), encoding="utf-8")
    mock = wiro_mock_factory(specs=wiro_specs)
    specs = project / "specs"
    before = _snapshot(specs)
    result = _add(project, mock, "reve/generate")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "option removed" in result.stdout and "required input added" in result.stdout
    assert "already in specs/reve__generate.llms.md" in result.stderr
    assert "--force" in result.stderr
    assert _snapshot(specs) == before

    forced = _add(project, mock, "reve/generate", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "replaced specs/reve__generate.llms.md with specs/reve__generate.openapi.json" in (
        forced.stdout
    )
    assert "required input added" in forced.stdout
    assert not (specs / "reve__generate.llms.md").exists()
    model = load_catalogue(specs).by_slug()["reve/generate"]
    assert model.source.path == "specs/reve__generate.openapi.json"
    assert model.input("style").required


def test_replacing_keeps_the_override_working(
    project: Path, wiro_mock_factory: Factory, wiro_specs: Path
) -> None:
    """The mock serves DreamOmni2 without our override; ours still applies to its document."""
    (wiro_specs / "xiabs__dreamomni2.override.toml").unlink()
    mock = wiro_mock_factory(specs=wiro_specs)
    assert _loaded(mock, "xiabs", "dreamomni2").input("steps").maximum != 500
    result = _add(project, mock, "xiabs/dreamomni2", "--force")
    assert result.returncode == 0, result.stderr
    model = load_catalogue(project / "specs").by_slug()["xiabs/dreamomni2"]
    assert model.source.path == "specs/xiabs__dreamomni2.openapi.json"
    assert model.input("steps").maximum == 500
    assert [o.path for o in model.source.overrides] == ["specs/xiabs__dreamomni2.override.toml"]
    assert sorted(p.name for p in (project / "specs").glob("xiabs__dreamomni2.*")) == [
        "xiabs__dreamomni2.openapi.json",
        "xiabs__dreamomni2.override.toml",
    ]


def test_add_of_the_same_document_again_writes_nothing(project: Path, signed: WiroMock) -> None:
    assert _add(project, signed, "acme/toonify").returncode == 0
    before = _snapshot(project / "specs")
    again = _add(project, signed, "acme/toonify")
    assert again.returncode == 0 and "unchanged" in again.stdout, again.stderr
    assert _snapshot(project / "specs") == before


def test_sync_of_an_openapi_spec(
    project: Path, wiro_mock_factory: Factory, wiro_specs: Path, tmp_path: Path
) -> None:
    """Unchanged against the same API (even on another port), changed when the model is."""
    first = wiro_mock_factory(specs=wiro_specs)
    assert _add(project, first, "acme/toonify").returncode == 0
    sync = ("sync", "acme/toonify", "--docs-url", NOWHERE, "--timeout", "5")
    same = _wirogen(project, *sync, "--api-url", first.base_url, env=_env(first))
    assert "acme/toonify: unchanged" in same.stdout, same.stdout + same.stderr

    changed_specs = tmp_path / "changed-specs"
    changed_specs.mkdir()
    text = TOONIFY.replace("\n## Integration", "\n" + GRAIN + "## Integration", 1)
    assert text != TOONIFY
    (changed_specs / "acme__Toonify.llms.md").write_text(text, encoding="utf-8")
    second = wiro_mock_factory(specs=changed_specs)
    changed = _wirogen(project, *sync, "--api-url", second.base_url, env=_env(second))
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert "acme/toonify: changed" in changed.stdout and "optional input added" in changed.stdout
    model = load_catalogue(project / "specs").by_slug()["acme/toonify"]
    assert model.source.path == "specs/acme__Toonify.openapi.json" and model.input("grain")

    no_credentials = _wirogen(project, *sync, "--api-url", second.base_url, env=_env(None))
    assert no_credentials.returncode == 1
    assert "acme/toonify: unreachable" in no_credentials.stdout
    assert "WIRO_API_KEY" in no_credentials.stdout


def test_sync_under_auto_keeps_llms_specs_on_the_docs_site(
    project: Path, signed: WiroMock, docs_site: DocsSite
) -> None:
    docs_site.model("reve", "generate", docs.reve_generate_v2())
    result = _wirogen(
        project, "sync", "reve/generate", "--api-url", signed.base_url, "--docs-url",
        docs_site.url, env=_env(signed),
    )  # fmt: skip
    assert "reve/generate: changed" in result.stdout, result.stdout + result.stderr
    assert (project / "specs" / "reve__generate.llms.md").exists()
    assert not signed.requests(path="*/Tool/DetailOpenAPI")


def test_sync_source_api_switches_a_model_to_the_apis_document(
    project: Path, signed: WiroMock
) -> None:
    specs = project / "specs"
    result = _wirogen(
        project, "sync", "reve/generate", "--source", "api", "--api-url", signed.base_url,
        env=_env(signed),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reve/generate: changed" in result.stdout
    assert "reve__generate.llms.md -> reve__generate.openapi.json" in result.stdout
    assert not (specs / "reve__generate.llms.md").exists()
    model = load_catalogue(specs).by_slug()["reve/generate"]
    assert model.source.path == "specs/reve__generate.openapi.json"
    assert _shape(model) == _shape(_loaded(signed, "reve", "generate"))


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664)])
def test_written_files_respect_the_umask(
    project: Path, wiro_mock_factory: Factory, wiro_specs: Path, umask: int, mode: int
) -> None:
    fresh = project / "fresh.txt"
    kept = project / "kept.txt"
    kept.write_bytes(b"old")
    kept.chmod(0o600)
    old = os.umask(umask)
    try:
        write_atomic(fresh, b"new")
        write_atomic(kept, b"new")
    finally:
        os.umask(old)
    assert (_mode(fresh), _mode(kept)) == (mode, mode)
    assert not [p for p in project.iterdir() if p.name.endswith(".tmp")]

    mock = wiro_mock_factory(specs=wiro_specs)
    add = ("add", "acme/toonify", "--api-url", mock.base_url, "--docs-url", NOWHERE)
    assert _wirogen(project, *add, env=_env(mock), umask=umask).returncode == 0
    assert _mode(project / "specs" / "acme__Toonify.openapi.json") == mode
    (wiro_specs / "acme__Toonify.llms.md").unlink()
    gone_mock = wiro_mock_factory(specs=wiro_specs)
    sync = ("sync", "acme/toonify", "--api-url", gone_mock.base_url, "--docs-url", NOWHERE)
    result = _wirogen(project, *sync, env=_env(gone_mock), umask=umask)
    assert "acme/toonify: gone" in result.stdout, result.stdout + result.stderr
    assert _mode(project / "specs" / "acme__Toonify.gone") == mode


def test_a_saved_detail_openapi_answer_is_added_as_its_spec(
    project: Path, signed: WiroMock, tmp_path: Path
) -> None:
    """`curl ... /Tool/DetailOpenAPI > saved.json; wirogen add saved.json` works too."""
    answer = httpx.post(
        f"{signed.base_url}/Tool/DetailOpenAPI",
        json={"slugowner": "acme", "slugproject": "toonify"},
        headers=signed.headers(),
        timeout=10,
        trust_env=False,
    ).json()
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(answer), encoding="utf-8")
    result = _wirogen(project, "add", str(saved), env=_env(None))
    assert result.returncode == 0, result.stderr
    written = project / "specs" / "acme__Toonify.openapi.json"
    assert written.read_bytes() == openapi_bytes(pick_spec(answer, "saved"))
