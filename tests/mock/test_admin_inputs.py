"""Every admin input is validated before it changes anything: a bad one is a 400 in Wiro's
envelope whose message names the field, never a 500, and the mock goes on serving.

The regression: `POST /__mock__/limits {"concurrent_tasks": "abc"}` used to store the text,
and every later Run failed with a 500 comparing it to a count.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mockserver import create_app
from tests.mock.conftest import HEADERS, SPECS

ADMIN = "/__mock__"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(SPECS, clock={"mode": "manual"})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
        yield c


def bad(response: httpx.Response) -> str:
    """The one message of a refused admin request (a 400 in Wiro's envelope)."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["result"] is False, body
    return "; ".join(e["message"] for e in body["errors"])


async def run(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post("/v1/Run/reve/generate", json={"prompt": "x"}, headers=HEADERS)


async def test_a_text_concurrency_limit_is_refused_and_runs_go_on(
    client: httpx.AsyncClient,
) -> None:
    message = bad(await client.post(f"{ADMIN}/limits", json={"concurrent_tasks": "abc"}))
    assert message.startswith("concurrent_tasks: ") and "integer" in message
    ran = await run(client)
    assert ran.status_code == 200 and ran.json()["result"] is True
    limits = (await client.get(f"{ADMIN}/limits")).json()
    assert {v["concurrent_tasks"] for v in limits.values()} == {None}  # nothing was stored


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"concurrent_tasks": -1}, "concurrent_tasks"),
        ({"concurrent_tasks": 1.5}, "concurrent_tasks"),
        ({"concurrent_tasks": True}, "concurrent_tasks"),
        ({"balance": "lots"}, "balance"),
        ({"api_key": 7}, "api_key"),
        ({"concurrent": 1}, "concurrent"),
    ],
)
async def test_limits_fields_are_checked(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    assert bad(await client.post(f"{ADMIN}/limits", json=body)).startswith(f"{field}: ")


async def test_limits_set_keep_and_lift(client: httpx.AsyncClient) -> None:
    await client.post(f"{ADMIN}/limits", json={"concurrent_tasks": 1, "balance": 2})
    await client.post(f"{ADMIN}/limits", json={"balance": 3.5})  # concurrency kept
    (project,) = (await client.get(f"{ADMIN}/limits")).json().values()
    assert (project["concurrent_tasks"], project["balance"]) == (1, 3.5)
    assert (await run(client)).json()["result"] is True
    assert (await run(client)).json()["errors"][0]["code"] == 96  # the limit applies
    await client.post(f"{ADMIN}/limits", json={"concurrent_tasks": None})  # lifted
    assert (await run(client)).json()["result"] is True
    missing = await client.post(f"{ADMIN}/limits", json={"api_key": "nobody", "balance": 1})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/clock", {"mode": "sideways"}, "mode"),
        ("/clock", {"speed": 0}, "speed"),
        ("/clock", {"speed": "2"}, "speed"),
        ("/clock", {"tempo": 2}, "tempo"),
        ("/clock/advance", {"seconds": -1}, "seconds"),
        ("/clock/advance", {"seconds": "10"}, "seconds"),
        ("/tasks/1/advance", {"steps": "2"}, "steps"),
        ("/tasks/1/advance", {"steps": -1}, "steps"),
        ("/tasks/1/advance", {"to": 5}, "to"),
        ("/faults", {"kind": "explode"}, "kind"),
        ("/faults", {"kind": "http", "status": 200}, "status"),
        ("/faults", {"rules": "x"}, "rules"),
        ("/faults", {"rules": [{"kind": "latency"}, {"kind": "nope"}]}, "rules.1.kind"),
        ("/reset", {"everything": True}, "everything"),
        ("/reload", {"now": 1}, "now"),
    ],
)
async def test_admin_bodies_are_checked(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], field: str
) -> None:
    await run(client)  # task 1, for the advance rows
    message = bad(await client.post(ADMIN + path, json=body))
    assert message.startswith(f"{field}: "), message
    assert (await client.get(f"{ADMIN}/faults")).json()["faults"] == []  # nothing added
    assert (await client.get(f"{ADMIN}/clock")).json()["mode"] == "manual"


