"""End to end: a discovery client that knows nothing about a model but what the mock says.

Written from the documented behaviour of Wiro's Go CLI (`wiro run owner/model`, wiro_cl-:
internal/model, internal/cli, internal/task; WIRO_CLIENTS.md sections 3 and 8): it lists
models (`Tool/List` with Go's body), loads one (`Tool/Detail` with the display slugs), builds
a multipart Run body from the discovered `parameters` only, subscribes on the WebSocket with
`task_info` until the terminal event, reads the task by its token and downloads every output.
Every answer is decoded with Go's struct types, so a JSON type Go would reject fails here.

Every model runs on the memory store; a sample of each kind on the other mock variants.

Values: each parameter's default; a required one without a default gets a value valid for
its widget. File widgets always get files of their medium (Go treats a non-URL default as a
local path, and a sample name is none), and URL fields an uploaded file's URL, so every
model runs on an input like a real call.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets

from codegen.parser.raw import url_sibling
from codegen.schema import Model
from mockserver.testing import WiroMock
from tests.e2e.conftest import VARIANTS, every_model, sampled
from tests.go_types import (
    GENERIC,
    GO_LIST_BODY,
    GO_RUN,
    GO_TASK_DETAIL,
    GO_TOOL_DETAIL,
    GO_TOOL_LIST,
    go_decode,
)
from tests.samples import MEDIA, medium_of, png_bytes

FILE_WIDGETS = frozenset({"fileinput", "multifileinput", "combinefileinput"})
TERMINAL = frozenset({"task_postprocess_end", "task_cancel", "task_error", "task_error_full"})
PROMPT = "a lighthouse at dusk, oil painting"
SOCKET_TIMEOUT = 30.0
Part = tuple[str, tuple[str | None, bytes | str] | tuple[str, bytes, str]]


class DiscoveryClient:
    """The Go CLI's calls, against the mock (fresh signed headers on each request)."""

    def __init__(self, http: httpx.AsyncClient, mock: WiroMock) -> None:
        self.http = http
        self.mock = mock

    async def post(self, path: str, kind: Any, **kw: Any) -> dict[str, Any]:
        response = await self.http.post(path, headers=self.mock.headers(), **kw)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        go_decode(data, kind)
        assert data["result"] is True and data["errors"] == [], data
        return data

    async def find(self, model: Model) -> tuple[str, str]:
        """`wiro model list <query>`: the display slugs of the model the search names."""
        project = model.display_name.partition("/")[2]
        data = await self.post("/Tool/List", GO_TOOL_LIST, json={**GO_LIST_BODY, "search": project})
        wanted = model.display_name.lower()
        [hit] = [
            t for t in data["tool"] if f"{t['slugowner']}/{t['slugproject']}".lower() == wanted
        ]
        return hit["slugowner"], hit["slugproject"]

    async def parameters(self, owner: str, project: str) -> list[dict[str, Any]]:
        """Tool/Detail's items, quick ones first then advanced (Go's FlattenItems)."""
        body = {"slugowner": owner, "slugproject": project}
        [tool] = (await self.post("/Tool/Detail", GO_TOOL_DETAIL, json=body))["tool"]
        items = [item for group in tool["parameters"] or [] for item in group["items"]]
        return sorted(items, key=lambda item: bool(item["advanced"]))

    async def upload(self) -> str:
        files = {"file": ("sample.png", png_bytes(), "image/png")}
        data = await self.post("/File/Upload", GENERIC, files=files)
        url: str = data["list"][0]["url"]
        return url

    async def run(self, owner: str, project: str, parts: list[Part]) -> str:
        """Go always sends Run as multipart (GO:task/service.go), display slugs unescaped."""
        data = await self.post(f"/Run/{owner}/{project}", GO_RUN, files=parts)
        token: str = data["socketaccesstoken"]
        assert data["taskid"].isdigit() and token
        return token

    async def watch(self, token: str) -> list[str]:
        """The socket's event types until a terminal one (Go's isTerminal)."""
        seen: list[str] = []
        async with websockets.connect(self.mock.socket_url) as ws:
            await ws.send(json.dumps({"type": "task_info", "tasktoken": token}))
            while not seen or seen[-1] not in TERMINAL:
                message = json.loads(await asyncio.wait_for(ws.recv(), SOCKET_TIMEOUT))
                seen.append(str(message.get("type")))
        return seen

    async def task(self, token: str) -> dict[str, Any]:
        """The terminal Task/Detail, by token (Go: not numeric, so `tasktoken`)."""
        data = await self.post("/Task/Detail", GO_TASK_DETAIL, json={"tasktoken": token})
        task: dict[str, Any] = data["tasklist"][0]
        return task

    async def download(self, url: str) -> bytes:
        """Go's plain `http.Get` of the output URL: no headers."""
        response = await self.http.get(url)
        assert response.status_code == 200, url
        return response.content


