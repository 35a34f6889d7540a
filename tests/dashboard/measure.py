"""How the dashboard behaves with many tasks: `python -m tests.dashboard.measure [N ...]`.

For each N: start a mock (manual clock), create N tasks through Run, then in headless
Chromium measure the page load until the live feed is connected, the DOM size of the
board, the time from a Run call to its card on the page, and the time from advancing the
clock (every task finishes) to the shown page being all green. Prints one line per N.
Not a test (no thresholds): the figures quoted in the README come from here.
"""

from __future__ import annotations

import sys
import time

import httpx
from playwright.sync_api import expect, sync_playwright

from mockserver.admin.dashboard.views import PAGE_SIZE
from mockserver.testing import WiroMock
from tests.dashboard.conftest import CHROMIUM_ARGS, VIEWPORT
from tests.paths import SPECS
from tests.system import chromium_path


def measure(count: int, browser: object) -> str:
    mock = WiroMock(SPECS, clock={"mode": "manual"}).start()
    try:
        with httpx.Client(base_url=mock.base_url) as client:
            for _ in range(count):
                client.post("/Run/reve/generate", headers=mock.headers(), json={"prompt": "m"})
        page = browser.new_page(viewport=VIEWPORT)  # type: ignore[attr-defined]
        start = time.perf_counter()
        page.goto(f"{mock.root_url}/__mock__/ui")
        expect(page.locator(".live-state")).to_have_text("live")
        loaded = time.perf_counter() - start
        nodes = page.evaluate("document.querySelector('.board').getElementsByTagName('*').length")
        cards = page.locator("li.card").count()
        start = time.perf_counter()
        reply = httpx.post(
            f"{mock.base_url}/Run/reve/generate", headers=mock.headers(), json={"prompt": "n"}
        )
        expect(page.locator(f"#task-{reply.json()['taskid']}")).to_be_visible()
        new_card = time.perf_counter() - start
        start = time.perf_counter()
        mock.advance_clock(60)
        expect(page.locator("li.card.succeeded")).to_have_count(
            min(count + 1, PAGE_SIZE), timeout=60_000
        )
        finished = time.perf_counter() - start
        page.close()
        return (
            f"{count:>6} tasks: page live in {loaded * 1000:.0f} ms; {cards} cards, "
            f"{nodes} board DOM nodes; new task on the page {new_card * 1000:.0f} ms after "
            f"Run; all {count + 1} finish -> page green in {finished * 1000:.0f} ms"
        )
    finally:
        mock.stop()


def main(argv: list[str]) -> int:
    counts = [int(a) for a in argv] or [10, 1000, 10_000]
    executable = chromium_path()
    if executable is None:
        print("no Chromium", file=sys.stderr)
        return 1
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for count in counts:
            print(measure(count, browser), flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
