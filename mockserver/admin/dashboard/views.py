"""What the dashboard shows, computed in Python from the mock's state (templates stay dumb).

Every function here returns plain dicts/lists of strings and numbers, ready for a template:
task cards (the board), task details, journal rows (with the auth explanation), model
descriptions with their generated run forms, the controls. Those that gather what a page
shows (`task_page`, `journal_page`, `controls_view`) are async, as the store is; the rest
render what they are given. Lists are paginated: a page holds at most `PAGE_SIZE` cards or
`JOURNAL_PAGE` rows, whatever the store holds, so the page's DOM stays the same size at 10
or 10,000 tasks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from codegen import wire
from codegen.schema import LIFECYCLE, Input, InputKind, Model
from mockserver.admin.dashboard.signature import explain
from mockserver.auth import Authenticator
from mockserver.config import FaultRule
from mockserver.control.journal import status_class
from mockserver.state import MockState
from mockserver.tasks.task import TIMED_TYPES, Task, render_outputs, socket_message

PAGE_SIZE = 50
JOURNAL_PAGE = 50
STAGES: tuple[str, ...] = tuple(s.value for s in LIFECYCLE)
#: Board filters besides a status name.
STATE_FILTERS = ("live", "succeeded", "failed")
REJECTED = "The signature matches, but the mock answered 401 (a reused nonce?)."
#: Every key an auth explanation may have (templates read them all).
AUTH_KEYS: dict[str, Any] = dict.fromkeys(("detail", "nonce", "expected", "received"), "") | {
    "missing": []
}


# -- tasks ------------------------------------------------------------------------------------
def task_state(task: Task) -> str:
    """`live`, `succeeded`, `failed` (model failure or pre-run error) or `cancelled`."""
    if not task.terminal:
        return "live"
    if task.outcome in ("cancel", "kill"):
        return "cancelled"
    return "succeeded" if task.succeeded else "failed"


def _elapsed(task: Task, now: float) -> float:
    end = max(task.times.values(), default=task.created) if task.terminal else now
    return max(0.0, end - task.created)


def task_card(task: Task, now: float) -> dict[str, Any]:
    """One board card: model, status, lifecycle progress, elapsed virtual seconds."""
    last = len(task.plan) - 1
    status = task.status.value
    return {
        "id": task.id,
        "model": task.model.slug,
        "status": status,
        "state": task_state(task),
        "stage": STAGES.index(status) + 1 if status in STAGES else len(STAGES),
        "stages": len(STAGES),
        "percent": 100 if task.terminal else round(100 * task.cursor / max(1, last)),
        "elapsed": f"{_elapsed(task, now):.1f}s",
        "event": task.step.type,
    }


def _matches(task: Task, status: str, model: str) -> bool:
    if model and task.model.slug != model:
        return False
    if not status:
        return True
    if status in STATE_FILTERS:
        return task_state(task) == status
    return task.status.value == status


async def readings(state: MockState, tasks: Sequence[Task]) -> list[Task]:
    """Current readings of `tasks`, in order (asked for all at once: one MGET in Redis);
    a task the store no longer has stays as it was last read."""
    fresh = await state.store.get_many([task.id for task in tasks])
    return [new or old for new, old in zip(fresh, tasks, strict=True)]


async def task_page(
    state: MockState, page: int = 0, status: str = "", model: str = ""
) -> dict[str, Any]:
    """A page of the board, newest first; `head` when it is the first page (new tasks land).

    Only the tasks shown are read (as of now), unless a status filter needs every task's
    current state: the store selects the rest by id."""
    ids = await state.store.select(lambda t: not model or t.model.slug == model)
    ids.reverse()
    if status:  # the status is as of now: every candidate is read
        found = await state.store.get_many(ids)
        ids = [t.id for t in found if t is not None and _matches(t, status, model)]
    pages = max(1, -(-len(ids) // PAGE_SIZE))
    page = min(max(0, page), pages - 1)
    found = await state.store.get_many(ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
    shown = [t for t in found if t is not None]
    now = state.clock.now()
    return {
        "cards": [task_card(t, now) for t in shown],
        "ids": [t.id for t in shown],
        "page": page,
        "pages": pages,
        "matched": len(ids),
        "total": await state.store.count(),
        "head": page == 0,
        "status": status,
        "model": model,
        "page_size": PAGE_SIZE,
    }


def _log_line(message: Any) -> str:
    if isinstance(message, dict):
        if "percentage" in message:
            return (
                f"{message.get('task', '')} {message['percentage']}% "
                f"({message.get('stepCurrent')}/{message.get('stepTotal')})"
            )
        if "raw" in message:
            return str(message["raw"])
        if "answer" in message:
            return " ".join(str(a) for a in message["answer"])
    return "" if message is None else str(message)


def _clock_text(epoch: float, at: float) -> str:
    seconds = epoch + at
    return time.strftime("%H:%M:%S", time.localtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}"


def _output_view(item: dict[str, Any]) -> dict[str, Any]:
    ctype = str(item.get("contenttype", ""))
    family = ctype.partition("/")[0]
    view = {
        "name": item["name"],
        "url": item["url"],
        "contenttype": ctype,
        "size": item["size"],
        "kind": family if family in ("image", "audio", "video") else "file",
    }
    if "content" in item:
        view["kind"] = "text"
        view["text"] = json.dumps(item["content"], indent=2, ensure_ascii=False)
    return view


def task_detail(state: MockState, task: Task) -> dict[str, Any]:
    """Everything about one task (a current reading): parameters, timeline, log lines, exit,
    outputs."""
    epoch = state.clock.epoch
    timeline = []
    logs = []
    durations = state.config.durations
    previous: float | None = None
    for index, step in enumerate(task.plan[: task.cursor + 1]):
        at = task.created if index == 0 else None
        if step.type in TIMED_TYPES and step.payload != "stderr":
            at = task.times.get(step.type)
        exact = at is not None
        if at is None and previous is not None:  # untimed (task_output...): its schedule
            at = previous + durations.of(task.plan[index - 1].type)
        previous = at
        timeline.append(
            {
                "event": step.type,
                "status": step.status.value if step.status is not None else "",
                "at": "" if at is None else f"{'' if exact else '~'}+{at - task.created:.3f}s",
                "clock": "" if at is None else _clock_text(epoch, at),
            }
        )
        if step.type.startswith(("task_output", "task_error")) and step.payload != "error":
            line = _log_line(socket_message(task, step, epoch)["message"])
            if line:
                logs.append({"event": step.type, "line": line})
    return {
        "card": task_card(task, state.clock.now()),
        "uuid": task.uuid,
        "token": task.token,
        "outcome": task.outcome,
        "project": task.project.name,
        "params": sorted(task.params.items()),
        "timeline": timeline,
        "pending": [s.type for s in task.plan[task.cursor + 1 :]],
        "logs": logs,
        "pexit": task.pexit,
        "debugerror": task.debugerror,
        "callback_url": task.callback_url,
        "outputs": [_output_view(o) for o in render_outputs(task, epoch)],
    }


# -- journal ----------------------------------------------------------------------------------
def _pretty(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def journal_row(entry: dict[str, Any], authenticator: Authenticator) -> dict[str, Any]:
    """One journal line and its expansion: body, headers, and the auth check explained."""
    status = entry.get("status")
    path = str(entry.get("path", ""))
    auth = None
    if entry["kind"] == "request" and entry["method"] == "POST" and path.startswith("/v1/"):
        auth = {**AUTH_KEYS, **explain(entry.get("headers") or {}, authenticator)}
        if auth["ok"] and status == 401:  # a check beyond the signature (a reused nonce)
            auth.update(ok=False, reason="rejected", message=REJECTED)
    body = _pretty(entry.get("body"))
    search = " ".join(
        str(x)
        for x in (
            entry["method"], path, entry.get("model") or "", status, body,
            auth["message"] if auth else "", entry.get("fault") or "", entry.get("error") or "",
            *(w.get("code", "") for w in entry.get("warnings") or []),
        )
    ).lower()  # fmt: skip
    return {
        "id": entry["id"],
        "kind": entry["kind"],
        "time": _clock_text(0.0, float(entry["time"])),
        "method": entry["method"],
        "path": path,
        "query": entry.get("query") or "",
        "model": entry.get("model") or "",
        "status": "" if status is None else str(status),
        "status_class": status_class(status, entry.get("result", True)),
        "refused": entry.get("result", True) is False,
        "warnings": entry.get("warnings") or [],
        "duration": f"{entry['duration_ms']:.1f} ms" if "duration_ms" in entry else "",
        "fault": entry.get("fault") or "",
        "body": body,
        "headers": sorted((entry.get("headers") or {}).items()),
        "auth": auth,
        "attempt": entry.get("attempt"),
        "error": entry.get("error") or "",
        "task_id": entry.get("task_id") or "",
        "search": search,
    }


def _status_matches(row: dict[str, Any], status: str) -> bool:
    if not status:
        return True
    if status.endswith("xx"):
        return bool(row["status_class"] == f"s{status}")
    return bool(row["status"] == status)


async def journal_page(
    state: MockState, model: str = "", status: str = "", text: str = "", before: int = 0
) -> dict[str, Any]:
    """Newest journal rows matching the filters, `JOURNAL_PAGE` at a time (`before` an id).

    `last_id` is read before the entries: an entry journaled in between is then both shown
    and pushed by the live feed (the page skips the copy) rather than neither."""
    journal = state.journal
    last_id = await journal.last_id()
    rows: list[dict[str, Any]] = []
    more = False
    needle = text.strip().lower()
    for entry in reversed(await journal.query(model=model or None)):
        if before and entry["id"] >= before:
            continue
        row = journal_row(entry, state.auth)
        if not _status_matches(row, status) or (needle and needle not in row["search"]):
            continue
        if len(rows) == JOURNAL_PAGE:
            more = True
            break
        rows.append(row)
    return {
        "rows": rows,
        "more": more,
        "last_id": last_id,
        "oldest": rows[-1]["id"] if rows else 0,
        "total": await journal.count(),
    }


# -- models -----------------------------------------------------------------------------------
WIDGETS: dict[InputKind, str] = {
    InputKind.TEXT: "text",
    InputKind.TEXTAREA: "textarea",
    InputKind.SELECT: "select",
    InputKind.MULTISELECT: "select",
    InputKind.INTEGER: "number",
    InputKind.NUMBER: "number",
    InputKind.BOOLEAN: "checkbox",
    InputKind.FILE: "file",
    InputKind.FILES: "file",
}


def _number(value: float | None) -> str:
    return "" if value is None else wire.number_text(value)


def _constraints(item: Input) -> list[str]:
    notes = []
    if item.required:
        notes.append("required")
    if item.minimum is not None or item.maximum is not None:
        notes.append(f"range {_number(item.minimum) or '…'}–{_number(item.maximum) or '…'}")
    if item.step is not None:
        notes.append(f"step {_number(item.step)}")
    if item.max_items is not None:
        notes.append(f"at most {item.max_items} item(s)")
    if item.accepts_url:
        notes.append("accepts a URL")
    if item.url_sibling:
        notes.append(f"or {item.url_sibling}")
    fc = item.file_constraints
    if fc is not None:
        if fc.content_types:
            notes.append(", ".join(fc.content_types))
        if fc.max_bytes:
            notes.append(f"≤ {fc.max_bytes // (1024 * 1024)} MB")
        if fc.min_side_px:
            notes.append(f"min side {fc.min_side_px}px")
        if fc.min_aspect_ratio or fc.max_aspect_ratio:
            notes.append(f"aspect {fc.min_aspect_ratio or '…'}–{fc.max_aspect_ratio or '…'}")
    return notes


def form_field(item: Input) -> dict[str, Any]:
    """The HTML control for one input, from its kind, default, options and constraints."""
    defaults = wire.texts(item.default, item.kind)
    widget = WIDGETS[item.kind]
    field: dict[str, Any] = {
        "name": item.name,
        "label": item.label or item.name,
        "help": item.help or "",
        "widget": widget,
        "required": item.required and not item.kind.is_file,
        "multiple": item.kind in (InputKind.MULTISELECT, InputKind.FILES),
        "value": "" if item.kind.is_file or not defaults else ",".join(defaults),
        "checked": defaults[:1] == ["true"],
        "min": _number(item.minimum),
        "max": _number(item.maximum),
        "step": _number(item.step) or ("1" if item.kind == InputKind.INTEGER else "any"),
        "accept": "",
        "placeholder": "https://…" if item.accepts_url and not item.kind.is_file else "",
        "options": [],
    }
    if item.kind.is_file:
        fc = item.file_constraints
        field["accept"] = ",".join(fc.content_types) if fc and fc.content_types else "image/*"
    if item.options:
        chosen = set(defaults)
        field["options"] = [
            {
                "value": o.value,
                "label": o.label or o.value or "(empty)",
                "selected": o.value in chosen,
            }
            for o in item.options
        ]
    return field


def model_view(model: Model) -> dict[str, Any]:
    """One served model: what its doc says (inputs, warnings) and the form that runs it."""
    return {
        "slug": model.slug,
        "owner": model.owner,
        "project": model.project,
        "name": model.display_name,
        "description": model.description,
        "output_kind": model.output_kind,
        "run_path": model.run_path,
        "source": model.source.path,
        "anchor": "model-" + model.slug.replace("/", "--"),
        "inputs": [
            {
                "name": i.name,
                "kind": i.kind.value,
                "default": ", ".join(wire.texts(i.default, i.kind)),
                "options": [o.value or "(empty)" for o in i.options],
                "constraints": _constraints(i),
            }
            for i in model.inputs
        ],
        "warnings": [
            {"code": w.code, "message": w.message, "input": w.input or ""} for w in model.warnings
        ],
        "fields": [form_field(i) for i in model.inputs],
    }


def models_view(state: MockState) -> dict[str, Any]:
    models = sorted(state.registry.models.values(), key=lambda m: m.slug)
    return {
        "models": [model_view(m) for m in models],
        "errors": [str(e) for e in state.registry.errors],
    }


# -- controls ---------------------------------------------------------------------------------
def _fault_view(rule: dict[str, Any], enabled: bool) -> dict[str, Any]:
    detail = ", ".join(
        f"{k}={v}" for k, v in rule.items() if k not in ("name", "kind", "used") and v is not None
    )
    return {
        "name": rule["name"],
        "kind": rule["kind"],
        "detail": detail,
        "used": rule.get("used", 0),
        "enabled": enabled,
    }


async def controls_view(state: MockState, parked: Iterable[FaultRule]) -> dict[str, Any]:
    """Clock, projects (never their secrets), fault rules (active and switched off)."""
    active = state.faults.describe()
    names = {r["name"] for r in active}
    off = [
        {**r.model_dump(exclude_defaults=True), "name": r.name, "kind": r.kind}
        for r in parked
        if r.name not in names
    ]
    clock = state.clock
    projects = state.config.effective_projects() if state.auth.enabled else []
    return {
        "clock": {"mode": clock.mode, "speed": clock.speed, "now": f"{clock.now():.1f}"},
        "auth": state.auth.enabled,
        "projects": [
            {
                "name": p.name,
                "api_key": p.api_key,
                "mode": "signature" if p.api_secret is not None else "api key only",
            }
            for p in projects
        ],
        "faults": [_fault_view(r, True) for r in active] + [_fault_view(r, False) for r in off],
        "models": len(state.registry.models),
        "tasks": await state.store.count(),
    }
