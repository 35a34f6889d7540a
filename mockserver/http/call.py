"""What every route shares: the per-request `Call`, the `Reply` it answers with, auth,
base URLs, and the one mapping from an exception to Wiro's error envelope.

A Wiro API route (`routing.CallRoute`) takes a `Call` (the scope, the body read straight
from `receive`, the request's `RequestContext`) and returns a `Reply` (status, raw headers,
body bytes): no Starlette `Request` or `Response` objects on the hot Run and Task/Detail
path. The admin routes are plain Starlette endpoints and answer through `json_response`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mockserver.auth import MSG_NONCE_REUSED
from mockserver.config import Project
from mockserver.errors import AuthError, MockError
from mockserver.http.context import RequestContext, context_of
from mockserver.state import MockState

log = logging.getLogger("mockserver")
RawHeaders = list[tuple[bytes, bytes]]
_JSON_TYPE = (b"content-type", b"application/json")
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

#: Where the mock's own control surface (admin API and dashboard) is served.
ADMIN_PREFIX = "/__mock__"
#: The status journaled for a request whose client went away before the answer (nginx's).
CLIENT_CLOSED = 499
MSG_CLIENT_GONE = "Client closed the request."


def scope_state(scope: Scope) -> MockState:
    """The mock serving this request (the app keeps it as `app.state.mock`)."""
    state: MockState = scope["app"].state.mock
    return state


def state_of(request: Request) -> MockState:
    return scope_state(request.scope)


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def dumps(data: Any) -> bytes:
    return _ENCODER.encode(data).encode()


class Reply:
    """A finished response: status, raw headers, body (what a `CallRoute` sends)."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: RawHeaders, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


def raw_headers(
    body: bytes, extra: Mapping[str, str] | None = None, content_type: bytes | None = None
) -> RawHeaders:
    """Headers in the order Starlette's `Response` writes them: extra, length, type (JSON
    unless `content_type` says otherwise)."""
    headers = (
        [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
        if extra
        else []
    )
    headers.append((b"content-length", str(len(body)).encode()))
    headers.append(_JSON_TYPE if content_type is None else (b"content-type", content_type))
    return headers


def reply(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    body = dumps(data)
    return Reply(status, raw_headers(body, headers), body)


def body_reply(body: bytes, status: int = 200) -> Reply:
    """A reply around JSON bytes rendered elsewhere (the Task/Detail cache)."""
    return Reply(status, raw_headers(body), body)


def file_reply(data: bytes, content_type: str) -> Reply:
    """A file's bytes, typed as Starlette's `Response(media_type=...)` types them (text
    gets `charset=utf-8` unless it names one)."""
    if content_type.startswith("text/") and "charset=" not in content_type.lower():
        content_type += "; charset=utf-8"
    return Reply(200, raw_headers(data, content_type=content_type.encode("latin-1")), data)


def http_errors(state: MockState, path: str) -> bool:
    """Whether errors on `path` carry HTTP statuses: the admin API always does, the Wiro API
    only under `--http-errors` (Wiro itself answers most errors with 200, `result: false`)."""
    return state.config.http_errors or is_admin_path(path)


def error_reply(exc: MockError, http: bool = True) -> Reply:
    """Wiro's error envelope for `exc`; `http` as `http_errors` decided for the path."""
    body = exc.body()
    return Reply(exc.status_for(http), raw_headers(body, exc.headers), body)


def failure_reply(exc: Exception, state: MockState, path: str) -> Reply:
    """What any failure of a request answers, wherever it was caught (the app's exception
    handler, the middleware): a MockError its own envelope; a client gone mid-request the
    499 the journal shows; anything else a shaped 500, logged, never a bare one."""
    if isinstance(exc, MockError):
        return error_reply(exc, http_errors(state, path))
    if isinstance(exc, ClientDisconnect):
        return error_reply(MockError(MSG_CLIENT_GONE, status=CLIENT_CLOSED))
    log.error("wiro-mock: unexpected error on %s", path, exc_info=exc)
    return error_reply(MockError(f"Internal mock error: {type(exc).__name__}", status=500))


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
    """One API request as route logic sees it.

    `headers` are the context's (lower-case names); the body is read straight from
    `receive`, or through `request` when one exists (multipart parsing makes one).
    """

    __slots__ = ("_body", "_request", "context", "headers", "receive", "scope", "state")

    def __init__(
        self, state: MockState, scope: Scope, receive: Receive, request: Request | None = None
    ) -> None:
        self.state = state
        self.scope = scope
        self.receive = receive
        self.context: RequestContext = context_of(scope)
        self.headers = self.context.headers
        self._request = request
        self._body: bytes | None = None

    def request(self) -> Request:
        """A Starlette `Request` (multipart parsing), made on first use."""
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
