"""Run request -> validated, coerced parameters, with Wiro's messages and codes.

One `ModelValidator` per model, built when the specs load, holds a checker per input so a
Run request only pays for dictionary lookups and the coercions it needs. Values arrive as
strings in forms and often in JSON too (`"seed": "42"`), so each is coerced by its input's
kind; the stored parameters are strings, like Wiro shows them in Task/Detail. File inputs
collect uploads and URLs (`NAME`, `NAMEUrl`, the declared sibling, comma-separated lists) and
check count, size and type — the type by magic bytes, never by file name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codegen import wire
from codegen.schema import Input, InputKind, Model
from mockserver.errors import ValidationError
from mockserver.models.fields import Upload
from mockserver.models.media import family, image_size, sniff

ALWAYS_ALLOWED = frozenset({"callbackUrl", "projectid"})
_MISSING = object()
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})

#: A file entry after validation: a URL string or an upload still to be stored.
FileItem = str | Upload


@dataclass(slots=True)
class Validated:
    params: dict[str, str]
    files: dict[str, list[FileItem]] = field(default_factory=dict)
    callback_url: str = ""
    unknown: list[str] = field(default_factory=list)
    #: Accepted values outside a range only the help text states (`constraint_from_help`).
    warnings: list[dict[str, str]] = field(default_factory=list)


Checker = Callable[[Any, list[str]], Any]


class ModelValidator:
    """The compiled checks of one model's inputs."""

    def __init__(
        self,
        model: Model,
        upload_max_bytes: int,
        unknown_fields: str = "reject",
        strict_constraints: bool = False,
    ):
        self.model = model
        self.reject_unknown = unknown_fields == "reject"
        self.strict_constraints = strict_constraints
        #: (name, low, high) of numeric inputs whose range only the help text states.
        self.advisory = [
            (i.name, *i.advisory_range)
            for i in model.inputs
            if i.advisory_range is not None and i.kind.is_numeric
        ]
        self.upload_max_bytes = upload_max_bytes
        self.file_inputs: list[tuple[Input, tuple[str, ...]]] = []
        #: Per scalar input, what `validate` reads (attribute and property reads on the
        #: pydantic `Input` hoisted out of the per-request loop).
        self._scalar_plan: list[tuple[str, Input, Checker, str | None, bool, bool, bool]] = []
        allowed = set(ALWAYS_ALLOWED)
        for item in model.inputs:
            allowed.add(item.name)
            if item.kind.is_file:
                siblings = _siblings(item)
                allowed.update(siblings)
                self.file_inputs.append((item, siblings))
            else:
                check, default = _checker(item), wire.default_text(item)
                self._scalar_plan.append(
                    (item.name, item, check, default, item.required, item.accepts_url,
                     "" in item.option_values)
                )  # fmt: skip
        self.allowed = frozenset(allowed)

    def validate(self, fields: dict[str, Any]) -> Validated:
        errors: list[str] = []
        params: dict[str, str] = {}
        url_uploads: list[tuple[Input, Upload]] = []
        for name, item, check, default, required, accepts_url, allow_empty in self._scalar_plan:
            value = fields.get(name, _MISSING)
            if isinstance(value, Upload) and accepts_url:
                params[name] = ""  # placeholder, replaced by the stored file's URL
                url_uploads.append((item, value))
                continue
            if value is _MISSING or value is None or (value == "" and not allow_empty):
                if required:
                    errors.append(f"Request parameter [{name}] required")
                elif default is not None:
                    params[name] = default
                continue
            result = check(value, errors)
            if result is not None:
                params[name] = result
        files: dict[str, list[FileItem]] = {}
        for item, siblings in self.file_inputs:
            entries = self._files(item, siblings, fields, errors)
            if entries:
                files[item.name] = entries
        for item, upload in url_uploads:  # file sent to a URL-typed input (after file inputs)
            self._check_upload(item, upload, errors)
            files[item.name] = [upload]
        allowed = self.allowed
        unknown = [k for k in fields if k not in allowed]
        if unknown and self.reject_unknown:
            errors += [
                f"Request parameter [{k}] is not an input of {self.model.display_name}"
                for k in unknown
            ]
        warnings = self._advisory_warnings(fields, params, errors) if self.advisory else []
        callback = fields.get("callbackUrl")
        if errors:
            raise ValidationError(errors)
        return Validated(
            params=params,
            files=files,
            callback_url=callback.strip() if isinstance(callback, str) else "",
            unknown=unknown,
            warnings=warnings,
        )

    def _advisory_warnings(
        self, fields: dict[str, Any], params: dict[str, str], errors: list[str]
    ) -> list[dict[str, str]]:
        """Sent values outside a help-stated range: Wiro's error under `strict_constraints`,
        else accepted with a warning (Wiro's n8n node sends `guidanceScale: 0` for "[1, 10]")."""
        warnings = []
        for name, low, high in self.advisory:
            text = params.get(name)
            if name not in fields or text is None or low <= float(text) <= high:
                continue
            message = _range_message(name, wire.number_text(low), wire.number_text(high))
            if self.strict_constraints:
                errors.append(message)
            else:
                warnings.append(
                    {"code": "constraint_from_help", "input": name,
                     "message": f"{message} (a range only the help text states; accepted)"}
                )  # fmt: skip
        return warnings

    def _files(
        self, item: Input, siblings: tuple[str, ...], fields: dict[str, Any], errors: list[str]
    ) -> list[FileItem]:
        entries: list[FileItem] = []
        multi = item.kind == InputKind.FILES
        for key in (item.name, *siblings):
            value = fields.get(key)
            for raw in value if isinstance(value, list) else [value]:
                if isinstance(raw, Upload):
                    if raw.data or raw.filename:
                        entries.append(raw)
                elif isinstance(raw, str):
                    parts = raw.split(",") if multi or key != item.name else [raw]
                    entries += [p.strip() for p in parts if p.strip()]
                elif raw is not None:
                    errors.append(f"Request files [{item.name}] must be files or URLs")
                    return []
        limit = item.max_items if item.max_items is not None else (None if multi else 1)
        if not entries:
            if item.required:
                errors.append(f"Request files [{item.name}] required")
            return []
        if limit is not None and len(entries) > limit:
            errors.append(
                f"Request files [{item.name}] has {len(entries)} entries; at most {limit} allowed"
            )
            return []
        for entry in entries:
            if isinstance(entry, Upload):
                self._check_upload(item, entry, errors)
        return entries

    def _check_upload(self, item: Input, upload: Upload, errors: list[str]) -> None:
        constraints = item.file_constraints
        limit = self.upload_max_bytes
        if constraints is not None and constraints.max_bytes is not None:
            limit = min(limit, constraints.max_bytes)
        name = upload.filename
        if not upload.data:
            errors.append(f"Request files [{item.name}] file {name} is empty")
            return
        if len(upload.data) > limit:
            errors.append(
                f"Request files [{item.name}] file {name} is too large: "
                f"{len(upload.data)} bytes (limit {limit} bytes)"
            )
            return
        detected = sniff(upload.data)
        allowed = _allowed_types(item)
        if allowed and not any(_type_ok(detected, a) for a in allowed):
            errors.append(
                f"Request files [{item.name}] file {name} must be {' or '.join(allowed)} "
                f"(detected {detected})"
            )
            return
        if constraints is not None and family(detected) == "image":
            c = constraints
            problem = _image_problem(
                upload.data, c.min_side_px, c.min_aspect_ratio, c.max_aspect_ratio
            )
            if problem:
                errors.append(f"Request files [{item.name}] file {name} {problem}")


