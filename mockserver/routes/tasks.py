"""`Task/Detail`, `Task/Cancel`, `Task/Kill`, `Task/List`, `Task/InputOutputDelete`.

Each accepts the task as real clients send it: `taskid`, `tasktoken` or `socketaccesstoken`
(any of them, or several), in any body form Run accepts.
"""

from __future__ import annotations

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
    project = authenticate(call)
    fields = await read_fields(call, state.config.limits.max_json_bytes)
    remember(call, describe(fields))
    task_id = _text(fields.get("taskid"))
    token = _text(fields.get("tasktoken")) or _text(fields.get("socketaccesstoken"))
    if not task_id and not token:
        raise ValidationError(MSG_ID_REQUIRED)
    task = state.find_task(task_id, token)
    if task is None or (state.auth.enabled and task.project.api_key != project.api_key):
        raise NotFoundError(MSG_NO_TASK, status=404)
    remember_model(call, task.model.slug)
    return state, task


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip()


def _tasklist(state: MockState, task: Task, total: bool = False) -> Reply:
    # `render_task` is looked up here on every call (not bound into the cache) so a test
    # can replace it; the cache only skips rendering a task whose state did not change.
    item = state.details.item(task, state.clock.epoch, render_task)
    return body_reply(b"".join((_DETAIL_HEAD if total else _LIST_HEAD, item, _TAIL)))


async def detail(request: Request) -> Response:
    return to_response(await detail_call(Call.of(request)))


async def detail_call(call: Call) -> Reply:
    """The Task/Detail logic, whichever entrance (router or fast path) it came through."""
    state, task = await _task(call)
    return state.engine.read(task, lambda current: _tasklist(state, current, total=True))


async def cancel(request: Request) -> Response:
    state, task = await _task(Call.of(request))
    state.engine.cancel(task)
    return to_response(_tasklist(state, task))


async def kill(request: Request) -> Response:
    state, task = await _task(Call.of(request))
    state.engine.kill(task)
    return to_response(_tasklist(state, task))


async def input_output_delete(request: Request) -> Response:
    """Forget a finished task's inputs and outputs (Wiro: terminal tasks only)."""
    state, task = await _task(Call.of(request))
    state.engine.sync(task)
    if not task.terminal:
        raise TaskStateError("Task is not in a deletable state.")
    for url in task.params.values():
        if "/File/" in url:
            token = url.split("/File/", 1)[1].partition("/")[0]
            state.files.delete(token)
    task.planned = ()
    task.output_sizes = ()
    state.details.discard(task)
    return to_response(reply({"errors": [], "result": True}))


async def task_list(request: Request) -> Response:
    """The project's tasks, newest first; optional `status`, `limit` (default 20), `start`."""
    call = Call.of(request)
    state = call.state
    project = authenticate(call)
    fields = await read_fields(call, state.config.limits.max_json_bytes)
    remember(call, describe(fields))
    try:
        limit = max(1, min(1000, int(_text(fields.get("limit")) or 20)))
        start = max(0, int(_text(fields.get("start")) or 0))
    except ValueError as exc:
        raise ValidationError("Request parameter [limit] must be integer or float") from exc
    wanted = _text(fields.get("status"))
    tasks = [
        t for t in reversed(list(state.tasks))
        if not state.auth.enabled or t.project.api_key == project.api_key
    ]  # fmt: skip
    for t in tasks[: start + limit] if not wanted else tasks:
        state.engine.sync(t)
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
