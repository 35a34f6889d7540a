"""Downloading outputs: streamed to files, names sanitised, inline LLM content saved."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from .conftest import task_json


def finished(fake: Any, outputs: list[dict[str, Any]]) -> None:
    fake.detail_sequence(task_json("task_postprocess_end", outputs=outputs))


def test_download_streams_each_output_without_auth_headers(
    make_client: Any, fake: Any, tmp_path: Path
) -> None:
    fake.files = {"https://cdn.test/a/0.png": b"png-bytes", "https://cdn.test/a/1.png": b"more"}
    finished(
        fake,
        [{"name": "0.png", "url": u} for u in ("https://cdn.test/a/0.png",)]
        + [{"name": "", "url": "https://cdn.test/a/1.png"}],
    )
    task = make_client().task("1")
    task.wait()
    saved = task.download(tmp_path / "out")
    assert [p.name for p in saved] == ["0.png", "1.png"]
    assert [p.read_bytes() for p in saved] == [b"png-bytes", b"more"]
    downloads = [r for r in fake.requests if r.method == "GET"]
    assert downloads and all("x-api-key" not in r.headers for r in downloads)
    assert not list((tmp_path / "out").glob(".part-*"))


@pytest.mark.parametrize("evil", ["../../escape.png", "/etc/passwd", "..\\..\\win.png", ".."])
def test_output_names_cannot_escape_the_directory(
    make_client: Any, fake: Any, tmp_path: Path, evil: str
) -> None:
    fake.files = {"https://cdn.test/x": b"data"}
    finished(fake, [{"name": evil, "url": "https://cdn.test/x"}])
    task = make_client().task("1")
    task.wait()
    out = tmp_path / "out"
    (saved,) = task.download(out)
    assert saved.parent == out.resolve()
    assert saved.read_bytes() == b"data"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [saved.name]


def test_raw_llm_output_is_written_as_json(make_client: Any, fake: Any, tmp_path: Path) -> None:
    content = {"prompt": "hi", "raw": "Hello", "thinking": [], "answer": ["Hello"]}
    finished(fake, [{"contenttype": "raw", "content": content}])
    task = make_client().task("1")
    task.wait()
    (saved,) = task.download(tmp_path)
    assert saved.name == "output-0.json"
    assert json.loads(saved.read_text()) == content


def test_duplicate_names_get_suffixes(make_client: Any, fake: Any, tmp_path: Path) -> None:
    fake.files = {"https://cdn.test/1": b"1", "https://cdn.test/2": b"2"}
    finished(
        fake,
        [
            {"name": "a.png", "url": "https://cdn.test/1"},
            {"name": "a.png", "url": "https://cdn.test/2"},
        ],
    )
    task = make_client().task("1")
    task.wait()
    assert [p.name for p in task.download(tmp_path)] == ["a.png", "a-1.png"]


def test_failed_download_raises_and_leaves_no_partial_file(
    rt: ModuleType, make_client: Any, fake: Any, tmp_path: Path, clock: Any
) -> None:
    fake.routes["/gone"] = lambda r: httpx.Response(404, text="nope")
    finished(fake, [{"name": "x.png", "url": "https://cdn.test/gone"}])
    task = make_client().task("1")
    task.wait()
    with pytest.raises(rt.NotFoundError):
        task.download(tmp_path)
    assert list(tmp_path.iterdir()) == []


async def test_async_download(make_async_client: Any, fake: Any, tmp_path: Path) -> None:
    fake.files = {"https://cdn.test/v.mp4": b"video"}
    finished(
        fake,
        [
            {"name": "v.mp4", "url": "https://cdn.test/v.mp4"},
            {"contenttype": "raw", "content": {"answer": ["x"]}},
        ],
    )
    async with make_async_client() as client:
        task = client.task("1")
        await task.wait()
        saved = await task.download(tmp_path)
    assert [p.name for p in saved] == ["v.mp4", "output-1.json"]
    assert saved[0].read_bytes() == b"video"
