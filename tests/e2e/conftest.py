"""End to end: the generated client (generated/wiro_client) against the real mock server.

One mock per session in `step` clock mode (each Task/Detail or socket tick advances a task
one event), reset before every test, so the suite is deterministic and fast. A test runs
three times: on the memory store with Wiro's statuses (API errors are HTTP 200 with
`result: false`), on the memory store with `--http-errors` (400/404), and on the Redis store
(a real redis-server). The models are read from specs/, so a newly added model is covered
without writing a test: every model runs once (`every_model`), and a SAMPLE of them, one of
each kind, through every variant and way of waiting (`sampled`).
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
from codegen.schema import LIFECYCLE, Input, InputKind, Model
from codegen.wire import example_values
from mockserver.testing import WiroMock
from tests.paths import SPECS
from tests.samples import MEDIA, medium_of, one_of_each_kind, png_bytes

MODELS = load_catalogue(SPECS).models
VARIANTS = ("memory", "memory-http-errors", "redis")


SAMPLE = one_of_each_kind(MODELS)


def every_model() -> list[Any]:
    """`(mock, model)` params: each model once, on the memory store."""
    return [pytest.param("memory", m, id=f"memory-{m.slug}") for m in MODELS]


def sampled(variants: tuple[str, ...] = VARIANTS) -> list[Any]:
    """`(mock, model)` params: each SAMPLE model on every mock variant (or those given)."""
    return [pytest.param(v, m, id=f"{v}-{m.slug}") for v in variants for m in SAMPLE]


SAMPLE_SIZE = (320, 240)
WH = (512, 384)  # explicit width/height for models that take them
DOCUMENTED_END = [s.value for s in LIFECYCLE[-4:]]


@pytest.fixture(scope="session")
def _mocks(request: pytest.FixtureRequest) -> Iterator[dict[str, WiroMock]]:
    """The session's mocks, one per variant, started when a test first asks for it.

    Not a parametrized session fixture: pytest keeps one instance of those per parameter
    *position*, so with a `(mock, model)` parameter per model it started (and stopped) a
    mock for every test."""
    started: dict[str, WiroMock] = {}
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture(params=VARIANTS)
def mock(request: pytest.FixtureRequest, _mocks: dict[str, WiroMock]) -> WiroMock:
    variant: str = request.param
    if variant not in _mocks:
        config: dict[str, Any] = {"http_errors": variant.endswith("http-errors")}
        if variant == "redis":
            url = request.getfixturevalue("redis_server").url()
            config["store"] = {"url": url, "prefix": f"e2e-{uuid.uuid4().hex[:8]}"}
        _mocks[variant] = WiroMock(SPECS, clock={"mode": "step"}, seed=3, **config).start()
    return _mocks[variant]


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


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.png"
    path.write_bytes(png_bytes(SAMPLE_SIZE))
    return path


@pytest.fixture
def media(tmp_path: Path, sample: Path) -> dict[str, Path]:
    """A local file of each medium (the image is `sample`)."""
    files = {"image": sample}
    for medium, (name, data, _) in MEDIA.items():
        if medium != "image":
            files[medium] = tmp_path / name
            files[medium].write_bytes(data)
    return files


@dataclass
class Call:
    """Inputs for one model run, and the output image size they imply (None: no rule)."""

    params: dict[str, Any]
    size: tuple[int, int] | None = None
    ratio: float | None = None
    #: The image content type asked for (`outputFormat`), PNG when not asked.
    image_type: str = "image/png"


def _file_value(item: Input, file: Path) -> Any:
    if item.kind is InputKind.FILE:
        return file
    count = len(item.default) if isinstance(item.default, list) and item.default else 1
    return [file] * min(count, item.max_items or count)


def call_for(model: Model, media: dict[str, Path], upload_url: str) -> Call:
    """The documented example, a local file of its medium for each file input (an uploaded
    image's URL for an image URL input without a file twin), explicit size-setting inputs.

    The expected size follows the documented rule: explicit width/height, else the aspect
    ratio, else the input image's size.
    """
    params: dict[str, Any] = dict(example_values(model))
    names = {i.name for i in model.inputs}
    twins = {i.url_sibling for i in model.inputs if i.kind.is_file}
    image_sent = False
    for item in model.inputs:
        medium = medium_of(item.name)
        if item.kind.is_file:
            params[item.name] = _file_value(item, media[medium])
            image_sent |= medium == "image"
        elif item.accepts_url and medium == "image" and item.name not in twins:
            params[item.name], image_sent = upload_url, True
    call = Call(params)
    _ask_other_format(model, call)
    if {"width", "height"} <= names:
        params["width"], params["height"] = WH
        call.size = WH
    elif "aspectRatio" in names and "16:9" in model.input("aspectRatio").option_values:
        params["aspectRatio"] = "16:9"
        call.ratio = 16 / 9
    elif image_sent:
        call.size = SAMPLE_SIZE
    return call


#: `outputFormat` values as Wiro's docs list them -> the content type of the image asked for.
IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg",
               "webp": "image/webp"}  # fmt: skip
PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


def _ask_other_format(model: Model, call: Call) -> None:
    """A model with an `outputFormat` choice is asked for the first format that is not its
    default, so every such model proves the format is honoured, not defaulted."""
    names = {i.name for i in model.inputs}
    if "outputFormat" not in names:
        return
    item = model.input("outputFormat")
    other = next((v for v in item.option_values if v != item.default), None)
    chosen = other if other is not None else call.params.get("outputFormat")
    if chosen is not None:
        call.params["outputFormat"] = chosen
        call.image_type = IMAGE_TYPES[str(chosen).lower()]


def check_image(data: bytes, call: Call) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        width, height = image.size
        assert image.format == PILLOW_FORMATS[call.image_type]
    if call.size is not None:
        assert (width, height) == call.size
    if call.ratio is not None:
        assert abs(width / height - call.ratio) < 0.02


def dedupe(statuses: list[str]) -> list[str]:
    """Consecutive repeats collapse: `task_output` may repeat, a status is seen once."""
    return [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
