"""The journal in Redis: one list every process appends to, so any process's admin API
shows the requests all of them served, under ids that count from the start.

Entries are pushed with plain RPUSH, fire-and-forget (no script, no wait on the hot path);
an entry's id is its position since the start: `trimmed` (entries cut from the head) +
index + 1, which the trim and read scripts keep consistent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from mockserver.control.journal import callback_entry, request_entry, select
from mockserver.store.redis.batcher import Batcher
from mockserver.store.redis.scripts import Keys


class RedisJournal:
    """The journal as a Redis list of `"{id} {json}"` lines, trimmed to `size`."""

    def __init__(self, batch: Batcher, keys: Keys, size: int) -> None:
        self.batch = batch
        self.keys = keys
        self.size = size
        self.enabled = size > 0
        self.listener: Callable[[], None] | None = None
        self._pushing: set[asyncio.Future[Any]] = set()

    async def request(
        self, method: str, path: str, query: bytes, headers: dict[str, str], body: Any,
        model: str | None, status: int, started: float, fault: str | None = None,
        result: bool = True, warnings: list[dict[str, str]] | None = None,
    ) -> None:  # fmt: skip
        if self.enabled:  # stored as its raw pieces, made a dict when read (like `Journal`)
            raw = [started, time.time(), method, path, query.decode("latin-1"), headers, body,
                   model, status, fault, result, warnings]  # fmt: skip
            self._add(json.dumps(raw, separators=(",", ":"), default=str))

    async def callback(
        self, task_id: str, url: str, attempt: int, status: int | None, error: str | None
    ) -> None:
        if self.enabled:
            entry = callback_entry(0, task_id, url, attempt, status, error)
            del entry["id"]
            self._add(json.dumps(entry, separators=(",", ":")))

    def _add(self, data: str) -> None:
        """Queue the entry for the next pipeline without waiting for Redis: it goes out in
        the same loop turn the response does, and nobody is kept waiting for a log line."""
        pushed = self.batch.call("RPUSH", self.keys.journal, data)
        self._pushing.add(pushed)
        pushed.add_done_callback(self._pushed)
        if self.listener is not None:
            self.listener()

    async def trim(self) -> None:
        """Keep the newest `size` entries (between trims the list may briefly hold more)."""
        if self.enabled:
            await self.batch.script("journal_trim", self._keys(), [self.size])

    def _keys(self) -> list[str]:
        return [self.keys.journal, self.keys.journal_trimmed]

    def _pushed(self, future: asyncio.Future[Any]) -> None:
        self._pushing.discard(future)
        _consume(future)

    async def _written(self) -> None:
        """Until this process's entries in flight are in Redis: batches go out on several
        connections, so a read sent after a push could otherwise overtake it (a client that
        asks for the journal right after its request would not find that request)."""
        if self._pushing:
            await asyncio.wait(set(self._pushing))

    async def _entries(self, first: int = 0) -> list[dict[str, Any]]:
        await self._written()
        trimmed, start, lines = await self.batch.script("journal_read", self._keys(), [first])
        out = []
        for index, line in enumerate(lines, start=int(trimmed) + int(start) + 1):
            item = json.loads(line)
            if isinstance(item, list):
                started, ended, method, path, query, *rest = item
                raw = (index, started, ended, method, path, query.encode("latin-1"), *rest)
                out.append(request_entry(raw))
            else:
                out.append({"id": index, **item})
        return out[-self.size :] if self.size else out

    async def query(self, **filters: Any) -> list[dict[str, Any]]:
        return select(await self._entries(), **filters)

    async def since(self, entry_id: int, limit: int) -> list[dict[str, Any]]:
        return [e for e in await self._entries(-limit) if e["id"] > entry_id]

    async def last_id(self) -> int:
        await self._written()
        trimmed, start, lines = await self.batch.script("journal_read", self._keys(), [-1])
        return int(trimmed) + int(start) + len(lines)

    async def clear(self) -> None:
        await self._written()
        await self.batch.script("journal_clear", self._keys(), [])

    async def count(self) -> int:
        await self._written()
        return min(self.size, int(await self.batch.call("LLEN", self.keys.journal)))


def _consume(future: asyncio.Future[Any]) -> None:
    """Retrieve a fire-and-forget command's outcome (a failure was already logged)."""
    if not future.cancelled():
        future.exception()
