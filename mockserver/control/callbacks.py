"""Webhook delivery: when a task reaches a terminal status, POST it to its `callbackUrl`.

Deliveries retry with exponential backoff and every attempt lands in the journal, so a test
can assert "my webhook was called" or "the mock gave up after N attempts". Only loopback
targets are contacted unless the host is allowed explicitly (`--allow-callback-host`), so a
copied production URL never receives mock traffic.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from mockserver.config import Callbacks
from mockserver.control.journal import JournalStore
from mockserver.tasks.task import Task

log = logging.getLogger("mockserver.control.callbacks")


def callback_target_problem(url: str, allow_hosts: list[str]) -> str | None:
    """Why `url` will not be called, or None if it will."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http(s) URL"
    host = parts.hostname.lower()
    if "*" in allow_hosts or host in (h.lower() for h in allow_hosts):
        return None
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return f"host {host} is not loopback (allow it with --allow-callback-host {host})"


class CallbackSender:
    """Schedules one delivery task per terminal task with a callback URL."""

    def __init__(
        self, config: Callbacks, journal: JournalStore, body: Callable[[Task], dict[str, Any]]
    ) -> None:
        self.config = config
        self.journal = journal
        self.body = body
        self._client: httpx.AsyncClient | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def on_terminal(self, task: Task) -> None:
        """Called by the store, inside the change that finished the task: the delivery (or
        the journal entry saying why there is none) runs as its own job."""
        if not task.callback_url:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.warning("callback for task %s skipped: no event loop", task.id)
            return
        payload = json.dumps(self.body(task)).encode()
        job = loop.create_task(self._deliver(task.id, task.callback_url, payload, task))
        self._pending.add(job)
        job.add_done_callback(self._pending.discard)

    async def _deliver(self, task_id: str, url: str, payload: bytes, task: Task) -> None:
        problem = callback_target_problem(url, self.config.allow_hosts)
        if problem is not None:
            await self.journal.callback(task_id, url, 0, None, f"skipped: {problem}")
            return
        delay = self.config.delay + task.callback_delay
        if delay:
            await asyncio.sleep(delay)
        client = self._http()
        for attempt in range(1, self.config.retries + 2):
            status: int | None = None
            error: str | None = None
            try:
                response = await client.post(
                    url, content=payload, headers={"content-type": "application/json"}
                )
                status = response.status_code
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            await self.journal.callback(task_id, url, attempt, status, error)
            if status is not None and status < 400:
                return
            if attempt <= self.config.retries:
                await asyncio.sleep(self.config.backoff * 2 ** (attempt - 1))
        log.warning("callback for task %s to %s failed after retries", task_id, url)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.config.timeout, trust_env=False)
        return self._client

    async def aclose(self) -> None:
        for job in list(self._pending):
            job.cancel()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
