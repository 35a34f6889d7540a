"""Retries, backoff and transport errors of the base clients (sync and async).

Mapping Wiro's error answers to classes is tested against wiro-mock in test_errors.py.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import httpx
import pytest

from .conftest import envelope, task_json

NO_JITTER = {"jitter": 0.0}


def fail_then(responses: list[Any], fake: Any, path: str) -> None:
    """Answer ``path`` with ``responses`` in order (exceptions are raised)."""

    def route(request: httpx.Request) -> httpx.Response:
        item = responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item  # type: ignore[no-any-return]

    fake.routes[path] = route


def detail_ok() -> httpx.Response:
    return httpx.Response(200, json=envelope(tasklist=[task_json("task_start")]))


def test_retries_503_with_exponential_backoff(
    rt: ModuleType, make_client: Any, fake: Any, clock: Any
) -> None:
    fail_then([httpx.Response(503), httpx.Response(503), detail_ok()], fake, "/v1/Task/Detail")
    client = make_client(retry_policy=rt.RetryPolicy(max_retries=3, base=0.5, **NO_JITTER))
    assert client.task("1").refresh().status == "task_start"
    assert clock.sleeps == [0.5, 1.0]
    assert len(fake.requests) == 3


def test_jitter_stays_within_the_documented_band(rt: ModuleType) -> None:
    policy = rt.RetryPolicy(base=1.0, cap=4.0, jitter=0.25)
    assert policy.backoff(1, lambda: 0.0) == 2.0
    assert policy.backoff(1, lambda: 1.0) == 1.5
    assert policy.backoff(10, lambda: 0.0) == 4.0  # capped


def test_429_honours_retry_after(rt: ModuleType, make_client: Any, fake: Any, clock: Any) -> None:
    limited = httpx.Response(
        429,
        headers={"Retry-After": "7"},
        json={"result": False, "errors": [{"code": 0, "message": "slow down"}]},
    )
    fail_then([limited, detail_ok()], fake, "/v1/Task/Detail")
    make_client().task("1").refresh()
    assert clock.sleeps == [7.0]


def test_gives_up_after_max_retries_with_rate_limit_error(
    rt: ModuleType, make_client: Any, fake: Any, clock: Any
) -> None:
    limited = [httpx.Response(429, headers={"Retry-After": "2"}) for _ in range(3)]
    fail_then(limited, fake, "/v1/Task/Detail")
    with pytest.raises(rt.RateLimitError) as info:
        make_client(max_retries=2).task("1").refresh()
    assert info.value.retry_after == 2.0 and info.value.status_code == 429
    assert clock.sleeps == [2.0, 2.0]


def test_task_calls_retry_read_timeouts(
    rt: ModuleType, make_client: Any, fake: Any, clock: Any
) -> None:
    fail_then([httpx.ReadTimeout("slow"), detail_ok()], fake, "/v1/Task/Detail")
    assert make_client().task("1").refresh().status == "task_start"
    assert len(clock.sleeps) == 1


def test_run_is_not_retried_after_a_read_timeout(
    rt: ModuleType, edit_spec: Any, make_client: Any, fake: Any, clock: Any
) -> None:
    fail_then([httpx.ReadTimeout("slow")], fake, "/v1/Run/reve/edit")
    with pytest.raises(rt.APITimeoutError):
        make_client(max_retries=3).run_model(edit_spec, prompt="p")
    assert fake.paths() == ["/v1/Run/reve/edit"]
    assert clock.sleeps == []


def test_run_is_not_retried_on_5xx(
    rt: ModuleType, edit_spec: Any, make_client: Any, fake: Any
) -> None:
    fail_then([httpx.Response(502)], fake, "/v1/Run/reve/edit")
    with pytest.raises(rt.APIError) as info:
        make_client(max_retries=3).run_model(edit_spec, prompt="p")
    assert info.value.status_code == 502
    assert len(fake.requests) == 1


def test_run_is_retried_when_the_connection_never_opened(
    rt: ModuleType, edit_spec: Any, make_client: Any, fake: Any, clock: Any
) -> None:
    ok = httpx.Response(200, json=envelope(taskid="9", socketaccesstoken="T"))
    fail_then([httpx.ConnectError("refused"), ok], fake, "/v1/Run/reve/edit")
    task = make_client().run_model(edit_spec, prompt="p")
    assert task.id == "9" and len(clock.sleeps) == 1
    first, second = fake.requests
    assert first.headers["x-nonce"] != second.headers["x-nonce"]


def test_connection_errors_become_api_connection_error(
    rt: ModuleType, make_client: Any, fake: Any
) -> None:
    fail_then([httpx.ConnectError("refused")] * 3, fake, "/v1/Task/Detail")
    with pytest.raises(rt.APIConnectionError):
        make_client(max_retries=2).task("1").refresh()


def test_empty_tasklist_is_not_found(rt: ModuleType, make_client: Any, fake: Any) -> None:
    fail_then([httpx.Response(200, json=envelope(tasklist=[]))], fake, "/v1/Task/Detail")
    with pytest.raises(rt.NotFoundError):
        make_client().task(tasktoken="T").refresh()
    assert fake.json_bodies("/v1/Task/Detail") == [{"tasktoken": "T"}]


def test_cancel_and_kill_send_taskid(make_client: Any, fake: Any) -> None:
    task = make_client().task("534574")
    assert task.cancel().status == "task_cancel"
    assert task.kill().status == "task_cancel"
    assert fake.paths() == ["/v1/Task/Cancel", "/v1/Task/Kill"]
    assert fake.json_bodies("/v1/Task/Cancel") == [{"taskid": "534574"}]


def test_upload_posts_multipart_file(rt: ModuleType, make_client: Any, fake: Any) -> None:
    listing = [{"id": "5", "name": "a.bin", "size": "3", "url": "https://cdn.test/a.bin"}]
    fake.routes["/v1/File/Upload"] = lambda r: httpx.Response(200, json=envelope(list=listing))
    info = make_client().files.upload(b"abc")
    assert (info.url, info.size) == ("https://cdn.test/a.bin", 3)
    assert fake.requests[0].headers["content-type"].startswith("multipart/form-data")
    assert b'name="file"' in fake.requests[0].content


async def test_async_client_retries_and_maps_errors(
    rt: ModuleType, edit_spec: Any, make_async_client: Any, fake: Any, clock: Any
) -> None:
    fail_then([httpx.Response(500), detail_ok()], fake, "/v1/Task/Detail")
    fail_then([httpx.ReadTimeout("slow")], fake, "/v1/Run/reve/edit")
    policy = rt.RetryPolicy(max_retries=2, base=0.25, **NO_JITTER)
    async with make_async_client(retry_policy=policy) as client:
        assert (await client.task("1").refresh()).status == "task_start"
        with pytest.raises(rt.APITimeoutError):
            await client.run_model(edit_spec, prompt="p")
    assert clock.sleeps == [0.25]
    assert fake.paths() == ["/v1/Task/Detail"] * 2 + ["/v1/Run/reve/edit"]


async def test_clients_built_without_an_http_client_share_one_tls_context(rt: ModuleType) -> None:
    """Loading the CA bundle is most of what building a client costs (httpx loads one per
    client): every client of a process shares one context, sync and async alike."""
    clients = [rt.BaseWiro(api_key="k"), rt.BaseWiro(api_key="k"), rt.BaseAsyncWiro(api_key="k")]
    contexts = {id(client._http._transport._pool._ssl_context) for client in clients}
    assert len(contexts) == 1
    clients[0].close()
    clients[1].close()
    await clients[2].close()
