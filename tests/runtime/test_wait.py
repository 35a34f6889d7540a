"""Waiting by polling: outcomes, deadline on unknown statuses, on_event stream."""

from __future__ import annotations

from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest

from .conftest import task_json

LIFECYCLE = ["task_queue", "task_accept", "task_start", "task_output", "task_end"]


def test_poll_until_success_with_growing_interval(make_client: Any, fake: Any, clock: Any) -> None:
    fake.detail_sequence(*[task_json(s) for s in LIFECYCLE], task_json("task_postprocess_end"))
    task = make_client().task("534574")
    detail = task.wait(timeout=60)
    assert detail.status == "task_postprocess_end" and detail.pexit == 0
    assert task.status == "task_postprocess_end" and task.detail is detail
    assert clock.sleeps == [0.5, 0.75, 1.125, 1.6875, 2.53125]
    assert fake.json_bodies("/v1/Task/Detail")[0] == {"taskid": "534574"}


def test_numbers_arrive_as_strings_and_are_parsed(make_client: Any, fake: Any) -> None:
    outputs = [{"id": "o", "name": "0.png", "size": "202472", "url": "https://cdn.test/0.png"}]
    fake.detail_sequence(task_json("task_postprocess_end", outputs=outputs, endtime=""))
    detail = make_client().task("1").wait()
    assert detail.elapsed_seconds == 6.0 and detail.total_cost == pytest.approx(0.00351)
    assert detail.start_time == datetime(2024, 12, 18, 9, 23, 29, tzinfo=UTC)
    assert detail.end_time is None
    assert detail.outputs[0].size == 202472
    wire = detail.model_dump(by_alias=True)
    assert wire["elapsedseconds"] == 6.0 and wire["status"] == "task_postprocess_end"


def test_nonzero_pexit_raises_task_failed(rt: ModuleType, make_client: Any, fake: Any) -> None:
    fake.detail_sequence(task_json("task_postprocess_end", pexit="1", debugerror="CUDA OOM"))
    with pytest.raises(rt.TaskFailed) as info:
        make_client().task("1").wait()
    assert info.value.debug_error == "CUDA OOM" and info.value.task.pexit == 1
    assert "CUDA OOM" in str(info.value)


def test_task_error_status_is_terminal_failure(rt: ModuleType, make_client: Any, fake: Any) -> None:
    fake.detail_sequence(
        task_json("task_queue"), task_json("task_error", pexit="", debugerror="bad")
    )
    with pytest.raises(rt.TaskFailed):
        make_client().task("1").wait()


def test_cancelled_task_raises_task_cancelled(rt: ModuleType, make_client: Any, fake: Any) -> None:
    fake.detail_sequence(task_json("task_start"), task_json("task_cancel"))
    with pytest.raises(rt.TaskCancelled) as info:
        make_client().task("1").wait()
    assert info.value.task.status == "task_cancel"


@pytest.mark.parametrize("status", ["task_queue", "task_mystery_state", ""])
def test_deadline_applies_to_never_finishing_and_unknown_statuses(
    rt: ModuleType, make_client: Any, fake: Any, clock: Any, status: str
) -> None:
    fake.detail_sequence(task_json(status))
    start = clock.now
    with pytest.raises(rt.WaitTimeout) as info:
        make_client().task("1").wait(timeout=3.0, poll_interval=1.0)
    assert clock.now - start == pytest.approx(3.0)
    assert clock.sleeps == [1.0, 1.0, 1.0]
    assert info.value.status == (status or None) and info.value.task.raw_status == status
    assert info.value.task.status == (status if status == "task_queue" else "unknown")


def test_last_sleep_is_clipped_to_the_deadline(
    rt: ModuleType, make_client: Any, fake: Any, clock: Any
) -> None:
    fake.detail_sequence(task_json("task_start"))
    with pytest.raises(rt.WaitTimeout):
        make_client().task("1").wait(timeout=1.0)
    assert clock.sleeps == [0.5, 0.5]


def test_on_event_gets_status_changes_and_new_log_output(make_client: Any, fake: Any) -> None:
    fake.detail_sequence(
        task_json("task_queue"),
        task_json("task_start", debugoutput="loading\n"),
        task_json("task_start", debugoutput="loading\nstep 1\n"),
        task_json("task_postprocess_end", debugoutput="loading\nstep 1\n"),
    )
    events: list[Any] = []
    make_client().task("1").wait(on_event=events.append)
    assert [(e.type, e.message) for e in events] == [
        ("task_queue", None),
        ("task_output", "loading\n"),
        ("task_start", None),
        ("task_output", "step 1\n"),
        ("task_postprocess_end", None),
    ]
    assert all(e.id == "534574" for e in events)


def test_reattach_by_token_learns_the_id(make_client: Any, fake: Any) -> None:
    task = make_client().task(tasktoken="TOKEN123")
    assert task.id is None
    task.refresh()
    assert task.id == "534574"


def test_task_needs_an_identifier(rt: ModuleType, make_client: Any) -> None:
    with pytest.raises(ValueError, match="taskid"):
        make_client().task()


async def test_async_wait_outcomes_and_deadline(
    rt: ModuleType, make_async_client: Any, fake: Any, clock: Any
) -> None:
    async with make_async_client() as client:
        fake.detail_sequence(task_json("task_start"), task_json("task_postprocess_end"))
        assert (await client.task("1").wait()).status == "task_postprocess_end"
        fake.detail_sequence(task_json("task_postprocess_end", pexit="2"))
        with pytest.raises(rt.TaskFailed):
            await client.task("1").wait()
        fake.detail_sequence(task_json("task_cancel"))
        with pytest.raises(rt.TaskCancelled):
            await client.task("1").wait()
        fake.detail_sequence(task_json("task_weird"))
        with pytest.raises(rt.WaitTimeout):
            await client.task("1").wait(timeout=2.0, poll_interval=0.5)
    assert sum(clock.sleeps) == pytest.approx(0.5 + 2.0)


def test_polling_rides_out_an_outage_until_the_deadline(
    rt: ModuleType, make_client: Any, fake: Any, clock: Any
) -> None:
    """More 503s than the request layer retries: the wait keeps polling, then succeeds."""
    answers = iter([503] * 7 + [200])

    def flaky(request: Any) -> Any:
        import httpx

        status = next(answers, 200)
        if status == 503:
            return httpx.Response(
                503, json={"result": False, "errors": [{"code": 0, "message": "busy"}]}
            )
        return fake._detail(request)

    fake.routes["/v1/Task/Detail"] = flaky
    detail = make_client().task("1").wait(timeout=120)
    assert detail.status == "task_postprocess_end"
    assert fake.paths().count("/v1/Task/Detail") == 8


def test_polling_gives_up_on_a_permanent_error(rt: ModuleType, make_client: Any, fake: Any) -> None:
    import httpx

    fake.routes["/v1/Task/Detail"] = lambda request: httpx.Response(
        400,
        json={
            "result": False,
            "errors": [{"code": 0, "message": "taskid or socketaccesstoken is required"}],
        },
    )
    with pytest.raises(rt.APIError, match="taskid or socketaccesstoken is required"):
        make_client().task("1").wait(timeout=120)
    assert fake.paths().count("/v1/Task/Detail") == 1
