"""Expiry in Redis: a finished task goes `store.ttl` seconds after it finished; a live one
never goes, however long it waits.

What is asserted is the mechanism, read from Redis itself (a finished task's key carries a
TTL of at most `store.ttl`, a live task's key none), then its effect (the finished task is
gone, waited for as a condition with a bound, never a fixed sleep).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import redis.asyncio as redis

from mockserver import create_app
from mockserver.store.redis.scripts import Keys
from tests.paths import SPECS

TTL = 0.3
#: A bound on waiting for what must happen (a lost timer fails the test instead of hanging).
WAIT = 15.0


class Mock:
    def __init__(self, client: httpx.AsyncClient, keys: Keys, db: redis.Redis) -> None:
        self.client, self.keys, self.db = client, keys, db

    async def run(self) -> str:
        response = await self.client.post("/v1/Run/reve/generate", json={"prompt": "expiring"})
        taskid: str = response.json()["taskid"]
        return taskid

    async def found(self, taskid: str) -> bool:
        """Whether Task/Detail knows the task (Wiro answers an unknown one with code 1)."""
        body = (await self.client.post("/v1/Task/Detail", json={"taskid": taskid})).json()
        if body["result"]:
            return True
        assert body["errors"] == [{"code": 1, "message": "There is no task yet."}]
        return False

    async def ttl_ms(self, taskid: str) -> int:
        """The task key's TTL in Redis: -1 none (kept for ever), -2 gone."""
        return int(await self.db.pttl(self.keys.task(taskid)))


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    deadline = time.monotonic() + WAIT
    while not await check():
        assert time.monotonic() < deadline, f"not within {WAIT} s"
        await asyncio.sleep(0.02)


@pytest.fixture
async def mock(redis_url: str) -> AsyncIterator[Callable[..., Mock]]:
    """A factory of in-process mocks on the test Redis, each under its own key prefix."""
    made: list[Mock] = []
    db = redis.Redis.from_url(redis_url)

    def make(**config: Any) -> Mock:
        prefix = f"expiry-{uuid.uuid4().hex[:8]}"
        store = {"url": redis_url, "prefix": prefix, "ttl": TTL}
        app = create_app(SPECS, auth=False, store=store, **config)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://localhost"
        )
        made.append(Mock(client, Keys(prefix), db))
        return made[-1]

    yield make
    for each in made:
        await each.client.aclose()
    await db.aclose()


async def test_finished_task_expires_live_task_stays(mock: Callable[..., Mock]) -> None:
    m = mock(clock={"mode": "manual"})  # nothing moves unless told: live until then
    live, done = await m.run(), await m.run()
    advanced = await m.client.post(f"/__mock__/tasks/{done}/advance", json={"to": "end"})
    assert advanced.json()["terminal"] is True
    assert 0 < await m.ttl_ms(done) <= TTL * 1000
    assert await m.ttl_ms(live) == -1  # no expiry at all: it can wait for ever
    await eventually(lambda: _gone(m, done))
    assert await m.found(live) and await m.ttl_ms(live) == -1
    assert (await m.client.get("/__mock__/tasks")).json()["count"] == 1


async def test_realtime_task_expires_after_its_end_even_if_never_read(
    mock: Callable[..., Mock],
) -> None:
    m = mock(clock={"speed": 10.0})  # the whole plan takes about 0.3 s
    taskid = await m.run()
    detail = (await m.client.post("/v1/Task/Detail", json={"taskid": taskid})).json()
    assert detail["tasklist"][0]["status"] != "task_postprocess_end"  # live when read
    # written with its expiry already: the end of its plan, then the TTL (and a second of
    # slack for clocks between processes), so it goes even if nothing ever reads it again
    assert 0 < await m.ttl_ms(taskid) <= (0.5 + TTL + 1.0) * 1000  # plan: under 0.5 s
    await eventually(lambda: _gone(m, taskid))


async def _gone(m: Mock, taskid: str) -> bool:
    return await m.ttl_ms(taskid) == -2 and not await m.found(taskid)
