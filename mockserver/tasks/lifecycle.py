"""The task state machine and the clock that drives it.

A task follows a *plan*: the tuple of events its outcome implies (success, model failure,
pre-run error), shared by every task with that outcome. The task only holds a cursor into the
plan and the virtual time its next event is due, and is advanced lazily whenever something
reads it (Task/Detail, the socket, the admin API) — so idle tasks cost nothing. Tasks whose
transitions have side effects nobody polls for (a callback URL, project limits) are also put
on the store's timer so they advance on time.

Clock modes: `realtime` (virtual time = real time x speed), `step` (each Task/Detail or socket
tick advances a task one event; timestamps use real time) and `manual` (time moves only when
the admin API advances it or a task).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from codegen.schema import Status
from mockserver.config import ClockMode, MockConfig
from mockserver.errors import TaskStateError
from mockserver.tasks.task import TIMED_TYPES, Step, Task

MSG_NOT_CANCELLABLE = "Task is not in a cancellable state."
R = TypeVar("R")
CANCEL_STEP = Step("task_cancel", Status.CANCEL)


class Clock:
    """Virtual seconds since start; how they relate to real time depends on the mode.

    `timer` is the real-time source: the monotonic clock in one process; wall time when
    several processes share the clock (their monotonic clocks have unrelated origins).
    """

    def __init__(
        self,
        mode: ClockMode = "realtime",
        speed: float = 1.0,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.mode: ClockMode = mode
        self.speed = speed
        self._timer = timer
        self._base_real = timer()
        self._base_virtual = 0.0
        self.epoch = time.time()

    def now(self) -> float:
        if self.mode == "manual":
            return self._base_virtual
        speed = self.speed if self.mode == "realtime" else 1.0
        return self._base_virtual + (self._timer() - self._base_real) * speed

    def real_delay(self, virtual: float) -> float:
        """Real seconds until `virtual` seconds of clock time pass (inf if time is frozen)."""
        if self.mode != "realtime":
            return math.inf
        return max(0.0, virtual / self.speed)

    def advance(self, seconds: float) -> None:
        self._base_virtual += seconds

    def set(self, mode: ClockMode, speed: float | None = None) -> None:
        now = self.now()
        self._base_virtual, self._base_real = now, self._timer()
        self.mode = mode
        if speed is not None:
            self.speed = speed

    def reset(self) -> None:
        self._base_real, self._base_virtual, self.epoch = self._timer(), 0.0, time.time()

    def snapshot(self) -> dict[str, Any]:
        """The clock's whole state (what a shared store keeps so every process agrees)."""
        return {
            "mode": self.mode, "speed": self.speed, "base_real": self._base_real,
            "base_virtual": self._base_virtual, "epoch": self.epoch,
        }  # fmt: skip

    def restore(self, data: dict[str, Any]) -> None:
        self.mode, self.speed = data["mode"], float(data["speed"])
        self._base_real, self._base_virtual = float(data["base_real"]), float(data["base_virtual"])
        self.epoch = float(data["epoch"])


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
    """Moves tasks along their plans: the only code that changes a task's lifecycle state.

    It holds no tasks. The store owns them and hears of what matters to it through three
    hooks: `on_scheduled` (a tracked task's next event got a due time: put it on a timer),
    `on_step` (a task entered an event: wake whoever follows it) and `on_terminal` (a task
    just finished: charge it, send its callback, free its slot).
    """

    def __init__(self, config: MockConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.on_terminal: list[Callable[[Task], None]] = []
        self.on_scheduled: Callable[[Task], None] | None = None
        self.on_step: Callable[[Task], None] | None = None
        self._tails: dict[int, tuple[tuple[Step, ...], list[float]]] = {}

    # -- creation ---------------------------------------------------------------------------
    def start(self, task: Task, tracked: bool) -> Task:
        """Enter the first event (task_queue). `tracked`: its events must happen on time even
        when nobody reads it (a callback URL, project limits), so the store keeps a timer."""
        task.tracked = tracked
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

    def retime(self, task: Task) -> Task:
        """Give a live task a due time under the clock's current mode (after a mode change)."""
        if task.terminal:
            return task
        if self.clock.mode == "step" or (task.stalled and task.step.type == "task_queue"):
            task.due = None
        else:
            self._schedule_next(task, self.clock.now())
        return task

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
        if self.on_step is not None:
            self.on_step(task)

    def _schedule_next(self, task: Task, at: float) -> None:
        task.due = at + self.config.durations.of(task.step.type)
        if task.tracked and self.on_scheduled is not None:
            self.on_scheduled(task)

    def _finish(self, task: Task) -> None:
        if task.outcome == "success":
            task.pexit = "0"
        elif task.outcome in ("cancel", "kill"):
            task.pexit = task.pexit or "0"
        for hook in self.on_terminal:
            hook(task)

    def remaining(self, task: Task) -> float | None:
        """Virtual seconds until the task's last event, if nothing interferes (None: unknown,
        in step mode or while it is stalled)."""
        if task.terminal:
            return 0.0
        if task.due is None:
            return None
        return max(0.0, task.due - self.clock.now()) + self._tail(task.plan)[task.cursor]

    def _tail(self, plan: tuple[Step, ...]) -> list[float]:
        """For each event of `plan`, the seconds the events after the next one take (per plan
        object, since plans are shared: computed once, not on every write of a task)."""
        hit = self._tails.get(id(plan))
        if hit is None or hit[0] is not plan:
            if len(self._tails) > 64:  # cancelled tasks' cut plans are one-offs
                self._tails.clear()
            durations = [self.config.durations.of(s.type) for s in plan]
            tails = [sum(durations[i + 1 : -1]) for i in range(len(plan))]
            hit = self._tails[id(plan)] = (plan, tails)
        return hit[1]
