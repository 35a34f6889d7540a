"""End to end: the generated client (generated/wiro_client) against the real mock server.

One mock per session in `step` clock mode (each Task/Detail or socket tick advances a task
one event), reset before every test, so the suite is deterministic and fast. The whole suite
runs three times: on the memory store with Wiro's statuses (API errors are HTTP 200 with
`result: false`), on the memory store with `--http-errors` (400/404), and on the Redis store
(a real redis-server). The models are read from specs/, so a newly added model is covered
without writing a test.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from wiro_client import AsyncWiro, Wiro

from codegen.parser import load_catalogue
from codegen.schema import LIFECYCLE, Input, InputKind, Model, example_values
from mockserver.pytest_plugin import WiroMock
from tests.paths import SPECS

MODELS = load_catalogue(SPECS).models
SAMPLE_SIZE = (320, 240)
WH = (512, 384)  # explicit width/height for models that take them
DOCUMENTED_END = [s.value for s in LIFECYCLE[-4:]]


@pytest.fixture(scope="session", params=["memory", "memory-http-errors", "redis"])
def mock(request: pytest.FixtureRequest) -> Iterator[WiroMock]:
    config: dict[str, Any] = {"http_errors": request.param.endswith("http-errors")}
    if request.param == "redis":
        url = request.getfixturevalue("redis_server").url()
        config["store"] = {"url": url, "prefix": f"e2e-{uuid.uuid4().hex[:8]}"}
    server = WiroMock(SPECS, clock={"mode": "step"}, seed=3, **config).start()
    yield server
    server.stop()


def refusal_status(mock: WiroMock, http_status: int) -> int:
    """The HTTP status of an API refusal: Wiro's 200, or `http_status` under --http-errors."""
    return http_status if mock.app.state.mock.config.http_errors else 200


@pytest.fixture(autouse=True)
def _fresh(request: pytest.FixtureRequest) -> None:
    """A clean mock for every test that uses one; a test without a mock (the README checks)
    is not run once per mock variant for nothing."""
    if "mock" not in request.fixturenames:
        return
    mock: WiroMock = request.getfixturevalue("mock")
    mock.reset()
    mock.clear_faults()
    mock.set_clock("step")


@pytest.fixture
def client(mock: WiroMock) -> Iterator[Wiro]:
    with Wiro(api_key=mock.api_key, api_secret=mock.api_secret, base_url=mock.base_url) as wiro:
        yield wiro


@pytest.fixture
async def async_client(mock: WiroMock) -> AsyncIterator[AsyncWiro]:
    async with AsyncWiro(
        api_key=mock.api_key, api_secret=mock.api_secret, base_url=mock.base_url
    ) as wiro:
        yield wiro


def png_bytes(size: tuple[int, int] = SAMPLE_SIZE, colour: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.png"
    path.write_bytes(png_bytes())
    return path


@dataclass
class Call:
    """Inputs for one model run, and the output image size they imply (None: no rule)."""

    params: dict[str, Any]
    size: tuple[int, int] | None = None
    ratio: float | None = None


def _file_value(item: Input, sample: Path) -> Any:
    if item.kind is InputKind.FILE:
        return sample
    count = len(item.default) if isinstance(item.default, list) and item.default else 1
    return [sample] * min(count, item.max_items or count)


def call_for(model: Model, sample: Path, upload_url: str) -> Call:
    """The documented example, local samples for files, and explicit size-setting inputs.

    The expected size follows the documented rule: explicit width/height, else the aspect
    ratio, else the input image's size.
    """
    params: dict[str, Any] = dict(example_values(model))
    names = {i.name for i in model.inputs}
    image_sent = False
    for item in model.inputs:
        if item.kind.is_file:
            params[item.name], image_sent = _file_value(item, sample), True
        elif item.accepts_url and item.name.lower().startswith("inputimage"):
            params[item.name], image_sent = upload_url, True
    call = Call(params)
    if {"width", "height"} <= names:
        params["width"], params["height"] = WH
        call.size = WH
    elif "aspectRatio" in names and "16:9" in model.input("aspectRatio").option_values:
        params["aspectRatio"] = "16:9"
        call.ratio = 16 / 9
    elif image_sent:
        call.size = SAMPLE_SIZE
    return call


def check_image(data: bytes, call: Call) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        width, height = image.size
    if call.size is not None:
        assert (width, height) == call.size
    if call.ratio is not None:
        assert abs(width / height - call.ratio) < 0.02


def dedupe(statuses: list[str]) -> list[str]:
    """Consecutive repeats collapse: `task_output` may repeat, a status is seen once."""
    return [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
