"""The app's one dispatch: its route table, and the one way a failure is answered.

Wiro API routes are `CallRoute`s: the endpoint takes a `Call` and returns a `Reply`, whose
bytes are sent as they are, with none of Starlette's per-request objects (a `Request`, the
body read through an async generator, a `Response`). `Dispatcher` serves a request that a
`CallRoute` fully matches straight from the middleware, and hands everything else (the admin
mount, websockets, 404 and 405, a request under a `root_path`) to Starlette's router, which
holds the same route objects: one table, and the same endpoint code either way. Skipping the
router and its exception middleware on the hot routes (Run, Task/Detail) is what keeps them
near the bare-Starlette floor.

`answer_failure` answers what escapes a route the way Starlette's exception middleware
would: with the handler the app registered for the exception's type, so a handler added to
the app applies to every request, whichever way it was dispatched; without one, with
`failure_reply` (Wiro's envelope, never an unshaped 500).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.convertors import StringConvertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.http.call import Call, Reply, failure_reply, scope_state, send_reply
from mockserver.state import MockState

#: `async def endpoint(call, **path_params) -> Reply`.
CallEndpoint = Callable[..., Awaitable[Reply]]


class CallRoute(Route):
    """A route whose endpoint takes a `Call` and returns a `Reply`. In Starlette's router it
    is matched, method-checked (405) and wrapped in the app's exception handlers like any
    route; `Dispatcher` serves it without the router."""

    def __init__(self, path: str, endpoint: CallEndpoint, *, methods: list[str]) -> None:
        super().__init__(path, endpoint, methods=methods)
        self.call_endpoint = endpoint
        self.app = self._serve
        self._methods: set[str] = self.methods or set()
        self._static = not self.param_convertors
        #: plain `{name}` parameters only: their regex groups are the values as they are
        self._plain = all(isinstance(c, StringConvertor) for c in self.param_convertors.values())

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """`Route.matches`, for a request outside any mount (`root_path` empty, no outer
        path parameters), without its per-request copies; anything else is left to it."""
        if (
            scope["type"] != "http"
            or scope.get("root_path")
            or scope.get("path_params")
            or not self._plain
        ):
            return super().matches(scope)
        path: str = scope["path"]
        if self._static:
            if path != self.path:
                return Match.NONE, {}
            params: dict[str, str] = {}
        else:
            found = self.path_regex.match(path)
            if found is None:
                return Match.NONE, {}
            params = found.groupdict()
        child = {"endpoint": self.endpoint, "path_params": params}
        return (Match.FULL if scope["method"] in self._methods else Match.PARTIAL), child

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        call = Call(scope_state(scope), scope, receive)
        await send_reply(send, await self.call_endpoint(call, **scope["path_params"]))


class Dispatcher:
    """`routes` (the app's table) for the middleware: a `CallRoute` that fully matches a
    request at the app's root is served here, anything else by `app` (Starlette's stack
    below the middleware, its router at the bottom). None under a `root_path` (the router
    resolves it) or for a method the route refuses (the router's 405)."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute], state: MockState) -> None:
        self.app = app
        self.state = state
        self.calls = [route for route in routes if isinstance(route, CallRoute)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Reply | None:
        """The reply of the `CallRoute` serving the request, for the caller to send; None
        when `app` served it (through `send`)."""
        if not scope.get("root_path"):
            for route in self.calls:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child)
                    call = Call(self.state, scope, receive)
                    return await route.call_endpoint(call, **child["path_params"])
        await self.app(scope, receive, send)
        return None


async def answer_failure(
    scope: Scope, receive: Receive, send: Send, exc: Exception, state: MockState
) -> None:
    """Answer `exc` with the app's handler for it (Starlette's choice: a status handler for
    an HTTPException, else the nearest type in the exception's MRO, `Exception` itself left
    to the server-error handler), or with `failure_reply`."""
    handler = _handler(scope, exc)
    if handler is None:
        await send_reply(send, failure_reply(exc, state, scope["path"]))
        return
    response = handler(Request(scope, receive), exc)
    if inspect.isawaitable(response):
        response = await response
    if isinstance(response, Response):
        await response(scope, receive, send)


def _handler(scope: Scope, exc: Exception) -> Callable[..., Any] | None:
    app = scope.get("app")
    handlers: dict[Any, Callable[..., Any]] = getattr(app, "exception_handlers", {})
    if isinstance(exc, HTTPException) and exc.status_code in handlers and exc.status_code != 500:
        return handlers[exc.status_code]
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            return handlers[cls]
    return None
