"""Bad input of every kind: a Wiro-shaped error, never a 500.

A bad body is a validation error, which Wiro answers with HTTP 200 and `result: false`;
unsupported media (415) and size limits (413) keep their HTTP statuses.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver import create_app
from tests.mock.conftest import HEADERS, SPECS, errors, refused


@pytest.mark.parametrize(
    ("content", "ctype", "status", "needle"),
    [
        (b'{"prompt": ', "application/json", 200, "not valid JSON"),
        (b"[1, 2]", "application/json", 200, "must be a JSON object"),
        (b'{"prompt": "\xff\xfe"}', "application/json", 200, "not valid UTF-8"),
        (b"prompt=%FF%FE", "application/x-www-form-urlencoded", 200, "not valid UTF-8"),
        (b"<xml/>", "application/xml", 415, "not supported"),
        (b"garbage", "multipart/form-data", 200, "without a boundary"),
        (b"--b\r\nnot a part", "multipart/form-data; boundary=b", 200, "multipart"),
        (b"[" * 100_000, "application/json", 200, "JSON"),
    ],
)
async def test_malformed_bodies(
    client: httpx.AsyncClient, content: bytes, ctype: str, status: int, needle: str
) -> None:
    for path in ("/Run/reve/generate", "/Task/Detail", "/File/Upload"):
        r = await client.post(path, content=content, headers={"content-type": ctype})
        assert r.status_code == status, (path, r.text)
        assert needle in " ".join(errors(r)), (path, r.text)


async def test_oversized_bodies() -> None:
    app = create_app(SPECS, limits={"max_body_bytes": 2048, "max_json_bytes": 1024})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mock/v1", headers=HEADERS
    ) as c:
        r = await c.post("/Run/reve/generate", json={"prompt": "x" * 1500})
        assert r.status_code == 413 and "larger than 1024" in errors(r)[0]
        r = await c.post("/Run/reve/generate", content=b"x" * 5000)
        assert r.status_code == 413 and "larger than 2048" in errors(r)[0]

        async def chunks():  # no content-length: counted as it streams
            yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
            for _ in range(10):
                yield b"a" * 500

        ctype = {"content-type": "multipart/form-data; boundary=x"}
        r = await c.post("/File/Upload", content=chunks(), headers=ctype)
        assert r.status_code == 413


async def test_upload_limit_100mb_configurable() -> None:
    app = create_app(SPECS, limits={"upload_max_bytes": 1000})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mock/v1", headers=HEADERS
    ) as c:
        r = await c.post("/File/Upload", files={"file": ("a.bin", b"x" * 2000)})
        assert "too large" in refused(r)[0]


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    r = await client.post("/Nope/Nothing", json={})
    assert refused(r, 0, status=404) == ["Error parsing url."]  # Wiro's answer
    r = await client.get("/Task/Detail")
    assert r.status_code == 405 and r.json()["result"] is False
    r = await client.get("/File/unknowntoken/a.png")
    assert r.status_code == 404 and r.json()["result"] is False


async def test_internal_error_is_wiro_shaped(client: httpx.AsyncClient, monkeypatch) -> None:
    from mockserver.api import tasks

    def boom(*args: object) -> None:
        raise ZeroDivisionError

    monkeypatch.setattr(tasks, "render_task", boom)
    r = await client.post("/Run/reve/generate", json={"prompt": "x"})
    r = await client.post("/Task/Detail", json={"taskid": r.json()["taskid"]})
    assert r.status_code == 500 and r.json()["result"] is False


async def test_file_routes(client: httpx.AsyncClient) -> None:
    r = await client.post("/File/FolderCreate", json={"name": "../../inputs"})
    folder = r.json()["list"][0]
    assert folder["name"] == "inputs" and r.json()["result"] is True
    r = await client.post(
        "/File/Upload",
        data={"folderid": folder["id"]},
        files={"file": ("..\\..\\evil name?.png", b"\x89PNG\r\n\x1a\nrest", "image/png")},
    )
    item = r.json()["list"][0]
    assert item["name"] == "evil name_.png" and item["parentid"] == folder["id"]
    assert item["contenttype"] == "image/png" and item["size"] == "12"
    assert (await client.get(item["url"].removeprefix("http://mock/v1"))).content[:4] == b"\x89PNG"
    assert refused(await client.post("/File/Upload", data={"x": "1"}))
    assert refused(await client.post("/File/FolderCreate", json={}))


async def test_admin_api_can_be_turned_off_or_bound_to_a_token() -> None:
    off = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(SPECS, admin={"enabled": False}))
    )
    async with off:
        r = await off.get("http://mock/__mock__/tasks")
        assert refused(r, 0, status=404) == ["Error parsing url."]  # as if it did not exist
        assert (await off.get("http://mock/v1")).status_code == 200  # the API itself is unaffected
    app = create_app(SPECS, admin={"token": "s3cret"})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mock"
    ) as c:
        denied = await c.get("/__mock__/tasks")
        assert denied.status_code == 401
        assert denied.json()["errors"][0]["message"] == "Admin API token is missing or wrong."
        for header, status in (
            ({"authorization": "Bearer wrong"}, 401),
            ({"authorization": "Bearer s3cret"}, 200),
            ({"x-mock-admin-token": "s3cret"}, 200),
        ):
            assert (await c.get("/__mock__/tasks", headers=header)).status_code == status
        assert (await c.get("/__mock__/tasks?token=s3cret")).status_code == 200


def test_plugin_sends_the_admin_token(wiro_mock_factory: Any) -> None:
    server = wiro_mock_factory(admin={"token": "t0ken"})
    assert server.tasks() == []  # the fixture's own admin calls carry the token
