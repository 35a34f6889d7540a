"""Real `wiro-mock` processes sharing one real Redis (each test gets its own database)."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT, SPECS
from tests.redis_server import RedisServer

START_TIMEOUT = 60.0
URL_LINE = re.compile(r"wiro-mock: (http://\S+/v1)")
_databases = itertools.count(1)

Spawn = Callable[..., str]


class MockProcess:
    """One `wiro-mock` process; its log goes to a file (a pipe nobody reads would fill)."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.log = log
        command = [sys.executable, "-m", "mockserver", "--port", "0", "--specs", str(SPECS),
                   "--no-auth", *args]  # fmt: skip
        with log.open("w") as sink:
            self.process = subprocess.Popen(command, stderr=sink, cwd=ROOT)
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            match = URL_LINE.search(self.log.read_text())
            if match:
                return match.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"wiro-mock did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def store_url(redis_server: RedisServer) -> str:
    """A database of the session's Redis no other test uses."""
    return redis_server.url(next(_databases) % 16)


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawn]:
    """Start `wiro-mock` processes (arguments as on the command line); stopped after the test."""
    started: list[MockProcess] = []

    def start(*args: str) -> str:
        mock = MockProcess(list(args), tmp_path / f"mock-{len(started)}.log")
        started.append(mock)
        return mock.url

    yield start
    for mock in started:
        mock.stop()
