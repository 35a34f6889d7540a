"""`wiro-mock --store/--workers`: a store that cannot work is refused at start (exit 2, one
clear message), never discovered on the first request."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.paths import ROOT, SPECS
from tests.redis_server import free_port


def wiro_mock(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mockserver", "--port", "0", "--specs", str(SPECS), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "2"], "--workers needs a shared store"),
        (["--store", "http://127.0.0.1:6379"], "store url must be redis://"),
        (["--store", "redis://127.0.0.1:{port}/0"], "cannot use the store redis://127.0.0.1:"),
        (["--store", "redis://127.0.0.1:{port}/0", "--workers", "2"], "cannot use the store"),
    ],
)
def test_unusable_store_is_refused_at_start(args: list[str], message: str) -> None:
    closed = str(free_port())  # nothing listens there
    result = wiro_mock(*(a.replace("{port}", closed) for a in args))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
