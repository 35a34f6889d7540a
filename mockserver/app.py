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
from starlette.routing import BaseRoute, Route, WebSocketRoute

from codegen import openapi
from codegen.schema import Catalogue, Model
from mockserver.admin import routes as admin
from mockserver.admin.dashboard import routes as dashboard
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
    api_base,
    error_reply,
    http_errors,
    json_response,
    to_response,
)
from mockserver.http.middleware import DropFilter, MockMiddleware
from mockserver.state import MockState

ADMIN = ADMIN_PREFIX


def routes() -> list[BaseRoute]:
    post = ["POST"]
    return [
        Route("/v1/Run/{owner}/{project}", run.run, methods=post),
        Route("/v1/Task/Detail", tasks.detail, methods=post),
        Route("/v1/Task/Cancel", tasks.cancel, methods=post),
        Route("/v1/Task/Kill", tasks.kill, methods=post),
        Route("/v1/Task/List", tasks.task_list, methods=post),
        Route("/v1/Task/InputOutputDelete", tasks.input_output_delete, methods=post),
        Route("/v1/Tool/List", tools.tool_list, methods=post),
        Route("/v1/Tool/Detail", tools.tool_detail, methods=post),
        Route("/v1/Tool/Explore", tools.tool_explore, methods=post),
        Route("/v1/Tool/DetailOpenAPI", tools.tool_detail_openapi, methods=post),
        Route("/v1/Project/List", tools.project_list, methods=post),
        Route("/v1/File/FolderCreate", files.folder_create, methods=post),
        Route("/v1/File/Upload", files.upload, methods=post),
        Route("/v1/File/{token}/{name}", files.get_file, methods=["GET"]),
        WebSocketRoute("/v1", socket.task_socket),
        WebSocketRoute("/v1/", socket.task_socket),
        WebSocketRoute("/", socket.task_socket),
        Route("/", _info, methods=["GET"]),
        Route("/v1", _info, methods=["GET"]),
        Route("/v1/openapi.json", _openapi, methods=["GET"]),
        Route(ADMIN, admin.index, methods=["GET"]),
        Route(f"{ADMIN}/models", admin.models, methods=["GET"]),
        Route(f"{ADMIN}/journal", admin.journal, methods=["GET"]),
        Route(f"{ADMIN}/journal", admin.journal_clear, methods=["DELETE"]),
        Route(f"{ADMIN}/tasks", admin.tasks, methods=["GET"]),
        Route(f"{ADMIN}/tasks/{{key}}", admin.task_get, methods=["GET"]),
        Route(f"{ADMIN}/tasks/{{key}}/advance", admin.task_advance, methods=["POST"]),
        Route(f"{ADMIN}/clock", admin.clock_get, methods=["GET"]),
        Route(f"{ADMIN}/clock", admin.clock_set, methods=["POST", "PUT"]),
        Route(f"{ADMIN}/clock/advance", admin.clock_advance, methods=["POST"]),
        Route(f"{ADMIN}/faults", admin.faults_get, methods=["GET"]),
        Route(f"{ADMIN}/faults", admin.faults_add, methods=["POST"]),
        Route(f"{ADMIN}/faults", admin.faults_clear, methods=["DELETE"]),
        Route(f"{ADMIN}/faults/{{name}}", admin.fault_delete, methods=["DELETE"]),
        Route(f"{ADMIN}/limits", admin.limits, methods=["GET", "POST"]),
        Route(f"{ADMIN}/reset", admin.reset, methods=["POST"]),
        Route(f"{ADMIN}/reload", admin.reload, methods=["POST"]),
        *dashboard.routes(),  # /__mock__/ui: under the admin prefix, so its guard applies
    ]


async def _info(request: Request) -> Response:
    state: MockState = request.app.state.mock
    return json_response(
        {"result": True, "errors": [], "service": "wiro-mock",
         "models": len(state.registry.models), "admin": ADMIN}
    )  # fmt: skip


async def _openapi(request: Request) -> Response:
    """The OpenAPI document of the models this mock serves, with itself as the server."""
    state: MockState = request.app.state.mock
    models = tuple(sorted(state.registry.models.values(), key=lambda m: m.slug))
    doc = openapi.document(Catalogue(models=models))
    doc["servers"] = [{"url": api_base(Call.of(request))}]
    return Response(openapi.dumps(doc), media_type="application/json")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and not request.url.path.startswith(ADMIN_PREFIX):
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
    assert isinstance(exc, MockError)
    return to_response(error_reply(exc, http_errors(request.app.state.mock, request.url.path)))


def create_app(
    specs: str | Path | None = None,
    config: MockConfig | str | Path | None = None,
    *,
    models: Sequence[Model] | None = None,
    fast_path: bool = True,
    **overrides: Any,
) -> Starlette:
    """The mock as an ASGI app.

    `specs`: folder of model docs (default: the config's `specs`, unless its `catalogue`
    names an installed client to serve); `config`: a `MockConfig`
    or a path to `mock.toml`; `models`: serve these Model objects instead of parsing docs;
    `fast_path`: serve Run and Task/Detail without Starlette's router (same route code, same
    answers; False routes them like every other endpoint); `overrides`: config keys set on
    top (`clock={"mode": "step"}`, `auth=False`, `catalogue="wiro_client"`, ...).
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

    app = Starlette(
        routes=routes(),
        middleware=[Middleware(MockMiddleware, state=state, fast_path=fast_path)],
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
