"""`Task/Detail`, `Task/Cancel`, `Task/Kill`, `Task/List`, `Task/InputOutputDelete`.

Each accepts the task as real clients send it: `taskid`, `tasktoken` or `socketaccesstoken`
(any of them, or several), in any body form Run accepts. Detail, Cancel, Kill and List all
answer `{"total", "errors", "tasklist", "result"}` with `total` a string: the Go CLI decodes
it as one, even on Cancel and Kill (WIRO_CLIENTS.md 5.4), and MCP pages Task/List by it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from codegen.schema import Model
from mockserver.errors import NotFoundError, TaskStateError, ValidationError
from mockserver.http.bodies import opened
from mockserver.http.call import Call, Reply, body_reply, reply
from mockserver.models.fields import count_field
from mockserver.models.registry import Registry, normalize_slug, slug_keys
from mockserver.state import MockState
from mockserver.tasks.files import file_ref
from mockserver.tasks.task import Task, render_task

MSG_NO_TASK = "There is no task yet."
#: InputOutputDelete's own wording (Wiro's task reference), unlike Detail's.
MSG_DELETE_NO_TASK = "task-not-exist"
MSG_NOT_DELETABLE = "Task must be completed or cancelled before deleting files"
MSG_ID_REQUIRED = "taskid or socketaccesstoken is required"


#: The envelope around rendered items (`dumps` of the whole, byte for byte).
_HEAD = b'{"total":"'
_ITEMS = b'","errors":[],"tasklist":['
_TAIL = b'],"result":true}'
#: Task/List's page size bounds and default (MCP asks for 20).
LIST_LIMIT = 20
LIST_MAX = 1000


async def _task(call: Call, missing: str = MSG_NO_TASK) -> tuple[MockState, Task]:
    state = call.state
    project, fields = await opened(call)
    task_id = _text(fields.get("taskid"))
    token = _text(fields.get("tasktoken")) or _text(fields.get("socketaccesstoken"))
    if not task_id and not token:
        raise ValidationError(MSG_ID_REQUIRED)
    task = await state.find_task(task_id, token)
    if task is None or (state.auth.enabled and task.project.api_key != project.api_key):
        raise NotFoundError(missing)
    call.context.model = task.model.slug
    return state, task


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip()


def _tasklist(state: MockState, tasks: Sequence[Task], total: int) -> Reply:
    """The envelope around `tasks`' items, each from the Detail cache (rendered only when the
    task changed). `render_task` is looked up here on every call (not bound into the cache)
    so a test can replace it."""
    epoch = state.clock.epoch
    items = b",".join(state.details.item(t, epoch, render_task) for t in tasks)
    return body_reply(b"".join((_HEAD, str(total).encode(), _ITEMS, items, _TAIL)))


def _one(state: MockState, task: Task) -> Reply:
    return _tasklist(state, (task,), 1)


async def detail(call: Call) -> Reply:
    state, task = await _task(call)
    return await state.store.update(
        task, lambda current: state.engine.read(current, partial(_one, state))
    )


async def cancel(call: Call) -> Reply:
    state, task = await _task(call)
    return await state.store.update(task, partial(_stopped, state, "cancel"))


async def kill(call: Call) -> Reply:
    state, task = await _task(call)
    return await state.store.update(task, partial(_stopped, state, "kill"))


def _stopped(state: MockState, how: str, task: Task) -> Reply:
    """Cancel or kill, answered like Detail (the cancelled task, `total` "1")."""
    getattr(state.engine, how)(task)
    return _one(state, task)


async def input_output_delete(call: Call) -> Reply:
    """Forget a finished task's inputs and outputs (Wiro: terminal tasks only)."""
    state, task = await _task(call, MSG_DELETE_NO_TASK)
    task = await state.store.update(task, partial(_forget_outputs, state))
    for url in task.params.values():
        if (ref := file_ref(url)) is not None:
            await state.files.delete(ref[0])
    state.details.discard(task)
    return reply({"errors": [], "result": True})