async def test_admin_bodies_that_are_not_objects_are_refused(client: httpx.AsyncClient) -> None:
    for path in ("/clock", "/limits", "/faults", "/reset"):
        response = await client.post(ADMIN + path, content=b"[1]")
        assert "JSON object" in bad(response)


async def test_valid_admin_bodies_still_work(client: httpx.AsyncClient) -> None:
    clock = await client.post(f"{ADMIN}/clock", json={"mode": "step", "speed": 2})
    assert clock.json()["mode"] == "step" and clock.json()["speed"] == 2.0
    advanced = await client.post(f"{ADMIN}/clock/advance", json={"seconds": 1})
    assert advanced.status_code == 200
    added = await client.post(f"{ADMIN}/faults", json={"rules": [{"kind": "latency"}]})
    assert len(added.json()["added"]) == 1
    assert (await client.post(f"{ADMIN}/reset")).status_code == 200
    assert (await client.post(f"{ADMIN}/reset", json={})).status_code == 200


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/journal", {"status": "abc"}, "status"),
        ("/journal", {"result": "maybe"}, "result"),
        ("/journal", {"since": "-1"}, "since"),
        ("/journal", {"limit": "many"}, "limit"),
        ("/journal", {"colour": "red"}, "colour"),
        ("/tasks", {"status": "task_bogus"}, "status"),
        ("/tasks", {"owner": "me"}, "owner"),
    ],
)
async def test_admin_queries_are_checked(
    client: httpx.AsyncClient, path: str, query: dict[str, str], field: str
) -> None:
    assert bad(await client.get(ADMIN + path, params=query)).startswith(f"{field}: ")


async def test_admin_queries_filter(client: httpx.AsyncClient) -> None:
    await run(client)
    await client.post("/v1/Run/reve/generate", json={"prompt": "x"})  # unsigned: a 401
    refused = await client.get(f"{ADMIN}/journal", params={"result": "false", "status": ""})
    assert [e["status"] for e in refused.json()["entries"]] == [401]
    last = await client.get(f"{ADMIN}/journal", params={"limit": "1", "method": "post"})
    assert last.json()["count"] == 1
    queued = await client.get(f"{ADMIN}/tasks", params={"status": "task_queue"})
    assert queued.json()["count"] == 1
    assert (await client.get(f"{ADMIN}/tasks", params={"model": "REVE/GENERATE"})).json()[
        "count"
    ] == 1


async def test_the_token_parameter_is_the_guards_not_a_filter() -> None:
    app = create_app(SPECS, admin={"token": "t0ken"})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.lan") as c:
        journal = await c.get(f"{ADMIN}/journal", params={"token": "t0ken", "limit": "5"})
        assert journal.status_code == 200 and journal.json()["count"] == 0


async def test_journal_status_filter_takes_what_the_dashboard_shows(
    client: httpx.AsyncClient,
) -> None:
    """`status=4xx` is the dashboard's class: refusals Wiro sends as HTTP 200 count, as does
    a 401; a code is exact; anything else is refused naming the field."""
    await run(client)  # accepted: 200
    await client.post("/v1/Run/reve/generate", json={}, headers=HEADERS)  # refused: 200
    await client.post("/v1/Run/reve/generate", json={"prompt": "x"})  # unsigned: 401

    async def statuses(value: str) -> list[tuple[int, bool]]:
        response = await client.get(f"{ADMIN}/journal", params={"status": value})
        assert response.status_code == 200, response.text
        return [(e["status"], e.get("result", True)) for e in response.json()["entries"]]

    assert await statuses("4xx") == [(200, False), (401, False)]
    assert await statuses("2xx") == [(200, True)]
    assert await statuses("401") == [(401, False)]
    assert "status" in bad(await client.get(f"{ADMIN}/journal", params={"status": "4x"}))
