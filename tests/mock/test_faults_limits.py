"""Fault rules (config, admin API, scenario header), seeded rates, and production limits."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mockserver import create_app
from mockserver.config import FaultRule, load_config
from mockserver.control.faults import FaultSet
from tests.mock.conftest import HEADERS, ROOT, SPECS, finish, refused, run_task

BODY = {"prompt": "a cat"}
ADMIN = "http://localhost/__mock__"


def _client(**config: object) -> httpx.AsyncClient:
    app = create_app(SPECS, clock={"mode": "step"}, **config)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mock/v1", headers=HEADERS
    )


async def test_http_429_with_retry_after_from_scenario() -> None:
    async with _client() as c:
        r = await c.post("/Run/reve/generate", json=BODY, headers={"x-mock-scenario": "429"})
        assert r.status_code == 429 and r.headers["retry-after"] == "1"
        assert r.json()["result"] is False
        entry = (await c.get(f"{ADMIN}/journal", params={"status": 429})).json()["entries"][0]
        assert entry["fault"] == "builtin:429"


async def test_config_rules_route_model_and_budget() -> None:
    faults = [
        {"name": "detail-503", "kind": "http", "status": 503, "route": "*/task/detail", "times": 2},
        {"name": "slow-edit", "kind": "latency", "latency_ms": 1, "model": "reve/edit"},
    ]  # fmt: skip
    async with _client(faults=faults) as c:
        taskid = await run_task(c, "reve/generate", BODY)
        codes = [(await c.post("/Task/Detail", json={"taskid": taskid})).status_code
                 for _ in range(3)]  # fmt: skip
        assert codes == [503, 503, 200]
        await c.post("/Run/reve/edit", json={"prompt": "x", "inputImage": "https://x/a.png"})
        entries = (await c.get(f"{ADMIN}/journal", params={"model": "reve/edit"})).json()
        assert entries["entries"][0]["fault"] == "slow-edit"


async def test_seeded_rate_is_deterministic() -> None:
    async def pattern(seed: int) -> list[int]:
        rule = {"kind": "http", "status": 500, "rate": 0.5, "route": "/v1/run/*"}
        async with _client(seed=seed, faults=[rule]) as c:
            return [(await c.post("/Run/reve/generate", json=BODY)).status_code for _ in range(20)]

    first = await pattern(7)
    assert first == await pattern(7)
    assert 500 in first and 200 in first


async def test_task_failure_rule_via_admin_api() -> None:
    async with _client() as c:
        rule = {"name": "boom", "kind": "fail", "model": "reve/*", "pexit": "137",
                "message": "Killed: out of memory"}  # fmt: skip
        assert (await c.post(f"{ADMIN}/faults", json=rule)).json()["added"] == ["boom"]
        task = await finish(c, await run_task(c, "reve/generate", BODY))
        assert task["pexit"] == "137" and task["debugerror"] == "Killed: out of memory"
        assert (await c.delete(f"{ADMIN}/faults/boom")).status_code == 200
        assert (await c.delete(f"{ADMIN}/faults/boom")).status_code == 404
        task = await finish(c, await run_task(c, "reve/generate", BODY))
        assert task["pexit"] == "0"
        bad = await c.post(f"{ADMIN}/faults", json={"kind": "explode"})
        assert bad.status_code == 400 and bad.json()["result"] is False


async def test_concurrency_limit_code_96() -> None:
    async with _client(projects=[{"api_key": "k", "concurrent_tasks": 2}]) as c:
        h = {"x-api-key": "k"}
        first = (await c.post("/Run/reve/generate", json=BODY, headers=h)).json()["taskid"]
        await c.post("/Run/reve/generate", json=BODY, headers=h)
        r = await c.post("/Run/reve/generate", json=BODY, headers=h)
        (message,) = refused(r, 96)
        assert message.startswith("You have reached your concurrent task limit.")
        assert "you can run up to 2 tasks at the same time" in message
        await c.post("/Task/Cancel", json={"taskid": first}, headers=h)
        assert (await c.post("/Run/reve/generate", json=BODY, headers=h)).status_code == 200


async def test_balance_code_97_and_charging() -> None:
    async with _client(projects=[{"api_key": "k", "balance": 0.0}]) as c:
        r = await c.post("/Run/reve/generate", json=BODY, headers={"x-api-key": "k"})
        assert r.json()["errors"][0]["code"] == 97
        await c.post(f"{ADMIN}/limits", json={"api_key": "k", "balance": 5})
        assert (
            await c.post("/Run/reve/generate", json=BODY, headers={"x-api-key": "k"})
        ).is_success
        limits = (await c.get(f"{ADMIN}/limits")).json()
        assert limits["k"]["balance"] == 5 and limits["k"]["live_tasks"] == 1


@pytest.mark.no_store
def test_rules_are_drawn_only_where_their_kind_applies() -> None:
    """A request never uses up a task rule's budget, and Run draws an HTTP rule once."""
    faults = FaultSet(
        [
            FaultRule(name="drop-once", kind="socket_drop", times=1),
            FaultRule(name="503-once", kind="http", status=503, times=1, route="/v1/run/"),
        ],
        seed=0,
    )
    for _ in range(3):
        assert faults.for_request("/v1/Task/Detail", None, None) == []
    assert faults.for_task("/v1/Run/reve/generate", "reve/generate", None).socket_drop_after == 3
    used = {str(r["name"]): r["used"] for r in faults.describe()}
    assert used == {"drop-once": 1, "503-once": 0}
    assert [r.name for r in faults.for_request("/v1/Run/reve/generate", "reve/generate", None)] == [
        "503-once"
    ]


