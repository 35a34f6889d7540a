"""Request bodies in every form Wiro clients send, turned into one `{name: value}` dict.

JSON, `multipart/form-data`, `application/x-www-form-urlencoded`, and the docs' own curl
quirk: `Content-Type: multipart/form-data` with no boundary and a JSON body (`-d '{...}'`).
A urlencoded content type with a JSON-looking body (plain `curl -d '{...}'`) is JSON too.
Every malformed body becomes a Wiro-shaped 400 naming what was wrong, an integer too long
for Python to convert (over `sys.get_int_max_str_digits()`, 4,300 digits) included.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import Request

from mockserver.errors import BodyTooLargeError, MockError, ValidationError
from mockserver.http.call import Call, authenticate
from mockserver.models.fields import Upload

if TYPE_CHECKING:
    from mockserver.config import Project

JSON_TYPES = ("application/json", "text/json", "text/plain", "")


async def read_fields(call: Call, max_json_bytes: int) -> dict[str, Any]:
    """The body as a dict; repeated form fields become lists, file parts `Upload`s."""
    ctype_header = call.headers.get("content-type", "")
    ctype, _, params = ctype_header.partition(";")
    ctype = ctype.strip().lower()
    if ctype == "multipart/form-data" and "boundary=" in params.lower():
        return await _multipart(call.request())
    body = await call.body()
    if ctype in JSON_TYPES or ctype.endswith("+json") or _looks_like_json(body):
        if len(body) > max_json_bytes:
            raise BodyTooLargeError(f"Request body is larger than {max_json_bytes} bytes.")
        return parse_json(body)
    if ctype == "application/x-www-form-urlencoded":
        return _urlencoded(body)
    if ctype == "multipart/form-data":  # no boundary and not JSON: nothing we can read
        if not body.strip():
            return {}
        raise ValidationError("Request body is multipart/form-data without a boundary.")
    raise MockError(
        f"Request content type {ctype_header!r} is not supported; send application/json, "
        "multipart/form-data or application/x-www-form-urlencoded.",
        status=415,
    )


def parse_json(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"Request body is not valid UTF-8 (bad byte at offset {exc.start})."
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"Request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
        ) from exc
    except RecursionError as exc:
        raise ValidationError("Request body is not valid JSON: nested too deeply.") from exc
    except ValueError as exc:  # an integer over Python's int/str digit limit (4,300)
        raise _long_integer_error(text) from exc
    if not isinstance(data, dict):
        raise ValidationError("Request body must be a JSON object.")
    return data


class _LongInteger(str):
    """The digits of a JSON integer longer than Python converts (`sys.get_int_max_str_digits`)."""


def _parse_int(digits: str) -> int | str:
    try:
        return int(digits)
    except ValueError:
        return _LongInteger(digits)


def _long_integer_error(text: str) -> ValidationError:
    """The error for a body `json` refused over an over-long integer, naming the top-level
    field that holds it. Only a refused body pays for this second, hooked parse."""
    data = json.loads(text, parse_int=_parse_int)
    if not isinstance(data, dict):
        return ValidationError("Request body must be a JSON object.")
    name = next((key for key, value in data.items() if _holds_long(value)), None)
    limit = f"a number of at most {sys.get_int_max_str_digits()} digits"
    if name is None:
        return ValidationError(f"Request body is not valid JSON: a number must be {limit}.")
    return ValidationError(f"Request parameter [{name}] must be {limit}")


def _holds_long(value: Any) -> bool:
    """Whether a JSON value holds a `_LongInteger` at any depth (iterative: no recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _LongInteger):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _looks_like_json(body: bytes) -> bool:
    return body.lstrip()[:1] == b"{"


def _urlencoded(body: bytes) -> dict[str, Any]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"Request body is not valid UTF-8 (bad byte at offset {exc.start})."
        ) from exc
    fields: dict[str, Any] = {}
    for key, value in pairs:
        _add(fields, key, value)
    return fields


async def _multipart(request: Request) -> dict[str, Any]:
    try:
        form = await request.form(max_files=100, max_fields=1000, max_part_size=10 * 1024 * 1024)
    except MockError:
        raise
    except Exception as exc:  # python-multipart / starlette raise several types
        detail = getattr(exc, "message", None) or getattr(exc, "detail", None) or str(exc)
        if isinstance(exc.__cause__, MockError):
            raise exc.__cause__ from exc
        raise ValidationError(f"Request body is not valid multipart/form-data: {detail}") from exc
    fields: dict[str, Any] = {}
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                name = value.filename or key
                _add(fields, key, Upload(name, value.content_type or "", data))
            else:
                _add(fields, key, value)
    finally:
        await form.close()
    return fields


def _add(fields: dict[str, Any], key: str, value: Any) -> None:
    if key in fields:
        current = fields[key]
        if isinstance(current, list):
            current.append(value)
        else:
            fields[key] = [current, value]
    else:
        fields[key] = value


def describe(fields: dict[str, Any]) -> dict[str, Any]:
    """A JSON-safe copy for the journal (file parts as name/type/size)."""
    for value in fields.values():
        if isinstance(value, (Upload, list)):
            break
    else:
        return fields
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, list):
            out[key] = [v.describe() if isinstance(v, Upload) else v for v in value]
        elif isinstance(value, Upload):
            out[key] = value.describe()
        else:
            out[key] = value
    return out


async def opened(call: Call) -> tuple[Project, dict[str, Any]]:
    """The caller's project and the request's fields, journaled: how every API route but
    Run begins (authenticate first, so a refused caller's body is never parsed)."""
    project = await authenticate(call)
    fields = await read_fields(call, call.state.config.limits.max_json_bytes)
    call.context.remember(describe(fields))
    return project, fields
