"""Every model in specs/ once; a sample of each kind sync and async, by polling and socket,
and on the other mock variants (--http-errors, the Redis store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wiro_client import REGISTRY, AsyncWiro, SocketEvent, Wiro

from codegen.schema import LIFECYCLE, Model
from mockserver.testing import WiroMock
from tests.e2e.conftest import (
    VARIANTS,
    Call,
    call_for,
    check_image,
    dedupe,
    every_model,
    sampled,
)

DOCUMENTED = [status.value for status in LIFECYCLE]
VIAS = ["poll", "socket"]


def _check_outputs(model: Model, paths: list[Path], detail_outputs: list, call: Call) -> None:
    """Each output is what the model's kind produces, as its content type says and its bytes
    show: the image format asked for (at the size implied), an AVI, a WAV, an OBJ mesh, or
    Wiro's LLM content object (content type `raw`)."""
    assert len(paths) == len(detail_outputs) >= 1
    kind = model.output_kind
    for path, output in zip(paths, detail_outputs, strict=True):
        data = path.read_bytes()
        assert len(data) == output.size
        if kind == "image":
            assert output.content_type == call.image_type
            check_image(data, call)
        elif kind == "video":
            assert output.content_type == "video/x-msvideo"
            assert data[:4] == b"RIFF" and data[8:12] == b"AVI "
        elif kind == "audio":
            assert output.content_type == "audio/wav"
            assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
        elif kind == "3d":
            assert output.content_type == "model/obj"
            lines = data.decode("ascii").splitlines()
            assert any(line.startswith("v ") for line in lines)
            assert any(line.startswith("f ") for line in lines)
        else:
            assert (kind, output.content_type) == ("text", "raw")
            content = json.loads(data)
            assert content["answer"] and content["raw"].endswith(content["answer"][-1])


def _run(client: Wiro, model: Model, via: str, media: dict[str, Path], out: Path) -> None:
    call = call_for(model, media, client.files.upload(media["image"]).url)
    events: list[SocketEvent] = []
    task = client.run_model(REGISTRY[model.slug], **call.params)
    detail = task.wait(timeout=30, via=via, poll_interval=0.01, on_event=events.append)
    assert dedupe([e.type for e in events]) == DOCUMENTED
    assert detail.status == "task_postprocess_end" and detail.pexit == 0
    _check_outputs(model, task.download(out), detail.outputs, call)


@pytest.mark.parametrize(("mock", "model"), every_model(), indirect=["mock"])
def test_every_model_runs(
    model: Model, client: Wiro, mock: WiroMock, media: dict[str, Path], tmp_path: Path
) -> None:
    _run(client, model, "poll", media, tmp_path / "out")
    assert mock.requests(path=f"*{model.run_path}", status=200, result=True)


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize(("mock", "model"), sampled(("memory",)), indirect=["mock"])
def test_sync_client(
    model: Model, via: str, client: Wiro, mock: WiroMock, media: dict[str, Path], tmp_path: Path
) -> None:
    _run(client, model, via, media, tmp_path / "out")
    assert mock.requests(path=f"*{model.run_path}", status=200, result=True)


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize(("mock", "model"), sampled(("memory",)), indirect=["mock"])
async def test_async_client(
    model: Model, via: str, async_client: AsyncWiro, media: dict[str, Path], tmp_path: Path
) -> None:
    call = call_for(model, media, (await async_client.files.upload(media["image"])).url)
    events: list[SocketEvent] = []
    task = await async_client.run_model(REGISTRY[model.slug], **call.params)
    detail = await task.wait(timeout=30, via=via, poll_interval=0.01, on_event=events.append)
    assert dedupe([e.type for e in events]) == DOCUMENTED
    assert detail.pexit == 0
    _check_outputs(model, await task.download(tmp_path / "out"), detail.outputs, call)


@pytest.mark.parametrize(("mock", "model"), sampled(VARIANTS[1:]), indirect=["mock"])
def test_other_mock_variants(
    model: Model, client: Wiro, mock: WiroMock, media: dict[str, Path], tmp_path: Path
) -> None:
    """--http-errors and the Redis store run each sample model too (by socket: it reads the
    store's event stream, and Task/Detail at the end)."""
    _run(client, model, "socket", media, tmp_path / "out")
    assert mock.requests(path=f"*{model.run_path}", status=200, result=True)


def test_typed_attribute_access(client: Wiro, sample: Path, tmp_path: Path) -> None:
    """The typed entry points, as a user writes them, reach the same models."""
    task = client.reve.generate.run(prompt="A koala in a suit", aspect_ratio="9:16")
    detail = task.wait(timeout=30, poll_interval=0.01)
    check_image(task.download(tmp_path)[0].read_bytes(), Call({}, ratio=9 / 16))
    assert detail.parameters["aspectRatio"] == "9:16"
    edit = client.models["reve/edit"].run(prompt="Make it blue", input_image=sample)
    edited = edit.wait(timeout=30, via="socket")
    assert edited.parameters["inputImage"].startswith(client.base_url)
