"""The `Store` contract, driven directly: every test runs on the memory store and on Redis
(conftest's `store` parameter) and asserts the same answers from both, readings included.

The store is built as a mock builds it (`MockState`), on a manual clock so that time moves
only when a test moves it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from codegen.schema import Input, InputKind, Status
from mockserver.config import Project, load_config
from mockserver.errors import NotFoundError
from mockserver.state import MockState
from mockserver.store.base import Store
from mockserver.tasks.lifecycle import build_plan
from mockserver.tasks.task import Task, task_cost, task_identity
from tests.mock.conftest import make_model

SLUG = "contract/draw"
PROMPT = [Input(name="prompt", label="Prompt", kind=InputKind.TEXT, required=True)]


@pytest.fixture
async def state(store: str, request: pytest.FixtureRequest) -> AsyncIterator[MockState]:
    overrides: dict[str, Any] = {}
    if store == "redis":
        server = request.getfixturevalue("redis_server")
        overrides["store"] = {"url": server.url(), "prefix": f"contract-{uuid.uuid4().hex[:12]}"}
    config = load_config(clock={"mode": "manual"}, **overrides)
    mock = MockState(config, None, [make_model("contract/Draw", PROMPT)])
    await mock.store.refresh()  # a shared store takes up this process's control state
    yield mock
    await mock.store.clear()
    await mock.store.aclose()


def _project(state: MockState) -> Project:
    return state.config.effective_projects()[0]


def new_task(state: MockState, prompt: str = "x", tracked: bool = False) -> Task:
    """A task as Run builds it, before the store numbers it."""
    model, lifecycle = state.registry.models[SLUG], state.config.lifecycle
    task = Task(
        id="", uuid="", token="", model=model, project=_project(state),
        params={"prompt": prompt}, callback_url="", base_url="http://mock/v1",
        created=state.clock.now(), plan=build_plan("success", lifecycle.progress_steps, False),
        outcome="success", cps=lifecycle.cps, mock_seed=state.config.seed,
    )  # fmt: skip
    state.engine.start(task, tracked)
    return task


async def added(state: MockState, count: int = 1, tracked: bool = False) -> list[Task]:
    return [await state.store.add(new_task(state, f"p{n}", tracked)) for n in range(count)]


# -- add, get, readings ------------------------------------------------------------------------
async def test_add_numbers_and_names_each_task(state: MockState) -> None:
    tasks = await added(state, 3)
    assert [t.id for t in tasks] == ["1", "2", "3"]
    for task in tasks:
        assert (task.token, task.uuid) == task_identity(state.config.seed, task.id)
    assert await state.store.count() == 3


async def test_get_by_id_then_token(state: MockState) -> None:
    store = state.store
    first, second = await added(state, 2)
    by_id, by_token = await store.get(first.id), await store.get(None, second.token)
    assert by_id is not None and by_id.params == {"prompt": "p0"}
    assert by_token is not None and by_token.id == second.id
    fallback = await store.get("999", first.token)  # an unknown id: the token decides
    assert fallback is not None and fallback.id == first.id
    assert await store.get("999") is None and await store.get(None, "nope") is None
    assert await store.get("not-a-number") is None


async def test_readings_are_copies(state: MockState) -> None:
    """Changing what `add`, `get`, `get_many` or `tasks` handed out changes nothing stored."""
    store = state.store
    (task,) = await added(state)
    for reading in (task, await store.get(task.id), (await store.tasks())[0],
                    (await store.get_many([task.id]))[0]):  # fmt: skip
        assert reading is not None
        reading.cursor = 4
        reading.times["task_end"] = 1.0
        reading.params["prompt"] = "changed"
        reading.stalled = True
    fresh = await store.get(task.id)
    assert fresh is not None and fresh is not task
    assert (fresh.cursor, fresh.status, fresh.stalled) == (0, Status.QUEUE, False)
    assert "task_end" not in fresh.times and fresh.params == {"prompt": "p0"}


async def test_get_many_answers_in_order(state: MockState) -> None:
    first, second = await added(state, 2)
    found = await state.store.get_many([second.id, "999", first.id])
    assert [t.id if t else None for t in found] == [second.id, None, first.id]
    assert await state.store.get_many([]) == []


async def test_tasks_in_creation_order(state: MockState) -> None:
    ids = [t.id for t in await added(state, 4)]
    assert [t.id for t in await state.store.tasks()] == ids


async def test_select_gives_the_ids_it_keeps_in_creation_order(state: MockState) -> None:
    tasks = await added(state, 5)
    odd = {t.id for t in tasks if int(t.id) % 2}
    assert await state.store.select(lambda t: t.id in odd) == sorted(odd, key=int)
    assert await state.store.select(lambda t: True) == [t.id for t in tasks]
    assert await state.store.select(lambda t: False) == []


async def test_newest_tasks_above_a_number(state: MockState) -> None:
    store = state.store
    await added(state, 5)
    assert [t.id for t in await store.newest(2, 10)] == ["5", "4", "3"]
    assert [t.id for t in await store.newest(0, 2)] == ["5", "4"]
    assert await store.newest(5, 10) == []


# -- update ------------------------------------------------------------------------------------
async def test_update_commits_the_change_and_returns_its_result(state: MockState) -> None:
    store = state.store
    (task,) = await added(state)
    result = await store.update(task, lambda t: (state.engine.advance(t, steps=2), "done")[1])
    assert result == "done"
    fresh = await store.get(task.id)
    assert fresh is not None and fresh.status == Status.PREPROCESS_START
    assert task.status == Status.QUEUE  # the reading it was given did not move


async def test_update_returning_the_task_gives_a_reading(state: MockState) -> None:
    store = state.store
    (task,) = await added(state)
    moved = await store.update(task, lambda t: state.engine.advance(t, steps=1))
    assert moved.status == Status.ACCEPT
    moved.cursor = 0
    moved.times.clear()
    fresh = await store.get(task.id)
    assert fresh is not None and fresh.status == Status.ACCEPT and fresh.times


async def test_update_of_a_gone_task_is_not_found(state: MockState) -> None:
    (task,) = await added(state)
    await state.store.clear()
    with pytest.raises(NotFoundError):
        await state.store.update(task, lambda t: None)


async def test_a_change_that_changes_nothing_answers_the_same(state: MockState) -> None:
    (task,) = await added(state)
    assert await state.store.update(task, lambda t: t.status) == Status.QUEUE
    fresh = await state.store.get(task.id)
    assert fresh is not None and fresh.cursor == 0


# -- the clock: retime, run_due, charges, callbacks ----------------------------------------------
async def test_retime_gives_live_tasks_the_new_modes_due_times(state: MockState) -> None:
    store, clock = state.store, state.clock
    (task,) = await added(state)
    assert task.due is not None  # manual mode: due at a virtual time
    await store.retime(lambda: clock.set("step"))
    fresh = await store.get(task.id)
    assert fresh is not None and fresh.due is None  # step mode: reads move it, not time
    await store.retime(lambda: clock.set("manual"))
    again = await store.get(task.id)
    assert again is not None and again.due is not None


async def test_tasks_finishing_at_once_are_each_charged_once(state: MockState) -> None:
    """Concurrent charges in one process: a charge refused because another was published
    first is retried on the stored balance, never on the one it already lowered."""
    store, limits = state.store, state.limits
    api_key = _project(state).api_key
    async with store.changing_control():
        limits.set(api_key, None, 100.0)
    tasks = await added(state, 4, tracked=True)
    state.clock.advance(10_000.0)
    done = await asyncio.gather(*(store.update(t, state.engine.sync) for t in tasks))
    cost = sum(task_cost(task) for task in done)
    assert all(task.terminal for task in done) and cost > 0
    state.control.version = None  # take up the stored state (Redis), as another process would
    await store.refresh()
    assert limits.balances[api_key] == pytest.approx(100.0 - cost)


async def test_run_due_finishes_tracked_tasks_charging_and_calling_back(state: MockState) -> None:
    store, limits = state.store, state.limits
    api_key = _project(state).api_key
    limits.set(api_key, 5, 100.0)
    await store.publish_control()
    finished: list[str] = []
    store.on_terminal.append(lambda task: finished.append(task.id))
    first, second = await added(state, 2, tracked=True)
    assert await store.live_count(api_key) == 2
    await store.run_due()
    assert finished == []  # nothing is due before the clock moves
    state.clock.advance(10_000.0)
    await store.run_due()
    assert sorted(finished) == [first.id, second.id]  # once each
    done = [await store.get(task.id) for task in (first, second)]
    assert all(task is not None and task.terminal for task in done)
    cost = sum(task_cost(task) for task in done if task is not None)
    assert cost > 0 and limits.balances[api_key] == pytest.approx(100.0 - cost)
    assert await store.live_count(api_key) == 0
    await store.run_due()
    assert len(finished) == 2


# -- nonces, clear -----------------------------------------------------------------------------
async def test_a_nonce_is_used_once_per_key(state: MockState) -> None:
    store = state.store
    assert await store.use_nonce("k", "n1") is True
    assert await store.use_nonce("k", "n1") is False
    assert await store.use_nonce("other", "n1") is True
    await store.clear()
    assert await store.use_nonce("k", "n1") is True


async def test_clear_forgets_everything_and_ids_start_again(state: MockState) -> None:
    store = state.store
    (task,) = await added(state)
    stored = await store.files.put("a.txt", b"abc", "text/plain")
    await store.journal.callback(task.id, "http://hook", 1, 200, None)
    await store.clear()
    assert await store.count() == 0 and await store.tasks() == []
    assert await store.get(task.id) is None and await store.get(None, task.token) is None
    assert await store.files.get(stored.token) is None
    assert await store.journal.last_id() == 0 and await store.journal.count() == 0
    (again,) = await added(state)
    assert again.id == "1"


# -- socket wake-ups ---------------------------------------------------------------------------
async def test_watchers_wake_on_each_change_until_unwatched(state: MockState) -> None:
    store = state.store
    (task,) = await added(state)
    wake = asyncio.Event()
    store.watch(task, wake)
    await store.update(task, lambda t: state.engine.advance(t))
    assert wake.is_set()
    wake.clear()
    store.unwatch(task, wake)
    await store.update(task, lambda t: state.engine.advance(t))
    assert not wake.is_set()


# -- files -------------------------------------------------------------------------------------
async def test_files_put_get_delete(state: MockState) -> None:
    files = state.store.files
    folder = await files.folder("inputs", "root")
    stored = await files.put("a.png", b"\x89PNG", "image/png", folder.id)
    got = await files.get(stored.token)
    assert got is not None
    assert (got.name, got.data, got.content_type, got.folder_id, got.size) == (
        "a.png", b"\x89PNG", "image/png", folder.id, 4,
    )  # fmt: skip
    assert await files.get(stored.token, "a.png") is not None
    assert await files.get(stored.token, "b.png") is None
    assert await files.folder_by_id(folder.id) == folder
    assert await files.folder_by_id("0" * 32) is None
    assert await files.delete(stored.token) is True
    assert await files.delete(stored.token) is False
    assert await files.get(stored.token) is None


async def test_files_clear_forgets_files_and_folders(state: MockState) -> None:
    files = state.store.files
    folder = await files.folder("inputs", "")
    kept = [await files.put(f"{n}.txt", b"x", "text/plain", folder.id) for n in range(3)]
    await files.clear()
    assert [await files.get(f.token) for f in kept] == [None, None, None]
    assert await files.folder_by_id(folder.id) is None
    again = await files.put("new.txt", b"y", "text/plain")
    assert (await files.get(again.token)) is not None


# -- the journal -------------------------------------------------------------------------------
async def test_journal_counts_ids_across_a_clear(state: MockState) -> None:
    journal = state.store.journal
    for n in range(3):
        await journal.request("POST", "/v1/Task/Detail", b"", {}, {"n": n}, None, 200, 0.0)
    await journal.callback("1", "http://hook", 1, None, "refused")
    assert await journal.last_id() == 4 and await journal.count() == 4
    entries = await journal.query()
    assert [e["id"] for e in entries] == [1, 2, 3, 4]
    assert [e["kind"] for e in entries] == ["request"] * 3 + ["callback"]
    assert entries[0]["body"] == {"n": 0} and entries[3]["error"] == "refused"
    assert [e["id"] for e in await journal.since(2, 10)] == [3, 4]
    await journal.clear()
    assert await journal.count() == 0 and await journal.last_id() == 4
    await journal.request("GET", "/x", b"", {}, None, None, 404, 0.0)
    assert [e["id"] for e in await journal.query()] == [5]


def test_both_kinds_are_stores(state: MockState) -> None:
    assert isinstance(state.store, Store)
