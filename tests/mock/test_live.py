"""Against a real uvicorn server (the pytest plugin): socket, callbacks, drops, watch, CLI, curl."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import websockets
from PIL import Image

from codegen.parser import load_catalogue
from mockserver import testing
from mockserver.auth import fingerprint
from mockserver.testing import WiroMock
from tests.mock.conftest import ROOT, SPECS

BODY = {"prompt": "a cat"}
SUCCESS = [
    "task_queue", "task_accept", "task_preprocess_start", "task_preprocess_end", "task_assign",
    "task_start", "task_output", "task_output", "task_output", "task_output", "task_output",
    "task_output_full", "task_end", "task_postprocess_start", "task_postprocess_end",
]  # fmt: skip


def run(mock: WiroMock, body: dict[str, Any] = BODY, **headers: str) -> dict[str, Any]:
    r = httpx.post(
        f"{mock.base_url}/Run/reve/generate", json=body, headers={**mock.headers(), **headers}
    )
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


#: How long a socket test waits for what it expects: a bound that turns a lost wake-up into
#: a failure, not a measurement.
SOCKET_WAIT = 30.0


async def collect(url: str, token: str) -> tuple[list[dict[str, Any]], Any]:
    """Every event of the task until the server closes the socket."""
    ws = await subscribe(url, token)
    return await rest(ws, [])


async def subscribe(url: str, token: str) -> Any:
    ws = await websockets.connect(url)
    await ws.send(json.dumps({"type": "task_info", "tasktoken": token}))
    return ws


async def until(ws: Any, event_type: str) -> list[dict[str, Any]]:
    """The events up to and including the first `event_type`: the subscription is live."""
    events: list[dict[str, Any]] = []
    async with asyncio.timeout(SOCKET_WAIT):
        while not events or events[-1]["type"] != event_type:
            events.append(json.loads(await ws.recv()))
    return events


async def rest(ws: Any, events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Any]:
    """`events` and everything after them until the server closes (1000 after the end)."""
    async with asyncio.timeout(SOCKET_WAIT):
        try:
            async for raw in ws:
                events.append(json.loads(raw))
        except websockets.ConnectionClosed:
            pass
    return events, ws.close_code


@pytest.mark.wiro_mock(clock={"mode": "realtime", "speed": 50})
async def test_socket_streams_every_event_in_order(wiro_mock: WiroMock) -> None:
    started = run(wiro_mock)
    events, code = await collect(wiro_mock.socket_url, started["socketaccesstoken"])
    assert [e["type"] for e in events] == SUCCESS and code == 1000
    assert all(e["id"] == started["taskid"] and e["result"] is True for e in events)
    progress = [
        e["message"]
        for e in events
        if isinstance(e["message"], dict) and "percentage" in e["message"]
    ]
    assert progress[0]["type"] == "progressGenerate" and progress[-1]["percentage"] == "100"
    assert isinstance(events[6]["message"], str)  # a log line
    outputs = events[-1]["message"]
    detail = httpx.post(
        f"{wiro_mock.base_url}/Task/Detail", json={"taskid": started["taskid"]},
        headers=wiro_mock.headers(),
    ).json()["tasklist"][0]  # fmt: skip
    assert outputs == detail["outputs"] and detail["pexit"] == "0"


@pytest.mark.wiro_mock(clock={"mode": "manual"})
async def test_late_subscriber_gets_missed_events_and_many_subscribers(wiro_mock: WiroMock) -> None:
    started = run(wiro_mock)
    wiro_mock.advance(started["taskid"], to="task_start")
    token = started["socketaccesstoken"]
    sockets = [await subscribe(wiro_mock.socket_url, token) for _ in range(5)]
    # each has the missed events (a replay) and nothing more: the task is not finished
    replayed = [await until(ws, "task_start") for ws in sockets]
    assert all([e["type"] for e in r] == SUCCESS[: len(r)] for r in replayed)
    assert wiro_mock.task(started["taskid"])["task"]["status"] == "task_start"
    await asyncio.to_thread(wiro_mock.advance_clock, 100)  # the rest can only arrive live
    results = [await rest(ws, events) for ws, events in zip(sockets, replayed, strict=True)]
    for events, code in results:
        assert [e["type"] for e in events] == SUCCESS and code == 1000
    late, _ = await collect(wiro_mock.socket_url, token)  # after the end: full replay
    assert [e["type"] for e in late] == SUCCESS


@pytest.mark.wiro_mock(clock={"mode": "step"})
async def test_socket_step_mode_and_cancel(wiro_mock: WiroMock) -> None:
    events, _ = await collect(wiro_mock.socket_url, run(wiro_mock)["socketaccesstoken"])
    assert [e["type"] for e in events] == SUCCESS
    started = run(wiro_mock, **{"x-mock-scenario": "stall"})
    ws = await subscribe(wiro_mock.socket_url, started["socketaccesstoken"])
    queued = await until(ws, "task_queue")  # subscribed, and the stalled task waits
    httpx.post(f"{wiro_mock.base_url}/Task/Cancel", json={"taskid": started["taskid"]},
               headers=wiro_mock.headers())  # fmt: skip
    events, code = await rest(ws, queued)
    assert [e["type"] for e in events] == ["task_queue", "task_cancel"] and code == 1000


@pytest.mark.wiro_mock(clock={"mode": "step"})
async def test_socket_failure_and_error_streams(wiro_mock: WiroMock) -> None:
    failed = run(wiro_mock, **{"x-mock-scenario": "fail"})
    events, _ = await collect(wiro_mock.socket_url, failed["socketaccesstoken"])
    types = [e["type"] for e in events]
    assert "task_error" in types and types[-1] == "task_postprocess_end"
    assert events[-1]["message"] == []
    errored = run(wiro_mock, **{"x-mock-scenario": "error"})
    events, code = await collect(wiro_mock.socket_url, errored["socketaccesstoken"])
    assert events[-1]["type"] == "task_error" and events[-1]["message"] and code == 1000


@pytest.mark.wiro_mock(clock={"mode": "step"})
async def test_socket_dropped_mid_stream_then_resume(wiro_mock: WiroMock) -> None:
    started = run(wiro_mock, **{"x-mock-scenario": "socket_drop"})
    first, code = await collect(wiro_mock.socket_url, started["socketaccesstoken"])
    assert len(first) == 3 and code == 1011
    second, code = await collect(wiro_mock.socket_url, started["socketaccesstoken"])
    assert [e["type"] for e in second] == SUCCESS and code == 1000


async def test_socket_bad_input(wiro_mock: WiroMock) -> None:
    for payload, needle in [
        ("not json", "not valid JSON"),
        ("[1]", "JSON object"),
        (json.dumps({"type": "task_info", "tasktoken": "nope"}), "There is no task yet."),
        (json.dumps({"type": "task_info"}), "tasktoken is required"),
        (b"\xff\xfe", "not UTF-8"),
    ]:
        async with websockets.connect(wiro_mock.socket_url) as ws:
            await ws.send(payload)
            message = json.loads(await ws.recv())
            assert message["result"] is False and needle in message["message"]
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
    async with websockets.connect(wiro_mock.root_url.replace("http", "ws") + "/") as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert "Unknown socket message type" in json.loads(await ws.recv())["message"]
    # abrupt disconnects mid-stream leave the server healthy
    token = run(wiro_mock)["socketaccesstoken"]
    for _ in range(5):
        ws = await websockets.connect(wiro_mock.socket_url)
        await ws.send(json.dumps({"type": "task_info", "tasktoken": token}))
        ws.transport.abort()
    assert httpx.get(f"{wiro_mock.root_url}/__mock__").status_code == 200


class _Receiver(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict[str, Any]]] = []
    fail_first = 0

    def do_POST(self) -> None:
        data = self.rfile.read(int(self.headers["content-length"]))
        cls = type(self)
        if cls.fail_first > 0:
            cls.fail_first -= 1
            self.send_response(500)
        else:
            cls.bodies.append(json.loads(data))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.wiro_mock(clock={"mode": "step"}, callbacks={"backoff": 0.01})
def test_callback_delivered_with_retries(wiro_mock: WiroMock) -> None:
    _Receiver.bodies, _Receiver.fail_first = [], 2
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        started = run(wiro_mock, {"prompt": "x", "callbackUrl": url})
        wiro_mock.advance(started["taskid"], to="end")
        deadline = time.monotonic() + 10
        while not _Receiver.bodies and time.monotonic() < deadline:
            time.sleep(0.02)
        body = _Receiver.bodies[0]
        assert body["tasklist"][0]["status"] == "task_postprocess_end"
        # the mock journals a delivery after reading its answer: wait for that, boundedly
        attempts = wiro_mock.callbacks(task_id=started["taskid"])
        while len(attempts) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
            attempts = wiro_mock.callbacks(task_id=started["taskid"])
        assert [a["status"] for a in attempts] == [500, 500, 200]
        remote = run(wiro_mock, {"prompt": "x", "callbackUrl": "https://example.com/h"})
        wiro_mock.advance(remote["taskid"], to="end")
        skipped = wiro_mock.callbacks(task_id=remote["taskid"])
        assert "not loopback" in skipped[0]["error"]
    finally:
        server.shutdown()


def test_dropped_connection_fault(wiro_mock: WiroMock) -> None:
    wiro_mock.add_fault(kind="drop", route="*/task/list", times=1)
    with pytest.raises(httpx.HTTPError):
        httpx.post(f"{wiro_mock.base_url}/Task/List", json={}, headers=wiro_mock.headers())
    ok = httpx.post(f"{wiro_mock.base_url}/Task/List", json={}, headers=wiro_mock.headers())
    assert ok.status_code == 200


def test_plugin_fixture_surface(wiro_mock: WiroMock) -> None:
    assert wiro_mock.base_url.endswith("/v1") and wiro_mock.socket_url.startswith("ws://")
    assert wiro_mock.api_key and wiro_mock.api_secret
    started = run(wiro_mock)
    assert wiro_mock.requests(path="*/Run/reve/generate", status=200, model="reve/generate")
    assert wiro_mock.task(started["taskid"])["events"][0] == "task_queue"
    assert len(wiro_mock.tasks()) == 1
    wiro_mock.reset()
    assert wiro_mock.tasks() == [] and wiro_mock.journal() == []


@pytest.mark.no_store
def test_a_mock_stopped_without_waiting_is_joined_later() -> None:
    """`stop(wait=False)` (the per-test fixtures' teardown) returns while uvicorn shuts
    down; `join_stopping` waits for it, after which the port no longer answers."""
    mock = WiroMock(SPECS).start()
    thread = mock._thread
    mock.stop(wait=False)
    assert thread in testing._STOPPING
    testing.join_stopping()
    assert not thread.is_alive() and testing._STOPPING == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{mock.root_url}/__mock__/models")


@pytest.mark.no_store
def test_session_fixture(wiro_mock_session: WiroMock) -> None:
    assert httpx.get(f"{wiro_mock_session.root_url}/__mock__/models").status_code == 200


def test_watch_reloads_changed_and_added_specs(tmp_path: Path, wiro_mock_factory: Any) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(SPECS / "reve__generate.llms.md", specs)
    mock = wiro_mock_factory(specs=str(specs), watch=True, watch_interval=0.05)
    assert httpx.get(f"{mock.root_url}/__mock__/models").json()[0]["slug"] == "reve/generate"
    shutil.copy(SPECS / "xiabs__dreamomni2.llms.md", specs)
    shutil.copy(SPECS / "xiabs__dreamomni2.override.toml", specs)
    deadline = time.monotonic() + 10
    slugs: list[str] = []
    while time.monotonic() < deadline and "xiabs/dreamomni2" not in slugs:
        time.sleep(0.05)
        slugs = [m["slug"] for m in httpx.get(f"{mock.root_url}/__mock__/models").json()]
    assert "xiabs/dreamomni2" in slugs
    r = httpx.post(f"{mock.base_url}/Run/xiabs/DreamOmni2", json={"prompt": "x", "steps": 900},
                   headers=mock.headers())  # fmt: skip
    assert "must be between 1 and 500" in r.json()["errors"][0]["message"]


@pytest.mark.no_store
def test_cli_version() -> None:
    done = subprocess.run([sys.executable, "-m", "mockserver", "--version"], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)  # fmt: skip
    assert done.returncode == 0 and done.stdout == f"wiro-mock {version('wirogen')}\n"
    assert version("wirogen").count(".") == 2  # the package's own, e.g. 0.1.0


@pytest.mark.no_store
def test_cli_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cmd = [sys.executable, "-m", "mockserver", "--port", str(port), "--specs", str(SPECS)]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert done.stderr == f"wiro-mock: cannot serve on 127.0.0.1:{port}: address already in use\n"


@pytest.mark.no_store
def test_cli_starts_and_logs_one_line(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "mockserver", "--port", "0", "--specs", str(SPECS),
           "--api-key", "k", "--api-secret", "s3cr3t-value"]  # fmt: skip
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stderr.readline() if proc.stderr else ""
        served = len(load_catalogue(SPECS).models)
        assert (
            f"serving {served} models" in line
            and f"api-key=k api-secret={fingerprint('s3cr3t-value')}" in line
        )
        assert "s3cr3t-value" not in line
        url = line.split()[1]
        r = httpx.post(f"{url}/Run/reve/generate", json=BODY, headers={"x-api-key": "k"})
        assert r.status_code == 401
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.usefixtures("shell_tools")
@pytest.mark.wiro_mock(clock={"mode": "realtime", "speed": 20})
def test_docs_curl_recipe(wiro_mock: WiroMock, tmp_path: Path) -> None:
    """The docs' bash lines verbatim (signature via openssl), Run -> poll -> download PNG."""
    script = f"""
set -e
export YOUR_API_KEY="{wiro_mock.api_key}";
export YOUR_API_SECRET="{wiro_mock.api_secret}";
export NONCE=$(date +%s);
export SIGNATURE="$(echo -n "${{YOUR_API_SECRET}}${{NONCE}}" | openssl dgst -sha256 -hmac "${{YOUR_API_KEY}}")";
curl -s -X POST "{wiro_mock.base_url}/Run/reve/generate" -H "Content-Type: multipart/form-data" -H "x-api-key: ${{YOUR_API_KEY}}" -H "x-nonce: ${{NONCE}}" -H "x-signature: ${{SIGNATURE}}" -d '{{ "prompt": "A koala", "aspectRatio": "3:2", "callbackUrl": "You can provide a callback URL; Wiro will send a POST request to it when the task is completed." }}' > run.json
TASKID=$(python3 -c 'import json; print(json.load(open("run.json"))["taskid"])')
for i in $(seq 1 200); do
  curl -s -X POST "{wiro_mock.base_url}/Task/Detail" -H "Content-Type: multipart/form-data" -H "x-api-key: ${{YOUR_API_KEY}}" -H "x-nonce: ${{NONCE}}" -H "x-signature: ${{SIGNATURE}}" -d "{{ \\"taskid\\": \\"$TASKID\\" }}" > detail.json
  if grep -q '"status":"task_postprocess_end"' detail.json; then break; fi
  sleep 0.05
done
URL=$(python3 -c 'import json; print(json.load(open("detail.json"))["tasklist"][0]["outputs"][0]["url"])')
curl -s -o out.png "$URL"
"""  # noqa: E501
    subprocess.run(["bash", "-c", script], cwd=tmp_path, check=True, env={**os.environ})
    detail = json.loads((tmp_path / "detail.json").read_text())["tasklist"][0]
    assert detail["status"] == "task_postprocess_end" and detail["pexit"] == "0"
    data = (tmp_path / "out.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(data)).size == (1248, 832)
    assert int(detail["outputs"][0]["size"]) == len(data)
