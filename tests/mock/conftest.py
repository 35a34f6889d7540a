"""Shared fixtures: an in-process app (httpx ASGITransport) and hand-built models.

Every test here runs twice: against the memory store and against the Redis store (a real
redis-server; each app gets its own key prefix). `@pytest.mark.memory_only` marks the few
tests of the memory store's own internals.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette

import mockserver.app as app_module
from codegen.schema import FileConstraints, Input, InputKind, Model, Option, Source
from mockserver import create_app
from mockserver.auth import signed_headers
from mockserver.config import DEFAULT_API_KEY, DEFAULT_API_SECRET

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
HEADERS = signed_headers(DEFAULT_API_KEY, DEFAULT_API_SECRET, 1734513807)


def png_bytes(width: int = 64, height: int = 48, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


def make_model(slug: str, inputs: list[Input], categories: tuple[str, ...] = ()) -> Model:
    owner, project = slug.split("/")
    return Model(
        slug=slug.lower(),
        owner=owner.lower(),
        project=project.lower(),
        display_name=slug,
        kind="model",
        description="hand-built",
        categories=categories,
        run_path=f"/Run/{slug.lower()}",
        inputs=tuple(inputs),
        # a hash of what defines the model, like a doc's: caches keyed by it stay correct
        source=Source(
            path=f"<test>/{slug}", format="llms", sha256=_digest(slug, inputs, categories)
        ),
    )


def _digest(slug: str, inputs: list[Input], categories: tuple[str, ...]) -> str:
    text = json.dumps([slug, [i.model_dump(mode="json") for i in inputs], categories])
    return hashlib.sha256(text.encode()).hexdigest()


def kinds_model() -> Model:
    """A model with every input kind, for validation tests."""
    return make_model(
        "test/Kinds",
        [
            Input(name="prompt", label="Prompt", kind=InputKind.TEXTAREA, required=True),
            Input(name="steps", label="Steps", kind=InputKind.INTEGER, minimum=1, maximum=50,
                  default=10),
            Input(name="scale", label="Scale", kind=InputKind.NUMBER, minimum=0, maximum=10),
            Input(name="style", label="Style", kind=InputKind.SELECT, default="a",
                  options=(Option(value="a", label="A"), Option(value="b", label="B"))),
            Input(name="tags", label="Tags", kind=InputKind.MULTISELECT,
                  options=(Option(value="x", label="X"), Option(value="y", label="Y"))),
            Input(name="hd", label="HD", kind=InputKind.BOOLEAN),
            Input(name="inputImage", label="Input Image", kind=InputKind.FILE, accepts_url=True,
                  accepts_file=True,
                  file_constraints=FileConstraints(content_types=("image/png", "image/jpeg"),
                                                   max_bytes=200_000)),
            Input(name="refs", label="Reference images", kind=InputKind.FILES, max_items=2,
                  accepts_url=True, accepts_file=True),
        ],
        categories=("image-to-image",),
    )  # fmt: skip


def llm_model() -> Model:
    return make_model(
        "test/Chat",
        [Input(name="prompt", label="Prompt", kind=InputKind.TEXTAREA, required=True)],
        categories=("llm", "chat"),
    )


def speech_model() -> Model:
    return make_model(
        "test/Speak",
        [Input(name="prompt", label="Prompt", kind=InputKind.TEXT, required=True)],
        categories=("text-to-speech",),
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test runs on both stores; a `memory_only` one is generated for the memory
    store alone (rather than skipped on Redis), a `no_store` one (it creates no app) once."""
    explicit = any(
        "store" in _argnames(mark.args[0])
        for mark in metafunc.definition.iter_markers("parametrize")
    )
    pure = metafunc.definition.get_closest_marker("no_store") is not None
    if "store" in metafunc.fixturenames and not explicit and not pure:
        only = metafunc.definition.get_closest_marker("memory_only")
        metafunc.parametrize("store", ["memory"] if only else ["memory", "redis"], indirect=True)


def _argnames(names: str | Sequence[str]) -> list[str]:
    return [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)


@pytest.fixture(autouse=True)
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which store the apps this test creates use: every `create_app` that does not name a
    store gets this one ("none" for a `no_store` test)."""
    param = getattr(request, "param", "none")
    if param == "redis":
        server = request.getfixturevalue("redis_server")
        real = app_module.load_config

        def load_config(path: Any = None, **overrides: Any) -> Any:
            prefix = f"test-{uuid.uuid4().hex[:12]}"
            overrides.setdefault("store", {"url": server.url(), "prefix": prefix})
            return real(path, **overrides)

        monkeypatch.setattr(app_module, "load_config", load_config)
    return str(param)


@pytest.fixture
def app() -> Starlette:
    return create_app(SPECS, clock={"mode": "step"})


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mock/v1", headers=HEADERS
    ) as c:
        yield c
    # What the app's lifespan does at shutdown (ASGITransport runs none): Redis batches still
    # in flight finish on this test's event loop, not cut off when it closes.
    await app.state.mock.aclose()


async def make_client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mock/v1", headers=HEADERS
    )


async def run_task(client: httpx.AsyncClient, slug: str, body: dict[str, Any], **kw: Any) -> str:
    response = await client.post(f"/Run/{slug}", json=body, **kw)
    assert response.status_code == 200, response.text
    taskid: str = response.json()["taskid"]
    return taskid


async def detail(client: httpx.AsyncClient, taskid: str) -> dict[str, Any]:
    response = await client.post("/Task/Detail", json={"taskid": taskid})
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()["tasklist"][0]
    return task


async def finish(client: httpx.AsyncClient, taskid: str, limit: int = 40) -> dict[str, Any]:
    """Poll in step mode until terminal."""
    for _ in range(limit):
        task = await detail(client, taskid)
        if task["status"] in ("task_postprocess_end", "task_cancel", "task_error"):
            return task
    raise AssertionError("task never finished")


def errors(response: httpx.Response) -> list[str]:
    body = response.json()
    assert body["result"] is False
    return [e["message"] for e in body["errors"]]


def refused(response: httpx.Response, code: int = 0, status: int = 200) -> list[str]:
    """Wiro's refusal: HTTP 200 (its default for API errors), `result: false`, every error
    with `code`; returns the messages."""
    assert response.status_code == status, response.text
    assert {e["code"] for e in response.json()["errors"]} == {code}, response.text
    return errors(response)


def dumps(data: Any) -> str:
    return json.dumps(data)
