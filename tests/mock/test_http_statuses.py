"""HTTP statuses as Wiro sends them, and as `--http-errors` sends them instead.

Wiro's error reference: API errors are HTTP 200 with `result: false` (the caller reads
`result`); auth failures are 401 and an unknown URL is 404 (code 0, `Error parsing url.`).
`--http-errors` (`http_errors=True`) keeps the older 400/404 statuses for the same envelopes.
Body limits, unsupported media and the admin API use HTTP statuses in both modes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mockserver import create_app
from mockserver.auth import signed_headers
from tests.mock.conftest import SPECS

KEY_ONLY = {"api_key": "keyonly"}
SIGNED = {"api_key": "signed", "api_secret": "s3cret"}
LIMITED = {"api_key": "limited", "concurrent_tasks": 1, "balance": 5.0}
BROKE = {"api_key": "broke", "balance": 0.0}


@pytest.fixture(params=[False, True], ids=["wiro-200", "http-errors"])
def http_errors(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
async def mock(http_errors: bool) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        SPECS,
        projects=[KEY_ONLY, SIGNED, LIMITED, BROKE],
        clock={"mode": "manual"},
        http_errors=http_errors,
        limits={"max_json_bytes": 4096},
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://localhost", headers={"x-api-key": "keyonly"}
    ) as client:
        yield client


def envelope(response: httpx.Response) -> tuple[int, list[int], list[str]]:
    body = response.json()
    assert body["result"] is False, response.text
    return (
        response.status_code,
        [e["code"] for e in body["errors"]],
        [e["message"] for e in body["errors"]],
    )


async def run(mock: httpx.AsyncClient, body: dict[str, Any], **kw: Any) -> httpx.Response:
    return await mock.post("/v1/Run/reve/generate", json=body, **kw)


@pytest.mark.parametrize(
    ("case", "wiro", "http", "code", "message"),
    [
        ("missing prompt", 200, 400, 0, "Request parameter [prompt] required"),
        ("unknown model", 200, 404, 1, "slug-owner-project-not-exist"),
        ("unknown task", 200, 404, 1, "There is no task yet."),
        ("detail without id", 200, 400, 0, "taskid or socketaccesstoken is required"),
        ("not cancellable", 200, 400, 1, "Task is not in a cancellable state."),
        ("bad body", 200, 400, 0, "Request body is not valid JSON"),
    ],
)
async def test_api_errors_are_200_unless_http_errors(
    mock: httpx.AsyncClient, http_errors: bool,
    case: str, wiro: int, http: int, code: int, message: str,
) -> None:  # fmt: skip
    if case == "missing prompt":
        r = await run(mock, {})
    elif case == "unknown model":
        r = await mock.post("/v1/Run/nobody/nothing", json={"prompt": "x"})
    elif case == "unknown task":
        r = await mock.post("/v1/Task/Detail", json={"taskid": "424242"})
    elif case == "detail without id":
        r = await mock.post("/v1/Task/Detail", json={})
    elif case == "not cancellable":
        taskid = (await run(mock, {"prompt": "x"})).json()["taskid"]
        await mock.post("/__mock__/tasks/" + taskid + "/advance", json={"to": "task_start"})
        r = await mock.post("/v1/Task/Cancel", json={"taskid": taskid})
    else:
        r = await mock.post(
            "/v1/Run/reve/generate",
            content=b'{"prompt":',
            headers={"content-type": "application/json"},
        )
    status, codes, messages = envelope(r)
    assert status == (http if http_errors else wiro)
    assert codes[0] == code and messages[0].startswith(message), messages


async def test_limits_speak_wiros_words(mock: httpx.AsyncClient, http_errors: bool) -> None:
    limited = {"x-api-key": "limited"}
    assert (await run(mock, {"prompt": "x"}, headers=limited)).json()["result"] is True
    status, codes, (message,) = envelope(await run(mock, {"prompt": "y"}, headers=limited))
    assert (status, codes) == (400 if http_errors else 200, [96])
    assert message == (
        "You have reached your concurrent task limit. With your current balance of $5.00, "
        "you can run up to 1 tasks at the same time. Add funds to increase your limit."
    )
    status, codes, messages = envelope(
        await run(mock, {"prompt": "x"}, headers={"x-api-key": "broke"})
    )
    assert (status, codes, messages) == (
        400 if http_errors else 200,
        [97],
        ["Insufficient balance"],
    )


async def test_http_level_errors_keep_their_status_in_both_modes(mock: httpx.AsyncClient) -> None:
    unknown = envelope(await run(mock, {"prompt": "x"}, headers={"x-api-key": "nope"}))
    assert unknown[:2] == (401, [0, 0])  # Wiro's message, then which key the mock saw
    unsigned = await run(mock, {"prompt": "x"}, headers={"x-api-key": "signed"})
    assert envelope(unsigned)[0] == 401
    assert envelope(await mock.post("/v1/Nope/Nothing", json={})) == (
        404, [0], ["Error parsing url."]
    )  # fmt: skip
    big = await run(mock, {"prompt": "x" * 5000})
    assert envelope(big)[0] == 413
    xml = await mock.post(
        "/v1/Run/reve/generate", content=b"<x/>", headers={"content-type": "application/xml"}
    )
    assert envelope(xml)[0] == 415
    # the admin API keeps HTTP semantics: a bad value is a 400, an unknown task a 404
    assert envelope(await mock.post("/__mock__/clock", json={"mode": "sideways"}))[0] == 400
    assert envelope(await mock.get("/__mock__/tasks/424242"))[0] == 404


async def test_n8n_credential_check(mock: httpx.AsyncClient, http_errors: bool) -> None:
    """Wiro's n8n node tests credentials with `Task/Detail {"tasktoken": "test"}` and only
    `x-api-key`, and passes on any 2xx: on a key-only project that is Wiro's 200 +
    `result: false` (accepted credentials, unknown task); a wrong key is a 401."""
    body = {"tasktoken": "test"}
    r = await mock.post("/v1/Task/Detail", json=body)
    assert r.is_success is not http_errors
    assert envelope(r)[1:] == ([1], ["There is no task yet."])
    assert (
        await mock.post("/v1/Task/Detail", json=body, headers={"x-api-key": "x"})
    ).status_code == 401
    # a signature project without a signature is refused: the docs' 401
    r = await mock.post("/v1/Task/Detail", json=body, headers={"x-api-key": "signed"})
    assert r.status_code == 401
    signed = signed_headers("signed", "s3cret", 1734513807)
    r = await mock.post("/v1/Task/Detail", json=body, headers=signed)
    assert envelope(r)[0] == (404 if http_errors else 200)


async def test_journal_tells_refusals_by_result(mock: httpx.AsyncClient) -> None:
    await run(mock, {"prompt": "ok"})
    await run(mock, {})
    refused = (await mock.get("/__mock__/journal", params={"result": "false"})).json()["entries"]
    accepted = (await mock.get("/__mock__/journal", params={"result": "true"})).json()["entries"]
    assert [e["body"] for e in refused] == [{}]
    assert [e["body"] for e in accepted] == [{"prompt": "ok"}]
    bad = await mock.get("/__mock__/journal", params={"result": "maybe"})
    assert bad.status_code == 400 and bad.json()["result"] is False
