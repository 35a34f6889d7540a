"""Hostile requests (issue 16, items 5 and 7): each is a Wiro-shaped answer, never a 500 or
silence, and a task exists only when the client was told about it.

- a non-ASCII byte in an auth header is Wiro's 401, not a crash in `compare_digest`;
- an integer past Python's int/str digit limit (4,300) is a validation error naming the field;
- with unknown fields ignored, names like `日本` or one holding a newline reach a response
  header only percent-encoded, so the reply (over a real server too) always arrives;
- a body that stops half-way is a 408 after `limits.body_timeout`, and its connection closes;
- without an admin token, the admin API answers only a loopback `Host` and a same-origin (or
  no) `Origin`; with one, any host that sends it.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from mockserver import create_app
from mockserver.admin.guard import AdminGuard, AdminMount, check_admin
from mockserver.auth import MSG_INVALID, Authenticator
from mockserver.config import Admin, Project
from mockserver.errors import AdminForbiddenError, AuthError
from mockserver.http.call import ADMIN_PREFIX
from mockserver.testing import WiroMock
from tests.mock.conftest import HEADERS, SPECS, kinds_model, png_bytes, refused

LONG = "9" * 5000
LOCAL = "http://127.0.0.1"
JSON = {"content-type": "application/json"}


def client_for(app: Starlette, base_url: str = LOCAL) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=base_url, headers=HEADERS
    )


@pytest.fixture
async def kinds() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(create_app(models=[kinds_model()], clock={"mode": "step"})) as c:
        yield c


async def task_count(client: httpx.AsyncClient) -> int:
    count: int = (await client.get("/__mock__/tasks")).json()["count"]
    return count


def errors_of(response: httpx.Response) -> list[str]:
    return [e["message"] for e in response.json()["errors"]]


# -- auth headers ----------------------------------------------------------------------------
@pytest.mark.parametrize("header", ["x-signature", "x-nonce"])
@pytest.mark.parametrize("route", ["/v1/Run/test/kinds", "/v1/Task/Detail"])
async def test_non_ascii_auth_header_is_wiros_401(
    kinds: httpx.AsyncClient, header: str, route: str
) -> None:
    response = await kinds.post(route, json={"prompt": "x"}, headers={header: "é".encode()})
    wiros, hint = refused(response, status=401)
    assert wiros == MSG_INVALID and hint.endswith(
        "signature mode: x-nonce and x-signature are ASCII"
    )
    assert await task_count(kinds) == 0


@pytest.mark.memory_only
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.sampled_from(["k", "keyonly", "", "other"]) | st.text(max_size=8),
    nonce=st.text(max_size=12),
    signature=st.text(max_size=70),
)
def test_auth_headers_fuzz_only_ever_accept_or_401(key: str, nonce: str, signature: str) -> None:
    """Whatever the headers hold (as the middleware decodes them: latin-1 text), the check
    returns a project or raises AuthError: never another exception."""
    auth = Authenticator([Project(api_key="k", api_secret="s"), Project(api_key="keyonly")])
    sent = {"x-api-key": key, "x-nonce": nonce, "x-signature": signature}
    headers = {k: v.encode("utf-8").decode("latin-1") for k, v in sent.items()}
    try:
        project, _ = auth.check(headers)
    except AuthError:
        return
    assert project.api_key in ("k", "keyonly")


# -- numbers past the int/str digit limit ----------------------------------------------------
@pytest.mark.parametrize("field", ["steps", "prompt", "scale"])
async def test_5000_digit_number_in_run_json_names_the_field(
    kinds: httpx.AsyncClient, field: str
) -> None:
    body = '{"prompt": "x", "%s": %s}' % (field, LONG)  # noqa: UP031 (JSON text, not a dict)
    response = await kinds.post("/v1/Run/test/kinds", content=body, headers=JSON)
    assert refused(response) == [
        f"Request parameter [{field}] must be a number of at most 4300 digits"
    ]
    assert await task_count(kinds) == 0


async def test_nested_long_number_names_its_top_level_field(kinds: httpx.AsyncClient) -> None:
    body = '{"prompt": "x", "tags": [1, {"a": [%s]}]}' % LONG  # noqa: UP031
    response = await kinds.post("/v1/Run/test/kinds", content=body, headers=JSON)
    assert refused(response) == ["Request parameter [tags] must be a number of at most 4300 digits"]


async def test_5000_digit_number_in_task_detail_names_the_field(kinds: httpx.AsyncClient) -> None:
    for key in ("taskid", "tasktoken"):
        body = '{"%s": %s}' % (key, LONG)  # noqa: UP031
        response = await kinds.post("/v1/Task/Detail", content=body, headers=JSON)
        assert refused(response) == [
            f"Request parameter [{key}] must be a number of at most 4300 digits"
        ]


async def test_long_numbers_in_forms_multipart_and_past_float_are_validation_errors(
    kinds: httpx.AsyncClient,
) -> None:
    expected = ["Request parameter [steps] must be integer or float"]
    fields = {"prompt": "x", "steps": LONG}
    form = await kinds.post("/v1/Run/test/kinds", data=fields)
    assert refused(form) == expected
    image = {"inputImage": ("a.png", png_bytes())}
    multipart = await kinds.post("/v1/Run/test/kinds", data=fields, files=image)
    assert refused(multipart) == expected
    beyond_float = await kinds.post("/v1/Run/test/kinds", json={"prompt": "x", "steps": 10**400})
    assert refused(beyond_float) == expected
    detail = await kinds.post("/v1/Task/Detail", data={"taskid": LONG})
    assert refused(detail, code=1) == ["There is no task yet."]
    assert await task_count(kinds) == 0


# -- unknown field names never reach a header raw ---------------------------------------------
LENIENT: dict[str, Any] = {"validation": {"unknown_fields": "ignore"}, "clock": {"mode": "step"}}
ODD_NAMES = ["日本", "a\nb", "x\r\nset-cookie: y", "comma,name"]


async def test_lenient_odd_field_names_get_a_reply_and_a_visible_task() -> None:
    async with client_for(create_app(models=[kinds_model()], **LENIENT)) as c:
        for name in ODD_NAMES:
            response = await c.post("/v1/Run/test/kinds", json={"prompt": "x", name: "1"})
            assert response.status_code == 200 and response.json()["result"] is True
            header = response.headers["x-mock-unknown-fields"]
            assert header.isascii() and "," not in header and unquote(header) == name
            taskid = response.json()["taskid"]
            detail = await c.post("/v1/Task/Detail", json={"taskid": taskid})
            assert detail.json()["tasklist"][0]["id"] == taskid
        assert await task_count(c) == len(ODD_NAMES)


@pytest.mark.memory_only
def test_lenient_newline_field_name_over_a_real_server(wiro_mock_factory: Any) -> None:
    """uvicorn refuses a header value with a newline: the reply used to never come."""
    mock: WiroMock = wiro_mock_factory(**LENIENT)
    for name in ODD_NAMES:
        response = httpx.post(
            f"{mock.base_url}/Run/reve/generate",
            json={"prompt": "x", name: "1"},
            headers=mock.headers(),
        )
        assert response.status_code == 200, response.text
        assert unquote(response.headers["x-mock-unknown-fields"]) == name
        assert mock.task(response.json()["taskid"])
    assert len(mock.tasks()) == len(ODD_NAMES)


# -- a body that stops half-way ---------------------------------------------------------------
@pytest.mark.memory_only
def test_body_that_stops_half_way_is_408_and_the_connection_closes(
    wiro_mock_factory: Any,
) -> None:
    mock: WiroMock = wiro_mock_factory(limits={"body_timeout": 0.2})
    headers = "".join(f"{k}: {v}\r\n" for k, v in mock.headers().items())
    with socket.create_connection(("127.0.0.1", mock.port), timeout=30) as sock:
        sock.sendall(
            b"POST /v1/Run/reve/generate HTTP/1.1\r\nhost: 127.0.0.1\r\n"
            + headers.encode()
            + b"content-type: application/json\r\ncontent-length: 100\r\n\r\n"
            + b'{"prompt": "half'
        )
        received = b""
        while chunk := sock.recv(65536):  # until the server closes the connection
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), received
    assert b"connection: close" in head.lower()
    assert body == (
        b'{"result":false,"errors":[{"code":0,'
        b'"message":"Request body was not received: no data for 0.2 seconds."}]}'
    )
    assert [e["status"] for e in mock.journal(path="/v1/Run/*")] == [408]
    assert mock.tasks() == []


async def test_stalled_body_is_408_in_process_too() -> None:
    """The same through the ASGI app, a body stream that never ends."""
    app = create_app(SPECS, limits={"body_timeout": 0.05})

    async def stalls() -> AsyncIterator[bytes]:
        yield b'{"prompt": '
        await asyncio.sleep(3600)
        yield b"}"

    async with client_for(app) as c:
        for route in ("/v1/Run/reve/generate", "/v1/Task/List", "/__mock__/clock"):
            response = await c.post(route, content=stalls())
            assert response.status_code == 408, (route, response.text)
            assert response.headers["connection"] == "close"
            assert refused(response, status=408)


# -- the admin guard without a token ----------------------------------------------------------
def scope(host: str | None, origin: str | None = None, kind: str = "http") -> dict[str, Any]:
    headers = [] if host is None else [(b"host", host.encode("latin-1"))]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return {"type": kind, "path": "/__mock__/reset", "headers": headers, "query_string": b""}


LOOPBACK = ["127.0.0.1", "127.0.0.1:8000", "localhost", "LOCALHOST:9", "[::1]:8000", "127.9.9.9"]
FOREIGN = ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", "localhost.evil", "10.0.0.1",
           "[::2]:80", "", None, "127.0.0.1:80:80"]  # fmt: skip


@pytest.mark.memory_only
@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_host_without_origin_or_same_origin_is_served(host: str) -> None:
    check_admin(Admin(), scope(host))
    check_admin(Admin(), scope(host, f"http://{host}"))


@pytest.mark.memory_only
@pytest.mark.parametrize("host", FOREIGN)
def test_foreign_host_is_refused_without_a_token(host: str | None) -> None:
    with pytest.raises(AdminForbiddenError, match="is not loopback"):
        check_admin(Admin(), scope(host))
    check_admin(Admin(token="t"), {**scope(host), "query_string": b"token=t"})


@pytest.mark.memory_only
@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://127.0.0.1:3000", "null", "", "http://[::1", "file://"],
)
def test_foreign_origin_is_refused_without_a_token(origin: str) -> None:
    for kind in ("http", "websocket"):
        with pytest.raises(AdminForbiddenError, match="is not this mock's own origin"):
            check_admin(Admin(), scope("127.0.0.1:8000", origin, kind))


@pytest.mark.memory_only
@settings(max_examples=200, deadline=None)
@given(host=st.text(max_size=30), origin=st.none() | st.text(max_size=30))
def test_admin_guard_fuzz_only_ever_serves_or_403(host: str, origin: str | None) -> None:
    wire = host.encode().decode("latin-1")  # as the middleware decodes header bytes
    try:
        check_admin(Admin(), scope(wire, origin))
    except AdminForbiddenError:
        return


async def test_admin_api_over_http_foreign_host_and_origin_are_403() -> None:
    app = create_app(SPECS)
    async with client_for(app, "http://evil.example:8000") as foreign:
        reset = await foreign.post("/__mock__/reset")
        assert reset.status_code == 403 and "Host 'evil.example:8000'" in errors_of(reset)[0]
        assert (await foreign.get("/__mock__/journal")).status_code == 403
        assert (await foreign.get("/__mock__/ui")).status_code == 403
        assert (await foreign.post("/v1/Task/List", json={})).status_code == 200  # API unaffected
    async with client_for(app) as local:
        cross = await local.post(
            "/__mock__/faults", json={"kind": "drop"}, headers={"origin": "http://evil.example"}
        )
        assert cross.status_code == 403 and "Origin 'http://evil.example'" in errors_of(cross)[0]
        assert (await local.get("/__mock__/faults")).json()["faults"] == []
        same = await local.post("/__mock__/reset", headers={"origin": LOCAL})
        assert same.status_code == 200
        assert (await local.get("/__mock__/journal")).status_code == 200


@pytest.mark.memory_only
def test_the_admin_surface_is_one_guarded_mount() -> None:
    """Everything under the admin prefix (API, dashboard, its WebSocket) is one mount whose
    app is the guard: no admin route can be added past it."""
    routes = create_app(SPECS).routes
    admin = [r for r in routes if getattr(r, "path", "").startswith(ADMIN_PREFIX)]
    assert len(admin) == 1 and isinstance(admin[0], AdminMount)
    assert isinstance(admin[0].app, AdminGuard)
    assert {"/", "/limits", "/ui", "/ui/live"} <= {getattr(r, "path", "") for r in admin[0].routes}


async def test_admin_websocket_is_refused_by_the_guard() -> None:
    app = create_app(SPECS, admin={"token": "t0ken"})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    ws = {**scope("127.0.0.1", kind="websocket"), "path": "/__mock__/ui/live", "root_path": ""}
    await app(ws, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008}]


async def test_admin_token_opens_the_admin_api_to_other_hosts() -> None:
    app = create_app(SPECS, admin={"token": "t0ken"})
    async with client_for(app, "http://mock.lan:8000") as c:
        token = {"x-mock-admin-token": "t0ken", "origin": "http://dashboard.lan"}
        assert (await c.post("/__mock__/reset", headers=token)).status_code == 200
        assert (await c.post("/__mock__/reset")).status_code == 401


@pytest.mark.parametrize("path", ["/v1/Run/reve/generate", "/__mock__/reset"])
async def test_5000_digit_content_length_is_413(path: str) -> None:
    app = create_app(SPECS)
    headers = [(b"host", b"127.0.0.1"), (b"content-length", LONG.encode())]
    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"", "headers": headers, "scheme": "http",
             "http_version": "1.1", "asgi": {"version": "3.0"}}  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    assert sent[0]["status"] == 413 and b"larger than" in sent[1]["body"]


async def test_dashboard_explains_a_non_ascii_signature(kinds: httpx.AsyncClient) -> None:
    """The journal row's auth explanation compares the received signature too."""
    await kinds.post("/v1/Run/test/kinds", json={"prompt": "x"}, headers={"x-signature": b"\xe9"})
    journal = await kinds.get("/__mock__/ui/journal")
    assert journal.status_code == 200 and "html" in journal.json()
