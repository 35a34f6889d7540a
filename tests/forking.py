"""Run a check in a fresh, single-threaded interpreter, where forking workers is allowed.

`codegen.parallel` refuses to fork while other threads run (a fork taken while another
thread holds a lock can hang the child). A pytest process may hold such threads (the mock
servers of other tests), which would quietly turn a parallel-vs-serial check into a
serial-vs-serial one; running the check in a child process keeps it meaningful.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT


def in_fresh_process(module: str, check: str, workdir: Path) -> None:
    script = f"import sys, pathlib, {module} as m; m.{check}(pathlib.Path(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", script, str(workdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