async def test_a_new_rule_starts_with_a_full_budget_whatever_it_replaced() -> None:
    """Budgets belong to the rule: re-adding a spent `times=1` rule (same name, and quite
    possibly the same object address) gives it its one firing back, every time."""
    rule = {"name": "once", "kind": "http", "status": 503, "route": "/v1/run/*", "times": 1}
    async with _client() as c:
        for _ in range(50):
            assert (await c.post(f"{ADMIN}/faults", json=rule)).status_code == 200
            codes = [(await c.post("/Run/reve/generate", json=BODY)).status_code
                     for _ in range(2)]  # fmt: skip
            assert codes == [503, 200]
            (listed,) = (await c.get(f"{ADMIN}/faults")).json()["faults"]
            assert listed["used"] == 1
            assert (await c.delete(f"{ADMIN}/faults/once")).status_code == 200


@pytest.mark.no_store
def test_seeded_draws_restart_with_the_rule() -> None:
    """A rule removed and added again draws the same seeded sequence as the first time."""
    rule = FaultRule(name="half", kind="http", status=500, rate=0.5)
    faults = FaultSet([], seed=3)

    def pattern() -> list[bool]:
        faults.add(rule)
        fired = [bool(faults.for_request("/v1/run/a/b", "a/b", None)) for _ in range(30)]
        faults.remove("half")
        return fired

    first = pattern()
    assert True in first and False in first
    assert pattern() == first


@pytest.mark.no_store
def test_example_config_starts_calm_and_its_commented_rules_are_valid(tmp_path: Path) -> None:
    """Copying mock.toml.example as the README says gives a mock without faults; each rule
    it shows, uncommented, is one the config accepts."""
    example = ROOT / "mock.toml.example"
    assert load_config(example).faults == []
    lines = example.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line == "# [[faults]]")
    uncommented = [line.removeprefix("# ").removeprefix("#") for line in lines[start:]]
    enabled = tmp_path / "mock.toml"
    enabled.write_text("\n".join(lines[:start] + uncommented) + "\n")
    names = [rule.name for rule in load_config(enabled).faults]
    assert names == ["flaky-detail", "slow-runs", "edit-oom"]


async def test_a_misspelt_scenario_is_a_400_naming_the_known_ones() -> None:
    rule = {"name": "oom", "kind": "fail", "scenario": "oom"}
    async with _client(faults=[rule]) as c:
        r = await c.post("/Run/reve/generate", json=BODY, headers={"x-mock-scenario": "fial"})
        assert r.status_code == 400 and r.json()["result"] is False
        (message,) = [e["message"] for e in r.json()["errors"]]
        assert message.startswith("x-mock-scenario: no scenario 'fial'; known: oom, fail, error")
        assert "503" in message and "slow" in message
        assert (await c.get(f"{ADMIN}/tasks")).json()["tasks"] == []  # no task was created
        ok = await c.post("/Run/reve/generate", json=BODY, headers={"x-mock-scenario": "oom"})
        assert ok.status_code == 200 and ok.json()["result"] is True
