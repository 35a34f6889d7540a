"""`wirogen` and the generated CLI behave like well-mannered Unix tools: `--version`, and
quiet in a pipeline."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import version

from tests.paths import ROOT, SPECS

WIROGEN = [sys.executable, "-m", "codegen"]


def test_version() -> None:
    done = subprocess.run([*WIROGEN, "--version"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stdout == f"wirogen {version('wirogen')}\n"


def test_generated_cli_version_is_the_generated_packages() -> None:
    declared = tomllib.loads((ROOT / "generated" / "pyproject.toml").read_text())
    command = [sys.executable, "-m", "wiro_client", "--version"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0
    assert done.stdout == f"wiro_client {declared['project']['version']}\n"


def test_a_reader_that_stops_early_is_no_error() -> None:
    """`wirogen parse --json specs | head -1`: far more output than a pipe holds, the reader
    closes after one line; wirogen exits 0 without a BrokenPipeError traceback."""
    proc = subprocess.Popen(
        [*WIROGEN, "parse", "--json", str(SPECS)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    status = proc.wait(timeout=120)
    assert first.strip() and proc.stderr.read() == b""
    assert status == 0
