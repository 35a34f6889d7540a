"""What real Wiro clients send, each habit a test named for it, against the live mock.

Written from the clients' documented behaviour (WIRO_CLIENTS.md sections 1, 4, 5, 6, 7, 8,
each habit with the client and source it comes from), not from their code: the mock must
accept every form a real client sends, unchanged. A "strict envelope" client at the end
reads nothing but HTTP 200 bodies, as Wiro's error reference says every caller should.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets

from mockserver import create_app
from mockserver.auth import signed_headers
from mockserver.testing import WiroMock
from tests.e2e.conftest import png_bytes, refusal_status
from tests.paths import SPECS

PROMPT = {"prompt": "a lighthouse"}


def post(mock: WiroMock, path: str, **kw: Any) -> httpx.Response:
    """POST to the mock's API root + `path` exactly as written (no URL joining)."""
    headers = {**mock.headers(), **kw.pop("headers", {})}
    return httpx.post(f"{mock.root_url}/v1{path}", headers=headers, timeout=10, **kw)


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["result"] is True and body["errors"] == [], body
    return body


def run(mock: WiroMock, slug: str = "reve/generate", **kw: Any) -> tuple[str, str]:
    body = ok(post(mock, f"/Run/{slug}", **kw))
    return body["taskid"], body["socketaccesstoken"]


# -- nonces (section 8) -------------------------------------------------------------------
def test_n8n_signs_once_and_reuses_the_headers_for_every_poll(mock: WiroMock) -> None:
    """n8n (and Go's `wiro run`) sign once per execution and send the same nonce and
    signature with Run and every poll: tolerated by default."""
    assert mock.api_secret is not None, "the e2e mocks run signed projects"
    same = signed_headers(mock.api_key, mock.api_secret, 1734513807)
    taskid, _ = run(mock, json=PROMPT, headers=same)
    for _ in range(3):
        assert ok(post(mock, "/Task/Detail", json={"taskid": taskid}, headers=same))


@pytest.mark.parametrize(
    "nonce", ["1734513807", "1734513807123"], ids=["seconds-go-ek-n8n", "ms-mcp-wk-dt-gw"]
)
def test_second_and_millisecond_nonces(mock: WiroMock, nonce: str) -> None:
    assert mock.api_secret is not None
    run(mock, json=PROMPT, headers=signed_headers(mock.api_key, mock.api_secret, int(nonce)))


async def test_strict_nonce_breaks_the_n8n_habit() -> None:
    """What the README warns next to `--strict-nonce`: n8n's reused headers are refused."""
    app = create_app(SPECS, strict_nonce=True, projects=[{"api_key": "k", "api_secret": "s"}])
    same = signed_headers("k", "s", 1734513807)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock/v1") as c:
        r = await c.post("/Run/reve/generate", json=PROMPT, headers=same)
        assert r.json()["result"] is True
        again = await c.post("/Task/Detail", json={"taskid": r.json()["taskid"]}, headers=same)
        assert again.status_code == 401


# -- task keys (section 5.4, 8) -------------------------------------------------------------
@pytest.mark.parametrize(
    ("client", "key"),
    [("docs-dart", "tasktoken"), ("mcp-wirokit", "socketaccesstoken"), ("go-ek", "taskid")],
)
def test_kill_key_each_client_sends(mock: WiroMock, client: str, key: str) -> None:
    taskid, token = run(mock, json=PROMPT)
    mock.advance(taskid, to="task_start")
    body = ok(post(mock, "/Task/Kill", json={key: taskid if key == "taskid" else token}))
    assert body["tasklist"][0]["status"] == "task_cancel"


@pytest.mark.parametrize(
    ("client", "key"), [("docs-dart", "tasktoken"), ("mcp-wirokit-go-ek", "taskid")]
)
def test_cancel_key_each_client_sends(mock: WiroMock, client: str, key: str) -> None:
    taskid, token = run(mock, json=PROMPT)
    body = ok(post(mock, "/Task/Cancel", json={key: taskid if key == "taskid" else token}))
    assert body["tasklist"][0]["status"] == "task_cancel"


def test_gateway_sends_taskid_and_tasktoken_together(mock: WiroMock) -> None:
    taskid, token = run(mock, json=PROMPT)
    body = ok(post(mock, "/Task/Detail", data={"taskid": taskid, "tasktoken": token}))
    assert body["tasklist"][0]["id"] == taskid


def test_go_picks_taskid_for_digits_and_tasktoken_otherwise(mock: WiroMock) -> None:
    taskid, token = run(mock, json=PROMPT)
    by_id = ok(post(mock, "/Task/Detail", json={"taskid": taskid}))["tasklist"][0]
    by_token = ok(post(mock, "/Task/Detail", json={"tasktoken": token}))["tasklist"][0]
    assert by_id["id"] == by_token["id"] == taskid


