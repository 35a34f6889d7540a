"""The dashboard in a real (headless) Chromium: run a model, watch it live, read the journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from mockserver.admin.dashboard.views import PAGE_SIZE
from mockserver.auth import sign
from mockserver.testing import WiroMock
from tests.dashboard.conftest import open_dashboard
from tests.demo import screenshot

LIVE = 20_000  # ms Playwright waits for a pushed change (a bound, not a measurement)


def _run_reve(page: Any, prompt: str) -> str:
    page.click("[data-tab=models]")
    form = page.locator('section[data-slug="reve/generate"] form.run-form')
    form.locator("textarea[name=prompt]").fill(prompt)
    form.locator("select[name=aspectRatio]").select_option("16:9")
    form.locator("button[type=submit]").click()
    result = form.locator(".run-result a.task-link")
    expect(result).to_contain_text("created")
    task_id = str(result.inner_text().split("#")[1].split()[0])
    page.click("[data-tab=tasks]")
    return task_id


@pytest.mark.wiro_mock(clock={"mode": "realtime", "speed": 5})
def test_run_from_form_and_watch_the_card_finish(page: Any, mock_server: WiroMock) -> None:
    open_dashboard(page, mock_server)
    page.evaluate("window.__sameDocument = true")
    task_id = _run_reve(page, "a koala on a dashboard")
    card = page.locator(f"#task-{task_id}")
    expect(card).to_be_visible()
    expect(card).to_have_attribute("data-status", "task_postprocess_end", timeout=LIVE)
    expect(card).to_have_attribute("data-state", "succeeded")
    assert page.evaluate("window.__sameDocument") is True  # pushed, not reloaded

    card.click()
    panel = page.locator(".panel .detail")
    expect(panel.locator("table.params")).to_contain_text("a koala on a dashboard")
    expect(panel.locator(".timeline")).to_contain_text("task_postprocess_end")
    expect(panel.locator(".logs")).to_contain_text("Generate 100%")
    expect(panel.locator(".pexit")).to_have_text("0")
    image = panel.locator(".outputs img")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.querySelector('.panel .outputs img').naturalWidth > 0")
    width, height = image.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    assert width > height  # 16:9 from the form's select reached the task

    task = mock_server.task(task_id)
    assert task["task"]["parameters"]["prompt"] == "a koala on a dashboard"
    assert task["task"]["parameters"]["aspectRatio"] == "16:9"


@pytest.mark.wiro_mock(clock={"mode": "manual"})
def test_manual_clock_control_advances_the_card(page: Any, mock_server: WiroMock) -> None:
    open_dashboard(page, mock_server)
    task_id = _run_reve(page, "step by step")
    card = page.locator(f"#task-{task_id}")
    expect(card).to_have_attribute("data-status", "task_queue")
    page.fill(".advance-seconds", "0.3")
    page.click("button.advance")
    expect(card).to_have_attribute("data-status", "task_accept", timeout=LIVE)
    page.fill(".advance-seconds", "60")
    page.click("button.advance")
    expect(card).to_have_attribute("data-status", "task_postprocess_end", timeout=LIVE)


def test_badly_signed_request_is_explained_in_the_journal(page: Any, mock_server: WiroMock) -> None:
    open_dashboard(page, mock_server)
    page.click("[data-tab=journal]")
    nonce = "1734513807"
    bad = "0" * 64
    headers = {"x-api-key": mock_server.api_key, "x-nonce": nonce, "x-signature": bad}
    reply = httpx.post(
        f"{mock_server.base_url}/Run/reve/generate", headers=headers, json={"prompt": "many"}
    )
    assert reply.status_code == 401
    missing = httpx.post(
        f"{mock_server.base_url}/Run/reve/generate",
        headers={"x-api-key": mock_server.api_key},
        json={"prompt": "x"},
    )
    assert missing.status_code == 401

    row = page.locator("li.row.authfail", has_text="mismatch")
    expect(row).to_be_visible(timeout=LIVE)
    row.locator("summary").click()
    assert mock_server.api_secret is not None
    expect(row.locator("code.expected")).to_have_text(
        sign(mock_server.api_key, mock_server.api_secret, nonce)
    )
    expect(row.locator("code.received")).to_have_text(bad)
    expect(row).to_contain_text("Project authorization is not valid.")

    other = page.locator("li.row.authfail", has_text="missing")
    expect(other).to_be_visible(timeout=LIVE)
    other.locator("summary").click()
    expect(other.locator(".auth.bad")).to_contain_text("x-nonce")
    expect(other.locator(".auth.bad")).to_contain_text("x-signature")

    page.fill(".journal-filters input[name=q]", "mismatch-that-matches-nothing")
    expect(page.locator("li.row")).to_have_count(0)
    page.fill(".journal-filters input[name=q]", "not valid")
    expect(page.locator("li.row")).to_have_count(1)
    assert mock_server.api_secret not in page.content()


@pytest.mark.wiro_mock(admin={"token": "s3cret-admin"})
def test_page_and_feed_need_the_admin_token(page: Any, mock_server: WiroMock) -> None:
    response = page.goto(f"{mock_server.root_url}/__mock__/ui")
    assert response is not None and response.status == 401
    open_dashboard(page, mock_server, token="s3cret-admin")  # the feed connects with it
    task_id = _run_reve(page, "behind a token")
    expect(page.locator(f"#task-{task_id}")).to_be_visible(timeout=LIVE)


def test_fault_toggle_and_reset(page: Any, mock_server: WiroMock) -> None:
    name = mock_server.add_fault(kind="fail", model="reve/generate")
    open_dashboard(page, mock_server)
    toggle = page.locator(f'input[data-fault="{name}"]')
    expect(toggle).to_be_checked()
    with page.expect_response("**/controls*"):  # toggled, then the controls re-rendered
        toggle.uncheck()
    expect(page.locator(f'input[data-fault="{name}"]')).not_to_be_checked()
    assert mock_server._call("GET", "/faults")["faults"] == []
    with page.expect_response("**/controls*"):
        page.locator(f'input[data-fault="{name}"]').check()
    expect(page.locator(f'input[data-fault="{name}"]')).to_be_checked()
    assert [f["name"] for f in mock_server._call("GET", "/faults")["faults"]] == [name]

    task_id = _run_reve(page, "this one fails")
    card = page.locator(f"#task-{task_id}")
    expect(card).to_have_attribute("data-state", "failed", timeout=LIVE)
    card.click()
    expect(page.locator(".panel .debugerror")).to_contain_text("CUDA out of memory")

    page.click("button.reset")
    expect(page.locator("ol.cards > li.card")).to_have_count(0)
    expect(page.locator(".panel")).to_be_hidden()
    assert mock_server.tasks() == []


@pytest.mark.wiro_mock(clock={"mode": "manual"}, limits={"journal_size": 100})
def test_a_thousand_tasks_page_stays_one_page(page: Any, mock_server: WiroMock) -> None:
    with httpx.Client(base_url=mock_server.base_url) as client:
        for _ in range(1000):
            reply = client.post(
                "/Run/reve/generate", headers=mock_server.headers(), json={"prompt": "many"}
            )
            assert reply.status_code == 200
    open_dashboard(page, mock_server)
    expect(page.locator("li.card")).to_have_count(PAGE_SIZE)
    expect(page.locator(".pager .total")).to_have_text("1000")
    nodes_before = page.evaluate(
        "document.querySelector('.board').getElementsByTagName('*').length"
    )

    reply = httpx.post(
        f"{mock_server.base_url}/Run/reve/generate",
        headers=mock_server.headers(),
        json={"prompt": "one more"},
    )
    newest = reply.json()["taskid"]
    expect(page.locator("ol.cards > li.card").first).to_have_attribute("data-id", newest)
    expect(page.locator("li.card")).to_have_count(PAGE_SIZE)
    expect(page.locator(".pager .total")).to_have_text("1001")
    assert (
        page.evaluate("document.querySelector('.board').getElementsByTagName('*').length")
        == nodes_before
    )

    page.click(".pager button[data-page='1']")
    expect(page.locator("ol.cards > li.card").first).to_have_attribute(
        "data-id", str(int(newest) - PAGE_SIZE)
    )
    mock_server.advance_clock(60)  # every task finishes; the shown page follows
    expect(page.locator("li.card.succeeded")).to_have_count(PAGE_SIZE, timeout=LIVE)


def test_demo_screenshot_writes_a_png(browser: Any, tmp_path: Path, mock_server: WiroMock) -> None:
    target = tmp_path / "dashboard.png"
    assert screenshot(f"{mock_server.root_url}/__mock__/ui", target)
    assert target.read_bytes().startswith(b"\x89PNG")
