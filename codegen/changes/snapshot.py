"""Catalogues to compare: from a spec file, a specs folder, or a git revision.

`wirogen diff HEAD~1` compares the specs folder as committed at that revision
with the working tree; the old files are read with `git show` into a temporary
folder so the parser (and its override lookup) sees them exactly as it would
have then.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from codegen.errors import WirogenError
from codegen.parser import discover, load_catalogue, parse_many
from codegen.schema import Model


class RevisionError(WirogenError):
    """A git revision could not be read."""


def load(target: str | Path) -> dict[str, Model]:
    """Models keyed by slug from a file or a folder."""
    path = Path(target)
    if path.is_dir():
        return load_catalogue(path).by_slug()
    if not path.exists():
        raise RevisionError(f"{target}: no such file or folder")
    models, errors = parse_many(discover([path]), root=path.parent)
    if errors:
        raise errors[0]
    return {m.slug: m for m in models}


def at_revision(revision: str, specs: Path) -> dict[str, Model]:
    """Models of `specs` as committed at `revision`."""
    specs = specs.resolve()
    top = Path(_git(specs, "rev-parse", "--show-toplevel").strip())
    relative = specs.relative_to(top).as_posix()
    names = _git(top, "ls-tree", "-r", "--name-only", revision, "--", relative).splitlines()
    with tempfile.TemporaryDirectory(prefix="wirogen-rev-") as tmp:
        folder = Path(tmp) / specs.name
        folder.mkdir()
        for name in names:
            target = folder / Path(name).relative_to(relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_git_bytes(top, "show", f"{revision}:{name}"))
        return load_catalogue(folder).by_slug()


def _git(cwd: Path, *args: str) -> str:
    return _git_bytes(cwd, *args).decode("utf-8")


def _git_bytes(cwd: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=True)
    except FileNotFoundError as exc:
        raise RevisionError("git is not installed") from exc
    except subprocess.CalledProcessError as exc:
        raise RevisionError(
            f"git {' '.join(args)}: {exc.stderr.decode(errors='replace').strip()}"
        ) from exc
    return done.stdout
