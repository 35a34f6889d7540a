"""The dashboard's endpoints, all under `/__mock__/ui`: inside the admin mount, so the admin
switch and token apply.

HTML: the page, and the fragments the page swaps in (a page of the board, a task's detail,
the journal, the controls). JSON: run a model, toggle a fault rule. Static files: the page's
one script and one stylesheet, served from this package (no CDN, no build step). The live
feed is the WebSocket in `live`. A browser passes the admin token as `?token=`; the page
adds it to every URL it calls.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from mockserver.admin.dashboard import actions, templates, views
from mockserver.admin.dashboard.live import live
from mockserver.errors import NotFoundError
from mockserver.http.call import ADMIN_PREFIX, state_of, to_response

#: The dashboard's path inside the admin mount, and its URL (what the page links to).
UI_PATH = "/ui"
UI = ADMIN_PREFIX + UI_PATH


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


async def _board(request: Request) -> dict[str, Any]:
    q = request.query_params
    return await views.task_page(
        state_of(request), _int(q.get("page")), q.get("status", ""), q.get("model", "").lower()
    )


async def _journal(request: Request) -> dict[str, Any]:
    q = request.query_params
    return await views.journal_page(
        state_of(request),
        q.get("model", "").lower(),
        q.get("status", ""),
        q.get("q", ""),
        _int(q.get("before")),
    )


async def page(request: Request) -> Response:
    state = state_of(request)
    token = request.query_params.get("token", "")
    models = views.models_view(state)
    html = templates.page(
        root=UI,
        static_url=f"{UI}/static",
        token=token,
        token_query=f"?token={quote(token)}" if token else "",
        board=await _board(request),
        journal=await views.journal_page(state),
        controls=await views.controls_view(state, actions.parked(request).values()),
        models=models["models"],
        spec_errors=models["errors"],
        model_slugs=sorted(state.registry.models),
        stages=views.STAGES,
        state_filters=views.STATE_FILTERS,
    )
    return HTMLResponse(html, headers={"cache-control": "no-store"})


async def board(request: Request) -> Response:
    data = await _board(request)
    return JSONResponse(
        {"html": templates.part("board", data), "ids": data["ids"], "head": data["head"]}
    )


async def task_detail(request: Request) -> Response:
    state = state_of(request)
    task = await state.store.get(request.path_params["id"])
    if task is None:
        raise NotFoundError("There is no task yet.")
    return HTMLResponse(templates.part("detail", views.task_detail(state, task)))


async def journal(request: Request) -> Response:
    data = await _journal(request)
    return JSONResponse({"html": templates.part("journal", data), "last_id": data["last_id"]})


async def controls(request: Request) -> Response:
    data = await views.controls_view(state_of(request), actions.parked(request).values())
    return HTMLResponse(templates.part("controls", data))


async def run(request: Request) -> Response:
    params = request.path_params
    return to_response(await actions.run_model(request, params["owner"], params["project"]))


async def toggle_fault(request: Request) -> Response:
    enabled = await actions.toggle_fault(request, request.path_params["name"])
    if enabled is None:
        raise NotFoundError("No fault rule with that name.")
    return JSONResponse({"name": request.path_params["name"], "enabled": enabled})


def routes() -> list[BaseRoute]:
    """The dashboard's routes, relative to the admin prefix."""
    ui = UI_PATH
    return [
        Route(ui, page, methods=["GET"]),
        Route(f"{ui}/board", board, methods=["GET"]),
        Route(f"{ui}/tasks/{{id}}", task_detail, methods=["GET"]),
        Route(f"{ui}/journal", journal, methods=["GET"]),
        Route(f"{ui}/controls", controls, methods=["GET"]),
        Route(f"{ui}/run/{{owner}}/{{project}}", run, methods=["POST"]),
        Route(f"{ui}/faults/{{name}}/toggle", toggle_fault, methods=["POST"]),
        WebSocketRoute(f"{ui}/live", live),
        Mount(f"{ui}/static", StaticFiles(directory=templates.STATIC), name="dashboard-static"),
    ]
