"""`create_app`: the mock as an ASGI application (what `wiro-mock` and the pytest plugin serve)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, WebSocketRoute

from codegen import openapi
from codegen.schema import Catalogue, Model
from mockserver.admin import routes as admin
from mockserver.api import files, run, socket, tasks, tools
from mockserver.config import MockConfig, load_config
from mockserver.errors import (
    CODE_GENERAL,
    CODE_NOT_FOUND,
    MockError,
    ModelSourceError,
    UnknownRouteError,
    envelope_error,
)
from mockserver.http.call import (
    ADMIN_PREFIX,
    Call,
    Reply,
    api_base,
    body_reply,
    error_reply,
    failure_reply,
    is_admin_path,
    reply,
    state_of,
    to_response,
)
from mockserver.http.middleware import DropFilter, MockMiddleware
from mockserver.http.routing import CallRoute
from mockserver.state import MockState


def routes() -> list[BaseRoute]:
    """The app's one route table. Run and Task/Detail come first: the router tries routes
    in order, and they are most of the traffic."""
    post, get = ["POST"], ["GET"]
    return [
        CallRoute("/v1/Run/{owner}/{project}", run.run, methods=post),
        CallRoute("/v1/Task/Detail", tasks.detail, methods=post),
        CallRoute("/v1/Task/Cancel", tasks.cancel, methods=post),
        CallRoute("/v1/Task/Kill", tasks.kill, methods=post),
        CallRoute("/v1/Task/List", tasks.task_list, methods=post),
        CallRoute("/v1/Task/InputOutputDelete", tasks.input_output_delete, methods=post),
        CallRoute("/v1/Tool/List", tools.tool_list, methods=post),
        CallRoute("/v1/Tool/Detail", tools.tool_detail, methods=post),
        CallRoute("/v1/Tool/Explore", tools.tool_explore, methods=post),
        CallRoute("/v1/Tool/DetailOpenAPI", tools.tool_detail_openapi, methods=post),
        CallRoute("/v1/Project/List", tools.project_list, methods=post),
        CallRoute("/v1/File/FolderCreate", files.folder_create, methods=post),
        CallRoute("/v1/File/Upload", files.upload, methods=post),
        CallRoute("/v1/File/{token}/{name}", files.get_file, methods=get),
        WebSocketRoute("/v1", socket.task_socket),
        WebSocketRoute("/v1/", socket.task_socket),
        WebSocketRoute("/", socket.task_socket),
        CallRoute("/", _info, methods=get),
        CallRoute("/v1", _info, methods=get),
        CallRoute("/v1/openapi.json", _openapi, methods=get),
        admin.mount(),  # the admin API and the dashboard, behind the admin guard
    ]


async def _info(call: Call) -> Reply:
    return reply(
        {"result": True, "errors": [], "service": "wiro-mock",
         "models": len(call.state.registry.models), "admin": ADMIN_PREFIX}
    )  # fmt: skip


async def _openapi(call: Call) -> Reply:
    """The OpenAPI document of the models this mock serves, with itself as the server."""
    models = tuple(sorted(call.state.registry.models.values(), key=lambda m: m.slug))
    doc = openapi.document(Catalogue(models=models))
    doc["servers"] = [{"url": api_base(call)}]
    return body_reply(openapi.dumps(doc).encode())


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and not is_admin_path(request.url.path):
        return to_response(error_reply(UnknownRouteError()))  # Wiro's own answer
    if exc.status_code == 404:
        message = f"Route not found: {request.method} {request.url.path}"
        code = CODE_NOT_FOUND
    elif exc.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}; use POST."
        code = CODE_GENERAL
    else:
        message, code = str(exc.detail), CODE_GENERAL
    return Response(
        envelope_error([{"code": code, "message": message}]),
        exc.status_code,
        media_type="application/json",
    )


async def _mock_error(request: Request, exc: Exception) -> Response:
    return to_response(failure_reply(exc, state_of(request), request.url.path))


def create_app(
    specs: str | Path | None = None,
    config: MockConfig | str | Path | None = None,
    *,
    models: Sequence[Model] | None = None,
    **overrides: Any,
) -> Starlette:
    """The mock as an ASGI app.

    `specs`: folder of model docs (default: the config's `specs`, unless its `catalogue`
    names an installed client to serve); `config`: a `MockConfig` or a path to `mock.toml`;
    `models`: serve these Model objects instead of parsing docs; `overrides`: config keys
    set on top (`clock={"mode": "step"}`, `auth=False`, `catalogue="wiro_client"`, ...).
    Raises ModelSourceError when the source yields no model (missing or empty folder, no
    readable catalogue.json) or when both `specs` and `catalogue` are given.
    """
    if isinstance(config, MockConfig):
        cfg = config.model_copy(update=overrides, deep=True) if overrides else config
        cfg = MockConfig.model_validate(cfg.model_dump())
    else:
        cfg = load_config(config, **overrides)
    if specs is not None and cfg.catalogue is not None and models is None:
        raise ModelSourceError(
            f"specs {specs} and catalogue {cfg.catalogue} are two sources of models; give one"
        )
    from_specs = models is None and cfg.catalogue is None
    specs_path = Path(specs if specs is not None else cfg.specs) if from_specs else None
    state = MockState(cfg, specs_path, list(models) if models is not None else None)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.ensure_started()
        try:
            yield
        finally:
            await state.aclose()

    table = routes()
    app = Starlette(
        routes=table,
        middleware=[Middleware(MockMiddleware, state=state, routes=table)],
        exception_handlers={HTTPException: _http_error, MockError: _mock_error},
        lifespan=lifespan,
    )
    app.state.mock = state
    _quiet_drops()
    return app


def _quiet_drops() -> None:
    for name in ("uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropFilter) for f in logger.filters):
            logger.addFilter(DropFilter())
