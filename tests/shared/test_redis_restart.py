"""Redis restarted under a running mock: 503s in Wiro's shape while it is away, service again
when it is back, and every task the mock acknowledged before is still there and finishes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import websockets

from tests.redis_server import RedisServer
from tests.shared.conftest import Spawn
from tests.shared.test_processes import TERMINAL, detail, run, ws_url

RECOVERY_TIMEOUT = 30.0


@pytest.mark.needs_redis  # its own server (it restarts it), not the `redis_server` fixture
async def test_redis_restart_mid_run(spawn: Spawn, tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis-data").start()
    try:
        # slow clock: every task is still live while Redis is away
        base = spawn("--store", redis.url(), "--speed", "0.05")
        root = base.rsplit("/v1", 1)[0]
        async with httpx.AsyncClient(timeout=30) as client:
            acknowledged = [(await run(client, base, f"before {i}"))["taskid"] for i in range(10)]
            redis.stop()
            for path, body in (("/Run/reve/generate", {"prompt": "away"}),
                               ("/Task/Detail", {"taskid": acknowledged[0]})):  # fmt: skip
                refused = await client.post(f"{base}{path}", json=body)
                assert refused.status_code == 503, refused.text
                assert refused.headers["retry-after"] == "1"
                assert refused.json() == {
                    "result": False,
                    "errors": [{"code": 0, "message": "Service unavailable. Please retry later."}],
                }
            async with websockets.connect(ws_url(base)) as ws:  # the socket says so too
                await ws.send('{"type": "task_info", "tasktoken": "x"}')
                assert '"result": false' in await ws.recv()
            redis.start()
            after = await _first_success(client, base)
            for taskid in acknowledged:
                item = await detail(client, base, taskid)
                assert item["id"] == taskid and item["status"] not in TERMINAL
                advanced = await client.post(
                    f"{root}/__mock__/tasks/{taskid}/advance", json={"to": "end"}
                )
                assert advanced.json()["terminal"] is True
                assert (await detail(client, base, taskid))["status"] == "task_postprocess_end"
            tasks = (await client.get(f"{root}/__mock__/tasks")).json()
        assert {t["task"]["id"] for t in tasks["tasks"]} == {*acknowledged, after}
    finally:
        redis.stop()


async def _first_success(client: httpx.AsyncClient, base: str) -> str:
    """Retry Run (as a client honouring Retry-After would) until the mock serves again."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RECOVERY_TIMEOUT
    while loop.time() < deadline:
        response = await client.post(f"{base}/Run/reve/generate", json={"prompt": "after"})
        if response.status_code == 200:
            taskid: str = response.json()["taskid"]
            return taskid
        assert response.status_code == 503, response.text
        await asyncio.sleep(0.1)
    raise AssertionError("the mock did not recover after Redis came back")