async def run_body(client: DiscoveryClient, items: list[dict[str, Any]]) -> list[Part]:
    """Multipart parts for every discovered parameter that has (or needs) a value."""
    parts: list[Part] = []
    files = {item["id"] for item in items if item["type"].lower() in FILE_WIDGETS}
    twins = {url_sibling(name) for name in files}
    for item in items:
        if item["id"] in files:
            parts += file_parts(item, MEDIA[medium_of(item["id"])])
            continue
        if item["id"] in twins:
            continue  # a file input's URL twin: the file is sent, and either counts as one
        value = text_value(item)
        if value is None and item["id"].lower().endswith("url"):
            value = await client.upload()
        if value is None and item["required"] and item.get("options"):
            value = str(item["options"][0]["value"])
        if value is None and (item["required"] or item["id"].lower() == "prompt"):
            value = PROMPT
        if value is not None:
            parts.append((item["id"], (None, value)))
    return parts


def text_value(item: dict[str, Any]) -> str | None:
    """The default as Go prints it (`fmt.Sprint`), if any; "" only where it is an option."""
    default = item["defaultvalue"]
    options = {str(o["value"]) for o in item.get("options") or []}
    if default in (None, "", []):
        return "" if "" in options else None
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    if isinstance(default, bool):
        return "true" if default else "false"
    return ",".join(map(str, default)) if isinstance(default, list) else str(default)


def file_parts(item: dict[str, Any], upload: tuple[str, bytes, str]) -> list[Part]:
    """URL defaults as values; every other entry (or one if none) as an upload of the
    input's medium."""
    default = item["defaultvalue"]
    values = [str(v).strip() for v in (default if isinstance(default, list) else [default])]
    values = [v for v in values if v] or [""]
    limit = item.get("maxinputlenght") or len(values)
    parts: list[Part] = []
    for value in values[:limit]:
        if value.startswith(("http://", "https://")):
            parts.append((item["id"], (None, value)))
        else:
            parts.append((item["id"], upload))
    return parts


@pytest.fixture
async def discovery(mock: WiroMock) -> AsyncIterator[DiscoveryClient]:
    async with httpx.AsyncClient(base_url=mock.base_url, timeout=30, trust_env=False) as http:
        yield DiscoveryClient(http, mock)


@pytest.mark.parametrize(
    ("mock", "model"), every_model() + sampled(VARIANTS[1:]), indirect=["mock"]
)
async def test_discover_run_and_download_every_model(
    discovery: DiscoveryClient, model: Model
) -> None:
    owner, project = await discovery.find(model)
    items = await discovery.parameters(owner, project)
    assert {i.name for i in model.inputs} <= {item["id"] for item in items}
    parts = await run_body(discovery, items)
    token = await discovery.run(owner, project, parts)
    events = await discovery.watch(token)
    assert events[-1] == "task_postprocess_end", events
    task = await discovery.task(token)
    assert task["status"] == "task_postprocess_end"
    file_ids = {item["id"] for item in items if item["type"].lower() in FILE_WIDGETS}
    for name, (filename, *value) in parts:
        if name in file_ids:  # stored, then passed on as the mock's own file URLs
            assert "/File/" in task["parameters"][name] or filename is None, name
        else:  # what the client sent is what the task ran with
            assert task["parameters"].get(name) == value[0], name
    assert task["outputs"], "a finished task has outputs"
    for output in task["outputs"]:
        assert await discovery.download(output["url"])
