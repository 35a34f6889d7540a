"""Where tasks and files live: small interfaces with in-memory implementations.

The interfaces (`TaskStore`, `FileStore`) are what the rest of the mock uses, so a shared
store (Redis, for several workers) can replace the memory one without touching the routes.
The task store is bounded: past `max_tasks`, *finished* tasks are evicted oldest first; a
live task is never evicted, whatever the count.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from mockserver.task import Task

#: How many of the oldest tasks one insertion may examine for eviction (bounds the cost).
EVICTION_SCAN = 64


class TaskStore(Protocol):
    def add(self, task: Task) -> None: ...
    def by_id(self, task_id: str) -> Task | None: ...
    def by_token(self, token: str) -> Task | None: ...
    def remove(self, task: Task) -> None: ...
    def clear(self) -> None: ...
    def __iter__(self) -> Iterator[Task]: ...
    def __len__(self) -> int: ...


class MemoryTaskStore:
    """Tasks by id and by socket token, in creation order, evicting finished ones past a bound."""

    def __init__(
        self,
        max_tasks: int,
        is_finished: Callable[[Task], bool],
        on_evict: Callable[[Task], None] | None = None,
    ) -> None:
        self.max_tasks = max_tasks
        self._is_finished = is_finished
        self._on_evict = on_evict
        self._by_id: OrderedDict[str, Task] = OrderedDict()
        self._by_token: dict[str, Task] = {}
        self.evicted = 0

    def add(self, task: Task) -> None:
        self._by_id[task.id] = task
        self._by_token[task.token] = task
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

    def __iter__(self) -> Iterator[Task]:
        return iter(list(self._by_id.values()))

    def __len__(self) -> int:
        return len(self._by_id)

    def _evict(self) -> None:
        """Drop the oldest finished tasks; live ones are moved behind (never dropped)."""
        scanned = 0
        while len(self._by_id) > self.max_tasks and scanned < EVICTION_SCAN:
            scanned += 1
            task_id, task = next(iter(self._by_id.items()))
            if self._is_finished(task):
                self.remove(task)
                self.evicted += 1
                if self._on_evict is not None:
                    self._on_evict(task)
            else:
                self._by_id.move_to_end(task_id)


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
    def put(self, name: str, data: bytes, content_type: str, folder_id: str = "") -> StoredFile: ...
    def get(self, token: str, name: str | None = None) -> StoredFile | None: ...
    def folder(self, name: str, parent_id: str) -> Folder: ...
    def folder_by_id(self, folder_id: str) -> Folder | None: ...
    def delete(self, token: str) -> bool: ...
    def clear(self) -> None: ...


class MemoryFileStore:
    """Uploaded files in memory, bounded by total bytes (oldest evicted first)."""

    def __init__(self, max_total_bytes: int) -> None:
        self.max_total_bytes = max_total_bytes
        self._files: OrderedDict[str, StoredFile] = OrderedDict()
        self._folders: dict[str, Folder] = {}
        self._total = 0
        self._next_id = 1

    def put(self, name: str, data: bytes, content_type: str, folder_id: str = "") -> StoredFile:
        token = secrets.token_urlsafe(22).replace("-", "x").replace("_", "y")[:30]
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

    def get(self, token: str, name: str | None = None) -> StoredFile | None:
        stored = self._files.get(token)
        if stored is None or (name is not None and name != stored.name):
            return None
        return stored

    def folder(self, name: str, parent_id: str) -> Folder:
        folder = Folder(id=self._id(), name=name, parent_id=parent_id, added=time.time())
        self._folders[folder.id] = folder
        return folder

    def folder_by_id(self, folder_id: str) -> Folder | None:
        return self._folders.get(folder_id)

    def delete(self, token: str) -> bool:
        stored = self._files.pop(token, None)
        if stored is None:
            return False
        self._total -= len(stored.data)
        return True

    def clear(self) -> None:
        self._files.clear()
        self._folders.clear()
        self._total = 0

    def _id(self) -> str:
        value = f"{self._next_id:032x}"
        self._next_id += 1
        return value
