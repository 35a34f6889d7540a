"""Error mapping: one class per Wiro error, whether it comes as HTTP 200 or as 4xx.

The table drives the pure ``error_class`` in both of wiro-mock's modes; the mock tests
send real requests to wiro-mock in both modes (the ``mock_api`` fixture is
parametrized) and check the client raises the same class, without retrying.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ConfigDict

from mockserver.testing import WiroMock

from .conftest import MOCK_MODES, FakeClock

CONCURRENCY = (
    "You have reached your concurrent task limit. With your current balance of $2.00, "
    "you can run up to 1 tasks at the same time. Add funds to increase your limit."
)
#: (case, Wiro's HTTP status, --http-errors status, first code, first message, class)
CASES: list[tuple[str, int, int, int | None, str, str]] = [
    ("param missing", 200, 400, 0, "Request parameter [prompt] required", "ValidationError"),
    ("not numeric", 200, 400, 0, "Request parameter [steps] must be integer or float",
     "ValidationError"),
    ("out of range", 200, 400, 0, "Request parameter [guidanceScale] must be between 1 and 10",
     "ValidationError"),
    ("file missing", 200, 400, 0, "Request files [inputImage] required", "ValidationError"),
    ("bad body", 200, 400, 0, "Request parameters are invalid.", "ValidationError"),
    ("detail without id", 200, 400, 0, "taskid or socketaccesstoken is required",
     "ValidationError"),
    ("permission", 200, 400, 0, "You don't have any permission for this action.", "APIError"),
    ("unknown model", 200, 404, 1, "slug-owner-project-not-exist", "NotFoundError"),
    ("unknown task", 200, 404, 1, "There is no task yet.", "NotFoundError"),
    ("unknown task (files)", 200, 404, 1, "task-not-exist", "NotFoundError"),
    ("not cancellable", 200, 400, 1, "Task is not in a cancellable state.", "TaskStateError"),
    ("kill refused", 200, 400, 1, "Task could not be killed: task has already finished.",
     "TaskStateError"),
    ("not accessible", 200, 400, 1, "tool-not-accessible", "APIError"),
    ("concurrency", 200, 400, 96, CONCURRENCY, "ConcurrencyLimitError"),
    ("balance", 200, 400, 97, "Insufficient balance", "InsufficientBalanceError"),
    ("sign in", 200, 401, 98, "sign in to run this model", "AuthenticationError"),
    ("bearer", 401, 401, 99, "Authorization bearer token is invalid.", "AuthenticationError"),
    ("api key", 401, 401, 0, "Project authorization is not founded.", "AuthenticationError"),
    ("signature", 401, 401, 0, "Project authorization is not valid.", "AuthenticationError"),
    ("unknown url", 404, 404, 0, "Error parsing url.", "APIError"),
    ("bare 404 (CDN)", 404, 404, None, "", "NotFoundError"),
    ("bare 422", 422, 422, None, "", "ValidationError"),
    ("rate limited", 429, 429, None, "", "RateLimitError"),
    ("server error", 503, 503, 0, "Service unavailable. Please retry later.", "APIError"),
]  # fmt: skip


@pytest.fixture(scope="module")
def responses(rt: ModuleType) -> ModuleType:
    """The runtime's ``_response`` module (the classifier is not re-exported)."""
    return importlib.import_module(f"{rt.__name__}._response")


