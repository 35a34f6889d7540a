"""Task <-> Redis record: one JSON object with a format version (`"v"`) and named fields.

Several processes, possibly of different mock versions, read and write the same records, so
a record says which format it is in, and a reader that does not know that format refuses
it with `StoreFormatError` (a 503 saying so) rather than misreading fields. Named fields
let a later format add one without shifting the others. A change of the fields' meaning
is a new `FORMAT`.

A record holds what changes and what cannot be recomputed; the model and project are stored
by name and looked up, the plan by the outcome it was built for (plus where a cancel or kill
cut it); token and uuid follow from the id.
"""

from __future__ import annotations

import json
from typing import Any

from mockserver.config import ANONYMOUS, MockConfig, Project
from mockserver.errors import StoreFormatError
from mockserver.models.registry import Registry
from mockserver.tasks.lifecycle import CANCEL_STEP, build_plan
from mockserver.tasks.outputs import output_kind
from mockserver.tasks.task import Task, task_identity

#: The record format this mock writes and reads.
FORMAT = 1
#: The outcomes a plan is built for (a cancelled or killed task keeps its base outcome's).
OUTCOMES = ("success", "fail", "error")


class Codec:
    def __init__(self, config: MockConfig, registry: Registry, projects: list[Project]) -> None:
        self.progress = config.lifecycle.progress_steps
        self.registry = registry
        self.projects = {p.api_key: p for p in projects}

    def encode(self, task: Task) -> bytes:
        deleted = task.files_deleted
        base, cut = self._plan_code(task)
        record = {
            "v": FORMAT, "model": task.model.slug, "project": task.project.api_key,
            "params": task.params, "callback_url": task.callback_url,
            "base_url": task.base_url, "created": task.created, "plan": base, "cut": cut,
            "outcome": task.outcome, "cps": task.cps, "seed": task.mock_seed,
            "input_size": task.input_size, "cursor": task.cursor, "due": task.due,
            "stalled": task.stalled,
            "times": task.times, "pexit": task.pexit, "debugerror": task.debugerror,
            "killed": task.killed, "socket_drop_after": task.socket_drop_after,
            "callback_delay": task.callback_delay,
            "output_sizes": None if deleted else task.output_sizes,
            "files_deleted": deleted, "tracked": task.tracked,
        }  # fmt: skip
        return json.dumps(record, separators=(",", ":")).encode()

    def decode(self, task_id: str, raw: bytes) -> Task | None:
        """The task a record describes; None when its model is no longer served (its spec
        was removed since, so it cannot be rendered)."""
        data = _record(task_id, raw)
        model = self.registry.models.get(data["model"])
        if model is None:
            return None
        plan = build_plan(data["plan"], self.progress, output_kind(model) == "text")
        if data["cut"] is not None:
            plan = (*plan[: data["cut"]], CANCEL_STEP)
        seed = data["seed"]
        token, uuid = task_identity(seed, task_id)
        sizes, input_size = data["output_sizes"], data["input_size"]
        task = Task(
            id=task_id, uuid=uuid, token=token, model=model,
            project=self._project(data["project"]), params=data["params"],
            callback_url=data["callback_url"], base_url=data["base_url"],
            created=data["created"], plan=plan, outcome=data["outcome"], cps=data["cps"],
            mock_seed=seed,
            input_size=tuple(input_size) if input_size else None, cursor=data["cursor"],
            due=data["due"], stalled=data["stalled"], times=data["times"],
            pexit=data["pexit"], debugerror=data["debugerror"], killed=data["killed"],
            socket_drop_after=data["socket_drop_after"],
            callback_delay=data["callback_delay"],
            output_sizes=tuple(sizes) if sizes is not None else None,
            tracked=data["tracked"],
        )  # fmt: skip
        if data["files_deleted"]:
            task.planned, task.output_sizes = (), ()
        return task

    def _project(self, api_key: str) -> Project:
        """The configured project of this key; one the config no longer has keeps its key."""
        found = self.projects.get(api_key)
        if found is not None:
            return found
        return Project(api_key=api_key) if api_key else ANONYMOUS

    def _plan_code(self, task: Task) -> tuple[str, int | None]:
        text = output_kind(task.model) == "text"
        cut = len(task.plan) - 1 if task.plan[-1] is CANCEL_STEP else None
        for outcome in OUTCOMES:
            plan = build_plan(outcome, self.progress, text)
            if plan is task.plan or (cut is not None and plan[:cut] == task.plan[:cut]):
                return outcome, cut
        raise ValueError(f"task {task.id}: plan of no known outcome")  # pragma: no cover


def _record(task_id: str, raw: bytes) -> dict[str, Any]:
    """The record's fields, once its format is known to be `FORMAT`."""
    data = json.loads(raw)
    version = data.get("v") if isinstance(data, dict) else None
    if version != FORMAT:
        raise StoreFormatError(
            f"Task {task_id} is stored in record format {version or 'unversioned'}; this mock "
            f"reads format {FORMAT} (is a mock of another version using the same store "
            "prefix?)."
        )
    return data  # type: ignore[no-any-return]
