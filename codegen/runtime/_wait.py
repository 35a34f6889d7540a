"""Task lifecycle rules shared by the sync and async task handles.

Status classification, the outcome of a finished task, the poll schedule, the
deadline, socket message parsing and the event stream handed to ``on_event``
all live here as plain functions/classes with no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pydantic

from ._errors import (
    APIConnectionError,
    APIError,
    NotFoundError,
    RateLimitError,
    TaskCancelled,
    TaskFailed,
    ValidationError,
    WaitTimeout,
)
from ._log import logger
from ._retry import RETRY_STATUSES
from ._types import SocketEvent, TaskDetail

__all__ = [
    "Deadline",
    "EventTracker",
    "finish",
    "first_task",
    "is_terminal",
    "parse_socket_message",
    "poll_delays",
    "subscribe_message",
    "task_ref",
    "transient_pause",
]

SUCCESS = "task_postprocess_end"
CANCEL = "task_cancel"
ERROR = "task_error"
#: Statuses after which Task/Detail will not change any more.
TERMINAL = frozenset({SUCCESS, CANCEL, ERROR})
#: Socket events that end the stream (``task_error`` there is just a stderr line).
SOCKET_TERMINAL = frozenset({SUCCESS, CANCEL})
#: Socket event types that are not task statuses.
NON_STATUS_EVENTS = frozenset({"task_error", "task_error_full"})

EventCallback = Callable[[SocketEvent], object]


def is_terminal(status: str | None) -> bool:
    """True for the statuses after which polling stops (unknown statuses are not)."""
    return status in TERMINAL


def finish(detail: TaskDetail) -> TaskDetail:
    """Return a successful terminal detail; raise ``TaskCancelled`` or ``TaskFailed``."""
    if detail.status == CANCEL:
        raise TaskCancelled(f"task {detail.id} was cancelled", task=detail)
    if detail.status == ERROR or detail.pexit not in (None, 0):
        reason = (detail.debug_error or "").strip() or f"pexit {detail.pexit}"
        raise TaskFailed(f"task {detail.id} failed: {reason}", task=detail)
    return detail


def task_ref(taskid: str | None, token: str | None) -> dict[str, str]:
    """Body identifying a task: ``taskid`` when known, else ``tasktoken``."""
    if taskid:
        return {"taskid": taskid}
    if token:
        return {"tasktoken": token}
    raise ValidationError("a task needs a taskid or a tasktoken")


def first_task(data: dict[str, Any]) -> TaskDetail:
    """The first ``tasklist`` entry of a Task/* answer."""
    tasks = data.get("tasklist")
    if not isinstance(tasks, list) or not tasks:
        raise NotFoundError("There is no task yet.", body=data)
    return TaskDetail.model_validate(tasks[0])


def poll_delays(
    interval: float | None = None, *, first: float = 0.5, cap: float = 5.0
) -> Iterator[float]:
    """Seconds between polls: ``interval`` forever if given, else 0.5 growing x1.5 to 5."""
    delay = first
    while True:
        yield interval if interval is not None else delay
        delay = min(cap, delay * 1.5)


class Deadline:
    """An absolute deadline on an injectable monotonic clock."""

    def __init__(self, clock: Callable[[], float], timeout: float) -> None:
        self._clock = clock
        self.end = clock() + timeout

    def remaining(self) -> float:
        return self.end - self._clock()

    def expired_error(self, detail: TaskDetail | None, taskid: str | None) -> WaitTimeout:
        status = (detail.raw_status or None) if detail is not None else None
        return WaitTimeout(
            f"task {taskid} still {status or 'unknown'} at the deadline", task=detail, status=status
        )


def subscribe_message(token: str) -> str:
    """The first (and only) message a client sends on the socket."""
    return json.dumps({"type": "task_info", "tasktoken": token})


def parse_socket_message(raw: str | bytes) -> SocketEvent | None:
    """A socket message as an event; ``None`` for anything that is not a JSON event."""
    try:
        data = json.loads(raw)
        return SocketEvent.model_validate(data) if isinstance(data, dict) else None
    except (ValueError, pydantic.ValidationError):
        return None


class EventTracker:
    """Feeds ``on_event`` from socket events or successive Task/Detail snapshots.

    Polling synthesises one event per status change (``message`` None) and one
    ``task_output`` event per new chunk of ``debugoutput``. Status changes already
    reported by the socket are not repeated after a fallback to polling.
    """

    def __init__(self, on_event: EventCallback | None, *, logs_from_detail: bool = True) -> None:
        self._on_event = on_event
        self._logs_from_detail = logs_from_detail
        self.status: str | None = None
        self._log_len = 0

    def _emit(self, event: SocketEvent) -> None:
        if self._on_event is not None:
            self._on_event(event)

    def socket_event(self, event: SocketEvent) -> None:
        if event.type and event.type not in NON_STATUS_EVENTS and event.type != self.status:
            self.status = event.type
            logger.info("task %s: %s", event.id or event.tasktoken, event.type)
        self._emit(event)

    def detail(self, detail: TaskDetail) -> None:
        ref = {"id": detail.id, "tasktoken": detail.socket_access_token, "result": True}
        log = detail.debug_output or ""
        if self._logs_from_detail and len(log) > self._log_len:
            chunk = log[self._log_len :]
            self._emit(SocketEvent.model_validate({**ref, "type": "task_output", "message": chunk}))
        self._log_len = max(self._log_len, len(log))
        status = detail.raw_status
        if status and status != self.status:
            self.status = status
            logger.info("task %s: %s", detail.id, status)
            self._emit(SocketEvent.model_validate({**ref, "type": status}))


def transient_pause(failure: Exception, delay: float) -> float | None:
    """How long a wait should pause after a failed poll, or None if it must give up.

    The request layer has already retried; a wait keeps polling through a longer
    outage (5xx, 429, connection loss) until its deadline, honouring Retry-After.
    """
    if isinstance(failure, APIConnectionError):
        return delay
    if isinstance(failure, APIError) and failure.status_code in RETRY_STATUSES:
        retry_after = failure.retry_after if isinstance(failure, RateLimitError) else None
        return max(delay, retry_after or 0.0)
    return None
