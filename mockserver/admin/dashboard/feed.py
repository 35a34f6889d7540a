"""The dashboard's live feed: which tasks changed and which journal entries are new.

A connected page is a `Subscriber`, an observer of the state's `Events` (so while no page is
connected the hot paths pay one flag test and nothing else): it *watches* the tasks it shows
(at most a page of them) through `Store.watch`, the hook the task WebSocket uses, hears
about new tasks, new journal entries and resets from `Events`, and is woken for each.
What changed is read from fresh readings of the watched tasks (the state Task/Detail
renders), never from the admin API, and only for watched tasks that can still change, so
the cost of a push does not grow with the number of tasks in the store.

Tasks are known by id, not by object: a store hands out a new reading on every read. The
announcements are local to this process; what other processes sharing the store create is
found by the live stream's periodic look (`live`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from mockserver.store.base import Store
from mockserver.tasks.lifecycle import Clock
from mockserver.tasks.task import Task

#: Current readings of some tasks, in the same order (`views.readings`).
Reader = Callable[[Sequence[Task]], Awaitable[list[Task]]]


def task_number(task_id: str) -> int:
    """A task id as the increasing number it is, to compare ages (0 if it is not one)."""
    return int(task_id) if task_id.isdigit() else 0


@dataclass(slots=True)
class Watched:
    """A task the page shows: its latest reading and the plan cursor last sent (-1: none)."""

    task: Task
    sent: int = -1

    @property
    def settled(self) -> bool:
        """Finished and sent: nothing more can happen to it, so it is not read again."""
        return self.task.terminal and self.sent == self.task.cursor


class Subscriber:
    """One connected dashboard page: the tasks it shows and what it has not been sent yet."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.wake = asyncio.Event()
        self.watched: dict[str, Watched] = {}
        #: The page shows the newest tasks, so tasks created from now on are sent too.
        self.head = True
        #: The newest task id the page has or was sent: where the look for new ones starts.
        self.newest = 0
        self.new_tasks: list[Task] = []
        self.journal_pending = False
        self.was_reset = False

    def watch(self, tasks: Iterable[Task], head: bool, newest: int) -> None:
        """Replace the watched set (what the page shows) and the newest task id the page has;
        tasks still shown keep their cursor."""
        wanted = {task.id: self.watched.get(task.id) or Watched(task) for task in tasks}
        for task_id in self.watched.keys() - wanted.keys():
            self._unhook(self.watched[task_id].task)
        for task_id in wanted.keys() - self.watched.keys():
            self._hook(wanted[task_id].task)
        self.watched = wanted
        self.head = head
        self.newest = newest
        self.wake.set()

    def task_added(self, task: Task) -> None:
        if self.head:
            self.new_tasks.append(task)
            self.newest = max(self.newest, task_number(task.id))
            self.wake.set()

    def journal_added(self) -> None:
        if not self.journal_pending:
            self.journal_pending = True
            self.wake.set()

    def reset(self) -> None:
        self.release()
        self.new_tasks.clear()
        self.newest = 0
        self.was_reset = True
        self.wake.set()

    async def collect(self, read: Reader) -> tuple[list[Task], list[Task]]:
        """(changed watched tasks, new tasks) since the last call, as current readings; new
        tasks become watched, oldest first (the page stacks them in that order)."""
        new, self.new_tasks = self.new_tasks, []
        new.sort(key=lambda task: task_number(task.id))
        for task in new:
            if task.id not in self.watched:
                self.watched[task.id] = Watched(task)
                self._hook(task)
        pending = [watched for watched in self.watched.values() if not watched.settled]
        changed = []
        for watched, task in zip(pending, await read([w.task for w in pending]), strict=True):
            watched.task = task
            if task.cursor != watched.sent:
                watched.sent = task.cursor
                changed.append(task)
                if task.terminal:
                    self._unhook(task)  # nothing more will happen to it
        return changed, new

    def next_delay(self, clock: Clock, longest: float) -> float:
        """Real seconds until a watched task's next event is due, at most `longest`."""
        now = clock.now()
        delays = [
            clock.real_delay(watched.task.due - now)
            for watched in self.watched.values()
            if watched.task.due is not None and not watched.task.terminal
        ]
        return min([*delays, longest])

    def release(self) -> None:
        for watched in self.watched.values():
            self._unhook(watched.task)
        self.watched = {}

    def _hook(self, task: Task) -> None:
        if not task.terminal:
            self.store.watch(task, self.wake)

    def _unhook(self, task: Task) -> None:
        self.store.unwatch(task, self.wake)