def _siblings(item: Input) -> tuple[str, ...]:
    names = [f"{item.name}Url"]
    if item.url_sibling:
        names.append(item.url_sibling)
    if item.name.endswith("Multiple"):  # the documented quirk: inputDocumentUrlMultiple
        names.append(item.name.removesuffix("Multiple") + "UrlMultiple")
    return tuple(dict.fromkeys(n for n in names if n != item.name))


def _allowed_types(item: Input) -> tuple[str, ...]:
    """Declared content types, else the family the input's name implies (image/video/...)."""
    if item.file_constraints is not None and item.file_constraints.content_types:
        return item.file_constraints.content_types
    words = f"{item.name} {item.label}".lower()
    for needle, fam in (
        ("image", "image/*"), ("photo", "image/*"), ("video", "video/*"),
        ("audio", "audio/*"), ("voice", "audio/*"), ("document", "*"),
    ):  # fmt: skip
        if needle in words:
            return (fam,) if fam != "*" else ()
    return ()


def _type_ok(detected: str, allowed: str) -> bool:
    if allowed.endswith("/*"):
        return family(detected) == allowed[:-2]
    return detected == allowed.lower() or (allowed == "image/jpg" and detected == "image/jpeg")


def _image_problem(
    data: bytes, min_side: int | None, min_ratio: float | None, max_ratio: float | None
) -> str | None:
    size = image_size(data)
    if size is None:
        return None
    w, h = size
    if min_side is not None and min(w, h) < min_side:
        return f"is {w}x{h}; each side must be at least {min_side} px"
    ratio = w / h if h else 0
    if min_ratio is not None and ratio < min_ratio - 1e-6:
        return f"aspect ratio {ratio:.3f} is below {min_ratio:g}"
    if max_ratio is not None and ratio > max_ratio + 1e-6:
        return f"aspect ratio {ratio:.3f} is above {max_ratio:g}"
    return None