# -- bodies (sections 4, 6, 8) --------------------------------------------------------------
def test_gateway_posts_form_urlencoded(mock: WiroMock) -> None:
    taskid, _ = run(mock, data={"prompt": "urlencoded", "aspectRatio": "16:9"})
    assert mock.task(taskid)["task"]["parameters"]["aspectRatio"] == "16:9"


def test_go_always_sends_multipart_with_octet_stream_file_parts(mock: WiroMock) -> None:
    """Go's CLI sends every Run as multipart, files inline as application/octet-stream
    parts; the type comes from the bytes, never from the part header."""
    files = {"inputImage": ("photo.png", png_bytes(), "application/octet-stream")}
    taskid, _ = run(mock, "reve/Edit", data={"prompt": "blue"}, files=files)
    image_url = mock.task(taskid)["task"]["parameters"]["inputImage"]
    assert image_url.endswith(".png")
    assert httpx.get(image_url, timeout=10).headers["content-type"] == "image/png"


def test_go_sends_text_only_runs_as_multipart_too(mock: WiroMock) -> None:
    boundary = "wirogoboundary"
    content = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nmultipart only\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    ctype = {"content-type": f"multipart/form-data; boundary={boundary}"}
    taskid, _ = run(mock, content=content, headers=ctype)
    assert mock.task(taskid)["task"]["parameters"]["prompt"] == "multipart only"


def test_wirokit_and_dart_upload_one_octet_stream_file_part(mock: WiroMock) -> None:
    """WiroKit escapes `\\` and `"` in the filename; contenttype comes from magic bytes."""
    files = {"file": ('my "best" \\ shot.png', png_bytes(), "application/octet-stream")}
    (item,) = ok(post(mock, "/File/Upload", files=files))["list"]
    assert item["contenttype"] == "image/png" and item["url"]
    assert {"id", "name", "contenttype", "size", "url"} <= set(item)
    assert httpx.get(item["url"], timeout=10).content == png_bytes()


def test_n8n_sends_inputimageurl_for_inputimage(mock: WiroMock) -> None:
    url = "https://cdn.example.com/in.png"
    taskid, _ = run(mock, "reve/edit", json={"prompt": "blue", "inputImageUrl": url})
    assert mock.task(taskid)["task"]["parameters"]["inputImage"] == url


def test_n8n_sends_an_empty_string_for_an_unset_option(mock: WiroMock) -> None:
    """n8n sends `""` for an option the user left unset: treated as absent (the default)."""
    body = {"prompt": "x", "inputImageUrl": "https://cdn.example.com/a.png", "watermark": ""}
    taskid, _ = run(mock, "ByteDance/image-to-image-seededit-v3", json=body)
    assert mock.task(taskid)["task"]["parameters"]["watermark"] == "false"


def test_n8n_sends_guidance_scale_0_outside_the_help_range(mock: WiroMock) -> None:
    """seededit's help says "floating-point numbers between [1, 10]"; n8n's default is 0.
    Advisory: accepted, journaled as `constraint_from_help` (the response says so too)."""
    body = {"prompt": "x", "inputImageUrl": "https://cdn.example.com/a.png", "guidanceScale": 0}
    response = post(mock, "/Run/ByteDance/image-to-image-seededit-v3", json=body)
    ok(response)
    assert response.headers["x-mock-warnings"] == "constraint_from_help:guidanceScale"
    (entry,) = mock.requests(path="*/Run/*")
    assert [w["code"] for w in entry["warnings"]] == ["constraint_from_help"]
    assert "between 1 and 10" in entry["warnings"][0]["message"]


async def test_strict_constraints_refuses_the_help_range() -> None:
    app = create_app(SPECS, auth=False, validation={"strict_constraints": True})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock/v1") as c:
        body = {"prompt": "x", "inputImageUrl": "https://e.x/a.png", "guidanceScale": 0}
        r = await c.post("/Run/bytedance/image-to-image-seededit-v3", json=body)
        message = "Request parameter [guidanceScale] must be between 1 and 10"
        assert (r.status_code, r.json()["errors"]) == (200, [{"code": 0, "message": message}])
        inside = await c.post(
            "/Run/bytedance/image-to-image-seededit-v3", json={**body, "guidanceScale": 4}
        )
        assert inside.json()["result"] is True


def test_declared_ranges_stay_enforced(mock: WiroMock) -> None:
    """DreamOmni2's `steps` range comes from Wiro's OpenAPI document (an override): enforced."""
    body = {"prompt": "x", "inputImageUrl": "https://cdn.example.com/a.png", "steps": 0}
    r = post(mock, "/Run/xiabs/DreamOmni2", json=body)
    assert r.json()["result"] is False
    assert r.json()["errors"][0]["message"] == "Request parameter [steps] must be between 1 and 500"


