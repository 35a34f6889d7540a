"""The task record as Wiro documents it, and Task/List's filters.

Every Task/Detail, Task/List, Cancel and Kill item must carry every field of Wiro's task
object with the JSON type Wiro sends, because clients decode it strictly: the Go CLI fails the
whole response if one of its string fields is anything but a string or null. The field list
below is data taken from its sources, not from the mock; `go_tasks` decodes as the Go CLI does.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from codegen.schema import Input, InputKind
from mockserver import create_app
from mockserver.models.discovery import model_id
from mockserver.state import MockState
from mockserver.tasks.task import render_task, socket_message
from tests.go_types import GO_TASK_DETAIL, go_decode
from tests.mock.conftest import (
    SPECS,
    detail,
    finish,
    make_client,
    make_model,
    refused,
    run_task,
)

BODY = {"prompt": "a lighthouse at dusk"}
SEEDEDIT = "ByteDance/image-to-image-seededit-v3"
#: An editing model needs its image (normalize's rule for docs that state nothing).
SEEDEDIT_BODY = {**BODY, "inputImageUrl": "https://example.com/ski.png"}
STR: tuple[type, ...] = (str,)
NULLABLE: tuple[type, ...] = (str, type(None))

#: Wiro-Docs markdown/tasks.md, the Task/Detail response's field table.
DOCS_TASK_FIELDS: dict[str, tuple[type, ...]] = {
    "id": STR,
    "socketaccesstoken": STR,
    "parameters": (dict,),
    "status": STR,
    "pexit": STR,
    "debugoutput": STR,
    "starttime": STR,
    "endtime": STR,
    "elapsedseconds": STR,
    "totalcost": STR,
    "modeldescription": STR,
    "modelslugowner": STR,
    "modelslugproject": STR,
    "outputs": (list,),
}
TIME_FIELDS = (
    "createtime", "accepttime", "assigntime", "preprocessstarttime", "preprocessendtime",
    "starttime", "endtime", "postprocessstarttime", "postprocessendtime", "canceltime",
)  # fmt: skip
#: WIRO_CLIENTS.md 5.1: the fields it adds from the platform OpenAPI's TaskObject (EK:spec),
#: MCP's and Go's types and D:tasks' InputOutputDelete note (`outputfolderid`).
CLIENTS_TASK_FIELDS: dict[str, tuple[type, ...]] = {
    "uuid": STR,
    "debugerror": STR,
    **dict.fromkeys(TIME_FIELDS, STR),
    "cps": STR,
    "guestid": NULLABLE,
    "projectid": STR,
    "modelid": STR,
    "basemodelid": STR,
    "runtype": STR,
    "modelfolderid": STR,
    "modelfileid": STR,
    "callbackurl": STR,
    "marketplaceid": NULLABLE,
    "slugapp": STR,
    "estimatedvram": STR,
    "realvram": STR,
    "dynamicprice": STR,
    "size": STR,
    "categories": (list,),
    "isapp": (bool,),
    "outputfolderid": STR,
}
TASK_FIELDS = {**DOCS_TASK_FIELDS, **CLIENTS_TASK_FIELDS}
#: Strings that carry numbers (WK/DT parse them as ints, decimals and epochs).
NUMERIC_FIELDS = (
    "id", "elapsedseconds", "cps", "totalcost", "projectid", "modelid", "basemodelid",
    "estimatedvram", "size", *TIME_FIELDS,
)  # fmt: skip
#: Strings that carry JSON (EK:spec: "JSON string").
JSON_TEXT_FIELDS = ("realvram", "dynamicprice")


def go_tasks(envelope: dict[str, Any]) -> list[dict[str, Any]]:
    """The task list as the Go CLI decodes it (the whole answer fails on one wrong type)."""
    go_decode(envelope, GO_TASK_DETAIL)
    tasks: list[dict[str, Any]] = envelope["tasklist"]
    return tasks


def assert_wiro_task(task: dict[str, Any]) -> None:
    """Every field of Wiro's task object is there, typed as Wiro sends it."""
    missing = set(TASK_FIELDS) - set(task)
    assert not missing, f"missing fields: {sorted(missing)}"
    wrong = {k: task[k] for k, types in TASK_FIELDS.items() if not isinstance(task[k], types)}
    assert not wrong, f"wrongly typed: {wrong}"
    for name in NUMERIC_FIELDS:
        float(task[name])  # raises on a non-number
    for name in TIME_FIELDS:
        assert task[name].isdigit(), (name, task[name])  # unset is "0", never ""
    for name in JSON_TEXT_FIELDS:
        assert isinstance(json.loads(task[name]), list), name
    assert all(isinstance(c, str) for c in task["categories"])


