"""The admin surface's guard and its mount: every route under `/__mock__` (the admin API,
the dashboard, its WebSocket) is one Starlette `Mount`, and the guard wraps that mount.

Off with `--no-admin` (as if the routes did not exist); with `--admin-token` only to that
token; without one only to a loopback `Host` and a same-origin (or no) `Origin`, so no other
web page can drive or read it (cross-site requests, DNS rebinding).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.config import Admin
from mockserver.errors import AdminForbiddenError, AuthError, MockError, UnknownRouteError
from mockserver.http.call import ADMIN_PREFIX, scope_state

#: The WebSocket close code for a refused admin socket (policy violation).
CLOSE_REFUSED = 1008


class AdminGuard:
    """ASGI middleware of the admin mount: `check_admin` before anything under it runs. A
    refused HTTP request raises, so the app's exception handler answers it like any error;
    a refused WebSocket is closed before it is accepted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            try:
                check_admin(scope_state(scope).config.admin, scope)
            except MockError:
                await send({"type": "websocket.close", "code": CLOSE_REFUSED})
                return
        else:
            check_admin(scope_state(scope).config.admin, scope)
        await self.app(scope, receive, send)


class AdminMount(Mount):
    """A `Mount` that also serves its bare prefix (`GET /__mock__`, the admin index) as its
    `/` route, where Starlette's `Mount` matches only paths below it."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope.get("path", "")
        root: str = scope.get("root_path", "")
        if path.startswith(root) and path[len(root) :] == self.path:
            below = {**scope, "path": path + "/"}
            match, child = super().matches(below)
            child["path"] = below["path"]
            return match, child
        return super().matches(scope)


def admin_mount(routes: Sequence[BaseRoute]) -> AdminMount:
    """`routes` (paths relative to the prefix) under `ADMIN_PREFIX`, behind the guard."""
    return AdminMount(ADMIN_PREFIX, routes=routes, middleware=[Middleware(AdminGuard)])


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
