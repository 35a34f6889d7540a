"""Expiry in Redis: a finished task goes `store.ttl` seconds after it finished; a live one
never goes, however long it waits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mockserver import create_app
from tests.paths import SPECS

TTL = 0.3


@pytest.fixture
async def mock(redis_url: str) -> AsyncIterator[Any]:
    """A factory of in-process mocks on the test Redis, each under its own key prefix."""
    clients: list[httpx.AsyncClient] = []

    def make(**config: Any) -> httpx.AsyncClient:
        store = {"url": redis_url, "prefix": f"expiry-{uuid.uuid4().hex[:8]}", "ttl": TTL}
        app = create_app(SPECS, auth=False, store=store, **config)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://localhost"
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def run(client: httpx.AsyncClient) -> str:
    response = await client.post("/v1/Run/reve/generate", json={"prompt": "expiring"})
    taskid: str = response.json()["taskid"]
    return taskid


async def found(client: httpx.AsyncClient, taskid: str) -> bool:
    """Whether Task/Detail knows the task (Wiro answers an unknown one with HTTP 200, code 1)."""
    body = (await client.post("/v1/Task/Detail", json={"taskid": taskid})).json()
    if body["result"]:
        return True
    assert body["errors"] == [{"code": 1, "message": "There is no task yet."}]
    return False


async def test_finished_task_expires_live_task_stays(mock: Any) -> None:
    client = mock(clock={"mode": "manual"})  # nothing moves unless told: live until then
    live, done = await run(client), await run(client)
    advanced = await client.post(f"/__mock__/tasks/{done}/advance", json={"to": "end"})
    assert advanced.json()["terminal"] is True
    await asyncio.sleep(TTL * 4)
    assert not await found(client, done)
    assert await found(client, live)
    assert (await client.get("/__mock__/tasks")).json()["count"] == 1


async def test_realtime_task_expires_after_its_end_even_if_never_read(mock: Any) -> None:
    client = mock(clock={"speed": 10.0})  # the whole plan takes about a quarter second
    taskid = await run(client)
    token = (await client.post("/v1/Task/Detail", json={"taskid": taskid})).json()
    assert token["tasklist"][0]["status"] != "task_postprocess_end"  # live when read
    # expiry = end of the plan + ttl + one second of slack for clocks between processes
    await asyncio.sleep(0.25 + TTL + 1.5)
    assert not await found(client, taskid)
