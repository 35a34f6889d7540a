"""The outermost ASGI layer: body limits and timeouts, request faults, the journal, and
"never a 500".

Pure ASGI (no BaseHTTPMiddleware) because it runs on every request of the hot Run/Detail
path. Once the body limit and the faults allow a request, `routing.Dispatcher` serves it
from the app's one route table, and whatever escapes is answered by `answer_failure` (the
app's own exception handlers). It measures nothing it does not need: the journal entry is
assembled after the response, from the request's `RequestContext`. Requests under the
admin prefix get the JSON body limit and no journal entry; their guard is the admin mount's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.errors import (
    BodyTimeoutError,
    BodyTooLargeError,
    DropConnection,
    InjectedError,
    StoreUnavailableError,
    is_error_body,
)
from mockserver.http.call import Reply, is_admin_path, send_reply
from mockserver.http.context import RequestContext, attach, decode_headers
from mockserver.http.routing import Dispatcher, answer_failure
from mockserver.state import MockState

HTTP_MESSAGES = {
    429: "Too many requests. Please retry later.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable. Please retry later.",
    504: "Gateway timeout.",
}


class MockMiddleware:
    """`routes`: the app's route table, dispatched by `routing.Dispatcher`."""

    def __init__(self, app: ASGIApp, state: MockState, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.state = state
        self.dispatch = Dispatcher(app, routes, state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state
        state.ensure_started()
        try:  # what other processes changed: clock, fault rules, limits (none in memory)
            await state.store.refresh()
        except StoreUnavailableError as exc:
            await answer_failure(scope, receive, send, exc, state)
            return
        path: str = scope["path"]
        if "//" in path or (path.endswith("/") and path != "/"):
            path = scope["path"] = canonical_path(path)
        if is_admin_path(path):
            limit = state.config.limits.max_json_bytes  # admin bodies are small JSON
            await self._serve(scope, receive, Sent(send), limit, None)
            return
        await self._api(scope, receive, send, path)

    async def _api(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        """A Wiro API request, journaled whatever happened to it."""
        state = self.state
        started = time.time()
        headers = decode_headers(scope)
        context = attach(scope, RequestContext(headers))
        sent = Sent(send)
        fault_name: str | None = None
        try:
            limit = state.config.limits.max_body_bytes
            fault_name = await self._serve(scope, receive, sent, limit, context)
        finally:
            with contextlib.suppress(StoreUnavailableError):  # already answered with a 503
                await state.journal.request(
                    scope["method"],
                    path,
                    scope.get("query_string", b""),
                    headers,
                    context.body,
                    context.model or model_from_path(path),
                    sent.status,
                    started,
                    fault_name,
                    sent.result,
                    context.warnings,
                )

    async def _serve(
        self, scope: Scope, receive: Receive, sent: Sent, limit: int, api: RequestContext | None
    ) -> str | None:
        """The request dispatched, its body held to `limit` bytes and the body timeout,
        after the request faults for a Wiro API request (`api`, its context); the name of
        the fault rule applied, if any. Whatever a route raised that no handler inside the
        app answered is answered here (`answer_failure`), unless the response had started
        (then only the connection can tell); a dropped connection is left to the server."""
        path: str = scope["path"]
        applied: str | None = None
        try:
            _check_length(scope, limit)
            scenario = api.headers.get("x-mock-scenario") if api is not None else None
            if api is not None and (self.state.faults.active or scenario):
                applied, injected = await self._request_faults(path, scenario, sent)
                if injected is not None:
                    raise injected
            timeout = self.state.config.limits.body_timeout
            reply = await self.dispatch(scope, _limited(receive, limit, timeout), sent)
            if reply is not None:
                await sent.reply(reply)
        except DropConnection:
            raise
        except Exception as exc:
            if not sent.status:
                await answer_failure(scope, receive, sent, exc, self.state)
        return applied

    async def _request_faults(
        self, path: str, scenario: str | None, send: Send
    ) -> tuple[str | None, InjectedError | None]:
        """Apply latency, then a dropped connection, if any match; the name of the last rule
        applied, and the HTTP error one injects (for the caller to answer)."""
        state = self.state
        applied: str | None = None
        for rule in state.faults.for_request(path, model_from_path(path), scenario):
            applied = rule.name
            if rule.kind == "latency":
                await asyncio.sleep(state.faults.latency_ms(rule) / 1000)
            elif rule.kind == "http":
                headers = {}
                if rule.retry_after is not None:
                    headers["retry-after"] = str(rule.retry_after)
                message = rule.message or HTTP_MESSAGES.get(rule.status, "Injected error.")
                return applied, InjectedError(message, status=rule.status, headers=headers)
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
        return applied, None


class Sent:
    """A request's `send`, noting the status answered and whether the body was a Wiro
    error envelope (the journal's `status` and `result`); status 0: nothing sent yet."""

    __slots__ = ("result", "send", "status")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 0
        self.result = True

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif self.result and message["type"] == "http.response.body":
            self.result = not is_error_body(message.get("body", b""))
        await self.send(message)

    async def reply(self, reply: Reply) -> None:
        """`reply` sent, noted as the messages would be, without passing each through."""
        self.status = reply.status
        self.result = not is_error_body(reply.body)
        await send_reply(self.send, reply)


def canonical_path(path: str) -> str:
    """`//Task//Detail/` -> `/Task/Detail`: MCP and EK join a base URL that ends in `/` with
    paths that start with one, and some clients add a trailing `/`; Wiro serves them all."""
    return "/" + "/".join(part for part in path.split("/") if part)


def _check_length(scope: Scope, limit: int) -> None:
    """A declared `content-length` over `limit` is refused before any body is read; 19
    digits or more always are (and are never handed to `int`, which refuses over 4,300)."""
    for key, value in scope["headers"]:
        if key.lower() == b"content-length":
            if value.isdigit() and (len(value) > 18 or int(value) > limit):
                raise BodyTooLargeError(f"Request body is larger than {limit} bytes.")
            return


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


def model_from_path(path: str) -> str | None:
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
