"""`wirogen sync` and `wirogen add` against a local docs site: no test touches the network."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.parser import load_catalogue
from tests.changes import docs
from tests.changes.conftest import DocsSite
from tests.paths import copy_doc_specs


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy_doc_specs(tmp_path / "specs")
    return tmp_path


def _serve_current(site: DocsSite, specs: Path) -> None:
    """Every model's doc as it is in specs/ (so only what a test changes differs)."""
    for model in load_catalogue(specs).models:
        site.model(model.owner, model.project, (specs.parent / model.source.path).read_text())


def _wirogen(project: Path, *args: str, generate: bool = False) -> subprocess.CompletedProcess[str]:
    """Without WIRO_* variables: with credentials set, `auto` would ask the API first."""
    extra = [] if generate else ["--no-generate"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIRO_")}
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args, "--specs", "specs", *extra],
        capture_output=True,
        text=True,
        cwd=project,
        env=env,
        check=False,
    )


def _generate(project: Path) -> None:
    """The project's committed package: generated from its own specs."""
    out = project / "generated"
    command = [sys.executable, "-m", "codegen", "generate", "--specs", "specs", "--out", str(out)]
    subprocess.run(command, cwd=project, capture_output=True, check=True)


def _snapshot(specs: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(specs.iterdir())}


def test_sync_reports_and_writes_exactly_the_changes(project: Path, docs_site: DocsSite) -> None:
    specs = project / "specs"
    _serve_current(docs_site, specs)
    docs_site.model("reve", "generate", docs.reve_generate_v2())
    docs_site.model("xiabs", "dreamomni2", docs.dreamomni2_v2())
    result = _wirogen(project, "sync", "--docs-url", docs_site.url)
    assert result.returncode == 0, result.stderr + result.stdout
    lines = {
        line.split(":")[0]: line for line in result.stdout.splitlines() if not line.startswith(" ")
    }
    assert lines["reve/generate"].startswith("reve/generate: changed")
    assert lines["xiabs/dreamomni2"].startswith("xiabs/dreamomni2: changed")
    unchanged = [slug for slug, line in lines.items() if line.endswith(": unchanged")]
    assert len(unchanged) == 7
    assert "option removed" in result.stdout and "required input added" in result.stdout
    models = load_catalogue(specs).by_slug()
    assert models["reve/generate"].input("style").required
    assert "3:2" not in models["reve/generate"].input("aspectRatio").option_values
    assert models["xiabs/dreamomni2"].input("steps").default == 30
    assert models["xiabs/dreamomni2"].input("steps").maximum == 500  # the override still applies


def test_dry_run_writes_nothing(project: Path, docs_site: DocsSite) -> None:
    specs = project / "specs"
    _serve_current(docs_site, specs)
    docs_site.model("reve", "generate", docs.reve_generate_v2())
    before = _snapshot(specs)
    result = _wirogen(project, "sync", "--dry-run", "--docs-url", docs_site.url)
    assert "reve/generate: changed" in result.stdout
    assert _snapshot(specs) == before


def test_check_gates_ci_on_breaking_changes_and_gone_models(
    project: Path, docs_site: DocsSite
) -> None:
    """`sync --check` writes nothing, like --dry-run, and exits 1 exactly when a model broke
    (a removed option, a new required input) or is gone; compatible changes pass."""
    specs = project / "specs"
    before = _snapshot(specs)
    _serve_current(docs_site, specs)
    calm = _wirogen(project, "sync", "--check", "--docs-url", docs_site.url)
    assert calm.returncode == 0, calm.stdout + calm.stderr
    compatible = _wirogen(project, "sync", "xiabs/dreamomni2", "--check",
                          "--docs-url", docs_site.url)  # fmt: skip
    assert compatible.returncode == 0  # unchanged doc: nothing to gate
    docs_site.model("reve", "generate", docs.reve_generate_v2())
    broke = _wirogen(project, "sync", "--check", "--docs-url", docs_site.url)
    assert broke.returncode == 1 and "reve/generate: changed" in broke.stdout
    assert "breaking" in broke.stdout
    gone = _wirogen(
        project, "sync", "wiro/cartoonify", "--check", "--docs-url", docs_site.url + "/x"
    )
    assert gone.returncode == 1 and "wiro/cartoonify: gone" in gone.stdout
    assert _snapshot(specs) == before  # neither run wrote a spec or a .gone marker


@pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        (
            {
                "body": "<html><body>Server error</body></html>",
                "headers": {"content-type": "text/html"},
            },
            "unreachable",
            "HTML",
        ),
        ({"body": "x", "status": 500}, "unreachable", "HTTP 500"),
        (
            {
                "body": "",
                "status": 301,
                "headers": {"location": "/models/reve/generate-v2/llms.txt"},
            },
            "unreachable",
            "redirects",
        ),
    ],
)
def test_bad_answers_leave_specs_unchanged(
    project: Path, docs_site: DocsSite, answer: dict[str, object], status: str, message: str
) -> None:
    specs = project / "specs"
    body = answer.pop("body")
    docs_site.serve("/models/reve/generate/llms.txt", body, **answer)  # type: ignore[arg-type]
    before = _snapshot(specs)
    result = _wirogen(
        project, "sync", "reve/generate", "--docs-url", docs_site.url, "--timeout", "5"
    )
    assert result.returncode == 1
    assert f"reve/generate: {status}" in result.stdout and message in result.stdout
    assert _snapshot(specs) == before


def test_truncated_doc_is_refused(project: Path, docs_site: DocsSite) -> None:
    specs = project / "specs"
    text = docs.dreamomni2_v2()
    docs_site.model("xiabs", "dreamomni2", text[: text.index("    type: float")])
    before = _snapshot(specs)
    result = _wirogen(project, "sync", "xiabs/dreamomni2", "--docs-url", docs_site.url)
    assert result.returncode == 1 and "invalid" in result.stdout and "cut off" in result.stdout
    assert _snapshot(specs) == before


def test_retries_a_flaky_site(project: Path, docs_site: DocsSite) -> None:
    docs_site.model("xiabs", "dreamomni2", docs.dreamomni2_v2())
    docs_site.answers["/models/xiabs/dreamomni2/llms.txt"].failures = 2
    result = _wirogen(project, "sync", "xiabs/dreamomni2", "--docs-url", docs_site.url)
    assert "xiabs/dreamomni2: changed" in result.stdout, result.stdout + result.stderr
    assert docs_site.hits.count("/models/xiabs/dreamomni2/llms.txt") == 3


def test_gone_model_keeps_its_spec_and_is_marked(project: Path, docs_site: DocsSite) -> None:
    specs = project / "specs"
    result = _wirogen(project, "sync", "wiro/cartoonify", "--docs-url", docs_site.url)
    assert "wiro/cartoonify: gone" in result.stdout
    assert docs_site.hits == ["/models/wiro/cartoonify/llms.txt", "/tools/wiro/cartoonify/llms.txt"]
    model = load_catalogue(specs).by_slug()["wiro/cartoonify"]
    assert "gone_upstream" in {w.code for w in model.warnings}


