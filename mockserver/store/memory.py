"""The memory store (the default): a mock's whole state in this process.

Nothing to install, and the hot paths stay plain dictionary lookups: each task is one object
the store changes in place, and callers get copies of it (`reading`), as they get decoded
records from Redis, so code outside the store behaves the same on both.

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
from typing import TypeVar, cast

from mockserver.config import MockConfig
from mockserver.control.journal import Journal
from mockserver.control.state import ControlState
from mockserver.errors import NotFoundError
from mockserver.models.registry import Registry
from mockserver.store.base import MSG_GONE, Folder, Store, StoredFile
from mockserver.store.nonces import NonceMemory
from mockserver.tasks.files import new_token
from mockserver.tasks.lifecycle import Engine
from mockserver.tasks.task import Task, task_cost, task_identity

R = TypeVar("R")

#: How many of the oldest tasks one insertion may examine for eviction (bounds the cost).
EVICTION_SCAN = 64


class MemoryTaskStore:
    """Tasks by id and by socket token, in creation order, evicting finished ones past a bound.

    Eviction walks its own queue (`_candidates`), where a live task it meets goes to the back
    to be looked at again later: the scan per insertion stays bounded, and the index itself
    keeps creation order (moving live tasks to the end of it once broke newest-first)."""

    def __init__(
        self,
        max_tasks: int,
        is_finished: Callable[[Task], bool],
        on_evict: Callable[[Task], None] | None = None,
    ) -> None:
        self.max_tasks = max_tasks
        self._is_finished = is_finished
        self._on_evict = on_evict
        self._by_id: dict[str, Task] = {}
        self._by_token: dict[str, Task] = {}
        self._candidates: deque[Task] = deque()
        self.evicted = 0

    def add(self, task: Task) -> None:
        self._by_id[task.id] = task
        self._by_token[task.token] = task
        self._candidates.append(task)
        if len(self._by_id) > self.max_tasks:
            self._evict()

    def by_id(self, task_id: str) -> Task | None:
        return self._by_id.get(task_id)

    def by_token(self, token: str) -> Task | None:
        return self._by_token.get(token)

    def remove(self, task: Task) -> None:
        self._by_id.pop(task.id, None)
        self._by_token.pop(task.token, None)

    def clear(self) -> None:
        self._by_id.clear()
        self._by_token.clear()
        self._candidates.clear()

    def __iter__(self) -> Iterator[Task]:
        return iter(self._by_id.values())

    def newest_first(self) -> Iterator[Task]:
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
            task = candidates.popleft()
            if self._by_id.get(task.id) is not task:
                continue  # removed (or replaced) since it was queued
            if self._is_finished(task):
                self.remove(task)
                self.evicted += 1
                if self._on_evict is not None:
                    self._on_evict(task)
            else:
                candidates.append(task)


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
    """Everything in this process: the store keeps each task as one object it changes in
    place and hands out copies of it (`reading`).

    Tracked tasks (a callback URL, project limits) sit on a timer heap so their events happen
    on time; every other task only moves when something reads it.
    """

    files: MemoryFileStore
    journal: Journal

    def __init__(
        self, config: MockConfig, engine: Engine, control: ControlState, registry: Registry
    ) -> None:
        super().__init__(config, engine, control, registry)
        self.index = MemoryTaskStore(config.limits.max_tasks, engine.is_finished)
        self.files = MemoryFileStore(config.limits.files_max_total_bytes)
        self.journal = Journal(config.limits.journal_size)
        self.nonces = NonceMemory(config.limits.nonce_memory)
        self.live: dict[str, set[Task]] = {}
        self._heap: list[tuple[float, int, Task]] = []
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
        for live in self.live.values():
            for task in list(live):
                self.engine.sync(task)
        self._wake_all()
        self._timer.set()

    # -- tasks ----------------------------------------------------------------------------
    async def add(self, task: Task) -> Task:
        task.id = str(self._next_id)
        self._next_id += 1
        task.token, task.uuid = task_identity(self.config.seed, task.id)
        if not task.terminal:
            self.live.setdefault(task.project.api_key, set()).add(task)
        self.index.add(task)
        return reading(task)

    async def get(self, task_id: str | None = None, token: str | None = None) -> Task | None:
        task = self._find(task_id, token)
        return None if task is None else reading(self.engine.sync(task))

    async def get_many(self, ids: list[str]) -> list[Task | None]:
        found = [self.index.by_id(task_id) for task_id in ids]
        return [None if task is None else reading(self.engine.sync(task)) for task in found]

    def _find(self, task_id: str | None, token: str | None) -> Task | None:
        task = self.index.by_id(task_id) if task_id else None
        if task is None and token:
            task = self.index.by_token(token)
        return task

    async def update(self, task: Task, change: Callable[[Task], R]) -> R:
        """The change runs on the stored task itself: one event loop, so nothing can
        interleave with a plain call."""
        current = self.index.by_id(task.id)
        if current is None:
            raise NotFoundError(MSG_GONE)
        changed = self.engine.sync(current)
        result = change(changed)
        return cast(R, reading(current)) if result is changed else result

    async def tasks(self) -> list[Task]:
        return [reading(task) for task in self.index]

    async def select(self, keep: Callable[[Task], bool]) -> list[str]:
        return [task.id for task in self.index if keep(task)]

    async def newest(self, after: int, limit: int) -> list[Task]:
        found: list[Task] = []
        for task in self.index.newest_first():  # creation order is id order
            if int(task.id) <= after or len(found) >= limit:
                break
            found.append(reading(task))
        return found

    async def count(self) -> int:
        return len(self.index)

    async def live_count(self, api_key: str) -> int:
        live = self.live.get(api_key)
        if not live:
            return 0
        for task in list(live):
            self.engine.sync(task)
        return len(live)

    async def retime(self, change_clock: Callable[[], None]) -> None:
        live = [task for tasks in self.live.values() for task in tasks]
        for task in live:
            self.engine.sync(task)
        change_clock()
        for task in live:
            self.engine.retime(task)
        self._timer.set()

    async def run_due(self) -> None:
        now = self.clock.now()
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, _, task = heapq.heappop(heap)
            if task.due is not None and task.due <= due:
                self.engine.sync(task)

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
        heapq.heappush(self._heap, (task.due or 0.0, next(self._seq), task))
        self._timer.set()

    def _stepped(self, task: Task) -> None:
        self._wake(task.id)

    def _finished(self, task: Task) -> None:
        live = self.live.get(task.project.api_key)
        if live is not None:
            live.discard(task)
        self.control.charge(task.project.api_key, task_cost(task))
        for hook in self.on_terminal:
            hook(task)


#: Every field of a task, in constructor order (what `reading` copies).
_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(Task)))


def reading(task: Task) -> Task:
    """A copy of a stored task for a caller to keep: it shares what is never changed in
    place (the model, the plan, output tuples) and has its own dicts, so changing it
    changes nothing stored. Built positionally from `_FIELDS` (about 1 us; `copy.copy` of
    a slots dataclass takes four times that, on the Task/Detail path)."""
    copied = Task(*_FIELDS(task))
    copied.params = dict(task.params)
    copied.times = dict(task.times)
    return copied
