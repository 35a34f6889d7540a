"""`Task/Detail`, `Task/Cancel`, `Task/Kill`, `Task/List`, `Task/InputOutputDelete`.

Each accepts the task as real clients send it: `taskid`, `tasktoken` or `socketaccesstoken`
(any of them, or several), in any body form Run accepts.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.bodies import describe, read_fields
from mockserver.errors import NotFoundError, TaskStateError, ValidationError
from mockserver.routes.common import (
    Call,
    Reply,
    authenticate,
    body_reply,
    remember,
    remember_model,
    reply,
    to_response,
)
from mockserver.state import MockState
from mockserver.task import Task, render_task

MSG_NO_TASK = "There is no task yet."
MSG_ID_REQUIRED = "taskid or socketaccesstoken is required"


#: Task/Detail's envelope around the one rendered item (`dumps` of the whole, byte for byte).
_DETAIL_HEAD = b'{"total":"1","errors":[],"tasklist":['
_LIST_HEAD = b'{"errors":[],"tasklist":['
_TAIL = b'],"result":true}'


async def _task(call: Call) -> tuple[MockState, Task]:
    state = call.state
    project = await authenticate(call)
    fields = await read_fields(call, state.config.limits.max_json_bytes)
    remember(call, describe(fields))
    task_id = _text(fields.get("taskid"))
    token = _text(fields.get("tasktoken")) or _text(fields.get("socketaccesstoken"))
    if not task_id and not token:
        raise ValidationError(MSG_ID_REQUIRED)
    task = await state.find_task(task_id, token)
    if task is None or (state.auth.enabled and task.project.api_key != project.api_key):
        raise NotFoundError(MSG_NO_TASK)
    remember_model(call, task.model.slug)
    return state, task


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip()


def _tasklist(state: MockState, task: Task, *, total: bool = False) -> Reply:
    # `render_task` is looked up here on every call (not bound into the cache) so a test
    # can replace it; the cache only skips rendering a task whose state did not change.
    item = state.details.item(task, state.clock.epoch, render_task)
    return body_reply(b"".join((_DETAIL_HEAD if total else _LIST_HEAD, item, _TAIL)))


async def detail(request: Request) -> Response:
    return to_response(await detail_call(Call.of(request)))


async def detail_call(call: Call) -> Reply:
    """The Task/Detail logic, whichever entrance (router or fast path) it came through."""
    state, task = await _task(call)
    return await state.store.update(
        task, lambda current: state.engine.read(current, partial(_tasklist, state, total=True))
    )


async def cancel(request: Request) -> Response:
    state, task = await _task(Call.of(request))
    return to_response(await state.store.update(task, partial(_stopped, state, "cancel")))


async def kill(request: Request) -> Response:
    state, task = await _task(Call.of(request))
    return to_response(await state.store.update(task, partial(_stopped, state, "kill")))


def _stopped(state: MockState, how: str, task: Task) -> Reply:
    getattr(state.engine, how)(task)
    return _tasklist(state, task)


async def input_output_delete(request: Request) -> Response:
    """Forget a finished task's inputs and outputs (Wiro: terminal tasks only)."""
    state, task = await _task(Call.of(request))
    task = await state.store.update(task, partial(_forget_outputs, state))
    for url in task.params.values():
        if "/File/" in url:
            await state.files.delete(url.split("/File/", 1)[1].partition("/")[0])
    state.details.discard(task)
    return to_response(reply({"errors": [], "result": True}))


def _forget_outputs(state: MockState, task: Task) -> Task:
    state.engine.sync(task)
    if not task.terminal:
        raise TaskStateError("Task is not in a deletable state.")
    task.planned = ()
    task.output_sizes = ()
    return task


async def task_list(request: Request) -> Response:
    """The project's tasks, newest first; optional `status`, `limit` (default 20), `start`."""
    call = Call.of(request)
    state = call.state
    project = await authenticate(call)
    fields = await read_fields(call, state.config.limits.max_json_bytes)
    remember(call, describe(fields))
    try:
        limit = max(1, min(1000, int(_text(fields.get("limit")) or 20)))
        start = max(0, int(_text(fields.get("start")) or 0))
    except ValueError as exc:
        raise ValidationError("Request parameter [limit] must be integer or float") from exc
    wanted = _text(fields.get("status"))
    tasks = [
        t for t in reversed(await state.store.tasks())
        if not state.auth.enabled or t.project.api_key == project.api_key
    ]  # fmt: skip
    todo = len(tasks) if wanted else start + limit
    tasks[:todo] = [await state.synced(t) for t in tasks[:todo]]
    if wanted:
        tasks = [t for t in tasks if t.status.value == wanted]
    page = tasks[start : start + limit]
    return to_response(
        reply(
            {
                "total": str(len(tasks)),
                "errors": [],
                "tasklist": [render_task(t, state.clock.epoch) for t in page],
                "result": True,
            }
        )
    )
