"""Writing a rendered tree to disk, and comparing one with what is there.

The output directory is owned by the generator only below the package folder
(plus ``pyproject.toml`` and ``README.md``); anything else a user keeps next to
it (``.gitignore``, a venv, build artefacts) is left alone and not reported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

#: Folders and suffixes produced by tools run on the output, never by us.
_IGNORED_DIRS = frozenset(
    {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "build", "dist"}
)
_IGNORED_SUFFIXES = (".pyc", ".pyo", ".egg-info")
_TMP_SUFFIX = ".wirogen-tmp"


@dataclass(frozen=True)
class Report:
    """What a ``generate`` run did, as relative POSIX paths (sorted)."""

    written: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    unchanged: int = 0
    models: int = 0
    version: str = ""
    changes: int = 0

    def summary(self) -> str:
        release = f"version {self.version}" + (f" ({self.changes} changes)" if self.changes else "")
        return (
            f"{self.models} models, {release}: {len(self.written)} files written, "
            f"{self.unchanged} unchanged, {len(self.deleted)} deleted"
        )


def _ignored(rel_parts: tuple[str, ...]) -> bool:
    return any(p in _IGNORED_DIRS or p.endswith(_IGNORED_SUFFIXES) for p in rel_parts)


def managed_files(out: Path, package: str) -> Iterator[str]:
    """Files under ``out/package`` that the generator owns (caches excluded)."""
    root = os.path.join(out, package)
    if not os.path.isdir(root):
        return
    # Plain strings, not Path objects: this runs for every file of a 1,000-model tree.
    start = len(os.path.join(out, ""))
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not _ignored((d,)))
        rel = dirpath[start:].replace(os.sep, "/")
        for name in sorted(filenames):
            if _ignored((name,)):
                continue
            yield f"{rel}/{name}"


def _same(path: str, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as file:
            return file.read() == data
    except (FileNotFoundError, NotADirectoryError):
        return False


def write_tree(tree: Mapping[str, bytes], out: Path, package: str) -> Report:
    """Write changed files only (atomically), delete stale ones, prune empty dirs."""
    written: list[str] = []
    unchanged = 0
    for rel, data in tree.items():
        if _same(os.path.join(out, rel), data):
            unchanged += 1
            continue
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + _TMP_SUFFIX)
        tmp.write_bytes(data)
        os.replace(tmp, path)
        written.append(rel)
    deleted = sorted(set(managed_files(out, package)) - tree.keys())
    for rel in deleted:
        (out / rel).unlink()
    _prune(out / package)
    return Report(written=tuple(sorted(written)), deleted=tuple(deleted), unchanged=unchanged)


def _prune(root: Path) -> None:
    """Remove directories left with nothing but caches, deepest first."""
    if not root.is_dir():
        return
    for dirpath, _dirs, _files in sorted(os.walk(root), key=lambda w: -len(w[0])):
        path = Path(dirpath)
        if path.name in _IGNORED_DIRS or path == root:
            continue
        entries = list(path.iterdir())
        if all(e.is_dir() and e.name == "__pycache__" for e in entries):
            for cache_dir in entries:
                for item in cache_dir.iterdir():
                    item.unlink()
                cache_dir.rmdir()
            path.rmdir()


def diff_tree(tree: Mapping[str, bytes], out: Path, package: str) -> list[str]:
    """``missing:``/``differs:``/``extra:`` lines; empty when ``out`` matches ``tree``."""
    problems: list[str] = []
    for rel, data in tree.items():
        path = out / rel
        if not path.is_file():
            problems.append(f"missing: {rel}")
        elif not _same(os.path.join(out, rel), data):
            problems.append(f"differs: {rel}")
    for rel in sorted(set(managed_files(out, package)) - tree.keys()):
        problems.append(f"extra: {rel}")
    return problems
