"""Lifecycle: statuses in order, clock modes, outcomes, outputs by category, eviction."""

from __future__ import annotations

import asyncio
import io
import json

import httpx
import pytest
from PIL import Image

from codegen.schema import LIFECYCLE
from mockserver import create_app
from mockserver.tasks.lifecycle import Clock
from tests.mock.conftest import (
    HEADERS,
    SPECS,
    detail,
    finish,
    kinds_model,
    llm_model,
    make_client,
    png_bytes,
    run_task,
    speech_model,
)

BODY = {"prompt": "a cat"}


def _client(models: list | None = None, **config: object) -> httpx.AsyncClient:
    app = create_app(SPECS if models is None else None, models=models, **config)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mock/v1", headers=HEADERS
    )


async def test_step_mode_walks_documented_order(client: httpx.AsyncClient) -> None:
    taskid = await run_task(client, "reve/generate", BODY)
    seen = []
    for _ in range(30):
        status = (await detail(client, taskid))["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == "task_postprocess_end":
            break
    assert seen == [s.value for s in LIFECYCLE]  # a read reports, then steps: queue is seen


async def test_manual_clock() -> None:
    async with _client(clock={"mode": "manual"}) as c:
        taskid = await run_task(c, "reve/generate", BODY)
        assert (await detail(c, taskid))["status"] == "task_queue"
        admin = "http://localhost/__mock__"
        await c.post(f"{admin}/clock/advance", json={"seconds": 0.35})
        assert (await detail(c, taskid))["status"] == "task_accept"
        await c.post(f"{admin}/tasks/{taskid}/advance", json={"to": "task_start"})
        assert (await detail(c, taskid))["status"] == "task_start"
        await c.post(f"{admin}/clock/advance", json={"seconds": 100})
        task = await detail(c, taskid)
        assert task["status"] == "task_postprocess_end" and task["pexit"] == "0"
        assert float(task["elapsedseconds"]) > 1.0  # virtual durations from config


async def test_realtime_with_speed_completes() -> None:
    async with _client(clock={"mode": "realtime", "speed": 200}) as c:
        taskid = await run_task(c, "reve/generate", BODY)
        for _ in range(500):
            if (await detail(c, taskid))["status"] == "task_postprocess_end":
                break
            await asyncio.sleep(0.01)
        assert (await detail(c, taskid))["status"] == "task_postprocess_end"


async def test_switch_clock_mode_at_runtime() -> None:
    async with _client(clock={"mode": "realtime", "speed": 0.001}) as c:
        taskid = await run_task(c, "reve/generate", BODY)
        await c.post("http://localhost/__mock__/clock", json={"mode": "step"})
        assert (await detail(c, taskid))["status"] == "task_queue"
        assert (await detail(c, taskid))["status"] == "task_accept"


async def test_model_failure_outcome() -> None:
    async with _client(clock={"mode": "step"}) as c:
        taskid = await run_task(c, "reve/generate", BODY, headers={"x-mock-scenario": "fail"})
        task = await finish(c, taskid)
        assert task["status"] == "task_postprocess_end"
        assert task["pexit"] == "1" and task["debugerror"] and task["outputs"] == []
        assert float(task["totalcost"]) == 0


async def test_prerun_error_outcome() -> None:
    async with _client(clock={"mode": "step"}) as c:
        taskid = await run_task(c, "reve/generate", BODY, headers={"x-mock-scenario": "error"})
        task = await finish(c, taskid)
        assert task["status"] == "task_error" and task["debugerror"]


async def test_stalled_queue_until_admin_advances() -> None:
    async with _client(clock={"mode": "step"}) as c:
        taskid = await run_task(c, "reve/generate", BODY, headers={"x-mock-scenario": "stall"})
        for _ in range(5):
            assert (await detail(c, taskid))["status"] == "task_queue"
        await c.post(f"http://localhost/__mock__/tasks/{taskid}/advance", json={"to": "end"})
        assert (await detail(c, taskid))["status"] == "task_postprocess_end"


async def test_outputs_deterministic_and_sized_by_aspect_ratio(client: httpx.AsyncClient) -> None:
    body = {"prompt": "a cat", "aspectRatio": "16:9"}
    a = await finish(client, await run_task(client, "reve/generate", body))
    b = await finish(client, await run_task(client, "reve/generate", body))
    data = (await client.get(a["outputs"][0]["url"].removeprefix("http://mock/v1"))).content
    assert data == (await client.get(b["outputs"][0]["url"].removeprefix("http://mock/v1"))).content
    assert int(a["outputs"][0]["size"]) == len(data)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (1360, 768)
    c = await finish(client, await run_task(client, "reve/generate", {"prompt": "a dog"}))
    other = (await client.get(c["outputs"][0]["url"].removeprefix("http://mock/v1"))).content
    assert other != data and Image.open(io.BytesIO(other)).size == (1024, 1024)


async def test_edit_model_output_matches_input_size_and_jpeg(client: httpx.AsyncClient) -> None:
    up = await client.post(
        "/File/Upload", files={"file": ("in.png", png_bytes(300, 200), "image/png")}
    )
    url = up.json()["list"][0]["url"]
    body = {"inputImageUrl": url, "outputFormat": "jpeg"}
    task = await finish(client, await run_task(client, "wiro/cartoonify", body))
    out = task["outputs"][0]
    assert out["contenttype"] == "image/jpeg" and out["name"].endswith(".jpg")
    data = (await client.get(out["url"].removeprefix("http://mock/v1"))).content
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (300, 200)


@pytest.mark.parametrize(
    ("asked", "pillow_format", "extension"),
    [("png", "PNG", "png"), ("jpg", "JPEG", "jpg"), ("webp", "WEBP", "webp"), (None, "PNG", "png")],
)
async def test_image_output_is_the_format_asked_for(
    client: httpx.AsyncClient, asked: str | None, pillow_format: str, extension: str
) -> None:
    """`outputFormat` decides the file, whatever is installed: Pillow is the mock's dependency."""
    body = {"prompt": "a cat"} | ({"outputFormat": asked} if asked else {})
    task = await finish(client, await run_task(client, "pruna/wan-image-small", body))
    (out,) = task["outputs"]
    assert out["name"].endswith(f".{extension}")
    data = (await client.get(out["url"].removeprefix("http://mock/v1"))).content
    image = Image.open(io.BytesIO(data))
    assert image.format == pillow_format and out["contenttype"] == f"image/{pillow_format.lower()}"
    assert int(out["size"]) == len(data) and image.size[0] > image.size[1]  # 16:9 by default


@pytest.mark.parametrize(
    ("slug", "picker"),
    [("wiro/professional-headshot", "background"), ("wiro/iconic-locations", "iconicLocation")],
)
async def test_image_tools_edit_the_uploaded_photo_in_their_default_format(
    client: httpx.AsyncClient, slug: str, picker: str
) -> None:
    """With only the image, the documented defaults apply: a JPEG the size of the input
    (aspect ratio "" = match_input_image); a value outside the select is Wiro's refusal."""
    up = await client.post(
        "/File/Upload", files={"file": ("me.png", png_bytes(320, 400), "image/png")}
    )
    body = {"inputImageUrl": up.json()["list"][0]["url"]}
    task = await finish(client, await run_task(client, slug, body))
    (out,) = task["outputs"]
    data = (await client.get(out["url"].removeprefix("http://mock/v1"))).content
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size, out["contenttype"]) == ("JPEG", (320, 400), "image/jpeg")
    assert task["parameters"][picker] and task["parameters"]["outputFormat"] == "jpeg"
    refused = await client.post(f"/Run/{slug}", json={**body, picker: "Atlantis"})
    assert refused.json()["result"] is False and picker in refused.json()["errors"][0]["message"]


