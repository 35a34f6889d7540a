"""The dashboard's live feed: which tasks changed and which journal entries are new.

`Feed` is the hook `MockState` holds. While no dashboard is connected it is inert: the hot
paths check one flag (`Feed.active`, `Journal.listener`) and do nothing else. A connected
page is a `Subscriber`: it *watches* the tasks it shows (at most a page of them) through
the same `Task.waiters` hook the task WebSocket uses, hears about new tasks from
`MockState.new_task` and about new journal entries from `Journal.listener`, and is woken
for each. What changed is read from the task objects themselves (the state Task/Detail
renders), never from the admin API, and only for the watched tasks, so the cost of a push
does not grow with the number of tasks in the store.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable

from mockserver.journal import Journal
from mockserver.lifecycle import Clock, Engine
from mockserver.task import Task


class Subscriber:
    """One connected dashboard page: the tasks it shows and what it has not been sent yet."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()
        #: Watched task -> plan cursor last sent (-1: never sent).
        self.watched: dict[Task, int] = {}
        #: The page shows the newest tasks, so tasks created from now on are sent too.
        self.head = True
        self.new_tasks: list[Task] = []
        self.journal_pending = False
        self.was_reset = False

    def watch(self, tasks: Iterable[Task], head: bool) -> None:
        """Replace the watched set (what the page shows); unchanged tasks keep their cursor."""
        wanted = {task: self.watched.get(task, -1) for task in tasks}
        for task in self.watched.keys() - wanted.keys():
            self._unhook(task)
        for task in wanted.keys() - self.watched.keys():
            self._hook(task)
        self.watched = wanted
        self.head = head
        self.wake.set()

    def task_added(self, task: Task) -> None:
        if self.head:
            self.new_tasks.append(task)
            self.wake.set()

    def journal_added(self) -> None:
        if not self.journal_pending:
            self.journal_pending = True
            self.wake.set()

    def reset(self) -> None:
        self.release()
        self.new_tasks.clear()
        self.was_reset = True
        self.wake.set()

    def collect(self, engine: Engine) -> tuple[list[Task], list[Task]]:
        """(changed watched tasks, new tasks) since the last call; new tasks become watched."""
        new, self.new_tasks = self.new_tasks, []
        for task in new:
            if task not in self.watched:
                self.watched[task] = -1
                self._hook(task)
        changed = []
        for task, sent in self.watched.items():
            engine.sync(task)
            if task.cursor != sent:
                changed.append(task)
        for task in changed:
            self.watched[task] = task.cursor
            if task.terminal:
                self._unhook(task)  # nothing more will happen to it
        return changed, new

    def next_delay(self, clock: Clock) -> float | None:
        """Real seconds until a watched task's next event is due (None: nothing scheduled)."""
        now = clock.now()
        delays = [
            clock.real_delay(task.due - now)
            for task in self.watched
            if task.due is not None and not task.terminal
        ]
        delay = min(delays, default=None)
        return None if delay is None or math.isinf(delay) else delay

    def release(self) -> None:
        for task in self.watched:
            self._unhook(task)
        self.watched = {}

    def _hook(self, task: Task) -> None:
        if task.terminal:
            return
        if task.waiters is None:
            task.waiters = set()
        task.waiters.add(self.wake)

    def _unhook(self, task: Task) -> None:
        if task.waiters is not None:
            task.waiters.discard(self.wake)


class Feed:
    """Fan-out of task creations, journal entries and resets to the connected pages."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.subscribers: set[Subscriber] = set()
        #: Checked by `MockState.new_task`: False (no page connected) costs nothing more.
        self.active = False

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber()
        self.subscribers.add(subscriber)
        self._update()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        subscriber.release()
        self.subscribers.discard(subscriber)
        self._update()

    def task_added(self, task: Task) -> None:
        for subscriber in self.subscribers:
            subscriber.task_added(task)

    def journal_added(self) -> None:
        for subscriber in self.subscribers:
            subscriber.journal_added()

    def reset(self) -> None:
        for subscriber in self.subscribers:
            subscriber.reset()

    def _update(self) -> None:
        self.active = bool(self.subscribers)
        self.journal.listener = self.journal_added if self.active else None
