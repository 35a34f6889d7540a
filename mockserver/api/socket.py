"""The task WebSocket (`/v1` and `/`): subscribe with `task_info`, receive every event once.

Events are read from the same task state Task/Detail renders, so the two never disagree. A
connection keeps a cursor per subscribed task: joining late replays the missed events first,
then new ones follow in order as the task advances (woken by the task, or by the clock's next
due time). The server closes after the terminal event of every subscribed task (1000).

Every frame the mock cannot act on is answered with Wiro's error frame (`type: "error"`,
`result: false`, `errors: [{code, message}]`) and a defined close: 1008 for bad input (not
UTF-8 or JSON, nested too deeply, a number too long to read, not an object, a field of the
wrong type, an unknown task), 1011 for a store outage or a bug in the mock. Two refusals keep
the socket open, since only that one frame was wrong: an unknown message `type`, and a
subscription past `MAX_SUBSCRIPTIONS`. The reader never ends without telling the sender why,
so a connection always finishes and releases what it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from mockserver.errors import CODE_NOT_FOUND, SocketFrameError, StoreUnavailableError
from mockserver.state import MockState
from mockserver.tasks.task import Task

log = logging.getLogger("mockserver")

CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008
CLOSE_DROPPED = 1011
#: Tasks one socket may follow; a `task_info` past it is refused with `MSG_TOO_MANY`.
MAX_SUBSCRIPTIONS = 100
#: Longer tokens name no task (Wiro's are 30 characters): not looked up, not echoed.
MAX_TOKEN = 256

MSG_NOT_UTF8 = "Socket message is not UTF-8 text."
MSG_NOT_JSON = "Socket message is not valid JSON."
MSG_TOO_DEEP = "Socket message is nested too deeply."
MSG_NUMBER = "Socket message has a number too long to read."
MSG_NOT_OBJECT = "Socket message must be a JSON object."
MSG_TYPE = 'Socket message needs a string type ("task_info").'
MSG_TOKEN_REQUIRED = "tasktoken is required"
MSG_TOKEN_TYPE = "tasktoken must be a string"
MSG_NO_TASK = "There is no task yet."
MSG_TOO_MANY = f"Too many subscriptions on one socket (at most {MAX_SUBSCRIPTIONS}); open another."
MSG_INTERNAL = "Internal error while handling the socket message."


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
    """A followed task: its latest reading, the events sent, and whether its one socket
    drop was settled (claimed by this connection or by another)."""

    task: Task
    sent: int = 0
    drop_settled: bool = False


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
        """Read frames until the client leaves or a frame ends the socket.

        Whatever happens, the pump learns why the reader stopped (`gone` or `close_code`):
        a reader that died quietly once left its pump waiting forever, holding the
        connection. A bug in handling a frame is logged and closes with 1011."""
        try:
            await self._read_frames()
        except Exception:
            log.exception("wiro-mock: the task socket's reader failed")
            self._fail(MSG_INTERNAL, CLOSE_DROPPED)
        finally:
            self.wake.set()

    async def _read_frames(self) -> None:
        while self.close_code is None:
            try:
                message = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                message = {"type": "websocket.disconnect"}
            if message["type"] == "websocket.disconnect":
                self.gone = True
                return
            await self._answer(message)
            self.wake.set()

    async def _answer(self, message: Message) -> None:
        """Act on one frame; a refusal becomes Wiro's error frame (and a close code)."""
        try:
            await self._subscribe(frame_payload(message.get("text"), message.get("bytes")))
        except SocketFrameError as exc:
            self.outbox.append(error_message(exc.messages[0], exc.code, exc.token))
            if exc.close is not None:
                self.close_code = exc.close
        except StoreUnavailableError as exc:
            self._fail(exc.messages[0], CLOSE_DROPPED)

    async def _subscribe(self, payload: dict[str, Any]) -> None:
        kind = payload.get("type")
        if not isinstance(kind, str):
            raise SocketFrameError(MSG_TYPE)
        if kind != "task_info":  # well-formed, only not ours: refuse the frame, keep the socket
            raise SocketFrameError(f"Unknown socket message type {kind[:64]!r}.", close=None)
        token = frame_token(payload)
        if token in self.subs:
            return  # already followed: its events are sent once
        if len(self.subs) >= MAX_SUBSCRIPTIONS:
            raise SocketFrameError(MSG_TOO_MANY, close=None, token=token)
        await self.state.store.refresh()
        task = await self.state.find_task(None, token)
        if task is None:
            raise SocketFrameError(MSG_NO_TASK, code=CODE_NOT_FOUND, token=token)
        self.subs[token] = Subscription(task)
        self.state.store.watch(task, self.wake)

    def _fail(self, message: str, close: int) -> None:
        self.outbox.append(error_message(message))
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
            if clock.mode == "step" and any(_moves(s.task) for s in subs):
                for sub in list(subs):
                    if _moves(sub.task) and sub.sent > sub.task.cursor:
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
            await self._sleep(timeout)
            self.wake.clear()

    async def _sleep(self, timeout: float | None) -> None:
        """Until woken or `timeout` seconds passed: a timer that sets the wake-up, not
        `asyncio.wait_for`, which wraps each wait in a task of its own (a task per socket
        per event, the fan-out's largest cost after the writes)."""
        if timeout is None:
            await self.wake.wait()
            return
        timer = asyncio.get_running_loop().call_later(timeout, self.wake.set)
        try:
            await self.wake.wait()
        finally:
            timer.cancel()

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
                if _drops_now(sub):
                    sub.drop_settled = True  # once per task: a reconnect gets the rest
                    if await state.store.update(task, _claim_drop):
                        await self._close(CLOSE_DROPPED, "mock fault: socket dropped")
                        return True
                    continue  # another connection took this task's drop
                await self.ws.send_text(state.frames.frame(task, sub.sent, epoch))
                sub.sent += 1
        return False

    async def _close(self, code: int, reason: str = "") -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason)


