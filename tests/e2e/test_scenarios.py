"""The protocol's hard cases, each driven through the generated client against the mock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from wiro_client import (
    AuthenticationError,
    SocketEvent,
    TaskCancelled,
    TaskFailed,
    ValidationError,
    WaitTimeout,
    Wiro,
)

from mockserver.testing import WiroMock
from tests.e2e.conftest import DOCUMENTED_END, Call, check_image, png_bytes


def _runs(mock: WiroMock) -> list[dict[str, Any]]:
    return mock.requests(path="*/Run/*")


# -- file inputs, three ways -------------------------------------------------------------------
def test_local_path_goes_multipart(client: Wiro, mock: WiroMock, sample: Path) -> None:
    client.reve.edit.run(prompt="Blue", input_image=sample)
    (entry,) = _runs(mock)
    assert entry["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    image = entry["body"]["inputImage"]
    assert image["filename"] == "sample.png" and image["size"] == sample.stat().st_size


def test_bytes_go_multipart(client: Wiro, mock: WiroMock) -> None:
    data = png_bytes((64, 48))
    task = client.reve.edit.run(prompt="Blue", input_image=data)
    (entry,) = _runs(mock)
    assert entry["headers"]["content-type"].startswith("multipart/form-data")
    assert entry["body"]["inputImage"]["size"] == len(data)
    assert task.wait(timeout=30, poll_interval=0.01).pexit == 0


def test_url_string_goes_json(client: Wiro, mock: WiroMock) -> None:
    url = "https://cdn.example.com/in.png"
    task = client.reve.edit.run(prompt="Blue", input_image=url)
    (entry,) = _runs(mock)
    assert entry["headers"]["content-type"] == "application/json"
    assert entry["body"] == {"prompt": "Blue", "inputImage": url}
    assert task.refresh().parameters["inputImage"] == url


def test_files_and_urls_mixed_in_one_input(client: Wiro, mock: WiroMock, sample: Path) -> None:
    url = "https://cdn.example.com/two.png"
    task = client.xiabs.dreamomni2.run(prompt="Swap", input_image=[sample, url])
    (entry,) = _runs(mock)
    sent = entry["body"]["inputImage"]
    assert isinstance(sent, list) and len(sent) == 2
    assert sent[0]["filename"] == "sample.png" and sent[1] == url
    stored = task.refresh().parameters["inputImage"].split(",")
    assert stored[0].startswith(client.base_url + "/File/") and stored[1] == url


# -- auth -----------------------------------------------------------------------------------
def test_wrong_secret_is_an_authentication_error(mock: WiroMock) -> None:
    bad = Wiro(api_key=mock.api_key, api_secret="not-the-secret", base_url=mock.base_url)
    with bad, pytest.raises(AuthenticationError) as info:
        bad.reve.generate.run(prompt="x")
    assert info.value.status_code == 401
    assert "Project authorization is not valid." in str(info.value)
    (entry,) = _runs(mock)
    assert entry["status"] == 401


def test_api_key_only_mode(wiro_mock_factory: Callable[..., WiroMock], tmp_path: Path) -> None:
    server = wiro_mock_factory(projects=[{"api_key": "key-only"}], clock={"mode": "step"})
    with Wiro(api_key="key-only", base_url=server.base_url) as keyonly:
        detail = keyonly.reve.generate.run(prompt="x").wait(timeout=30, poll_interval=0.01)
    assert detail.pexit == 0
    headers = _runs(server)[0]["headers"]
    assert headers["x-api-key"] == "key-only" and "x-signature" not in headers


def test_signature_project_refuses_key_only_client(mock: WiroMock) -> None:
    keyonly = Wiro(api_key=mock.api_key, base_url=mock.base_url)
    with keyonly, pytest.raises(AuthenticationError, match="requires signature authentication"):
        keyonly.reve.generate.run(prompt="x")


# -- client-side validation -----------------------------------------------------------------------
def test_advisory_range_is_sent_and_accepted_with_a_warning(client: Wiro, mock: WiroMock) -> None:
    """seededit's "between [1, 10]" is only in its help text: the client sends 11, the mock
    accepts it and journals `constraint_from_help` (Wiro's n8n node sends 0 there)."""
    task = client.models["bytedance/image-to-image-seededit-v3"].run(
        prompt="x", input_image_url="https://cdn.example.com/a.png", guidance_scale=11
    )
    (entry,) = mock.requests(path="*/Run/*")
    assert entry["result"] is True and entry["body"]["guidanceScale"] == 11
    assert [w["input"] for w in entry["warnings"]] == ["guidanceScale"]
    assert task.wait(timeout=30, poll_interval=0.01).pexit == 0


@pytest.mark.parametrize(
    ("slug", "params", "field"),
    [
        ("reve/generate", {"prompt": "x", "aspectRatio": "7:7"}, "aspectRatio"),
        ("xiabs/dreamomni2", {"prompt": "x", "steps": 1000}, "steps"),
        ("reve/generate", {"aspectRatio": "1:1"}, "prompt"),
    ],
)
def test_invalid_values_never_reach_the_server(
    client: Wiro, mock: WiroMock, slug: str, params: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        client.run_model(client.models[slug].spec, **params)
    assert info.value.field == field
    assert mock.requests() == []


# -- outcomes -------------------------------------------------------------------------------------
def test_cancel_while_queued(client: Wiro, mock: WiroMock) -> None:
    task = client.reve.generate.run(prompt="x")
    assert task.cancel().status == "task_cancel"
    with pytest.raises(TaskCancelled):
        task.wait(timeout=10, poll_interval=0.01)
    assert mock.task(task.id)["outcome"] == "cancel"


def test_kill_while_running(client: Wiro, mock: WiroMock) -> None:
    task = client.reve.generate.run(prompt="x")
    mock.advance(task.id, to="task_start")
    assert task.kill().status == "task_cancel"
    with pytest.raises(TaskCancelled):
        task.wait(timeout=10, poll_interval=0.01)


@pytest.mark.parametrize("via", ["poll", "socket"])
def test_model_failure(client: Wiro, mock: WiroMock, via: str) -> None:
    mock.add_fault(kind="fail", model="reve/generate", pexit="137", message="CUDA out of memory")
    task = client.reve.generate.run(prompt="x")
    with pytest.raises(TaskFailed) as info:
        task.wait(timeout=30, via=via, poll_interval=0.01)
    detail = info.value.task
    assert detail.status == "task_postprocess_end" and detail.pexit == 137
    assert "CUDA out of memory" in info.value.debug_error
    assert detail.outputs == [] and detail.total_cost == 0


def test_error_before_the_model_runs(client: Wiro, mock: WiroMock) -> None:
    mock.add_fault(kind="error", model="reve/generate")
    with pytest.raises(TaskFailed) as info:
        client.reve.generate.run(prompt="x").wait(timeout=30, poll_interval=0.01)
    assert info.value.task.status == "task_error" and info.value.debug_error


@pytest.mark.parametrize("via", ["poll", "socket"])
def test_stalled_queue_times_out_at_the_deadline(client: Wiro, mock: WiroMock, via: str) -> None:
    mock.add_fault(kind="stall", model="reve/generate")
    task = client.reve.generate.run(prompt="x")
    with pytest.raises(WaitTimeout) as info:
        task.wait(timeout=0.5, via=via, poll_interval=0.05)
    assert info.value.task is not None and info.value.task.status == "task_queue"


def test_503_burst_on_detail_is_retried(client: Wiro, mock: WiroMock) -> None:
    mock.add_fault(kind="http", status=503, route="*/Task/Detail", times=3)
    detail = client.reve.generate.run(prompt="x").wait(timeout=30, poll_interval=0.01)
    assert detail.pexit == 0
    statuses = [e["status"] for e in mock.requests(path="*/Task/Detail")]
    assert statuses[:3] == [503, 503, 503] and set(statuses[3:]) == {200}


def test_429_retry_after_is_honoured(client: Wiro, mock: WiroMock) -> None:
    mock.add_fault(kind="http", status=429, retry_after=1, route="*/Task/Detail", times=1)
    assert client.reve.generate.run(prompt="x").wait(timeout=30, poll_interval=0.01).pexit == 0
    details = mock.requests(path="*/Task/Detail")
    assert details[0]["status"] == 429 and details[1]["status"] == 200
    assert details[1]["time"] - details[0]["time"] >= 0.95  # waited as told, not less


def test_socket_dropped_mid_stream_falls_back_to_polling(client: Wiro, mock: WiroMock) -> None:
    mock.add_fault(kind="socket_drop", model="reve/generate", after_events=3)
    events: list[SocketEvent] = []
    detail = client.reve.generate.run(prompt="x").wait(
        timeout=30, via="socket", poll_interval=0.01, on_event=events.append
    )
    assert detail.pexit == 0 and detail.outputs
    seen = [e.type for e in events]
    assert seen[:3] == ["task_queue", "task_accept", "task_preprocess_start"]
    assert seen[-len(DOCUMENTED_END) :] == DOCUMENTED_END
    assert len(mock.requests(path="*/Task/Detail")) > 1


# -- webhooks -------------------------------------------------------------------------------------
@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def test_callback_url_receives_the_finished_task(
    client: Wiro, mock: WiroMock, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = receiver
    task = client.reve.generate.run(prompt="x", callback_url=url)
    assert task.wait(timeout=30, poll_interval=0.01).pexit == 0
    # Delivery is asynchronous, and the mock journals it after reading the receiver's answer:
    # wait for both, boundedly.
    for _ in range(400):
        if received and mock.callbacks():
            break
        time.sleep(0.025)
    (payload,) = received
    (delivered,) = payload["tasklist"]
    assert delivered["id"] == task.id and delivered["status"] == "task_postprocess_end"
    assert mock.callbacks()[0]["status"] == 200


# -- the generated command line -------------------------------------------------------------------
def _cli(mock: WiroMock, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WIRO_API_KEY": mock.api_key, "WIRO_API_SECRET": mock.api_secret or ""}
    env["WIRO_BASE_URL"] = mock.base_url
    return subprocess.run(
        [sys.executable, "-m", "wiro_client", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_cli_runs_a_model_and_writes_outputs(mock: WiroMock, sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _cli(mock, "run", "reve/edit", "--prompt", "Blue", "--inputImage", str(sample),
                  "--wait", "--via", "socket", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    (saved,) = out.iterdir()
    assert result.stdout.strip() == str(saved)
    check_image(saved.read_bytes(), Call({}, size=(320, 240)))
    assert "[task_postprocess_end]" in result.stderr


def test_cli_exit_codes(mock: WiroMock) -> None:
    mock.add_fault(kind="fail", model="reve/generate")
    failed = _cli(mock, "run", "reve/generate", "--prompt", "x", "--via", "socket", "--wait")
    assert failed.returncode == 1
    invalid = _cli(mock, "run", "reve/generate", "--prompt", "x", "--aspectRatio", "7:7")
    assert invalid.returncode == 2 and "aspectRatio" in invalid.stderr
