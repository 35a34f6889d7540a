"""Task order after `max_tasks` eviction: finished tasks go, live ones stay, and what remains
is still listed in creation order (Task/List newest first), on both stores."""

from __future__ import annotations

import httpx

from mockserver import create_app
from mockserver.state import MockState
from tests.mock.conftest import HEADERS, SPECS

MAX_TASKS = 3


async def _evict(state: MockState) -> None:
    """The memory store evicts as it adds; the Redis store in its timer's prune step, which
    the test runs now rather than waiting for it."""
    prune = getattr(state.store, "_prune", None)
    if prune is not None:
        await prune()


async def test_task_list_stays_newest_first_after_eviction() -> None:
    app = create_app(SPECS, clock={"mode": "manual"}, limits={"max_tasks": MAX_TASKS})
    state: MockState = app.state.mock
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://mock/v1", headers=HEADERS
    ) as client:
        created = []
        for n in range(1, 9):
            response = await client.post("/Run/reve/generate", json={"prompt": f"task {n}"})
            created.append(response.json()["taskid"])
            if n % 2:  # odd tasks finish (cancelled): eviction may take them; even ones stay live
                await client.post("/Task/Cancel", json={"taskid": created[-1]})
            await _evict(state)
        live = [t for n, t in enumerate(created, 1) if n % 2 == 0]
        stored = [t.id for t in await state.store.tasks()]
        assert set(live) <= set(stored) and len(stored) <= len(live) + MAX_TASKS
        assert stored == sorted(stored, key=int)  # creation order, live tasks not moved behind
        listed = (await client.post("/Task/List", json={"limit": 100})).json()
        assert [t["id"] for t in listed["tasklist"]] == sorted(stored, key=int, reverse=True)
        assert listed["total"] == str(len(stored))
        page = await client.post("/Task/List", json={"start": 1, "limit": 2})
        assert [t["id"] for t in page.json()["tasklist"]] == sorted(stored, key=int)[::-1][1:3]
        oldest = await client.post("/Task/List", json={"order": "ASC", "limit": 1})
        assert [t["id"] for t in oldest.json()["tasklist"]] == [min(stored, key=int)]
    await state.aclose()
