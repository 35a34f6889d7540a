"""The store interface itself: which store an app uses, what only Redis must do, and the two
serialisations a shared store relies on (the task record codec, the control state blob).
The contract both stores honour is `test_store_contract`."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mockserver import create_app
from mockserver.config import FaultRule, Project, load_config
from mockserver.control.faults import FaultSet
from mockserver.control.limits import Limits
from mockserver.control.state import ControlState
from mockserver.errors import StoreFormatError, StoreUnavailableError
from mockserver.state import MockState
from mockserver.store.memory import MemoryStore
from mockserver.store.redis.codec import Codec
from mockserver.store.redis.store import RedisStore
from mockserver.tasks.lifecycle import Clock
from mockserver.tasks.task import Task, task_identity
from tests.mock.conftest import ROOT, SPECS, detail, finish, run_task
from tests.redis_server import RedisServer


async def test_apps_use_the_parametrized_store(app: Starlette, store: str) -> None:
    kind = RedisStore if store == "redis" else MemoryStore
    assert type(app.state.mock.store) is kind
    assert kind.timer is (time.time if store == "redis" else time.monotonic)


async def test_run_answers_the_token_every_process_derives(client: httpx.AsyncClient) -> None:
    """In Redis a Lua script names the token; it must be the one `task_identity` gives."""
    state = client._transport.app.state.mock  # type: ignore[attr-defined]
    for _ in range(3):
        created = (await client.post("/Run/reve/generate", json={"prompt": "x"})).json()
        token, _ = task_identity(state.config.seed, created["taskid"])
        assert created["socketaccesstoken"] == token


async def test_two_apps_on_one_store_are_one_mock(store: str, client: httpx.AsyncClient) -> None:
    """Two apps built from one configuration share tasks exactly when the store is shared."""
    first: Starlette = client._transport.app  # type: ignore[attr-defined]
    config = first.state.mock.config
    second = create_app(SPECS, config)
    taskid = await run_task(client, "reve/generate", {"prompt": "one mock"})
    transport = httpx.ASGITransport(app=second)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://mock/v1", headers=client.headers
    ) as other:
        response = await other.post("/Task/Detail", json={"taskid": taskid})
    if store == "redis":
        assert response.status_code == 200
        assert response.json()["tasklist"][0]["parameters"]["prompt"] == "one mock"
    else:
        assert response.json()["errors"] == [{"code": 1, "message": "There is no task yet."}]
    assert (await detail(client, taskid))["id"] == taskid


@pytest.mark.no_store
def test_example_config_loads_with_its_store_section() -> None:
    config = load_config(ROOT / "mock.toml.example")
    assert config.store.url is None  # in memory unless a URL is given
    assert (config.store.ttl, config.store.prefix) == (3600.0, "wiro-mock")


async def test_journal_keeps_the_newest_entries_with_counting_ids() -> None:
    app = create_app(SPECS, auth=False, limits={"journal_size": 5})
    journal = app.state.mock.journal
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock/v1") as client:
        for n in range(12):
            await client.post("/Task/Detail", json={"taskid": f"missing-{n}"})
        entries = await journal.query()
        assert [e["id"] for e in entries] == [8, 9, 10, 11, 12]  # the newest five
        assert [e["body"]["taskid"] for e in entries] == [f"missing-{n}" for n in range(7, 12)]
        assert await journal.last_id() == 12 and await journal.count() == 5
        assert [e["id"] for e in await journal.since(10, 50)] == [11, 12]
        await journal.clear()
        assert await journal.count() == 0
        await client.post("/Task/Detail", json={"taskid": "after"})
        assert [e["id"] for e in await journal.query()] == [13]  # ids go on counting


# -- the Redis task record: versioned, keyed ---------------------------------------------------
def _state(client: httpx.AsyncClient) -> MockState:
    state: MockState = client._transport.app.state.mock  # type: ignore[attr-defined]
    return state


def _fields(task: Task) -> dict[str, Any]:
    """Everything a task is, with its outputs planned (a record stores how, not what)."""
    fields = {f.name: getattr(task, f.name) for f in dataclasses.fields(Task)}
    fields["planned"] = task.outputs
    return fields


async def _varied_tasks(client: httpx.AsyncClient) -> list[str]:
    """Tasks in the states a record must carry: queued, running, cancelled, killed, failed,
    finished, and finished with its files deleted."""
    body = {"prompt": "x"}
    queued, running, cancelled, killed, done, deleted = [
        await run_task(client, "reve/generate", body) for _ in range(6)
    ]
    await client.post("/Task/Cancel", json={"taskid": cancelled})
    for taskid in (running, killed):
        for _ in range(6):
            await detail(client, taskid)
    await client.post("/Task/Kill", json={"taskid": killed})
    await finish(client, done)
    await finish(client, deleted)
    await client.post("/Task/InputOutputDelete", json={"taskid": deleted})
    failing = await run_task(client, "reve/generate", body, headers={"x-mock-scenario": "fail"})
    await finish(client, failing)
    return [queued, running, cancelled, killed, done, deleted, failing]


@pytest.mark.memory_only  # the codec needs no Redis: tasks to bytes and back
async def test_the_record_codec_round_trips_every_field(client: httpx.AsyncClient) -> None:
    state = _state(client)
    codec = Codec(state.config, state.registry, state.config.effective_projects())
    for taskid in await _varied_tasks(client):
        task = await state.store.get(taskid)
        assert task is not None
        record = codec.encode(task)
        data = json.loads(record)
        assert data["v"] == 1 and data["model"] == "reve/generate"  # versioned, keyed
        decoded = codec.decode(taskid, record)
        assert decoded is not None and _fields(decoded) == _fields(task), taskid
        assert codec.encode(decoded) == record


@pytest.mark.memory_only
async def test_memory_records_round_trip_and_escape_the_collector(
    client: httpx.AsyncClient,
) -> None:
    """A memory record gives back every field of the task it stores, and holds nothing the
    garbage collector must scan once a collection has seen it: a store of 100,000 tasks
    costs a full collection nothing (as objects, it once cost the Run path's p99)."""
    state = _state(client)
    store = state.store
    assert isinstance(store, MemoryStore)
    for taskid in await _varied_tasks(client):
        task = await store.get(taskid)
        assert task is not None
        decoded = store.records.decode(store.records.encode(task))
        assert _fields(decoded) == _fields(task), taskid
        assert decoded.model is task.model and decoded.plan == task.plan
    gc.collect()
    records = list(store.index)
    assert records and not any(gc.is_tracked(record) for record in records)


@pytest.mark.memory_only  # the codec needs no Redis
@pytest.mark.parametrize(
    ("record", "found"),
    [
        (b'{"v": 2, "model": "reve/generate"}', "format 2"),
        (b'{"model": "reve/generate"}', "format unversioned"),
        (b'["reve/generate", "", {}, "", "", 0.0]', "format unversioned"),  # positional
    ],
)
async def test_the_record_codec_refuses_other_formats(
    client: httpx.AsyncClient, record: bytes, found: str
) -> None:
    state = _state(client)
    codec = Codec(state.config, state.registry, state.config.effective_projects())
    with pytest.raises(StoreFormatError, match=found) as refused:
        codec.decode("7", record)
    assert isinstance(refused.value, StoreUnavailableError) and refused.value.status == 503
    assert "Task 7" in str(refused.value)


@pytest.mark.parametrize("store", ["redis"], indirect=True)
async def test_redis_answers_a_record_it_cannot_read_with_a_503(client: httpx.AsyncClient) -> None:
    store = _state(client).store
    assert isinstance(store, RedisStore)
    taskid = await run_task(client, "reve/generate", {"prompt": "x"})
    stored = json.loads(await store.batch.call("GET", store.keys.task(taskid)))
    assert stored["v"] == 1 and stored["params"]["prompt"] == "x"
    await store.batch.call("SET", store.keys.task(taskid), json.dumps({**stored, "v": 9}))
    response = await client.post("/Task/Detail", json={"taskid": taskid})
    assert response.status_code == 503
    assert "record format 9" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("store", ["redis"], indirect=True)
async def test_redis_files_clear_removes_the_shared_folders_copies(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    prefix = f"files-{uuid.uuid4().hex[:12]}"
    app = create_app(SPECS, store={"url": redis_server.url(), "prefix": prefix,
                                   "files_dir": str(tmp_path)})  # fmt: skip
    store = app.state.mock.store
    stored = [await store.files.put(f"{n}.bin", b"abc", "application/octet-stream")
              for n in range(3)]  # fmt: skip
    folder = await store.files.folder("inputs", "")
    assert all((tmp_path / f.token).read_bytes() == b"abc" for f in stored)
    await store.files.clear()
    assert [await store.files.get(f.token) for f in stored] == [None] * 3
    assert await store.files.folder_by_id(folder.id) is None
    assert not any((tmp_path / f.token).exists() for f in stored)
    await store.aclose()


@pytest.mark.parametrize("store", ["redis"], indirect=True)
async def test_a_local_change_made_while_a_refresh_reads_is_kept(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh that read the stored control state before a change made here must not
    apply it after: the change (a fault rule just added) would be undone in this process
    while every other process has it."""
    state = _state(client)
    store = state.store
    assert isinstance(store, RedisStore)
    await store.refresh()
    reading, resume = asyncio.Event(), asyncio.Event()
    real_call = store.batch.call

    def call(*args: Any) -> asyncio.Future[Any]:
        future = real_call(*args)
        if store.keys.ctl not in args[1:] or reading.is_set():
            return future
        reading.set()  # the first read of the stored blob: held until the change was made

        async def held() -> Any:
            await resume.wait()
            return await future

        return asyncio.ensure_future(held())

    monkeypatch.setattr(store.batch, "call", call)
    state.control.version = None  # stale, as after another process's change
    refresh = asyncio.create_task(store.refresh())
    await reading.wait()

    async def add_rule() -> None:
        async with store.changing_control():
            state.faults.add(FaultRule(name="late", kind="http", status=503))

    change = asyncio.create_task(add_rule())
    await asyncio.sleep(0.05)  # the change runs as far as it can while the read is held
    resume.set()
    await asyncio.gather(refresh, change)
    assert [r.name for r in state.faults.rules] == ["late"]
    state.control.version = None
    await store.refresh()  # the stored state has it too
    assert [r.name for r in state.faults.rules] == ["late"]


# -- the control state blob --------------------------------------------------------------------
def _control(mode: str = "realtime", rules: list[FaultRule] | None = None,
             projects: list[Project] | None = None) -> ControlState:  # fmt: skip
    clock = Clock("manual" if mode == "manual" else "realtime", 2.0)
    return ControlState(clock, FaultSet(rules or [], 0), Limits(projects or []))


@pytest.mark.no_store
def test_the_control_state_travels_as_one_blob() -> None:
    rule = FaultRule(name="slow", kind="http", status=503)
    source = _control("manual", [rule], [Project(api_key="k", concurrent_tasks=2, balance=3.0)])
    source.clock.advance(5.0)
    assert source.charge("k", 1.0) and not source.charge("nobody", 1.0)
    target = _control()
    target.restore(source.snapshot(), 7)
    assert target.version == 7
    assert (target.clock.mode, target.clock.speed, target.clock.now()) == ("manual", 2.0, 5.0)
    assert [r.name for r in target.faults.rules] == ["slow"]
    assert target.limits.concurrency == {"k": 2} and target.limits.balances == {"k": 2.0}
    assert json.loads(source.snapshot())["v"] == 1


@pytest.mark.no_store
def test_the_control_state_refuses_another_format() -> None:
    target = _control()
    target.restore(_control().snapshot(), 3)
    with pytest.raises(StoreFormatError, match="format 2"):
        target.restore(json.dumps({"v": 2}).encode(), 4)
    assert target.version == 3  # nothing applied


@pytest.mark.parametrize("store", ["redis"], indirect=True)
async def test_redis_store_sends_queued_commands_before_closing(redis_server: RedisServer) -> None:
    """A command nobody awaits (the journal's pushes) issued just before shutdown reaches
    Redis: closing flushes the queue and waits for the batches in flight."""
    prefix = f"close-{uuid.uuid4().hex[:12]}"
    first = create_app(SPECS, store={"url": redis_server.url(), "prefix": prefix})
    store = first.state.mock.store
    assert isinstance(store, RedisStore)
    pending = store.batch.call("SET", f"{prefix}:late", "kept")
    await store.aclose()
    assert pending.done()
    second = create_app(SPECS, store={"url": redis_server.url(), "prefix": prefix})
    assert await second.state.mock.store.batch.call("GET", f"{prefix}:late") == b"kept"
    await second.state.mock.store.aclose()