@pytest.mark.parametrize("mode", sorted(MOCK_MODES))
@pytest.mark.parametrize(
    ("status", "http_status", "code", "message", "cls"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_error_class_table(
    rt: ModuleType, responses: ModuleType, mode: str, status: int, http_status: int,
    code: int | None, message: str, cls: str,
) -> None:  # fmt: skip
    sent = http_status if MOCK_MODES[mode] else status
    assert responses.error_class(sent, code, message) is getattr(rt, cls)


def _answer(status: int, errors: list[dict[str, Any]], url: str = "https://api.test/v1/x") -> Any:
    request = httpx.Request("POST", url)
    return httpx.Response(status, json={"result": False, "errors": errors}, request=request)


def test_server_validation_names_its_fields(rt: ModuleType, responses: ModuleType) -> None:
    errors = [
        {"code": 0, "message": "Request parameter [prompt] required"},
        {"code": 0, "message": "Request files [inputImage] required"},
    ]
    error = responses.error_from_response(_answer(200, errors))
    assert isinstance(error, rt.ValidationError) and isinstance(error, ValueError)
    assert error.field == "prompt" and error.status_code == 200 and error.code == 0
    assert error.problems == [
        ("prompt", "Request parameter [prompt] required"),
        ("inputImage", "Request files [inputImage] required"),
    ]


def test_client_side_validation_is_an_api_error_without_an_answer(rt: ModuleType) -> None:
    error = rt.ValidationError("seed: too big", field="seed")
    assert isinstance(error, rt.APIError) and isinstance(error, ValueError)
    assert (error.status_code, error.code, error.problems) == (
        None,
        None,
        [("seed", "seed: too big")],
    )


def test_unknown_url_says_so(rt: ModuleType, responses: ModuleType) -> None:
    answer = _answer(404, [{"code": 0, "message": "Error parsing url."}], "https://h/Run/a/b")
    error = responses.error_from_response(answer)
    assert type(error) is rt.APIError and error.status_code == 404
    assert "Error parsing url." in error.message and "https://h/Run/a/b" in error.message
    assert "base_url" in error.message


def test_result_false_is_never_retried(rt: ModuleType, responses: ModuleType) -> None:
    """A refusal at HTTP 200 (or its 4xx twin) is definite: not retried, on Run or on
    idempotent calls."""
    policy = rt.RetryPolicy(max_retries=5)
    retry = importlib.import_module(f"{rt.__name__}._retry")
    for _case, status, http_status, code, message, _cls in CASES:
        if status != 200:
            continue
        for sent in (status, http_status):
            error = responses.error_from_response(
                _answer(sent, [{"code": code, "message": message}])
            )
            for idempotent in (True, False):
                assert retry.retry_delay(policy, 0, error, idempotent=idempotent) is None


# ---------------------------------------------------------------------------- the mock


class Loose(BaseModel):
    """An input model that accepts anything, so the server is the one to judge."""

    model_config = ConfigDict(extra="allow")


def loose_spec(rt: ModuleType, run_path: str) -> Any:
    slug = run_path.removeprefix("/Run/")
    return rt.ModelSpec(
        slug=slug, display_name=slug, run_path=run_path, description="", input_model=Loose
    )


def expected_status(mock: WiroMock, http_status: int) -> int:
    return http_status if mock.app.state.mock.config.http_errors else 200


def run_requests(mock: WiroMock) -> int:
    return len(mock.requests(path="*/Run/*"))


@pytest.mark.parametrize(
    ("run_path", "params", "field"),
    [
        ("/Run/reve/generate", {}, "prompt"),
        ("/Run/xiabs/dreamomni2", {"prompt": "p", "steps": "many"}, "steps"),
    ],
)
def test_mock_validation_is_validation_error(
    rt: ModuleType, mock_api: WiroMock, mock_client: Callable[..., Any], clock: FakeClock,
    run_path: str, params: dict[str, Any], field: str,
) -> None:  # fmt: skip
    client = mock_client(retry_policy=rt.RetryPolicy(max_retries=3))
    with pytest.raises(rt.ValidationError) as info:
        client.run_model(loose_spec(rt, run_path), **params)
    assert info.value.field == field and info.value.code == 0
    assert info.value.status_code == expected_status(mock_api, 400)
    assert run_requests(mock_api) == 1 and clock.sleeps == []


def test_mock_unknown_model_is_not_found(
    rt: ModuleType, mock_api: WiroMock, mock_client: Callable[..., Any]
) -> None:
    with pytest.raises(rt.NotFoundError) as info:
        mock_client().run_model(loose_spec(rt, "/Run/nobody/nothing"), prompt="x")
    assert info.value.errors == [{"code": 1, "message": "slug-owner-project-not-exist"}]
    assert info.value.status_code == expected_status(mock_api, 404)
    assert run_requests(mock_api) == 1


def test_mock_unknown_task_is_not_found(
    rt: ModuleType, mock_api: WiroMock, mock_client: Callable[..., Any], clock: FakeClock
) -> None:
    task = mock_client(retry_policy=rt.RetryPolicy(max_retries=3)).task("999999")
    for call in (task.refresh, task.cancel, task.kill):
        with pytest.raises(rt.NotFoundError) as info:
            call()
        assert info.value.status_code == expected_status(mock_api, 404)
    assert len(mock_api.requests(path="*/Task/*")) == 3 and clock.sleeps == []


def test_mock_task_state_refusals(
    rt: ModuleType, mock_api: WiroMock, mock_client: Callable[..., Any]
) -> None:
    client = mock_client()
    task = client.run_model(loose_spec(rt, "/Run/reve/generate"), prompt="x")
    with pytest.raises(rt.TaskStateError, match="could not be killed"):
        task.kill()  # still queued: Task/Cancel is the way
    mock_api.advance(task.id, to="end")
    with pytest.raises(rt.TaskStateError, match="not in a cancellable state") as info:
        task.cancel()
    assert info.value.code == 1 and info.value.status_code == expected_status(mock_api, 400)


@pytest.mark.parametrize(
    ("limits", "cls", "code"),
    [
        ({"concurrent_tasks": 0}, "ConcurrencyLimitError", 96),
        ({"balance": 0}, "InsufficientBalanceError", 97),
    ],
)
def test_mock_limits(
    rt: ModuleType, mock_api: WiroMock, mock_client: Callable[..., Any], clock: FakeClock,
    limits: dict[str, Any], cls: str, code: int,
) -> None:  # fmt: skip
    mock_api.set_limits(**limits)
    client = mock_client(retry_policy=rt.RetryPolicy(max_retries=3))
    with pytest.raises(getattr(rt, cls)) as info:
        client.run_model(loose_spec(rt, "/Run/reve/generate"), prompt="x")
    assert info.value.code == code and info.value.status_code == expected_status(mock_api, 400)
    assert run_requests(mock_api) == 1 and clock.sleeps == []


def test_mock_bad_credentials_are_authentication_error(
    rt: ModuleType, mock_api: WiroMock, mock_client: Callable[..., Any]
) -> None:
    with pytest.raises(rt.AuthenticationError) as info:
        mock_client(api_secret="wrong").task("1").refresh()
    assert info.value.status_code == 401 and "not valid" in info.value.message


def test_mock_wrong_base_url_is_not_model_not_found(
    rt: ModuleType, mock_api: WiroMock, mock_client: Callable[..., Any]
) -> None:
    client = mock_client(base_url=mock_api.root_url)  # "/v1" forgotten
    with pytest.raises(rt.APIError) as info:
        client.run_model(loose_spec(rt, "/Run/reve/generate"), prompt="x")
    assert type(info.value) is rt.APIError and info.value.status_code == 404
    assert "Error parsing url." in info.value.message and "base_url" in info.value.message


async def test_mock_async_client_maps_the_same_way(
    rt: ModuleType, mock_api: WiroMock, clock: FakeClock
) -> None:
    mock_api.set_limits(concurrent_tasks=0)
    spec = loose_spec(rt, "/Run/reve/generate")
    async with httpx.AsyncClient(trust_env=False, timeout=10) as http:
        client = rt.BaseAsyncWiro(
            api_key=mock_api.api_key,
            api_secret=mock_api.api_secret,
            base_url=mock_api.base_url,
            http_client=http,
            sleep=clock.asleep,
            clock=clock,
        )
        with pytest.raises(rt.ConcurrencyLimitError):
            await client.run_model(spec, prompt="x")
        with pytest.raises(rt.ValidationError) as info:
            await client.run_model(spec)  # inputs are checked before limits
    assert info.value.field == "prompt" and run_requests(mock_api) == 2 and clock.sleeps == []
