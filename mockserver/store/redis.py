"""The mock's state in Redis: several processes (workers, hosts) serve as one mock.

What lives where (every key under `store.prefix`, default `wiro-mock`):

- `t:{id}` a task record (`codec`), `tok:{token}` its id, `order` (zset) creation order,
  `due` (zset) tracked tasks by next due time, `live:{api_key}` live tasks of projects
  with limits. A finished task expires after `store.ttl`; a live one never does.
- `ctl` + `ctl:v`: the control state (clock, fault rules, limits) and its version; every
  request first checks the version (one batched GET) so an admin change made through one
  process applies to the next request any process serves.
- `j` + `j:seq`: the journal; `f:{token}` / `fo:{id}`: uploaded files and folders.

Changing a task is optimistic: read the record, apply the change in Python with the same
`Engine` the memory store uses, and write it back with a compare-and-set script that also
keeps the indexes, its expiry and the event channel in step. When another process changed
the task first, the CAS fails and the change is re-run on the new record, so two
processes advancing one task can neither skip nor repeat a status. Task readings are not
written back unless something changed.

Redis unreachable (restarting, say) is a `StoreUnavailableError`: a Wiro-shaped 503 with
Retry-After, never a 500; what was acknowledged before is in Redis (run it with AOF).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import hiredis
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from mockserver.config import ANONYMOUS, MockConfig, Project
from mockserver.control.faults import FaultSet
from mockserver.control.journal import callback_entry, request_entry, select
from mockserver.control.limits import Limits
from mockserver.errors import NotFoundError, StoreUnavailableError
from mockserver.models.registry import Registry
from mockserver.store.memory import Folder, StoredFile
from mockserver.tasks.lifecycle import CANCEL_STEP, Clock, Engine, build_plan
from mockserver.tasks.outputs import output_kind
from mockserver.tasks.task import Task, task_cost, task_identity

log = logging.getLogger("mockserver.redis")
R = TypeVar("R")
OUTCOMES = ("success", "fail", "error")
#: Attempts at one compare-and-set before giving up (only reached under absurd contention).
CAS_ATTEMPTS = 100
#: Seconds between the background checks for due tasks and expired index entries.
TICK = 0.1
#: Seconds one pipeline may take before Redis counts as unavailable.
BATCH_TIMEOUT = 2.0
PRUNE_EVERY = 5.0
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# KEYS: seq, order, due, live. ARGV: prefix, record, ttl_ms, due ("" none), live, seed.
# Numbers the task and names its token like `task_identity` (the first 30 of sha1(seed:id)).
CREATE = """
local id = redis.call('INCR', KEYS[1])
local token = string.sub(redis.sha1hex(ARGV[6] .. ':' .. id), 1, 30)
local task, index = ARGV[1] .. ':t:' .. id, ARGV[1] .. ':tok:' .. token
if ARGV[3] ~= '0' then
  redis.call('SET', task, ARGV[2], 'PX', ARGV[3])
  redis.call('SET', index, id, 'PX', ARGV[3])
else
  redis.call('SET', task, ARGV[2])
  redis.call('SET', index, id)
end
redis.call('ZADD', KEYS[2], id, id)
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[3], ARGV[4], id) end
if ARGV[5] == '1' then redis.call('SADD', KEYS[4], id) end
return id
"""

# KEYS: task, token, due, live, channel. ARGV: old record, new record, id, ttl_ms, due, done.
CAS = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[4] ~= '0' then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('PERSIST', KEYS[2])
end
if ARGV[5] ~= '' then redis.call('ZADD', KEYS[3], ARGV[5], ARGV[3])
else redis.call('ZREM', KEYS[3], ARGV[3]) end
if ARGV[6] == '1' then redis.call('SREM', KEYS[4], ARGV[3]) end
redis.call('PUBLISH', KEYS[5], ARGV[3])
return 1
"""

# The journal is a list written with plain RPUSH (no script on the hot path); an entry's id
# is its position since the start: `trimmed` (entries cut from the head) + index + 1.
# KEYS: list, trimmed. ARGV: size. Cut the head down to `size` entries (the timer calls it).
JOURNAL_TRIM = """
local extra = redis.call('LLEN', KEYS[1]) - tonumber(ARGV[1])
if extra > 0 then
  redis.call('LTRIM', KEYS[1], extra, -1)
  redis.call('INCRBY', KEYS[2], extra)
end
return extra
"""

