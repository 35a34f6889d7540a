"""The command line: per-model flags and help, outputs on stdout, exit codes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from .conftest import task_json

OUTPUTS = [{"name": "0.png", "url": "https://cdn.test/0.png"}]


@pytest.fixture
def cli(rt: ModuleType, edit_spec: Any, make_client: Any) -> Any:
    def call(*argv: str, factory: Any = None) -> int:
        code: int = rt.main({"reve/edit": edit_spec}, factory or make_client, list(argv))
        return code

    return call


def test_models_lists_the_registry(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("models") == 0
    assert "reve/edit" in capsys.readouterr().out
    assert cli("models", "--json") == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "reve/Edit"


def test_per_model_help_is_built_from_the_input_model(
    cli: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("run", "reve/edit", "--help") == 0
    out = capsys.readouterr().out
    for fragment in (
        "--inputImage",
        "--input-image",
        "REQUIRED",
        "file (path or URL)",
        "photo, anime",
        "Guidance scale",
        "default: 3.5",
        ">=0",
        "example:",
        "--via",
    ):
        assert fragment in out, fragment


def test_help_marks_advisory_ranges_as_not_enforced(
    rt: ModuleType, edit_spec: Any, make_client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = dataclasses.replace(edit_spec, advisory_ranges={"scale": (1.0, 10.0)})
    assert rt.main({"reve/edit": spec}, make_client, ["run", "reve/edit", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "number [advisory, not enforced: 1 to 10] (default: 3.5)" in out
    assert "[>=0 <=1000]" in out  # declared bounds (seed) are shown as enforced


def test_run_wait_download_prints_saved_paths(
    cli: Any, fake: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG....")
    fake.files = {"https://cdn.test/0.png": b"result"}
    fake.detail_sequence(
        task_json("task_start"), task_json("task_postprocess_end", outputs=OUTPUTS)
    )
    out_dir = tmp_path / "outputs"
    code = cli(
        "run",
        "reve/edit",
        "--prompt",
        "make it blue",
        "--input-image",
        str(image),
        "--references",
        "https://x.test/1",
        "https://x.test/2",
        "--tags",
        "a,b",
        "--param",
        "seed=5",
        "--wait",
        "--out",
        str(out_dir),
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    saved = out_dir.resolve() / "0.png"
    assert captured.out.splitlines() == [str(saved)]
    assert saved.read_bytes() == b"result"
    assert "task 534574 started" in captured.err and "[task_start]" in captured.err
    run = next(r for r in fake.requests if r.url.path == "/v1/Run/reve/edit")
    assert run.headers["content-type"].startswith("multipart/form-data")
    for fragment in (b'name="seed"\r\n\r\n5', b'name="tags"\r\n\r\na,b', b"https://x.test/2"):
        assert fragment in run.content


def test_run_without_wait_prints_task_id_and_token(
    cli: Any, fake: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("run", "reve/edit", "--prompt", "p") == 0
    assert capsys.readouterr().out.strip() == "534574 TOKEN123"
    assert fake.json_bodies("/v1/Run/reve/edit") == [{"prompt": "p"}]


def test_run_json_output(cli: Any, fake: Any, capsys: pytest.CaptureFixture[str]) -> None:
    fake.detail_sequence(task_json("task_postprocess_end", outputs=OUTPUTS))
    assert cli("run", "reve/edit", "--prompt", "p", "--wait", "--json") == 0
    payload = json.loads(capsys.readouterr().out)
    assert (
        payload["taskid"] == "534574" and payload["task"]["outputs"][0]["url"] == OUTPUTS[0]["url"]
    )


@pytest.mark.parametrize(
    ("argv", "stderr_fragment"),
    [
        (["run", "reve/edit"], "prompt: required"),
        (["run", "reve/edit", "--prompt", "p", "--inputImage", "missing.jpg"], "inputImage"),
        (["run", "reve/edit", "--prompt", "p", "--style", "oil"], "invalid choice"),
        (["run", "nobody/nothing", "--prompt", "p"], "unknown model"),
        (["frobnicate"], "usage"),
    ],
)
def test_usage_and_validation_errors_exit_2_without_requests(
    cli: Any, fake: Any, capsys: pytest.CaptureFixture[str], argv: list[str], stderr_fragment: str
) -> None:
    assert cli(*argv) == 2
    assert stderr_fragment in capsys.readouterr().err
    assert fake.requests == []


@pytest.mark.parametrize(
    ("detail", "code"),
    [
        (task_json("task_postprocess_end", pexit="1", debugerror="model crashed"), 1),
        (task_json("task_cancel"), 3),
        (task_json("task_forever"), 4),
    ],
)
def test_task_outcomes_map_to_exit_codes(
    cli: Any, fake: Any, capsys: pytest.CaptureFixture[str], detail: dict[str, Any], code: int
) -> None:
    fake.detail_sequence(detail)
    assert cli("run", "reve/edit", "--prompt", "p", "--wait", "--timeout", "2") == code
    assert capsys.readouterr().out == ""


def test_api_and_auth_errors_exit_5(
    rt: ModuleType, cli: Any, fake: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {
        "result": False,
        "errors": [{"code": 0, "message": "Project authorization is not founded."}],
    }
    fake.routes["/v1/Run/reve/edit"] = lambda r: httpx.Response(401, json=body)
    assert cli("run", "reve/edit", "--prompt", "p") == 5
    assert "not founded" in capsys.readouterr().err

    def no_key() -> Any:
        return rt.BaseWiro(api_key="", http_client=httpx.Client())

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("WIRO_API_KEY", raising=False)
        assert cli("run", "reve/edit", "--prompt", "p", factory=no_key) == 5


def test_task_command_reattaches(cli: Any, fake: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("task", "534574") == 0
    assert capsys.readouterr().out.strip() == "534574 task_postprocess_end"
    assert cli("task", "534574", "--cancel") == 0
    assert fake.json_bodies("/v1/Task/Cancel") == [{"taskid": "534574"}]
