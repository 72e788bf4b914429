"""The dashboard in headless Chromium against the sample app: escaping, progress, failures, actions,
filters and paging, live refresh and its pause while the tab is hidden."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request, expect

from tests.dashboard.conftest import Host, PageProblems
from tests.e2e.harness import poll_until

pytestmark = [pytest.mark.azurite, pytest.mark.e2e]

POLL_INTERVAL_MS = 2000  # poller.js
MARKUP = "<img src=x onerror=alert(1)>"
PIPELINE_STATUS = {
    "step": "processing",
    "files_done": 3,
    "files_total": 10,
    "batches_done": 1,
    "batches_total": 4,
}


def confirm(page: Page, title: str, button: str, **fields: str) -> None:
    dialog = page.get_by_role("dialog", name=title)
    for label, value in fields.items():
        dialog.get_by_label(label).fill(value)
    dialog.get_by_role("button", name=button, exact=True).click()
    expect(dialog).to_have_count(0)


def wait_status(host: Host, instance_id: str, expected: str) -> None:
    poll_until(lambda: host_status(host, instance_id) == expected, what=f"{instance_id} to be {expected}")


def test_markup_in_ids_and_custom_status_is_shown_as_text(
    page: Page, sample_host: Host, unique_name: str, page_problems: PageProblems
) -> None:
    instance_id = sample_host.start("show_status", f"{unique_name}{MARKUP}", {"status": {"note": MARKUP}})
    wait_status(sample_host, instance_id, "Running")

    page.goto(sample_host.list_url(prefix=unique_name))
    link = page.get_by_role("link", name=instance_id, exact=True)
    expect(link).to_be_visible()
    expect(page.locator("td.custom-status")).to_have_text('{"note":"<img src=x onerror=alert(1)>"}')
    assert page.locator("img").count() == 0

    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Instance {instance_id}")
    expect(page.get_by_role("region", name="Custom status")).to_contain_text(f'"note": "{MARKUP}"')
    expect(page.get_by_role("region", name="Input")).to_contain_text(MARKUP)
    assert page.locator("img").count() == 0
    assert page_problems.dialogs == []
    # The CSP's Trusted Types make any markup string assignment throw: no view can make elements from data.
    assert (
        page.evaluate(
            "() => { try { document.body.innerHTML = '<i>x</i>'; return 'parsed'; } "
            "catch (error) { return error.name; } }"
        )
        == "TypeError"
    )
    page_problems.errors.clear()  # the refused assignment above is reported on the console


def test_custom_status_progress_shows_as_progress_bars(
    page: Page, sample_host: Host, unique_name: str
) -> None:
    instance_id = sample_host.start("show_status", f"ingest-{unique_name}", {"status": PIPELINE_STATUS})
    wait_status(sample_host, instance_id, "Running")

    page.goto(sample_host.instance_url(instance_id))

    files = page.get_by_role("progressbar", name="files: 3 / 10 (30%)")
    batches = page.get_by_role("progressbar", name="batches: 1 / 4 (25%)")
    expect(files).to_have_js_property("value", 3)
    expect(files).to_have_js_property("max", 10)
    expect(batches).to_have_js_property("value", 1)
    expect(page.get_by_role("region", name="Custom status")).to_contain_text('"step": "processing"')
    page.goto(sample_host.list_url(prefix=f"ingest-{unique_name}"))
    expect(page.locator("td.custom-status progress")).to_have_count(2)


def test_a_failure_shows_its_reason_and_the_failed_step(
    page: Page, sample_host: Host, unique_name: str
) -> None:
    instance_id = sample_host.start("fail_with", f"fail-{unique_name}", {"message": "disk <b>full</b>"})
    wait_status(sample_host, instance_id, "Failed")

    page.goto(sample_host.instance_url(instance_id))

    failure = page.get_by_role("region", name="Failure")
    expect(failure).to_contain_text("disk <b>full</b>")
    expect(failure.locator(".failure-list")).to_contain_text("activity explode failed: ")
    expect(page.locator(".summary-grid .status")).to_have_text("Failed")
    timeline = page.get_by_role("list", name="Timeline")
    expect(timeline.locator("li.kind-activity.state-failed")).to_contain_text("explode")
    expect(timeline.locator("li.kind-orchestration")).to_contain_text("failed")
    assert page.locator("main b").count() == 0
    expect(page.get_by_role("button", name="Rewind…")).to_be_enabled()
    expect(page.get_by_role("button", name="Terminate…")).to_be_disabled()

    with page.expect_request(lambda r: r.method == "POST" and "/rewind" in r.url) as rewind:
        page.get_by_role("button", name="Rewind…").click()
        confirm(page, "Rewind this instance?", "Rewind", **{"Reason (optional)": "retry please"})
    assert f"/instances/fail-{unique_name}/rewind?reason=retry+please" in rewind.value.url
    # The page reports the answer (here the rewound activity fails again at once).
    expect(
        page.get_by_role("alert").or_(page.get_by_role("status").filter(has_text="rewound"))
    ).to_be_visible()


def test_actions_ask_first_then_suspend_resume_raise_and_purge(
    page: Page, sample_host: Host, unique_name: str
) -> None:
    instance_id = sample_host.start("show_status", f"act-{unique_name}", {"status": "waiting"})
    wait_status(sample_host, instance_id, "Running")
    page.goto(sample_host.instance_url(instance_id))
    expect(page.locator(".summary-grid .status")).to_have_text("Running")

    page.get_by_role("button", name="Suspend…").click()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert host_status(sample_host, instance_id) == "Running"

    page.get_by_role("button", name="Suspend…").click()
    confirm(page, "Suspend this instance?", "Suspend", **{"Reason (optional)": "night"})
    expect(page.locator(".summary-grid .status")).to_have_text("Suspended")
    expect(page.get_by_role("button", name="Resume…")).to_be_enabled()
    expect(page.get_by_role("list", name="Timeline")).to_contain_text("suspended")

    page.get_by_role("button", name="Resume…").click()
    confirm(page, "Resume this instance?", "Resume")
    expect(page.locator(".summary-grid .status")).to_have_text("Running")

    page.get_by_role("button", name="Raise event…").click()
    dialog = page.get_by_role("dialog", name="Raise an event")
    dialog.get_by_label("Event name").fill("finish")
    dialog.get_by_label("Event data (JSON)").fill("{not json")
    dialog.get_by_role("button", name="Raise event").click()
    expect(dialog).to_be_visible()
    assert (
        dialog.get_by_label("Event data (JSON)")
        .evaluate("e => e.validationMessage")
        .startswith("Not valid JSON")
    )
    confirm(page, "Raise an event", "Raise event", **{"Event data (JSON)": '{"done": "<yes>"}'})
    expect(page.locator(".summary-grid .status")).to_have_text("Completed")
    expect(page.get_by_role("region", name="Output")).to_contain_text('"done": "<yes>"')
    expect(page.get_by_role("list", name="Timeline").locator("li[data-kind=event]")).to_contain_text("finish")

    page.get_by_role("button", name="Purge…").click()
    confirm(page, "Purge this instance?", "Purge")
    expect(page.get_by_role("heading", name="Orchestration instances")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"Instance {instance_id} purged.")
    assert sample_host.status(instance_id) is None


def test_terminate_asks_for_a_reason(page: Page, sample_host: Host, unique_name: str) -> None:
    instance_id = sample_host.start("show_status", f"term-{unique_name}", {"status": None})
    wait_status(sample_host, instance_id, "Running")
    page.goto(sample_host.instance_url(instance_id))

    page.get_by_role("button", name="Terminate…").click()
    confirm(page, "Terminate this instance?", "Terminate", **{"Reason (optional)": "no longer <needed>"})

    expect(page.locator(".summary-grid .status")).to_have_text("Terminated")
    expect(page.get_by_role("region", name="Output")).to_contain_text("no longer <needed>")
    assert host_status(sample_host, instance_id) == "Terminated"


def test_filters_and_paging(page: Page, sample_host: Host, unique_name: str) -> None:
    running = [sample_host.start("show_status", f"{unique_name}-{n:02d}", {"status": n}) for n in range(11)]
    failed = sample_host.start("fail_with", f"{unique_name}-failed", {"message": "boom"})
    for instance_id in running:
        wait_status(sample_host, instance_id, "Running")
    wait_status(sample_host, failed, "Failed")

    page.goto(sample_host.list_url(prefix=unique_name, size="10"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(10)
    expect(page.get_by_role("button", name="Previous page")).to_be_disabled()
    page.get_by_role("button", name="Next page").click()
    expect(rows).to_have_count(2)
    expect(page.locator(".page-label")).to_have_text("Page 2")
    expect(page.get_by_role("button", name="Next page")).to_be_disabled()
    page.get_by_role("button", name="Previous page").click()
    expect(rows).to_have_count(10)

    page.get_by_role("group", name="Status").get_by_label("Failed").check()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(failed)
    assert "status=Failed" in page.url
    page.get_by_role("group", name="Status").get_by_label("Failed").uncheck()
    page.get_by_label("Name", exact=True).fill("FAIL_")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.name")).to_have_text("fail_with")
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_label("Created from").fill("2999-01-01T00:00:00")
    expect(page.get_by_text("No instances match these filters.")).to_be_visible()
    page.get_by_role("button", name="Clear filters").click()
    expect(page.get_by_label("Instance id prefix")).to_have_value("")
    assert page.url.endswith("#/?size=10")  # the page size is kept


def test_the_list_refreshes_live_and_pauses_while_the_tab_is_hidden(
    page: Page, sample_host: Host, unique_name: str
) -> None:
    page.clock.install()  # the page's timers run when the test says so: no waiting for real polls
    page.goto(sample_host.list_url(prefix=unique_name))
    expect(page.get_by_text("No instances match these filters.")).to_be_visible()
    first = sample_host.start("show_status", f"{unique_name}-a", {"status": 1})
    page.clock.run_for(POLL_INTERVAL_MS)
    expect(page.get_by_role("link", name=first)).to_be_visible()

    api_calls: list[Request] = []
    page.on("request", lambda r: api_calls.append(r) if "/runtime/webhooks/durabletask/" in r.url else None)
    set_hidden(page, hidden=True)
    expect(page.locator("#live-state")).to_have_text("Paused (tab hidden)")
    second = sample_host.start("show_status", f"{unique_name}-b", {"status": 2})
    page.clock.run_for(5 * POLL_INTERVAL_MS)
    assert api_calls == []
    expect(page.get_by_role("link", name=second)).to_have_count(0)

    set_hidden(page, hidden=False)
    expect(page.get_by_role("link", name=second)).to_be_visible()
    page.get_by_label("Live updates").uncheck()
    expect(page.locator("#live-state")).to_have_text("Paused")
    calls_when_paused = len(api_calls)
    third = sample_host.start("show_status", f"{unique_name}-c", {"status": 3})
    page.clock.run_for(5 * POLL_INTERVAL_MS)
    assert len(api_calls) == calls_when_paused
    expect(page.get_by_role("link", name=third)).to_have_count(0)
    page.get_by_label("Live updates").check()
    expect(page.get_by_role("link", name=third)).to_be_visible()


def set_hidden(page: Page, *, hidden: bool) -> None:
    """What a browser does when the tab is hidden or shown again (headless tabs are always visible)."""
    page.evaluate(
        """hidden => {
            Object.defineProperty(document, "hidden", { value: hidden, configurable: true });
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        hidden,
    )


def host_status(host: Host, instance_id: str) -> str | None:
    return (host.status(instance_id) or {}).get("runtimeStatus")
