"""The dashboard end to end on the project's app: an order above the approval threshold appears in the
list, its page shows the timeline, the approval is raised from the page, and the order completes.

Set `DASHBOARD_SCREENSHOT=docs/dashboard-instance.png` to refresh the README's screenshot from this run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.dashboard.conftest import Host
from tests.e2e.clients import AppApi

pytestmark = [pytest.mark.azurite, pytest.mark.e2e]

STOCK = 100
LARGE_QUANTITY = 60  # 60 x 25.00 = 1500.00 > APPROVAL_THRESHOLD (1000)
SCREENSHOT_SETTING = "DASHBOARD_SCREENSHOT"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_an_order_is_approved_from_the_dashboard(
    page: Page, project_host: Host, unique_name: str, tmp_path: Path
) -> None:
    api = AppApi(project_host.base_url)
    sku = unique_name.upper()
    api.restock(sku, STOCK)
    api.wait_stock(sku, STOCK)
    order_id = f"order-{unique_name}"
    approval_id = f"{order_id}:approval"

    page.goto(f"{project_host.base_url}/dashboard")
    expect(page.get_by_role("heading", name="Orchestration instances")).to_be_visible()
    assert page.url == project_host.dashboard
    page.get_by_label("Instance id prefix").fill(order_id)
    expect(page.get_by_text("No instances match these filters.")).to_be_visible()

    started = api.start(
        "orders",
        {
            "order_id": unique_name,
            "customer_id": "c-42",
            "lines": [{"sku": sku, "quantity": LARGE_QUANTITY, "unit_price": 25}],
        },
    )
    assert started["id"] == order_id

    # Live refresh: the order shows up without reloading the page.
    order_link = page.get_by_role("link", name=order_id, exact=True)
    expect(order_link).to_be_visible()
    order_row = page.locator("tbody tr", has=order_link)
    expect(order_row.locator(".status")).to_have_text("Running")
    expect(order_row.locator("td.name")).to_have_text("order_workflow")
    expect(page.get_by_role("link", name=approval_id, exact=True)).to_be_visible()

    order_link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order_id)
    timeline = page.get_by_role("list", name="Timeline")
    expect(timeline.locator("li[data-kind=activity]").first).to_be_visible()
    approval_row = timeline.locator("li[data-kind=suborchestration]", has_text="approval_workflow")
    expect(approval_row).to_contain_text("running")
    expect(page.locator(".summary-grid .status")).to_have_text("Running")

    approval_row.get_by_role("link", name="approval_workflow").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(approval_id)
    expect(page.locator(".summary-grid .status")).to_have_text("Running")
    expect(page.get_by_role("list", name="Timeline").locator("li[data-kind=timer]")).to_contain_text(
        "waiting"
    )
    page.get_by_role("button", name="Raise event…").click()
    dialog = page.get_by_role("dialog", name="Raise an event")
    dialog.get_by_label("Event name").fill("ApprovalDecision")
    dialog.get_by_label("Event data (JSON)").fill('{"approved": true, "approver": "ui"}')
    dialog.get_by_role("button", name="Raise event").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text("Event ApprovalDecision raised.")
    expect(page.locator(".summary-grid .status")).to_have_text("Completed")
    expect(page.get_by_role("region", name="Output")).to_contain_text('"decided_by": "ui"')

    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order_id)
    expect(page.locator(".summary-grid .status")).to_have_text("Completed", timeout=30_000)
    timeline = page.get_by_role("list", name="Timeline")
    expect(timeline.locator("li[data-kind=suborchestration]", has_text="approval_workflow")).to_contain_text(
        "completed"
    )
    expect(timeline.locator("li.state-failed")).to_have_count(0)
    expect(page.get_by_role("region", name="Output")).to_contain_text(f"ch_{unique_name}")
    for action in ("Raise event…", "Suspend…", "Terminate…", "Rewind…"):
        expect(page.get_by_role("button", name=action)).to_be_disabled()
    expect(page.get_by_role("button", name="Purge…")).to_be_enabled()
    assert api.instance(order_id) is not None
    assert re.fullmatch(r"\d.*", page.locator(".gantt-duration").first.inner_text())

    screenshot = page.screenshot(full_page=True)
    assert screenshot.startswith(PNG_SIGNATURE)
    (tmp_path / "dashboard-instance.png").write_bytes(screenshot)
    target = os.environ.get(SCREENSHOT_SETTING)
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_bytes(screenshot)
