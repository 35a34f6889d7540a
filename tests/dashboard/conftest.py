"""Fixtures for the dashboard: a headless system Chromium driven by Playwright, and a
throwaway Redis for mocks that share their state.

Chromium is Debian's (`apt-get install chromium`, done by `make test` when missing);
Playwright's own browser download is not used. Without Chromium the browser tests fail,
saying how to get it (`tests/system.py`); `make test-quick` deselects them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mockserver.testing import WiroMock
from tests.paths import SPECS
from tests.system import require

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
VIEWPORT = {"width": 1400, "height": 1000}
REDIS_START_TIMEOUT = 10.0


@pytest.fixture(scope="module")  # closed before other modules' asyncio tests run
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright  # a test dependency: imported on use

    executable = require("chromium")
    with sync_playwright() as pw:  # launch() gives the browser a fresh temporary profile
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    during_test = list(errors)  # closing aborts in-flight fetches: not the page's fault
    context.close()
    assert not during_test, f"JavaScript errors on the page: {during_test}"


@pytest.fixture
def mock_server(request: pytest.FixtureRequest) -> Iterator[WiroMock]:
    """A mock for one test; config from `@pytest.mark.wiro_mock(...)` like the plugin's."""
    marker = request.node.get_closest_marker("wiro_mock")
    config = dict(marker.kwargs) if marker else {}
    mock = WiroMock(SPECS, **config).start()
    yield mock
    mock.stop()


def open_dashboard(page: Any, mock: WiroMock, token: str | None = None) -> None:
    from playwright.sync_api import expect

    suffix = f"?token={token}" if token else ""
    page.goto(f"{mock.root_url}/__mock__/ui{suffix}")
    expect(page.locator(".live-state")).to_have_text("live")
