"""Turning caller kwargs into a validated input model, and that model into a Run body.

Kept apart from the HTTP code so both the sync and async clients (and the CLI)
share one implementation, and so it can be tested without any transport.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pydantic

from ._errors import ValidationError
from ._files import FilePart, is_local_file, is_url, make_part
from ._options import is_given
from ._spec import FileField, ModelSpec

__all__ = [
    "RequestBody",
    "TextPart",
    "build_input",
    "encode_run_body",
    "form_value",
    "wire_names",
]


#: A text part kept among the file parts, so a mixed files-and-URLs input keeps its order.
TextPart = tuple[str, str]


@dataclass(frozen=True)
class RequestBody:
    """A request body: JSON, or multipart text fields plus ordered file (and URL) parts."""

    json: dict[str, Any] | None = None
    data: dict[str, str | list[str]] = field(default_factory=dict)
    files: tuple[FilePart | TextPart, ...] = ()

    @property
    def is_multipart(self) -> bool:
        return self.json is None


def wire_names(model: type[pydantic.BaseModel]) -> dict[str, str]:
    """Python field name -> wire name (the alias when there is one)."""
    return {name: info.alias or name for name, info in model.model_fields.items()}


def build_input(spec: ModelSpec, kwargs: Mapping[str, Any]) -> pydantic.BaseModel:
    """Validate ``kwargs`` (Python or wire names) into ``spec.input_model``.

    ``NOT_GIVEN`` values are left out, so generated methods can forward every
    keyword and only what the caller set is sent (``encode_run_body`` sends the
    fields set, never the model's defaults). ``None`` is refused, not read as
    "unset": no Wiro input takes null. Raises the runtime's ``ValidationError``
    naming the wire field.
    """
    model = spec.input_model
    names = wire_names(model)
    given = {k: v for k, v in kwargs.items() if is_given(v)}
    known = set(names) | set(names.values())
    unknown = [k for k in given if k not in known]
    if unknown and model.model_config.get("extra") != "allow":
        raise ValidationError(
            f"{unknown[0]}: unknown parameter for {spec.display_name}", field=unknown[0]
        )
    nulls = [k for k, v in given.items() if v is None]
    if nulls:
        wire = names.get(nulls[0], nulls[0])
        raise ValidationError(
            f"{wire}: None is not a value; leave the argument out to use Wiro's default",
            field=wire,
        )
    try:
        params = model.model_validate(given)
    except pydantic.ValidationError as exc:
        raise _convert_error(exc, names) from None
    _check_counts(spec, params, names)
    return params


def _convert_error(exc: pydantic.ValidationError, names: Mapping[str, str]) -> ValidationError:
    problems: list[tuple[str, str]] = []
    for err in exc.errors():
        loc = err.get("loc") or ("",)
        head = str(loc[0])
        wire = names.get(head, head)
        message = "required" if err.get("type") == "missing" else str(err.get("msg", ""))
        message = message.removeprefix("Value error, ")
        suffix = "".join(f"[{part}]" for part in loc[1:])
        problems.append((wire, f"{wire}{suffix}: {message}"))
    text = "; ".join(msg for _, msg in problems)
    return ValidationError(text, field=problems[0][0] if problems else None, problems=problems)


def _check_counts(spec: ModelSpec, params: pydantic.BaseModel, names: Mapping[str, str]) -> None:
    by_wire = {wire: py for py, wire in names.items()}
    for ff in spec.file_fields:
        value = getattr(params, by_wire.get(ff.name, ff.name), None)
        count = len(value) if isinstance(value, list) else int(value is not None)
        limit = ff.max_items if ff.multiple else 1
        if limit is not None and count > limit:
            raise ValidationError(
                f"{ff.name}: at most {limit} file(s) allowed, got {count}", field=ff.name
            )


def form_value(value: Any) -> str:
    """A JSON-mode value as a multipart text field (bools lowercase, lists comma-joined)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(form_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


FileEntries = dict[str, list[str | Path | bytes | IO[bytes]]]


def _file_entries(spec: ModelSpec, params: pydantic.BaseModel) -> FileEntries:
    names = wire_names(type(params))
    by_wire = {wire: py for py, wire in names.items()}
    entries: FileEntries = {}
    for ff in spec.file_fields:
        py = by_wire.get(ff.name)
        if py is None or py not in params.model_fields_set:
            continue
        value = getattr(params, py)
        if value is not None:
            entries[ff.name] = list(value) if isinstance(value, list) else [value]
    return entries


def encode_run_body(spec: ModelSpec, params: pydantic.BaseModel) -> RequestBody:
    """The Run body for ``params``: JSON unless a file field holds a local file."""
    names = wire_names(type(params))
    file_wires = {ff.name for ff in spec.file_fields}
    exclude = {py for py, wire in names.items() if wire in file_wires}
    plain = params.model_dump(by_alias=True, exclude_unset=True, mode="json", exclude=exclude)
    entries = _file_entries(spec, params)
    fields = {ff.name: ff for ff in spec.file_fields}
    if not any(is_local_file(v) for values in entries.values() for v in values):
        return RequestBody(json=_json_body(plain, entries, fields))
    return _multipart_body(plain, entries, fields)


def _json_body(
    plain: dict[str, Any], entries: FileEntries, fields: Mapping[str, FileField]
) -> dict[str, Any]:
    body = dict(plain)
    for name, values in entries.items():
        urls = [str(v) for v in values]
        ff = fields[name]
        if ff.url_sibling is None:
            body[name] = urls if ff.multiple else urls[0]
        else:
            body[ff.url_sibling] = _join_urls(body.get(ff.url_sibling), urls)
    return body


def _multipart_body(
    plain: dict[str, Any], entries: FileEntries, fields: Mapping[str, FileField]
) -> RequestBody:
    data: dict[str, str | list[str]] = {k: form_value(v) for k, v in plain.items()}
    parts: list[FilePart | TextPart] = []
    for name, values in entries.items():
        ff = fields[name]
        urls = [v for v in values if isinstance(v, str) and is_url(v)]
        if ff.url_sibling is None:  # files and URLs share the field: keep the caller's order
            parts.extend((name, v) if v in urls else _part(name, v) for v in values)
            continue
        local = [v for v in values if v not in urls]
        parts.extend(_part(name, v) for v in local)
        data[ff.url_sibling] = _join_urls(data.get(ff.url_sibling), urls)
        if not local:
            data[name] = ""
    return RequestBody(data=data, files=tuple(parts))


def _part(name: str, value: str | Path | bytes | IO[bytes]) -> FilePart:
    return make_part(name, Path(value) if isinstance(value, str) else value)


def _join_urls(existing: Any, urls: list[str]) -> str:
    head = [str(existing)] if existing else []
    return ",".join(head + urls)
