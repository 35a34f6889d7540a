"""The dashboard without a browser: views, the auth explanation, the live feed, the guards."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets

from codegen.schema import InputKind
from mockserver import create_app
from mockserver.admin.dashboard.signature import explain
from mockserver.admin.dashboard.views import PAGE_SIZE, form_field, task_page
from mockserver.auth import Authenticator, sign
from mockserver.config import Project
from mockserver.errors import AuthError
from mockserver.testing import WiroMock
from tests.mock.conftest import kinds_model
from tests.paths import SPECS

PROJECTS = [Project(api_key="k", api_secret="s", name="signed"), Project(api_key="ko", name="ko")]
CASES: list[dict[str, str]] = [
    {},
    {"x-api-key": "nope"},
    {"x-api-key": "ko"},
    {"x-api-key": "k"},
    {"x-api-key": "k", "x-nonce": "1"},
    {"x-api-key": "k", "x-signature": sign("k", "s", "1")},
    {"x-api-key": "k", "x-nonce": "1", "x-signature": "bad"},
    {"x-api-key": "k", "x-nonce": "2", "x-signature": sign("k", "s", "1")},
    {"x-api-key": "k", "x-nonce": "1", "x-signature": sign("k", "s", "1")},
    {"x-api-key": " k ", "x-nonce": "1", "x-signature": "SHA2-256(stdin)= " + sign("k", "s", "1")},
]


@pytest.mark.parametrize("headers", CASES)
def test_explanation_agrees_with_the_authenticator(headers: dict[str, str]) -> None:
    auth = Authenticator(PROJECTS)
    try:
        auth.check(headers)
        verdict, message = True, None
    except AuthError as exc:
        verdict, message = False, exc.messages[0]  # Wiro's; the second is the mock's hint
    explained = explain(headers, auth)
    assert explained["ok"] is verdict
    if message is not None:
        assert explained["message"] == message
    assert "s" not in (explained.get("expected"), explained.get("received"))
    if explained["reason"] == "mismatch":
        assert explained["expected"] == sign("k", "s", headers["x-nonce"])
        assert explained["received"] == headers["x-signature"].lower()


def test_explanation_when_auth_is_off() -> None:
    assert explain({}, Authenticator(PROJECTS, enabled=False))["ok"] is True


def test_form_fields_follow_the_input_kinds() -> None:
    fields = {i.name: (i.kind, form_field(i)) for i in kinds_model().inputs}
    widgets = {name: f["widget"] for name, (_, f) in fields.items()}
    assert widgets == {
        "prompt": "textarea", "steps": "number", "scale": "number", "style": "select",
        "tags": "select", "hd": "checkbox", "inputImage": "file", "refs": "file",
    }  # fmt: skip
    steps = fields["steps"][1]
    assert (steps["min"], steps["max"], steps["step"], steps["value"]) == ("1", "50", "1", "10")
    assert fields["scale"][1]["step"] == "any"
    assert [o["selected"] for o in fields["style"][1]["options"]] == [True, False]
    assert fields["tags"][1]["multiple"] and fields["refs"][1]["multiple"]
    assert fields["inputImage"][1]["accept"] == "image/png,image/jpeg"
    assert fields["prompt"][1]["required"]
    assert all(kind in InputKind for kind, _ in fields.values())


async def _run(client: httpx.AsyncClient, n: int) -> None:
    for _ in range(n):
        reply = await client.post("/__mock__/ui/run/reve/generate", data={"prompt": "p"})
        assert reply.status_code == 200, reply.text


async def test_board_pages_and_the_feed_is_inert_without_a_page() -> None:
    app = create_app(specs=SPECS, clock={"mode": "manual"})
    state = app.state.mock
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        await _run(client, PAGE_SIZE + 5)
        assert state.events.active is False and state.journal.listener is None
        first = await task_page(state)
        assert len(first["cards"]) == PAGE_SIZE and first["head"]
        assert first["ids"][0] == str(PAGE_SIZE + 5)
        second = await task_page(state, page=1)
        assert second["ids"] == [str(i) for i in range(5, 0, -1)] and not second["head"]
        assert (await task_page(state, status="succeeded"))["matched"] == 0
        live = await task_page(state, status="live", model="reve/generate")
        assert live["matched"] == PAGE_SIZE + 5
        page = await client.get("/__mock__/ui")
        assert page.status_code == 200 and "reve/generate" in page.text
        board = (await client.get("/__mock__/ui/board", params={"page": 1})).json()
        assert board["ids"] == second["ids"]
        bad = await client.post("/__mock__/ui/run/reve/generate", data={"aspectRatio": "1:1"})
        assert bad.status_code == 400 and "prompt" in bad.json()["errors"][0]["message"]
        missing = await client.get("/__mock__/ui/tasks/999")
        assert missing.status_code == 404


async def test_dashboard_is_off_with_the_admin_api() -> None:
    app = create_app(specs=SPECS, admin={"enabled": False})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        for path in ("/__mock__/ui", "/__mock__/ui/static/dashboard.js", "/__mock__/ui/board"):
            assert (await client.get(path)).status_code == 404


def _ws(mock: WiroMock, token: str | None = None) -> str:
    return f"ws://127.0.0.1:{mock.port}/__mock__/ui/live" + (f"?token={token}" if token else "")


async def _pushed(ws: Any, cards: int, rows: int) -> tuple[list[Any], list[Any]]:
    """The first `cards` cards and `rows` journal rows pushed, in whatever order they come
    (a push may be sent between two requests, so rows can precede a card)."""
    got_cards: list[Any] = []
    got_rows: list[Any] = []
    while len(got_cards) < cards or len(got_rows) < rows:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 20))
        if message["type"] == "tasks":
            got_cards += message["cards"]
        elif message["type"] == "journal":
            got_rows += message["rows"]
    return got_cards[:cards], got_rows[:rows]


async def _next(ws: Any, kind: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 20))
        if message["type"] == kind:
            return message


@pytest.mark.wiro_mock(clock={"mode": "manual"}, admin={"token": "t0k"})
async def test_live_feed_pushes_cards_and_journal_rows(wiro_mock: WiroMock) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus):
        async with websockets.connect(_ws(wiro_mock)):
            pass
    assert httpx.get(f"{wiro_mock.root_url}/__mock__/ui").status_code == 401
    async with websockets.connect(_ws(wiro_mock, "t0k")) as ws:
        await ws.send(json.dumps({"type": "watch", "ids": [], "head": True, "journal": 0}))
        async with httpx.AsyncClient(base_url=wiro_mock.base_url) as client:
            headers = {"x-api-key": wiro_mock.api_key, "x-nonce": "7", "x-signature": "f" * 64}
            denied = await client.post("/Run/reve/generate", headers=headers, json={})
            assert denied.status_code == 401
            reply = await client.post(
                "/Run/reve/generate", headers=wiro_mock.headers(), json={"prompt": "live"}
            )
        task_id = reply.json()["taskid"]
        (card,), rows = await _pushed(ws, cards=1, rows=2)
        assert card["id"] == task_id and card["new"] and card["status"] == "task_queue"
        assert f'id="task-{task_id}"' in card["html"]
        assert rows[0]["status"] == "401" and "mismatch" in rows[0]["html"]
        assert wiro_mock.api_secret is not None and wiro_mock.api_secret not in rows[0]["html"]
        wiro_mock.advance_clock(60)
        done = await _next(ws, "tasks")
        assert done["cards"][0]["status"] == "task_postprocess_end"
        wiro_mock.reset()
        assert (await _next(ws, "reset"))["type"] == "reset"
    app_state = wiro_mock.app.state.mock
    for _ in range(100):  # the server notices the close on its own loop
        if not app_state.events.active:
            break
        await asyncio.sleep(0.05)
    assert app_state.events.active is False and app_state.journal.listener is None


async def test_live_feed_shows_what_another_process_did(redis_url: str) -> None:
    """Two mocks sharing a Redis serve as one: a page connected to one of them is sent the
    tasks, journal entries, progress and reset that went through the other."""
    config: dict[str, Any] = {"store": {"url": redis_url, "prefix": "dashboard-shared"}}
    here = WiroMock(SPECS, clock={"mode": "manual"}, **config).start()
    there = WiroMock(SPECS, clock={"mode": "manual"}, **config).start()
    try:
        first = _run_through(there, "before the page")
        page = httpx.get(f"{here.root_url}/__mock__/ui")
        assert f'id="task-{first}"' in page.text
        async with websockets.connect(_ws(here)) as ws:
            await ws.send(json.dumps({"type": "watch", "ids": [first], "head": True}))
            second = _run_through(there, "while the page is open")
            cards, (row,) = await _pushed(ws, cards=2, rows=1)
            assert [(c["id"], c["new"]) for c in cards] == [(first, False), (second, True)]
            assert row["model"] == "reve/generate" and "while the page is open" in row["html"]
            there.advance_clock(60)
            finished: set[str] = set()
            while finished != {first, second}:
                message = await _next(ws, "tasks")
                finished |= {c["id"] for c in message["cards"] if c["state"] == "succeeded"}
            there.reset()
            assert (await _next(ws, "reset"))["type"] == "reset"
        detail = httpx.get(f"{here.root_url}/__mock__/ui/tasks/{first}")
        assert detail.status_code == 404
    finally:
        here.stop()
        there.stop()


def _run_through(mock: WiroMock, prompt: str) -> str:
    reply = httpx.post(f"{mock.base_url}/Run/reve/generate", headers=mock.headers(),
                       json={"prompt": prompt})  # fmt: skip
    assert reply.status_code == 200, reply.text
    task_id: str = reply.json()["taskid"]
    return task_id


async def test_journal_flags_refusals_sent_as_200_and_shows_warnings() -> None:
    """Wiro answers a refused Run with HTTP 200: the row is flagged by `result`, not status;
    an accepted value outside a help-stated range shows its `constraint_from_help`."""
    app = create_app(specs=SPECS, auth=False, clock={"mode": "manual"})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        refused = await client.post("/v1/Run/reve/generate", json={})
        assert refused.status_code == 200 and refused.json()["result"] is False
        body = {"prompt": "x", "inputImageUrl": "https://e.x/a.png", "guidanceScale": 0}
        await client.post("/v1/Run/bytedance/image-to-image-seededit-v3", json=body)
        await client.post("/v1/Run/reve/generate", json={"prompt": "fine"})
        html = (await client.get("/__mock__/ui/journal")).json()["html"]
    newest_first = [row.split(">", 1) for row in html.split("<li ")[1:]]
    (fine_tag, fine), (warned_tag, warned), (refused_tag, refused_row) = newest_first
    assert "s2xx" in fine_tag and "result:false" not in fine
    assert "s4xx" in refused_tag and "result:false" in refused_row
    assert "s2xx" in warned_tag and "constraint_from_help [guidanceScale]" in warned
    assert "between 1 and 10" in warned
