"""The outermost ASGI layer: body limits and timeouts, the admin guard, request faults, the
journal, and "never a 500".

Pure ASGI (no BaseHTTPMiddleware) because it runs on every request of the hot Run/Detail
path. It measures nothing it does not need: the journal entry is assembled after the
response, from what the route left in `scope["state"]`.

The fast path: `POST /v1/Run/{owner}/{project}` and `POST /v1/Task/Detail` skip Starlette's
router, its exception middleware and the `Request` object. Everything around the route
(limits, faults, the journal) is this same middleware code, and the route itself is the same
function the routed handler calls (`run_call`, `detail_call`), with errors rendered by the
same `error_reply` the app's exception handler uses; only the dispatch differs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.api.run import run_call
from mockserver.api.tasks import detail_call
from mockserver.config import Admin
from mockserver.errors import (
    AdminForbiddenError,
    AuthError,
    BodyTimeoutError,
    BodyTooLargeError,
    DropConnection,
    InjectedError,
    MockError,
    StoreUnavailableError,
    UnknownRouteError,
    is_error_body,
)
from mockserver.http.call import (
    ADMIN_PREFIX,
    Call,
    Reply,
    error_reply,
    http_errors,
    internal_error,
    send_reply,
)
from mockserver.state import MockState

log = logging.getLogger("mockserver")
HTTP_MESSAGES = {
    429: "Too many requests. Please retry later.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable. Please retry later.",
    504: "Gateway timeout.",
}


#: The status journaled for a request whose client went away before the answer (nginx's).
CLIENT_CLOSED = 499
MSG_CLIENT_GONE = "Client closed the request."

FastRoute = Callable[..., Awaitable[Reply]]
RUN_PREFIX = "/v1/Run/"


def fast_route(scope: Scope) -> tuple[FastRoute, tuple[str, ...]] | None:
    """The route function (and path parameters) for a hot request the router would send to
    the same function; None for anything else (the router handles it)."""
    if scope["method"] != "POST" or scope.get("root_path"):
        return None
    path: str = scope["path"]
    if path == "/v1/Task/Detail":
        return detail_call, ()
    if path.startswith(RUN_PREFIX):  # the router's "/v1/Run/{owner}/{project}"
        owner, _, project = path[len(RUN_PREFIX) :].partition("/")
        if owner and project and "/" not in project:
            return run_call, (owner, project)
    return None


class MockMiddleware:
    def __init__(self, app: ASGIApp, state: MockState, fast_path: bool = True) -> None:
        self.app = app
        self.state = state
        self.fast_path = fast_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket" and scope["path"].startswith(ADMIN_PREFIX):
                try:  # the dashboard's live feed: same switch and token as the admin API
                    check_admin(self.state.config.admin, scope)
                except MockError:
                    await send({"type": "websocket.close", "code": 1008})
                    return
            await self.app(scope, receive, send)
            return
        state = self.state
        state.ensure_started()
        if state.store.shared:  # what other processes changed: clock, fault rules, limits
            try:
                await state.store.refresh()
            except StoreUnavailableError as exc:
                await _send_error(send, exc)
                return
        path: str = scope["path"]
        if "//" in path or (path.endswith("/") and path != "/"):
            path = scope["path"] = canonical_path(path)
        if path.startswith(ADMIN_PREFIX):
            limit = state.config.limits.max_json_bytes  # admin bodies are small JSON
            try:
                check_admin(state.config.admin, scope)
                _check_length(scope, limit)
            except MockError as exc:
                await _send_error(send, exc)
                return
            timeout = state.config.limits.body_timeout
            await self._guarded(scope, _limited(receive, limit, timeout), send)
            return
        started = time.time()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        scope["mock.headers"] = headers
        status_box = [0]
        result_box = [True]
        fault_name: str | None = None

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
            elif message["type"] == "http.response.body" and result_box[0]:
                result_box[0] = not is_error_body(message.get("body", b""))
            await send(message)

        try:
            limit = state.config.limits.max_body_bytes
            length = headers.get("content-length", "")
            if _over(length, limit):
                raise BodyTooLargeError(f"Request body is larger than {limit} bytes.")
            scenario = headers.get("x-mock-scenario")
            if state.faults.active or scenario:
                fault_name = await self._request_faults(path, scenario, send_wrapper)
                if fault_name is not None and status_box[0]:
                    return
            fast = fast_route(scope) if self.fast_path else None
            body = _limited(receive, limit, state.config.limits.body_timeout)
            if fast is None:
                await self._guarded(scope, body, send_wrapper)
            else:
                call = Call(state, scope, body, None)
                result = await _fast(call, *fast)
                status_box[0] = result.status
                result_box[0] = not is_error_body(result.body)
                await send_reply(send, result)
        except MockError as exc:
            await _send_error(send_wrapper, exc, http_errors(state, path))
        finally:
            state_dict: dict[str, Any] = scope.get("state") or {}
            with contextlib.suppress(StoreUnavailableError):  # already answered with a 503
                await state.journal.request(
                    scope["method"],
                    path,
                    scope.get("query_string", b""),
                    headers,
                    state_dict.get("journal_body"),
                    state_dict.get("journal_model") or _model_from_path(path),
                    status_box[0],
                    started,
                    fault_name,
                    result_box[0],
                    state_dict.get("journal_warnings"),
                )

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except DropConnection:
            raise
        except MockError as exc:
            if not started:
                await _send_error(send, exc, http_errors(self.state, scope["path"]))
        except ClientDisconnect:
            if not started:  # journaled as nginx's 499: the client closed the request
                await _send_error(send, MockError(MSG_CLIENT_GONE, status=CLIENT_CLOSED))
        except Exception as exc:  # the promise: never an unshaped 500
            log.exception("wiro-mock: unexpected error on %s", scope.get("path"))
            if not started:
                await _send_error(send, internal_error(exc))

    async def _request_faults(self, path: str, scenario: str | None, send: Send) -> str | None:
        """Apply latency, then an injected HTTP error or a dropped connection, if any match."""
        state = self.state
        applied: str | None = None
        for rule in state.faults.for_request(path, _model_from_path(path), scenario):
            applied = rule.name
            if rule.kind == "latency":
                await asyncio.sleep(state.faults.latency_ms(rule) / 1000)
            elif rule.kind == "http":
                headers = {}
                if rule.retry_after is not None:
                    headers["retry-after"] = str(rule.retry_after)
                message = rule.message or HTTP_MESSAGES.get(rule.status, "Injected error.")
                await _send_error(send, InjectedError(message, status=rule.status, headers=headers))
                return applied
            elif rule.kind == "drop":
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", b"4096")],
                    }
                )  # fmt: skip
                await send({"type": "http.response.body", "body": b'{"res', "more_body": True})
                raise DropConnection(rule.name)
        return applied


def canonical_path(path: str) -> str:
    """`//Task//Detail/` -> `/Task/Detail`: MCP and EK join a base URL that ends in `/` with
    paths that start with one, and some clients add a trailing `/`; Wiro serves them all."""
    return "/" + "/".join(part for part in path.split("/") if part)


def _check_length(scope: Scope, limit: int) -> None:
    """A declared `content-length` over `limit` is refused before any body is read."""
    for key, value in scope["headers"]:
        if key.lower() == b"content-length" and _over(value, limit):
            raise BodyTooLargeError(f"Request body is larger than {limit} bytes.")


def _over(length: str | bytes, limit: int) -> bool:
    """Whether a declared `content-length` exceeds `limit`; 19 digits or more always do
    (and are never handed to `int`, which refuses over 4,300: a 500 before this check)."""
    return length.isdigit() and (len(length) > 18 or int(length) > limit)


def _limited(receive: Receive, limit: int, timeout: float) -> Receive:
    """A receive that raises BodyTooLargeError once more than `limit` bytes arrived, and
    BodyTimeoutError (408, closing the connection) when the body's next piece takes over
    `timeout` seconds: a client that stops half-way no longer holds a connection forever.
    Once the body is complete, calls pass through untimed: they wait for a disconnect."""
    seen = 0
    done = False

    async def wrapped() -> Message:
        nonlocal seen, done
        if done:
            return await receive()
        try:
            async with asyncio.timeout(timeout):
                message = await receive()
        except TimeoutError:
            raise BodyTimeoutError(timeout) from None
        if message["type"] != "http.request":
            done = True
            return message
        seen += len(message.get("body", b""))
        if seen > limit:
            raise BodyTooLargeError(f"Request body is larger than {limit} bytes.")
        done = not message.get("more_body", False)
        return message

    return wrapped


async def _fast(call: Call, route: FastRoute, args: tuple[str, ...]) -> Reply:
    """Run a route function as the router would: a MockError becomes the reply the app's
    exception handler renders, anything else the shaped 500 `_guarded` sends."""
    try:
        return await route(call, *args)
    except MockError as exc:
        return error_reply(exc, call.state.config.http_errors)
    except ClientDisconnect:  # gone while we waited (for the body, for Redis): nobody to tell
        return error_reply(MockError(MSG_CLIENT_GONE, status=CLIENT_CLOSED))
    except Exception as exc:  # the promise: never an unshaped 500
        log.exception("wiro-mock: unexpected error on %s", call.scope.get("path"))
        return error_reply(internal_error(exc))


def check_admin(admin: Admin, scope: Scope) -> None:
    """The admin API exists only when enabled, and answers only to its token when it has one;
    without a token, only to this machine's own pages and tools (`_check_local`)."""
    if not admin.enabled:
        raise UnknownRouteError()
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    if admin.token is None:
        _check_local(headers)
        return
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    offered = [
        headers.get("authorization", "").removeprefix("Bearer ").strip(),
        headers.get("x-mock-admin-token", ""),
        *query.get("token", []),
    ]
    if not any(hmac.compare_digest(o.encode(), admin.token.encode()) for o in offered if o):
        raise AuthError("Admin API token is missing or wrong.")


