"""`RedisStore`: the `Store` interface over Redis (the package docstring says what lives where).

Changing a task is optimistic: read the record, apply the change in Python with the same
`Engine` the memory store uses, and write it back with a compare-and-set script that also
keeps the indexes, its expiry and the event channel in step. When another process changed
the task first, the CAS fails and the change is re-run on the new record, so two processes
advancing one task can neither skip nor repeat a status. Readings are not written back
unless something changed; the record a reading came from is remembered here (`Recent`),
as the first guess of the next CAS on that task, so an update after a read usually costs
one round trip.

The control state is `ControlState`'s blob: this store stores it, counts its versions and
tells the other processes, but never looks inside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from mockserver.config import MockConfig
from mockserver.control.state import ControlState
from mockserver.errors import NotFoundError, StoreUnavailableError
from mockserver.models.registry import Registry
from mockserver.store.base import MSG_GONE, Store
from mockserver.store.redis.batcher import Batcher
from mockserver.store.redis.codec import Codec
from mockserver.store.redis.files import RedisFileStore
from mockserver.store.redis.journal import RedisJournal
from mockserver.store.redis.scripts import SCRIPTS, Keys
from mockserver.tasks.lifecycle import Engine
from mockserver.tasks.task import Task, task_cost, task_identity

log = logging.getLogger("mockserver.redis")
R = TypeVar("R")
#: Attempts at one compare-and-set before giving up (only reached under absurd contention).
CAS_ATTEMPTS = 100
#: Seconds between the background checks for due tasks and expired index entries.
TICK = 0.1
PRUNE_EVERY = 5.0
#: Records remembered as CAS guesses (a few pages of busy tasks; older ones are re-read).
RECENT = 4096


class Recent:
    """The last record this process read or wrote for each of the most recent task ids."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._records: OrderedDict[str, bytes] = OrderedDict()

    def remember(self, task_id: str, record: bytes) -> None:
        self._records[task_id] = record
        self._records.move_to_end(task_id)
        if len(self._records) > self.size:
            self._records.popitem(last=False)

    def get(self, task_id: str) -> bytes | None:
        return self._records.get(task_id)

    def clear(self) -> None:
        self._records.clear()


