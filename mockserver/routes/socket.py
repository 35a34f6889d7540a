"""The task WebSocket (`/v1` and `/`): subscribe with `task_info`, receive every event once.

Events are read from the same task state Task/Detail renders, so the two never disagree. A
connection keeps a cursor per subscribed task: joining late replays the missed events first,
then new ones follow in order as the task advances (woken by the task, or by the clock's next
due time). The server closes after the terminal event of every subscribed task. Garbage,
unknown tokens and abrupt disconnects end in a Wiro-shaped error and/or a clean close.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from mockserver.errors import StoreUnavailableError
from mockserver.state import MockState
from mockserver.task import Task, socket_message

CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008
CLOSE_UNSUPPORTED = 1003
CLOSE_DROPPED = 1011
MAX_SUBSCRIPTIONS = 100


def error_message(message: str, code: int = 0, token: str | None = None) -> dict[str, Any]:
    return {
        "type": "error",
        "tasktoken": token,
        "message": message,
        "result": False,
        "errors": [{"code": code, "message": message}],
    }


async def pump_while_receiving(
    pump: Callable[[], Coroutine[Any, Any, None]], receive: Callable[[], Coroutine[Any, Any, None]]
) -> None:
    """Run `pump` (our messages out) while `receive` reads the client; when the pump ends,
    stop the reader. Shared by the task socket and the dashboard's live feed."""
    receiver = asyncio.create_task(receive())
    try:
        await pump()
    finally:
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await receiver


@dataclass(slots=True)
class Subscription:
    task: Task
    sent: int = 0


class Connection:
    """One socket: a receiver that queues work and a pump that sends, so sends never race."""

    def __init__(self, ws: WebSocket, state: MockState) -> None:
        self.ws = ws
        self.state = state
        self.subs: dict[str, Subscription] = {}
        self.outbox: list[dict[str, Any]] = []
        self.close_code: int | None = None
        self.gone = False
        self.wake = asyncio.Event()

    async def run(self) -> None:
        try:
            await pump_while_receiving(self._pump, self._receive)
        finally:
            for sub in self.subs.values():
                self.state.store.unwatch(sub.task, self.wake)

    async def _receive(self) -> None:
        while True:
            try:
                message = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                message = {"type": "websocket.disconnect"}
            if message["type"] == "websocket.disconnect":
                self.gone = True
                self.wake.set()
                return
            try:
                await self._handle(message.get("text"), message.get("bytes"))
            except StoreUnavailableError as exc:
                self._fail(exc.messages[0], CLOSE_DROPPED)
            self.wake.set()
            if self.close_code is not None:
                return

    async def _handle(self, text: str | None, data: bytes | None) -> None:
        if text is None and data is not None:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                self._fail("Socket message is not UTF-8 text.", CLOSE_UNSUPPORTED)
                return
        try:
            payload = json.loads(text or "")
        except (json.JSONDecodeError, RecursionError):
            self._fail("Socket message is not valid JSON.", CLOSE_POLICY)
            return
        if not isinstance(payload, dict):
            self._fail("Socket message must be a JSON object.", CLOSE_POLICY)
            return
        kind = payload.get("type")
        if kind != "task_info":
            self.outbox.append(error_message(f"Unknown socket message type {kind!r}."))
            return
        token = payload.get("tasktoken") or payload.get("socketaccesstoken")
        if not isinstance(token, str) or not token:
            self._fail("tasktoken is required", CLOSE_POLICY)
            return
        await self.state.store.refresh()
        task = await self.state.find_task(None, token)
        if task is None:
            self._fail("There is no task yet.", CLOSE_POLICY, code=1, token=token)
            return
        if token not in self.subs and len(self.subs) < MAX_SUBSCRIPTIONS:
            self.subs[token] = Subscription(task)
            self.state.store.watch(task, self.wake)

    def _fail(self, message: str, close: int, code: int = 0, token: str | None = None) -> None:
        self.outbox.append(error_message(message, code, token))
        self.close_code = close

    async def _pump(self) -> None:
        state = self.state
        clock = state.clock
        step_mode_pause = state.config.clock.step_interval
        while not self.gone:
            for item in self.outbox:
                await self.ws.send_text(json.dumps(item))
            self.outbox.clear()
            if self.close_code is not None:
                await self._close(self.close_code)
                return
            if await self._send_events():
                return
            subs = self.subs.values()
            if subs and all(s.task.terminal and s.sent > s.task.cursor for s in subs):
                await self._close(CLOSE_NORMAL)
                return
            timeout: float | None = None
            if clock.mode == "step" and any(not s.task.terminal for s in subs):
                for sub in list(subs):
                    if not sub.task.terminal and sub.sent > sub.task.cursor:
                        sub.task = await state.store.update(sub.task, state.engine.poll)
                timeout = step_mode_pause
            else:
                now = clock.now()
                delays = [
                    clock.real_delay(s.task.due - now) for s in subs if s.task.due is not None
                ]
                timeout = min(delays, default=None)
                if timeout is not None and math.isinf(timeout):
                    timeout = None
            if timeout == 0:
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout)
            self.wake.clear()

    async def _send_events(self) -> bool:
        """Send every event each subscription has not seen; True if the socket was dropped.

        Nothing to send before the first subscription, so the store is not asked: a socket
        opened while Redis is away learns it in answer to its `task_info` (the error, then
        1011), instead of being closed before it could send one."""
        if not self.subs:
            return False
        state = self.state
        await state.store.refresh()
        for sub in list(self.subs.values()):
            task = sub.task = await state.synced(sub.task)
            epoch = state.clock.epoch
            while sub.sent <= task.cursor:
                drop = task.socket_drop_after
                if drop is not None and sub.sent >= drop and not task.plan[sub.sent].terminal:
                    claimed = await state.store.update(task, _claim_drop)
                    task.socket_drop_after = None  # once per task: a reconnect gets the rest
                    if claimed:
                        await self._close(CLOSE_DROPPED, "mock fault: socket dropped")
                        return True
                    continue  # another connection took this task's drop
                step = task.plan[sub.sent]
                await self.ws.send_text(json.dumps(socket_message(task, step, epoch)))
                sub.sent += 1
        return False

    async def _close(self, code: int, reason: str = "") -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason)


def _claim_drop(task: Task) -> bool:
    """Take the task's one socket drop: True for the first connection to ask."""
    claimed = task.socket_drop_after is not None
    task.socket_drop_after = None
    return claimed


async def task_socket(ws: WebSocket) -> None:
    state: MockState = ws.app.state.mock
    state.ensure_started()
    await ws.accept()
    try:
        await Connection(ws, state).run()
    except (WebSocketDisconnect, RuntimeError, OSError):
        return  # the client went away mid-send: nothing to clean beyond run()'s finally
    except StoreUnavailableError as exc:  # Redis away: say so, and let the client reconnect
        with contextlib.suppress(Exception):
            await ws.send_text(json.dumps(error_message(exc.messages[0])))
            await ws.close(CLOSE_DROPPED, "store unavailable")
