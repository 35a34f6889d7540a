"""Auth modes and the Task endpoints (Detail, Cancel, Kill, List, InputOutputDelete)."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from mockserver import create_app
from mockserver.auth import MSG_INVALID, MSG_SIGNATURE_REQUIRED, MSG_UNKNOWN, RECIPE, sign
from tests.mock.conftest import SPECS, detail, errors, finish, refused, run_task
from tests.system import require

BODY = {"prompt": "a cat"}


def _client(**config: object) -> httpx.AsyncClient:
    app = create_app(SPECS, clock={"mode": "step"}, **config)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock/v1")


SIGNATURE_MODE = "wiro-mock: project 'wiro…' is in signature mode: "


@pytest.mark.parametrize(
    ("headers", "message", "hint"),
    [
        ({}, MSG_UNKNOWN, "wiro-mock: no x-api-key header was sent; it accepts 'wiro…'"),
        ({"x-api-key": "nope"}, MSG_UNKNOWN,
         "wiro-mock: the x-api-key 'nope' is no project of this mock; it accepts 'wiro…'"),
        ({"x-api-key": "wiro-mock-key"}, MSG_SIGNATURE_REQUIRED,
         f"{SIGNATURE_MODE}send x-nonce and x-signature = {RECIPE}"),
        ({"x-api-key": "wiro-mock-key", "x-nonce": "1", "x-signature": "00"}, MSG_INVALID,
         f"{SIGNATURE_MODE}the x-signature is not {RECIPE} for the x-nonce sent"),
    ],
)  # fmt: skip
async def test_auth_errors_are_wiros_then_say_which_key_and_mode(
    headers: dict[str, str], message: str, hint: str
) -> None:
    """errors[0] is Wiro's message as Wiro sends it; the second says what the mock saw."""
    async with _client() as c:
        r = await c.post("/Run/reve/generate", json=BODY, headers=headers)
        assert r.status_code == 401
        assert r.json()["errors"] == [{"code": 0, "message": message},
                                      {"code": 0, "message": hint}]  # fmt: skip
        assert "wiro-mock-secret" not in r.text and "wiro-mock-key" not in r.text


@pytest.mark.parametrize("nonce", ["1734513807", "1734513807123", "42"])
async def test_signature_seconds_millis_random(nonce: str) -> None:
    headers = {
        "x-api-key": "wiro-mock-key",
        "x-nonce": nonce,
        "x-signature": sign("wiro-mock-key", "wiro-mock-secret", nonce),
    }
    async with _client() as c:
        assert (await c.post("/Run/reve/generate", json=BODY, headers=headers)).status_code == 200


async def test_signature_as_openssl_prints_it() -> None:
    out = subprocess.run(
        [require("openssl"), "dgst", "-sha256", "-hmac", "k"],
        input=b"s99",
        capture_output=True,
        check=True,
    )
    signature = out.stdout.decode().strip()  # "SHA2-256(stdin)= <hex>"
    assert signature.endswith(sign("k", "s", "99"))
    async with _client(projects=[{"api_key": "k", "api_secret": "s"}]) as c:
        headers = {"x-api-key": "k", "x-nonce": "99", "x-signature": signature}
        assert (await c.post("/Run/reve/generate", json=BODY, headers=headers)).status_code == 200


async def test_api_key_only_project_and_no_auth() -> None:
    async with _client(projects=[{"api_key": "solo"}]) as c:
        assert (
            await c.post("/Run/reve/generate", json=BODY, headers={"x-api-key": "solo"})
        ).is_success
    async with _client(auth=False) as c:
        assert (await c.post("/Run/reve/generate", json=BODY)).status_code == 200


async def test_projects_cannot_see_each_others_tasks() -> None:
    projects = [{"api_key": "a"}, {"api_key": "b"}]
    async with _client(projects=projects) as c:
        r = await c.post("/Run/reve/generate", json=BODY, headers={"x-api-key": "a"})
        taskid = r.json()["taskid"]
        other = await c.post("/Task/Detail", json={"taskid": taskid}, headers={"x-api-key": "b"})
        assert refused(other, 1) == ["There is no task yet."]


