"""Helpers every route uses: the shared state, JSON responses, auth, base URLs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.config import Project
from mockserver.state import MockState


def state_of(request: Request) -> MockState:
    state: MockState = request.app.state.mock
    return state


def dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status, headers, media_type="application/json")


def headers_of(request: Request) -> Mapping[str, str]:
    """The request headers as a plain dict (built once by the middleware; faster lookups)."""
    headers: Mapping[str, str] | None = request.scope.get("mock.headers")
    return headers if headers is not None else request.headers


def authenticate(request: Request) -> Project:
    return state_of(request).auth.check(headers_of(request))


def api_base(request: Request) -> str:
    """Base of the URLs the mock hands out (`http://HOST/v1`), or the configured public URL."""
    configured = state_of(request).config.public_url
    if configured:
        return configured.rstrip("/")
    host = headers_of(request).get("host") or "127.0.0.1"
    return f"{request.scope.get('scheme', 'http')}://{host}/v1"


def remember(request: Request, body: Any, model: str | None = None) -> None:
    """Hand the parsed body (and matched model) to the journal middleware."""
    request.state.journal_body = body
    if model is not None:
        request.state.journal_model = model
