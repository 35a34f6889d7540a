"""The dashboard's WebSocket (`/__mock__/ui/live`): task cards and journal rows, pushed.

The page says what it shows (`{"type": "watch", "ids": [...], "head": bool, "newest": id,
"journal": id}`: the cards on screen, whether they are the newest, the newest task id and
journal id the page has);
the server then pushes, as rendered HTML fragments with the data the page filters on:

- `{"type": "tasks", "cards": [...], "total": N}`: watched tasks that moved, and (when the
  page shows the newest tasks) tasks just created (`"new": true`);
- `{"type": "journal", "rows": [...], "gap": bool}`: journal entries newer than the page's;
- `{"type": "reset"}`: the mock was reset; the page reloads its lists.

It sleeps until a watched task is due, a task is created, an entry is journaled or the page
writes; bursts are coalesced into one message per `COALESCE` seconds. It also wakes every
`POLL` seconds: a safety net for a wake-up nobody sent (the clock moved, but no one read the
tasks), and with a shared store (several processes serving as one mock) the way to learn
of tasks and entries another process created, which are announced only there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from mockserver.admin.dashboard import templates
from mockserver.admin.dashboard.feed import Subscriber, task_number
from mockserver.admin.dashboard.views import (
    JOURNAL_PAGE,
    PAGE_SIZE,
    journal_row,
    readings,
    task_card,
)
from mockserver.api.socket import CLOSE_DROPPED, pump_while_receiving
from mockserver.errors import StoreUnavailableError
from mockserver.state import MockState
from mockserver.tasks.task import Task

#: Seconds a wake-up waits for more changes before pushing (one message per burst).
COALESCE = 0.05
#: Longest sleep: then the watched tasks are read again and, with a shared store, the
#: store is searched for what other processes created.
POLL = 1.0


class LiveStream:
    def __init__(self, ws: WebSocket, state: MockState, subscriber: Subscriber) -> None:
        self.ws = ws
        self.state = state
        self.sub = subscriber
        self.journal_id = 0
        #: The store's task count at the last look for new tasks (-1: never looked).
        self.task_count = -1
        self.gone = False

    async def run(self) -> None:
        self.journal_id = await self.state.journal.last_id()
        await pump_while_receiving(self._pump, self._receive)

    async def _receive(self) -> None:
        try:
            while True:
                try:
                    message = await self.ws.receive()
                except (WebSocketDisconnect, RuntimeError):
                    return
                if message["type"] == "websocket.disconnect":
                    return
                with contextlib.suppress(ValueError, TypeError, KeyError):
                    await self._handle(json.loads(message.get("text") or "{}"))
        finally:  # however the reader ends (a store error too), the pump must not linger
            self.gone = True
            self.sub.wake.set()

    async def _handle(self, payload: dict[str, Any]) -> None:
        if payload.get("type") != "watch":
            return
        store, sub = self.state.store, self.sub
        ids = [str(i) for i in payload.get("ids", [])][: PAGE_SIZE * 2]
        found = await asyncio.gather(*(store.get(task_id) for task_id in ids))
        journal = payload.get("journal")
        if isinstance(journal, int) and journal >= 0:
            self.journal_id = journal
            sub.journal_pending = True
        newest = payload.get("newest")
        if not isinstance(newest, int):
            newest = max(map(task_number, ids), default=0)
        sub.watch(
            [task for task in found if task is not None], bool(payload.get("head", True)), newest
        )
        await self._look_for_new_tasks()  # created between the page's render and now

    async def _look_for_new_tasks(self) -> None:
        """Announce tasks newer than the subscriber's newest that nobody announced here
        (created before it subscribed, or by another process sharing the store)."""
        sub = self.sub
        if not sub.head or not await self._tasks_added():
            return
        for task in await self._created_after(sub.newest):
            sub.task_added(task)

    async def _tasks_added(self) -> bool:
        """Whether the store may hold tasks newer than the subscriber's newest: the id after
        it exists, or the task count moved (covers an id that is gone). Two cheap reads, so
        the look in `_created_after` runs only when it may find something."""
        store = self.state.store
        count, after = await asyncio.gather(store.count(), store.get(str(self.sub.newest + 1)))
        moved, self.task_count = count != self.task_count, count
        return moved or after is not None

    async def _created_after(self, newest: int) -> list[Task]:
        """Up to a page of the newest tasks with an id above `newest`, newest first."""
        return await self.state.store.newest(newest, PAGE_SIZE)

    async def _pump(self) -> None:
        sub, clock = self.sub, self.state.clock
        while not self.gone:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sub.wake.wait(), sub.next_delay(clock, POLL))
            if self.gone:
                return
            await asyncio.sleep(COALESCE)
            sub.wake.clear()
            await self._poll()
            await self._push()

    async def _poll(self) -> None:
        """Find what other processes sharing the store did: new tasks and entries, a reset
        (a journal's ids only go back when the whole mock was reset). Alone in memory it
        finds nothing the events did not announce, for a few dictionary lookups."""
        last_id = await self.state.journal.last_id()
        if last_id < self.journal_id:
            self.sub.reset()
        elif last_id > self.journal_id:
            self.sub.journal_pending = True
        await self._look_for_new_tasks()

    async def _push(self) -> None:
        sub = self.sub
        if sub.was_reset:
            sub.was_reset = False
            self.journal_id = await self.state.journal.last_id()
            await self.ws.send_text(json.dumps({"type": "reset"}))
        await self._push_tasks()
        if sub.journal_pending:
            sub.journal_pending = False
            await self._push_journal()

    async def _push_tasks(self) -> None:
        state = self.state
        changed, new = await self.sub.collect(lambda tasks: readings(state, tasks))
        if not changed:
            return
        fresh = {task.id for task in new}
        now = state.clock.now()
        cards = [_card(task, now, task.id in fresh) for task in changed]
        total = await state.store.count()
        await self.ws.send_text(json.dumps({"type": "tasks", "cards": cards, "total": total}))

    async def _push_journal(self) -> None:
        state = self.state
        entries = await state.journal.since(self.journal_id, JOURNAL_PAGE)
        if not entries:
            return
        gap = entries[0]["id"] > self.journal_id + 1 and len(entries) == JOURNAL_PAGE
        self.journal_id = entries[-1]["id"]
        rows = [_row(journal_row(entry, state.auth)) for entry in entries]
        message = {"type": "journal", "rows": rows, "gap": gap, "last_id": self.journal_id}
        await self.ws.send_text(json.dumps(message))


def _card(task: Task, now: float, new: bool) -> dict[str, Any]:
    """A card as pushed: what the page filters on, and its HTML."""
    card = task_card(task, now)
    return {
        "id": card["id"], "model": card["model"], "status": card["status"],
        "state": card["state"], "new": new, "html": templates.part("card", card),
    }  # fmt: skip


def _row(row: dict[str, Any]) -> dict[str, Any]:
    """A journal row as pushed: what the page filters on, and its HTML."""
    return {
        "id": row["id"], "model": row["model"], "status": row["status"],
        "status_class": row["status_class"], "search": row["search"],
        "html": templates.part("row", row),
    }  # fmt: skip


async def live(ws: WebSocket) -> None:
    state: MockState = ws.app.state.mock
    state.ensure_started()
    subscriber = Subscriber(state.store)
    state.events.subscribe(subscriber)  # before accepting: nothing is missed
    try:
        await ws.accept()
        await LiveStream(ws, state, subscriber).run()
    except (WebSocketDisconnect, RuntimeError, OSError):
        return  # the page went away mid-send
    except StoreUnavailableError:  # Redis away: close; the page reconnects, backing off
        with contextlib.suppress(Exception):
            await ws.close(CLOSE_DROPPED, "store unavailable")
    finally:
        state.events.unsubscribe(subscriber)
        subscriber.release()
