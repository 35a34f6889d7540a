"""Clients that are not ours: the docs' own curl + openssl recipe, and a plain httpx script.

The recipe is taken from the docs in specs/ as printed: the header-preparing bash lines of
a line-structured llms.txt (flattened copies lose the newlines their `#` comments need) and
the one-line curl commands of a flattened one, with only the host, credentials and sample
task ids replaced by live values.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from markdown_it import MarkdownIt
from PIL import Image

from codegen.parser.restore import restore
from mockserver.testing import WiroMock
from tests.e2e.conftest import refusal_status
from tests.paths import SPECS

DOCS_API = "https://api.wiro.ai/v1"
needs_curl = pytest.mark.usefixtures("shell_tools")


def fences(doc: str) -> dict[str, str]:
    """Each section title of a doc -> the code of its first fence."""
    tokens = MarkdownIt("zero").enable(["heading", "fence"]).parse(restore(doc))
    found: dict[str, str] = {}
    title = ""
    for index, token in enumerate(tokens):
        if token.type == "inline" and tokens[index - 1].type == "heading_open":
            title = token.content.strip()
        elif token.type == "fence":
            found.setdefault(title, token.content.strip())
    return found


class Recipe:
    """The docs' bash, pointed at the mock."""

    def __init__(self, mock: WiroMock, workdir: Path) -> None:
        header = fences((SPECS / "wiro__cartoonify.llms.md").read_text())[
            "Integration Header Prepare"
        ]
        assert mock.api_secret is not None
        self.header = header.replace("{{useSelectedProjectAPIKey}}", mock.api_key).replace(
            "XXXXXXXXX", mock.api_secret
        )
        self.commands = fences(
            (SPECS / "bytedance__image-to-image-seededit-v3.llms.md").read_text()
        )
        self.base_url = mock.base_url
        self.workdir = workdir

    def run(self, script: str) -> Any:
        """Run the header lines then `script` in bash; the JSON it prints, parsed."""
        done = subprocess.run(
            ["bash", "-c", f"{self.header}\n{script.replace(DOCS_API, self.base_url)}"],
            capture_output=True,
            text=True,
            cwd=self.workdir,
            check=True,
        )
        return json.loads(done.stdout) if done.stdout.strip().startswith("{") else done.stdout

    def section(self, title: str, **replace: str) -> Any:
        command = self.commands[title]
        for old, new in replace.items():
            command = command.replace(old, new)
        return self.run(command)


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, "PNG")
    return buffer.getvalue()


@needs_curl
def test_docs_recipe_as_printed(mock: WiroMock, tmp_path: Path) -> None:
    recipe = Recipe(mock, tmp_path)
    run = recipe.section("Run Command - Make HTTP Post Request")
    assert run["result"] is True and run["errors"] == []
    taskid, token = run["taskid"], run["socketaccesstoken"]

    by_id = recipe.section(
        "Get Task Detail - Make HTTP Post Request with Task ID", **{'"2221"': f'"{taskid}"'}
    )
    by_token = recipe.section(
        "Get Task Detail - Make HTTP Post Request with Socket Access Token",
        eDcCm5yyUfIvMFspTwww49OUfgXkQt=token,
    )
    assert by_id["tasklist"][0]["id"] == by_token["tasklist"][0]["id"] == taskid
    assert by_id["tasklist"][0]["parameters"]["guidanceScale"] == "4.0"

    queued = recipe.section("Run Command - Make HTTP Post Request")["taskid"]
    cancel_title = "Cancel Task - Make HTTP Post Request (For tasks on queue)"
    cancelled = recipe.section(cancel_title, **{'"634574"': f'"{queued}"'})
    assert cancelled["tasklist"][0]["status"] == "task_cancel"

    running = recipe.section("Run Command - Make HTTP Post Request")
    mock.advance(running["taskid"], to="task_start")
    killed = recipe.section(
        "Kill Task - Make HTTP Post Request with Socket Access Token",
        ZpYote30on42O4jjHXNiKmrWAZqbRE=running["socketaccesstoken"],
    )
    assert killed["tasklist"][0]["status"] == "task_cancel"
    again = recipe.section("Run Command - Make HTTP Post Request")["taskid"]
    mock.advance(again, to="task_start")
    killed = recipe.section(
        "Kill Task - Make HTTP Post Request with Task ID", **{'"534574"': f'"{again}"'}
    )
    assert killed["tasklist"][0]["status"] == "task_cancel"


