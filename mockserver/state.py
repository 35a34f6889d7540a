"""Everything one running mock holds, wired together: the object routes work against.

Created by `create_app`; background work (the store's timers, the spec watcher) starts
lazily on the first request or socket so the app also works under transports that skip
lifespan events (httpx's ASGITransport).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

from codegen.schema import Model
from mockserver.auth import Authenticator
from mockserver.config import MockConfig, Project
from mockserver.control.callbacks import CallbackSender
from mockserver.control.events import Events
from mockserver.control.faults import FaultSet, TaskFaults
from mockserver.control.limits import Limits
from mockserver.control.state import ControlState
from mockserver.errors import ModelSourceError
from mockserver.models.registry import Registry
from mockserver.store import store_kind
from mockserver.store.base import Store
from mockserver.tasks.lifecycle import Clock, Engine, build_plan
from mockserver.tasks.outputs import output_kind
from mockserver.tasks.task import DetailCache, FrameCache, Task, render_task

log = logging.getLogger("mockserver")


class MockState:
    def __init__(self, config: MockConfig, specs: Path | None, models: list[Model] | None):
        self.config = config
        self.registry = Registry(config, specs)
        if models is not None:
            self.registry.set_models(models)
        elif config.catalogue is not None:
            if config.watch:
                raise ModelSourceError(
                    f"--watch reloads a specs folder, but the catalogue of {config.catalogue} "
                    "is fixed while it is installed; drop --watch, or serve --specs FOLDER"
                )
            self.registry.load_package(config.catalogue)
        else:
            self.registry.load()
        projects = config.effective_projects()
        self.auth = Authenticator(projects, config.auth, strict_nonce=config.strict_nonce)
        self.faults = FaultSet(list(config.faults), config.seed)
        self.limits = Limits(projects)
        kind = store_kind(config)
        self.clock = Clock(config.clock.mode, config.clock.speed, timer=kind.timer)
        self.control = ControlState(self.clock, self.faults, self.limits)
        self.engine = Engine(config, self.clock)
        self.store: Store = kind(config, self.engine, self.control, self.registry)
        self.files = self.store.files
        self.journal = self.store.journal
        self.events = Events(self.journal)
        self.details = DetailCache()
        self.frames = FrameCache()
        self.callbacks = CallbackSender(config.callbacks, self.journal, self.detail_envelope)
        self.store.on_terminal.append(self.callbacks.on_terminal)
        # a reset elsewhere restarts task ids: no rendering of an old task 1 may be reused
        self.store.on_control.append(self.details.clear)
        self.store.on_control.append(self.frames.clear)
        self._background: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- background work --------------------------------------------------------------------
    def ensure_started(self) -> None:
        """Start the store's background work (and the watcher) in the running loop, once."""
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        self._loop = loop
        self._background = [loop.create_task(self.store.background())]
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
        await self.store.aclose()

    # -- tasks ------------------------------------------------------------------------------
    async def new_task(
        self,
        model: Model,
        project: Project,
        params: dict[str, str],
        callback_url: str,
        base_url: str,
        faults: TaskFaults,
        input_size: tuple[int, int] | None,
    ) -> Task:
        lifecycle = self.config.lifecycle
        outcome = faults.outcome
        text = output_kind(model) == "text"
        task = Task(
            id="",  # the store numbers it (and so names its token and uuid) when it adds it
            uuid="",
            token="",
            model=model,
            project=project,
            params=params,
            callback_url=callback_url,
            base_url=base_url,
            created=self.clock.now(),
            plan=build_plan(outcome, lifecycle.progress_steps, text),
            outcome=outcome,
            cps=lifecycle.cps,
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
        tracked = bool(callback_url) or self.limits.applies(project.api_key)
        self.engine.start(task, tracked)
        task = await self.store.add(task)
        if self.events.active:
            self.events.task_added(task)
        return task

    async def find_task(self, task_id: str | None, token: str | None) -> Task | None:
        return await self.store.get(task_id, token)

    async def synced(self, task: Task) -> Task:
        """A fresh reading of `task` (itself, if the store no longer has it)."""
        return await self.store.get(task.id) or task

    def detail_envelope(self, task: Task) -> dict[str, Any]:
        return {
            "total": "1",
            "errors": [],
            "tasklist": [render_task(task, self.clock.epoch)],
            "result": True,
        }

    async def reset(self) -> None:
        """Back to a fresh start: tasks, files, journal, faults (config's), clock, limits."""
        await self.store.clear()
        self.details.clear()
        self.frames.clear()
        async with self.store.changing_control():
            self.control.reset(self.config)
        self.events.reset()
