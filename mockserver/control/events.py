"""What happens in this process, for observers outside the core: tasks created, journal
entries added, resets.

The core publishes here and never knows who listens: the dashboard's live pages subscribe
(`admin.dashboard.feed.Subscriber`). While nobody does, publishing costs one flag test on
the hot paths (`Events.active`) and the journal has no listener at all. Announcements are
local to this process; what other processes sharing a store do is found by the observers
themselves.
"""

from __future__ import annotations

from typing import Protocol

from mockserver.control.journal import JournalStore
from mockserver.tasks.task import Task


class Observer(Protocol):
    def task_added(self, task: Task) -> None: ...
    def journal_added(self) -> None: ...
    def reset(self) -> None: ...


class Events:
    """Fan-out of task creations, journal entries and resets to the subscribed observers."""

    def __init__(self, journal: JournalStore) -> None:
        self.journal = journal
        self.observers: set[Observer] = set()
        #: Checked before publishing a task: False (nobody subscribed) costs nothing more.
        self.active = False

    def subscribe(self, observer: Observer) -> None:
        self.observers.add(observer)
        self._update()

    def unsubscribe(self, observer: Observer) -> None:
        self.observers.discard(observer)
        self._update()

    def task_added(self, task: Task) -> None:
        for observer in self.observers:
            observer.task_added(task)

    def journal_added(self) -> None:
        for observer in self.observers:
            observer.journal_added()

    def reset(self) -> None:
        for observer in self.observers:
            observer.reset()

    def _update(self) -> None:
        self.active = bool(self.observers)
        self.journal.listener = self.journal_added if self.active else None
