"""The request journal: what the mock received and answered, for "was X called?" assertions.

A bounded ring (oldest entries dropped): requests (method, path, headers, parsed body, matched
model, response status, duration) and webhook deliveries. Entries get increasing ids so a test
can ask for "everything since id N". A request entry is recorded on every API call, so it is
stored as a tuple of the raw pieces and turned into its dict only when someone reads the
journal (`query`).
"""

from __future__ import annotations

import fnmatch
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Protocol

#: A request entry as recorded: (id, started, ended, method, path, query, headers, body,
#: model, status, fault, result, warnings); `request_entry` makes the dict the admin API
#: shows. `result` is the envelope's: Wiro answers most errors with HTTP 200 and
#: `result: false`, so the status alone does not tell a failure.
RawRequest = tuple[
    int, float, float, str, str, bytes, dict[str, str], Any, str | None, int, str | None,
    bool, list[dict[str, str]] | None,
]  # fmt: skip


def request_entry(raw: RawRequest) -> dict[str, Any]:
    (entry_id, started, ended, method, path, query, headers, body, model, status, fault,
     result, warnings) = raw  # fmt: skip
    return {
        "id": entry_id,
        "kind": "request",
        "time": started,
        "method": method,
        "path": path,
        "query": query.decode("latin-1"),
        "headers": headers,
        "body": body,
        "model": model,
        "status": status,
        "duration_ms": round((ended - started) * 1000, 3),
        "fault": fault,
        "result": result,
        "warnings": warnings or [],
    }


class JournalStore(Protocol):
    """Where entries go: this process's ring (`Journal`) or a shared one (Redis)."""

    enabled: bool
    listener: Callable[[], None] | None

    async def request(
        self, method: str, path: str, query: bytes, headers: dict[str, str], body: Any,
        model: str | None, status: int, started: float, fault: str | None = None,
        result: bool = True, warnings: list[dict[str, str]] | None = None,
    ) -> None: ...  # fmt: skip
    async def callback(
        self, task_id: str, url: str, attempt: int, status: int | None, error: str | None
    ) -> None: ...
    async def query(self, **filters: Any) -> list[dict[str, Any]]: ...
    async def since(self, entry_id: int, limit: int) -> list[dict[str, Any]]: ...
    async def last_id(self) -> int: ...
    async def clear(self) -> None: ...
    async def count(self) -> int: ...


def callback_entry(
    entry_id: int, task_id: str, url: str, attempt: int, status: int | None, error: str | None
) -> dict[str, Any]:
    return {
        "id": entry_id,
        "kind": "callback",
        "time": time.time(),
        "method": "POST",
        "path": url,
        "task_id": task_id,
        "attempt": attempt,
        "status": status,
        "error": error,
    }


class Journal:
    """The journal of one process: a bounded ring of entries."""

    def __init__(self, size: int) -> None:
        self._entries: deque[dict[str, Any] | RawRequest] = deque(maxlen=size or None)
        self._last = 0  # the newest id given (ids go on counting when the ring is emptied)
        self.enabled = size > 0
        #: Called after each new entry while a dashboard page is connected (else None).
        self.listener: Callable[[], None] | None = None

    async def request(
        self,
        method: str,
        path: str,
        query: bytes,
        headers: dict[str, str],
        body: Any,
        model: str | None,
        status: int,
        started: float,
        fault: str | None = None,
        result: bool = True,
        warnings: list[dict[str, str]] | None = None,
    ) -> None:
        if not self.enabled:
            return
        self._last += 1
        self._entries.append(
            (self._last, started, time.time(), method, path, query, headers, body, model,
             status, fault, result, warnings)
        )  # fmt: skip
        if self.listener is not None:
            self.listener()

    async def callback(
        self, task_id: str, url: str, attempt: int, status: int | None, error: str | None
    ) -> None:
        if not self.enabled:
            return
        self._last += 1
        self._entries.append(callback_entry(self._last, task_id, url, attempt, status, error))
        if self.listener is not None:
            self.listener()

    async def query(self, **filters: Any) -> list[dict[str, Any]]:
        return select((_entry(raw) for raw in self._entries), **filters)

    async def since(self, entry_id: int, limit: int) -> list[dict[str, Any]]:
        """The newest entries with an id above `entry_id` (at most `limit`), oldest first;
        reads from the end, so it costs what it returns, not the journal's length."""
        out: list[dict[str, Any]] = []
        for raw in reversed(self._entries):
            entry = _entry(raw)
            if entry["id"] <= entry_id or len(out) >= limit:
                break
            out.append(entry)
        out.reverse()
        return out

    async def last_id(self) -> int:
        """The id of the newest entry recorded (0 before the first; `clear` keeps it)."""
        return self._last

    async def clear(self) -> None:
        self._entries.clear()

    def restart(self) -> None:
        """Empty the journal and count ids from 1 again: a reset of the whole mock, as a
        shared journal's ids go back only then."""
        self._entries.clear()
        self._last = 0

    async def count(self) -> int:
        return len(self._entries)


def _entry(raw: dict[str, Any] | RawRequest) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else request_entry(raw)


def select(
    entries: Iterable[dict[str, Any]],
    *,
    kind: str | None = None,
    method: str | None = None,
    path: str | None = None,
    model: str | None = None,
    status: int | str | None = None,
    result: bool | None = None,
    since: int | None = None,
    task_id: str | None = None,
    header: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Entries matching every given filter; `path` is a glob (`*/Run/*`) or a substring;
    `status` a code (`404`) or a class (`4xx`, as `status_class` and the dashboard count
    it); `result` the envelope's (False: every refused request, whatever its HTTP status)."""
    out = []
    for entry in entries:
        if since is not None and entry["id"] <= since:
            continue
        if kind is not None and entry["kind"] != kind:
            continue
        if method is not None and entry["method"].upper() != method.upper():
            continue
        if path is not None and not _path_matches(entry["path"], path):
            continue
        if model is not None and (entry.get("model") or "").lower() != model.lower():
            continue
        if status is not None and not _status_matches(entry, status):
            continue
        if result is not None and entry.get("result", True) != result:
            continue
        if task_id is not None and entry.get("task_id") != task_id:
            continue
        if header is not None and not _has_header(entry, header):
            continue
        out.append(entry)
    return out[-limit:] if limit else out


def status_class(status: Any, result: bool = True) -> str:
    """`s2xx`..`s5xx`; a refusal Wiro sends as HTTP 200 (`result: false`) counts as `s4xx`,
    like the same error under `--http-errors`; `none` before an answer was sent."""
    if not isinstance(status, int) or status == 0:
        return "none"
    if status < 300 and not result:
        return "s4xx"
    return f"s{status // 100}xx"


def _status_matches(entry: dict[str, Any], status: int | str) -> bool:
    if isinstance(status, str):  # a class: "4xx"
        return status_class(entry.get("status"), entry.get("result", True)) == f"s{status}"
    return bool(entry.get("status") == status)


def _path_matches(value: str, pattern: str) -> bool:
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(value.lower(), pattern.lower())
    return pattern.lower() in value.lower()


def _has_header(entry: dict[str, Any], spec: str) -> bool:
    """`name` (present) or `name:value` (equal, case-insensitive)."""
    name, _, value = spec.partition(":")
    headers = entry.get("headers") or {}
    got = headers.get(name.strip().lower())
    if got is None:
        return False
    return not value or got.lower() == value.strip().lower()
