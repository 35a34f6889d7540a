"""The interface every store honours (`Store`), and what the two kinds share.

A store keeps a mock's tasks, uploaded files and journal, and persists its control state
(`ControlState`, owned by `control`); routes talk to `Store` only, never to one kind, so the
whole mock behaves the same on either. Three rules make that true:

- One constructor, `Store(config, engine, control, registry)`, and one real-time source per
  kind (`timer`) for the mock's clock, so building a mock never asks which kind it gets.
- Tasks handed out (`add`, `get`, `get_many`, `tasks`, and `update` when the change returns
  the task) are *readings*: copies nobody else holds. Changing one changes nothing stored;
  a change goes through `update`, which runs it on the current task and commits it.
- Whatever differs between the kinds (a control state to pull, readings to batch, who wakes
  a socket) is a method with a meaning, never a test of the kind.

`Store` is an abstract class rather than a Protocol because part of it is shared code (the
constructor, socket wake-ups), and a store missing a method then fails when it is built.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol, TypeVar

from mockserver.config import MockConfig
from mockserver.control.journal import JournalStore
from mockserver.control.state import ControlState
from mockserver.models.registry import Registry
from mockserver.tasks.lifecycle import Engine
from mockserver.tasks.task import Task

R = TypeVar("R")

#: What `update` raises when the task is gone (never stored, evicted, expired, reset).
MSG_GONE = "There is no task yet."


@dataclass(slots=True)
class StoredFile:
    id: str
    token: str
    name: str
    content_type: str
    data: bytes
    folder_id: str
    added: float
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(slots=True)
class Folder:
    id: str
    name: str
    parent_id: str
    added: float


class FileStore(Protocol):
    """Uploaded files and folders (task outputs are rendered on demand, never stored)."""

    async def put(
        self, name: str, data: bytes, content_type: str, folder_id: str = ""
    ) -> StoredFile: ...
    async def get(self, token: str, name: str | None = None) -> StoredFile | None: ...
    async def folder(self, name: str, parent_id: str) -> Folder: ...
    async def folder_by_id(self, folder_id: str) -> Folder | None: ...
    async def delete(self, token: str) -> bool: ...
    async def clear(self) -> None:
        """Forget every file and folder."""


class Store(ABC):
    """Tasks, files and the journal of a mock, and the persistence of its control state."""

    #: The real-time source the mock's clock must use with this store (`Clock(timer=...)`).
    timer: ClassVar[Callable[[], float]] = time.monotonic

    files: FileStore
    journal: JournalStore

    def __init__(
        self, config: MockConfig, engine: Engine, control: ControlState, registry: Registry
    ) -> None:
        self.config = config
        self.engine = engine
        self.clock = engine.clock
        self.control = control
        self.registry = registry
        #: Called once per task when it reaches a terminal status (after the store charged it).
        self.on_terminal: list[Callable[[Task], None]] = []
        #: Called when another process changed the control state (a reset, say).
        self.on_control: list[Callable[[], None]] = []
        self._watchers: dict[str, set[asyncio.Event]] = {}
        #: Held while the control state changes here or takes up another process's version:
        #: a refresh applied in the middle of a local change would undo it.
        self.control_lock = asyncio.Lock()

    # -- life --------------------------------------------------------------------------------
    @abstractmethod
    async def background(self) -> None:
        """The store's timers and listeners; runs until cancelled."""

    @abstractmethod
    async def aclose(self) -> None: ...

    # -- control state -----------------------------------------------------------------------
    @abstractmethod
    async def refresh(self) -> None:
        """Apply what other processes changed in the control state (before a request)."""

    @contextlib.asynccontextmanager
    async def changing_control(self) -> AsyncIterator[None]:
        """Around a change to the clock, faults or limits made here, published after it
        (not when it raised): no refresh applies another version while it is being made."""
        async with self.control_lock:
            yield
            await self.publish_control()

    @abstractmethod
    async def publish_control(self) -> None:
        """After a change to the control state here: make every process apply it, and let
        live tasks catch up with it (`changing_control` calls it)."""

    # -- tasks -------------------------------------------------------------------------------
    @abstractmethod
    async def add(self, task: Task) -> Task:
        """Store a new task (the store keeps `task`): number it (`id`), name it (`token`,
        `uuid`), index it; a reading of it comes back."""

    @abstractmethod
    async def get(self, task_id: str | None = None, token: str | None = None) -> Task | None:
        """A reading of the task as of now (by id, else by socket token), or None."""

    @abstractmethod
    async def get_many(self, ids: list[str]) -> list[Task | None]:
        """Readings of these tasks as of now, in order (None for one that is gone)."""

    @abstractmethod
    async def update(self, task: Task, change: Callable[[Task], R]) -> R:
        """Run `change` on the current state of `task` (caught up with the clock first) and
        commit what it did, atomically: nothing else changes the task in between. Returns
        what `change` returned; a reading of the task when that was the task. Raises
        `NotFoundError` when the task is gone."""

    @abstractmethod
    async def tasks(self) -> list[Task]:
        """Readings of every task, in creation order (not caught up with the clock)."""

    @abstractmethod
    async def select(self, keep: Callable[[Task], bool]) -> list[str]:
        """The ids of the tasks `keep` accepts, in creation order, without a reading of
        each: a listing filters them all and reads only the page it shows. `keep` judges
        what time does not change (project, model); a status needs a reading."""

    @abstractmethod
    async def newest(self, after: int, limit: int) -> list[Task]:
        """Readings of up to `limit` of the newest tasks numbered above `after`, newest
        first (what a live view looks for; costs what it returns, not the store's size)."""

    @abstractmethod
    async def count(self) -> int: ...

    @abstractmethod
    async def live_count(self, api_key: str) -> int:
        """How many of the project's tasks have not finished (its concurrency in use)."""

    @abstractmethod
    async def retime(self, change_clock: Callable[[], None]) -> None:
        """Change the clock: live tasks catch up under the old one, then get due times
        under the new one."""

    @abstractmethod
    async def run_due(self) -> None:
        """Advance every tracked task whose next event is due (fires callbacks on time)."""

    @abstractmethod
    async def use_nonce(self, api_key: str, nonce: str) -> bool:
        """Remember a signed request's nonce; False when it was used before (a replay)."""

    @abstractmethod
    async def clear(self) -> None:
        """Forget every task, file, journal entry and nonce (the control state is reset by
        its owner, then published)."""

    # -- socket wake-ups ---------------------------------------------------------------------
    def watch(self, task: Task, wake: asyncio.Event) -> None:
        """Set `wake` whenever the task changes (whoever changed it)."""
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
