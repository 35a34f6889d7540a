"""Every input the admin API accepts, as pydantic models: JSON bodies and query strings.

Like the config (`FaultRule` is reused as it is), unknown fields are refused and every
value is checked before anything changes, so a bad request is a 400 whose message names
the field and never reaches the mock's state (one `{"concurrent_tasks": "abc"}` once made
every later Run a 500). Bodies are strict (JSON has types: `"5"` is not a number); query
values are text, read as their field's type (`?status=200`, `?result=false`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from starlette.requests import Request

from codegen.schema import Status
from mockserver.config import ClockMode, FaultRule
from mockserver.errors import ValidationError
from mockserver.http.bodies import parse_json

#: The query parameter that carries the admin token (read by the guard, not a filter).
TOKEN_PARAM = "token"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoBody(Body):
    """`POST /reset`, `/reload`: no fields (an empty body or `{}`)."""


class LimitsBody(Body):
    """`POST /limits`: the project (`api_key`; every project when absent) and what to set;
    a field left out keeps its value, `null` lifts the limit."""

    api_key: str | None = None
    concurrent_tasks: int | None = Field(default=None, ge=0)
    balance: float | None = Field(default=None, allow_inf_nan=False)


class ClockBody(Body):
    """`POST /clock`: the mode and speed to switch to (each optional)."""

    mode: ClockMode | None = None
    speed: float | None = Field(default=None, gt=0, allow_inf_nan=False)


class ClockAdvanceBody(Body):
    """`POST /clock/advance`: virtual seconds to move on."""

    seconds: float = Field(default=0.0, ge=0, allow_inf_nan=False)


class TaskAdvanceBody(Body):
    """`POST /tasks/{key}/advance`: `steps` events, or until status or event `to` (`end`:
    to the task's last event)."""

    steps: int = Field(default=1, ge=0)
    to: str | None = None


class FaultRules(BaseModel):
    """`POST /faults` with several rules: `{"rules": [...]}` (one rule is sent bare)."""

    model_config = ConfigDict(extra="forbid")

    rules: list[FaultRule]


def _status_filter(value: object) -> int | str | None:
    """`404` -> 404; `4xx` stays a class; anything else says what is expected."""
    text = str(value).strip().lower() if value is not None else None
    if text is None or re.fullmatch(r"[1-5]xx", text):
        return text
    if re.fullmatch(r"[1-5]\d\d", text):
        return int(text)
    raise ValueError(f"expected an HTTP status (404) or a class (4xx), got {value!r}")


class JournalQuery(Query):
    """`GET /journal`: the filters of `control.journal.select`."""

    kind: str | None = None
    method: str | None = None
    path: str | None = None
    model: str | None = None
    #: a code (404) or a class as the dashboard shows it (4xx: refusals sent as 200 too)
    status: Annotated[int | str | None, BeforeValidator(_status_filter)] = None
    result: bool | None = None
    since: int | None = Field(default=None, ge=0)
    task_id: str | None = None
    header: str | None = None
    limit: int | None = Field(default=None, ge=0)


class TasksQuery(Query):
    """`GET /tasks`: a status and a model slug to filter by."""

    status: Status | None = None
    model: str | None = None


Model = TypeVar("Model", bound=BaseModel)


def validated(model: type[Model], data: Any) -> Model:
    """`data` as `model`, or a 400 listing each bad field as `field: problem`."""
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationError([_problem(error) for error in exc.errors()]) from exc


def _problem(error: Any) -> str:
    where = ".".join(map(str, error["loc"])) or "body"
    return f"{where}: {error['msg']}"


async def body_of(request: Request, model: type[Model]) -> Model:
    """The request's JSON body (empty: `{}`) as `model`."""
    return validated(model, parse_json(await request.body()))


def query_of(request: Request, model: type[Model]) -> Model:
    """The query string as `model`; an empty value is no filter, and the token is the
    guard's, not a field."""
    params = {k: v for k, v in request.query_params.items() if v and k != TOKEN_PARAM}
    return validated(model, params)
