"""Fixtures every test folder may use (a real Redis for the shared-store tests), and the
markers that say which tests need a program besides Python (`tests/system.py`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.redis_server import RedisServer
from tests.system import require

NEEDS = {"needs_redis": "redis-server", "needs_chromium": "Chromium"}


def pytest_configure(config: pytest.Config) -> None:
    for marker, program in NEEDS.items():
        config.addinivalue_line("markers", f"{marker}: the test drives {program}")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what needs redis-server (the `redis_server` fixture, or a test run on the Redis
    store: a `store` or `mock` parameter "redis") and Chromium (the `browser` fixture)."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "redis_server" in item.fixturenames or "redis" in (
            params.get("store"),
            params.get("mock"),
        ):
            item.add_marker(pytest.mark.needs_redis)
        if "browser" in item.fixturenames:
            item.add_marker(pytest.mark.needs_chromium)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Skips are not the normal state: when there are any, say how many and why."""
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        reasons: dict[str, int] = {}
        for report in skipped:
            reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else "?"
            reasons[reason] = reasons.get(reason, 0) + 1
        listed = "; ".join(f"{n} x {reason}" for reason, n in sorted(reasons.items()))
        terminalreporter.write_line(f"SKIPPED {len(skipped)} (expected 0): {listed}")


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where `run_mypy` calls find a cache to start from (tests/typecheck.py): one folder
    for the whole run, every xdist worker's included (their temp folders share a parent)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / "mypy-seeds"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the whole run (each mock uses its own key prefix)."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def shell_tools() -> None:
    """curl, openssl and bash, for the tests that run the docs' shell recipes as printed."""
    for program in ("curl", "openssl", "bash"):
        require(program)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url()
