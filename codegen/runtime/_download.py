"""Where task outputs are saved: safe file names and inline (LLM) contents.

Output names come from the server, so they are reduced to a bare file name
(no directories, no ``..``) and every target is checked to stay inside the
destination directory before anything is written.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from ._types import OutputFile

__all__ = ["AtomicWriter", "inline_content", "plan_downloads", "safe_name"]


def safe_name(raw: str | None, fallback: str) -> str:
    """The last path component of ``raw`` if it is a usable file name, else ``fallback``."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    if name in ("", ".", "..") or "\x00" in name:
        return fallback
    return name


def _name_for(output: OutputFile, index: int) -> str:
    ext = ".json" if output.url is None else ""
    fallback = f"output-{index}{ext}"
    url_name = unquote(urlsplit(output.url).path) if output.url else None
    name = safe_name(output.name, "") or safe_name(url_name, fallback)
    if output.url is None and "." not in name:
        name += ".json"
    return name


def _unique(name: str, used: set[str]) -> str:
    stem, dot, ext = name.rpartition(".") if "." in name[1:] else (name, "", "")
    candidate, n = name, 1
    while candidate.lower() in used:
        candidate = f"{stem}-{n}{dot}{ext}"
        n += 1
    used.add(candidate.lower())
    return candidate


def plan_downloads(outputs: Sequence[OutputFile], directory: Path) -> list[tuple[OutputFile, Path]]:
    """Pair each downloadable output with its target path inside ``directory``."""
    root = directory.resolve()
    used: set[str] = set()
    plan: list[tuple[OutputFile, Path]] = []
    for index, output in enumerate(outputs):
        if output.url is None and output.content is None:
            continue
        target = (root / _unique(_name_for(output, index), used)).resolve()
        if target.parent != root:
            raise ValueError(f"refusing to write outside {root}: {output.name!r}")
        plan.append((output, target))
    return plan


def inline_content(output: OutputFile) -> bytes:
    """The bytes to save for an output that has ``content`` instead of a URL."""
    return json.dumps(output.content, ensure_ascii=False, indent=2).encode() + b"\n"


class AtomicWriter:
    """``with AtomicWriter(target) as f: f.write(...)``: a temp file renamed on success."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self._tmp: Path | None = None
        self._handle: BinaryIO | None = None

    def __enter__(self) -> BinaryIO:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.target.parent, prefix=".part-")
        self._tmp = Path(tmp)
        self._handle = os.fdopen(fd, "wb")
        return self._handle

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        assert self._handle is not None and self._tmp is not None
        self._handle.close()
        if exc_type is None:
            os.replace(self._tmp, self.target)
        else:
            self._tmp.unlink(missing_ok=True)
