"""The generated client's whole surface against the live mock: unset inputs stay unsent,
per-call options and `with_options`, raw responses, logging, and the API's own endpoints
(`client.tasks`, `client.files`, `client.tools`), sync and async.

These exercise the client, not the store, so they run on the memory mock only; the store
variants are covered by `test_models.py` and `test_scenarios.py`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from wiro_client import (
    NOT_GIVEN,
    APIError,
    AsyncWiro,
    ConfigurationError,
    NotFoundError,
    TaskStatus,
    ValidationError,
    Wiro,
)

from mockserver.testing import WiroMock

pytestmark = pytest.mark.parametrize("mock", ["memory"], indirect=True)

IMAGE = "https://example.com/a.png"


def run_bodies(mock: WiroMock) -> list[dict[str, Any]]:
    return [e["body"] for e in mock.requests(path="/v1/Run/*")]


def finish(mock: WiroMock, taskid: str) -> None:
    mock.advance(taskid, to="end")


# -- not given is not sent -----------------------------------------------------------------
def test_unset_inputs_are_absent_from_the_request_and_set_ones_present(
    client: Wiro, mock: WiroMock
) -> None:
    client.wiro.cartoonify.run(input_image_url=IMAGE)
    client.wiro.cartoonify.run(input_image_url=IMAGE, seed="7", aspect_ratio=NOT_GIVEN)
    assert run_bodies(mock) == [
        {"inputImageUrl": IMAGE},  # the doc's seed "42" is not sent: Wiro's default applies
        {"inputImageUrl": IMAGE, "seed": "7"},
    ]


def test_none_is_refused_before_any_request(client: Wiro, mock: WiroMock) -> None:
    with pytest.raises(ValidationError, match="seed: None is not a value") as info:
        client.wiro.cartoonify.run(input_image_url=IMAGE, seed=None)  # type: ignore[arg-type]
    assert info.value.field == "seed" and run_bodies(mock) == []


# -- per-call options and with_options ------------------------------------------------------
def test_per_call_extras_reach_the_wire(client: Wiro, mock: WiroMock) -> None:
    client.wiro.cartoonify.run(
        input_image_url=IMAGE,
        extra_headers={"x-trace": "t-1"},
        extra_query={"debug": 1},
        extra_body={"seed": "9"},
        timeout=5,
    )
    (entry,) = mock.requests(path="/v1/Run/*")
    assert entry["query"] == "debug=1" and "x-trace" in entry["headers"]
    assert entry["body"] == {"inputImageUrl": IMAGE, "seed": "9"}
    assert mock.requests(path="/v1/Task/Detail", header="x-trace") == []  # per call only


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": -1}, "timeout must be a positive"),
        ({"timeout": "slow"}, "timeout must be seconds"),
        ({"extra_headers": {"x-a": "1\r\nx-b: 2"}}, "line break"),
        ({"extra_query": ["a"]}, "extra_query must be a mapping"),
        ({"extra_body": {1: "x"}}, "extra_body must be a mapping with string keys"),
    ],
)
def test_bad_per_call_options_fail_before_any_request(
    client: Wiro, mock: WiroMock, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        client.wiro.cartoonify.run(input_image_url=IMAGE, **options)
    with pytest.raises(ConfigurationError, match=message):
        client.tasks.detail("1", **options)
    assert mock.journal() == []


def test_a_misspelt_keyword_is_refused(client: Wiro) -> None:
    with pytest.raises(ValidationError, match="sed: unknown parameter for wiro/cartoonify"):
        client.wiro.cartoonify.run(input_image_url=IMAGE, sed="1")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'taskid_'"):
        client.tasks.detail(taskid_="1")  # type: ignore[call-arg]


def test_with_options_copies_settings_and_shares_the_pool(client: Wiro, mock: WiroMock) -> None:
    quick = client.with_options(timeout=3, max_retries=0)
    assert quick.timeout == httpx.Timeout(3.0) and quick.retry_policy.max_retries == 0
    assert client.retry_policy.max_retries == 2 and client.timeout != quick.timeout
    mock.add_fault(kind="http", status=503, route="*/Task/Detail", times=1)
    taskid = quick.wiro.cartoonify.run(input_image_url=IMAGE).id
    with pytest.raises(APIError) as info:
        quick.tasks.detail(taskid)  # no retry: the one 503 surfaces
    assert info.value.status_code == 503
    quick.close()  # the copy does not own the pool
    assert client.tasks.detail(taskid).id == taskid


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_url": "ftp://x"}, "http\\(s\\) URL"),
        ({"max_retries": -1}, "max_retries must be an integer"),
        ({"max_retries": True}, "max_retries must be an integer"),
        ({"timeout": float("inf")}, "positive finite"),
        ({"api_key": ""}, "api_key must be a non-empty string"),
        ({"socket_url": "http://h/v1"}, "socket_url must be a ws\\(s\\) URL"),
    ],
)
def test_with_options_validates(client: Wiro, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        client.with_options(**options)


def test_with_options_base_url_moves_the_socket(client: Wiro) -> None:
    moved = client.with_options(base_url="http://127.0.0.1:9/v1/")
    assert moved.base_url == "http://127.0.0.1:9/v1" and moved.socket_url == "ws://127.0.0.1:9/v1"
    assert client.base_url != moved.base_url


# -- raw responses ----------------------------------------------------------------------------
def test_raw_response_gives_status_headers_envelope_and_the_parsed_result(
    client: Wiro, mock: WiroMock
) -> None:
    raw = client.wiro.cartoonify.with_raw_response.run(input_image_url=IMAGE)
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("application/json")
    assert raw.envelope["result"] is True and str(raw.url).endswith("/Run/wiro/cartoonify")
    task = raw.parse()
    assert task.id == raw.envelope["taskid"]
    detail = client.tasks.with_raw_response.detail(task.id)
    assert detail.envelope["tasklist"][0]["id"] == task.id
    assert detail.parse().id == task.id


def test_raw_failure_raises_its_typed_error_only_when_parsed(client: Wiro, mock: WiroMock) -> None:
    raw = client.tasks.with_raw_response.detail("999999")
    assert raw.status_code in (200, 404) and raw.envelope["result"] is False
    with pytest.raises(NotFoundError):
        raw.parse()
    mock.add_fault(kind="http", status=500, route="*/Tool/Explore", times=3)
    server_error = client.with_options(max_retries=0).tools.with_raw_response.explore()
    assert server_error.status_code == 500
    with pytest.raises(APIError) as info:
        server_error.parse()
    assert info.value.status_code == 500


def test_a_client_side_refusal_raises_at_once_in_raw_mode(client: Wiro) -> None:
    with pytest.raises(ValidationError):
        client.wiro.cartoonify.with_raw_response.run(input_image_url=IMAGE, seed=None)  # type: ignore[arg-type]


# -- logging -----------------------------------------------------------------------------------
def test_info_logs_requests_retries_and_status_changes_never_secrets(
    client: Wiro, mock: WiroMock, caplog: pytest.LogCaptureFixture
) -> None:
    mock.add_fault(kind="http", status=503, route="*/Task/Detail", times=1)
    with caplog.at_level(logging.DEBUG, logger="wiro_client"):
        task = client.wiro.cartoonify.run(input_image_url=IMAGE)
        task.wait(timeout=30, poll_interval=0.01)
    text = caplog.text
    assert f"POST {mock.base_url}/Run/wiro/cartoonify -> 200" in text
    assert "retrying in" in text and "HTTP 503" in text
    assert f"task {task.id}: task_postprocess_end" in text
    assert "'x-signature': '***'" in text and "'x-api-key': '***'" in text
    for secret in (mock.api_key, mock.api_secret):
        assert secret and secret not in text


def test_wiro_log_must_name_a_level(mock: WiroMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIRO_LOG", "loud")
    with pytest.raises(ConfigurationError, match="WIRO_LOG must be one of debug\\|info\\|warning"):
        Wiro(api_key=mock.api_key, base_url=mock.base_url)


# -- tasks -------------------------------------------------------------------------------------
def test_tasks_list_pages_through_every_match(client: Wiro, mock: WiroMock) -> None:
    ids = [client.wiro.cartoonify.run(input_image_url=IMAGE).id for _ in range(5)]
    client.reve.generate.run(prompt="x")
    mock.clear_journal()
    listed = [t.id for t in client.tasks.list(model="wiro/cartoonify", page_size=2)]
    assert listed == sorted(ids, key=int, reverse=True)
    starts = [e["body"]["start"] for e in mock.requests(path="/v1/Task/List")]
    assert starts == ["0", "2", "4"]
    oldest = client.tasks.list_page(limit=1, order="ASC")
    assert oldest.total == 6 and [t.id for t in oldest.tasks] == [ids[0]]


def test_tasks_list_refuses_bad_filters_at_the_call(client: Wiro, mock: WiroMock) -> None:
    with pytest.raises(ValidationError, match="order must be 'ASC' or 'DESC'"):
        client.tasks.list(order="sideways")
    with pytest.raises(ValidationError, match="limit must be an integer >= 1"):
        client.tasks.list(page_size=0)
    assert mock.journal() == []


def test_tasks_by_id_or_token_cancel_kill_and_delete_io(client: Wiro, mock: WiroMock) -> None:
    task = client.wiro.cartoonify.run(input_image_url=IMAGE)
    assert client.tasks.cancel(task.id).status == "task_cancel"  # still queued
    by_token = client.tasks.detail(token=task.token)
    assert by_token.id == task.id and by_token.status in get_args(TaskStatus)
    assert isinstance(by_token.create_time, datetime) and by_token.create_time.tzinfo
    running = client.wiro.cartoonify.run(input_image_url=IMAGE)
    mock.advance(running.id or "", to="task_start")
    assert client.tasks.kill(token=running.token).status == "task_cancel"
    done = client.wiro.cartoonify.run(input_image_url=IMAGE)
    finish(mock, done.id or "")
    assert client.tasks.detail(done.id).outputs
    client.tasks.delete_io(done.id)
    assert client.tasks.detail(done.id).outputs == []
    assert client.tasks.get(done.id).refresh().id == done.id


# -- files -------------------------------------------------------------------------------------
def test_files_create_folder_and_upload_into_it(client: Wiro, tmp_path: Path) -> None:
    folder = client.files.create_folder("inputs")
    assert folder.id and folder.name == "inputs" and isinstance(folder.added_time, datetime)
    path = tmp_path / "note.txt"
    path.write_bytes(b"hello")
    uploaded = client.files.upload(path, folder_id=folder.id)
    assert uploaded.parent_id == folder.id and uploaded.size == 5 and uploaded.url
    assert httpx.get(uploaded.url).content == b"hello"
    with pytest.raises(ValidationError, match="name must be a non-empty string"):
        client.files.create_folder(" ")


# -- tools -------------------------------------------------------------------------------------
def test_tools_list_detail_explore_and_openapi(client: Wiro, mock: WiroMock) -> None:
    found = [t.slug for t in client.tools.list(search="cartoonify")]
    assert "wiro/cartoonify" in found
    everything = list(client.tools.list(page_size=25))
    assert (
        len(everything)
        == len(mock.app.state.mock.registry.models)
        == len({t.slug for t in everything})
    )
    detail = client.tools.detail("wiro/cartoonify")
    ids = [item.id for group in detail.parameters for item in group.items]
    assert "inputImageUrl" in ids and detail.slug == "wiro/cartoonify"
    sections = client.tools.explore()
    assert sections and all(s.title for s in sections)
    specs = client.tools.openapi("wiro/cartoonify")
    signature = next(s for s in specs if s.type == "signature")
    assert any(path.startswith("/Run/") for path in signature.spec["paths"])
    with pytest.raises(NotFoundError):
        client.tools.detail("nobody/nothing")
    with pytest.raises(ValidationError, match="model must be 'owner/project'"):
        client.tools.openapi("cartoonify")


# -- async -------------------------------------------------------------------------------------
async def test_async_client_has_the_same_surface(async_client: AsyncWiro, mock: WiroMock) -> None:
    task = await async_client.wiro.cartoonify.run(input_image_url=IMAGE, extra_query={"a": "b"})
    assert run_bodies(mock) == [{"inputImageUrl": IMAGE}]
    raw = await async_client.wiro.cartoonify.with_raw_response.run(input_image_url=IMAGE)
    assert raw.status_code == 200 and (await raw.parse().refresh()).id == raw.envelope["taskid"]
    assert (await async_client.tasks.cancel(task.id)).status == "task_cancel"
    assert (await async_client.tasks.detail(token=task.token)).id == task.id
    listed = [t.id async for t in async_client.tasks.list(page_size=1)]
    assert listed == sorted([task.id, raw.envelope["taskid"]], key=int, reverse=True)
    detail = await async_client.tasks.with_raw_response.detail(task.id)
    assert detail.parse().id == task.id
    folder = await async_client.files.create_folder("a")
    uploaded = await async_client.files.upload(b"abc", folder_id=folder.id)
    assert uploaded.parent_id == folder.id
    tools = [t.slug async for t in async_client.tools.list(search="cartoonify")]
    assert "wiro/cartoonify" in tools
    assert (await async_client.tools.detail("wiro/cartoonify")).parameters
    assert await async_client.tools.explore()
    assert await async_client.tools.openapi("wiro/cartoonify")
    quick = async_client.with_options(timeout=2)
    assert (await quick.tasks.detail(task.id)).status == "task_cancel"
    running = await async_client.wiro.cartoonify.run(input_image_url=IMAGE)
    mock.advance(running.id or "", to="task_start")
    assert (await async_client.tasks.kill(token=running.token)).status == "task_cancel"
    done = await async_client.wiro.cartoonify.run(input_image_url=IMAGE)
    finish(mock, done.id or "")
    await async_client.tasks.delete_io(done.id)
    assert (await async_client.tasks.get(done.id).refresh()).outputs == []
    page = await async_client.tasks.list_page(limit=2, model="wiro/cartoonify")
    assert page.total == 4 and len(page.tasks) == 2
    tools = await async_client.tools.with_raw_response.list_page(limit=1)
    assert tools.status_code == 200 and len(tools.parse().tools) == 1