class RedisStore(Store):
    files: RedisFileStore
    journal: RedisJournal

    #: Wall time: several processes share the clock, and their monotonic clocks have
    #: unrelated origins.
    timer = time.time

    def __init__(
        self, config: MockConfig, engine: Engine, control: ControlState, registry: Registry
    ) -> None:
        super().__init__(config, engine, control, registry)
        assert config.store.url is not None
        self.keys = Keys(config.store.prefix)
        self.ttl_ms = int(config.store.ttl * 1000)
        self.client = aioredis.Redis.from_url(
            config.store.url, socket_timeout=2.0, socket_connect_timeout=1.0,
            max_connections=64, health_check_interval=5,
        )  # fmt: skip
        self.batch = Batcher(self.client, SCRIPTS)
        self.codec = Codec(config, registry, config.effective_projects())
        self.files = RedisFileStore(self.batch, self.keys, self.ttl_ms, config)
        self.journal = RedisJournal(self.batch, self.keys, config.limits.journal_size)
        self._recent = Recent(RECENT)

    # -- control state: the blob, its version, its channel -------------------------------------
    async def refresh(self) -> None:
        """One read per request; the version moved (or is unknown) only after a change."""
        version = await self.batch.read("GET", self.keys.ctl_version)
        if version is None or int(version) != self.control.version:
            async with self.control_lock:
                await self._take_stored_control()

    async def _take_stored_control(self) -> None:
        """Make the stored control state this process's (under `control_lock`). Version and
        blob are read in one command, so the blob is the one that version names."""
        keys = self.keys
        version, blob = await self.batch.call("MGET", keys.ctl_version, keys.ctl)
        if version is None:  # a fresh (or flushed) Redis: this process's state is the start
            if await self.batch.call("SET", keys.ctl, self.control.snapshot(), "NX"):
                await self.batch.call("SET", keys.ctl_version, b"1", "NX")
            version, blob = await self.batch.call("MGET", keys.ctl_version, keys.ctl)
            if version is None:  # another process is claiming it: the next refresh applies it
                self.control.version = None
                return
        if int(version) == self.control.version:
            return
        if blob is None:  # reset since: the resetting process publishes the new state
            self.control.version = int(version)
        else:
            self.control.restore(blob, int(version))
        for hook in self.on_control:
            hook()

    async def publish_control(self) -> None:
        await self._publish("")

    async def _publish(self, expected: str) -> bool:
        """Store this process's control state as the next version (only if the stored one
        is still version `expected`, unless that is ""); False when another came first."""
        keys = self.keys
        version = await self.batch.script(
            "control", [keys.ctl, keys.ctl_version, keys.control],
            [self.control.snapshot(), expected],
        )  # fmt: skip
        if not version:
            return False
        self.control.version = int(version)
        return True

    async def _charge(self, task: Task) -> None:
        """Charge a finished task to its project's balance: a change of the control state
        made on its latest version, retried on the stored one when another process
        published first (the refused charge is undone by taking that one up)."""
        amount = task_cost(task)
        async with self.control_lock:
            for _ in range(CAS_ATTEMPTS):
                await self._take_stored_control()
                version = self.control.version
                if not self.control.charge(task.project.api_key, amount):
                    return
                if await self._publish("" if version is None else str(version)):
                    return
                self.control.version = None  # this process's state holds the refused charge
        raise StoreUnavailableError("The control state is being changed too often; retry.")

    # -- tasks ----------------------------------------------------------------------------
    async def add(self, task: Task) -> Task:
        """One script numbers, names, stores and indexes the task: one round trip per Run."""
        keys = self.keys
        live = self.control.limits.applies(task.project.api_key)
        record = self.codec.encode(task)
        task_id = await self.batch.script(
            "create",
            [keys.seq, keys.order, keys.due, keys.live(task.project.api_key)],
            [keys.p, record, self._ttl(task), _due(task) if task.tracked else "",
             "1" if live else "0", task.mock_seed],
        )  # fmt: skip
        task.id = str(task_id)
        task.token, task.uuid = task_identity(task.mock_seed, task.id)
        self._recent.remember(task.id, record)
        return task  # not kept here: the stored record is the task

    async def _load(self, task_id: str) -> tuple[bytes, Task] | None:
        raw = await self.batch.call("GET", self.keys.task(task_id))
        return None if raw is None else self._decoded(task_id, raw)

    def _decoded(self, task_id: str, raw: bytes) -> tuple[bytes, Task] | None:
        task = self.codec.decode(task_id, raw)
        return None if task is None else (raw, task)

    async def get(self, task_id: str | None = None, token: str | None = None) -> Task | None:
        if not task_id and token:
            found = await self.batch.call("GET", self.keys.token(token))
            task_id = found.decode() if found else None
        loaded = await self._load(task_id) if task_id and task_id.isdigit() else None
        if loaded is None and task_id and token:
            return await self.get(None, token)
        if loaded is None:
            return None
        raw, task = loaded
        self._recent.remember(task.id, raw)
        return self.engine.sync(task)

    async def get_many(self, ids: list[str]) -> list[Task | None]:
        """One MGET for all of them."""
        if not ids:
            return []
        raws = await self.batch.call("MGET", *[self.keys.task(i) for i in ids])
        found = [
            None if raw is None else self.codec.decode(task_id, raw)
            for task_id, raw in zip(ids, raws, strict=True)
        ]
        return [None if task is None else self.engine.sync(task) for task in found]

    async def update(self, task: Task, change: Callable[[Task], R]) -> R:
        guess = self._recent.get(task.id)
        loaded = None if guess is None else self._decoded(task.id, guess)
        for _ in range(CAS_ATTEMPTS):
            loaded = loaded or await self._load(task.id)
            if loaded is None:
                raise NotFoundError(MSG_GONE)
            raw, current = loaded
            was_live = not current.terminal  # if it ends now, this change is what ended it
            result = change(self.engine.sync(current))
            record = self.codec.encode(current)
            if record == raw:
                return result
            if await self._write(raw, record, current):
                self._recent.remember(current.id, record)
                await self._after_write(current, was_live and current.terminal)
                return result
            loaded = None
        raise StoreUnavailableError("Task is being changed too often; retry.")

    async def _write(self, raw: bytes, record: bytes, task: Task) -> bool:
        keys = self.keys
        done = "1" if task.terminal else "0"
        written = await self.batch.script(
            "cas",
            [keys.task(task.id), keys.token(task.token), keys.due,
             keys.live(task.project.api_key), keys.events],
            [raw, record, task.id, self._ttl(task), _due(task) if task.tracked else "", done],
        )  # fmt: skip
        return bool(written)

    async def _after_write(self, task: Task, finished: bool) -> None:
        """Side effects of a committed change (exactly one process commits each change, so
        a finished task is charged and called back once)."""
        self._wake(task.id)
        if finished:
            await self._charge(task)
            for hook in self.on_terminal:
                hook(task)

    def _ttl(self, task: Task) -> int:
        """Milliseconds the record lives: `ttl` after it finished (or is due to, in realtime
        mode); 0 (forever) while its end is not known."""
        if task.terminal:
            return self.ttl_ms
        remaining = self.engine.remaining(task)
        if remaining is None or self.clock.mode != "realtime":
            return 0
        return self.ttl_ms + int(self.clock.real_delay(remaining) * 1000) + 1000

    async def tasks(self) -> list[Task]:
        ids = [i.decode() for i in await self.batch.call("ZRANGE", self.keys.order, 0, -1)]
        return await self._many(ids)

    async def select(self, keep: Callable[[Task], bool]) -> list[str]:
        return [task.id for task in await self.tasks() if keep(task)]

    async def _many(self, ids: list[str]) -> list[Task]:
        """The tasks of these ids that still exist (the others leave the creation index)."""
        found = await self.get_many(ids)
        gone = [task_id for task_id, task in zip(ids, found, strict=True) if task is None]
        if gone:
            await self.batch.call("ZREM", self.keys.order, *gone)
        return [task for task in found if task is not None]

    async def newest(self, after: int, limit: int) -> list[Task]:
        ids = await self.batch.call(
            "ZREVRANGEBYSCORE", self.keys.order, "+inf", f"({after}", "LIMIT", 0, limit
        )
        return await self._many([i.decode() for i in ids])

    async def count(self) -> int:
        return int(await self.batch.call("ZCARD", self.keys.order))

    async def live_count(self, api_key: str) -> int:
        key = self.keys.live(api_key)
        ids = sorted(i.decode() for i in await self.batch.call("SMEMBERS", key))
        live = [t for t in await self._many(ids) if not t.terminal]
        done = set(ids) - {t.id for t in live}
        if done:
            await self.batch.call("SREM", key, *done)
        return len(live)

    async def retime(self, change_clock: Callable[[], None]) -> None:
        live = [t for t in await self.tasks() if not t.terminal]
        for task in live:
            await self.update(task, self.engine.sync)
        async with self.changing_control():
            change_clock()
        for task in live:
            await self.update(task, self.engine.retime)

    async def run_due(self) -> None:
        now = self.clock.now()
        ids = await self.batch.call("ZRANGEBYSCORE", self.keys.due, "-inf", repr(now))
        for raw_id in ids:
            task_id = raw_id.decode()
            task = await self.get(task_id)
            if task is None:
                await self.batch.call("ZREM", self.keys.due, task_id)
                continue
            with contextlib.suppress(NotFoundError):
                await self.update(task, _unchanged)

    async def use_nonce(self, api_key: str, nonce: str) -> bool:
        key = self.keys.nonce(api_key, nonce)
        return bool(await self.batch.call("SET", key, b"1", "NX", "EX", 86400))

    async def clear(self) -> None:
        """Delete every key of this mock (tasks, files, journal, control) in Redis, except the
        control version: it keeps counting up, so every process notices the reset."""
        await self.files.clear()  # first: it also removes the shared folder's copies
        keep = self.keys.ctl_version.encode()
        found = [k for k in await self.batch.keys(f"{self.keys.p}:*") if k != keep]
        if found:
            await self.batch.call("UNLINK", *found)
        self._recent.clear()

    # -- background ---------------------------------------------------------------------------
    async def background(self) -> None:
        """The event listener and the timer. When either finds Redis away, every local
        socket is woken: its next store call fails, so it sends the error and closes with
        1011 even when nothing else would wake it (a manual clock, a stalled task)."""
        await asyncio.gather(
            _forever(self._listen, "event listener", self._wake_all),
            _forever(self._tick, "timer", self._wake_all),
        )

    async def _listen(self) -> None:
        """Wake local sockets when another process changed their task; forget the version
        of the control state held when another process changed the clock, faults or limits."""
        pubsub = self.client.pubsub()
        try:
            await pubsub.subscribe(self.keys.events, self.keys.control)
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                if message["channel"] == self.keys.control.encode():
                    self.control.version = None
                    self._wake_all()  # the clock moved: sockets recompute what is due
                else:
                    self._wake(message["data"].decode())
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _tick(self) -> None:
        pruned = time.monotonic()
        while True:
            await asyncio.sleep(TICK)
            await self.refresh()
            await self.run_due()
            await self.journal.trim()
            if time.monotonic() - pruned > PRUNE_EVERY:
                pruned = time.monotonic()
                await self._prune()

    async def _prune(self) -> None:
        """Forget expired tasks in the creation index, and past `max_tasks` drop the oldest
        finished ones (a live task is never dropped)."""
        keys = self.keys
        ids = [i.decode() for i in await self.batch.call("ZRANGE", keys.order, 0, 499)]
        tasks = await self._many(ids)
        excess = await self.count() - self.config.limits.max_tasks
        doomed = [t for t in tasks if t.terminal][: max(0, excess)]
        for task in doomed:
            await self.batch.call("UNLINK", keys.task(task.id), keys.token(task.token))
            await self.batch.call("ZREM", keys.order, task.id)

    async def aclose(self) -> None:
        await self.batch.aclose()
        with contextlib.suppress(Exception):
            await self.client.aclose()


def _unchanged(task: Task) -> None:
    """A change of nothing: `update` still commits what the clock did to the task."""


def _due(task: Task) -> str:
    return "" if task.due is None or task.terminal else repr(task.due)


async def _forever(
    job: Callable[[], Awaitable[None]], name: str, on_outage: Callable[[], None]
) -> None:
    """Run a background job again after it fails (Redis restarting), with a short pause;
    `on_outage` hears of each failure that means Redis is away."""
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except (StoreUnavailableError, RedisError, OSError) as exc:
            log.debug("wiro-mock: %s paused: %s", name, exc)
            on_outage()
            await asyncio.sleep(0.5)
        except Exception:
            log.exception("wiro-mock: %s failed", name)
            await asyncio.sleep(0.5)
