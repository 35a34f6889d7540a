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
writes; bursts are coalesced into one message per `COALESCE` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from mockserver.dashboard import templates
from mockserver.dashboard.feed import Subscriber
from mockserver.dashboard.views import JOURNAL_PAGE, PAGE_SIZE, journal_row, task_card
from mockserver.routes.socket import pump_while_receiving
from mockserver.state import MockState
from mockserver.task import Task

#: Seconds a wake-up waits for more changes before pushing (one message per burst).
COALESCE = 0.05


class LiveStream:
    def __init__(self, ws: WebSocket, state: MockState, subscriber: Subscriber) -> None:
        self.ws = ws
        self.state = state
        self.sub = subscriber
        self.journal_id = state.journal.last_id()
        self.gone = False

    async def run(self) -> None:
        await pump_while_receiving(self._pump, self._receive)

    async def _receive(self) -> None:
        while True:
            try:
                message = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                message = {"type": "websocket.disconnect"}
            if message["type"] == "websocket.disconnect":
                self.gone = True
                self.sub.wake.set()
                return
            with contextlib.suppress(ValueError, TypeError, KeyError):
                self._handle(json.loads(message.get("text") or "{}"))

    def _handle(self, payload: dict[str, Any]) -> None:
        if payload.get("type") != "watch":
            return
        ids = [str(i) for i in payload.get("ids", [])][: PAGE_SIZE * 2]
        tasks = [t for t in (self.state.tasks.by_id(i) for i in ids) if t is not None]
        journal = payload.get("journal")
        if isinstance(journal, int) and journal >= 0:
            self.journal_id = journal
            self.sub.journal_pending = True
        head = bool(payload.get("head", True))
        self.sub.watch(tasks, head)
        newest = payload.get("newest")
        if head and isinstance(newest, int):  # created between the page's render and now
            self.sub.new_tasks[:0] = self._created_after(newest)

    def _created_after(self, newest: int) -> list[Task]:
        found: list[Task] = []
        for task in reversed(list(self.state.tasks)):
            if not task.id.isdigit() or int(task.id) <= newest or len(found) >= PAGE_SIZE:
                break
            found.append(task)
        found.reverse()
        return [t for t in found if t not in self.sub.new_tasks]

    async def _pump(self) -> None:
        sub, clock = self.sub, self.state.clock
        while not self.gone:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sub.wake.wait(), sub.next_delay(clock))
            if self.gone:
                return
            await asyncio.sleep(COALESCE)
            sub.wake.clear()
            await self._push()

    async def _push(self) -> None:
        sub, state = self.sub, self.state
        if sub.was_reset:
            sub.was_reset = False
            self.journal_id = state.journal.last_id()
            await self.ws.send_text(json.dumps({"type": "reset"}))
        changed, new = sub.collect(state.engine)
        if changed:
            fresh = set(new)
            now = state.clock.now()
            cards = []
            for task in changed:
                card = task_card(task, now)
                cards.append(
                    {
                        "id": card["id"], "model": card["model"], "status": card["status"],
                        "state": card["state"], "new": task in fresh,
                        "html": templates.part("card", card),
                    }
                )  # fmt: skip
            message = {"type": "tasks", "cards": cards, "total": len(state.tasks)}
            await self.ws.send_text(json.dumps(message))
        if sub.journal_pending:
            sub.journal_pending = False
            entries = state.journal.since(self.journal_id, JOURNAL_PAGE)
            if entries:
                gap = entries[0]["id"] > self.journal_id + 1 and len(entries) == JOURNAL_PAGE
                self.journal_id = entries[-1]["id"]
                rows = []
                for entry in entries:
                    row = journal_row(entry, state)
                    rows.append(
                        {
                            "id": row["id"], "model": row["model"], "status": row["status"],
                            "status_class": row["status_class"], "search": row["search"],
                            "html": templates.part("row", row),
                        }
                    )  # fmt: skip
                message = {"type": "journal", "rows": rows, "gap": gap, "last_id": self.journal_id}
                await self.ws.send_text(json.dumps(message))


async def live(ws: WebSocket) -> None:
    state: MockState = ws.app.state.mock
    state.ensure_started()
    subscriber = state.feed.subscribe()  # before accepting: nothing created after is missed
    try:
        await ws.accept()
        await LiveStream(ws, state, subscriber).run()
    except (WebSocketDisconnect, RuntimeError, OSError):
        return  # the page went away mid-send
    finally:
        state.feed.unsubscribe(subscriber)