# -- paths and slugs (section 8) --------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    ["//Task/Detail", "/Task/Detail/", "//Task//Detail/"],
    ids=["mcp-ek-double-slash", "trailing-slash", "both"],
)
def test_mcp_and_ek_keep_the_base_urls_trailing_slash(mock: WiroMock, path: str) -> None:
    taskid, _ = run(mock, json=PROMPT)
    assert ok(post(mock, path, json={"taskid": taskid}))["tasklist"][0]["id"] == taskid


@pytest.mark.parametrize(
    "slug",
    [
        "ByteDance/image-to-image-seededit-v3",  # Go: display slug, unescaped
        " ByteDance/image-to-image-seededit-v3 ",  # n8n: spaces around the slug
        "ByteDance%2Fimage-to-image-seededit-v3",  # WiroKit/Dart percent-encode
        "bytedance/image-to-image-seededit-v3",  # the clean slug
    ],
    ids=["go-display", "n8n-spaces", "wk-dt-encoded", "clean"],
)
def test_slug_forms_each_client_sends(mock: WiroMock, slug: str) -> None:
    body = {"prompt": "x", "inputImageUrl": "https://cdn.example.com/a.png"}
    taskid, _ = run(mock, slug, json=body)
    assert mock.task(taskid)["model"] == "bytedance/image-to-image-seededit-v3"


# -- the socket (section 7) -------------------------------------------------------------------
@pytest.mark.parametrize("ws_path", ["/v1", "/v1/", "/"])
async def test_socket_paths_and_terminal_detail_first(mock: WiroMock, ws_path: str) -> None:
    """Every client subscribes with `task_info`; WiroKit and Dart call Task/Detail at once
    after the terminal frame, so Detail must already be terminal; EK reads `outputs`."""
    _, token = run(mock, json=PROMPT)
    ws_url = mock.root_url.replace("http://", "ws://") + ws_path
    async with websockets.connect(ws_url) as ws:
        await ws.send(json.dumps({"type": "task_info", "tasktoken": token}))
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert frame["result"] is True and frame["tasktoken"] == token
            if frame["type"] == "task_postprocess_end":
                break
    detail = ok(post(mock, "/Task/Detail", json={"tasktoken": token}))["tasklist"][0]
    assert detail["status"] == "task_postprocess_end" and detail["pexit"] == "0"
    assert frame["message"] == frame["outputs"] == detail["outputs"]


# -- a strict-envelope client -----------------------------------------------------------------
class StrictEnvelopeClient:
    """Reads only HTTP 200 bodies and decides by `result` (Wiro's error reference); any other
    status is a transport failure to it. It must be able to do its whole job."""

    def __init__(self, mock: WiroMock) -> None:
        self.mock = mock

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = post(self.mock, path, json=body)
        if response.status_code != 200:
            raise AssertionError(f"HTTP {response.status_code} on {path}: not Wiro's envelope")
        data: dict[str, Any] = response.json()
        return data


# this client is for Wiro's statuses: not run under --http-errors, the opt-out
@pytest.mark.parametrize("mock", ["memory", "redis"], indirect=True)
def test_strict_envelope_client_reads_every_answer_from_200_bodies(mock: WiroMock) -> None:
    assert refusal_status(mock, 400) == 200
    client = StrictEnvelopeClient(mock)
    refused = client.call("/Run/reve/generate", {})
    assert refused["result"] is False and refused["errors"][0]["code"] == 0
    unknown = client.call("/Run/nobody/nothing", PROMPT)
    assert unknown["errors"] == [{"code": 1, "message": "slug-owner-project-not-exist"}]
    started = client.call("/Run/reve/generate", PROMPT)
    assert started["result"] is True
    missing = client.call("/Task/Detail", {"taskid": "987654321"})
    assert missing["errors"] == [{"code": 1, "message": "There is no task yet."}]
    mock.advance(started["taskid"], to="task_start")
    not_queued = client.call("/Task/Cancel", {"taskid": started["taskid"]})
    assert not_queued["errors"][0]["code"] == 1
    mock.advance(started["taskid"], to="end")
    done = client.call("/Task/Detail", {"taskid": started["taskid"]})
    assert done["result"] is True and done["tasklist"][0]["status"] == "task_postprocess_end"


def test_fixture_headers_stay_valid_under_strict_nonce(wiro_mock_factory: Any) -> None:
    """The pytest fixture's `headers()` gives a fresh millisecond nonce per call, so a test
    making many calls in one second passes against `--strict-nonce` too."""
    strict = wiro_mock_factory(strict_nonce=True, clock={"mode": "manual"})
    nonces = [strict.headers()["x-nonce"] for _ in range(200)]
    assert len(set(nonces)) == len(nonces) and all(len(n) == 13 for n in nonces)
    taskid, _ = run(strict, json=PROMPT)
    for _ in range(20):
        assert ok(post(strict, "/Task/Detail", json={"taskid": taskid}))
