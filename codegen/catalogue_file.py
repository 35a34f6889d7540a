"""`<package>/catalogue.json`: the normalized schema a generated client was made from.

The generated package carries it so that `wiro-mock --catalogue PACKAGE` and the pytest
fixture can serve exactly the models of an installed client, with no `specs/` folder.

Layout (UTF-8, keys sorted, models sorted by slug, one model per line, so a changed model
changes only its own line and two branches adding different models rarely conflict):

    {"format": "wirogen-catalogue/1", "models": [
    {"categories": [...], ..., "slug": "owner/project", ...},
    ...
    ]}

`format` names the layout and the schema version (`codegen.schema.SCHEMA_VERSION`); a
reader refuses any other value. JSON has no NaN or infinity. The parser refuses them in docs
(`codegen.numbers`), but the schema holds any float, so a model built in code can
carry one (an unbounded `minimum=-inf`); a non-finite float at one of the schema's float
positions is written `{"$float": "Infinity" | "-Infinity" | "NaN"}` and read back at the
same positions only (user dicts such as `examples` are never decoded). A non-finite number
anywhere else cannot be written and is refused. `wirogen.lock.json` uses the same encoding.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

from codegen.errors import GenerateError, WirogenError
from codegen.schema import SCHEMA_VERSION, Model

FILE_NAME = "catalogue.json"
FORMAT_NAME = "wirogen-catalogue"
FORMAT = f"{FORMAT_NAME}/{SCHEMA_VERSION}"
_TAG = "$float"
_NON_FINITE = {"Infinity": math.inf, "-Infinity": -math.inf, "NaN": math.nan}
#: The schema's float-typed fields of an input and of its file constraints.
_INPUT_FLOATS = ("default", "minimum", "maximum", "step")
_CONSTRAINT_FLOATS = ("min_aspect_ratio", "max_aspect_ratio")


class CatalogueFileError(WirogenError):
    """A catalogue.json that cannot be read: says which file and what is wrong, on one line."""


def dumps(models: Sequence[Model]) -> bytes:
    """The file's bytes: deterministic for the same models in any order."""
    from codegen.entries import make_entry  # here: it builds on this module

    return join_lines([make_entry(m).line for m in sorted(models, key=lambda m: m.slug)])


def join_lines(lines: Sequence[str]) -> bytes:
    """The file's bytes from each model's line (`codegen.entries`), in slug order."""
    head = '{"format": ' + json.dumps(FORMAT) + ', "models": ['
    body = ",\n".join(lines)
    return (head + "\n" + body + ("\n" if body else "") + "]}\n").encode("utf-8")


def unwritable(slug: str, exc: ValueError) -> GenerateError:
    """A model holding a non-finite float outside the known float fields."""
    return GenerateError(f"{FILE_NAME}: model {slug!r}: {exc}")


def loads(data: bytes, where: str) -> tuple[Model, ...]:
    """The models of a catalogue.json; `where` names the file in every error."""
    raw = _parse(data, where)
    models: list[Model] = []
    for index, item in enumerate(raw):
        if isinstance(item, dict):
            _map_floats(item, _decode)
        try:
            models.append(Model.model_validate(item))
        except ValidationError as exc:
            raise CatalogueFileError(f"{where}: model {index + 1}: {_first(exc)}") from None
    return tuple(models)


def _parse(data: bytes, where: str) -> list[Any]:
    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise CatalogueFileError(f"{where}: not valid JSON ({exc})") from None
    fmt = doc.get("format") if isinstance(doc, dict) else None
    if not isinstance(fmt, str) or not fmt.startswith(f"{FORMAT_NAME}/"):
        raise CatalogueFileError(f"{where}: not a wirogen catalogue (no {FORMAT_NAME} format)")
    if fmt != FORMAT:
        raise CatalogueFileError(
            f"{where}: format {fmt!r} is not the one this wirogen reads ({FORMAT!r}); "
            "regenerate the client with this wirogen, or install the wirogen that made it"
        )
    models = doc.get("models")
    if not isinstance(models, list):
        raise CatalogueFileError(f"{where}: 'models' is not a list")
    return models


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _first(exc: ValidationError) -> str:
    """One line for a validation error: its first problem and where it is."""
    error = exc.errors()[0]
    loc = ".".join(str(part) for part in error["loc"]) or "(model)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{loc}: {error['msg']}{more}"


def encode_floats(model: dict[str, Any]) -> dict[str, Any]:
    """A dumped model (`model_dump(mode="json")`) with its non-finite floats tagged, in
    place: what `json.dumps(..., allow_nan=False)` can then write."""
    _map_floats(model, _encode)
    return model


def decode_floats(model: Any) -> Any:
    """`encode_floats` undone, in place (anything but a dict is returned as it is)."""
    if isinstance(model, dict):
        _map_floats(model, _decode)
    return model


def _map_floats(model: dict[str, Any], convert: Callable[[Any], Any]) -> None:
    """Apply `convert` to every float position of a dumped model, in place."""
    inputs = model.get("inputs")
    for item in inputs if isinstance(inputs, list) else ():
        if not isinstance(item, dict):
            continue
        for key in _INPUT_FLOATS:
            if key in item:
                item[key] = convert(item[key])
        if isinstance(item.get("advisory_range"), list):
            item["advisory_range"] = [convert(v) for v in item["advisory_range"]]
        limits = item.get("file_constraints")
        if isinstance(limits, dict):
            for key in _CONSTRAINT_FLOATS:
                if key in limits:
                    limits[key] = convert(limits[key])


def _encode(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        name = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return {_TAG: name}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and value.keys() == {_TAG} and value[_TAG] in _NON_FINITE:
        return _NON_FINITE[value[_TAG]]
    return value
