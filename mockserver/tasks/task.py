"""A task record and its Wiro rendering (Task/Detail item, socket messages, callback body).

The record is deliberately small (slots, shared plan tuples, outputs described not stored) so
a store of 100,000 tasks stays well under the memory budget. Everything a client sees is
rendered from it on demand: Task/Detail and the socket read the same state.

The rendered item carries every field of Wiro's task object (Wiro-Docs markdown/tasks.md, the
platform OpenAPI's TaskObject; WIRO_CLIENTS.md 5.1), typed as Wiro sends them: numbers and
times as strings (`"0"` when unset), `parameters` an object, `categories` a string list,
`isapp` a bool. The model fields (`modeldescription`, `modelslugowner`/`modelslugproject`,
the clean lowercase slug) and the pricing ones are derived from the model and the config, so
the record does not grow.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from codegen.schema import Model, Status
from mockserver.config import Project
from mockserver.models.discovery import Pricing, clean_slugs, model_id
from mockserver.tasks.files import file_url
from mockserver.tasks.outputs import (
    OutputSpec,
    llm_content,
    plan_outputs,
    render,
    seed_of,
    text_bytes,
)

#: Detail timestamp fields and the step type that sets each.
TIME_FIELDS: tuple[tuple[str, str], ...] = (
    ("accepttime", "task_accept"),
    ("preprocessstarttime", "task_preprocess_start"),
    ("preprocessendtime", "task_preprocess_end"),
    ("assigntime", "task_assign"),
    ("starttime", "task_start"),
    ("endtime", "task_end"),
    ("postprocessstarttime", "task_postprocess_start"),
    ("postprocessendtime", "task_postprocess_end"),
    ("canceltime", "task_cancel"),
)
TIMED_TYPES = frozenset(t for _, t in TIME_FIELDS) | {"task_error"}


@dataclass(frozen=True, slots=True)
class Step:
    """One lifecycle event: the socket message `type`, the Detail status it leaves, its payload.

    `status` None means a socket-only event (a stderr line) that leaves Detail unchanged.
    `payload` is one of: none, log, progress, llm, stderr, output_full, error_full, outputs,
    error.
    """

    type: str
    status: Status | None
    payload: str = "none"
    n: int = 0
    total: int = 0

    @property
    def terminal(self) -> bool:
        return self.type in ("task_postprocess_end", "task_cancel") or (
            self.type == "task_error" and self.payload == "error"
        )


@dataclass(slots=True, eq=False)
class Task:
    id: str
    uuid: str
    token: str
    model: Model
    project: Project
    params: dict[str, str]
    callback_url: str
    base_url: str
    created: float
    plan: tuple[Step, ...]
    outcome: str
    #: Cost per second of runtime, from the config of the mock that created the task.
    cps: float
    mock_seed: int = 0
    input_size: tuple[int, int] | None = None
    planned: tuple[OutputSpec, ...] | None = None
    cursor: int = 0
    due: float | None = None
    stalled: bool = False
    times: dict[str, float] = field(default_factory=dict)
    pexit: str = ""
    debugerror: str = ""
    killed: bool = False
    socket_drop_after: int | None = None
    callback_delay: float = 0.0
    output_sizes: tuple[int, ...] | None = None
    tracked: bool = False

    @property
    def step(self) -> Step:
        return self.plan[self.cursor]

    @property
    def status(self) -> Status:
        """The Detail status: the last lifecycle status reached (stderr lines don't count)."""
        for i in range(self.cursor, -1, -1):
            status = self.plan[i].status
            if status is not None:
                return status
        return Status.QUEUE  # pragma: no cover - every plan starts with task_queue

    @property
    def terminal(self) -> bool:
        return self.plan[self.cursor].terminal

    @property
    def succeeded(self) -> bool:
        return self.terminal and self.outcome == "success" and self.pexit == "0"

    @property
    def seed(self) -> int:
        """Output seed: from the model, the parameters and the mock's seed (computed on use)."""
        return seed_of(self.model.slug, sorted(self.params.items()), self.mock_seed)

    @property
    def files_deleted(self) -> bool:
        """InputOutputDelete ran: it empties both output tuples (the Redis codec stores this)."""
        return self.planned == () and self.output_sizes == ()

    @property
    def outputs(self) -> tuple[OutputSpec, ...]:
        """What a success produces; planned on first use so Run stays cheap."""
        if self.planned is None:
            self.planned = plan_outputs(self.model, self.params, self.seed, self.input_size)
        return self.planned


def task_identity(seed: int, task_id: str) -> tuple[str, str]:
    """(socket token, uuid) of a task: derived from the seed and the id alone, so runs are
    reproducible and processes sharing a store (whose Lua script names the token from the
    id it allocates: `sha1hex(seed:id)`) agree without talking. The token is 30 alphanumeric
    characters like Wiro's; the uuid is version-4 shaped."""
    token = hashlib.sha1(f"{seed}:{task_id}".encode(), usedforsecurity=False).hexdigest()[:30]
    h = hashlib.sha1(f"{seed}:{task_id}:uuid".encode(), usedforsecurity=False).hexdigest()
    return token, f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def output_url(task: Task, name: str) -> str:
    return file_url(task.base_url, task.token, name)


def output_sizes(task: Task) -> tuple[int, ...]:
    """Real byte sizes of the outputs (renders once, then remembered on the task)."""
    if task.output_sizes is None:
        task.output_sizes = tuple(
            len(text_bytes(task.params, s.seed)) if s.kind == "text"
            else len(render(s))
            for s in task.outputs
        )  # fmt: skip
    return task.output_sizes


def render_outputs(task: Task, epoch: float) -> list[dict[str, Any]]:
    """The `outputs` array: empty unless the task finished successfully."""
    if not task.succeeded:
        return []
    added = _ts(epoch, task.times.get("task_postprocess_end", task.created))
    items = []
    for spec, size in zip(task.outputs, output_sizes(task), strict=True):
        digest = hashlib.md5(f"{task.uuid}/{spec.name}".encode(), usedforsecurity=False)
        item: dict[str, Any] = {
            "id": digest.hexdigest(),
            "name": spec.name,
            "contenttype": spec.content_type,
            "parentid": output_folder_id(task),
            "uuid": task.uuid,
            "size": str(size),
            "addedtime": added,
            "modifiedtime": added,
            "accesskey": digest.hexdigest()[:30],
            "foldercount": "0",
            "filecount": "0",
            "ispublic": 0,
            "expiretime": None,
            "url": output_url(task, spec.name),
        }
        if spec.kind == "text":
            item["content"] = llm_content(task.params, spec.seed)
        items.append(item)
    return items


def output_folder_id(task: Task) -> str:
    """The folder holding the task's outputs: every output's `parentid`, the task's
    `outputfolderid` (which Wiro sets to "0" once InputOutputDelete removed the files)."""
    return hashlib.md5(task.uuid.encode(), usedforsecurity=False).hexdigest()


def render_task(task: Task, epoch: float) -> dict[str, Any]:
    """The Task/Detail item (also Task/List's, Cancel's and Kill's), as Wiro sends it."""
    outputs = render_outputs(task, epoch)
    return {
        **_run_fields(task, epoch),
        **_model_fields(task.model, task.cps),
        "outputs": outputs,
        "size": str(sum(int(o["size"]) for o in outputs)),
        "outputfolderid": "0" if task.files_deleted else output_folder_id(task),
    }


def _run_fields(task: Task, epoch: float) -> dict[str, Any]:
    """What the run did: identity, inputs, status, times, cost. `pexit` stays "" until the
    task is terminal (MCP's fixtures; a failure planned at Run must not show early) and an
    unbilled task costs "0" (D:tasks: failures are not charged)."""
    start, end, elapsed = task.times.get("task_start"), ended_at(task), run_seconds(task)
    cost = _cost(task, elapsed)
    item: dict[str, Any] = {
        "id": task.id,
        "uuid": task.uuid,
        "name": "",
        "socketaccesstoken": task.token,
        "parameters": task.params,
        "debugoutput": _debugoutput(task),
        "debugerror": task.debugerror,
        "starttime": _ts(epoch, start),
        "endtime": _ts(epoch, end),
        "elapsedseconds": f"{elapsed:.4f}",
        "status": task.status.value,
        "cps": f"{task.cps:.12f}",
        "totalcost": f"{cost:.12f}" if cost else "0",
        "guestid": None,
        "projectid": task.project.id,
        "modelid": str(model_id(task.model)),
        "description": "",
        "basemodelid": "0",
        "runtype": "model",
        "modelfolderid": "",
        "modelfileid": "",
        "callbackurl": task.callback_url,
        "marketplaceid": None,
        "createtime": _ts(epoch, task.created),
    }
    for name, step_type in TIME_FIELDS:
        if name not in item:
            item[name] = _ts(epoch, task.times.get(step_type))
    item["pexit"] = task.pexit if task.terminal else ""
    return item


def _model_fields(model: Model, cps: float) -> dict[str, Any]:
    """What the task ran: the model's fields as the platform OpenAPI's TaskObject lists them.
    The mock has no apps and measures no VRAM, so those are Wiro's empty values."""
    owner, project = clean_slugs(model)
    return {
        "categories": list(model.categories),
        "estimatedvram": "0.0000",
        "realvram": "[]",
        "isapp": False,
        "slugapp": "",
        "dynamicprice": dynamic_price(cps),
        "modeldescription": model.description,
        "modelslugowner": owner,
        "modelslugproject": project,
    }


@lru_cache(maxsize=8)
def dynamic_price(cps: float) -> str:
    """The `dynamicprice` JSON text Tool/List advertises for this cost per second."""
    return str(Pricing(cps, 0.0).fields()["dynamicprice"])


_ITEM_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


class DetailCache:
    """The Task/Detail items of recently read tasks, as JSON bytes (bounded, oldest out).

    Keyed by task id (a shared store hands out a new reading per request). A rendered item
    depends only on the task's state, its model, the clock's epoch and the cost per second;
    the key holds every task field `render_task` reads that can change after creation (the
    model too: a reloaded spec changes its description), so an entry is reused only while
    the task is unchanged (a finished task being polled is the common case) and re-rendered
    after any transition, cancel, InputOutputDelete or reload. The model is compared by
    identity first (tuple equality), so an unchanged model costs nothing.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: dict[str, tuple[tuple[Any, ...], bytes]] = {}

    @staticmethod
    def _key(task: Task, epoch: float) -> tuple[Any, ...]:
        return (
            task.cursor, task.plan, task.outcome, task.pexit, task.debugerror,
            task.output_sizes, task.files_deleted, task.model, epoch, task.cps,
        )  # fmt: skip

    def item(
        self, task: Task, epoch: float, render: Callable[[Task, float], dict[str, Any]]
    ) -> bytes:
        """`render(task, epoch)` as compact JSON bytes, from the cache when still valid."""
        hit = self._items.get(task.id)
        if hit is not None and hit[0] == self._key(task, epoch):
            return hit[1]
        data = _ITEM_ENCODER.encode(render(task, epoch)).encode()
        items = self._items
        if hit is None and len(items) >= self.size:
            del items[next(iter(items))]
        items[task.id] = (self._key(task, epoch), data)  # after rendering: it fills output_sizes
        return data

    def discard(self, task: Task) -> None:
        self._items.pop(task.id, None)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class FrameCache:
    """Socket frames as JSON text (`json.dumps`, as always sent), one serialization per
    event for all its subscribers (bounded, oldest out; cleared with the Detail cache on a
    reset or a control change).

    A frame depends on the task and the event (`socket_message`); it is keyed by what
    names them: the task (id and creation time), the event's index, the clock's epoch,
    and whether the task's files were deleted since (the outputs frame of a replay then
    lists none)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._frames: dict[tuple[Any, ...], str] = {}

    def frame(self, task: Task, index: int, epoch: float) -> str:
        key = (task.id, task.created, index, epoch, task.files_deleted)
        text = self._frames.get(key)
        if text is None:
            text = json.dumps(socket_message(task, task.plan[index], epoch))
            if len(self._frames) >= self.size:
                del self._frames[next(iter(self._frames))]
            self._frames[key] = text
        return text

    def clear(self) -> None:
        self._frames.clear()


