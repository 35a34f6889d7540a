"""Wiro's discovery endpoints: `Tool/List`, `Tool/Detail`, `Tool/Explore`,
`Tool/DetailOpenAPI` and `Project/List`, served from the spec registry.

Each route authenticates like Run and the Task routes, reads the body in any form Wiro's
clients send, journals it, and hands the parsed fields to the pure renderers in
`mockserver/models/discovery.py`: what is listed here is exactly what Run then accepts.
"""

from __future__ import annotations

from typing import Any, get_args

from codegen import openapi
from codegen.schema import Model
from mockserver.api.run import MSG_UNKNOWN_MODEL
from mockserver.errors import NotFoundError
from mockserver.http.bodies import opened
from mockserver.http.call import Call, Reply, api_base, reply
from mockserver.models import discovery
from mockserver.models.fields import text_field
from mockserver.state import MockState

#: Tool/DetailOpenAPI's entries, in order: EK takes the `signature` one, else the first.
AUTH_KINDS: tuple[openapi.WiroAuth, ...] = get_args(openapi.WiroAuth)


def _models(state: MockState) -> list[Model]:
    return sorted(state.registry.models.values(), key=lambda m: m.slug)


def _model(call: Call, fields: dict[str, Any]) -> Model:
    owner, project = discovery.requested_slugs(fields)
    model = call.state.registry.lookup(owner, project)
    if model is None:
        raise NotFoundError(MSG_UNKNOWN_MODEL)
    call.context.model = model.slug
    return model


def _ok(**payload: Any) -> Reply:
    return reply({"result": True, "errors": [], **payload})


async def tool_list(call: Call) -> Reply:
    _, fields = await opened(call)
    total, page = discovery.find(_models(call.state), discovery.ToolQuery.of(fields))
    pricing = discovery.Pricing.of(call.state.config)
    return _ok(total=total, tool=[discovery.list_item(m, pricing) for m in page])


async def tool_detail(call: Call) -> Reply:
    _, fields = await opened(call)
    model = _model(call, fields)
    return _ok(tool=[discovery.detail_item(model, discovery.Pricing.of(call.state.config))])


async def tool_explore(call: Call) -> Reply:
    await opened(call)
    pricing = discovery.Pricing.of(call.state.config)
    return _ok(explore=discovery.explore_groups(_models(call.state), pricing))


async def tool_detail_openapi(call: Call) -> Reply:
    """A bare array (no envelope), as EK reads it; the servers URL is this mock."""
    _, fields = await opened(call)
    model = _model(call, fields)
    base = api_base(call)
    return reply(
        [{"type": kind, "spec": openapi.wiro_model_document(model, kind, base)}
         for kind in AUTH_KINDS]
    )  # fmt: skip


async def project_list(call: Call) -> Reply:
    caller, fields = await opened(call)
    state = call.state
    visible = discovery.visible_projects(
        state.config.effective_projects(),
        caller,
        text_field(fields, "apikey"),
        call.headers.get("x-api-key", "").strip(),
        state.auth.enabled,
    )
    return _ok(project=[discovery.project_record(p, state.clock.epoch) for p in visible])
