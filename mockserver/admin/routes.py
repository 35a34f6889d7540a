"""The control API under `/__mock__/`: journal, tasks, clock, faults, limits, reset, reload.

Plain JSON (errors still in Wiro's envelope), every input validated by its model in
`inputs`. Served with the dashboard as one mount behind the admin guard (`guard`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockserver.admin.dashboard import routes as dashboard
from mockserver.admin.guard import AdminMount, admin_mount
from mockserver.admin.inputs import (
    ClockAdvanceBody,
    ClockBody,
    FaultRules,
    JournalQuery,
    LimitsBody,
    NoBody,
    TaskAdvanceBody,
    TasksQuery,
    body_of,
    query_of,
    validated,
)
from mockserver.config import FaultRule
from mockserver.errors import NotFoundError
from mockserver.http.bodies import parse_json
from mockserver.http.call import json_response, state_of
from mockserver.state import MockState
from mockserver.tasks.task import Task, render_task


async def index(request: Request) -> Response:
    state = state_of(request)
    return json_response(
        {
            "models": sorted(state.registry.models),
            "tasks": await state.store.count(),
            "journal": await state.journal.count(),
            "clock": _clock(state),
            "auth": state.auth.describe(),
            "faults": state.faults.describe(),
            "spec_errors": [str(e) for e in state.registry.errors],
        }
    )


async def models(request: Request) -> Response:
    state = state_of(request)
    return json_response(
        [
            {"slug": m.slug, "display_name": m.display_name, "run_path": m.run_path,
             "output_kind": m.output_kind, "inputs": [i.name for i in m.inputs]}
            for m in state.registry.models.values()
        ]
    )  # fmt: skip


async def journal(request: Request) -> Response:
    filters = query_of(request, JournalQuery).model_dump(exclude_none=True)
    entries = await state_of(request).journal.query(**filters)
    return json_response({"count": len(entries), "entries": entries})


async def journal_clear(request: Request) -> Response:
    await state_of(request).journal.clear()
    return json_response({"result": True})


def _admin_task(state: MockState, task: Task) -> dict[str, Any]:
    return {
        "task": render_task(task, state.clock.epoch),
        "model": task.model.slug,
        "outcome": task.outcome,
        "events": [s.type for s in task.plan[: task.cursor + 1]],
        "pending": [s.type for s in task.plan[task.cursor + 1 :]],
        "due": task.due,
        "stalled": task.stalled,
        "terminal": task.terminal,
    }


async def tasks(request: Request) -> Response:
    state = state_of(request)
    query = query_of(request, TasksQuery)
    model = query.model.lower() if query.model else None
    ids = await state.store.select(lambda t: model is None or t.model.slug == model)
    out = [
        _admin_task(state, task)
        for task in await state.store.get_many(ids)
        if task is not None and (query.status is None or task.status == query.status)
    ]
    return json_response({"count": len(out), "tasks": out})


async def _find(state: MockState, key: str) -> Task:
    task = await state.find_task(key, key)
    if task is None:
        raise NotFoundError("There is no task yet.")
    return task


async def task_get(request: Request) -> Response:
    state = state_of(request)
    return json_response(_admin_task(state, await _find(state, request.path_params["key"])))


async def task_advance(request: Request) -> Response:
    """Body `{"steps": N}` or `{"to": "task_start" | "end"}` (default: one step)."""
    state = state_of(request)
    task = await _find(state, request.path_params["key"])
    body = await body_of(request, TaskAdvanceBody)
    to, steps = body.to, body.steps
    engine = state.engine

    def advance(task: Task) -> Task:
        engine.advance(task, steps=steps, to="task_postprocess_end" if to == "end" else to)
        if to == "end" and not task.terminal:
            engine.advance(task, to="task_cancel")
        return task

    return json_response(_admin_task(state, await state.store.update(task, advance)))


def _clock(state: MockState) -> dict[str, Any]:
    clock = state.clock
    return {"mode": clock.mode, "speed": clock.speed, "now": clock.now()}


async def clock_get(request: Request) -> Response:
    return json_response(_clock(state_of(request)))


async def clock_set(request: Request) -> Response:
    """Body `{"mode": "realtime"|"step"|"manual", "speed": float}` (both optional)."""
    state = state_of(request)
    body = await body_of(request, ClockBody)
    mode = body.mode or state.clock.mode
    await state.store.retime(lambda: state.clock.set(mode, body.speed))
    return json_response(_clock(state))


async def clock_advance(request: Request) -> Response:
    """Body `{"seconds": float}`: move virtual time on (manual mode) and apply due events."""
    state = state_of(request)
    body = await body_of(request, ClockAdvanceBody)
    async with state.store.changing_control():
        state.clock.advance(body.seconds)
    await state.store.run_due()
    return json_response(_clock(state))


async def faults_get(request: Request) -> Response:
    return json_response({"faults": state_of(request).faults.describe()})


async def faults_add(request: Request) -> Response:
    """Body: one rule (see FaultRule) or `{"rules": [...]}`."""
    state = state_of(request)
    body = parse_json(await request.body())
    rules = validated(FaultRules, body).rules if "rules" in body else [validated(FaultRule, body)]
    async with state.store.changing_control():
        added = [state.faults.add(r).name for r in rules]
    return json_response({"added": added, "faults": state.faults.describe()})


async def faults_clear(request: Request) -> Response:
    state = state_of(request)
    async with state.store.changing_control():
        state.faults.clear()
    return json_response({"faults": []})


async def fault_delete(request: Request) -> Response:
    state = state_of(request)
    async with state.store.changing_control():
        if not state.faults.remove(request.path_params["name"]):
            raise NotFoundError("No fault rule with that name.")
    return json_response({"faults": state.faults.describe()})


async def limits_get(request: Request) -> Response:
    return json_response(await _limits(state_of(request)))


async def limits_set(request: Request) -> Response:
    """Body `{"api_key"?, "concurrent_tasks"?: int|null, "balance"?: float|null}`."""
    state = state_of(request)
    body = await body_of(request, LimitsBody)
    projects = _projects(state)
    targets = [body.api_key] if body.api_key is not None else projects
    for key in targets:
        if key not in projects:
            raise NotFoundError(f"No project with api_key {key!r}.")
    given = body.model_fields_set
    limits = state.limits
    async with state.store.changing_control():
        for key in targets:
            concurrent = (
                body.concurrent_tasks
                if "concurrent_tasks" in given
                else limits.concurrency.get(key)
            )
            balance = body.balance if "balance" in given else limits.balances.get(key)
            limits.set(key, concurrent, balance)
    return json_response(await _limits(state))


def _projects(state: MockState) -> list[str]:
    """The api keys limits apply to ("" alone, the anonymous project, under `--no-auth`)."""
    return list(state.auth.projects) if state.auth.enabled else [""]


async def _limits(state: MockState) -> dict[str, Any]:
    limits = state.limits
    return {
        key or "anonymous": {
            "concurrent_tasks": limits.concurrency.get(key),
            "balance": limits.balances.get(key),
            "live_tasks": await state.store.live_count(key),
        }
        for key in _projects(state)
    }


async def reset(request: Request) -> Response:
    await body_of(request, NoBody)
    await state_of(request).reset()
    return json_response({"result": True})


async def reload(request: Request) -> Response:
    await body_of(request, NoBody)
    state = state_of(request)
    notes = state.registry.reload_changed()
    return json_response(
        {"changes": notes, "models": sorted(state.registry.models),
         "spec_errors": [str(e) for e in state.registry.errors]}
    )  # fmt: skip


def routes() -> list[BaseRoute]:
    """The admin API's routes, relative to the admin prefix (the dashboard's after them)."""
    get, post, delete = ["GET"], ["POST"], ["DELETE"]
    return [
        Route("/", index, methods=get),
        Route("/models", models, methods=get),
        Route("/journal", journal, methods=get),
        Route("/journal", journal_clear, methods=delete),
        Route("/tasks", tasks, methods=get),
        Route("/tasks/{key}", task_get, methods=get),
        Route("/tasks/{key}/advance", task_advance, methods=post),
        Route("/clock", clock_get, methods=get),
        Route("/clock", clock_set, methods=["POST", "PUT"]),
        Route("/clock/advance", clock_advance, methods=post),
        Route("/faults", faults_get, methods=get),
        Route("/faults", faults_add, methods=post),
        Route("/faults", faults_clear, methods=delete),
        Route("/faults/{name}", fault_delete, methods=delete),
        Route("/limits", limits_get, methods=get),
        Route("/limits", limits_set, methods=post),
        Route("/reset", reset, methods=post),
        Route("/reload", reload, methods=post),
        *dashboard.routes(),
    ]


def mount() -> AdminMount:
    """Everything under the admin prefix, behind the admin guard."""
    return admin_mount(routes())
