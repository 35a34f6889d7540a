"""Fixtures for the runtime tests.

``codegen/runtime`` only uses relative imports, so it is copied under a throwaway
parent package (as the renderer copies it into ``wiro_client/_runtime``) and
imported from there. Most tests talk to ``httpx.MockTransport`` (``FakeWiro``);
the error-mapping tests talk to the real wiro-mock on loopback (``mock_api``), once
per error mode; nothing else touches the network except the loopback websockets
servers of the socket tests.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, Field

from mockserver.testing import WiroMock
from tests.paths import SPECS

RUNTIME_SRC = Path(__file__).resolve().parents[2] / "codegen" / "runtime"
PKG = "wiro_rt_under_test"
BASE = "https://api.test/v1"


@pytest.fixture(scope="session")
def rt_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding ``PKG/_runtime`` (a copy of codegen/runtime)."""
    root = tmp_path_factory.mktemp("rt")
    pkg = root / PKG
    shutil.copytree(RUNTIME_SRC, pkg / "_runtime", ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / "__init__.py").write_text('"""Test parent package."""\n')
    return root


@pytest.fixture(scope="session")
def rt(rt_root: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(rt_root))
    try:
        yield importlib.import_module(f"{PKG}._runtime")
    finally:
        sys.path.remove(str(rt_root))


@pytest.fixture(scope="session")
def edit_spec(rt: ModuleType) -> Any:
    """A reve/Edit-like spec: one fileinput, one combinefileinput, one multifileinput."""
    file_value = rt.FileValue

    class EditInput(BaseModel):
        model_config = ConfigDict(populate_by_name=True, extra="forbid")

        prompt: str = Field(description="What to change")
        input_image: file_value | None = Field(default=None, alias="inputImage")  # type: ignore[valid-type]
        references: list[file_value] | None = Field(default=None, alias="references")  # type: ignore[valid-type]
        input_docs: list[file_value] | None = Field(default=None, alias="inputDocs")  # type: ignore[valid-type]
        seed: int | None = Field(default=None, ge=0, le=1000)
        scale: float = Field(default=3.5, description="Guidance scale")
        safe: bool | None = None
        style: Literal["photo", "anime"] | None = Field(default=None, description="Style")
        tags: list[str] | None = None
        callback_url: str | None = Field(default=None, alias="callbackUrl")

    return rt.ModelSpec(
        slug="reve/edit",
        display_name="reve/Edit",
        run_path="/Run/reve/edit",
        description="Edit an image with a prompt.",
        input_model=EditInput,
        file_fields=(
            rt.FileField("inputImage", "inputImageUrl", multiple=False, max_items=1),
            rt.FileField("references", None, multiple=True, max_items=3),
            rt.FileField("inputDocs", "inputDocsUrl", multiple=True, max_items=None),
        ),
        example={"prompt": "make it blue"},
    )


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def envelope(**fields: Any) -> dict[str, Any]:
    return {"result": True, "errors": [], **fields}


def task_json(status: str, *, pexit: str = "0", **extra: Any) -> dict[str, Any]:
    """A Task/Detail entry shaped like the docs' sample: every number a string."""
    return {
        "id": "534574",
        "uuid": "15bce51f",
        "socketaccesstoken": "TOKEN123",
        "parameters": {"prompt": "x"},
        "debugoutput": "",
        "debugerror": "",
        "starttime": "1734513809",
        "endtime": "",
        "elapsedseconds": "6.0000",
        "status": status,
        "cps": "0.000585000000",
        "totalcost": "0.003510000000",
        "createtime": "1734513807",
        "pexit": pexit,
        "outputs": [],
        "size": "0",
        **extra,
    }


