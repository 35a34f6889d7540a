"""The incremental cache: parsed models and rendered modules from earlier runs.

Regenerating 1,000 models after one doc changed should cost about one doc's
work. Each entry is keyed by the sha256 of everything its value depends on
(the code version, i.e. a hash of the source files that compute it, plus the
inputs), so an entry is never stale, only unused: a changed doc, override or
generator simply asks for a different key. The cache can therefore never
change output, only skip work; anything unreadable in it counts as a miss.

Entries live in one *pack* per kind (``parse.pack``, ``render.pack``) rather
than a file per entry: writing 1,000 small files atomically costs more than a
cold run's parse would save. A run that added a few entries appends them to the
pack's log; one that added more rewrites the pack (atomically) with just the
entries it used, so a pack never grows much beyond one catalogue's worth.

Where: ``<specs folder's parent>/.wirogen-cache/``, or ``$WIROGEN_CACHE_DIR``; the folder
carries its own ``.gitignore`` (``*``), so it never shows up in a user's repository;
``WIROGEN_NO_CACHE=1`` turns it off. Packs are pickles, trusted like ``__pycache__``: the
cache folder must be as private as the specs.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import pickle
import struct
import sys
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path

DIR_NAME = ".wirogen-cache"
ENV_DIR = "WIROGEN_CACHE_DIR"
ENV_OFF = "WIROGEN_NO_CACHE"
_FORMAT = b"wirogen-pack-1"
_CODEGEN = Path(__file__).resolve().parent


def cache_dir(specs: str | Path | None) -> Path | None:
    """The cache folder for a specs folder, or None when caching is off."""
    if os.environ.get(ENV_OFF, "").strip() not in ("", "0"):
        return None
    override = os.environ.get(ENV_DIR, "").strip()
    if override:
        return Path(override)
    return Path(specs).parent / DIR_NAME if specs is not None else None


@cache
def code_version(patterns: tuple[str, ...], libraries: tuple[str, ...]) -> str:
    """A hash of the codegen source files matching ``patterns`` and of the versions of
    the ``libraries`` (distribution names) whose behaviour shapes the result.

    Any edit to the code that computes an entry, or an upgrade of a library it
    relies on, makes every old key miss. Computed once per process.
    """
    digest = hashlib.sha256(sys.version.encode())
    for name in libraries:
        digest.update(f"\0{name}=={_library_version(name)}".encode())
    for path in sorted({p for pattern in patterns for p in _CODEGEN.glob(pattern)}):
        digest.update(path.relative_to(_CODEGEN).as_posix().encode() + b"\0")
        digest.update(_source_digest(path))
    return digest.hexdigest()


@cache
def _library_version(name: str) -> str:
    """A distribution's version, read once per process (each read parses its metadata)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


@cache
def _source_digest(path: Path) -> bytes:
    """A codegen source file's sha256, read once per process however many versions use it."""
    return hashlib.sha256(path.read_bytes()).digest()


def key(parts: Iterable[str | bytes | None]) -> str:
    """sha256 over the parts, each length-prefixed so no two part lists collide."""
    digest = hashlib.sha256()
    for part in parts:
        if part is None:
            digest.update(b"-")
            continue
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(b"%d:" % len(data))
        digest.update(data)
    return digest.hexdigest()


