"""Parsing many docs: through the incremental cache, then on every CPU.

`parse_all` gives, per path and in the given order, the Model or the SpecError
a one-by-one `parse_located` gives; the cache and the worker processes
(:mod:`codegen.parallel`) only change how fast.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from codegen import parallel
from codegen.cache import Pack, code_version, key, loads
from codegen.errors import SpecError
from codegen.parser import MAX_DOC_BYTES, Locator, gone_path, parse_located
from codegen.parser.llms import markdown
from codegen.parser.override import override_path
from codegen.schema import Model

#: The code a parsed Model depends on (see `codegen.cache.code_version`).
_PARSER_CODE = ("parser/*.py", "schema.py", "wire.py", "numbers.py", "errors.py")
_PARSER_LIBRARIES = ("markdown-it-py", "pydantic", "pydantic-core")

Result = Model | SpecError


def parse_all(
    paths: Sequence[Path],
    locator: Locator,
    cache_dir: Path | None,
    jobs: int | None,
    files: Mapping[Path, tuple[str, int]] | None = None,
) -> list[Result]:
    """Each path's Model or SpecError, in order: cached ones loaded, the rest parsed.

    `files`, when given, are every file around the docs as just read: (sha256, size)
    by path, the cache keys' hashes (a path missing from it is read here).
    """
    pack = Pack(cache_dir, "parse")
    inputs = [_inputs(path, locator, files) for path in paths] if pack.path is not None else []
    results: list[Result | None] = [None] * len(paths)
    for index, read in enumerate(inputs):
        data = pack.get(read.key) if read is not None else None
        if read is not None and data is not None:
            results[index] = _as_model(loads(pack, read.key, data, Model))
    todo = [index for index, result in enumerate(results) if result is None]
    parsed = _parse([paths[index] for index in todo], locator, jobs)
    for index, (result, blob) in zip(todo, parsed, strict=True):
        results[index] = result
        read = inputs[index] if inputs else None
        if read is not None and isinstance(result, Model) and read.made(result):
            pack.put(read.key, blob if blob is not None else pickle.dumps(result, 5))
    pack.save()
    return [result for result in results if result is not None]


def _as_model(value: object) -> Model | None:
    return value if isinstance(value, Model) else None


@dataclass(frozen=True)
class _Inputs:
    """What one doc's Model is made from, as read for its cache key."""

    key: str
    fingerprint: tuple[str, tuple[str, ...], bool]

    def made(self, model: Model) -> bool:
        """Whether `model` was parsed from these very inputs.

        The parse reads the files again: one edited in between must not be
        stored under the key of its earlier content.
        """
        overrides = tuple(o.sha256 for o in model.source.overrides)
        return (model.source.sha256, overrides, model.gone_upstream) == self.fingerprint


def _inputs(
    path: Path, locator: Locator, files: Mapping[Path, tuple[str, int]] | None = None
) -> _Inputs | None:
    """The cache key: the hashes of everything `parse_located` reads, the paths it
    shows, and the parser's code version. None when something cannot be read:
    that doc is then parsed, which reports why.
    """
    extra = override_path(path)
    listed = files or {}
    known = listed.get(path)
    if known is not None:
        if known[1] > MAX_DOC_BYTES:
            return None
        data_hash = known[0]
        extra_known = listed.get(extra)
        extra_hash = (extra_known[0],) if extra_known is not None else ()
        gone = gone_path(path) in listed
    else:
        try:
            if path.stat().st_size > MAX_DOC_BYTES:  # refused by the parse: not read whole here
                return None
            data = path.read_bytes()
            extra_data = extra.read_bytes() if extra.exists() else None
            gone = gone_path(path).exists()
        except OSError:
            return None
        data_hash = hashlib.sha256(data).hexdigest()
        extra_hash = (hashlib.sha256(extra_data).hexdigest(),) if extra_data is not None else ()
    extra_shown = locator.shown(extra) if extra_hash else None
    fingerprint = (data_hash, extra_hash, gone)
    entry = key(
        (
            code_version(_PARSER_CODE, _PARSER_LIBRARIES),
            locator.shown(path),
            extra_shown,
            repr(fingerprint),
        )
    )
    return _Inputs(entry, fingerprint)


def _parse(
    paths: list[Path], locator: Locator, jobs: int | None
) -> list[tuple[Result, bytes | None]]:
    """(result, its pickle if a worker parsed it) for each path, in order."""
    if parallel.processes(len(paths), jobs) > 1:
        markdown()  # imported and built once, here: forked workers inherit it
    return parallel.run(lambda i: _parse_one(paths[i], locator), len(paths), jobs)


def _parse_one(path: Path, locator: Locator) -> Result:
    try:
        return parse_located(path, locator)
    except SpecError as exc:
        return exc
