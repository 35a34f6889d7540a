"""Hostile frames on the task socket: every one is answered with Wiro's error frame and a
defined close (1008 bad input, 1011 store outage or mock bug), the reader never dies quietly,
the subscription limit is an error frame, and a connection that ends releases what it held.
"""

from __future__ import annotations

import asyncio
import gc
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect as connect_sync

from mockserver.api.socket import (
    MAX_SUBSCRIPTIONS,
    MSG_INTERNAL,
    MSG_NO_TASK,
    MSG_NOT_JSON,
    MSG_NOT_OBJECT,
    MSG_NOT_UTF8,
    MSG_NUMBER,
    MSG_TOKEN_REQUIRED,
    MSG_TOKEN_TYPE,
    MSG_TOO_DEEP,
    MSG_TOO_MANY,
    MSG_TYPE,
    Connection,
    frame_payload,
    frame_token,
)
from mockserver.errors import SocketFrameError
from mockserver.testing import WiroMock
from tests.mock.conftest import llm_model
from tests.redis_server import RedisServer

OUTAGE = "Service unavailable. Please retry later."
#: Seconds a receive may wait before the test calls it a hang (not a speed threshold).
HANG = 10.0

BAD_FRAMES: list[tuple[str | bytes, str, int]] = [
    ("not json", MSG_NOT_JSON, 0),
    ("", MSG_NOT_JSON, 0),
    ('{"type": "task_info", "tasktoken": ' + "9" * 5000 + "}", MSG_NUMBER, 0),
    ('{"type": "task_info", "tasktoken": "t", "n": -' + "1" * 4301 + "}", MSG_NUMBER, 0),
    ("[" * 100_000 + "]" * 100_000, MSG_TOO_DEEP, 0),
    ('{"a":' * 100_000 + "1" + "}" * 100_000, MSG_TOO_DEEP, 0),
    ("[1]", MSG_NOT_OBJECT, 0),
    ('"task_info"', MSG_NOT_OBJECT, 0),
    ("null", MSG_NOT_OBJECT, 0),
    ('{"tasktoken": "x"}', MSG_TYPE, 0),
    ('{"type": 7, "tasktoken": "x"}', MSG_TYPE, 0),
    ('{"type": ["task_info"]}', MSG_TYPE, 0),
    ('{"type": "task_info"}', MSG_TOKEN_REQUIRED, 0),
    ('{"type": "task_info", "tasktoken": ""}', MSG_TOKEN_REQUIRED, 0),
    ('{"type": "task_info", "tasktoken": 12345}', MSG_TOKEN_TYPE, 0),
    ('{"type": "task_info", "tasktoken": ' + "9" * 4000 + "}", MSG_TOKEN_TYPE, 0),
    ('{"type": "task_info", "tasktoken": ["a"]}', MSG_TOKEN_TYPE, 0),
    ('{"type": "task_info", "tasktoken": {"a": 1}}', MSG_TOKEN_TYPE, 0),
    ('{"type": "task_info", "tasktoken": 1e999}', MSG_TOKEN_TYPE, 0),
    ('{"type": "task_info", "tasktoken": "nope"}', MSG_NO_TASK, 1),
    ('{"type": "task_info", "tasktoken": "' + "x" * 100_000 + '"}', MSG_NO_TASK, 1),
    (b"\xff\xfe", MSG_NOT_UTF8, 0),
]


def error_frame(message: str, code: int = 0, token: str | None = None) -> dict[str, Any]:
    """Wiro's error frame, as the socket must send it."""
    return {
        "type": "error",
        "tasktoken": token,
        "message": message,
        "result": False,
        "errors": [{"code": code, "message": message}],
    }


@pytest.fixture
def mock() -> Iterator[WiroMock]:
    """A mock with one small model and a manual clock: tasks stay live until moved."""
    served = WiroMock(models=[llm_model()], clock={"mode": "manual"}, auth=False).start()
    yield served
    served.stop()


def run(mock: WiroMock, client: httpx.Client | None = None, **headers: str) -> dict[str, Any]:
    post = client.post if client is not None else httpx.post
    response = post(
        f"{mock.base_url}/Run/test/chat", json={"prompt": "hi"}, headers=headers, timeout=HANG
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def subscribe(token: str) -> str:
    return json.dumps({"type": "task_info", "tasktoken": token})


async def answer_and_close(url: str, frame: str | bytes) -> tuple[dict[str, Any], int | None]:
    """The one message the mock answers `frame` with, and the close code that follows."""
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(frame)
        reply = json.loads(await asyncio.wait_for(ws.recv(), HANG))
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), HANG)
        return reply, ws.close_code


