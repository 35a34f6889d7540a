"""Several `wiro-mock` processes on one Redis behave as one mock.

Run on process A, Task/Detail on B, the socket on C: the same task, the same ordered event
stream, no status skipped or repeated, even when B and C advance the task concurrently.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from mockserver.tasks.lifecycle import build_plan
from tests.shared.conftest import Spawn

TERMINAL = {"task_postprocess_end", "task_cancel", "task_error"}
#: The success plan of an image model with the default four progress steps.
PLAN = build_plan("success", 4, False)


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1)


async def run(client: httpx.AsyncClient, base: str, prompt: str) -> dict[str, Any]:
    response = await client.post(f"{base}/Run/reve/generate", json={"prompt": prompt})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def detail(client: httpx.AsyncClient, base: str, taskid: str) -> dict[str, Any]:
    response = await client.post(f"{base}/Task/Detail", json={"taskid": taskid})
    assert response.status_code == 200, response.text
    item: dict[str, Any] = response.json()["tasklist"][0]
    return item


async def socket_events(base: str, token: str) -> list[dict[str, Any]]:
    """Every message the socket sends for `token`, until the server closes it."""
    events = []
    async with websockets.connect(f"{ws_url(base)}") as ws:
        await ws.send(json.dumps({"type": "task_info", "tasktoken": token}))
        async for message in ws:
            events.append(json.loads(message))
    return events


async def test_run_on_a_detail_on_b_socket_on_c(spawn: Spawn, store_url: str) -> None:
    a, b, c = (spawn("--store", store_url, "--speed", "4") for _ in range(3))
    async with httpx.AsyncClient(timeout=30) as client:
        created = await run(client, a, "one task, three processes")
        taskid, token = created["taskid"], created["socketaccesstoken"]
        socket = asyncio.create_task(socket_events(c, token))
        seen: list[str] = []
        while not seen or seen[-1] not in TERMINAL:
            item = await detail(client, b, taskid)
            assert item["id"] == taskid and item["socketaccesstoken"] == token
            seen.append(item["status"])
            await asyncio.sleep(0.02)
        events = await asyncio.wait_for(socket, 30)
        late = await socket_events(b, token)  # a late joiner, on another process
    assert [e["type"] for e in events] == [s.type for s in PLAN]
    assert {e["id"] for e in events} == {taskid} and {e["tasktoken"] for e in events} == {token}
    assert late == events  # the replay is the same stream, message for message
    order = [s.status.value for s in PLAN if s.status is not None]
    positions = [order.index(status) for status in seen]
    assert positions == sorted(positions)  # Detail on B never goes back
    assert item["outputs"] and item["outputs"][0]["url"].startswith(a.rsplit("/v1", 1)[0])


async def test_concurrent_step_reads_on_two_processes_neither_skip_nor_repeat(
    spawn: Spawn, store_url: str
) -> None:
    """Step mode: each Detail read reports the task, then moves it one event on. Reads
    racing on two processes must together report every status of the plan exactly once."""
    a, b = (spawn("--store", store_url, "--clock", "step") for _ in range(2))
    async with httpx.AsyncClient(timeout=30) as client:
        taskid = (await run(client, a, "race"))["taskid"]
        reads = [detail(client, (a, b)[i % 2], taskid) for i in range(len(PLAN))]
        reported = [item["status"] for item in await asyncio.gather(*reads)]
        final = await detail(client, b, taskid)
    assert Counter(reported) == Counter(s.status.value for s in PLAN if s.status is not None)
    assert final["status"] == "task_postprocess_end"


async def test_admin_changes_on_one_process_apply_on_all(spawn: Spawn, store_url: str) -> None:
    a, b = (spawn("--store", store_url, "--clock", "manual") for _ in range(2))
    root_a, root_b = (u.rsplit("/v1", 1)[0] for u in (a, b))
    async with httpx.AsyncClient(timeout=30) as client:
        taskid = (await run(client, a, "frozen until told"))["taskid"]
        assert (await detail(client, b, taskid))["status"] == "task_queue"
        await client.post(f"{root_a}/__mock__/clock/advance", json={"seconds": 60})
        assert (await detail(client, b, taskid))["status"] == "task_postprocess_end"
        rule = {"kind": "http", "status": 503, "route": "*/Run/*", "times": 1}
        assert (await client.post(f"{root_b}/__mock__/faults", json=rule)).status_code == 200
        refused = await client.post(f"{a}/Run/reve/generate", json={"prompt": "x"})
        assert refused.status_code == 503 and refused.json()["result"] is False
        journal = await client.get(f"{root_b}/__mock__/journal", params={"kind": "request"})
        statuses = [e["status"] for e in journal.json()["entries"] if "/Run/" in e["path"]]
        assert statuses == [200, 503]  # A's requests, in B's view of the one journal
        await client.post(f"{root_b}/__mock__/reset")
        assert (await client.get(f"{root_a}/__mock__/tasks")).json()["count"] == 0


async def test_two_workers_on_one_port_serve_one_mock(spawn: Spawn, store_url: str) -> None:
    base = spawn("--store", store_url, "--workers", "2", "--speed", "20")
    root = base.rsplit("/v1", 1)[0]

    async def one(index: int) -> dict[str, Any]:
        # a new connection per request, so the kernel spreads them over both workers
        async with httpx.AsyncClient(timeout=30) as client:
            taskid = (await run(client, base, f"task {index}"))["taskid"]
        async with httpx.AsyncClient(timeout=30) as client:
            for _ in range(200):
                item = await detail(client, base, taskid)
                if item["status"] in TERMINAL:
                    return item
                await asyncio.sleep(0.02)
        raise AssertionError(f"task {taskid} never finished")

    items = await asyncio.gather(*(one(i) for i in range(40)))
    assert sorted(int(i["id"]) for i in items) == list(range(1, 41))  # one id sequence
    assert {i["status"] for i in items} == {"task_postprocess_end"}
    async with httpx.AsyncClient(timeout=30) as client:
        tasks = (await client.get(f"{root}/__mock__/tasks")).json()
    assert tasks["count"] == 40


@pytest.mark.parametrize("where", ["redis", "folder"])
async def test_upload_on_a_is_served_by_b(
    spawn: Spawn, store_url: str, tmp_path: Path, where: str
) -> None:
    """Uploaded bytes live in Redis, or in a folder both processes share (`--files-dir`)."""
    shared = ["--files-dir", str(tmp_path / "files")] if where == "folder" else []
    a, b = (spawn("--store", store_url, *shared) for _ in range(2))
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    async with httpx.AsyncClient(timeout=30) as client:
        uploaded = await client.post(f"{a}/File/Upload", files={"file": ("in.png", data)})
        item = uploaded.json()["list"][0]
        served = await client.get(f"{b}/File/{item['accesskey']}/{item['name']}")
    assert served.status_code == 200 and served.content == data
    on_disk = list((tmp_path / "files").glob("*")) if where == "folder" else []
    assert [p.read_bytes() for p in on_disk] == ([data] if where == "folder" else [])
