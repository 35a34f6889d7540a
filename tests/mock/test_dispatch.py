"""One dispatch for every request: the app's route table, Starlette's router and the app's
exception handlers serve the Starlette-free Wiro API routes (`CallRoute`: Run, Task/Detail,
...) and everything else (the admin mount, Starlette's own 404/405) alike.

The byte-level differential: `CallRoute` matches a request outside any mount with its own
shortcut, and defers to Starlette's `Route.matches` under a `root_path`; the same requests
through both answer with the same status, raw headers in the same order, body bytes and
journal. Then the caches and precomputations behind the hot routes (Detail items, HMAC
signer, Run body).
"""

from __future__ import annotations

import asyncio
import hmac
import json
from hashlib import sha256
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockserver import create_app
from mockserver.admin import routes as admin_routes
from mockserver.api import run, tasks
from mockserver.api.run import run_body
from mockserver.auth import Signer, sign, signed_headers
from mockserver.config import DEFAULT_API_KEY, DEFAULT_API_SECRET
from mockserver.errors import MockError
from mockserver.http.call import dumps
from mockserver.http.routing import CallRoute
from mockserver.state import MockState
from mockserver.tasks.task import render_task, task_identity
from tests.mock.conftest import HEADERS, SPECS, png_bytes

Raw = tuple[int, list[tuple[bytes, bytes]], bytes]
#: Where the differential mounts the second app (ASGI: `path` includes `root_path`).
ROOT_PATH = "/behind/proxy"


async def call(
    app: Starlette,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    root_path: str = "",
) -> Raw:
    """One request straight through the ASGI app; the exact messages it sends."""
    raw_headers = [(b"host", b"localhost")] + [
        (k.lower().encode(), v.encode()) for k, v in (headers or {}).items()
    ]
    raw_headers.append((b"content-length", str(len(body)).encode()))
    full = root_path + path
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": full, "raw_path": full.encode(), "root_path": root_path,
        "query_string": b"", "headers": raw_headers, "server": ("mock", 80),
        "client": ("127.0.0.1", 1234),
    }  # fmt: skip
    pending = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop()
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start, *chunks = sent
    return start["status"], list(start["headers"]), b"".join(c.get("body", b"") for c in chunks)


def pair(**config: Any) -> tuple[Starlette, Starlette]:
    """The same mock twice (same seed, same epoch): one served at the root, one behind
    `ROOT_PATH`."""
    plain = create_app(SPECS, clock={"mode": "manual"}, **config)
    mounted = create_app(SPECS, clock={"mode": "manual"}, **config)
    mounted.state.mock.clock.epoch = plain.state.mock.clock.epoch
    return plain, mounted


async def both(plain: Starlette, mounted: Starlette, method: str, path: str, body: bytes,
               headers: dict[str, str]) -> Raw:  # fmt: skip
    """The answer of each app, asserted identical; that answer."""
    got = await call(plain, method, path, body, headers)
    assert got == await call(mounted, method, path, body, headers, ROOT_PATH), (method, path)
    return got


JSON = {**HEADERS, "content-type": "application/json"}
BAD_SIGNATURE = {**JSON, "x-signature": "0" * 64}
NO_SIGNATURE = {"x-api-key": DEFAULT_API_KEY, "content-type": "application/json"}
UNKNOWN_KEY = {**JSON, "x-api-key": "nope"}


def j(data: Any) -> bytes:
    return json.dumps(data).encode()