@pytest.mark.parametrize("key", ["taskid", "tasktoken", "socketaccesstoken"])
async def test_detail_by_any_identifier(client: httpx.AsyncClient, key: str) -> None:
    r = await client.post("/Run/reve/generate", json=BODY)
    ident = r.json()["taskid" if key == "taskid" else "socketaccesstoken"]
    response = await client.post("/Task/Detail", json={key: ident})
    body = response.json()
    assert body["total"] == "1" and body["result"] is True
    assert body["tasklist"][0]["id"] == r.json()["taskid"]


async def test_detail_envelope_all_strings(client: httpx.AsyncClient) -> None:
    task = await finish(client, await run_task(client, "reve/generate", BODY))
    numeric = ["id", "starttime", "endtime", "elapsedseconds", "totalcost", "cps", "createtime",
               "pexit", "size", "modelid", "projectid"]  # fmt: skip
    assert all(isinstance(task[k], str) for k in numeric)
    assert all(isinstance(o["size"], str) for o in task["outputs"])


async def test_detail_errors(client: httpx.AsyncClient) -> None:
    r = await client.post("/Task/Detail", json={})
    assert refused(r, 0) == ["taskid or socketaccesstoken is required"]
    r = await client.post("/Task/Detail", json={"taskid": "999999"})
    assert refused(r, 1) == ["There is no task yet."]


async def test_cancel_queued_only(client: httpx.AsyncClient) -> None:
    r = await client.post("/Run/reve/generate", json=BODY)
    token = r.json()["socketaccesstoken"]
    cancelled = await client.post("/Task/Cancel", json={"tasktoken": token})
    assert cancelled.status_code == 200
    assert cancelled.json()["tasklist"][0]["status"] == "task_cancel"
    assert cancelled.json()["total"] == "1"  # Go decodes `total` as a string (5.4)
    again = await client.post("/Task/Cancel", json={"taskid": r.json()["taskid"]})
    assert again.json()["errors"] == [{"code": 1, "message": "Task is not in a cancellable state."}]
    running = await run_task(client, "reve/generate", BODY)
    await detail(client, running)  # step mode: a read reports task_queue, then steps on
    assert (await detail(client, running))["status"] == "task_accept"
    r = await client.post("/Task/Cancel", json={"taskid": running})
    assert errors(r) == ["Task is not in a cancellable state."]


async def test_kill_running_only(client: httpx.AsyncClient) -> None:
    taskid = await run_task(client, "reve/generate", BODY)
    r = await client.post("/Task/Kill", json={"taskid": taskid})
    assert "not running" in refused(r, 1)[0]
    for _ in range(6):
        await detail(client, taskid)
    r = await client.post(
        "/Task/Kill",
        json={"socketaccesstoken": (await detail(client, taskid))["socketaccesstoken"]},
    )
    task = r.json()["tasklist"][0]
    assert task["status"] == "task_cancel" and task["outputs"] == []
    r = await client.post("/Task/Kill", json={"taskid": taskid})
    assert "already finished" in errors(r)[0]


async def test_list_and_input_output_delete(client: httpx.AsyncClient) -> None:
    ids = [await run_task(client, "reve/generate", BODY) for _ in range(3)]
    listing = (await client.post("/Task/List", json={"limit": 2})).json()
    assert listing["total"] == "3" and [t["id"] for t in listing["tasklist"]] == ids[::-1][:2]
    r = await client.post("/Task/InputOutputDelete", json={"tasktoken": "x" * 30})
    assert refused(r, 1) == ["task-not-exist"]  # its own wording in Wiro's task reference
    r = await client.post("/Task/InputOutputDelete", json={"taskid": ids[0]})
    assert refused(r, 1) == ["Task must be completed or cancelled before deleting files"]
    task = await finish(client, ids[0])
    url = task["outputs"][0]["url"].removeprefix("http://mock/v1")
    assert (await client.get(url)).status_code == 200
    r = await client.post("/Task/InputOutputDelete", json={"taskid": ids[0]})
    assert r.json() == {"errors": [], "result": True}
    assert (await client.get(url)).status_code == 404
    assert (await detail(client, ids[0]))["outputs"] == []
