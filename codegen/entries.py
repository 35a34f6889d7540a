"""Each model's entry in `wirogen.lock.json` and in `catalogue.json`, made once per content.

Both files hold every model, one entry each, and serializing 1,000 models (the lock's
indented JSON goes through the pure-Python encoder) cost more than everything else a
one-spec regeneration did. An entry depends on its model alone, so entries are cached
by the model's exact content (its JSON, NaN and Infinity spelled out: see
`codegen.render.engine`'s render key) and both files are spliced from them: a run in
which one model changed serializes one model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic_core import to_json

from codegen import catalogue_file
from codegen.cache import Pack, code_version, key
from codegen.schema import Model

#: The code an entry depends on (see `codegen.cache.code_version`).
_CODE = ("entries.py", "catalogue_file.py", "schema.py")
_LIBRARIES = ("pydantic", "pydantic-core")
#: How deep a model sits in the lock: `{"models": [ {...} ]}` with `indent=1`.
LOCK_INDENT = "  "
_SEPARATOR = b"\0"  # JSON escapes every control character: no entry contains a NUL
_DIGEST = 32  # a stored value starts with the sha256 of the rest: a corrupted one is remade


@dataclass(frozen=True)
class Entry:
    """One model's text in each file."""

    slug: str
    #: Its item in the lock's model list, indented as it sits there, no trailing comma.
    lock: str
    #: Its line in catalogue.json, no trailing comma.
    line: str
    #: The model's `content` its entry was found by (the render cache keys on it too).
    content: bytes = b""


def content(model: Model) -> bytes:
    """The model's exact content: equal bytes mean equal fields (see the render key)."""
    return to_json(model, inf_nan_mode="constants")


def model_entries(models: Sequence[Model], folder: Path | None) -> list[Entry]:
    """Each model's entry, in order: from the cache in `folder` (None: off), else made."""
    pack = Pack(folder, "entries")
    version = code_version(_CODE, _LIBRARIES) if pack.path is not None else ""
    entries: list[Entry] = []
    for model in models:
        exact = content(model) if pack.path is not None else b""
        entry = key((version, exact)) if pack.path is not None else None
        data = pack.get(entry) if entry is not None else None
        made = _decode(model.slug, data) if data is not None else None
        if made is None:
            made = make_entry(model)
            if entry is not None:
                payload = made.lock.encode() + _SEPARATOR + made.line.encode()
                pack.put(entry, hashlib.sha256(payload).digest() + payload)
        entries.append(dataclasses.replace(made, content=exact) if exact else made)
    pack.save()
    return entries


def _decode(slug: str, data: bytes) -> Entry | None:
    payload = data[_DIGEST:]
    if hashlib.sha256(payload).digest() != data[:_DIGEST]:
        return None
    lock, separator, line = payload.partition(_SEPARATOR)
    if not separator:
        return None
    try:
        return Entry(slug, lock.decode(), line.decode())
    except UnicodeDecodeError:  # a corrupted entry is made again, never fatal
        return None


def make_entry(model: Model) -> Entry:
    """Standard JSON, keys sorted (no `NaN`/`Infinity`: see `catalogue_file`)."""
    data = catalogue_file.encode_floats(model.model_dump(mode="json"))
    try:
        line = json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:  # a non-finite float outside the known float fields
        raise catalogue_file.unwritable(model.slug, exc) from exc
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
    lock = LOCK_INDENT + text.replace("\n", "\n" + LOCK_INDENT)
    return Entry(model.slug, lock, line)