async def test_video_audio_text_outputs() -> None:
    async with _client([kinds_model(), llm_model(), speech_model()], clock={"mode": "step"}) as c:
        chat = await finish(c, await run_task(c, "test/chat", {"prompt": "hi there"}))
        item = chat["outputs"][0]
        assert item["contenttype"] == "raw" and item["content"]["prompt"] == "hi there"
        assert item["content"]["answer"] and isinstance(item["content"]["thinking"], list)
        speech = await finish(c, await run_task(c, "test/speak", {"prompt": "hi"}))
        wav = (await c.get(speech["outputs"][0]["url"].removeprefix("http://mock/v1"))).content
        assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
        assert speech["outputs"][0]["contenttype"] == "audio/wav"
    async with _client(clock={"mode": "step"}) as c:
        video = await finish(c, await run_task(c, "wiro/avatarmotion", {"inputImage": "x.jpg"}))
        out = video["outputs"][0]
        data = (await c.get(out["url"].removeprefix("http://mock/v1"))).content
        assert out["contenttype"] == "video/x-msvideo" and int(out["size"]) == len(data)
        assert data[:4] == b"RIFF" and data[8:12] == b"AVI "
        assert int.from_bytes(data[4:8], "little") == len(data) - 8


@pytest.mark.memory_only
async def test_memory_store_evicts_finished_never_live() -> None:
    app = create_app(SPECS, clock={"mode": "manual"}, limits={"max_tasks": 5})
    state = app.state.mock
    model = state.registry.models["reve/generate"]
    from mockserver.config import ANONYMOUS
    from mockserver.control.faults import TaskFaults

    async def new() -> str:
        task = await state.new_task(model, ANONYMOUS, {"prompt": "x"}, "", "http://m/v1",
                                    TaskFaults(), None)  # fmt: skip
        return task.id

    live = [await new() for _ in range(8)]
    assert await state.store.count() == 8  # all live: nothing evicted, whatever the bound
    state.clock.advance(1000)
    more = [await new() for _ in range(3)]
    assert await state.store.count() == 5
    assert all([await state.find_task(i, None) for i in more])
    assert await state.find_task(live[0], None) is None and state.store.index.evicted == 6


@pytest.mark.no_store
def test_clock_units() -> None:
    clock = Clock("manual")
    assert clock.now() == 0 and clock.real_delay(5) == float("inf")
    clock.advance(2.5)
    assert clock.now() == 2.5


async def test_two_mocks_in_one_process_price_their_own_tasks() -> None:
    """The cost per second is each mock's own config (the `wiro_mock_factory` case): a second
    app created later does not reprice the first one's tasks."""
    cheap = create_app(SPECS, clock={"mode": "step"}, lifecycle={"cps": 0.001})
    dear = create_app(SPECS, clock={"mode": "step"}, lifecycle={"cps": 0.5})
    async with await make_client(cheap) as a, await make_client(dear) as b:
        first = await finish(a, await run_task(a, "reve/generate", {"prompt": "a cat"}))
        second = await finish(b, await run_task(b, "reve/generate", {"prompt": "a cat"}))
        again = await detail(a, first["id"])
    assert first["cps"] == again["cps"] == f"{0.001:.12f}"
    assert second["cps"] == f"{0.5:.12f}"
    elapsed = float(again["elapsedseconds"])  # rounded to 0.1 ms
    assert float(again["totalcost"]) == pytest.approx(0.001 * elapsed, abs=0.001 * 1e-4)
    assert json.loads(again["dynamicprice"])[0]["price"] == 0.001
