"""Handles on a running task: refresh, wait (poll or socket), cancel, kill, download.

``Task`` (sync) and ``AsyncTask`` share every rule through ``_wait``; they only
differ in how they sleep, call the API and read the socket. ``wait`` always
has a deadline, always ends with a Task/Detail read (the socket never carries
``pexit``), and falls back to polling whenever the socket fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ._download import AtomicWriter, inline_content, plan_downloads
from ._errors import APIConnectionError, APIError
from ._types import OutputFile, TaskDetail, TaskStatus, to_status
from ._wait import (
    SOCKET_TERMINAL,
    Deadline,
    EventCallback,
    EventTracker,
    finish,
    first_task,
    is_terminal,
    parse_socket_message,
    poll_delays,
    subscribe_message,
    task_ref,
    transient_pause,
)

if TYPE_CHECKING:
    from ._client import BaseAsyncWiro, BaseWiro

__all__ = ["AsyncTask", "Task", "WaitVia"]

WaitVia = Literal["poll", "socket"]
DEFAULT_WAIT_TIMEOUT = 600.0
SOCKET_OPEN_TIMEOUT = 10.0


def socket_errors() -> tuple[type[BaseException], ...]:
    """Everything that makes the socket unusable; the wait then falls back to polling.

    websockets (and asyncio) load on the first socket wait, not on ``import``: most
    programs poll, and import time matters at catalogue scale.
    """
    from websockets.exceptions import WebSocketException

    return (OSError, TimeoutError, WebSocketException)


class _TaskState:
    """Identity and last known state of a task (shared by both handles)."""

    def __init__(self, *, taskid: str | None, token: str | None) -> None:
        if not taskid and not token:
            raise ValueError("a task needs a taskid or a tasktoken")
        self._id = taskid or None
        self._token = token or None
        self._detail: TaskDetail | None = None
        self._status: TaskStatus | None = None

    @property
    def id(self) -> str | None:
        """The task id (known after Run or the first refresh)."""
        return self._id

    @property
    def token(self) -> str | None:
        """The socket access token (``socketaccesstoken``)."""
        return self._token

    @property
    def status(self) -> TaskStatus | None:
        """Last status seen (from Task/Detail or the socket); ``"unknown"`` for an
        undocumented one (``detail.raw_status`` has its text)."""
        return self._status

    @property
    def detail(self) -> TaskDetail | None:
        """The last Task/Detail answer."""
        return self._detail

    @property
    def outputs(self) -> list[OutputFile]:
        """Outputs of the last detail (empty until the task succeeded)."""
        return list(self._detail.outputs) if self._detail else []

    def _absorb(self, detail: TaskDetail) -> TaskDetail:
        self._detail = detail
        self._status = detail.status if detail.raw_status else self._status
        self._id = self._id or detail.id or None
        self._token = self._token or detail.socket_access_token
        return detail

    def _ref(self) -> dict[str, str]:
        return task_ref(self._id, self._token)

    def _expired(self, deadline: Deadline) -> Exception:
        return deadline.expired_error(self._detail, self._id)

    def _plan(self, directory: str | Path) -> list[tuple[OutputFile, Path]]:
        return plan_downloads(self.outputs, Path(directory))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self._id!r}, status={self._status!r})"


def _save_inline(output: OutputFile, target: Path) -> Path:
    with AtomicWriter(target) as handle:
        handle.write(inline_content(output))
    return target


class Task(_TaskState):
    """A task started by the synchronous client."""

    def __init__(self, client: BaseWiro, *, taskid: str | None, token: str | None) -> None:
        super().__init__(taskid=taskid, token=token)
        self._client = client

    def refresh(self) -> TaskDetail:
        """Read Task/Detail and update ``status``/``detail``."""
        return self._absorb(first_task(self._client._post("/Task/Detail", self._ref())))

    def cancel(self) -> TaskDetail:
        """Task/Cancel (queued tasks)."""
        return self._absorb(first_task(self._client._post("/Task/Cancel", self._ref())))

    def kill(self) -> TaskDetail:
        """Task/Kill (running tasks)."""
        return self._absorb(first_task(self._client._post("/Task/Kill", self._ref())))

    def wait(
        self,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        *,
        via: WaitVia = "poll",
        poll_interval: float | None = None,
        on_event: EventCallback | None = None,
    ) -> TaskDetail:
        """Block until the task ends; return the detail or raise TaskFailed/TaskCancelled.

        Raises ``WaitTimeout`` if it is not terminal within ``timeout`` seconds.
        """
        deadline = Deadline(self._client._clock, timeout)
        tracker = EventTracker(on_event, logs_from_detail=via == "poll")
        if via == "socket":
            self._stream(deadline, tracker)
        return finish(self._poll(deadline, poll_interval, tracker))

    def _poll(
        self, deadline: Deadline, interval: float | None, tracker: EventTracker
    ) -> TaskDetail:
        for delay in poll_delays(interval):
            try:
                detail = self.refresh()
            except (APIError, APIConnectionError) as exc:
                pause = transient_pause(exc, delay)
                if pause is None:
                    raise
            else:
                tracker.detail(detail)
                if is_terminal(detail.status):
                    return detail
                pause = delay
            remaining = deadline.remaining()
            if remaining <= 0:
                break
            self._client._sleep(min(pause, remaining))
        raise self._expired(deadline)

    def _stream(self, deadline: Deadline, tracker: EventTracker) -> None:
        """Follow socket events until a terminal one, the deadline, or a failure."""
        from websockets.sync.client import connect

        try:
            token = self._token or self.refresh().socket_access_token
            if not token:
                return
            open_timeout = max(0.01, min(SOCKET_OPEN_TIMEOUT, deadline.remaining()))
            with connect(self._client.socket_url, open_timeout=open_timeout) as ws:
                ws.send(subscribe_message(token))
                while (remaining := deadline.remaining()) > 0:
                    event = parse_socket_message(ws.recv(timeout=remaining))
                    if event is not None:
                        tracker.socket_event(event)
                        self._status = to_status(tracker.status)
                        if event.type in SOCKET_TERMINAL:
                            return
        except socket_errors():
            return

    def download(self, directory: str | Path) -> list[Path]:
        """Save every output into ``directory``; returns the written paths."""
        saved: list[Path] = []
        for output, target in self._plan(directory):
            if output.url:
                saved.append(self._client._download(output.url, target))
            else:
                saved.append(_save_inline(output, target))
        return saved


class AsyncTask(_TaskState):
    """A task started by the asynchronous client."""

    def __init__(self, client: BaseAsyncWiro, *, taskid: str | None, token: str | None) -> None:
        super().__init__(taskid=taskid, token=token)
        self._client = client

    async def refresh(self) -> TaskDetail:
        """Read Task/Detail and update ``status``/``detail``."""
        return self._absorb(first_task(await self._client._post("/Task/Detail", self._ref())))

    async def cancel(self) -> TaskDetail:
        """Task/Cancel (queued tasks)."""
        return self._absorb(first_task(await self._client._post("/Task/Cancel", self._ref())))

    async def kill(self) -> TaskDetail:
        """Task/Kill (running tasks)."""
        return self._absorb(first_task(await self._client._post("/Task/Kill", self._ref())))

    async def wait(
        self,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        *,
        via: WaitVia = "poll",
        poll_interval: float | None = None,
        on_event: EventCallback | None = None,
    ) -> TaskDetail:
        """Wait until the task ends; return the detail or raise TaskFailed/TaskCancelled.

        Raises ``WaitTimeout`` if it is not terminal within ``timeout`` seconds.
        """
        deadline = Deadline(self._client._clock, timeout)
        tracker = EventTracker(on_event, logs_from_detail=via == "poll")
        if via == "socket":
            await self._stream(deadline, tracker)
        return finish(await self._poll(deadline, poll_interval, tracker))

    async def _poll(
        self, deadline: Deadline, interval: float | None, tracker: EventTracker
    ) -> TaskDetail:
        for delay in poll_delays(interval):
            try:
                detail = await self.refresh()
            except (APIError, APIConnectionError) as exc:
                pause = transient_pause(exc, delay)
                if pause is None:
                    raise
            else:
                tracker.detail(detail)
                if is_terminal(detail.status):
                    return detail
                pause = delay
            remaining = deadline.remaining()
            if remaining <= 0:
                break
            await self._client._sleep(min(pause, remaining))
        raise self._expired(deadline)

    async def _stream(self, deadline: Deadline, tracker: EventTracker) -> None:
        """Follow socket events until a terminal one, the deadline, or a failure."""
        import asyncio

        from websockets.asyncio.client import connect

        try:
            token = self._token or (await self.refresh()).socket_access_token
            if not token:
                return
            open_timeout = max(0.01, min(SOCKET_OPEN_TIMEOUT, deadline.remaining()))
            async with connect(self._client.socket_url, open_timeout=open_timeout) as ws:
                await ws.send(subscribe_message(token))
                while (remaining := deadline.remaining()) > 0:
                    raw = await asyncio.wait_for(ws.recv(), timeout=remaining)
                    event = parse_socket_message(raw)
                    if event is not None:
                        tracker.socket_event(event)
                        self._status = to_status(tracker.status)
                        if event.type in SOCKET_TERMINAL:
                            return
        except socket_errors():
            return

    async def download(self, directory: str | Path) -> list[Path]:
        """Save every output into ``directory``; returns the written paths."""
        saved: list[Path] = []
        for output, target in self._plan(directory):
            if output.url:
                saved.append(await self._client._download(output.url, target))
            else:
                saved.append(_save_inline(output, target))
        return saved
