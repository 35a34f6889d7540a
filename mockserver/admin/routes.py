"""The control API under `/__mock__/`: journal, tasks, clock, faults, limits, reset, reload.

Plain JSON (errors still in Wiro's envelope). Guarded in the middleware (`check_admin`): off
with `--no-admin`; with `--admin-token` only to that token; without one only to a loopback
`Host` and a same-origin (or no) `Origin`, so no other web page can drive or read it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError
from starlette.requests import Request
from starlette.responses import Response

from mockserver.config import FaultRule
from mockserver.errors import NotFoundError, ValidationError
from mockserver.http.bodies import parse_json
from mockserver.http.call import json_response, state_of
from mockserver.state import MockState
from mockserver.tasks.task import Task, render_task


async def _body(request: Request) -> dict[str, Any]:
    return parse_json(await request.body())


def _bool(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    low = value.strip().lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no"):
        return False
    raise ValidationError(f"{value!r} is not true or false")


def _int(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not an integer") from exc


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
    q = request.query_params
    entries = await state_of(request).journal.query(
        kind=q.get("kind"),
        method=q.get("method"),
        path=q.get("path"),
        model=q.get("model"),
        status=_int(q.get("status")),
        result=_bool(q.get("result")),
        since=_int(q.get("since")),
        task_id=q.get("task_id"),
        header=q.get("header"),
        limit=_int(q.get("limit")),
    )
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
    q = request.query_params
    status, model = q.get("status"), q.get("model")
    out = []
    for task in await state.store.tasks():
        task = await state.synced(task)
        if status and task.status.value != status:
            continue
        if model and task.model.slug != model.lower():
            continue
        out.append(_admin_task(state, task))
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
    body = await _body(request)
    to = body.get("to")
    steps = body.get("steps", 1)
    if to is not None and not isinstance(to, str):
        raise ValidationError("'to' must be a status name or 'end'")
    if not isinstance(steps, int) or steps < 0:
        raise ValidationError("'steps' must be a non-negative integer")
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
    body = await _body(request)
    mode = body.get("mode", state.clock.mode)
    speed = body.get("speed")
    if mode not in ("realtime", "step", "manual"):
        raise ValidationError("mode must be realtime, step or manual")
    if speed is not None and (not isinstance(speed, int | float) or speed <= 0):
        raise ValidationError("speed must be a positive number")
    await state.store.retime(
        lambda: state.clock.set(mode, float(speed) if speed is not None else None)
    )
    return json_response(_clock(state))


async def clock_advance(request: Request) -> Response:
    """Body `{"seconds": float}`: move virtual time on (manual mode) and apply due events."""
    state = state_of(request)
    body = await _body(request)
    seconds = body.get("seconds", 0)
    if not isinstance(seconds, int | float) or seconds < 0:
        raise ValidationError("seconds must be a non-negative number")
    state.clock.advance(float(seconds))
    await state.control_changed()
    await state.store.run_due()
    return json_response(_clock(state))


async def faults_get(request: Request) -> Response:
    return json_response({"faults": state_of(request).faults.describe()})


async def faults_add(request: Request) -> Response:
    """Body: one rule (see FaultRule) or `{"rules": [...]}`."""
    state = state_of(request)
    body = await _body(request)
    raw = body.get("rules", [body])
    if not isinstance(raw, list):
        raise ValidationError("rules must be a list")
    try:
        rules = [FaultRule.model_validate(r) for r in raw]
    except PydanticValidationError as exc:
        raise ValidationError(
            [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        ) from exc
    added = [state.faults.add(r).name for r in rules]
    await state.control_changed()
    return json_response({"added": added, "faults": state.faults.describe()})


async def faults_clear(request: Request) -> Response:
    state = state_of(request)
    state.faults.clear()
    await state.control_changed()
    return json_response({"faults": []})


async def fault_delete(request: Request) -> Response:
    state = state_of(request)
    if not state.faults.remove(request.path_params["name"]):
        raise NotFoundError("No fault rule with that name.")
    await state.control_changed()
    return json_response({"faults": state.faults.describe()})


async def limits(request: Request) -> Response:
    """Body `{"api_key"?, "concurrent_tasks": int|null, "balance": float|null}`."""
    state = state_of(request)
    body = await _body(request) if request.method == "POST" else {}
    projects = state.auth.projects if state.auth.enabled else {"": None}
    limits = state.limits
    key = body.get("api_key")
    if request.method == "POST":
        targets = [key] if key is not None else list(projects)
        for k in targets:
            if k not in projects:
                raise NotFoundError(f"No project with api_key {k!r}.")
            concurrent = body.get("concurrent_tasks", limits.concurrency.get(k))
            balance = body.get("balance", limits.balances.get(k))
            limits.set(k, concurrent, balance)
        await state.control_changed()
    return json_response(
        {
            k or "anonymous": {
                "concurrent_tasks": limits.concurrency.get(k),
                "balance": limits.balances.get(k),
                "live_tasks": await state.store.live_count(k),
            }
            for k in projects
        }
    )


async def reset(request: Request) -> Response:
    await state_of(request).reset()
    return json_response({"result": True})


async def reload(request: Request) -> Response:
    state = state_of(request)
    notes = state.registry.reload_changed()
    return json_response(
        {"changes": notes, "models": sorted(state.registry.models),
         "spec_errors": [str(e) for e in state.registry.errors]}
    )  # fmt: skip
