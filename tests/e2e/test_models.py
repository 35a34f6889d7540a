"""Every model in specs/, sync and async, waiting by polling and by socket."""

from __future__ import annotations

from pathlib import Path

import pytest
from wiro_client import REGISTRY, AsyncWiro, SocketEvent, Wiro

from codegen.schema import LIFECYCLE, Model
from mockserver.pytest_plugin import WiroMock
from tests.e2e.conftest import MODELS, Call, call_for, check_image, dedupe

DOCUMENTED = [status.value for status in LIFECYCLE]
VIAS = ["poll", "socket"]


def _check_outputs(model: Model, paths: list[Path], detail_outputs: list, call: Call) -> None:
    assert len(paths) == len(detail_outputs) >= 1
    for path, output in zip(paths, detail_outputs, strict=True):
        data = path.read_bytes()
        assert len(data) == output.size
        if output.contenttype.startswith("image/"):
            check_image(data, call)
        elif model.output_kind == "video":
            assert data[:4] == b"RIFF" and data[8:12] == b"AVI "


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.slug)
def test_sync_client(
    model: Model, via: str, client: Wiro, mock: WiroMock, sample: Path, tmp_path: Path
) -> None:
    call = call_for(model, sample, client.upload(sample).url)
    events: list[SocketEvent] = []
    task = client.run_model(REGISTRY[model.slug], **call.params)
    detail = task.wait(timeout=30, via=via, poll_interval=0.01, on_event=events.append)
    assert dedupe([e.type for e in events]) == DOCUMENTED
    assert detail.status == "task_postprocess_end" and detail.pexit == 0
    _check_outputs(model, task.download(tmp_path / "out"), detail.outputs, call)
    assert mock.requests(path=f"*{model.run_path}", status=200, result=True)


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.slug)
async def test_async_client(
    model: Model, via: str, async_client: AsyncWiro, sample: Path, tmp_path: Path
) -> None:
    call = call_for(model, sample, (await async_client.upload(sample)).url)
    events: list[SocketEvent] = []
    task = await async_client.run_model(REGISTRY[model.slug], **call.params)
    detail = await task.wait(timeout=30, via=via, poll_interval=0.01, on_event=events.append)
    assert dedupe([e.type for e in events]) == DOCUMENTED
    assert detail.pexit == 0
    _check_outputs(model, await task.download(tmp_path / "out"), detail.outputs, call)


def test_typed_attribute_access(client: Wiro, sample: Path, tmp_path: Path) -> None:
    """The typed entry points, as a user writes them, reach the same models."""
    task = client.reve.generate.run(prompt="A koala in a suit", aspect_ratio="9:16")
    detail = task.wait(timeout=30, poll_interval=0.01)
    check_image(task.download(tmp_path)[0].read_bytes(), Call({}, ratio=9 / 16))
    assert detail.parameters["aspectRatio"] == "9:16"
    edit = client.models["reve/edit"].run(prompt="Make it blue", input_image=sample)
    edited = edit.wait(timeout=30, via="socket")
    assert edited.parameters["inputImage"].startswith(client.base_url)
