"""What every route shares: the per-request `Call`, JSON replies, auth, base URLs.

Run and Task/Detail are served two ways: through Starlette's routing (a `Request`) and through
the middleware's fast path (the raw ASGI scope, no router and no `Request`). Both build a
`Call`, run the *same* route function on it and turn the same `Reply` into bytes on the wire,
so the two paths cannot drift apart: auth, body parsing, validation, errors and the journal
are one code path with two thin entrances.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mockserver.config import Project
from mockserver.errors import AuthError, MockError
from mockserver.http.auth import MSG_NONCE_REUSED
from mockserver.state import MockState

RawHeaders = list[tuple[bytes, bytes]]
_JSON_TYPE = (b"content-type", b"application/json")
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def state_of(request: Request) -> MockState:
    state: MockState = request.app.state.mock
    return state


def dumps(data: Any) -> bytes:
    return _ENCODER.encode(data).encode()


class Reply:
    """A finished JSON response: status, raw headers, body (what both paths send)."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: RawHeaders, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


def raw_headers(body: bytes, extra: Mapping[str, str] | None = None) -> RawHeaders:
    """Headers in the order Starlette's `Response` writes them: extra, length, type."""
    headers = (
        [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
        if extra
        else []
    )
    headers.append((b"content-length", str(len(body)).encode()))
    headers.append(_JSON_TYPE)
    return headers


def reply(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    body = dumps(data)
    return Reply(status, raw_headers(body, headers), body)


def body_reply(body: bytes, status: int = 200) -> Reply:
    """A reply around JSON bytes rendered elsewhere (the Task/Detail cache)."""
    return Reply(status, raw_headers(body), body)


ADMIN_PREFIX = "/__mock__"


def http_errors(state: MockState, path: str) -> bool:
    """Whether errors on `path` carry HTTP statuses: the admin API always does, the Wiro API
    only under `--http-errors` (Wiro itself answers most errors with 200, `result: false`)."""
    return state.config.http_errors or path.startswith(ADMIN_PREFIX)


def error_reply(exc: MockError, http: bool = True) -> Reply:
    """Wiro's error envelope for `exc` (the one rendering of every MockError); `http` as
    `http_errors` decided for the request's path."""
    body = exc.body()
    return Reply(exc.status_for(http), raw_headers(body, exc.headers), body)


def internal_error(exc: BaseException) -> MockError:
    """What an unexpected exception becomes: a shaped 500, never a bare one."""
    return MockError(f"Internal mock error: {type(exc).__name__}", status=500)


def to_response(result: Reply) -> Response:
    response = Response(result.body, result.status)
    response.raw_headers = result.headers
    return response


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return to_response(reply(data, status, headers))


async def send_reply(send: Send, result: Reply) -> None:
    """Exactly what `to_response(result)` sends through Starlette."""
    await send({"type": "http.response.start", "status": result.status, "headers": result.headers})
    await send({"type": "http.response.body", "body": result.body})


class Call:
    """One API request as route logic sees it, from either entrance.

    `headers` is the plain dict the middleware built (lower-case names); the body is read
    straight from `receive` on the fast path and through the `Request` on the routed one.
    """

    __slots__ = ("_body", "_request", "headers", "receive", "scope", "state")

    def __init__(
        self, state: MockState, scope: Scope, receive: Receive, request: Request | None
    ) -> None:
        self.state = state
        self.scope = scope
        self.receive = receive
        headers: Mapping[str, str] | None = scope.get("mock.headers")
        self.headers: Mapping[str, str] = headers if headers is not None else Headers(scope=scope)
        self._request = request
        self._body: bytes | None = None

    @classmethod
    def of(cls, request: Request) -> Call:
        return cls(state_of(request), request.scope, request.receive, request)

    def request(self) -> Request:
        """A Starlette `Request` (multipart parsing); made on first use on the fast path."""
        if self._request is None:
            self._request = Request(self.scope, self.receive)
        return self._request

    async def body(self) -> bytes:
        if self._request is not None:
            return await self._request.body()
        if self._body is None:  # the loop of Request.stream(), without the generator
            chunks: list[bytes] = []
            while True:
                message = await self.receive()
                kind = message["type"]
                if kind == "http.request":
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body", False):
                        break
                elif kind == "http.disconnect":
                    raise ClientDisconnect()
            self._body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return self._body


def headers_of(request: Request) -> Mapping[str, str]:
    """The request headers as a plain dict (built once by the middleware; faster lookups)."""
    headers: Mapping[str, str] | None = request.scope.get("mock.headers")
    return headers if headers is not None else request.headers


async def authenticate(call: Call) -> Project:
    """The request's project; with `strict_nonce`, a nonce already used is refused."""
    state = call.state
    project, nonce = state.auth.check(call.headers)
    if (
        nonce
        and state.auth.strict_nonce
        and not await state.store.use_nonce(project.api_key, nonce)
    ):
        raise AuthError(MSG_NONCE_REUSED)
    return project


def api_base(call: Call) -> str:
    """Base of the URLs the mock hands out (`http://HOST/v1`), or the configured public URL."""
    configured = call.state.config.public_url
    if configured:
        return configured.rstrip("/")
    host = call.headers.get("host") or "127.0.0.1"
    return f"{call.scope.get('scheme', 'http')}://{host}/v1"


def _journal_state(call: Call) -> dict[str, Any]:
    """`scope["state"]`: where `request.state` writes and the journal middleware reads."""
    state: dict[str, Any] | None = call.scope.get("state")
    if state is None:
        state = call.scope["state"] = {}
    return state


def remember(call: Call, body: Any, model: str | None = None) -> None:
    """Hand the parsed body (and matched model) to the journal middleware."""
    state = _journal_state(call)
    state["journal_body"] = body
    if model is not None:
        state["journal_model"] = model


def remember_model(call: Call, model: str) -> None:
    _journal_state(call)["journal_model"] = model


def remember_warnings(call: Call, warnings: list[dict[str, str]]) -> None:
    """Validation warnings (accepted values outside a help-stated range) for the journal."""
    _journal_state(call)["journal_warnings"] = warnings