# KEYS: list, trimmed. ARGV: first index (negative: from the end). -> {trimmed, first, entries}
JOURNAL_READ = """
local trimmed = tonumber(redis.call('GET', KEYS[2]) or '0')
local first = tonumber(ARGV[1])
if first < 0 then first = math.max(0, redis.call('LLEN', KEYS[1]) + first) end
return {trimmed, first, redis.call('LRANGE', KEYS[1], first, -1)}
"""

# KEYS: list, trimmed. Empty the journal; ids go on counting.
JOURNAL_CLEAR = """
redis.call('INCRBY', KEYS[2], redis.call('LLEN', KEYS[1]))
return redis.call('DEL', KEYS[1])
"""

# KEYS: ctl, version, channel. ARGV: api_key, amount: charge a balance (control state).
CHARGE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ctl = cjson.decode(raw)
local balance = ctl['limits']['balances'][ARGV[1]]
if balance == nil or balance == cjson.null then return 0 end
ctl['limits']['balances'][ARGV[1]] = balance - tonumber(ARGV[2])
redis.call('SET', KEYS[1], cjson.encode(ctl))
redis.call('INCR', KEYS[2])
redis.call('PUBLISH', KEYS[3], 'ctl')
return 1
"""


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

    def _flush(self) -> None:
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
    import hashlib

    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class Keys:
    def __init__(self, prefix: str) -> None:
        self.p = prefix
        self.seq, self.order, self.due = f"{prefix}:seq", f"{prefix}:order", f"{prefix}:due"
        self.ctl, self.ctl_version = f"{prefix}:ctl", f"{prefix}:ctl:v"
        self.events, self.control = f"{prefix}:events", f"{prefix}:control"
        self.journal, self.journal_trimmed = f"{prefix}:j", f"{prefix}:j:trimmed"
        self.file_seq = f"{prefix}:f:seq"

    def task(self, task_id: str) -> str:
        return f"{self.p}:t:{task_id}"

    def token(self, token: str) -> str:
        return f"{self.p}:tok:{token}"

    def live(self, api_key: str) -> str:
        return f"{self.p}:live:{api_key}"

    def file(self, token: str) -> str:
        return f"{self.p}:f:{token}"

    def folder(self, folder_id: str) -> str:
        return f"{self.p}:fo:{folder_id}"

    def nonce(self, api_key: str, nonce: str) -> str:
        return f"{self.p}:n:{api_key}:{nonce}"


class Codec:
    """Task <-> record bytes. A record holds what changes and what cannot be recomputed; the
    model and project are stored by name and looked up, the plan by the outcome it was
    built for (plus where a cancel or kill cut it); token and uuid follow from the id."""

    def __init__(self, config: MockConfig, registry: Registry, projects: list[Project]) -> None:
        self.progress = config.lifecycle.progress_steps
        self.cps = config.lifecycle.cps
        self.registry = registry
        self.projects = {p.api_key: p for p in projects}

    def encode(self, task: Task) -> bytes:
        deleted = task.files_deleted
        return json.dumps(
            [
                task.model.slug, task.project.api_key, task.params,
                task.callback_url, task.base_url, task.created, self._plan_code(task),
                task.outcome, task.mock_seed, task.input_size, task.cursor, task.due,
                task.stalled, task.times, task.pexit, task.debugerror, task.killed,
                task.socket_drop_after, task.callback_delay,
                None if deleted else task.output_sizes, deleted, task.tracked,
            ],
            separators=(",", ":"),
        ).encode()  # fmt: skip

    def decode(self, task_id: str, raw: bytes) -> Task | None:
        (
            slug, api_key, params, callback_url, base_url, created, (base, cut),
            outcome, mock_seed, input_size, cursor, due, stalled, times, pexit, debugerror,
            killed, socket_drop_after, callback_delay, sizes, deleted, tracked,
        ) = json.loads(raw)  # fmt: skip
        model = self.registry.models.get(slug)
        if model is None:
            return None  # its spec was removed since: the task cannot be rendered
        plan = build_plan(base, self.progress, output_kind(model) == "text")
        if cut is not None:
            plan = (*plan[:cut], CANCEL_STEP)
        token, uuid = task_identity(mock_seed, task_id)
        task = Task(
            id=task_id, uuid=uuid, token=token, model=model,
            project=self.projects.get(api_key) or (ANONYMOUS if not api_key else
                                                   Project(api_key=api_key)),
            params=params, callback_url=callback_url, base_url=base_url, created=created,
            plan=plan, outcome=outcome, cps=self.cps, mock_seed=mock_seed,
            input_size=tuple(input_size) if input_size else None, cursor=cursor, due=due,
            stalled=stalled, times=times, pexit=pexit, debugerror=debugerror, killed=killed,
            socket_drop_after=socket_drop_after, callback_delay=callback_delay,
            output_sizes=tuple(sizes) if sizes is not None else None, tracked=tracked,
        )  # fmt: skip
        if deleted:
            task.planned, task.output_sizes = (), ()
        return task

    def _plan_code(self, task: Task) -> tuple[str, int | None]:
        text = output_kind(task.model) == "text"
        cut = len(task.plan) - 1 if task.plan[-1] is CANCEL_STEP else None
        for outcome in OUTCOMES:
            plan = build_plan(outcome, self.progress, text)
            if plan is task.plan or (cut is not None and plan[:cut] == task.plan[:cut]):
                return outcome, cut
        raise ValueError(f"task {task.id}: plan of no known outcome")  # pragma: no cover


class RedisStore:
    """The `Store` interface over Redis (see the module docstring)."""

    shared = True

    def __init__(
        self,
        config: MockConfig,
        engine: Engine,
        limits: Limits,
        faults: FaultSet,
        registry: Registry,
    ) -> None:
        assert config.store.url is not None
        self.config = config
        self.engine = engine
        self.clock: Clock = engine.clock
        self.limits = limits
        self.faults = faults
        self.keys = Keys(config.store.prefix)
        self.ttl_ms = int(config.store.ttl * 1000)
        self.client = aioredis.Redis.from_url(
            config.store.url, socket_timeout=2.0, socket_connect_timeout=1.0,
            max_connections=64, health_check_interval=5,
        )  # fmt: skip
        self.batch = Batcher(
            self.client,
            {"create": CREATE, "cas": CAS, "charge": CHARGE, "journal_trim": JOURNAL_TRIM,
             "journal_read": JOURNAL_READ, "journal_clear": JOURNAL_CLEAR},
        )  # fmt: skip
        self.codec = Codec(config, registry, config.effective_projects())
        self.files = RedisFileStore(self.batch, self.keys, self.ttl_ms, config)
        self.journal = RedisJournal(self.batch, self.keys, config.limits.journal_size)
        self.on_terminal: list[Callable[[Task], None]] = []
        self.on_control: list[Callable[[], None]] = []
        self._version: bytes | None = None
        self._watchers: dict[str, set[asyncio.Event]] = {}
        self._notes: list[tuple[str, Task]] = []
        engine.on_scheduled = lambda task: None  # the CAS keeps the due index
        engine.on_terminal.append(lambda task: self._notes.append(("terminal", task)))

    # -- control state: clock, fault rules, limits -------------------------------------------
    def _control(self) -> bytes:
        return json.dumps(
            {"clock": self.clock.snapshot(), "faults": self.faults.snapshot(),
             "limits": self.limits.snapshot()}
        ).encode()  # fmt: skip

    async def refresh(self) -> None:
        version = await self.batch.read("GET", self.keys.ctl_version)
        if version is None:  # a fresh (or flushed) Redis: this process's state is the start
            await self._claim_control()
        elif version != self._version:
            raw = await self.batch.call("GET", self.keys.ctl)
            if raw is not None:
                data = json.loads(raw)
                self.clock.restore(data["clock"])
                self.faults.restore(data["faults"])
                self.limits.restore(data["limits"])
            self._version = version
            for hook in self.on_control:
                hook()

    async def _claim_control(self) -> None:
        if await self.batch.call("SET", self.keys.ctl, self._control(), "NX"):
            await self.batch.call("SET", self.keys.ctl_version, b"1", "NX")
        self._version = None
        version = await self.batch.call("GET", self.keys.ctl_version)
        if version is not None:
            await self.refresh()

    async def publish_control(self) -> None:
        await self.batch.call("SET", self.keys.ctl, self._control())
        self._version = await self.batch.call("INCR", self.keys.ctl_version)
        self._version = str(self._version).encode()
        await self.batch.call("PUBLISH", self.keys.control, b"ctl")

    # -- tasks ----------------------------------------------------------------------------
    async def add(self, task: Task) -> None:
        """One script numbers, names, stores and indexes the task: one round trip per Run."""
        self._notes.clear()  # engine.start ran just before: nothing to act on yet
        keys = self.keys
        live = self.limits.applies(task.project.api_key)
        task_id = await self.batch.script(
            "create",
            [keys.seq, keys.order, keys.due, keys.live(task.project.api_key)],
            [keys.p, self.codec.encode(task), self._ttl(task),
             _due(task) if task.tracked else "", "1" if live else "0", task.mock_seed],
        )  # fmt: skip
        task.id = str(task_id)
        task.token, task.uuid = task_identity(task.mock_seed, task.id)

    async def _load(self, task_id: str) -> tuple[bytes, Task] | None:
        raw = await self.batch.call("GET", self.keys.task(task_id))
        if raw is None:
            return None
        task = self.codec.decode(task_id, raw)
        return None if task is None else (raw, task)

    def _reload(self, task: Task) -> tuple[bytes, Task] | None:
        """The record a reading came from, decoded afresh (saves a round trip when fresh)."""
        if task.record is None:
            return None
        fresh = self.codec.decode(task.id, task.record)
        return None if fresh is None else (task.record, fresh)

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
        task.record = raw
        self.engine.sync(task)
        self._notes.clear()  # a reading: nothing is written, so nothing happened yet
        return task

    async def update(self, task: Task, change: Callable[[Task], R]) -> R:
        loaded = self._reload(task)
        for _ in range(CAS_ATTEMPTS):
            loaded = loaded or await self._load(task.id)
            if loaded is None:
                raise NotFoundError("There is no task yet.")
            raw, current = loaded
            self._notes.clear()
            self.engine.sync(current)
            result = change(current)
            notes, self._notes = self._notes, []
            record = self.codec.encode(current)
            if record == raw:
                current.record = raw
                return result
            if await self._write(raw, record, current):
                current.record = record
                await self._after_write(current, notes)
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

    async def _after_write(self, task: Task, notes: list[tuple[str, Task]]) -> None:
        """Side effects of a committed change (exactly one process commits each change)."""
        self._wake(task.id)
        if any(kind == "terminal" for kind, _ in notes):
            if self.limits.balances.get(task.project.api_key) is not None:
                keys = self.keys
                await self.batch.script(
                    "charge",
                    [keys.ctl, keys.ctl_version, keys.control],
                    [task.project.api_key, repr(task_cost(task))],
                )
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

    async def _many(self, ids: list[str]) -> list[Task]:
        if not ids:
            return []
        raws = await self.batch.call("MGET", *[self.keys.task(i) for i in ids])
        found, gone = [], []
        for task_id, raw in zip(ids, raws, strict=True):
            task = self.codec.decode(task_id, raw) if raw is not None else None
            if task is None:
                gone.append(task_id)
            else:
                found.append(self.engine.sync(task))
        self._notes.clear()
        if gone:
            await self.batch.call("ZREM", self.keys.order, *gone)
        return found

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
        change_clock()
        await self.publish_control()
        for task in live:
            await self.update(task, self.engine.retime)

    async def run_due(self) -> None:
        """Commit every tracked task whose next event is due (fires callbacks on time)."""
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
        keep = self.keys.ctl_version.encode()
        cursor = 0
        while True:
            reply = await self.batch.call(
                "SCAN", cursor, "MATCH", f"{self.keys.p}:*", "COUNT", 1000
            )
            cursor, found = int(reply[0]), [k for k in reply[1] if k != keep]
            if found:
                await self.files.forget([k for k in found if b":f:" in k])
                await self.batch.call("UNLINK", *found)
            if cursor == 0:
                break

    # -- socket wake-ups ---------------------------------------------------------------------
    def watch(self, task: Task, wake: asyncio.Event) -> None:
        self._watchers.setdefault(task.id, set()).add(wake)

    def unwatch(self, task: Task, wake: asyncio.Event) -> None:
        watchers = self._watchers.get(task.id)
        if watchers is not None:
            watchers.discard(wake)
            if not watchers:
                del self._watchers[task.id]

    def _wake(self, task_id: str) -> None:
        for event in self._watchers.get(task_id, ()):
            event.set()

    def _wake_all(self) -> None:
        for events in self._watchers.values():
            for event in events:
                event.set()

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
        """Wake local sockets when another process changed their task; drop the cached
        control version when another process changed the clock, faults or limits."""
        pubsub = self.client.pubsub()
        try:
            await pubsub.subscribe(self.keys.events, self.keys.control)
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                if message["channel"] == self.keys.control.encode():
                    self._version = None
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


class RedisJournal:
    """The journal as a Redis list of `"{id} {json}"` lines, trimmed to `size`."""

    def __init__(self, batch: Batcher, keys: Keys, size: int) -> None:
        self.batch = batch
        self.keys = keys
        self.size = size
        self.enabled = size > 0
        self.listener: Callable[[], None] | None = None

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
        self.batch.call("RPUSH", self.keys.journal, data).add_done_callback(_consume)
        if self.listener is not None:
            self.listener()

    async def trim(self) -> None:
        """Keep the newest `size` entries (between trims the list may briefly hold more)."""
        if self.enabled:
            await self.batch.script("journal_trim", self._keys(), [self.size])

    def _keys(self) -> list[str]:
        return [self.keys.journal, self.keys.journal_trimmed]

    async def _entries(self, first: int = 0) -> list[dict[str, Any]]:
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
        trimmed, start, lines = await self.batch.script("journal_read", self._keys(), [-1])
        return int(trimmed) + int(start) + len(lines)

    async def clear(self) -> None:
        await self.batch.script("journal_clear", self._keys(), [])

    async def count(self) -> int:
        return min(self.size, int(await self.batch.call("LLEN", self.keys.journal)))


def _consume(future: asyncio.Future[Any]) -> None:
    """Retrieve a fire-and-forget command's outcome (a failure was already logged)."""
    if not future.cancelled():
        future.exception()