def frame_payload(text: str | None, data: bytes | None) -> dict[str, Any]:
    """A frame as the JSON object it must be, else the `SocketFrameError` saying why not.

    `json.loads` fails in three ways, each its own message: not JSON (`JSONDecodeError`),
    nested past the recursion limit (`RecursionError`), and an integer longer than
    `sys.get_int_max_str_digits()` (a plain `ValueError`, which killed the reader once)."""
    if text is None:
        try:
            text = (data or b"").decode("utf-8")
        except UnicodeDecodeError:
            raise SocketFrameError(MSG_NOT_UTF8) from None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError:
        raise SocketFrameError(MSG_NOT_JSON) from None
    except RecursionError:
        raise SocketFrameError(MSG_TOO_DEEP) from None
    except ValueError:
        raise SocketFrameError(MSG_NUMBER) from None
    if not isinstance(payload, dict):
        raise SocketFrameError(MSG_NOT_OBJECT)
    return payload


def frame_token(payload: dict[str, Any]) -> str:
    """The task a `task_info` names (`tasktoken`, or `socketaccesstoken` as some clients
    send it). A token too long to be one is refused unseen: never looked up nor echoed."""
    token = payload.get("tasktoken") or payload.get("socketaccesstoken")
    if not token:
        raise SocketFrameError(MSG_TOKEN_REQUIRED)
    if not isinstance(token, str):
        raise SocketFrameError(MSG_TOKEN_TYPE)
    if len(token) > MAX_TOKEN:
        raise SocketFrameError(MSG_NO_TASK, code=CODE_NOT_FOUND)
    return token


def _moves(task: Task) -> bool:
    """Whether a step-mode socket tick can move the task: a stalled one waits for a wake
    (a cancel, say) instead of being polled in a loop that would spin a core."""
    return not task.terminal and not task.stalled


def _drops_now(sub: Subscription) -> bool:
    """Whether the task's socket-drop fault falls before the next event to send."""
    task, sent = sub.task, sub.sent
    drop = task.socket_drop_after
    return (
        drop is not None and not sub.drop_settled and sent >= drop
        and not task.plan[sent].terminal
    )  # fmt: skip


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
    except WebSocketDisconnect:
        return  # the client went away mid-send: nothing to clean beyond run()'s finally
    except StoreUnavailableError as exc:  # Redis away: say so, and let the client reconnect
        await _abort(ws, exc.messages[0], "store unavailable")
    except Exception:
        if _open(ws):  # a bug in the mock: the client still hears of it, and the socket ends
            log.exception("wiro-mock: the task socket failed")
            await _abort(ws, MSG_INTERNAL, "internal error")
        # else a send raced the client's leaving (RuntimeError, OSError): nothing to say


def _open(ws: WebSocket) -> bool:
    """Whether both sides still consider the socket open (Starlette marks a side
    disconnected when the client left or a close was sent)."""
    connected = WebSocketState.CONNECTED
    return ws.client_state == connected and ws.application_state == connected


async def _abort(ws: WebSocket, message: str, reason: str) -> None:
    """Wiro's error frame, then 1011 (the server side failed; the client may retry)."""
    with contextlib.suppress(Exception):
        await ws.send_text(json.dumps(error_message(message)))
        await ws.close(CLOSE_DROPPED, reason)