class Pack:
    """One kind of entries ``{key: bytes}``: a whole file saved atomically, plus a log.

    A run that added a few entries appends them to the pack's log (``<kind>.log``)
    instead of rewriting the whole pack: a one-spec run used to spend more time
    writing three packs than regenerating that spec. When the log would outgrow a
    quarter of the pack, the pack is rewritten with the entries that run used and the
    log goes. Each log record carries the sha256 of its bytes: reading stops at the
    first one that does not match (a torn or corrupted append), which only costs
    misses. Keys name their values' inputs, so a record outliving its pack is never
    wrong, only unused.

    ``Pack(None)`` is a cache that is off: every lookup misses, nothing is saved.
    """

    def __init__(self, folder: Path | None, kind: str) -> None:
        self.path = folder / f"{kind}.pack" if folder is not None else None
        self.log = folder / f"{kind}.log" if folder is not None else None
        self._old, self._size = _load(self.path) if self.path is not None else ({}, 0)
        self._log_size = _read_log(self.log, self._old) if self.log is not None else 0
        self._used: dict[str, bytes] = {}
        self._new: dict[str, bytes] = {}
        self._added = False

    def get(self, entry: str) -> bytes | None:
        value = self._old.get(entry)
        if value is not None:
            self._used[entry] = value
        return value

    def put(self, entry: str, value: bytes) -> None:
        self._used[entry] = value
        self._new[entry] = value
        self._added = True

    def discard(self, entry: str) -> None:
        """Forget an entry whose value turned out unreadable (it will be recomputed)."""
        self._used.pop(entry, None)
        self._old.pop(entry, None)
        self._new.pop(entry, None)
        self._added = True

    def save(self) -> None:
        """Keep the entries this run added (see the class); failure to write is ignored."""
        if self.path is None or self.log is None or not self._added:
            return
        records = b"".join(_record(k, v) for k, v in self._new.items())
        if self._size and (self._log_size + len(records)) * 4 <= self._size:
            try:
                with self.log.open("ab") as file:
                    file.write(records)
            except OSError:
                return
            self._log_size += len(records)
        else:
            self._rewrite()
        self._new.clear()
        self._added = False

    def _rewrite(self) -> None:
        assert self.path is not None and self.log is not None
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            make_folder(self.path.parent)
            data = pickle.dumps((_FORMAT, self._used), pickle.HIGHEST_PROTOCOL)
            tmp.write_bytes(data)
            os.replace(tmp, self.path)
            self.log.unlink(missing_ok=True)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            return
        self._size, self._log_size = len(data), 0


_RECORD_HEAD = struct.Struct(">II")


def _record(entry: str, value: bytes) -> bytes:
    """One log record: both lengths, the sha256 of lengths, key and value, then both."""
    name = entry.encode()
    head = _RECORD_HEAD.pack(len(name), len(value))
    return head + hashlib.sha256(head + name + value).digest() + name + value


def _read_log(path: Path, into: dict[str, bytes]) -> int:
    """Add the log's records to `into`, up to the first bad one; the log's size (0: none)."""
    try:
        data = path.read_bytes()
    except OSError:
        return 0
    at, fixed = 0, _RECORD_HEAD.size + 32
    while at + fixed <= len(data):
        head = data[at : at + _RECORD_HEAD.size]
        size, length = _RECORD_HEAD.unpack(head)
        start = at + fixed
        name, value = data[start : start + size], data[start + size : start + size + length]
        if (
            len(value) != length
            or hashlib.sha256(head + name + value).digest()
            != (data[at + _RECORD_HEAD.size : start])
        ):
            break
        try:
            into[name.decode()] = value
        except UnicodeDecodeError:
            break
        at = start + size + length
    return len(data)


def make_folder(folder: Path) -> None:
    """The cache folder, ignored by git from inside (no entry needed in the user's ignores)."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# wirogen's cache: safe to delete, never to commit\n*\n")


def _load(path: Path) -> tuple[dict[str, bytes], int]:
    """A pack's entries and its size; an absent, foreign or corrupted pack is empty (0)."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}, 0
    try:
        tag, entries = pickle.loads(data)
    except Exception:  # any corruption means "no cache", never an error
        return {}, 0
    if tag != _FORMAT or not isinstance(entries, dict):
        return {}, 0
    kept = {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, bytes)}
    return kept, len(data)


def loads(pack: Pack, entry: str, data: bytes, expected: type[object]) -> object | None:
    """Unpickle one entry's value, or None (and drop the entry) if it is unreadable."""
    try:
        value = pickle.loads(data)
    except Exception:  # a corrupted entry is recomputed, never fatal
        value = None
    if not isinstance(value, expected):
        pack.discard(entry)
        return None
    return value