def test_unreachable_site(project: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    before = _snapshot(project / "specs")
    result = _wirogen(
        project, "sync", "reve/generate", "--docs-url", f"http://127.0.0.1:{port}", "--timeout", "2"
    )
    assert result.returncode == 1 and "reve/generate: unreachable" in result.stdout
    assert "ConnectError" in result.stdout
    assert _snapshot(project / "specs") == before


def test_add_by_slug_falls_back_to_tools_url(project: Path, docs_site: DocsSite) -> None:
    text = docs.original("wiro__cartoonify.llms.md").replace("wiro/cartoonify", "acme/Toonify")
    docs_site.serve("/tools/acme/toonify/llms.txt", text)
    result = _wirogen(project, "add", "acme/toonify", "--docs-url", docs_site.url)
    assert result.returncode == 0, result.stderr
    assert (project / "specs" / "acme__Toonify.llms.md").read_text() == text
    assert "outputFormat: select" in result.stdout
    assert "acme/toonify" in load_catalogue(project / "specs").by_slug()


def test_add_refuses_a_doc_that_does_not_parse(project: Path, docs_site: DocsSite) -> None:
    docs_site.model("acme", "broken", "## Basic tool info\n\nModel name: acme/broken\n")
    before = _snapshot(project / "specs")
    result = _wirogen(project, "add", "acme/broken", "--docs-url", docs_site.url)
    assert (
        result.returncode == 2 and "Inputs:" in result.stderr and "Traceback" not in result.stderr
    )
    assert _snapshot(project / "specs") == before


def test_add_from_a_file(project: Path, tmp_path: Path) -> None:
    source = tmp_path / "download.txt"
    source.write_text(
        docs.original("wiro__cartoonify.llms.md").replace("wiro/cartoonify", "acme/Other")
    )
    result = _wirogen(project, "add", str(source))
    assert result.returncode == 0, result.stderr
    assert (project / "specs" / "acme__Other.llms.md").exists()


def _version(project: Path) -> str:
    text = (project / "generated" / "pyproject.toml").read_text()
    return next(line.split('"')[1] for line in text.splitlines() if line.startswith("version ="))


def test_sync_regenerates_and_moves_version_and_changelog(
    project: Path, docs_site: DocsSite
) -> None:
    _generate(project)
    _serve_current(docs_site, project / "specs")
    start = _version(project)  # the committed package's version
    major, minor, _ = (int(part) for part in start.split("."))
    compatible, breaking = f"{major}.{minor + 1}.0", f"{major + 1}.0.0"

    docs_site.model("xiabs", "dreamomni2", docs.dreamomni2_v2())
    result = _wirogen(project, "sync", "--docs-url", docs_site.url, generate=True)
    assert result.returncode == 0, result.stderr
    assert f"version {compatible} (2 changes)" in result.stdout
    assert _version(project) == compatible
    module = project / "generated" / "wiro_client" / "models" / "xiabs" / "dreamomni2.py"
    code = module.read_text()  # the new input, its documented default shown but not sent
    assert "seed: str | NotGiven = NOT_GIVEN" in code and 'default="42"' in code

    docs_site.model("reve", "generate", docs.reve_generate_v2())
    result = _wirogen(project, "sync", "--docs-url", docs_site.url, generate=True)
    assert _version(project) == breaking, result.stdout + result.stderr
    changelog = (project / "generated" / "CHANGELOG.md").read_text()
    newest, older = changelog.split(f"## {breaking}", 1)[1].split(f"## {compatible}", 1)
    assert (
        "### Breaking" in newest
        and "`reve/generate` `aspectRatio`: option removed: `3:2`" in newest
    )
    assert "`reve/generate` `style`: required input added" in newest
    assert "`xiabs/dreamomni2` `steps`: default changed: `25` → `30`" in older
    assert f"## {start}" in older

    check = subprocess.run(
        [sys.executable, "-m", "codegen", "check", "--specs", "specs", "--out", "generated"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout


def test_added_model_is_served_by_the_mock_and_run_by_the_regenerated_client(
    project: Path, docs_site: DocsSite, tmp_path: Path
) -> None:
    """Onboarding end to end: `add` -> regenerated client -> the mock serves it -> a task runs."""
    from mockserver.testing import WiroMock

    _generate(project)
    text = docs.original("wiro__cartoonify.llms.md").replace("wiro/cartoonify", "acme/Toonify")
    docs_site.model("acme", "toonify", text)
    added = _wirogen(project, "add", "acme/toonify", "--docs-url", docs_site.url, generate=True)
    assert added.returncode == 0, added.stderr
    assert (project / "generated" / "wiro_client" / "models" / "acme" / "toonify.py").is_file()
    mock = WiroMock(project / "specs", clock={"mode": "step"}).start()
    try:
        script = (
            "import sys, runpy; sys.path.insert(0, sys.argv.pop(1)); "
            "runpy.run_module('wiro_client', run_name='__main__')"
        )
        env = {**os.environ, "WIRO_API_KEY": mock.api_key, "WIRO_API_SECRET": mock.api_secret or ""}
        env["WIRO_BASE_URL"] = mock.base_url
        run = subprocess.run(
            [sys.executable, "-c", script, str(project / "generated"), "run", "acme/toonify",
             "--inputImageUrl", "https://x.test/a.png", "--aspectRatio", "16:9", "--via", "socket",
             "--out", str(tmp_path / "out")],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert [p.suffix for p in (tmp_path / "out").iterdir()] == [".jpg"]
        assert mock.requests(path="*/Run/acme/toonify", status=200, result=True)
    finally:
        mock.stop()
