"""pytest plugin (entry point `pytest11`): run the Wiro mock on a free loopback port.

    def test_my_client(wiro_mock):
        client = MyClient(base_url=wiro_mock.base_url, api_key=wiro_mock.api_key,
                          api_secret=wiro_mock.api_secret)
        client.run("reve/generate", prompt="a cat")
        assert wiro_mock.journal(path="*/Run/reve/generate", result=True)

Fixtures: `wiro_mock` (one server per test), `wiro_mock_session` (one per session; call
`.reset()` between tests as needed) and `wiro_mock_factory(**config)` for several or custom
servers. Per-test config: `@pytest.mark.wiro_mock(clock={"mode": "step"}, auth=False)`.

Which models it serves, first match wins: `WIRO_MOCK_SPECS` or `WIRO_MOCK_CATALOGUE` (the
environment), then the ini options `wiro_mock_specs` or `wiro_mock_catalogue`, then a `specs`
folder in the rootdir, then the catalogue of the installed `wiro_client`. Setting both a specs
folder and a catalogue at the same level is a usage error. A source with no models (a missing
or empty folder, no readable catalogue.json) fails the session at collection with one line,
before any test runs, and only when a collected test uses one of these fixtures.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from mockserver.cli import bound_address
from mockserver.config import DEFAULT_API_KEY, DEFAULT_API_SECRET
from mockserver.http.auth import signed_headers

START_TIMEOUT = 15.0
#: The installed client whose catalogue is served when no specs folder is configured.
DEFAULT_CATALOGUE = "wiro_client"
_SETTINGS = "ini wiro_mock_specs / wiro_mock_catalogue, or WIRO_MOCK_SPECS / WIRO_MOCK_CATALOGUE"
FIXTURES = frozenset({"wiro_mock", "wiro_mock_session", "wiro_mock_factory"})
#: The resolved source (`{"specs": path}` or `{"catalogue": package}`), or why there is none.
_SOURCE = pytest.StashKey[dict[str, str] | str]()


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
        self._admin = httpx.Client(
            timeout=10, trust_env=False, headers={"x-mock-admin-token": token} if token else None
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
        self._admin.base_url = httpx.URL(f"{self.root_url}/__mock__")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._admin.close()

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


def _resolve(config: pytest.Config) -> dict[str, str]:
    """The configured source, in the order the module docstring gives."""
    levels: list[Mapping[str, object]] = [
        {"specs": os.environ.get("WIRO_MOCK_SPECS"),
         "catalogue": os.environ.get("WIRO_MOCK_CATALOGUE")},
        {"specs": config.getini("wiro_mock_specs"),
         "catalogue": config.getini("wiro_mock_catalogue")},
    ]  # fmt: skip
    for level in levels:
        specs, catalogue = (str(level[k]) if level[k] else None for k in ("specs", "catalogue"))
        if specs and catalogue:
            raise pytest.UsageError(
                f"wiro-mock: specs {specs} and catalogue {catalogue} are both configured; "
                f"set one ({_SETTINGS})"
            )
        if specs:
            return {"specs": str(Path(config.rootpath) / specs)}  # an absolute one stays
        if catalogue:
            return {"catalogue": catalogue}
    folder = Path(config.rootpath) / "specs"
    return {"specs": str(folder)} if folder.is_dir() else {"catalogue": DEFAULT_CATALOGUE}


def _checked_source(config: pytest.Config) -> dict[str, str]:
    """The source, resolved and checked once per session; raises UsageError with the line."""
    found = config.stash.get(_SOURCE, None)
    if found is None:
        from mockserver.errors import ModelSourceError
        from mockserver.models.registry import check_source

        try:
            found = _resolve(config)
            check_source(found.get("specs"), found.get("catalogue"))
        except pytest.UsageError as exc:
            found = str(exc)
        except ModelSourceError as exc:
            found = f"wiro-mock: {exc} (pytest: {_SETTINGS})"
        config.stash[_SOURCE] = found
    if isinstance(found, str):
        raise pytest.UsageError(found)
    return found


def _source(config: pytest.Config, given: dict[str, Any]) -> dict[str, Any]:
    """Fixture config with the session's source unless it names its own (`specs=...`)."""
    if "specs" in given or "catalogue" in given:
        return given
    try:
        return {**_checked_source(config), **given}
    except pytest.UsageError as exc:  # a fixture the collection check did not see
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("wiro_mock_specs", "folder of Wiro model docs served by the wiro_mock fixture")
    parser.addini(
        "wiro_mock_catalogue",
        f"installed generated client whose catalogue.json the wiro_mock fixture serves "
        f"(default when no specs folder: {DEFAULT_CATALOGUE})",
    )


@pytest.hookimpl(trylast=True)  # after `-k`/`-m` deselected what will not run
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Fail the session, before any test runs, when the mock would have no models.

    An xdist worker cannot raise a usage error (its controller reports a crash): it runs
    nothing and asks to stop with the message, which the controller prints."""
    if not any(FIXTURES.intersection(getattr(item, "fixturenames", ())) for item in items):
        return
    try:
        _checked_source(config)
    except pytest.UsageError as exc:
        if not hasattr(config, "workerinput"):
            raise
        config.hook.pytest_deselected(items=list(items))
        items.clear()
        session.shouldstop = str(exc)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "wiro_mock(**config): configuration of the wiro_mock fixture for this test"
    )


@pytest.fixture
def wiro_mock_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., WiroMock]]:
    """Start mocks with custom config: `wiro_mock_factory(clock={"mode": "manual"})`."""
    started: list[WiroMock] = []

    def factory(**config: Any) -> WiroMock:
        mock = WiroMock(**_source(request.config, config)).start()
        started.append(mock)
        return mock

    yield factory
    for mock in started:
        mock.stop()


@pytest.fixture
def wiro_mock(request: pytest.FixtureRequest) -> Iterator[WiroMock]:
    """A mock server for this test (config from `@pytest.mark.wiro_mock(...)`)."""
    marker = request.node.get_closest_marker("wiro_mock")
    config = dict(marker.kwargs) if marker else {}
    mock = WiroMock(**_source(request.config, config)).start()
    yield mock
    mock.stop()


@pytest.fixture(scope="session")
def wiro_mock_session(pytestconfig: pytest.Config) -> Iterator[WiroMock]:
    """One mock server for the whole session."""
    mock = WiroMock(**_source(pytestconfig, {})).start()
    yield mock
    mock.stop()


__all__ = ["DEFAULT_API_KEY", "DEFAULT_API_SECRET", "WiroMock"]