class RedisFileStore:
    """Uploaded files: metadata in Redis, bytes in Redis or in a folder every process shares
    (`store.files_dir`). They expire with finished tasks (`store.ttl`)."""

    def __init__(self, batch: Batcher, keys: Keys, ttl_ms: int, config: MockConfig) -> None:
        self.batch = batch
        self.keys = keys
        self.ttl_ms = ttl_ms
        self.folder_path = Path(config.store.files_dir) if config.store.files_dir else None
        if self.folder_path is not None:
            self.folder_path.mkdir(parents=True, exist_ok=True)

    async def put(
        self, name: str, data: bytes, content_type: str, folder_id: str = ""
    ) -> StoredFile:
        token = secrets.token_urlsafe(22).replace("-", "x").replace("_", "y")[:30]
        stored = StoredFile(
            id=await self._id(), token=token, name=name, content_type=content_type, data=data,
            folder_id=folder_id, added=time.time(),
        )  # fmt: skip
        meta = json.dumps([stored.id, name, content_type, folder_id, stored.added]).encode()
        if self.folder_path is not None:
            await asyncio.to_thread(self._write, token, data)
            data = b""
        await self.batch.call("HSET", self.keys.file(token), "meta", meta, "data", data)
        await self.batch.call("PEXPIRE", self.keys.file(token), self.ttl_ms)
        return stored

    def _write(self, token: str, data: bytes) -> None:
        assert self.folder_path is not None
        temporary = self.folder_path / f".{token}.part"
        temporary.write_bytes(data)
        os.replace(temporary, self.folder_path / token)  # readers never see half a file

    async def get(self, token: str, name: str | None = None) -> StoredFile | None:
        meta, data = await self.batch.call("HMGET", self.keys.file(token), "meta", "data")
        if meta is None:
            return None
        file_id, stored_name, content_type, folder_id, added = json.loads(meta)
        if name is not None and name != stored_name:
            return None
        if self.folder_path is not None:
            try:
                data = await asyncio.to_thread((self.folder_path / token).read_bytes)
            except OSError:
                return None
        return StoredFile(
            id=file_id, token=token, name=stored_name, content_type=content_type, data=data,
            folder_id=folder_id, added=added,
        )  # fmt: skip

    async def folder(self, name: str, parent_id: str) -> Folder:
        folder = Folder(id=await self._id(), name=name, parent_id=parent_id, added=time.time())
        data = json.dumps([folder.name, folder.parent_id, folder.added]).encode()
        await self.batch.call("SET", self.keys.folder(folder.id), data, "PX", self.ttl_ms)
        return folder

    async def folder_by_id(self, folder_id: str) -> Folder | None:
        raw = await self.batch.call("GET", self.keys.folder(folder_id))
        if raw is None:
            return None
        name, parent_id, added = json.loads(raw)
        return Folder(id=folder_id, name=name, parent_id=parent_id, added=added)

    async def delete(self, token: str) -> bool:
        await self.forget([self.keys.file(token).encode()])
        return bool(await self.batch.call("UNLINK", self.keys.file(token)))

    async def forget(self, keys: list[bytes]) -> None:
        """Remove the shared folder's copies of these file keys' bytes."""
        if self.folder_path is None:
            return
        for key in keys:
            token = key.rpartition(b":")[2].decode()
            with contextlib.suppress(OSError):
                (self.folder_path / token).unlink()

    async def clear(self) -> None:
        return None  # `RedisStore.clear` deletes every key of the mock, files included

    async def _id(self) -> str:
        return f"{int(await self.batch.call('INCR', self.keys.file_seq)):032x}"