def _forget_outputs(state: MockState, task: Task) -> Task:
    state.engine.sync(task)
    if not task.terminal:
        raise TaskStateError(MSG_NOT_DELETABLE)
    task.planned = ()
    task.output_sizes = ()
    return task


async def task_list(call: Call) -> Reply:
    """The project's tasks, one page of them, with `total` the count of every match.

    MCP sends exactly `{"type": "model", "sort": "id", "order": "DESC", "start": "0",
    "limit": "20"}` plus an optional `modelName` (WIRO_CLIENTS.md 5.3). Filters:
    - `modelName`: a model slug in display or clean form, any case (`Reve/Generate`,
      `reve/generate`), matched like Run's path; any other text is a partial name
      (MCP: "model slug or partial model name"), matched within the model's slug forms.
    - `status`: one status or a list (JSON array, repeated form field or comma-separated),
      with or without the `task_` prefix.
    - `order`: `ASC` or `DESC` (the default) by task id; `sort` is accepted, and creation
      order is id order, so every sort key sorts by id.
    - `start` (default 0), `limit` (default 20, at most 1000): strings or numbers; anything
      else is Wiro's `Request parameter [limit] must be integer or float`.
    - `type` is accepted: every mock task is a model run.
    """
    state = call.state
    project, fields = await opened(call)
    query = ListQuery.of(fields, state.registry)
    ids = await state.store.select(
        lambda t: (
            (not state.auth.enabled or t.project.api_key == project.api_key)
            and query.keeps(t.model)
        )
    )
    ids.sort(key=int, reverse=not query.ascending)  # creation order is id order
    window = slice(query.start, query.start + query.limit)
    if query.statuses:  # the status is as of now: every candidate catches up first
        tasks = [t for t in await _readings(state, ids) if t.status.value in query.statuses]
        return _tasklist(state, tasks[window], len(tasks))
    return _tasklist(state, await _readings(state, ids[window]), len(ids))


async def _readings(state: MockState, ids: list[str]) -> list[Task]:
    """Current readings of the tasks of `ids` (one MGET in Redis), those still stored."""
    return [task for task in await state.store.get_many(ids) if task is not None]


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A Task/List request, read once: the page, the order and the filters."""

    start: int
    limit: int
    ascending: bool
    statuses: frozenset[str]
    model: Callable[[Model], bool] | None

    @classmethod
    def of(cls, fields: dict[str, Any], registry: Registry) -> ListQuery:
        return cls(
            start=max(0, count_field(fields, "start", 0)),
            limit=max(1, min(LIST_MAX, count_field(fields, "limit", LIST_LIMIT))),
            ascending=_text(fields.get("order")).upper() == "ASC",
            statuses=_statuses(fields.get("status")),
            model=_model_filter(_text(fields.get("modelName")), registry),
        )

    def keeps(self, model: Model) -> bool:
        return self.model is None or self.model(model)


def _statuses(value: Any) -> frozenset[str]:
    values = value if isinstance(value, list) else [value]
    names = (n.strip().lower() for v in values for n in _text(v).split(","))
    return frozenset(n if n.startswith("task_") else f"task_{n}" for n in names if n)


def _model_filter(name: str, registry: Registry) -> Callable[[Model], bool] | None:
    """Whether a task's model is the one `modelName` names: a slug the catalogue knows (any
    form, as `Registry.lookup` resolves it) must equal one of the model's slug forms; other
    text must occur in one of them. Decided once per model slug (a page shares few models)."""
    owner, sep, project = name.partition("/")
    wanted = normalize_slug(owner, project) if sep else name.lower()
    if not wanted:
        return None
    exact = bool(sep) and registry.lookup(owner, project) is not None
    seen: dict[str, bool] = {}

    def matches(model: Model) -> bool:
        hit = seen.get(model.slug)
        if hit is None:
            keys = slug_keys(model)
            if exact:
                hit = wanted in keys or wanted.replace(" ", "") in keys
            else:
                hit = any(wanted in key for key in keys)
            seen[model.slug] = hit
        return hit

    return matches
