"""How the suite runs `mypy --strict` on code it wrote: the generated trees, the copied
runtime, the README's snippets.

Each run is config-free (from a folder without the repository's pyproject, as a user's
project would check its code). Most of a cold run is spent on pydantic, httpx and
websockets, so runs share what they learnt: each starts from a copy of the first cache
any run of this session published (`seeds`, one folder for every xdist worker) and works
on its own copy, so no two mypy processes ever write the same cache.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

_BIN = Path(sys.executable).parent


def run_mypy(
    targets: Sequence[Path], seeds: Path, *, cwd: Path, mypypath: Sequence[Path] = ()
) -> subprocess.CompletedProcess[str]:
    """`mypy --strict` over `targets`, run in `cwd`, its cache seeded from `seeds`."""
    seed = seeds / "cache"
    with tempfile.TemporaryDirectory(dir=seeds) as work:
        cache = Path(work) / "cache"
        if seed.is_dir():
            shutil.copytree(seed, cache)
        command = [str(_BIN / "mypy"), "--strict", "--no-error-summary", "--show-absolute-path",
                   "--cache-dir", str(cache), *map(str, targets)]  # fmt: skip
        env = {"PATH": "/usr/bin:/bin", "MYPYPATH": ":".join(map(str, mypypath))}
        result = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600
        )
        if not seed.exists():
            with contextlib.suppress(OSError):  # another run published first: keep theirs
                os.rename(cache, seed)
    return result
