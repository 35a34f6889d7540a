"""Where the mock's models come from: a specs folder or an installed client's catalogue.json.

A source with no models is an error at start-up (`ModelSourceError`; `wiro-mock` exits 2 with
one line), never a mock with 0 models. The sources are store-independent: memory store only.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import cast

import pytest

from codegen.catalogue_file import FILE_NAME, FORMAT
from codegen.parser import load_catalogue
from mockserver import create_app
from mockserver.cli import main
from mockserver.errors import ModelSourceError
from mockserver.models.registry import package_catalogue
from tests.mock.conftest import ROOT, SPECS, make_client

pytestmark = pytest.mark.memory_only
CLIENT = "wiro_client"


def _client_slugs() -> list[str]:
    """The slugs of the installed client's catalogue.json: those of the specs it was generated
    from (`wirogen check`, in `make test`, keeps generated/ equal to what specs/ produces)."""
    data = json.loads(package_catalogue(CLIENT).read_text("utf-8"))
    slugs = [m["slug"] for m in data["models"]]
    assert slugs == sorted(m.slug for m in load_catalogue(SPECS).models)
    return slugs


def _fake_package(root: Path, catalogue: bytes | None) -> str:
    """An importable package `fakeclient` under `root` with this catalogue.json (None: none)."""
    package = root / "fakeclient"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('the mock must not import me')\n")
    if catalogue is not None:
        (package / FILE_NAME).write_bytes(catalogue)
    return "fakeclient"


async def test_catalogue_serves_exactly_the_clients_models_and_runs_them() -> None:
    slugs = _client_slugs()
    app = create_app(catalogue=CLIENT, clock={"mode": "step"})
    assert app.state.mock.registry.source.startswith(f"{CLIENT} (")
    async with await make_client(app) as client:
        listed = await client.post("/Tool/List", json={"limit": str(len(slugs) + 10)})
        tools = listed.json()["tool"]
        served = sorted(f"{t['cleanslugowner']}/{t['cleanslugproject']}" for t in tools)
        assert served == sorted(app.state.mock.registry.models) == slugs
        started = (await client.post("/Run/reve/generate", json={"prompt": "a koala"})).json()
        assert started["result"] is True, started
        for _ in range(40):
            detail = await client.post("/Task/Detail", json={"taskid": started["taskid"]})
            task = detail.json()["tasklist"][0]
            if task["status"] == "task_postprocess_end":
                break
        assert task["status"] == "task_postprocess_end" and task["outputs"]


def test_distribution_name_finds_the_same_file() -> None:
    assert package_catalogue("wiro-client") == package_catalogue(CLIENT)


@pytest.mark.parametrize(
    ("catalogue", "message"),
    [
        (None, f"has no {FILE_NAME}"),
        (b"{broken", "not valid JSON"),
        (b'{"format": "wirogen-catalogue/0", "models": []}', "is not the one this wirogen"),
        (f'{{"format": "{FORMAT}", "models": []}}'.encode(), "holds no models"),
        (f'{{"format": "{FORMAT}", "models": [{{"slug": "a/b"}}]}}'.encode(), "model 1: "),
    ],
)
def test_a_bad_catalogue_is_one_line_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalogue: bytes | None, message: str
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    name = _fake_package(tmp_path, catalogue)
    with pytest.raises(ModelSourceError) as caught:
        create_app(catalogue=name)
    text = str(caught.value)
    assert message in text and str(tmp_path / name) in text and "\n" not in text
    assert name not in sys.modules  # found without importing it


def test_an_uninstalled_package_is_refused() -> None:
    with pytest.raises(ModelSourceError, match="no installed package 'no_such_client'"):
        create_app(catalogue="no_such_client")


def test_missing_empty_and_unparsable_specs_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelSourceError, match="does not exist"):
        create_app(tmp_path / "absent")
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "README.md").write_text("# not a spec\n")
    with pytest.raises(ModelSourceError, match=r"holds no model docs \(\*\.md/\*\.txt/\*\.json\)"):
        create_app(tmp_path / "empty")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x__y.llms.md").write_text("nothing a parser can read\n")
    with pytest.raises(ModelSourceError, match=r"no model in .*bad could be loaded \(1 docs"):
        create_app(tmp_path / "bad")


def test_explicit_models_and_a_single_doc_still_work(tmp_path: Path) -> None:
    assert create_app(models=[]).state.mock.registry.models == {}
    one = create_app(SPECS / "reve__generate.llms.md").state.mock.registry.models
    assert list(one) == ["reve/generate"]


def test_two_sources_or_watching_a_catalogue_are_refused() -> None:
    with pytest.raises(ModelSourceError, match="two sources of models"):
        create_app(SPECS, catalogue=CLIENT)
    with pytest.raises(ModelSourceError, match="--watch reloads a specs folder"):
        create_app(catalogue=CLIENT, watch=True)


def test_cli_refusals_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        ["--specs", str(SPECS), "--catalogue", CLIENT],
        ["--catalogue", CLIENT, "--watch"],
        ["--specs", str(tmp_path)],
        ["--catalogue", "no_such_client", "--workers", "2", "--store", "redis://127.0.0.1:1/0"],
    ]
    for argv in cases:
        assert main(["--port", "0", *argv]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("wiro-mock: ") and err.count("\n") == 1, (argv, err)


def test_cli_in_a_subprocess_exits_2_without_a_traceback(tmp_path: Path) -> None:
    """The real entry point: an empty specs folder, then a corrupt catalogue.json."""
    name = _fake_package(tmp_path / "site", b'{"format": 1}')
    (tmp_path / "empty").mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(ROOT)])}
    for argv, needle in (
        (["--specs", str(tmp_path / "empty")], "holds no model docs"),
        (["--catalogue", name], f"{tmp_path / 'site' / name / FILE_NAME}: not a wirogen"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "mockserver", "--port", "0", *argv],
            capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path,
        )  # fmt: skip
        lines = done.stderr.splitlines()
        assert done.returncode == 2 and len(lines) == 1 and needle in lines[0], done.stderr
        assert "Traceback" not in done.stderr


_FIXTURE_TEST = """
import json