MSG_ADMIN_HOST = (
    "Admin API refused: Host {host} is not loopback. Without an admin token the admin API "
    "answers only requests to 127.0.0.1, localhost or [::1] (a guard against DNS rebinding); "
    "start the mock with --admin-token TOKEN to reach it from other hosts."
)
MSG_ADMIN_ORIGIN = (
    "Admin API refused: Origin {origin} is not this mock's own origin. Without an admin token "
    "the admin API answers only same-origin requests (a guard against cross-site requests "
    "from other web pages); start the mock with --admin-token TOKEN to call it from elsewhere."
)


def _check_local(headers: dict[str, str]) -> None:
    """Token-less admin: the `Host` must be loopback (a DNS-rebinding page sends its own
    name) and an `Origin`, when sent, this same host (a browser sends one with every
    cross-site POST; `null` from sandboxed pages is refused too). Tools send no Origin."""
    host = headers.get("host", "").strip().lower()
    if not is_loopback(host_name(host)):
        raise AdminForbiddenError(MSG_ADMIN_HOST.format(host=_shown(host)))
    origin = headers.get("origin")
    if origin is not None and _netloc(origin) != host:
        raise AdminForbiddenError(MSG_ADMIN_ORIGIN.format(origin=_shown(origin)))


def _netloc(origin: str) -> str:
    """`http://127.0.0.1:8000` -> `127.0.0.1:8000`; "" for `null` or what does not parse."""
    try:
        return urlsplit(origin.strip().lower()).netloc
    except ValueError:
        return ""


def host_name(host: str) -> str:
    """`127.0.0.1:8000` -> `127.0.0.1`, `[::1]:8000` -> `::1`, `::1` -> `::1`."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host


def is_loopback(name: str) -> bool:
    """`localhost` or a loopback address literal (127.0.0.0/8, ::1); never a DNS lookup."""
    if name.rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _shown(text: str) -> str:
    """Request text quoted for a message (at most 100 characters)."""
    return repr(text[:100]) if text else "(none)"


async def _send_error(send: Send, exc: MockError, http: bool = True) -> None:
    await send_reply(send, error_reply(exc, http))


def _model_from_path(path: str) -> str | None:
    """`/v1/Run/reve/generate` -> `reve/generate` (for fault and journal matching)."""
    marker = "/Run/"
    index = path.find(marker)
    if index < 0:
        return None
    return path[index + len(marker) :].strip("/").lower() or None


class DropFilter(logging.Filter):
    """Keep uvicorn's log clean of the tracebacks an injected dropped connection causes."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DropConnection)