async def test_every_bad_frame_gets_the_error_frame_and_1008(mock: WiroMock) -> None:
    for frame, message, code in BAD_FRAMES:
        reply, close = await answer_and_close(mock.socket_url, frame)
        token = reply["tasktoken"]
        assert reply == error_frame(message, code, token), frame[:80]
        assert close == 1008, frame[:80]
    assert (await answer_and_close(mock.socket_url, subscribe("nope")))[0]["tasktoken"] == "nope"
    unseen = subscribe("x" * 100_000)  # a token too long to be one is neither looked up nor echoed
    assert (await answer_and_close(mock.socket_url, unseen))[0]["tasktoken"] is None


async def test_a_bad_frame_after_a_subscription_still_closes(mock: WiroMock) -> None:
    created = run(mock)
    async with websockets.connect(mock.socket_url) as ws:
        await ws.send(subscribe(created["socketaccesstoken"]))
        assert json.loads(await ws.recv())["type"] == "task_queue"
        await ws.send('{"type": "task_info", "tasktoken": ' + "7" * 5000 + "}")
        assert json.loads(await asyncio.wait_for(ws.recv(), HANG)) == error_frame(MSG_NUMBER)
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), HANG)
        assert ws.close_code == 1008


async def test_unknown_type_is_refused_and_the_socket_goes_on(mock: WiroMock) -> None:
    created = run(mock)
    async with websockets.connect(mock.socket_url) as ws:
        await ws.send(json.dumps({"type": "x" * 1000}))
        refused = json.loads(await ws.recv())
        assert refused["result"] is False and refused["message"].startswith(
            "Unknown socket message type 'xxx"
        )
        assert len(refused["message"]) < 100  # the type is cut, not echoed whole
        await ws.send(subscribe(created["socketaccesstoken"]))
        assert json.loads(await ws.recv())["type"] == "task_queue"


async def test_the_subscription_limit_is_an_error_frame(mock: WiroMock) -> None:
    with httpx.Client() as client:  # one connection: 101 Runs in a fraction of a second
        tokens = [run(mock, client)["socketaccesstoken"] for _ in range(MAX_SUBSCRIPTIONS + 1)]
    async with websockets.connect(mock.socket_url) as ws:
        for token in tokens[:MAX_SUBSCRIPTIONS]:
            await ws.send(subscribe(token))
        firsts = [json.loads(await ws.recv()) for _ in range(MAX_SUBSCRIPTIONS)]
        assert {(m["type"], m["tasktoken"]) for m in firsts} == {
            ("task_queue", t) for t in tokens[:MAX_SUBSCRIPTIONS]
        }
        await ws.send(subscribe(tokens[0]))  # already followed: nothing new, no refusal
        await ws.send(subscribe(tokens[-1]))
        reply = json.loads(await asyncio.wait_for(ws.recv(), HANG))
        assert reply == error_frame(MSG_TOO_MANY, 0, tokens[-1])
        assert "at most 100" in MSG_TOO_MANY
        mock.advance(tokens[1], to="end")  # the first 100 keep streaming
        event = json.loads(await asyncio.wait_for(ws.recv(), HANG))
        assert event["tasktoken"] == tokens[1] and event["type"] == "task_accept"


