"""`WiroMock`: a mock server on a free loopback port in a background thread, driven through
its admin API; what the pytest fixtures (`mockserver.pytest_plugin`) hand to a test, and
usable without pytest too:

    with_mock = WiroMock("specs", clock={"mode": "step"}).start()
    ...
    with_mock.stop()
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from mockserver.auth import signed_headers
from mockserver.cli import bound_address
from mockserver.http.call import ADMIN_PREFIX

START_TIMEOUT = 15.0


class WiroMock:
    """A running mock server: URLs, credentials, and the admin API as methods."""

    def __init__(self, specs: str | Path | None = None, **config: Any) -> None:
        from mockserver.app import create_app
        from mockserver.cli import server_config

        self.app = create_app(specs=specs, **config)
        state = self.app.state.mock
        projects = state.config.effective_projects()
        self.auth_enabled: bool = state.config.auth
        self.api_key: str = projects[0].api_key
        self.api_secret: str | None = projects[0].api_secret
        self._nonce_lock = threading.Lock()
        self._last_nonce = 0
        self.port = 0
        self.root_url = self.base_url = self.socket_url = ""
        config_ = server_config(self.app, "127.0.0.1", 0)
        config_.timeout_graceful_shutdown = 1
        self._server = uvicorn.Server(config_)
        self._thread = threading.Thread(target=self._serve, name="wiro-mock", daemon=True)
        token = state.config.admin.token
        # Plain HTTP to loopback only: no TLS, so no CA bundle to load (~40 ms a mock).
        self._admin = httpx.Client(
            timeout=10,
            trust_env=False,
            verify=False,
            headers={"x-mock-admin-token": token} if token else None,
        )

    def _serve(self) -> None:
        asyncio.run(self._server.serve())

    def start(self) -> WiroMock:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("wiro-mock did not start")
            time.sleep(0.005)
        self.port = bound_address(self._server)[1]
        self.root_url = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.root_url}/v1"
        self.socket_url = f"ws://127.0.0.1:{self.port}/v1"
        self._admin.base_url = httpx.URL(f"{self.root_url}{ADMIN_PREFIX}")
        return self

    def stop(self, *, wait: bool = True) -> None:
        """Stop serving. uvicorn's shutdown takes about 0.2 s (two 0.1 s sleeps); with
        `wait=False` it runs on in the mock's thread while the caller goes on (the per-test
        fixtures do this, so a suite does not wait for each mock in turn), and
        `join_stopping` waits for every such mock (the pytest plugin calls it at the end
        of the session)."""
        self._server.should_exit = True
        self._admin.close()
        if wait:
            self._thread.join(10)
        else:
            _STOPPING.append(self._thread)

    # -- credentials ------------------------------------------------------------------------
    def headers(self, nonce: int | None = None) -> dict[str, str]:
        """Auth headers for one request (signed when the project has a secret). The nonce is
        a millisecond one, unique per call, so `--strict-nonce` never sees two calls in the
        same second collide."""
        if not self.auth_enabled:
            return {}
        return signed_headers(self.api_key, self.api_secret, nonce or self._next_nonce())

    def _next_nonce(self) -> int:
        with self._nonce_lock:
            self._last_nonce = max(int(time.time() * 1000), self._last_nonce + 1)
            return self._last_nonce

    # -- admin API --------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._admin.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries; filters: kind, method, path (glob), model, status, result (False:
        refused, whatever the HTTP status), since, task_id, header ("name" or "name:value"),
        limit."""
        params = {k: str(v) for k, v in filters.items() if v is not None}
        entries: list[dict[str, Any]] = self._call("GET", "/journal", params=params)["entries"]
        return entries

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        return self.journal(kind="request", **filters)

    def callbacks(self, **filters: Any) -> list[dict[str, Any]]:
        return self.journal(kind="callback", **filters)

    def clear_journal(self) -> None:
        self._call("DELETE", "/journal")

    def tasks(self, **filters: Any) -> list[dict[str, Any]]:
        params = {k: str(v) for k, v in filters.items() if v is not None}
        tasks: list[dict[str, Any]] = self._call("GET", "/tasks", params=params)["tasks"]
        return tasks

    def task(self, key: str) -> dict[str, Any]:
        """Admin view of a task (by id or socket token): `task`, `events`, `pending`, ..."""
        task: dict[str, Any] = self._call("GET", f"/tasks/{key}")
        return task

    def advance(self, key: str, steps: int = 1, to: str | None = None) -> dict[str, Any]:
        """Move a task on `steps` events, or to a status/event name, or to 'end'."""
        body: dict[str, Any] = {"steps": steps} if to is None else {"to": to}
        task: dict[str, Any] = self._call("POST", f"/tasks/{key}/advance", json=body)
        return task

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        clock: dict[str, Any] = self._call("POST", "/clock/advance", json={"seconds": seconds})
        return clock

    def set_clock(self, mode: str, speed: float | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"mode": mode}
        if speed is not None:
            body["speed"] = speed
        clock: dict[str, Any] = self._call("POST", "/clock", json=body)
        return clock

    def add_fault(self, **rule: Any) -> str:
        name: str = self._call("POST", "/faults", json=rule)["added"][0]
        return name

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def set_limits(self, **limits: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/limits", json=limits)
        return result

    def reset(self) -> None:
        self._call("POST", "/reset")


#: Threads of mocks stopped without waiting, until `join_stopping` joins them.
_STOPPING: list[threading.Thread] = []


def join_stopping(timeout: float = 10.0) -> None:
    """Wait for the mocks stopped with `stop(wait=False)` to finish shutting down."""
    deadline = time.monotonic() + timeout
    while _STOPPING:
        _STOPPING.pop().join(max(0.0, deadline - time.monotonic()))
