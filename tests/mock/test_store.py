"""The store interface itself: which store an app uses, and what only Redis must do."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from mockserver import create_app
from mockserver.config import load_config
from mockserver.tasks.task import task_identity
from tests.mock.conftest import ROOT, SPECS, detail, run_task


async def test_apps_use_the_parametrized_store(app: Starlette, store: str) -> None:
    assert app.state.mock.store.shared is (store == "redis")


async def test_run_answers_the_token_every_process_derives(client: httpx.AsyncClient) -> None:
    """In Redis a Lua script names the token; it must be the one `task_identity` gives."""
    state = client._transport.app.state.mock  # type: ignore[attr-defined]
    for _ in range(3):
        created = (await client.post("/Run/reve/generate", json={"prompt": "x"})).json()
        token, _ = task_identity(state.config.seed, created["taskid"])
        assert created["socketaccesstoken"] == token


async def test_two_apps_on_one_store_are_one_mock(store: str, client: httpx.AsyncClient) -> None:
    """Two apps built from one configuration share tasks exactly when the store is shared."""
    first: Starlette = client._transport.app  # type: ignore[attr-defined]
    config = first.state.mock.config
    second = create_app(SPECS, config)
    taskid = await run_task(client, "reve/generate", {"prompt": "one mock"})
    transport = httpx.ASGITransport(app=second)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://mock/v1", headers=client.headers
    ) as other:
        response = await other.post("/Task/Detail", json={"taskid": taskid})
    if store == "redis":
        assert response.status_code == 200
        assert response.json()["tasklist"][0]["parameters"]["prompt"] == "one mock"
    else:
        assert response.json()["errors"] == [{"code": 1, "message": "There is no task yet."}]
    assert (await detail(client, taskid))["id"] == taskid


def test_example_config_loads_with_its_store_section() -> None:
    config = load_config(ROOT / "mock.toml.example")
    assert config.store.url is None  # in memory unless a URL is given
    assert (config.store.ttl, config.store.prefix) == (3600.0, "wiro-mock")


async def test_journal_keeps_the_newest_entries_with_counting_ids() -> None:
    app = create_app(SPECS, auth=False, limits={"journal_size": 5})
    journal = app.state.mock.journal
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock/v1") as client:
        for n in range(12):
            await client.post("/Task/Detail", json={"taskid": f"missing-{n}"})
        entries = await journal.query()
        assert [e["id"] for e in entries] == [8, 9, 10, 11, 12]  # the newest five
        assert [e["body"]["taskid"] for e in entries] == [f"missing-{n}" for n in range(7, 12)]
        assert await journal.last_id() == 12 and await journal.count() == 5
        assert [e["id"] for e in await journal.since(10, 50)] == [11, 12]
        await journal.clear()
        assert await journal.count() == 0
        await client.post("/Task/Detail", json={"taskid": "after"})
        assert [e["id"] for e in await journal.query()] == [13]  # ids go on counting
