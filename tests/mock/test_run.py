"""Run: body forms, slugs, coercion, validation messages, uploads, callbackUrl."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from codegen.wire import example_values
from mockserver import create_app
from tests.mock.conftest import (
    HEADERS,
    detail,
    errors,
    finish,
    kinds_model,
    make_client,
    png_bytes,
    refused,
    run_task,
)


async def test_json_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/Run/reve/generate", json={"prompt": "a cat"})
    body = response.json()
    assert response.status_code == 200
    assert body["result"] is True and body["errors"] == []
    assert body["taskid"].isdigit() and len(body["socketaccesstoken"]) == 30


async def test_docs_curl_quirk_multipart_without_boundary(client: httpx.AsyncClient) -> None:
    payload = json.dumps({"prompt": "a cat", "aspectRatio": "16:9"})
    response = await client.post(
        "/Run/reve/generate", content=payload, headers={"content-type": "multipart/form-data"}
    )
    assert response.status_code == 200, response.text
    task = await detail(client, response.json()["taskid"])
    assert task["parameters"]["aspectRatio"] == "16:9"


async def test_plain_curl_d_json_is_urlencoded_content_type(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/Run/reve/generate",
        content=b'{"prompt": "x"}',
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text


async def test_urlencoded_and_multipart(client: httpx.AsyncClient) -> None:
    r1 = await client.post("/Run/reve/generate", data={"prompt": "a", "aspectRatio": "3:2"})
    assert r1.status_code == 200, r1.text
    r2 = await client.post(
        "/Run/reve/generate",
        data={"prompt": "b"},
        files={"unused": ("", b"", "application/octet-stream")},
    )
    # an empty file part named like no input is still an unknown field
    assert "Request parameter [unused] is not an input of reve/Generate" in refused(r2)
    r3 = await client.post(
        "/Run/reve/edit",
        data={"prompt": "blue"},
        files={"inputImage": ("a.png", png_bytes(), "image/png")},
    )
    assert r3.status_code == 200, r3.text


@pytest.mark.parametrize(
    "slug", ["reve/generate", "reve/Generate", "REVE/GENERATE", "Reve/generate"]
)
async def test_slug_forms(client: httpx.AsyncClient, slug: str) -> None:
    assert (await client.post(f"/Run/{slug}", json={"prompt": "x"})).status_code == 200


async def test_display_slug_with_spaces_and_case(client: httpx.AsyncClient) -> None:
    r = await client.post("/Run/wiro/AvatarMotion", json={"inputImage": "input-man-3.jpg"})
    assert r.status_code == 200, r.text
    r = await client.post("/Run/ByteDance/image-to-image-seededit-v3", json={"prompt": "x"})
    assert r.status_code == 200, r.text


async def test_unknown_model(client: httpx.AsyncClient) -> None:
    response = await client.post("/Run/nobody/nothing", json={})
    assert refused(response, 1) == ["slug-owner-project-not-exist"]


@pytest.fixture
async def kinds() -> httpx.AsyncClient:
    return await make_client(create_app(models=[kinds_model()], clock={"mode": "step"}))


async def test_coercion_from_strings(kinds: httpx.AsyncClient) -> None:
    body = {"prompt": "p", "steps": "42", "scale": "3.5", "style": "b", "tags": "x,y", "hd": "1"}
    taskid = await run_task(kinds, "test/kinds", body)
    params = (await detail(kinds, taskid))["parameters"]
    assert params == {
        "prompt": "p", "steps": "42", "scale": "3.5", "style": "b", "tags": "x,y", "hd": "true"
    }  # fmt: skip


async def test_coercion_from_json_numbers_and_defaults(kinds: httpx.AsyncClient) -> None:
    taskid = await run_task(kinds, "test/kinds", {"prompt": "p", "steps": 7.0, "hd": False})
    params = (await detail(kinds, taskid))["parameters"]
    assert params["steps"] == "7" and params["hd"] == "false" and params["style"] == "a"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Request parameter [prompt] required"),
        ({"prompt": "p", "steps": "many"}, "Request parameter [steps] must be integer or float"),
        ({"prompt": "p", "scale": "nan"}, "Request parameter [scale] must be integer or float"),
        ({"prompt": "p", "steps": 0}, "Request parameter [steps] must be between 1 and 50"),
        ({"prompt": "p", "scale": 10.5}, "Request parameter [scale] must be between 0 and 10"),
        ({"prompt": "p", "steps": "2.5"}, "Request parameter [steps] must be an integer"),
        ({"prompt": "p", "style": "c"},
         "Request parameter [style] value [c] is not an allowed option (allowed: a, b)"),
        ({"prompt": "p", "tags": ["x", "z"]},
         "Request parameter [tags] value [z] is not an allowed option"),
        ({"prompt": "p", "hd": "maybe"}, "Request parameter [hd] must be true or false"),
        ({"prompt": ["a"]}, "Request parameter [prompt] must be a string"),
        ({"prompt": "p", "bogus": 1}, "Request parameter [bogus] is not an input of test/Kinds"),
        ({"prompt": "p", "refs": "u1,u2,u3"},
         "Request files [refs] has 3 entries; at most 2 allowed"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("http_errors", [False, True], ids=["wiro-200", "http-errors"])
async def test_validation_messages(body: dict, message: str, http_errors: bool) -> None:
    """Wiro's messages, code 0; HTTP 200 by default (Wiro's error reference), 400 with
    `--http-errors`."""
    app = create_app(models=[kinds_model()], clock={"mode": "step"}, http_errors=http_errors)
    async with await make_client(app) as kinds:
        response = await kinds.post("/Run/test/kinds", json=body)
    assert message in refused(response, 0, status=400 if http_errors else 200)


async def test_all_errors_reported_at_once(kinds: httpx.AsyncClient) -> None:
    response = await kinds.post("/Run/test/kinds", json={"steps": "x", "style": "z"})
    assert len(errors(response)) == 3


async def test_file_checks_by_magic_bytes(kinds: httpx.AsyncClient) -> None:
    fake = b"%PDF-1.4 not an image"
    r = await kinds.post(
        "/Run/test/kinds", data={"prompt": "p"},
        files={"inputImage": ("looks.png", fake, "image/png")},
    )  # fmt: skip
    assert "must be image/png or image/jpeg (detected application/pdf)" in refused(r)[0]
    big = png_bytes() + b"\0" * 250_000
    r = await kinds.post(
        "/Run/test/kinds", data={"prompt": "p"}, files={"inputImage": ("a.png", big, "image/png")}
    )
    assert "is too large" in errors(r)[0]
    r = await kinds.post(
        "/Run/test/kinds",
        data={"prompt": "p"},
        files=[
            ("inputImage", ("a.png", png_bytes(), "image/png")),
            ("inputImage", ("b.png", png_bytes(), "image/png")),
        ],
    )
    assert "at most 1 allowed" in errors(r)[0]


async def test_file_and_url_sibling_mixed(kinds: httpx.AsyncClient) -> None:
    r = await kinds.post(
        "/Run/test/kinds",
        data={"prompt": "p", "inputImageUrl": "", "refsUrl": "https://x/1.png"},
        files={"refs": ("r.jpg", png_bytes(fmt="JPEG"), "image/jpeg")},
    )
    assert r.status_code == 200, r.text
    params = (await detail(kinds, r.json()["taskid"]))["parameters"]
    urls = params["refs"].split(",")
    assert len(urls) == 2 and urls[1] == "https://x/1.png"
    file_path = urls[0].removeprefix("http://mock/v1")
    got = await kinds.get(file_path)
    assert got.status_code == 200 and got.content[:3] == b"\xff\xd8\xff"
    assert "inputImage" not in params


async def test_upload_served_and_traversal_safe(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/Run/reve/edit",
        data={"prompt": "blue"},
        files={"inputImage": ("../../../etc/passwd.png", png_bytes(), "image/png")},
    )
    assert r.status_code == 200, r.text
    url = (await detail(client, r.json()["taskid"]))["parameters"]["inputImage"]
    assert ".." not in url and url.startswith("http://mock/v1/File/")
    assert (await client.get(url.removeprefix("http://mock/v1"))).content == png_bytes()


async def test_callback_url_recorded(client: httpx.AsyncClient) -> None:
    body = {"prompt": "x", "callbackUrl": "You can provide a callback URL; Wiro will send"}
    taskid = await run_task(client, "reve/generate", body)
    task = await detail(client, taskid)
    assert task["callbackurl"] == body["callbackUrl"]
    assert "callbackUrl" not in task["parameters"]


async def test_unknown_fields_can_be_ignored() -> None:
    app = create_app(models=[kinds_model()], validation={"unknown_fields": "ignore"})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mock/v1", headers=HEADERS
    ) as c:
        r = await c.post("/Run/test/kinds", json={"prompt": "p", "extra": 1})
        assert r.status_code == 200
        assert r.headers["x-mock-unknown-fields"] == "extra"


async def test_every_spec_model_runs_with_its_defaults(client: httpx.AsyncClient) -> None:
    state = client._transport.app.state.mock  # type: ignore[attr-defined]
    for model in state.registry.models.values():
        body: dict[str, Any] = dict(example_values(model))
        for item in model.inputs:
            if item.kind.is_file:
                body[item.name] = "https://cdn.example/input.png"
        r = await client.post(model.run_path.replace("/Run/", "/Run/", 1), json=body)
        assert r.status_code == 200, (model.slug, r.text)
        task = await finish(client, r.json()["taskid"])
        assert task["status"] == "task_postprocess_end" and task["pexit"] == "0", model.slug
        assert task["outputs"], model.slug
