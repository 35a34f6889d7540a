"""The mock's security properties, one test (or family) per claim.

- signatures (and the admin token) are compared with `hmac.compare_digest`, never `==`;
- missing or wrong credentials never get past the auth gate: no body is parsed, no model
  looked up, no task created, no file stored, on any API route;
- `strict_nonce` (`--strict-nonce`) rejects a reused nonce with Wiro's 401 envelope;
- uploaded file names (`../../x`, absolute paths, drive letters, NUL bytes) never leave
  the store's flat namespace: one safe name per token, served only at `/File/TOKEN/NAME`;
- every HTTP route refuses a body over the configured limit with a Wiro-shaped 413;
- callbacks go only to loopback or explicitly allowed hosts; refusals are journaled.

The admin API being off or bound to a token is tested in test_robustness.py
(`test_admin_api_can_be_turned_off_or_bound_to_a_token`).
"""

from __future__ import annotations

import ast
import asyncio
import hmac
import inspect
import re
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from mockserver import create_app
from mockserver.admin.guard import check_admin
from mockserver.api import run
from mockserver.auth import (
    MSG_NONCE_REUSED,
    Authenticator,
    fingerprint,
    sign,
    signed_headers,
)
from mockserver.cli import build_overrides, parser
from mockserver.config import DEFAULT_API_KEY, DEFAULT_API_SECRET
from mockserver.control.callbacks import CallbackSender
from mockserver.http import bodies
from mockserver.state import MockState
from mockserver.store.memory import MemoryFileStore
from mockserver.store.nonces import NonceMemory
from tests.mock.conftest import HEADERS, SPECS, finish, png_bytes, run_task

BODY = {"prompt": "a koala", "name": "f", "taskid": "1"}


def client_for(app: Starlette, headers: dict[str, str] | None = HEADERS) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost", headers=headers
    )


def concrete(path: str) -> str:
    """A route template with its parameters filled in."""
    return (
        path.replace("{owner}", "reve")
        .replace("{project}", "generate")
        .replace("{token}", "tok")
        .replace("{name}", "a.png")
        .replace("{key}", "1")
        .replace("{name}", "rule-1")
    )


def http_routes(app: Starlette) -> list[tuple[str, str]]:
    """Every (method, concrete path) the app routes over HTTP (HEAD left to GET), the
    admin mount's routes included."""
    return list(_routes(app.routes, ""))


def _routes(routes: list[BaseRoute], prefix: str) -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _routes(route.routes, prefix + route.path)
        elif isinstance(route, Route) and route.methods:
            path = (prefix + route.path).removesuffix("/") if prefix else route.path
            for method in sorted(route.methods - {"HEAD"}):
                yield method, concrete(path)


API_POSTS = [p for m, p in http_routes(create_app(SPECS)) if m == "POST" and p.startswith("/v1/")]


# -- constant-time comparison ----------------------------------------------------------------
class CompareSpy:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, Any]] = []
        self.real = hmac.compare_digest

    def __call__(self, a: Any, b: Any) -> bool:
        self.calls.append((a, b))
        return self.real(a, b)


@pytest.fixture
def compare_spy(monkeypatch: pytest.MonkeyPatch) -> CompareSpy:
    spy = CompareSpy()
    monkeypatch.setattr(hmac, "compare_digest", spy)
    return spy


async def test_signatures_are_compared_with_compare_digest(compare_spy: CompareSpy) -> None:
    expected = sign(DEFAULT_API_KEY, DEFAULT_API_SECRET, "77")
    wrong = "f" * len(expected)
    async with client_for(create_app(SPECS), None) as c:
        for signature, status in ((expected, 200), (wrong, 401)):
            compare_spy.calls.clear()
            headers = {"x-api-key": DEFAULT_API_KEY, "x-nonce": "77", "x-signature": signature}
            r = await c.post("/v1/Run/reve/generate", json={"prompt": "x"}, headers=headers)
            assert r.status_code == status
            assert compare_spy.calls == [(signature, expected)]


