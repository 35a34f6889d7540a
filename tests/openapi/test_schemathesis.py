"""Schemathesis against the mock, in process: every operation of the exported document.

The mock serves its own OpenAPI document at `GET /v1/openapi.json`; Schemathesis loads it
from the ASGI app (`from_asgi`), generates valid and invalid requests for every operation
and checks each answer: never a 5xx, a documented status code, a documented content type,
and a body that conforms to the response schema. Twice: with signature auth (every request
signed with a fresh nonce, so the auth path runs on each) and with auth off (so generated
bodies reach validation and task creation). Task operations are pointed at real tasks half
of the time, so Detail/Cancel/Kill/InputOutputDelete answer with task lists, not only 404s.

A longer run with counts: `bench/schemathesis_run.py`.
"""

from __future__ import annotations

import itertools
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.python.asgi import get_client
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.applications import Starlette

from codegen.parser import load_catalogue
from mockserver import create_app
from mockserver.auth import signed_headers
from mockserver.config import DEFAULT_API_KEY, DEFAULT_API_SECRET
from tests.paths import SPECS
from tests.samples import one_of_each_kind

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 12
_NONCES = itertools.count(1_734_513_807_000)


def signed() -> dict[str, str]:
    return signed_headers(DEFAULT_API_KEY, DEFAULT_API_SECRET, next(_NONCES))


#: The Run operations exercised here: one model of each kind (every model's operation is
#: exercised by bench/schemathesis_run.py).
_CATALOGUE = load_catalogue(SPECS)
MODELS = one_of_each_kind([_CATALOGUE.by_slug()["reve/generate"], *_CATALOGUE.models])


def seeded_app(**config: Any) -> tuple[Starlette, list[str]]:
    """The mock (step clock: tasks move only when read) with a few real tasks in it."""
    app = create_app(models=MODELS, seed=11, clock={"mode": "step"}, **config)
    ids = []
    with get_client(cast(Any, app)) as client:
        for prompt in ("a lighthouse", "a fox", "a harbour", "a kite"):
            response = client.post(
                "/v1/Run/reve/generate", json={"prompt": prompt}, headers=signed()
            )
            assert response.status_code == 200, response.text
            ids.append(response.json()["taskid"])
    return app, ids


AUTH_APP, AUTH_TASKS = seeded_app()
OPEN_APP, OPEN_TASKS = seeded_app(auth=False)
open_schema = schemathesis.openapi.from_asgi("/v1/openapi.json", OPEN_APP)
# The signed run is about the auth path on every operation: fuzzed requests, without the
# coverage phase's boundary cases (about three requests in four), which the open run, where
# bodies reach validation, sends.
auth_config = schemathesis.config.SchemathesisConfig()
auth_config.projects.default.phases.update(phases=["examples", "fuzzing"])
auth_schema = schemathesis.openapi.from_asgi("/v1/openapi.json", AUTH_APP, config=auth_config)
_PICK = itertools.count()


def aim_at_task(case: schemathesis.Case[Any], ids: list[str]) -> None:
    """Every other Task request names a real task (generated ids almost never exist)."""
    path = case.operation.path
    if not path.startswith("/Task/") or path == "/Task/List" or not isinstance(case.body, dict):
        return
    n = next(_PICK)
    if n % 2 == 0:
        case.body = {**case.body, "taskid": ids[(n // 2) % len(ids)]}


MODEL_SLUGS = [
    slug
    for model in sorted(AUTH_APP.state.mock.registry.models.values(), key=lambda m: m.slug)
    for slug in (model.display_name, model.slug.upper())
]


def aim_at_model(case: schemathesis.Case[Any]) -> None:
    """Every other Tool/Detail(OpenAPI) request names a real model, in display or odd-case
    form (generated slugs almost never exist, so the success answer would go unchecked)."""
    if case.operation.path not in ("/Tool/Detail", "/Tool/DetailOpenAPI"):
        return
    n = next(_PICK)
    if n % 2 == 0 and isinstance(case.body, dict):
        owner, _, project = MODEL_SLUGS[(n // 2) % len(MODEL_SLUGS)].partition("/")
        case.body = {**case.body, "slugowner": owner, "slugproject": project}


@auth_schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_signed(case: schemathesis.Case[Any]) -> None:
    aim_at_task(case, AUTH_TASKS)
    aim_at_model(case)
    case.call_and_validate(headers=signed(), checks=CHECKS)


@open_schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_without_auth(case: schemathesis.Case[Any]) -> None:
    aim_at_task(case, OPEN_TASKS)
    aim_at_model(case)
    case.call_and_validate(checks=CHECKS)


def test_document_covers_every_api_route() -> None:
    """Every public POST route of the mock is an operation Schemathesis exercised above."""
    paths = {cast(Ok[Any], op).ok().path for op in auth_schema.get_all_operations()}
    expected = {
        "/Task/Detail", "/Task/Cancel", "/Task/Kill", "/Task/List", "/Task/InputOutputDelete",
        "/File/FolderCreate", "/File/Upload", "/File/{token}/{name}",
        "/Tool/List", "/Tool/Detail", "/Tool/Explore", "/Tool/DetailOpenAPI", "/Project/List",
    }  # fmt: skip
    assert expected <= paths
    runs = {p for p in paths if p.startswith("/Run/")}
    assert len(runs) == len(AUTH_APP.state.mock.registry.models)


@pytest.mark.parametrize(
    "path",
    ["/v1/Task/Detail", "/v1/Run/reve/generate", "/v1/Tool/List", "/v1/Tool/Detail",
     "/v1/Tool/Explore", "/v1/Tool/DetailOpenAPI", "/v1/Project/List"],
)  # fmt: skip
def test_unsigned_requests_are_documented_401s(path: str) -> None:
    """What a client without credentials gets is in the document too (401, the envelope)."""
    op = auth_schema[path.removeprefix("/v1")]["POST"]
    with get_client(cast(Any, AUTH_APP)) as client:
        response = client.post(path, json={"taskid": AUTH_TASKS[0], "prompt": "x"})
    assert response.status_code == 401
    op.validate_response(response)