@needs_curl
def test_multipart_form_fields_and_download(mock: WiroMock, tmp_path: Path) -> None:
    """The reve/Edit page's -F sample (comment lines removed, as the page says), then poll and
    download the PNG with curl."""
    (tmp_path / "image1.png").write_bytes(_png((300, 200)))
    page = (SPECS / "reve__edit.page.txt").read_text()
    start = page.index('curl -X POST "https://api.wiro.ai/v1/Run/reve/edit"')
    sample = page[start : page.index(";", page.index('-F "callbackUrl', start)) + 1]
    command = "\n".join(
        line
        for line in sample.splitlines()
        if not line.strip().startswith(("//", "#")) and line.strip()
    ).replace("@path/to/image1.jpg", "@image1.png")
    recipe = Recipe(mock, tmp_path)
    run = recipe.run(command)
    detail_cmd = recipe.commands["Get Task Detail - Make HTTP Post Request with Task ID"].replace(
        '"2221"', f'"{run["taskid"]}"'
    )
    for _ in range(40):
        task = recipe.run(detail_cmd)["tasklist"][0]
        if task["status"] == "task_postprocess_end":
            break
    assert task["parameters"]["inputImage"].startswith(mock.base_url + "/File/")
    assert task["parameters"]["prompt"] == "Change the color of the phone booth to blue"
    recipe.run(f'curl -s -o out.png "{task["outputs"][0]["url"]}"')
    with Image.open(tmp_path / "out.png") as image:
        assert image.format == "PNG" and image.size == (300, 200)


# -- a plain httpx script with the habits of public clients (WIRO_API.md) --------------------
def _signed(mock: WiroMock) -> dict[str, str]:
    nonce = str(time.time_ns() // 1_000_000)  # milliseconds, as some clients send
    assert mock.api_secret is not None
    signature = hmac.new(mock.api_key.encode(), (mock.api_secret + nonce).encode(), hashlib.sha256)
    return {"x-api-key": mock.api_key, "x-nonce": nonce, "x-signature": signature.hexdigest()}


IMAGE = "https://x.test/ski.png"


def test_plain_httpx_script(mock: WiroMock) -> None:
    with httpx.Client(base_url=mock.base_url) as http:
        run = http.post(  # form-urlencoded, every value a string, raw display slug with capitals
            "/Run/ByteDance/image-to-image-seededit-v3",
            data={"prompt": "Baguettes", "inputImageUrl": IMAGE, "guidanceScale": "7.5",
                  "seed": "42", "watermark": "true"},
            headers=_signed(mock),
        ).json()  # fmt: skip
        assert run["result"] is True
        both = {"taskid": run["taskid"], "tasktoken": run["socketaccesstoken"]}
        detail = http.post("/Task/Detail", json=both, headers=_signed(mock)).json()
        params = detail["tasklist"][0]["parameters"]
        assert params == {
            "prompt": "Baguettes",
            "inputImageUrl": IMAGE,
            "guidanceScale": "7.5",
            "seed": "42",
            "watermark": "true",
        }
        assert all(
            isinstance(value, str) for value in (detail["total"], detail["tasklist"][0]["id"])
        )

        other = http.post("/Run/reve/Edit", json={"prompt": "Blue", "inputImage": "https://x.test/a.png"},
                          headers=_signed(mock)).json()  # fmt: skip
        mock.advance(other["taskid"], to="task_start")
        killed = http.post(
            "/Task/Kill",
            json={"socketaccesstoken": other["socketaccesstoken"]},
            headers=_signed(mock),
        ).json()
        assert killed["tasklist"][0]["status"] == "task_cancel"

        bad = http.post("/Run/ByteDance/image-to-image-seededit-v3", data={"seed": "many"},
                        headers=_signed(mock))  # fmt: skip
        assert bad.status_code == refusal_status(mock, 400)
        assert {"code": 0, "message": "Request parameter [seed] must be integer or float"} in [
            {k: e[k] for k in ("code", "message")} for e in bad.json()["errors"]
        ]