#: (method, path, body, headers): successes and every kind of error, in one sequence.
REQUESTS: list[tuple[str, str, bytes, dict[str, str]]] = [
    ("POST", "/v1/Run/reve/generate", j({"prompt": "a koala", "aspectRatio": "16:9"}), JSON),
    ("POST", "/v1/Run/Reve/Generate", j({"prompt": "case-insensitive slug"}), JSON),
    ("POST", "/v1/Run/reve/generate", j({"prompt": "x"}), BAD_SIGNATURE),
    ("POST", "/v1/Run/reve/generate", j({"prompt": "x"}), NO_SIGNATURE),
    ("POST", "/v1/Run/reve/generate", j({"prompt": "x"}), UNKNOWN_KEY),
    ("POST", "/v1/Run/nobody/nothing", j({"prompt": "x"}), JSON),
    ("POST", "/v1/Run/reve/generate", j({"aspectRatio": "2:7", "bogus": 1}), JSON),
    ("POST", "/v1/Run/reve/generate", b'{"prompt": ', JSON),
    ("POST", "/v1/Run/reve/generate", b"[1, 2]", JSON),
    ("POST", "/v1/Run/reve/generate", b"prompt=form+body", {**HEADERS,
     "content-type": "application/x-www-form-urlencoded"}),
    ("POST", "/v1/Run/reve/generate", b"x", {**HEADERS, "content-type": "image/png"}),
    ("POST", "/v1/Run/reve/generate", j({"prompt": "x"}), {**JSON, "x-mock-scenario": "429"}),
    ("POST", "/v1/Run/reve/generate", j({"prompt": "x"}), {**JSON, "x-mock-scenario": "fail"}),
    ("POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON),
    ("POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON),
    ("POST", "/v1/Task/Detail", j({"taskid": "2"}), JSON),
    ("POST", "/v1/Task/Detail", j({"taskid": "999"}), JSON),
    ("POST", "/v1/Task/Detail", j({}), JSON),
    ("POST", "/v1/Task/Detail", j({"taskid": "1"}), BAD_SIGNATURE),
    ("POST", "/v1/Task/Detail", b"taskid=1", {**HEADERS,
     "content-type": "application/x-www-form-urlencoded"}),
    ("POST", "/v1/Run/reve/generate/", j({"prompt": "x"}), JSON),
    ("POST", "/v1/Task/Nothing", j({}), JSON),
    ("GET", "/v1/File/unknown/a.png", b"", JSON),
]  # fmt: skip


async def journal(app: Starlette) -> list[dict[str, Any]]:
    entries = await app.state.mock.journal.query()
    return [
        {k: v.removeprefix(ROOT_PATH) if k == "path" else v for k, v in e.items()
         if k not in ("time", "duration_ms")}
        for e in entries
    ]  # fmt: skip


async def test_both_matchers_answer_byte_identically() -> None:
    plain, mounted = pair()
    for method, path, body, headers in REQUESTS:
        await both(plain, mounted, method, path, body, headers)
    assert await journal(plain) == await journal(mounted)
    # Wiro's statuses: auth is 401, a refused Run is HTTP 200 with `result: false`
    assert [(e["status"], e["result"]) for e in await journal(plain)][:8] == [
        (200, True),
        (200, True),
        (401, False),
        (401, False),
        (401, False),
        (200, False),
        (200, False),
        (200, False),
    ]


async def test_identical_after_lifecycle_changes_and_admin_advance() -> None:
    plain, mounted = pair()
    requests = [
        ("POST", "/v1/Run/reve/generate", j({"prompt": "a koala"}), JSON),
        ("POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON),
        ("POST", "/__mock__/tasks/1/advance", j({"to": "end"}), {}),
        ("POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON),
        ("POST", "/v1/Task/InputOutputDelete", j({"taskid": "1"}), JSON),
        ("POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON),
    ]
    for method, path, body, headers in requests:
        await both(plain, mounted, method, path, body, headers)
    detail = json.loads((await call(plain, "POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON))[2])
    assert detail["tasklist"][0]["status"] == "task_postprocess_end"
    assert detail["tasklist"][0]["outputs"] == []  # InputOutputDelete reached the cached item


async def test_identical_multipart_and_unknown_fields_header() -> None:
    plain, mounted = pair(validation={"unknown_fields": "ignore"})
    boundary = "b0undary"
    parts = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nedit me\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="inputImage"; '
            f'filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()
        + png_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    multipart = {**HEADERS, "content-type": f"multipart/form-data; boundary={boundary}"}
    requests = [
        ("POST", "/v1/Run/reve/edit", parts, multipart),
        ("POST", "/v1/Run/reve/generate", j({"prompt": "x", "extra": "y"}), JSON),
    ]
    for method, path, body, headers in requests:
        got = await both(plain, mounted, method, path, body, headers)
        assert got[0] == 200
    assert (b"x-mock-unknown-fields", b"extra") in got[1]
    assert await journal(plain) == await journal(mounted)


@pytest.mark.parametrize(
    ("method", "path", "root_path"),
    [
        ("POST", "/v1/Run/reve/generate", ""),
        ("POST", "/v1/Run/Reve/Generate", ""),
        ("POST", "/v1/Task/Detail", ""),
        ("GET", "/v1/Task/Detail", ""),
        ("POST", "/v1/Run/reve/generate/", ""),
        ("POST", "/v1/Run/reve", ""),
        ("POST", "/v1/Run//generate", ""),
        ("POST", "/v1/Run/a/b/c", ""),
        ("POST", "/v1/Task/Cancel", ""),
        ("GET", "/v1/File/tok/a.png", ""),
        ("HEAD", "/v1/File/tok/a.png", ""),
        ("POST", "/p/v1/Task/Detail", "/p"),
        ("POST", "/p/v1/Run/reve/generate", "/p"),
    ],
)
def test_call_route_matches_exactly_as_starlette_does(
    method: str, path: str, root_path: str
) -> None:
    scope = {"type": "http", "method": method, "path": path, "root_path": root_path}
    for route in create_app(SPECS).routes:
        if isinstance(route, CallRoute):
            assert route.matches(dict(scope)) == Route.matches(route, dict(scope)), route.path


def test_every_wiro_api_route_is_a_call_route_run_and_detail_first() -> None:
    routes = create_app(SPECS).routes
    http = [r for r in routes if isinstance(r, Route)]
    assert all(isinstance(r, CallRoute) for r in http)  # no Request/Response adapter
    assert [r.call_endpoint for r in http[:2]] == [run.run, tasks.detail]  # type: ignore[attr-defined]
    assert {r.path for r in http} >= {"/v1/Run/{owner}/{project}", "/v1/Task/Detail"}


async def test_hot_requests_build_no_starlette_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """At the app's root, a request a `CallRoute` serves skips Starlette's router and its
    exception middleware (each builds a `Request`); under a root path the router serves it."""
    made: list[str] = []
    original = Request.__init__

    def counting(self: Request, *args: Any, **kwargs: Any) -> None:
        made.append(self.__class__.__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Request, "__init__", counting)
    plain, mounted = pair()
    for app, root_path in ((plain, ""), (mounted, ROOT_PATH)):
        made.clear()
        await call(app, "POST", "/v1/Run/reve/generate", j({"prompt": "x"}), JSON, root_path)
        await call(app, "POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON, root_path)
        assert bool(made) is bool(root_path), (root_path, made)


class Teapot(Exception):
    """An exception only the handler registered below knows how to answer."""


async def teapot(request: Request, exc: Exception) -> Response:
    return JSONResponse({"teapot": request.url.path}, status_code=418)


async def test_an_exception_handler_on_the_app_applies_to_every_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Handlers registered on the app after `create_app` serve the hot routes, the other API
    routes and the admin mount alike (the journal sees what they answered)."""
    app = create_app(SPECS, clock={"mode": "manual"})
    app.add_exception_handler(Teapot, teapot)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
        ran = await c.post("/v1/Run/reve/generate", json={"prompt": "x"}, headers=HEADERS)
        taskid = ran.json()["taskid"]

        def boom(*args: object) -> None:
            raise Teapot

        monkeypatch.setattr(run, "run_body", boom)
        monkeypatch.setattr(tasks, "render_task", boom)
        monkeypatch.setattr(admin_routes, "render_task", boom)
        answers = [
            await c.post("/v1/Run/reve/generate", json={"prompt": "x"}, headers=HEADERS),
            await c.post("/v1/Task/Detail", json={"taskid": taskid}, headers=HEADERS),
            await c.post("/v1/Task/List", json={}, headers=HEADERS),
            await c.get(f"/__mock__/tasks/{taskid}"),
        ]
    assert [(r.status_code, r.json()) for r in answers] == [
        (418, {"teapot": "/v1/Run/reve/generate"}),
        (418, {"teapot": "/v1/Task/Detail"}),
        (418, {"teapot": "/v1/Task/List"}),
        (418, {"teapot": f"/__mock__/tasks/{taskid}"}),
    ]
    routed = await call(app, "POST", "/v1/Task/Detail", j({"taskid": taskid}), JSON, ROOT_PATH)
    assert routed[0] == 418  # served by Starlette's router: the same handler
    entries = await app.state.mock.journal.query(kind="request")
    assert [e["status"] for e in entries] == [200, 418, 418, 418, 418]


async def test_a_mock_error_handler_replaced_on_the_app_answers_every_refusal() -> None:
    """The app's MockError handler is the one rendering of a refusal: replacing it changes
    the hot routes' answers and the admin guard's."""
    app = create_app(SPECS, admin={"token": "t"})

    async def shout(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, MockError)
        return JSONResponse({"refused": exc.messages}, status_code=409)

    app.add_exception_handler(MockError, shout)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
        unsigned = await c.post("/v1/Run/reve/generate", json={"prompt": "x"})
        missing = await c.post("/v1/Task/Detail", json={"taskid": "9"}, headers=HEADERS)
        guarded = await c.get("/__mock__/tasks")
    assert {r.status_code for r in (unsigned, missing, guarded)} == {409}
    assert guarded.json() == {"refused": ["Admin API token is missing or wrong."]}


@pytest.mark.memory_only
async def test_detail_cache_matches_a_fresh_render_at_every_step() -> None:
    app = create_app(SPECS, clock={"mode": "step"})
    state: MockState = app.state.mock
    await call(app, "POST", "/v1/Run/reve/generate", j({"prompt": "a koala"}), JSON)
    await call(app, "POST", "/v1/Run/reve/generate", j({"prompt": "x"}), JSON)
    epoch = state.clock.epoch
    seen = set()
    while True:
        task = await state.store.get("1")  # a reading: step mode moves it only on Detail
        assert task is not None
        # step mode: a read reports the task as it is, then moves it one event on
        item = dumps(render_task(task, epoch))
        seen.add(task.status.value)
        was_terminal = task.terminal
        status, _, body = await call(app, "POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON)
        assert status == 200
        assert body == b'{"total":"1","errors":[],"tasklist":[' + item + b'],"result":true}'
        task = await state.store.get("1")
        assert task is not None
        assert state.details.item(task, epoch, render_task) == dumps(render_task(task, epoch))
        if was_terminal:
            break
    assert {"task_queue", "task_accept", "task_output", "task_postprocess_end"} <= seen
    # a cancelled task, a reset clock: each re-rendered, never stale
    other = await state.store.get("2")
    assert other is not None
    state.details.item(other, epoch, render_task)
    other = await state.store.update(other, state.engine.cancel)
    assert state.details.item(other, epoch, render_task) == dumps(render_task(other, epoch))
    assert state.details.item(task, epoch + 10, render_task) == dumps(render_task(task, epoch + 10))
    await state.reset()
    assert len(state.details) == 0


async def test_detail_cache_is_bounded() -> None:
    app = create_app(SPECS, clock={"mode": "manual"})
    state: MockState = app.state.mock
    state.details.size = 3
    model = state.registry.models["reve/generate"]
    validator = state.registry.validator(model)
    from mockserver.config import ANONYMOUS
    from mockserver.control.faults import TaskFaults

    for i in range(5):
        params = validator.validate({"prompt": f"p{i}"}).params
        task = await state.new_task(model, ANONYMOUS, params, "", "http://m/v1", TaskFaults(), None)
        state.details.item(task, 0.0, render_task)
    assert len(state.details) == 3


@pytest.mark.no_store
@pytest.mark.parametrize(
    ("key", "secret", "nonce"),
    [
        ("k", "s", "99"),
        (DEFAULT_API_KEY, DEFAULT_API_SECRET, "1734513807123"),
        ("k" * 200, "s", "1"),  # longer than the hash block: the key is hashed first
        ("é-clé", "sécret", "nönce"),
        ("k", "", "0"),
    ],
)
def test_signer_is_hmac_sha256(key: str, secret: str, nonce: str) -> None:
    expected = hmac.new(key.encode(), f"{secret}{nonce}".encode(), sha256).hexdigest()
    assert Signer(key, secret).hexdigest(nonce) == expected == sign(key, secret, nonce)


async def test_signed_headers_accepted_by_both_matchers() -> None:
    plain, mounted = pair(projects=[{"api_key": "k" * 100, "api_secret": "s"}])
    headers = {**signed_headers("k" * 100, "s", 7), "content-type": "application/json"}
    got = await both(plain, mounted, "POST", "/v1/Run/reve/generate", j({"prompt": "x"}), headers)
    assert got[0] == 200


@pytest.mark.no_store
@pytest.mark.parametrize(("task_id", "token"), [("1", "abcXYZ09xy" * 3), ('a"\\é', "\n")])
def test_run_body_is_the_encoded_envelope(task_id: str, token: str) -> None:
    envelope = {"errors": [], "taskid": task_id, "socketaccesstoken": token, "result": True}
    assert run_body(task_id, token) == dumps(envelope)


@pytest.mark.no_store
def test_task_identity_is_seeded_per_id_and_shaped_like_wiro() -> None:
    import hashlib

    seen = set()
    for task_id in map(str, range(1, 201)):
        token, uuid = task_identity(7, task_id)
        # the contract the Redis store's Lua script relies on: sha1hex("seed:id")[:30]
        assert token == hashlib.sha1(f"7:{task_id}".encode()).hexdigest()[:30]
        assert token.isalnum() and len(token) == 30
        assert uuid[14] == "4" and len(uuid) == 36
        assert task_identity(7, task_id) == (token, uuid)  # processes agree without talking
        seen.add(token)
    assert len(seen) == 200 and task_identity(8, "1") != task_identity(7, "1")