@pytest.mark.no_store
@pytest.mark.parametrize(
    "bad",
    [
        {"total": 1, "tasklist": []},
        {"total": "1", "tasklist": [{"id": 1}]},
        {"total": "1", "tasklist": [{"id": "1", "createtime": 0}]},
        {"total": "1", "tasklist": [{"id": "1", "outputs": [{"url": ["x"]}]}]},
    ],
)
def test_the_go_decoder_is_strict(bad: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        go_tasks(bad)


async def _detail_envelope(client: httpx.AsyncClient, taskid: str) -> dict[str, Any]:
    body: dict[str, Any] = (await client.post("/Task/Detail", json={"taskid": taskid})).json()
    assert body["result"] is True and body["errors"] == [] and body["total"] == "1"
    return body


async def test_finished_task_has_every_field(client: httpx.AsyncClient, app: Any) -> None:
    taskid = await run_task(client, SEEDEDIT, SEEDEDIT_BODY)
    await finish(client, taskid)
    (task,) = go_tasks(await _detail_envelope(client, taskid))
    assert_wiro_task(task)
    model = app.state.mock.registry.models["bytedance/image-to-image-seededit-v3"]
    assert (task["modelslugowner"], task["modelslugproject"]) == (
        "bytedance",
        "image-to-image-seededit-v3",
    )  # the clean slug, whatever the display name's case
    assert task["modeldescription"] == model.description
    assert task["modelid"] == str(model_id(model))
    assert task["categories"] == list(model.categories) and task["isapp"] is False
    assert task["status"] == "task_postprocess_end" and task["pexit"] == "0"
    assert float(task["totalcost"]) > 0 and task["canceltime"] == "0"
    assert all(task[t] != "0" for t in TIME_FIELDS if t != "canceltime")
    assert task["outputs"] and all(o["url"] for o in task["outputs"])  # Go downloads each
    assert {o["parentid"] for o in task["outputs"]} == {task["outputfolderid"]}
    assert task["size"] == str(sum(int(o["size"]) for o in task["outputs"]))


async def test_dynamicprice_is_what_tool_detail_advertises(client: httpx.AsyncClient) -> None:
    taskid = await run_task(client, "reve/generate", BODY)
    task = await detail(client, taskid)
    tool = await client.post("/Tool/Detail", json={"slugowner": "reve", "slugproject": "generate"})
    assert task["dynamicprice"] == tool.json()["tool"][0]["dynamicprice"]


async def test_running_task_has_every_field_and_nothing_final(client: httpx.AsyncClient) -> None:
    taskid = await run_task(client, "reve/generate", BODY, headers={"x-mock-scenario": "fail"})
    task = await detail(client, taskid)
    while task["status"] != "task_start":  # step mode: each read moves it one event
        task = await detail(client, taskid)
    assert_wiro_task(task)
    # a failure is planned at Run, but its exit code shows only once the task ends
    assert task["pexit"] == "" and task["endtime"] == "0" and task["postprocessendtime"] == "0"
    assert task["outputs"] == [] and task["totalcost"] == "0" and task["size"] == "0"
    assert task["starttime"] != "0"
    failed = await finish(client, taskid)
    assert failed["pexit"] not in ("", "0") and failed["totalcost"] == "0"  # not billed


def _stopped_envelope(response: httpx.Response) -> dict[str, Any]:
    """Cancel and Kill answer like Detail: `total` "1", the one task, now task_cancel."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"result", "errors", "total", "tasklist"}
    assert body["result"] is True and body["errors"] == [] and body["total"] == "1"
    (task,) = go_tasks(body)
    assert_wiro_task(task)
    assert task["status"] == "task_cancel" and task["canceltime"] != "0"
    assert task["outputs"] == []
    return task


async def test_cancel_answers_the_cancelled_task(client: httpx.AsyncClient) -> None:
    taskid = await run_task(client, "reve/generate", BODY)
    task = _stopped_envelope(await client.post("/Task/Cancel", json={"taskid": taskid}))
    assert task["id"] == taskid and task["totalcost"] == "0"
    assert await detail(client, taskid) == task


async def test_kill_answers_the_killed_task(client: httpx.AsyncClient) -> None:
    started = (await client.post("/Run/reve/generate", json=BODY)).json()
    for _ in range(6):
        await detail(client, started["taskid"])
    response = await client.post(
        "/Task/Kill", json={"socketaccesstoken": started["socketaccesstoken"]}
    )
    assert _stopped_envelope(response)["id"] == started["taskid"]


async def test_input_output_delete_zeroes_outputfolderid(client: httpx.AsyncClient) -> None:
    taskid = await run_task(client, "reve/generate", BODY)
    assert (await finish(client, taskid))["outputfolderid"] != "0"
    await client.post("/Task/InputOutputDelete", json={"taskid": taskid})
    task = await detail(client, taskid)
    assert task["outputfolderid"] == "0" and task["outputs"] == [] and task["size"] == "0"


async def test_cached_item_follows_a_changed_model(client: httpx.AsyncClient, app: Any) -> None:
    """A reloaded spec changes the model a task renders; the Detail cache must notice."""
    state: MockState = app.state.mock
    taskid = await run_task(client, "reve/generate", BODY)
    task = await state.find_task(taskid, None)
    assert task is not None
    before = json.loads(state.details.item(task, state.clock.epoch, render_task))
    task.model = task.model.model_copy(update={"description": "reloaded"})
    after = json.loads(state.details.item(task, state.clock.epoch, render_task))
    assert before["modeldescription"] != "reloaded" == after["modeldescription"]


# -- Task/List ------------------------------------------------------------------------------

MCP_LIST = {"type": "model", "sort": "id", "order": "DESC", "start": "0", "limit": "20"}


async def task_list(client: httpx.AsyncClient, **body: Any) -> tuple[str, list[str]]:
    """(total, ids) of a Task/List answer, after checking every item like Detail's."""
    response = await client.post("/Task/List", json=body)
    assert response.status_code == 200, response.text
    envelope = response.json()
    assert envelope["result"] is True and envelope["errors"] == []
    tasks = go_tasks(envelope)
    for task in tasks:
        assert_wiro_task(task)
    return envelope["total"], [t["id"] for t in tasks]


async def test_list_answers_mcps_exact_body(client: httpx.AsyncClient) -> None:
    bodies = {"reve/generate": BODY, SEEDEDIT: SEEDEDIT_BODY}
    ids = [await run_task(client, slug, bodies[slug]) for slug in ("reve/generate", SEEDEDIT) * 2]
    assert await task_list(client, **MCP_LIST) == ("4", ids[::-1])
    seededit = await task_list(client, **MCP_LIST, modelName=SEEDEDIT)
    assert seededit == ("2", [ids[3], ids[1]])


@pytest.mark.parametrize(
    "name",
    [
        SEEDEDIT,
        SEEDEDIT.lower(),
        SEEDEDIT.upper(),
        " bytedance / image-to-image-seededit-v3 ",
        "seededit",  # MCP: "model slug or partial model name"
    ],
)
async def test_list_model_name_in_any_form(client: httpx.AsyncClient, name: str) -> None:
    await run_task(client, "reve/generate", BODY)
    wanted = await run_task(client, SEEDEDIT, SEEDEDIT_BODY)
    assert await task_list(client, modelName=name) == ("1", [wanted])


async def test_list_model_name_unknown_or_partial(client: httpx.AsyncClient) -> None:
    generate = await run_task(client, "reve/Generate", BODY)
    edit = await run_task(client, "reve/edit", {**BODY, "inputImage": "https://example.com/a.png"})
    await run_task(client, SEEDEDIT, SEEDEDIT_BODY)
    assert await task_list(client, modelName="reve/Generate") == ("1", [generate])
    assert await task_list(client, modelName="REVE") == ("2", [edit, generate])
    assert await task_list(client, modelName="nobody/nothing") == ("0", [])
    assert (await task_list(client, modelName=""))[0] == "3"  # empty: no filter


async def test_list_full_slug_is_exact_other_text_partial() -> None:
    """`lists/chat` names one model, even though `lists/chatpro` contains it; `chat` is
    partial. (Slugs of their own: `output_kind` is memoized per slug and source hash, and
    conftest's `test/chat` is an LLM.)"""
    prompt = [Input(name="prompt", label="Prompt", kind=InputKind.TEXT, required=True)]
    models = [make_model("lists/Chat", prompt), make_model("lists/ChatPro", prompt)]
    app = create_app(models=models, clock={"mode": "step"})
    async with await make_client(app) as client:
        chat = await run_task(client, "lists/chat", BODY)
        pro = await run_task(client, "lists/chatpro", BODY)
        assert await task_list(client, modelName="Lists/Chat") == ("1", [chat])
        assert await task_list(client, modelName="chat") == ("2", [pro, chat])


async def _three_statuses(client: httpx.AsyncClient) -> tuple[str, str, str]:
    """A queued, a cancelled and a finished task (step clock: List reads move nothing)."""
    queued = await run_task(client, "reve/generate", BODY)
    cancelled = await run_task(client, "reve/generate", BODY)
    await client.post("/Task/Cancel", json={"taskid": cancelled})
    done = await run_task(client, "reve/generate", BODY)
    await finish(client, done)
    return queued, cancelled, done


async def test_list_status_filter(client: httpx.AsyncClient) -> None:
    queued, cancelled, done = await _three_statuses(client)
    assert await task_list(client, status="task_queue") == ("1", [queued])
    assert await task_list(client, status=["task_cancel", "task_postprocess_end"]) == (
        "2",
        [done, cancelled],
    )
    assert await task_list(client, status="cancel,queue") == ("2", [cancelled, queued])
    assert await task_list(client, status="task_start") == ("0", [])
    assert await task_list(client, status="task_cancel", modelName="reve/edit") == ("0", [])


async def test_list_order_and_paging(client: httpx.AsyncClient) -> None:
    ids = [await run_task(client, "reve/generate", BODY) for _ in range(5)]
    assert await task_list(client, order="ASC") == ("5", ids)
    assert await task_list(client, order="desc") == ("5", ids[::-1])
    assert await task_list(client, start="1", limit="2") == ("5", [ids[3], ids[2]])
    assert await task_list(client, start=4, limit=2) == ("5", [ids[0]])
    assert await task_list(client, start=2.0, limit="2", order="ASC") == ("5", ids[2:4])
    assert await task_list(client, start="9") == ("5", [])


async def test_list_paging_counts_only_matches(client: httpx.AsyncClient) -> None:
    queued, _, done = await _three_statuses(client)
    body = {"status": ["task_queue", "task_postprocess_end"], "limit": 1}
    assert await task_list(client, **body) == ("2", [done])
    assert await task_list(client, **body, start=1) == ("2", [queued])


@pytest.mark.parametrize(
    ("body", "name"),
    [({"limit": "abc"}, "limit"), ({"start": "x"}, "start"), ({"limit": "nan"}, "limit")],
)
async def test_list_invalid_paging(client: httpx.AsyncClient, body: Any, name: str) -> None:
    response = await client.post("/Task/List", json=body)
    assert refused(response) == [f"Request parameter [{name}] must be integer or float"]


async def test_list_multipart_repeated_status() -> None:
    """Go and EK send multipart: a repeated `status` field is a list of statuses."""
    app = create_app(models=[make_model("lists/Bare", [])], clock={"mode": "step"})
    async with await make_client(app) as client:
        taskid = await run_task(client, "lists/bare", {})
        await client.post("/Task/Cancel", json={"taskid": taskid})
        files = [("status", (None, "task_queue")), ("status", (None, "task_cancel"))]
        response = await client.post("/Task/List", files=files)
        assert response.json()["total"] == "1"


async def test_times_at_virtual_zero_are_times_not_unset() -> None:
    """A manual clock starts at virtual 0.0: a task finished there has an `endtime` (a time
    of 0.0 is not "unset", which Wiro shows as "0")."""
    app = create_app(SPECS, auth=False, clock={"mode": "manual"})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
        taskid = (await c.post("/v1/Run/reve/generate", json={"prompt": "x"})).json()["taskid"]
        await c.post(f"/__mock__/tasks/{taskid}/advance", json={"to": "end"})
        task = (await c.post("/v1/Task/Detail", json={"taskid": taskid})).json()["tasklist"][0]
    assert task["endtime"] == task["starttime"] == task["createtime"] != "0"


async def test_the_exported_document_describes_every_field(client: httpx.AsyncClient) -> None:
    """`/v1/openapi.json` documents the task object the mock renders, field for field, so
    generators reading it (and Schemathesis checking answers against it) see all of it."""
    task = await finish(client, await run_task(client, SEEDEDIT, SEEDEDIT_BODY))
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["Task"]
    assert set(schema["properties"]) == set(task)
    assert set(TASK_FIELDS) <= set(schema["properties"])


async def test_socket_frames_are_serialized_once_per_event(client: httpx.AsyncClient) -> None:
    """Every subscriber of an event gets the one text `json.dumps` gives for it; a reset
    forgets them (task ids start again)."""
    state: MockState = client._transport.app.state.mock  # type: ignore[attr-defined]
    taskid = await run_task(client, SEEDEDIT, SEEDEDIT_BODY)
    await finish(client, taskid)
    task = await state.store.get(taskid)
    assert task is not None
    epoch = state.clock.epoch
    for index, step in enumerate(task.plan):
        text = state.frames.frame(task, index, epoch)
        assert text == json.dumps(socket_message(task, step, epoch))
        assert state.frames.frame(task, index, epoch) is text
    first = state.frames.frame(task, 0, epoch)
    await state.reset()
    again = state.frames.frame(task, 0, epoch)
    assert again == first and again is not first