@pytest.mark.no_store
def test_admin_token_is_compared_with_compare_digest(compare_spy: CompareSpy) -> None:
    from mockserver.config import Admin

    scope = {"headers": [(b"x-mock-admin-token", b"guess")], "query_string": b""}
    with pytest.raises(Exception, match="Admin API token"):
        check_admin(Admin(token="s3cret"), scope)
    assert compare_spy.calls == [(b"guess", b"s3cret")]


@pytest.mark.no_store
@pytest.mark.parametrize("function", [Authenticator.check, check_admin])
def test_no_equality_operator_on_secrets(function: Callable[..., Any]) -> None:
    """Static check: the functions that compare secrets contain no `==`/`!=` on them."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.Eq | ast.NotEq) for op in node.ops
        ):
            text = ast.unparse(node)
            assert not re.search(r"signature|token|secret|hexdigest", text), text


# -- auth before any handler -----------------------------------------------------------------
BAD_AUTH = {
    "missing": {},
    "unknown key": {"x-api-key": "nope"},
    "no signature": {"x-api-key": DEFAULT_API_KEY},
    "wrong signature": {"x-api-key": DEFAULT_API_KEY, "x-nonce": "5", "x-signature": "0" * 64},
    "signature of another nonce": {
        "x-api-key": DEFAULT_API_KEY,
        "x-nonce": "6",
        "x-signature": sign(DEFAULT_API_KEY, DEFAULT_API_SECRET, "5"),
    },
    "wrong secret": signed_headers(DEFAULT_API_KEY, "not-the-secret", 5),
}


class Gate:
    """Spies on everything past the auth gate; any call is recorded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reached: list[str] = []
        for module in (run, bodies):  # Run reads its body itself; the others via `opened`
            real = module.read_fields

            async def read_fields(call: Any, limit: int, _real: Any = real) -> dict[str, Any]:
                self.reached.append("read_fields")
                return dict(await _real(call, limit))

            monkeypatch.setattr(module, "read_fields", read_fields)
        for owner, name in ((MockState, "new_task"), (MockState, "find_task")):
            self._spy(monkeypatch, owner, name)

    def _spy(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
        real = getattr(owner, name)

        async def spy(*args: Any, **kwargs: Any) -> Any:
            self.reached.append(name)
            return await real(*args, **kwargs)

        monkeypatch.setattr(owner, name, spy)


@pytest.mark.parametrize("case", list(BAD_AUTH))
async def test_bad_auth_never_reaches_a_handler(monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    assert len(API_POSTS) >= 8  # Run, five Task routes, FolderCreate, Upload (+ any new one)
    app = create_app(SPECS)
    gate = Gate(monkeypatch)
    state: MockState = app.state.mock
    async with client_for(app, None) as c:
        for path in API_POSTS:
            r = await c.post(path, json=BODY, headers=BAD_AUTH[case])
            assert r.status_code == 401, (path, r.text)
            assert r.json()["result"] is False and r.json()["errors"][0]["code"] == 0
        upload = await c.post(
            "/v1/File/Upload", files={"file": ("a.png", png_bytes())}, headers=BAD_AUTH[case]
        )
        assert upload.status_code == 401
    assert gate.reached == []
    assert await state.store.count() == 0 and await state.files.get("x") is None
    journal = await state.journal.query(kind="request")
    assert len(journal) == len(API_POSTS) + 1
    assert {e["status"] for e in journal} == {401}
    assert all(e["body"] is None for e in journal)  # no body was ever parsed


async def test_the_gate_spies_do_see_authenticated_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = Gate(monkeypatch)
    async with client_for(create_app(SPECS)) as c:
        assert (await c.post("/v1/Run/reve/generate", json={"prompt": "x"})).status_code == 200
    assert gate.reached == ["read_fields", "new_task"]


# -- strict nonce ----------------------------------------------------------------------------
@pytest.fixture
async def strict() -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    app = create_app(
        SPECS,
        strict_nonce=True,
        projects=[
            {"api_key": "k1", "api_secret": "s1"},
            {"api_key": "k2", "api_secret": "s2"},
        ],
    )
    async with client_for(app, None) as c:
        yield c, app


async def test_strict_nonce_rejects_reuse(strict: tuple[httpx.AsyncClient, Starlette]) -> None:
    c, app = strict
    body = {"prompt": "x"}
    first = signed_headers("k1", "s1", 1001)
    assert (await c.post("/v1/Run/reve/generate", json=body, headers=first)).status_code == 200
    again = await c.post("/v1/Task/List", json={}, headers=first)  # any route, same nonce
    assert again.status_code == 401
    assert again.json() == {"result": False, "errors": [{"code": 0, "message": MSG_NONCE_REUSED}]}
    fresh = signed_headers("k1", "s1", 1002)
    assert (await c.post("/v1/Task/List", json={}, headers=fresh)).status_code == 200
    # per API key: another project may use the same number
    other = signed_headers("k2", "s2", 1001)
    assert (await c.post("/v1/Task/List", json={}, headers=other)).status_code == 200
    # a request refused for its signature does not burn the nonce
    bad = {"x-api-key": "k1", "x-nonce": "1003", "x-signature": "0" * 64}
    assert (await c.post("/v1/Task/List", json={}, headers=bad)).status_code == 401
    good = signed_headers("k1", "s1", 1003)
    assert (await c.post("/v1/Task/List", json={}, headers=good)).status_code == 200
    # the admin reset forgets the remembered nonces (tests reuse fixed nonces)
    assert (await c.post("/__mock__/reset")).status_code == 200
    assert (await c.post("/v1/Task/List", json={}, headers=first)).status_code == 200
    assert "strict nonce" in app.state.mock.auth.describe()


async def test_nonce_reuse_allowed_by_default() -> None:
    async with client_for(create_app(SPECS)) as c:  # HEADERS: one fixed nonce
        for _ in range(3):
            assert (await c.post("/v1/Task/List", json={})).status_code == 200


@pytest.mark.no_store
def test_nonce_memory_is_bounded() -> None:
    memory = NonceMemory(3)
    assert all(memory.use("k", str(n)) for n in range(3))
    assert not memory.use("k", "0")
    assert memory.use("k", "3") and len(memory) == 3  # "0" is forgotten: oldest first
    assert memory.use("k", "0")


@pytest.mark.no_store
def test_strict_nonce_flag() -> None:
    overrides = build_overrides(parser().parse_args(["--strict-nonce"]))
    assert overrides["strict_nonce"] is True
    assert "strict_nonce" not in build_overrides(parser().parse_args([]))


# -- uploads stay in the store's flat namespace ----------------------------------------------
HOSTILE_NAMES = [
    "../../x",
    "../../../etc/passwd.png",
    "/etc/passwd",
    "/abs/dir/a.png",
    "C:\\Windows\\system32\\a.png",
    "..\\..\\b.png",
    "a\x00.png",
    "\x00",
    "..",
    "....//....//x.png",
    "%2e%2e%2f%2e%2e%2fx.png",
    "x/",
    "a\r\nb.png",
]


def multipart(filename: str, data: bytes, field: str = "file", extra: str = "") -> bytes:
    """A multipart body with the filename as raw bytes (clients would refuse NUL, CR, LF)."""
    head = (
        f'--B\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: image/png\r\n\r\n"
    )
    return head.encode("utf-8", "surrogateescape") + data + f"\r\n{extra}--B--\r\n".encode()


SAFE = re.compile(r"^[A-Za-z0-9_ -][A-Za-z0-9._ -]*$")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
async def test_upload_names_never_escape(name: str) -> None:
    app = create_app(SPECS)
    state: MockState = app.state.mock
    data = png_bytes()
    async with client_for(app) as c:
        r = await c.post(
            "/v1/File/Upload",
            content=multipart(name, data),
            headers={"content-type": "multipart/form-data; boundary=B"},
        )
        if r.json()["result"] is False:  # a name the multipart parser refuses: not stored
            assert r.status_code == 200 and r.json()["errors"][0]["code"] == 0
            if isinstance(state.store.files, MemoryFileStore):  # it can show it holds nothing
                assert list(state.store.files._files) == []
            return
        item = r.json()["list"][0]
        stored = item["name"]
        assert SAFE.match(stored), stored
        assert not any(c in stored for c in "/\\\x00\r\n") and ".." not in stored
        assert item["url"] == f"http://localhost/v1/File/{item['accesskey']}/{stored}"
        assert (await c.get(f"/v1/File/{item['accesskey']}/{stored}")).content == data
        # nothing is reachable by the client's original name
        for probe in (name, name.replace("\x00", ""), "../" + stored, "%2e%2e/" + stored):
            if probe == stored:
                continue
            got = await c.get(f"/v1/File/{item['accesskey']}/{quote(probe, safe='/%')}")
            assert got.status_code != 200 and got.content != data, probe


@pytest.mark.parametrize("name", HOSTILE_NAMES[:8])
async def test_run_input_names_never_escape(name: str) -> None:
    app = create_app(SPECS, clock={"mode": "step"})
    async with client_for(app) as c:
        prompt = '--B\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nx\r\n'
        body = multipart(name, png_bytes(), field="inputImage", extra=prompt)
        r = await c.post(
            "/v1/Run/reve/edit",
            content=body,
            headers={"content-type": "multipart/form-data; boundary=B"},
        )
        assert r.status_code == 200, r.text
        task = (await c.post("/v1/Task/Detail", json={"taskid": r.json()["taskid"]})).json()
        url = task["tasklist"][0]["parameters"]["inputImage"]
        _token, stored = url.removeprefix("http://localhost/v1/File/").split("/")
        assert re.fullmatch(r"inputImage-\d+\.png", stored), url


@pytest.mark.parametrize("name", ["../../x", "/etc", "a\\b", "..", "x\x00y"])
async def test_folder_names_are_sanitized(name: str) -> None:
    async with client_for(create_app(SPECS)) as c:
        r = await c.post("/v1/File/FolderCreate", json={"name": name})
        assert r.status_code == 200
        assert SAFE.match(r.json()["list"][0]["name"])


# -- body limits on every route --------------------------------------------------------------
LIMIT = 4096
EVERY_ROUTE = http_routes(create_app(SPECS))


@pytest.fixture(scope="module")
def small_app() -> Starlette:
    return create_app(SPECS, limits={"max_body_bytes": LIMIT, "max_json_bytes": LIMIT})


@pytest.mark.no_store
@pytest.mark.parametrize(("method", "path"), EVERY_ROUTE)
async def test_declared_oversized_body_is_413_on_every_route(
    small_app: Starlette, method: str, path: str
) -> None:
    async with client_for(small_app) as c:
        r = await c.request(method, path, content=b"{" + b" " * (LIMIT * 2) + b"}")
    assert r.status_code == 413, (method, path, r.status_code, r.text)
    assert r.json()["result"] is False and "larger than" in r.json()["errors"][0]["message"]


READS_BODY = [(m, p) for m, p in EVERY_ROUTE if m in ("POST", "PUT")]


@pytest.mark.parametrize(("method", "path"), READS_BODY)
async def test_streamed_oversized_body_is_413_on_every_route_that_reads_one(
    method: str, path: str
) -> None:
    app = create_app(
        SPECS, clock={"mode": "step"}, limits={"max_body_bytes": LIMIT, "max_json_bytes": LIMIT}
    )
    async with client_for(app) as c:
        created = await c.post("/v1/Run/reve/generate", json={"prompt": "x"})
        assert created.status_code == 200

        async def chunks() -> AsyncIterator[bytes]:  # no content-length: counted as it streams
            yield b'{"pad": "'
            for _ in range(LIMIT // 512 * 3):
                yield b"a" * 512
            yield b'"}'

        r = await c.request(method, path, content=chunks())
    body = r.json()
    if r.status_code != 413:  # a route that answers without reading its body
        assert r.status_code < 500 and "pad" not in r.text, (method, path, r.text)
        return
    assert body["result"] is False and "larger than" in body["errors"][0]["message"]


# -- callbacks only to allowed hosts ---------------------------------------------------------
REFUSED = [
    "https://example.com/hook",
    "http://localhost.example.com/hook",
    "http://localhost@evil.example/hook",
    "http://evil.example#@127.0.0.1/",
    "http://0x7f000001/hook",
    "http://10.0.0.1/hook",
    "file:///etc/passwd",
    "gopher://127.0.0.1/x",
]
ALLOWED = ["http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/hook"]


@pytest.fixture
def posts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL the callback sender POSTs to (answered 200, nothing leaves the process)."""
    sent: list[str] = []

    class FakeHTTP:
        async def post(self, url: str, **kwargs: Any) -> httpx.Response:
            sent.append(url)
            return httpx.Response(200)

        async def aclose(self) -> None:
            pass

    monkeypatch.setattr(CallbackSender, "_http", lambda self: FakeHTTP())
    return sent


async def _deliveries(app: Starlette, url: str) -> list[dict[str, Any]]:
    state: MockState = app.state.mock
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mock/v1", headers=HEADERS
    ) as c:
        taskid = await run_task(c, "reve/generate", {"prompt": "x", "callbackUrl": url})
        await finish(c, taskid)
        for _ in range(100):  # delivery runs as a background task of this loop
            entries = await state.journal.query(kind="callback", task_id=taskid)
            if entries:
                return entries
            await asyncio.sleep(0)
    return []


@pytest.mark.parametrize("url", REFUSED)
async def test_callbacks_to_other_hosts_are_refused_and_journaled(
    posts: list[str], url: str
) -> None:
    app = create_app(SPECS, clock={"mode": "step"})
    (entry,) = await _deliveries(app, url)
    assert entry["attempt"] == 0 and entry["status"] is None
    assert entry["error"].startswith("skipped:")
    assert posts == []


@pytest.mark.parametrize("url", ALLOWED)
async def test_callbacks_to_loopback_are_delivered(posts: list[str], url: str) -> None:
    app = create_app(SPECS, clock={"mode": "step"})
    (entry,) = await _deliveries(app, url)
    assert entry["attempt"] == 1 and entry["status"] == 200
    assert posts == [url]


async def test_callback_host_allowed_explicitly(posts: list[str]) -> None:
    url = "https://hooks.example.com/wiro"
    app = create_app(
        SPECS, clock={"mode": "step"}, callbacks={"allow_hosts": ["hooks.example.com"]}
    )
    (entry,) = await _deliveries(app, url)
    assert entry["status"] == 200 and posts == [url]
    other = create_app(
        SPECS, clock={"mode": "step"}, callbacks={"allow_hosts": ["hooks.example.com"]}
    )
    (refused,) = await _deliveries(other, "https://evil.example.com/wiro")
    assert refused["error"].startswith("skipped:") and posts == [url]


def test_start_up_line_never_prints_a_configured_secret() -> None:
    app = create_app(SPECS, projects=[{"api_key": "k", "api_secret": "topsecret-123"}])
    line = app.state.mock.auth.describe()
    assert "api-key=k" in line and "topsecret-123" not in line
    assert f"api-secret={fingerprint('topsecret-123')}" in line
    default = create_app(SPECS).state.mock.auth.describe()
    assert DEFAULT_API_SECRET not in default  # not even the documented one
    assert f"api-secret={fingerprint(DEFAULT_API_SECRET)} (the default)" in default
    assert fingerprint("a") != fingerprint("b") and len(fingerprint("a")) == len("sha256:") + 8
