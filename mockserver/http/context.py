"""The typed context of one request: what the middleware and the route share.

The middleware decodes the headers once and, after the response, journals what the route
learned (the parsed body, the matched model, validation warnings). Both sides hold the same
`RequestContext`, kept in the ASGI scope under one key (`CONTEXT_KEY`) and reached only
through `attach` and `context_of`, so neither reads the other's data out of a plain dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.types import Scope

CONTEXT_KEY = "mock.context"

Warnings = list[dict[str, str]]


@dataclass(slots=True)
class RequestContext:
    """`headers`: lower-case names (as ASGI servers send them) to values; the rest is the
    route's report for the journal entry, None until the route reaches that step (an auth
    failure leaves `body` None: no body was parsed)."""

    headers: Mapping[str, str]
    body: Any = None
    model: str | None = None
    warnings: Warnings | None = None

    def remember(self, body: Any, model: str | None = None) -> None:
        """The parsed body (and the model, once known) the journal shows for this request."""
        self.body = body
        if model is not None:
            self.model = model


def decode_headers(scope: Scope) -> dict[str, str]:
    """The request headers as a plain dict: faster lookups than Starlette's `Headers`."""
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


def attach(scope: Scope, context: RequestContext) -> RequestContext:
    scope[CONTEXT_KEY] = context
    return context


def context_of(scope: Scope) -> RequestContext:
    """The request's context; a request the middleware kept none for (one under the admin
    prefix) gets one now, its headers read case-insensitively from the scope."""
    context: RequestContext | None = scope.get(CONTEXT_KEY)
    if context is None:
        context = attach(scope, RequestContext(Headers(scope=scope)))
    return context
