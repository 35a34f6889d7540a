"""What the dashboard can *do* besides the admin API: run a model, switch a fault rule off/on.

Running a model from the page goes through the real Run route (`api.run.run`): the request
the browser sent (multipart, from the generated form) is handed to it as a Run request of
the first configured project, signed here on the server with a fresh nonce. The page never
holds a secret, and validation, limits, faults and task creation are the API's own code.
The call is journaled like an API request (under its dashboard path, with the headers the
server added), so it shows up in the journal with its parsed body.
"""

from __future__ import annotations

import time

from starlette.requests import Request

from mockserver.api.run import run
from mockserver.auth import signed_headers
from mockserver.config import FaultRule
from mockserver.errors import MockError, is_error_body
from mockserver.http.call import Call, Reply, failure_reply, state_of
from mockserver.http.context import RequestContext, attach
from mockserver.state import MockState

PARKED = "dashboard_parked_faults"


def project_headers(state: MockState) -> dict[str, str]:
    """Auth headers of the first configured project (nothing when auth is off)."""
    if not state.auth.enabled:
        return {}
    project = state.config.effective_projects()[0]
    return signed_headers(project.api_key, project.api_secret, time.time_ns() // 1000)


async def run_model(request: Request, owner: str, project: str) -> Reply:
    """Run `owner/project` with the request's form as its body, as the first project."""
    state = state_of(request)
    started = time.time()
    headers = {k.lower(): v for k, v in request.headers.items()}
    for name in ("authorization", "x-mock-admin-token", "cookie"):
        headers.pop(name, None)  # the admin token is not part of the Run request
    headers.update(project_headers(state))
    scope = {**request.scope, "path": f"/v1/Run/{owner}/{project}"}
    context = attach(scope, RequestContext(headers))
    try:
        result = await run(Call(state, scope, request.receive, request), owner, project)
    except MockError as exc:
        result = failure_reply(exc, state, request.url.path)
    await state.journal.request(
        "POST",
        request.url.path,
        b"",
        headers,
        context.body,
        context.model or f"{owner}/{project}".lower(),
        result.status,
        started,
        None,
        not is_error_body(result.body),
        context.warnings,
    )
    return result


def parked(request: Request) -> dict[str, FaultRule]:
    """Fault rules switched off from the page, by name (kept so they can be switched on)."""
    store: dict[str, FaultRule] | None = getattr(request.app.state, PARKED, None)
    if store is None:
        store = {}
        setattr(request.app.state, PARKED, store)
    return store


async def toggle_fault(request: Request, name: str) -> bool | None:
    """Switch the rule `name` off (kept aside) or back on; its new state, None if unknown."""
    state = state_of(request)
    off = parked(request)
    async with state.store.changing_control():  # other processes sharing the store apply it
        rule = next((r for r in state.faults.rules if r.name == name), None)
        if rule is not None:
            state.faults.remove(name)
            off[name] = rule
        elif name in off:
            state.faults.add(off.pop(name))
        else:
            return None
    return rule is None  # it was parked: now it is on
