"""`wirogen` and the generated CLI behave like well-mannered Unix tools: `--version`, and
quiet in a pipeline."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

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


def test_check_names_the_generate_command_that_fixes_it(tmp_path: Path) -> None:
    """A stale package: `check` exits 1 and prints the `generate` with the same options."""
    out = tmp_path / "client"
    options = ["--specs", str(SPECS), "--out", str(out), "--package", "my_client"]
    subprocess.run([*WIROGEN, "generate", *options], capture_output=True, check=True, cwd=ROOT)
    (out / "my_client" / "__init__.py").write_text("# edited by hand\n")
    done = subprocess.run([*WIROGEN, "check", *options], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    fix = f"wirogen generate --specs {SPECS} --out {out} --package my_client"
    assert done.stderr == f"{out} is out of date: run `{fix}`\n"
    subprocess.run(fix.replace("wirogen", " ".join(WIROGEN), 1).split(), check=True, cwd=ROOT,
                   capture_output=True)  # fmt: skip
    again = subprocess.run([*WIROGEN, "check", *options], capture_output=True, cwd=ROOT)
    assert again.returncode == 0