class FakeWiro:
    """A scripted Wiro API behind ``httpx.MockTransport``; records every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.details: list[dict[str, Any]] = [task_json("task_postprocess_end")]
        self.routes: dict[str, Callable[[httpx.Request], httpx.Response]] = {}
        self.files: dict[str, bytes] = {}

    def detail_sequence(self, *details: dict[str, Any]) -> None:
        """Task/Detail answers in order; the last one repeats forever."""
        self.details = list(details)

    def _detail(self, request: httpx.Request) -> httpx.Response:
        detail = self.details.pop(0) if len(self.details) > 1 else self.details[0]
        return httpx.Response(200, json=envelope(total="1", tasklist=[detail]))

    def handler(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        path = request.url.path
        if path in self.routes:
            return self.routes[path](request)
        if request.method == "GET" and str(request.url) in self.files:
            return httpx.Response(200, content=self.files[str(request.url)])
        if path.startswith("/v1/Run/"):
            return httpx.Response(200, json=envelope(taskid="534574", socketaccesstoken="TOKEN123"))
        if path == "/v1/Task/Detail":
            return self._detail(request)
        if path in ("/v1/Task/Cancel", "/v1/Task/Kill"):
            return httpx.Response(200, json=envelope(tasklist=[task_json("task_cancel")]))
        return httpx.Response(404, json={"result": False, "errors": [{"code": 1, "message": "no"}]})

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]

    def json_bodies(self, path: str) -> list[Any]:
        return [json.loads(r.content) for r in self.requests if r.url.path == path]


@pytest.fixture
def fake() -> FakeWiro:
    return FakeWiro()


@pytest.fixture
def make_client(rt: ModuleType, fake: FakeWiro, clock: FakeClock) -> Iterator[Callable[..., Any]]:
    """Build a sync client on the fake API with the fake clock and sleep."""
    made: list[Any] = []

    def build(**kwargs: Any) -> Any:
        options: dict[str, Any] = {
            "api_key": "key",
            "api_secret": "secret",
            "base_url": BASE,
            "http_client": httpx.Client(transport=httpx.MockTransport(fake.handler)),
            "sleep": clock.sleep,
            "clock": clock,
        }
        options.update(kwargs)
        client = rt.BaseWiro(**options)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture
def make_async_client(rt: ModuleType, fake: FakeWiro, clock: FakeClock) -> Callable[..., Any]:
    """Build an async client on the fake API with the fake clock and sleep."""

    def build(**kwargs: Any) -> Any:
        options: dict[str, Any] = {
            "api_key": "key",
            "api_secret": "secret",
            "base_url": BASE,
            "http_client": httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)),
            "sleep": clock.asleep,
            "clock": clock,
        }
        options.update(kwargs)
        return rt.BaseAsyncWiro(**options)

    return build


#: wiro-mock's two ways of answering API errors: Wiro's (HTTP 200, ``result: false``)
#: and ``--http-errors`` (HTTP 400/404, same envelope).
MOCK_MODES = {"wiro": False, "http-errors": True}


@pytest.fixture(scope="session", params=sorted(MOCK_MODES))
def mock_server(request: pytest.FixtureRequest) -> Iterator[WiroMock]:
    """One wiro-mock per error mode for the session; its clock is manual, so tasks stay
    queued until a test advances them."""
    server = WiroMock(SPECS, http_errors=MOCK_MODES[request.param], clock={"mode": "manual"})
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mock_api(mock_server: WiroMock) -> WiroMock:
    """The mock for this error mode, reset (tasks, journal, limits) for this test."""
    mock_server.reset()
    return mock_server


@pytest.fixture
def mock_client(
    rt: ModuleType, mock_api: WiroMock, clock: FakeClock
) -> Iterator[Callable[..., Any]]:
    """Build a sync client on ``mock_api``; sleeps go to the fake clock (never slept)."""
    made: list[httpx.Client] = []

    def build(**kwargs: Any) -> Any:
        http = httpx.Client(trust_env=False, timeout=10)  # no proxy for loopback
        made.append(http)
        options: dict[str, Any] = {
            "api_key": mock_api.api_key,
            "api_secret": mock_api.api_secret,
            "base_url": mock_api.base_url,
            "http_client": http,
            "sleep": clock.sleep,
            "clock": clock,
        }
        return rt.BaseWiro(**{**options, **kwargs})

    yield build
    for http in made:
        http.close()
