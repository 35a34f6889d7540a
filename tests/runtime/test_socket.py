"""Waiting via the WebSocket against loopback websockets servers, with fallback to polling."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection as AsyncConnection
from websockets.asyncio.server import serve as async_serve
from websockets.sync.server import ServerConnection, serve

from .conftest import task_json

PROGRESS = {
    "type": "progressGenerate",
    "task": "Generate",
    "percentage": "60",
    "stepCurrent": "6",
    "stepTotal": "10",
}
OUTPUTS = [{"id": "o1", "name": "0.png", "url": "https://cdn.test/0.png", "size": "3"}]


def event(kind: str, message: Any = None) -> str:
    return json.dumps(
        {"type": kind, "id": "534574", "tasktoken": "TOKEN123", "message": message, "result": True}
    )


FULL_STREAM = [
    event("task_queue"),
    event("task_start"),
    event("task_output", PROGRESS),
    event("task_output", "step 6/10"),
    event("task_error", "warning: slow"),
    event("task_postprocess_end", OUTPUTS),
]


class Script:
    """What the loopback server sends, and what it received."""

    def __init__(self, messages: list[str], *, drop: bool = False) -> None:
        self.messages = messages
        self.drop = drop
        self.received: list[Any] = []


@contextmanager
def sync_server(script: Script) -> Iterator[str]:
    def handler(conn: ServerConnection) -> None:
        script.received.append(json.loads(conn.recv()))
        for message in script.messages:
            conn.send(message)
        if script.drop:
            conn.socket.shutdown(socket.SHUT_RDWR)  # abrupt: no close frame

    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.socket.getsockname()[1]
        try:
            yield f"ws://127.0.0.1:{port}/v1"
        finally:
            server.shutdown()
            thread.join()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"ws://127.0.0.1:{port}/v1"


def test_socket_wait_streams_events_then_reads_detail_once(
    make_client: Any, fake: Any, clock: Any
) -> None:
    script = Script(FULL_STREAM)
    fake.detail_sequence(task_json("task_postprocess_end", outputs=OUTPUTS))
    events: list[Any] = []
    with sync_server(script) as url:
        task = make_client(socket_url=url).task("534574", "TOKEN123")
        detail = task.wait(timeout=30, via="socket", on_event=events.append)
    assert script.received == [{"type": "task_info", "tasktoken": "TOKEN123"}]
    assert [e.type for e in events] == [
        "task_queue",
        "task_start",
        "task_output",
        "task_output",
        "task_error",
        "task_postprocess_end",
    ]
    assert events[2].progress.percentage == 60.0 and events[2].progress.step_total == 10
    assert events[3].message == "step 6/10"
    assert fake.paths() == ["/v1/Task/Detail"]  # the final read for pexit
    assert detail.pexit == 0 and task.outputs[0].url == "https://cdn.test/0.png"
    assert clock.sleeps == []


def test_socket_success_event_but_detail_pexit_fails(
    rt: ModuleType, make_client: Any, fake: Any
) -> None:
    fake.detail_sequence(task_json("task_postprocess_end", pexit="1", debugerror="boom"))
    with sync_server(Script(FULL_STREAM)) as url, pytest.raises(rt.TaskFailed, match="boom"):
        make_client(socket_url=url).task("534574", "TOKEN123").wait(timeout=30, via="socket")


def test_socket_drop_mid_stream_falls_back_to_polling(
    make_client: Any, fake: Any, clock: Any
) -> None:
    script = Script([event("task_queue"), event("task_start")], drop=True)
    fake.detail_sequence(task_json("task_start"), task_json("task_postprocess_end"))
    events: list[Any] = []
    with sync_server(script) as url:
        task = make_client(socket_url=url).task("534574", "TOKEN123")
        detail = task.wait(timeout=30, via="socket", on_event=events.append)
    assert detail.status == "task_postprocess_end"
    assert fake.paths() == ["/v1/Task/Detail"] * 2 and clock.sleeps == [0.5]
    # status changes already seen on the socket are not repeated by the polling
    assert [e.type for e in events] == ["task_queue", "task_start", "task_postprocess_end"]


def test_unreachable_socket_falls_back_to_polling(make_client: Any, fake: Any) -> None:
    fake.detail_sequence(task_json("task_queue"), task_json("task_postprocess_end"))
    task = make_client(socket_url=closed_port_url()).task("534574", "TOKEN123")
    assert task.wait(timeout=30, via="socket").status == "task_postprocess_end"


def test_socket_wait_without_token_refreshes_first(make_client: Any, fake: Any) -> None:
    script = Script([event("task_cancel")])
    fake.detail_sequence(task_json("task_start"), task_json("task_postprocess_end"))
    with sync_server(script) as url:
        make_client(socket_url=url).task("534574").wait(timeout=30, via="socket")
    assert script.received == [{"type": "task_info", "tasktoken": "TOKEN123"}]


async def run_async_server(script: Script) -> Any:
    async def handler(conn: AsyncConnection) -> None:
        script.received.append(json.loads(await conn.recv()))
        for message in script.messages:
            await conn.send(message)
        if script.drop:
            conn.transport.abort()

    return await async_serve(handler, "127.0.0.1", 0)


async def test_async_socket_wait_and_drop_fallback(
    rt: ModuleType, make_async_client: Any, fake: Any, clock: Any
) -> None:
    ok, dropped = Script(FULL_STREAM), Script([event("task_start")], drop=True)
    for script, details in (
        (ok, [task_json("task_postprocess_end")]),
        (dropped, [task_json("task_start"), task_json("task_postprocess_end", pexit="1")]),
    ):
        fake.requests.clear()
        fake.detail_sequence(*details)
        server = await run_async_server(script)
        port = next(iter(server.sockets)).getsockname()[1]
        try:
            async with make_async_client(socket_url=f"ws://127.0.0.1:{port}/v1") as client:
                task = client.task("534574", "TOKEN123")
                if script is ok:
                    events: list[Any] = []
                    await task.wait(timeout=30, via="socket", on_event=events.append)
                    assert len(events) == len(FULL_STREAM) and fake.paths() == ["/v1/Task/Detail"]
                else:
                    with pytest.raises(rt.TaskFailed):
                        await task.wait(timeout=30, via="socket")
                    assert fake.paths() == ["/v1/Task/Detail"] * 2
        finally:
            server.close()
            await server.wait_closed()
        assert script.received == [{"type": "task_info", "tasktoken": "TOKEN123"}]
