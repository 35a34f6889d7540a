"""Redis commands, batched: everything issued during one event-loop turn goes as one
pipeline, and a Redis that cannot be reached is a `StoreUnavailableError`.

Kept apart from the store because it knows nothing of tasks: it moves commands and replies,
and each store part (tasks, journal, files) shares one instance.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import time
from typing import Any

import hiredis
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from mockserver.errors import StoreUnavailableError

log = logging.getLogger("mockserver.redis")
#: Seconds one pipeline may take before Redis counts as unavailable.
BATCH_TIMEOUT = 2.0
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class Batcher:
    """Sends every command issued during one event-loop turn as one pipeline.

    Many requests in flight at once then cost one round trip to Redis, not one each (what
    auto-pipelining clients do). Scripts go by SHA, re-sent in full when Redis restarted
    and forgot them. Connection failures become `StoreUnavailableError`.
    """

    def __init__(self, client: aioredis.Redis, scripts: dict[str, str]) -> None:
        self.client = client
        self.scripts = scripts
        self.shas = {name: _sha1(body) for name, body in scripts.items()}
        self._queue: list[tuple[tuple[Any, ...], asyncio.Future[Any]]] = []
        self._reads: dict[tuple[Any, ...], asyncio.Future[Any]] = {}
        self._jobs: set[asyncio.Task[None]] = set()
        self._idle: list[Any] = []  # connections between batches

    def call(self, *args: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._queue:
            loop.call_soon(self._flush)
        self._queue.append((args, future))
        return future

    def read(self, *args: Any) -> asyncio.Future[Any]:
        """A read-only command; identical reads queued in the same turn are sent once (they
        are not sent yet, so sharing the answer cannot hide a write that came before)."""
        future = self._reads.get(args)
        if future is None:
            future = self._reads[args] = self.call(*args)
        return asyncio.shield(future)  # one reader cancelled must not cancel the others

    async def script(self, name: str, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self.call("EVALSHA", self.shas[name], len(keys), *keys, *args)
        except NoScriptError:
            return await self.call("EVAL", self.scripts[name], len(keys), *keys, *args)

    async def keys(self, pattern: str) -> list[bytes]:
        """Every key matching `pattern` (SCAN: Redis is not blocked however many there are)."""
        found: list[bytes] = []
        cursor = 0
        while True:
            cursor_raw, batch = await self.call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
            found += batch
            cursor = int(cursor_raw)
            if cursor == 0:
                return found

    def _flush(self) -> None:
        if not self._queue:  # `aclose` sent it already
            return
        batch, self._queue = self._queue, []
        self._reads = {}
        job = asyncio.get_running_loop().create_task(self._send(batch))
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)

    async def _send(self, batch: list[tuple[tuple[Any, ...], asyncio.Future[Any]]]) -> None:
        try:
            results = await self._execute([args for args, _ in batch])
        except BaseException as exc:  # no caller may wait forever, whatever went wrong
            for _, future in batch:
                if future.done():
                    continue
                if isinstance(exc, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(exc)
            raise
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, ResponseError) and "NOSCRIPT" in str(result):
                future.set_exception(NoScriptError(str(result)))
            elif isinstance(result, UNAVAILABLE):
                future.set_exception(_unavailable(result))
            elif isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _execute(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Write the commands in one go and read the replies in order, on a connection of
        our own (redis-py's `Connection`; its `Pipeline` and pool bookkeeping cost more than
        the commands). Sent again once when the connection turned out dead: connections to
        a Redis that restarted fail once each, having sent nothing."""
        packed = b"".join([hiredis.pack_command(c) for c in commands])
        for attempt in range(2):
            connection = self._idle.pop() if self._idle else self._connect()
            try:
                async with asyncio.timeout(BATCH_TIMEOUT):  # one deadline, not one per reply
                    await connection.send_packed_command(packed, check_health=False)
                    results = [await _reply(connection) for _ in commands]
            except UNAVAILABLE as exc:
                await connection.disconnect()
                if attempt:
                    return [exc] * len(commands)
                continue
            except RedisError as exc:  # a protocol error: the connection is not reusable
                await connection.disconnect()
                return [exc] * len(commands)
            self._idle.append(connection)
            return results
        raise AssertionError("unreachable")  # pragma: no cover

    def _connect(self) -> Any:
        """A new connection with the client's settings (it connects on first use)."""
        return self.client.connection_pool.make_connection()  # type: ignore[no-untyped-call]

    async def aclose(self) -> None:
        """Send what is queued, wait for the batches in flight (each bounded by
        `BATCH_TIMEOUT`), then close the connections: a command issued without waiting
        for its answer (a journal entry) just before shutdown still reaches Redis."""
        self._flush()
        if self._jobs:
            await asyncio.gather(*self._jobs, return_exceptions=True)
        while self._idle:
            with contextlib.suppress(Exception):
                await self._idle.pop().disconnect()


async def _reply(connection: Any) -> Any:
    """One reply; an error reply (NOSCRIPT, a wrong type) is returned, not raised."""
    try:
        return await connection.read_response(timeout=math.inf)  # the batch has the deadline
    except ResponseError as exc:
        return exc


_last_warning = [0.0]


def _unavailable(exc: BaseException) -> StoreUnavailableError:
    if time.monotonic() - _last_warning[0] > 5:  # one line per outage, not one per request
        _last_warning[0] = time.monotonic()
        log.warning("wiro-mock: Redis unavailable: %s", exc)
    error = StoreUnavailableError()
    error.__cause__ = exc
    return error


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
