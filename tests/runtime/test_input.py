"""Input validation and Run bodies: JSON vs multipart, URL siblings, only set values."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def parse_multipart(
    request: Any,
) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, bytes]]]]:
    """(text fields, file parts) of a multipart request, parsed with the email package."""
    from email.parser import BytesParser
    from email.policy import HTTP

    ctype = request.headers["content-type"]
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {ctype}\r\n\r\n".encode() + request.content
    )
    texts: dict[str, list[str]] = {}
    files: dict[str, list[tuple[str, bytes]]] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        if filename is None:
            texts.setdefault(name, []).append(payload.decode())
        else:
            files.setdefault(name, []).append((filename, payload))
    return texts, files


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    path.write_bytes(PNG)
    return path


def run_body(make_client: Any, fake: Any, spec: Any, rt: ModuleType, **kwargs: Any) -> Any:
    client = make_client()
    task = client._run(spec, rt.build_input(spec, kwargs))
    assert (task.id, task.token) == ("534574", "TOKEN123")
    (request,) = [r for r in fake.requests if r.url.path == "/v1/Run/reve/edit"]
    return request


def test_json_body_only_contains_what_was_set(
    rt: ModuleType, edit_spec: Any, make_client: Any, fake: Any
) -> None:
    request = run_body(make_client, fake, edit_spec, rt, prompt="blue", seed=7, safe=False)
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"prompt": "blue", "seed": 7, "safe": False}


def test_json_urls_go_to_sibling_or_same_field(
    rt: ModuleType, edit_spec: Any, make_client: Any, fake: Any
) -> None:
    request = run_body(
        make_client,
        fake,
        edit_spec,
        rt,
        prompt="p",
        input_image="https://cdn.test/a.png",
        references=["https://cdn.test/r1.png", "https://cdn.test/r2.png"],
        input_docs=["https://cdn.test/d1.pdf", "https://cdn.test/d2.pdf"],
        callback_url="https://hook.test/cb",
    )
    assert json.loads(request.content) == {
        "prompt": "p",
        "inputImageUrl": "https://cdn.test/a.png",
        "references": ["https://cdn.test/r1.png", "https://cdn.test/r2.png"],
        "inputDocsUrl": "https://cdn.test/d1.pdf,https://cdn.test/d2.pdf",
        "callbackUrl": "https://hook.test/cb",
    }


def test_multipart_when_a_local_file_is_given(
    rt: ModuleType, edit_spec: Any, make_client: Any, fake: Any, image: Path
) -> None:
    request = run_body(
        make_client,
        fake,
        edit_spec,
        rt,
        prompt="p",
        input_image=str(image),
        references=[b"\xff\xd8\xffjpegdata", "https://cdn.test/r.png"],
        input_docs=["https://cdn.test/d1.pdf", "https://cdn.test/d2.pdf"],
        safe=True,
        seed=3,
        tags=["a", "b"],
    )
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    texts, files = parse_multipart(request)
    assert files["inputImage"] == [("photo.png", PNG)]
    assert texts["inputImageUrl"] == [""]
    # combinefileinput: files and URLs repeated in the same field
    assert files["references"] == [("references.jpg", b"\xff\xd8\xffjpegdata")]
    assert texts["references"] == ["https://cdn.test/r.png"]
    # multifileinput given only URLs: URLs in the sibling, field itself sent empty
    assert texts["inputDocsUrl"] == ["https://cdn.test/d1.pdf,https://cdn.test/d2.pdf"]
    assert texts["inputDocs"] == [""]
    assert texts["prompt"] == ["p"] and texts["safe"] == ["true"] and texts["seed"] == ["3"]
    assert texts["tags"] == ["a,b"]
    assert "scale" not in texts  # default, not set by the caller


def test_file_object_and_path_object(
    rt: ModuleType, edit_spec: Any, make_client: Any, fake: Any, image: Path
) -> None:
    handle = io.BytesIO(b"abc")
    handle.name = "/somewhere/doc.pdf"
    request = run_body(
        make_client, fake, edit_spec, rt, prompt="p", input_image=image, input_docs=[handle]
    )
    _, files = parse_multipart(request)
    assert files == {"inputImage": [("photo.png", PNG)], "inputDocs": [("doc.pdf", b"abc")]}


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({}, "prompt", "required"),
        ({"prompt": "p", "seed": "many"}, "seed", "integer"),
        ({"prompt": "p", "seed": 5000}, "seed", "less than or equal"),
        ({"prompt": "p", "input_image": "missing/photo.jpg"}, "inputImage", "file not found"),
        ({"prompt": "p", "style": "oil"}, "style", "photo"),
        ({"prompt": "p", "bogus": 1}, "bogus", "unknown parameter"),
        ({"prompt": "p", "references": ["https://x.test/1"] * 4}, "references", "at most 3"),
    ],
)
def test_validation_errors_name_the_wire_field(
    rt: ModuleType, edit_spec: Any, kwargs: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(rt.ValidationError) as info:
        rt.build_input(edit_spec, kwargs)
    assert info.value.field == field
    assert field in str(info.value) and fragment in str(info.value)


def test_validation_error_is_raised_before_any_request(
    rt: ModuleType, edit_spec: Any, make_client: Any, fake: Any
) -> None:
    client = make_client()
    with pytest.raises(rt.ValidationError):
        client.run_model(edit_spec, prompt="p", input_image="nope.png")
    assert fake.requests == []


def test_not_given_is_left_out_and_wire_names_are_accepted(rt: ModuleType, edit_spec: Any) -> None:
    params = rt.build_input(
        edit_spec, {"prompt": "p", "seed": rt.NOT_GIVEN, "inputImage": "https://x.test/i"}
    )
    assert params.model_fields_set == {"prompt", "input_image"}
    body = rt._input.encode_run_body(edit_spec, params).json
    assert body == {"prompt": "p", "inputImageUrl": "https://x.test/i"}  # no default sent


def test_none_is_refused_not_read_as_unset(rt: ModuleType, edit_spec: Any) -> None:
    with pytest.raises(rt.ValidationError, match="seed: None is not a value") as info:
        rt.build_input(edit_spec, {"prompt": "p", "seed": None})
    assert info.value.field == "seed"


def test_file_value_rejects_text_mode_files(rt: ModuleType, edit_spec: Any, tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("x")
    with path.open() as text_handle, pytest.raises(rt.ValidationError, match="binary"):
        rt.build_input(edit_spec, {"prompt": "p", "input_image": text_handle})


async def test_async_client_uploads_local_files(
    rt: ModuleType, edit_spec: Any, make_async_client: Any, fake: Any, image: Path
) -> None:
    async with make_async_client() as client:
        task = await client.run_model(edit_spec, prompt="p", input_image=image)
    assert task.id == "534574"
    _, files = parse_multipart(fake.requests[0])
    assert files == {"inputImage": [("photo.png", PNG)]}


def test_mixed_files_and_urls_keep_the_callers_order(
    rt: ModuleType, edit_spec: Any, make_client: Any, fake: Any, image: Path
) -> None:
    """DreamOmni2's prompt speaks of 'the first image': order is meaning."""
    request = run_body(
        make_client, fake, edit_spec, rt, prompt="p",
        references=["https://cdn.test/first.png", b"\xff\xd8\xffsecond", "https://cdn.test/third.png"],
    )  # fmt: skip
    from email.parser import BytesParser
    from email.policy import HTTP

    ctype = request.headers["content-type"]
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {ctype}\r\n\r\n".encode() + request.content
    )
    order = [
        part.get_filename() or part.get_payload(decode=True).decode()
        for part in message.iter_parts()
        if part.get_param("name", header="content-disposition") == "references"
    ]
    assert order == ["https://cdn.test/first.png", "references.jpg", "https://cdn.test/third.png"]