def _checker(item: Input) -> Checker:
    kind = item.kind
    if kind in (InputKind.INTEGER, InputKind.NUMBER):
        return _numeric(item)
    if kind == InputKind.BOOLEAN:
        return _boolean(item)
    if kind == InputKind.SELECT:
        return _select(item)
    if kind == InputKind.MULTISELECT:
        return _multiselect(item)
    return _text(item)


def _text(item: Input) -> Checker:
    name = item.name

    def check(value: Any, errors: list[str]) -> str | None:
        text = wire.scalar_text(value)
        if text is None:
            errors.append(f"Request parameter [{name}] must be a string")
        return text

    return check


def _range_message(name: str, low: str, high: str) -> str:
    """Wiro's wording for a value out of range (declared, or help-stated when strict)."""
    return f"Request parameter [{name}] must be between {low} and {high}"


def _numeric(item: Input) -> Checker:
    name, integer = item.name, item.kind == InputKind.INTEGER
    low, high = item.minimum, item.maximum
    range_msg = None
    if low is not None or high is not None:
        lo = wire.number_text(low) if low is not None else "-infinity"
        hi = wire.number_text(high) if high is not None else "infinity"
        range_msg = _range_message(name, lo, hi)

    def check(value: Any, errors: list[str]) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            errors.append(f"Request parameter [{name}] must be integer or float")
            return None
        try:
            number = float(value.strip()) if isinstance(value, str) else float(value)
        except (ValueError, OverflowError):  # OverflowError: an int beyond float (309+ digits)
            errors.append(f"Request parameter [{name}] must be integer or float")
            return None
        if not math.isfinite(number):
            errors.append(f"Request parameter [{name}] must be integer or float")
            return None
        if integer and not number.is_integer():
            errors.append(f"Request parameter [{name}] must be an integer")
            return None
        if range_msg and (
            (low is not None and number < low) or (high is not None and number > high)
        ):
            errors.append(range_msg)
            return None
        if integer:
            return str(int(number))
        return value.strip() if isinstance(value, str) else wire.number_text(number)

    return check


def _boolean(item: Input) -> Checker:
    name = item.name

    def check(value: Any, errors: list[str]) -> str | None:
        text = wire.scalar_text(value)
        low = text.strip().lower() if text is not None else ""
        if low in _TRUE:
            return "true"
        if low in _FALSE:
            return "false"
        errors.append(f"Request parameter [{name}] must be true or false")
        return None

    return check


def _select(item: Input) -> Checker:
    name, options = item.name, frozenset(item.option_values)
    shown = ", ".join(v or '""' for v in item.option_values)

    def check(value: Any, errors: list[str]) -> str | None:
        text = wire.scalar_text(value)
        if text is None:
            errors.append(f"Request parameter [{name}] must be a string")
            return None
        if options and text not in options:
            if isinstance(value, float) and wire.number_text(value) in options:
                return wire.number_text(value)
            errors.append(
                f"Request parameter [{name}] value [{text}] is not an allowed option "
                f"(allowed: {shown})"
            )
            return None
        return text

    return check


def _multiselect(item: Input) -> Checker:
    name, options = item.name, frozenset(item.option_values)

    def check(value: Any, errors: list[str]) -> str | None:
        values = value if isinstance(value, list) else str(value).split(",")
        picked = [t.strip() for t in (wire.scalar_text(v) or "" for v in values) if t.strip()]
        bad = [v for v in picked if options and v not in options]
        if bad:
            errors.append(
                f"Request parameter [{name}] value [{', '.join(bad)}] is not an allowed option"
            )
            return None
        return ",".join(picked)

    return check