def _cost(task: Task, elapsed: float) -> float:
    if not task.terminal or task.outcome in ("fail", "error"):
        return 0.0
    return elapsed * task.cps


def ended_at(task: Task) -> float | None:
    """When the run stopped: its end, cancel or error time (0.0 is a time: a manual clock
    starts there)."""
    for step_type in ("task_end", "task_cancel", "task_error"):
        value = task.times.get(step_type)
        if value is not None:
            return value
    return None


def run_seconds(task: Task) -> float:
    start, end = task.times.get("task_start"), ended_at(task)
    return (end - start) if start is not None and end is not None else 0.0


def task_cost(task: Task) -> float:
    return _cost(task, run_seconds(task))


def _debugoutput(task: Task) -> str:
    if task.cursor < len(task.plan) and any(
        s.type == "task_output_full" for s in task.plan[: task.cursor + 1]
    ):
        return log_text(task)
    return ""


def log_text(task: Task) -> str:
    return f"Loading {task.model.slug}\nRunning inference\nDone"


def _ts(epoch: float, value: float | None) -> str:
    return "0" if value is None else str(int(epoch + value))


def socket_message(task: Task, step: Step, epoch: float) -> dict[str, Any]:
    """One socket event in Wiro's shape: `{"type", "id", "tasktoken", "message", "result"}`.

    `task_postprocess_end` carries the outputs twice: as `message` (Wiro's docs) and as
    `outputs`, which the community TypeScript SDK reads instead."""
    message = _message(task, step, epoch)
    frame = {
        "type": step.type,
        "id": task.id,
        "tasktoken": task.token,
        "message": message,
        "result": True,
    }
    if step.payload == "outputs":
        frame["outputs"] = message
    return frame


def _message(task: Task, step: Step, epoch: float) -> Any:
    kind = step.payload
    if kind == "log":
        return f"Loading {task.model.slug}"
    if kind == "progress":
        pct = step.n * 100 // step.total
        return {
            "type": "progressGenerate",
            "task": "Generate",
            "percentage": str(pct),
            "stepCurrent": str(step.n),
            "stepTotal": str(step.total),
            "speed": "1.2",
            "speedType": "it/s",
            "elapsedTime": f"{step.n}s",
            "remainingTime": f"{step.total - step.n}s",
        }
    if kind == "llm":
        content = llm_content(task.params, task.seed)
        words = content["answer"][0].split()
        cut = max(1, len(words) * step.n // step.total)
        return {"thinking": content["thinking"], "answer": [" ".join(words[:cut])]}
    if kind == "stderr":
        return task.debugerror
    if kind == "output_full":
        return {"raw": log_text(task)}
    if kind == "error_full":
        return {"raw": task.debugerror}
    if kind == "outputs":
        return render_outputs(task, epoch)
    if kind == "error":
        return task.debugerror
    return None
