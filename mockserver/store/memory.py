"""The memory store (the default): a mock's whole state in this process.

Nothing to install, and the hot paths stay plain dictionary lookups. Each stored task is a
compact *record* (`Records`): a tuple of plain values, where the shared objects a task
points at (its model, project and plan) are numbers into a table. A tuple of plain values
is untracked by Python's garbage collector after its first young collection, so a store of
100,000 finished tasks costs a full collection nothing (as `Task` objects, it cost one of
about 60 ms, every time the heap grew by a quarter: the Run path's p99). Callers get tasks
decoded from records (readings), as they get decoded records from Redis, so code outside
the store behaves the same on both.

The task index is bounded: past `max_tasks`, *finished* tasks are evicted oldest first; a
live task is never evicted, whatever the count, and never reordered (`tasks()` is creation
order, which Task/List, the admin API and the dashboard rely on).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import heapq
import itertools
import math
import operator
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any, TypeVar

from mockserver.config import MockConfig
from mockserver.control.journal import Journal
from mockserver.control.state import ControlState
from mockserver.errors import NotFoundError
from mockserver.models.registry import Registry
from mockserver.store.base import MSG_GONE, Folder, Store, StoredFile
from mockserver.store.nonces import NonceMemory
from mockserver.tasks.files import new_token
from mockserver.tasks.lifecycle import Engine
from mockserver.tasks.task import Step, Task, task_cost, task_identity

R = TypeVar("R")

#: How many of the oldest tasks one insertion may examine for eviction (bounds the cost).
EVICTION_SCAN = 64

#: A stored task: `Task`'s fields in constructor order, its shared objects as numbers,
#: then its parameters and times (`Records`).
Record = tuple[Any, ...]
_NAMES = tuple(f.name for f in dataclasses.fields(Task))
_WIDTH = len(_NAMES)
_FIELDS = operator.attrgetter(*_NAMES)
_ID, _TOKEN, _MODEL, _PROJECT, _PARAMS, _PLAN, _PLANNED, _CURSOR, _DUE, _TIMES = map(
    _NAMES.index,
    ("id", "token", "model", "project", "params", "plan", "planned", "cursor", "due", "times"),
)


class Records:
    """Task <-> record. The shared objects are numbered by identity and kept here, so a
    number stays valid and a decoded task gets the very objects it was stored with (a
    reloaded spec's tasks keep the model they ran). Plans are numbered by value: a
    cancel cuts a new plan tuple per task, and equal cuts share one number.

    `planned` (the outputs a success produces, planned on first use) is not stored: it
    follows from the task's other fields. Only InputOutputDelete's empty tuple is. The
    parameters and times follow the fields as flat key, value runs (their fields hold
    their lengths): the collector never untracks a tuple that holds a dict, even an
    untracked one, and untracks a nested tuple one level per collection."""

    def __init__(self) -> None:
        self._shared: list[Any] = []
        self._numbers: dict[int, int] = {}
        self._plans: dict[tuple[Step, ...], tuple[Step, ...]] = {}

    def encode(self, task: Task) -> Record:
        values = list(_FIELDS(task))
        values[_MODEL] = self._number(task.model)
        values[_PROJECT] = self._number(task.project)
        plan = task.plan
        if id(plan) not in self._numbers:
            plan = self._plans.setdefault(plan, plan)
        values[_PLAN] = self._number(plan)
        values[_PLANNED] = () if task.planned == () else None
        values[_PARAMS] = len(task.params)
        values[_TIMES] = len(task.times)
        values += chain.from_iterable(task.params.items())
        values += chain.from_iterable(task.times.items())
        return tuple(values)

    def decode(self, record: Record) -> Task:
        task = Task(*record[:_WIDTH])
        shared = self._shared
        task.model = shared[record[_MODEL]]
        task.project = shared[record[_PROJECT]]
        task.plan = shared[record[_PLAN]]
        times = _WIDTH + 2 * record[_PARAMS]
        task.params = _pairs(record[_WIDTH:times])
        task.times = _pairs(record[times : times + 2 * record[_TIMES]])
        return task

    def _number(self, shared: object) -> int:
        number = self._numbers.get(id(shared))
        if number is None:
            number = self._numbers[id(shared)] = len(self._shared)
            self._shared.append(shared)
        return number


def _pairs(flat: Record) -> dict[Any, Any]:
    """`(k1, v1, k2, v2, ...)` -> `{k1: v1, k2: v2, ...}`."""
    items = iter(flat)
    return dict(zip(items, items, strict=True))


class MemoryTaskStore:
    """Task records by id (and ids by socket token), in creation order, evicting finished
    ones past a bound.

    Eviction walks its own queue of ids (`_candidates`), where a live task it meets goes to
    the back to be looked at again later: the scan per insertion stays bounded, and the
    index itself keeps creation order (moving live tasks to the end of it once broke
    newest-first). `is_finished(task_id)` is asked of the oldest ones."""

    def __init__(self, max_tasks: int, is_finished: Callable[[str], bool]) -> None:
        self.max_tasks = max_tasks
        self._is_finished = is_finished
        self._by_id: dict[str, Record] = {}
        self._by_token: dict[str, str] = {}
        self._candidates: deque[str] = deque()
        self.evicted = 0

    def add(self, record: Record) -> None:
        task_id = record[_ID]
        self._by_id[task_id] = record
        self._by_token[record[_TOKEN]] = task_id
        self._candidates.append(task_id)
        if len(self._by_id) > self.max_tasks:
            self._evict()

    def put(self, record: Record) -> None:
        """Replace the record of a stored task (a change committed)."""
        self._by_id[record[_ID]] = record

    def by_id(self, task_id: str) -> Record | None:
        return self._by_id.get(task_id)

    def id_of(self, token: str) -> str | None:
        return self._by_token.get(token)

    def remove(self, task_id: str) -> None:
        record = self._by_id.pop(task_id, None)
        if record is not None:
            self._by_token.pop(record[_TOKEN], None)

    def clear(self) -> None:
        self._by_id.clear()
        self._by_token.clear()
        self._candidates.clear()

    def __iter__(self) -> Iterator[Record]:
        return iter(self._by_id.values())

    def newest_first(self) -> Iterator[Record]:
        return reversed(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def _evict(self) -> None:
        """Drop the oldest finished tasks; live ones go to the back of the eviction queue
        (never dropped), and tasks removed otherwise are forgotten there."""
        scanned = 0
        candidates = self._candidates
        while len(self._by_id) > self.max_tasks and scanned < EVICTION_SCAN and candidates:
            scanned += 1
            task_id = candidates.popleft()
            if task_id not in self._by_id:
                continue  # removed since it was queued
            if self._is_finished(task_id):
                self.remove(task_id)
                self.evicted += 1
            else:
                candidates.append(task_id)


class MemoryFileStore:
    """Uploaded files in memory, bounded by total bytes (oldest evicted first)."""

    def __init__(self, max_total_bytes: int) -> None:
        self.max_total_bytes = max_total_bytes
        self._files: OrderedDict[str, StoredFile] = OrderedDict()
        self._folders: dict[str, Folder] = {}
        self._total = 0
        self._next_id = 1

    async def put(
        self, name: str, data: bytes, content_type: str, folder_id: str = ""
    ) -> StoredFile:
        token = new_token()
        stored = StoredFile(
            id=self._id(), token=token, name=name, content_type=content_type, data=data,
            folder_id=folder_id, added=time.time(),
        )  # fmt: skip
        self._files[token] = stored
        self._total += len(data)
        while self._total > self.max_total_bytes and len(self._files) > 1:
            _, old = self._files.popitem(last=False)
            self._total -= len(old.data)
        return stored

    async def get(self, token: str, name: str | None = None) -> StoredFile | None:
        stored = self._files.get(token)
        if stored is None or (name is not None and name != stored.name):
            return None
        return stored

    async def folder(self, name: str, parent_id: str) -> Folder:
        folder = Folder(id=self._id(), name=name, parent_id=parent_id, added=time.time())
        self._folders[folder.id] = folder
        return folder

    async def folder_by_id(self, folder_id: str) -> Folder | None:
        return self._folders.get(folder_id)

    async def delete(self, token: str) -> bool:
        stored = self._files.pop(token, None)
        if stored is None:
            return False
        self._total -= len(stored.data)
        return True

    async def clear(self) -> None:
        self._files.clear()
        self._folders.clear()
        self._total = 0

    def _id(self) -> str:
        value = f"{self._next_id:032x}"
        self._next_id += 1
        return value


class MemoryStore(Store):
    """Everything in this process: each task a record (`Records`) that a change replaces,
    each caller's task decoded from it (a reading).

    Tracked tasks (a callback URL, project limits) sit on a timer heap so their events happen
    on time; every other task only moves when something reads it.
    """

    files: MemoryFileStore
    journal: Journal

    def __init__(
        self, config: MockConfig, engine: Engine, control: ControlState, registry: Registry
    ) -> None:
        super().__init__(config, engine, control, registry)
        self.records = Records()
        self.index = MemoryTaskStore(config.limits.max_tasks, self._finished_now)
        self.files = MemoryFileStore(config.limits.files_max_total_bytes)
        self.journal = Journal(config.limits.journal_size)
        self.nonces = NonceMemory(config.limits.nonce_memory)
        #: The ids of each project's unfinished tasks.
        self.live: dict[str, set[str]] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self._next_id = 1
        self._timer = asyncio.Event()
        engine.on_scheduled = self._scheduled
        engine.on_step = self._stepped
        engine.on_terminal.append(self._finished)

    # -- background --------------------------------------------------------------------------
    async def background(self) -> None:
        """The timer loop: sleep until the next tracked event is due, then apply it."""
        self._timer = asyncio.Event()  # bound to the loop this runs in
        clock = self.clock
        while True:
            delay = clock.real_delay(self._heap[0][0] - clock.now()) if self._heap else None
            if delay is not None and math.isinf(delay):
                delay = None
            self._timer.clear()
            if delay is None or delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._timer.wait(), delay)
            await self.run_due()

    async def aclose(self) -> None:
        return None

    async def refresh(self) -> None:
        return None  # nothing is shared: this process's state is the whole state

    async def publish_control(self) -> None:
        """After a clock, fault or limit change: live tasks catch up (waking their sockets,
        which a manual clock advance would not otherwise do), every socket recomputes what
        is due, and the timer recomputes."""
        for task in self._live_tasks():
            self._commit(self.engine.sync(task))
        self._wake_all()
        self._timer.set()

    # -- records ------------------------------------------------------------------------------
    def _synced(self, record: Record) -> Task:
        """A reading of the task as of now; what catching up changed is committed."""
        task = self.records.decode(record)
        if self.engine.sync(task).cursor != record[_CURSOR]:
            self._commit(task)
        return task

    def _commit(self, task: Task) -> None:
        if self.index.by_id(task.id) is not None:
            self.index.put(self.records.encode(task))

    def _finished_now(self, task_id: str) -> bool:
        record = self.index.by_id(task_id)
        return record is not None and self._synced(record).terminal

    def _live_tasks(self) -> list[Task]:
        """Readings of every unfinished task (not caught up with the clock)."""
        found = (self.index.by_id(i) for ids in self.live.values() for i in list(ids))
        return [self.records.decode(record) for record in found if record is not None]

    # -- tasks ----------------------------------------------------------------------------
    async def add(self, task: Task) -> Task:
        """The store keeps a record of `task`, so `task` itself is the reading."""
        task.id = str(self._next_id)
        self._next_id += 1
        task.token, task.uuid = task_identity(self.config.seed, task.id)
        if not task.terminal:
            self.live.setdefault(task.project.api_key, set()).add(task.id)
        if task.tracked and task.due is not None:  # scheduled before it had an id
            self._scheduled(task)
        self.index.add(self.records.encode(task))
        return task

    async def get(self, task_id: str | None = None, token: str | None = None) -> Task | None:
        record = self._find(task_id, token)
        return None if record is None else self._synced(record)

    async def get_many(self, ids: list[str]) -> list[Task | None]:
        found = [self.index.by_id(task_id) for task_id in ids]
        return [None if record is None else self._synced(record) for record in found]

    def _find(self, task_id: str | None, token: str | None) -> Record | None:
        record = self.index.by_id(task_id) if task_id else None
        if record is None and token:
            found = self.index.id_of(token)
            record = self.index.by_id(found) if found is not None else None
        return record

    async def update(self, task: Task, change: Callable[[Task], R]) -> R:
        """The change runs on a reading of the stored task, committed before anything else
        runs: one event loop, so nothing can interleave with a plain call."""
        record = self.index.by_id(task.id)
        if record is None:
            raise NotFoundError(MSG_GONE)
        current = self.engine.sync(self.records.decode(record))
        try:  # a change that refuses (a cancel too late) keeps what catching up did
            return change(current)
        finally:
            self._commit(current)

    async def tasks(self) -> list[Task]:
        return [self.records.decode(record) for record in self.index]

    async def select(self, keep: Callable[[Task], bool]) -> list[str]:
        decode = self.records.decode
        return [record[_ID] for record in self.index if keep(decode(record))]

    async def newest(self, after: int, limit: int) -> list[Task]:
        found: list[Task] = []
        for record in self.index.newest_first():  # creation order is id order
            if int(record[_ID]) <= after or len(found) >= limit:
                break
            found.append(self.records.decode(record))
        return found

    async def count(self) -> int:
        return len(self.index)

    async def live_count(self, api_key: str) -> int:
        live = self.live.get(api_key)
        if not live:
            return 0
        for task_id in list(live):
            self._finished_now(task_id)
        return len(live)

    async def retime(self, change_clock: Callable[[], None]) -> None:
        live = [self.engine.sync(task) for task in self._live_tasks()]
        change_clock()
        for task in live:
            self._commit(self.engine.retime(task))
        self._timer.set()

    async def run_due(self) -> None:
        now = self.clock.now()
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, _, task_id = heapq.heappop(heap)
            record = self.index.by_id(task_id)
            if record is not None and record[_DUE] is not None and record[_DUE] <= due:
                self._synced(record)

    async def use_nonce(self, api_key: str, nonce: str) -> bool:
        return self.nonces.use(api_key, nonce)

    async def clear(self) -> None:
        self.index.clear()
        await self.files.clear()
        self.journal.restart()
        self.nonces.clear()
        self.live.clear()
        self._heap.clear()
        self._next_id = 1

    # -- engine hooks -------------------------------------------------------------------------
    def _scheduled(self, task: Task) -> None:
        if task.id:  # a new task is put on the heap by `add`, once it has its id
            heapq.heappush(self._heap, (task.due or 0.0, next(self._seq), task.id))
            self._timer.set()

    def _stepped(self, task: Task) -> None:
        self._wake(task.id)

    def _finished(self, task: Task) -> None:
        live = self.live.get(task.project.api_key)
        if live is not None:
            live.discard(task.id)
        self.control.charge(task.project.api_key, task_cost(task))
        for hook in self.on_terminal:
            hook(task)
