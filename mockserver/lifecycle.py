"""The task state machine and the clock that drives it.

A task follows a *plan*: the tuple of events its outcome implies (success, model failure,
pre-run error), shared by every task with that outcome. The task only holds a cursor into the
plan and the virtual time its next event is due, and is advanced lazily whenever something
reads it (Task/Detail, the socket, the admin API) — so idle tasks cost nothing. Tasks whose
transitions have side effects nobody polls for (a callback URL, project limits) are also put
on a timer heap so they advance on time.

Clock modes: `realtime` (virtual time = real time x speed), `step` (each Task/Detail or socket
tick advances a task one event; timestamps use real time) and `manual` (time moves only when
the admin API advances it or a task).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
import time
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from codegen.schema import Status
from mockserver.config import ClockMode, MockConfig, Project
from mockserver.errors import TaskStateError
from mockserver.task import TIMED_TYPES, Step, Task

MSG_NOT_CANCELLABLE = "Task is not in a cancellable state."
R = TypeVar("R")
CANCEL_STEP = Step("task_cancel", Status.CANCEL)


class Clock:
    """Virtual seconds since start; how they relate to real time depends on the mode."""

    def __init__(self, mode: ClockMode = "realtime", speed: float = 1.0) -> None:
        self.mode: ClockMode = mode
        self.speed = speed
        self._base_real = time.monotonic()
        self._base_virtual = 0.0
        self.epoch = time.time()

    def now(self) -> float:
        if self.mode == "manual":
            return self._base_virtual
        speed = self.speed if self.mode == "realtime" else 1.0
        return self._base_virtual + (time.monotonic() - self._base_real) * speed

    def real_delay(self, virtual: float) -> float:
        """Real seconds until `virtual` seconds of clock time pass (inf if time is frozen)."""
        if self.mode != "realtime":
            return math.inf
        return max(0.0, virtual / self.speed)

    def advance(self, seconds: float) -> None:
        self._base_virtual += seconds

    def set(self, mode: ClockMode, speed: float | None = None) -> None:
        now = self.now()
        self._base_virtual, self._base_real = now, time.monotonic()
        self.mode = mode
        if speed is not None:
            self.speed = speed

    def reset(self) -> None:
        self._base_real, self._base_virtual, self.epoch = time.monotonic(), 0.0, time.time()


@cache
def build_plan(outcome: str, progress: int, text: bool) -> tuple[Step, ...]:
    """The events of one outcome: `success`, `fail` (model failure) or `error` (pre-run)."""
    head = [
        Step("task_queue", Status.QUEUE),
        Step("task_accept", Status.ACCEPT),
        Step("task_preprocess_start", Status.PREPROCESS_START),
    ]
    if outcome == "error":
        return (*head, Step("task_error", Status.ERROR, "error"))
    head += [
        Step("task_preprocess_end", Status.PREPROCESS_END),
        Step("task_assign", Status.ASSIGN),
        Step("task_start", Status.START),
        Step("task_output", Status.OUTPUT, "log"),
    ]
    payload = "llm" if text else "progress"
    if outcome == "fail":
        body = [Step("task_output", Status.OUTPUT, "progress", i, progress) for i in (1,)]
        body += [Step("task_error", None, "stderr"), Step("task_error_full", None, "error_full")]
    else:
        body = [
            Step("task_output", Status.OUTPUT, payload, i, progress) for i in range(1, progress + 1)
        ]
        body.append(Step("task_output_full", Status.OUTPUT_FULL, "output_full"))
    tail = [
        Step("task_end", Status.END),
        Step("task_postprocess_start", Status.POSTPROCESS_START),
        Step("task_postprocess_end", Status.POSTPROCESS_END, "outputs"),
    ]
    return (*head, *body, *tail)


class Engine:
    """Creates tasks and moves them along their plans; the single writer of task state."""

    def __init__(self, config: MockConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.on_terminal: list[Callable[[Task], None]] = []
        self.live: dict[str, set[Task]] = {}
        self.balances: dict[str, float | None] = {}
        self.concurrency: dict[str, int | None] = {}
        self._heap: list[tuple[float, int, Task]] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        for project in config.effective_projects():
            self.set_limits(project, project.concurrent_tasks, project.balance)

    # -- limits -----------------------------------------------------------------------------
    def set_limits(self, project: Project, concurrent: int | None, balance: float | None) -> None:
        self.concurrency[project.api_key] = concurrent
        self.balances[project.api_key] = balance

    def has_limits(self, project: Project) -> bool:
        key = project.api_key
        return self.concurrency.get(key) is not None or self.balances.get(key) is not None

    def live_count(self, project: Project) -> int:
        live = self.live.get(project.api_key)
        if not live:
            return 0
        for task in list(live):
            self.sync(task)
        return len(live)

    # -- creation ---------------------------------------------------------------------------
    def start(self, task: Task) -> Task:
        """Enter the first event (task_queue) and register the task as live."""
        live = self.live.get(task.project.api_key)
        if live is None:
            live = self.live[task.project.api_key] = set()
        live.add(task)
        task.tracked = bool(task.callback_url) or self.has_limits(task.project)
        self._enter(task, 0, task.created)
        return task

    # -- advancing --------------------------------------------------------------------------
    def sync(self, task: Task) -> Task:
        """Apply every event whose due time has passed (realtime and manual modes)."""
        due = task.due
        if due is None:
            return task
        now = self.clock.now()
        while due is not None and due <= now:
            self._enter(task, task.cursor + 1, due)
            due = task.due
        return task

    def poll(self, task: Task) -> Task:
        """A socket tick: one event in step mode, catch up otherwise."""
        if self.clock.mode == "step":
            if not task.terminal and not task.stalled:
                self._enter(task, task.cursor + 1, self.clock.now())
            return task
        return self.sync(task)

    def read(self, task: Task, render: Callable[[Task], R]) -> R:
        """What a Task/Detail read does, around rendering the answer.

        In step mode the read reports the task as it is and then moves it one event on, so
        a client polling from the Run response on observes every status, `task_queue`
        first; in the other modes the task catches up with the clock first.
        """
        if self.clock.mode != "step":
            return render(self.sync(task))
        answer = render(task)
        self.poll(task)
        return answer

    def advance(self, task: Task, steps: int = 1, to: str | None = None) -> Task:
        """Force a task forward (admin): `steps` events, or until status/event `to` (or 'end')."""
        self.sync(task)
        task.stalled = False
        now = self.clock.now()
        if to is None:
            for _ in range(steps):
                if task.terminal:
                    break
                self._enter(task, task.cursor + 1, now)
            return task
        while not task.terminal and to not in (task.step.type, task.status.value):
            self._enter(task, task.cursor + 1, now)
        if not task.terminal and task.due is None and self.clock.mode != "step":
            self._schedule_next(task, now)
        return task

    def cancel(self, task: Task) -> Task:
        self.sync(task)
        if task.status != Status.QUEUE:
            raise TaskStateError(MSG_NOT_CANCELLABLE)
        return self._stop(task, "cancel")

    def kill(self, task: Task) -> Task:
        self.sync(task)
        if task.terminal:
            raise TaskStateError("Task could not be killed: task has already finished.")
        if task.status == Status.QUEUE:
            raise TaskStateError(
                "Task could not be killed: task is not running (use Task/Cancel for queued tasks)."
            )
        task.killed = True
        return self._stop(task, "kill")

    def _stop(self, task: Task, outcome: str) -> Task:
        task.plan = (*task.plan[: task.cursor + 1], CANCEL_STEP)
        task.outcome = outcome
        self._enter(task, task.cursor + 1, self.clock.now())
        return task

    def _enter(self, task: Task, index: int, at: float) -> None:
        task.cursor = index
        step = task.plan[index]
        if step.type in TIMED_TYPES and step.payload != "stderr":
            task.times.setdefault(step.type, at)
        if step.terminal:
            task.due = None
            self._finish(task)
        elif self.clock.mode == "step" or (task.stalled and step.type == "task_queue"):
            task.due = None
        else:
            self._schedule_next(task, at)
        task.notify()

    def _schedule_next(self, task: Task, at: float) -> None:
        task.due = at + self.config.durations.of(task.step.type)
        if task.tracked:
            heapq.heappush(self._heap, (task.due, next(self._seq), task))
            self._wake.set()

    def _finish(self, task: Task) -> None:
        if task.outcome == "success":
            task.pexit = "0"
        elif task.outcome in ("cancel", "kill"):
            task.pexit = task.pexit or "0"
        self.live.get(task.project.api_key, set()).discard(task)
        for hook in self.on_terminal:
            hook(task)

    def is_finished(self, task: Task) -> bool:
        return self.sync(task).terminal

    # -- mode changes and the timer heap ----------------------------------------------------
    def set_clock(self, mode: ClockMode, speed: float | None = None) -> None:
        """Switch clock mode; live tasks get fresh due times under the new mode."""
        for live in self.live.values():
            for task in list(live):
                self.sync(task)
        self.clock.set(mode, speed)
        now = self.clock.now()
        for live in self.live.values():
            for task in live:
                stalled = task.stalled and task.step.type == "task_queue"
                if mode == "step" or stalled:
                    task.due = None
                else:
                    self._schedule_next(task, now)
        self._wake.set()

    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.run_due()

    def run_due(self) -> None:
        """Advance every tracked task whose next event is due (fires callbacks on time)."""
        now = self.clock.now()
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, _, task = heapq.heappop(heap)
            if task.due is not None and task.due <= due:
                self.sync(task)

    async def run_scheduler(self) -> None:
        """Background loop: sleep until the next tracked event is due, then apply it."""
        self._wake = asyncio.Event()  # bound to the loop this runs in
        while True:
            delay = (
                self.clock.real_delay(self._heap[0][0] - self.clock.now()) if self._heap else None
            )
            if delay is not None and math.isinf(delay):
                delay = None
            self._wake.clear()
            if delay is None or delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
            self.run_due()

    def reset(self) -> None:
        self.live.clear()
        self._heap.clear()
        for project in self.config.effective_projects():
            self.set_limits(project, project.concurrent_tasks, project.balance)
