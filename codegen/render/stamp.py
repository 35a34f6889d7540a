"""Whether the output already is what `generate` would write, told without parsing or rendering.

A run whose specs did not change should read as little as possible and write nothing.
After each `generate` the cache folder (:mod:`codegen.cache`) keeps a *stamp*: a hash of
everything the output depends on (every file of the specs folder, the generator's code
and libraries, the package name, both folders' places) and the sha256 of every file the
run left in the output. The next run hashes the inputs again (their bytes, no parse) and,
when that hash and every output file still match and no managed file came or went, is
done: the same inputs over the same tree give the same tree, since a generation is its
own fixpoint (its lock diffs empty against the same specs, so version and CHANGELOG stay).

This module imports nothing heavy, so such a run costs reading the files and no more.
Anything unexpected (no stamp, a symlink among the specs, an unreadable file) only means
a full run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from codegen.cache import cache_dir, code_version, key, make_folder
from codegen.render.tree import Report, managed_files

#: Everything in codegen/ a generation runs (parser, renderer, runtime, templates).
_CODE = ("**/*.py", "templates/*.j2")
_LIBRARIES = ("jinja2", "markdown-it-py", "pydantic", "pydantic-core")


@dataclass(frozen=True)
class Stamp:
    """The stamp of one output folder and package, for the inputs as they are now."""

    path: Path
    inputs: str
    #: Each file of the specs folder as read for the hash: (sha256, size) by its path
    #: under the specs folder as given. The parse's cache keys reuse them (see
    #: `codegen.parser.many`) instead of reading every doc a second time.
    files: Mapping[Path, tuple[str, int]] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, specs: Path, out: Path, package: str) -> Stamp | None:
        """None when the cache is off or the specs cannot be hashed plainly."""
        folder = cache_dir(specs)
        files = _spec_files(specs) if folder is not None else None
        if folder is None or files is None:
            return None
        place = key((package, out.resolve().as_posix(), specs.resolve().as_posix()))
        listed = sorted(f"{p.relative_to(specs).as_posix()}:{h}" for p, (h, _) in files.items())
        inputs = key((code_version(_CODE, _LIBRARIES), place, *listed))
        return cls(folder / f"stamp-{place[:16]}.json", inputs, files)

    def current(self, out: Path, package: str) -> Report | None:
        """The report of a run with nothing to do, or None when there may be work."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data["inputs"] != self.inputs:
                return None
            files: dict[str, str] = data["files"]
            report = Report(unchanged=len(files), models=data["models"], version=data["version"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        inside = {rel for rel in files if rel.startswith(f"{package}/")}
        if set(managed_files(out, package)) != inside:
            return None
        if any(_digest(out / rel) != digest for rel, digest in files.items()):
            return None
        return report

    def record(self, tree: Mapping[str, bytes], models: int, version: str) -> None:
        """Keep the stamp of a tree just written; failure to write only costs the next run."""
        files = {rel: hashlib.sha256(data).hexdigest() for rel, data in tree.items()}
        record = {"inputs": self.inputs, "models": models, "version": version, "files": files}
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            make_folder(self.path.parent)
            tmp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def _spec_files(specs: Path) -> dict[Path, tuple[str, int]] | None:
    """Each file of the specs folder: (sha256, size) by path; None if any is a symlink
    (what discovery makes of one is not plain bytes) or cannot be read."""
    found: dict[Path, tuple[str, int]] = {}
    if not specs.is_dir():
        return None
    folders = [specs]
    try:
        while folders:
            folder = folders.pop()
            with os.scandir(folder) as listing:
                items = list(listing)
            for item in items:  # `DirEntry` knows its type without another system call
                if item.is_symlink():
                    return None
                if item.is_dir():
                    folders.append(folder / item.name)
                    continue
                with open(item.path, "rb") as file:
                    data = file.read()
                found[folder / item.name] = (hashlib.sha256(data).hexdigest(), len(data))
    except OSError:
        return None
    return found


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