import httpx

from mockserver.models.registry import package_catalogue


def test_default_is_the_installed_client(wiro_mock):
    served = sorted(m["slug"] for m in httpx.get(f"{wiro_mock.root_url}/__mock__/models").json())
    data = json.loads(package_catalogue("wiro_client").read_text("utf-8"))
    assert served == [m["slug"] for m in data["models"]]


def test_without_the_mock():
    pass
"""


def test_fixture_defaults_to_the_client_and_fails_the_session_without_models(
    tmp_path: Path,
) -> None:
    """A project with no specs/ folder: the installed client's catalogue is served; an empty
    configured folder stops the session at collection, before any test, with the one line."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_client.py").write_text(textwrap.dedent(_FIXTURE_TEST))
    (tmp_path / "empty").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIRO_MOCK_", "PYTEST_"))}
    # Only this plugin (what the pytest11 entry point loads; checked below): autoloading
    # every installed plugin (hypothesis, schemathesis, ...) would triple the time.
    env.update(PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-p", "mockserver.pytest_plugin"]  # fmt: skip
    plugins = {e.name: e.value for e in importlib.metadata.entry_points(group="pytest11")}
    assert plugins["wiro_mock"] == "mockserver.pytest_plugin"

    def pytest_run(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, capture_output=True, text=True, cwd=project,
                              env={**env, **extra}, timeout=120)  # fmt: skip

    ok = pytest_run()
    assert ok.returncode == 0 and "2 passed" in ok.stdout, ok.stdout + ok.stderr
    failed = pytest_run(WIRO_MOCK_SPECS=str(tmp_path / "empty"))
    errors = [line for line in failed.stderr.splitlines() if line.startswith("ERROR: ")]
    assert failed.returncode == pytest.ExitCode.USAGE_ERROR, failed.stdout + failed.stderr
    assert len(errors) == 1 and "holds no model docs" in errors[0]
    assert "passed" not in failed.stdout and "Traceback" not in failed.stderr


def test_fixture_source_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Environment, then ini, then the rootdir's specs/, then the installed client."""
    from mockserver.pytest_plugin import DEFAULT_CATALOGUE, _resolve

    class Config:
        def __init__(self) -> None:
            self.rootpath = tmp_path
            self.ini: dict[str, str] = {}

        def getini(self, name: str) -> str:
            return self.ini.get(name, "")

    stub = Config()
    config = cast(pytest.Config, stub)
    for key in ("WIRO_MOCK_SPECS", "WIRO_MOCK_CATALOGUE"):
        monkeypatch.delenv(key, raising=False)
    assert _resolve(config) == {"catalogue": DEFAULT_CATALOGUE}
    (tmp_path / "specs").mkdir()
    assert _resolve(config) == {"specs": str(tmp_path / "specs")}
    stub.ini = {"wiro_mock_catalogue": "mine"}
    assert _resolve(config) == {"catalogue": "mine"}
    monkeypatch.setenv("WIRO_MOCK_SPECS", "elsewhere")
    assert _resolve(config) == {"specs": str(tmp_path / "elsewhere")}
    monkeypatch.setenv("WIRO_MOCK_CATALOGUE", "theirs")
    with pytest.raises(pytest.UsageError, match="both configured"):
        _resolve(config)


def test_session_check_reads_the_catalogue_once(tmp_path: Path) -> None:
    """`check_source` loads what the app then serves: the second load is the memo's."""
    from mockserver.models.registry import check_source, packaged_models

    check_source(None, CLIENT)
    assert packaged_models(CLIENT)[1] is packaged_models(CLIENT)[1]
    with pytest.raises(ModelSourceError, match="does not exist"):
        check_source(tmp_path / "nothing", None)
