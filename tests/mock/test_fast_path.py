"""The fast path (Run and Task/Detail without Starlette's router) answers exactly like the
routed path: same status, same raw headers in the same order, same body bytes, same journal;
plus the caches and precomputations behind it (Detail items, HMAC signer, Run body)."""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Iterator
from hashlib import sha256
from typing import Any

import pytest
from starlette.applications import Starlette

from mockserver import create_app
from mockserver.api.run import run_body
from mockserver.config import DEFAULT_API_KEY, DEFAULT_API_SECRET
from mockserver.http.auth import Signer, sign, signed_headers
from mockserver.http.call import Call, dumps
from mockserver.http.middleware import fast_route
from mockserver.state import MockState
from mockserver.tasks.task import render_task, task_identity
from tests.mock.conftest import HEADERS, SPECS, png_bytes

Raw = tuple[int, list[tuple[bytes, bytes]], bytes]


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
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": root_path,
        "query_string": b"", "headers": raw_headers, "server": ("mock", 80),
        "client": ("127.0.0.1", 1234), "state": {},
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
    """The same mock twice: fast path on, fast path off (same seed, same epoch)."""
    fast = create_app(SPECS, clock={"mode": "manual"}, **config)
    routed = create_app(SPECS, clock={"mode": "manual"}, fast_path=False, **config)
    routed.state.mock.clock.epoch = fast.state.mock.clock.epoch
    return fast, routed


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
    ("GET", "/v1/Task/Detail", b"", JSON),
    ("POST", "/v1/Run/reve/generate/", j({"prompt": "x"}), JSON),
]  # fmt: skip


async def journal(app: Starlette) -> list[dict[str, Any]]:
    entries = await app.state.mock.journal.query()
    return [{k: v for k, v in e.items() if k not in ("time", "duration_ms")} for e in entries]


async def test_fast_and_routed_paths_answer_byte_identically() -> None:
    fast, routed = pair()
    for method, path, body, headers in REQUESTS:
        got = await call(fast, method, path, body, headers)
        want = await call(routed, method, path, body, headers)
        assert got == want, (method, path, body)
    assert await journal(fast) == await journal(routed)
    # Wiro's statuses: auth is 401, a refused Run is HTTP 200 with `result: false`
    assert [(e["status"], e["result"]) for e in await journal(fast)][:8] == [
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
    fast, routed = pair()
    requests = [
        ("POST", "/v1/Run/reve/generate", j({"prompt": "a koala"}), JSON),
        ("POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON),
        ("POST", "/__mock__/tasks/1/advance", j({"to": "end"}), {}),
        ("POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON),
        ("POST", "/v1/Task/InputOutputDelete", j({"taskid": "1"}), JSON),
        ("POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON),
    ]
    for method, path, body, headers in requests:
        assert await call(fast, method, path, body, headers) == await call(
            routed, method, path, body, headers
        )
    detail = json.loads((await call(fast, "POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON))[2])
    assert detail["tasklist"][0]["status"] == "task_postprocess_end"
    assert detail["tasklist"][0]["outputs"] == []  # InputOutputDelete reached the cached item


async def test_identical_multipart_and_unknown_fields_header() -> None:
    fast, routed = pair(validation={"unknown_fields": "ignore"})
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
        got = await call(fast, method, path, body, headers)
        assert got == await call(routed, method, path, body, headers)
        assert got[0] == 200
    assert (b"x-mock-unknown-fields", b"extra") in got[1]
    assert await journal(fast) == await journal(routed)


@pytest.fixture
def call_of_counter(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts `Call.of`: only the routed entrance builds a Call from a Request."""
    count = [0]
    original = Call.of.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Call], request: Any) -> Call:
        count[0] += 1
        result: Call = original(cls, request)
        return result

    monkeypatch.setattr(Call, "of", classmethod(counting))
    yield count


async def test_fast_path_skips_the_router(call_of_counter: list[int]) -> None:
    fast, routed = pair()
    for app in (fast, routed):
        await call(app, "POST", "/v1/Run/reve/generate", j({"prompt": "x"}), JSON)
        await call(app, "POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON)
    assert call_of_counter == [2]  # both from the routed app
    await call(fast, "POST", "/v1/Run/reve/generate", j({"prompt": "x"}), JSON, root_path="/p")
    assert call_of_counter == [3]  # a root path: left to the router


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/v1/Run/reve/generate", ("run_call", ("reve", "generate"))),
        ("POST", "/v1/Task/Detail", ("detail_call", ())),
        ("POST", "/v1/Run/reve/generate/", None),
        ("POST", "/v1/Run/reve", None),
        ("POST", "/v1/Run//generate", None),
        ("POST", "/v1/Run/a/b/c", None),
        ("GET", "/v1/Task/Detail", None),
        ("POST", "/v1/Task/Cancel", None),
    ],
)
def test_fast_route_matches_only_what_the_router_would_send_there(
    method: str, path: str, expected: tuple[str, tuple[str, ...]] | None
) -> None:
    found = fast_route({"method": method, "path": path, "root_path": ""})
    assert (None if found is None else (found[0].__name__, found[1])) == expected


@pytest.mark.memory_only
async def test_detail_cache_matches_a_fresh_render_at_every_step() -> None:
    app = create_app(SPECS, clock={"mode": "step"})
    state: MockState = app.state.mock
    await call(app, "POST", "/v1/Run/reve/generate", j({"prompt": "a koala"}), JSON)
    await call(app, "POST", "/v1/Run/reve/generate", j({"prompt": "x"}), JSON)
    task = state.store.index.by_id("1")
    assert task is not None
    epoch = state.clock.epoch
    seen = set()
    while True:
        # step mode: a read reports the task as it is, then moves it one event on
        item = dumps(render_task(task, epoch))
        seen.add(task.status.value)
        was_terminal = task.terminal
        status, _, body = await call(app, "POST", "/v1/Task/Detail", j({"taskid": "1"}), JSON)
        assert status == 200
        assert body == b'{"total":"1","errors":[],"tasklist":[' + item + b'],"result":true}'
        assert state.details.item(task, epoch, render_task) == dumps(render_task(task, epoch))
        if was_terminal:
            break
    assert {"task_queue", "task_accept", "task_output", "task_postprocess_end"} <= seen
    # a cancelled task, a reset clock: each re-rendered, never stale
    other = state.store.index.by_id("2")
    assert other is not None
    state.details.item(other, epoch, render_task)
    await state.store.update(other, state.engine.cancel)
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


async def test_signed_headers_accepted_on_both_paths() -> None:
    fast, routed = pair(projects=[{"api_key": "k" * 100, "api_secret": "s"}])
    headers = {**signed_headers("k" * 100, "s", 7), "content-type": "application/json"}
    for app in (fast, routed):
        status, _, _ = await call(app, "POST", "/v1/Run/reve/generate", j({"prompt": "x"}), headers)
        assert status == 200


@pytest.mark.parametrize(("task_id", "token"), [("1", "abcXYZ09xy" * 3), ('a"\\é', "\n")])
def test_run_body_is_the_encoded_envelope(task_id: str, token: str) -> None:
    envelope = {"errors": [], "taskid": task_id, "socketaccesstoken": token, "result": True}
    assert run_body(task_id, token) == dumps(envelope)


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