async def test_a_bug_while_handling_a_frame_closes_with_1011(
    mock: WiroMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(mock.app.state.mock, "find_task", broken)
    reply, close = await answer_and_close(mock.socket_url, subscribe("any"))
    assert reply == error_frame(MSG_INTERNAL) and close == 1011


async def test_a_bug_while_sending_closes_with_1011(
    mock: WiroMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("a bug")

    token = run(mock)["socketaccesstoken"]
    monkeypatch.setattr(mock.app.state.mock.frames, "frame", broken)
    reply, close = await answer_and_close(mock.socket_url, subscribe(token))
    assert reply == error_frame(MSG_INTERNAL) and close == 1011


async def test_ended_connections_release_what_they_held(mock: WiroMock) -> None:
    """Bad frames, clients that vanish mid-stream and normal ends leave no `Connection`
    behind, and no task keeps a wake-up event of a socket that is gone."""
    token = run(mock)["socketaccesstoken"]
    bad = '{"type": "task_info", "tasktoken": ' + "9" * 5000 + "}"
    await asyncio.gather(*[answer_and_close(mock.socket_url, bad) for _ in range(20)])
    for _ in range(5):
        ws = await websockets.connect(mock.socket_url)
        await ws.send(subscribe(token))
        await ws.recv()
        ws.transport.abort()
    assert await _eventually(lambda: not _connections())
    store = mock.app.state.mock.store
    task = await asyncio.wrap_future(
        asyncio.run_coroutine_threadsafe(store.get(None, token), _server_loop(mock))
    )
    assert task is not None and not store._watchers


async def test_a_stalled_task_does_not_spin_its_socket(
    mock: WiroMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In step mode every socket tick moves a task; a stalled task cannot move, so its
    socket waits for a wake-up (a cancel) instead of ticking in a loop."""
    mock.set_clock("step")
    engine = mock.app.state.mock.engine
    polls: list[str] = []
    real_poll = engine.poll
    monkeypatch.setattr(engine, "poll", lambda task: polls.append(task.id) or real_poll(task))
    created = run(mock, **{"x-mock-scenario": "stall"})
    async with websockets.connect(mock.socket_url) as ws:
        await ws.send(subscribe(created["socketaccesstoken"]))
        assert json.loads(await ws.recv())["type"] == "task_queue"
        await asyncio.sleep(0.3)
        assert len(polls) < 5  # a spinning socket polls thousands of times meanwhile
        httpx.post(f"{mock.base_url}/Task/Cancel", json={"taskid": created["taskid"]})
        assert json.loads(await asyncio.wait_for(ws.recv(), HANG))["type"] == "task_cancel"


@pytest.mark.parametrize("store", ["redis"], indirect=True)
@pytest.mark.parametrize("mode", ["step", "manual", "realtime"])
async def test_redis_away_closes_a_subscribed_socket_with_1011(mode: str, tmp_path: Path) -> None:
    """Redis stops while a socket follows a live task that nothing else would move (a
    stalled one in step mode, a manual clock, a slow realtime one): the socket still hears
    of it and closes with 1011."""
    redis = RedisServer(tmp_path / "redis").start()
    store = {"url": redis.url(), "prefix": f"outage-{uuid.uuid4().hex[:8]}"}
    served = WiroMock(
        models=[llm_model()], clock={"mode": mode, "speed": 0.001}, auth=False, store=store
    ).start()
    try:
        created = run(served, **({"x-mock-scenario": "stall"} if mode == "step" else {}))
        async with websockets.connect(served.socket_url) as ws:
            await ws.send(subscribe(created["socketaccesstoken"]))
            assert json.loads(await ws.recv())["type"] == "task_queue"
            await asyncio.to_thread(redis.stop)
            reply = json.loads(await asyncio.wait_for(ws.recv(), HANG))
            assert reply == error_frame(OUTAGE)
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), HANG)
            assert ws.close_code == 1011
        async with websockets.connect(served.socket_url) as ws:  # and so does a new one
            await ws.send(subscribe(created["socketaccesstoken"]))
            assert json.loads(await asyncio.wait_for(ws.recv(), HANG)) == error_frame(OUTAGE)
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), HANG)
            assert ws.close_code == 1011
    finally:
        served.stop()
        redis.stop()


# -- fuzz ------------------------------------------------------------------------------------
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["task_info", "tasktoken", "socketaccesstoken", "type"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
FRAME_OBJECTS = st.fixed_dictionaries(
    {}, optional={"type": JSON | st.just("task_info"), "tasktoken": JSON, "socketaccesstoken": JSON}
)
FRAMES = st.one_of(
    JSON.map(json.dumps),
    FRAME_OBJECTS.map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=50),
    st.integers(min_value=4301, max_value=6000).map(
        lambda n: '{"type": "task_info", "x": ' + "8" * n + "}"
    ),
    st.integers(min_value=1, max_value=60_000).map(lambda n: "[" * n + "]" * n),
)


@pytest.mark.memory_only  # no store involved: once is enough
@settings(max_examples=200, deadline=None)
@given(FRAMES)
def test_frame_parsing_fuzz(frame: str | bytes) -> None:
    """Any frame is a JSON object with a string token, or a `SocketFrameError`: never another
    exception (which used to kill the reader)."""
    text, data = (None, frame) if isinstance(frame, bytes) else (frame, None)
    try:
        token = frame_token(frame_payload(text, data))
    except SocketFrameError as exc:
        assert exc.messages and exc.close in (1008, None)
    else:
        assert isinstance(token, str) and token


@pytest.mark.memory_only
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(frame=FRAMES)
def test_socket_frame_fuzz(mock: WiroMock, frame: str | bytes) -> None:
    """Over a real socket: the first answer is always Wiro's error frame (no token names a
    task here), then a 1008 close, or the socket stays open for a refusal of one frame."""
    with connect_sync(mock.socket_url, max_size=None) as ws:
        ws.send(frame)
        reply = json.loads(ws.recv(timeout=HANG))
        code = reply["errors"][0]["code"]
        assert reply == error_frame(reply["message"], code, reply["tasktoken"])
        if reply["message"].startswith("Unknown socket message type"):
            return
        with pytest.raises(websockets.ConnectionClosed):
            ws.recv(timeout=HANG)
        assert ws.close_code == 1008


# -- helpers ---------------------------------------------------------------------------------
def _connections() -> list[Connection]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, Connection)]


async def _eventually(check: Any, tries: int = 200) -> bool:
    """Whether `check()` becomes true while the server thread catches up (no time limit is
    asserted: it only bounds how long a broken build keeps the test waiting)."""
    for _ in range(tries):
        if check():
            return True
        await asyncio.sleep(0.025)
    return bool(check())


def _server_loop(mock: WiroMock) -> asyncio.AbstractEventLoop:
    loop = mock.app.state.mock._loop
    assert loop is not None
    return loop
