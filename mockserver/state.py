"""Everything one running mock holds, wired together: the object routes work against.

Created by `create_app`; background work (the timer heap, the spec watcher) starts lazily on
the first request or socket so the app also works under transports that skip lifespan
events (httpx's ASGITransport).
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import logging
import random
from pathlib import Path
from typing import Any

from codegen.schema import Model
from mockserver.auth import Authenticator
from mockserver.callbacks import CallbackSender
from mockserver.catalogue import Registry
from mockserver.config import MockConfig, Project
from mockserver.dashboard.feed import Feed
from mockserver.faults import FaultSet, TaskFaults
from mockserver.journal import Journal
from mockserver.lifecycle import Clock, Engine, build_plan
from mockserver.outputs import output_kind
from mockserver.store import MemoryFileStore, MemoryTaskStore
from mockserver.task import COST_PER_SECOND, DetailCache, Task, render_task, task_cost

log = logging.getLogger("mockserver")


def new_uuid(rng: random.Random) -> str:
    """A version-4-shaped UUID string from the seeded generator (cheaper than uuid.UUID)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


_TOKEN_CHARS = bytes.maketrans(b"+/", b"xy")


def new_token(rng: random.Random) -> str:
    """A 30-character alphanumeric socket token, like Wiro's (seeded: reproducible runs).

    Base64 of 24 random bytes with `+` -> `x` and `/` -> `y`, cut to 30 characters."""
    raw = binascii.b2a_base64(rng.randbytes(24), newline=False).translate(_TOKEN_CHARS)
    return raw[:30].decode()


class MockState:
    def __init__(self, config: MockConfig, specs: Path | None, models: list[Model] | None):
        self.config = config
        self.registry = Registry(config, specs)
        if models is not None:
            self.registry.set_models(models)
        else:
            self.registry.load()
        self.auth = Authenticator(
            config.effective_projects(),
            config.auth,
            strict_nonce=config.strict_nonce,
            nonce_memory=config.limits.nonce_memory,
        )
        self.clock = Clock(config.clock.mode, config.clock.speed)
        self.engine = Engine(config, self.clock)
        self.tasks = MemoryTaskStore(config.limits.max_tasks, self.engine.is_finished)
        self.files = MemoryFileStore(config.limits.files_max_total_bytes)
        self.journal = Journal(config.limits.journal_size)
        self.feed = Feed(self.journal)
        self.details = DetailCache()
        self.faults = FaultSet(list(config.faults), config.seed)
        self.callbacks = CallbackSender(config.callbacks, self.journal, self.detail_envelope)
        self.engine.on_terminal.append(self._charge)
        self.engine.on_terminal.append(self.callbacks.on_terminal)
        COST_PER_SECOND[0] = config.lifecycle.cps
        self._rng = random.Random(config.seed)
        self._next_id = 1
        self._background: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- background work --------------------------------------------------------------------
    def ensure_started(self) -> None:
        """Start the scheduler (and watcher) in the running loop, once per loop."""
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        self._loop = loop
        self._background = [loop.create_task(self.engine.run_scheduler())]
        if self.config.watch and self.registry.specs is not None:
            self._background.append(loop.create_task(self._watch()))

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.config.watch_interval)
            try:
                self.registry.reload_changed()
            except Exception:  # a watcher must never die
                log.exception("wiro-mock: reload failed")

    async def aclose(self) -> None:
        for job in self._background:
            job.cancel()
        for job in self._background:
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await job
        self._background, self._loop = [], None
        await self.callbacks.aclose()

    # -- tasks ------------------------------------------------------------------------------
    def new_task(
        self,
        model: Model,
        project: Project,
        params: dict[str, str],
        callback_url: str,
        base_url: str,
        faults: TaskFaults,
        input_size: tuple[int, int] | None,
    ) -> Task:
        task_id = str(self._next_id)
        self._next_id += 1
        rng = self._rng
        token = new_token(rng)
        lifecycle = self.config.lifecycle
        outcome = faults.outcome
        text = output_kind(model) == "text"
        task = Task(
            id=task_id,
            uuid=new_uuid(rng),
            token=token,
            model=model,
            project=project,
            params=params,
            callback_url=callback_url,
            base_url=base_url,
            created=self.clock.now(),
            plan=build_plan(outcome, lifecycle.progress_steps, text),
            outcome=outcome,
            mock_seed=self.config.seed,
            input_size=input_size,
            stalled=faults.stall,
            socket_drop_after=faults.socket_drop_after,
            callback_delay=faults.callback_delay,
        )
        if outcome == "fail":
            task.pexit = faults.pexit if faults.pexit != "0" else "1"
            task.debugerror = faults.message or lifecycle.failure_message
        elif outcome == "error":
            task.pexit = faults.pexit
            task.debugerror = faults.message or lifecycle.error_message
        self.engine.start(task)
        self.tasks.add(task)
        if self.feed.active:
            self.feed.task_added(task)
        return task

    def _charge(self, task: Task) -> None:
        balance = self.engine.balances.get(task.project.api_key)
        if balance is not None:
            self.engine.balances[task.project.api_key] = balance - task_cost(task)

    def find_task(self, task_id: str | None, token: str | None) -> Task | None:
        task = self.tasks.by_id(task_id) if task_id else None
        if task is None and token:
            task = self.tasks.by_token(token)
        return task

    def detail_envelope(self, task: Task) -> dict[str, Any]:
        return {
            "total": "1",
            "errors": [],
            "tasklist": [render_task(task, self.clock.epoch)],
            "result": True,
        }

    def reset(self) -> None:
        """Back to a fresh start: tasks, files, journal, faults (config's), clock, limits."""
        self.tasks.clear()
        self.details.clear()
        self.files.clear()
        self.journal.clear()
        self.faults.clear(list(self.config.faults))
        self.engine.reset()
        self.clock.set(self.config.clock.mode, self.config.clock.speed)
        self.clock.reset()
        self._next_id = 1
        self._rng = random.Random(self.config.seed)
        self.feed.reset()
        if self.auth.nonces is not None:
            self.auth.nonces.clear()
