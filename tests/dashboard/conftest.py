"""Devhosts serving the dashboard, and the system Chromium (Debian's `chromium`) driven by Playwright.

No browser is downloaded: Playwright launches the installed Chromium (`CHROMIUM_PATH`, else
`/usr/bin/chromium`). Without one, the browser tests fail in CI (`CI=true`, where `.ci/run` installs
it) and are skipped elsewhere, with the reason.
"""

from __future__ import annotations

import os
import shutil
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, ViewportSize, sync_playwright

from tests.e2e.clients import WEBHOOK_PREFIX
from tests.e2e.conftest import app_environment
from tests.e2e.harness import DevhostProcess, HttpResult, request
from tests.support.azurite import PROJECT_ROOT, Azurite

SAMPLE_APP = Path(__file__).parent / "sample_app"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
UI_TIMEOUT_MS = 15_000
# Console messages that mean the page broke its own Content-Security-Policy.
CSP_VIOLATION_MARKERS = ("Content Security Policy", "Trusted Type")


def find_chromium() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless system Chromium, per module: while Playwright's sync API is open, the thread counts as
    running an event loop, so it must be closed before any module with asyncio tests runs."""
    executable = find_chromium()
    if executable is None:
        reason = (
            "no Chromium for the dashboard's browser tests: install Debian's `chromium` "
            "(apt-get install -y chromium) or set CHROMIUM_PATH"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageProblems:
    """What a page did that it must never do: script errors, CSP violations, alert/confirm dialogs."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if any(marker in message.text for marker in CSP_VIOLATION_MARKERS):
            self.errors.append(f"console: {message.text}")

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Browser, page_problems: PageProblems) -> Iterator[Page]:
    """A fresh context and page; the test fails if the page raised, broke its CSP or opened a dialog."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(UI_TIMEOUT_MS)
    tab = context.new_page()
    tab.on("pageerror", lambda error: page_problems.errors.append(f"page error: {error}"))
    tab.on("console", page_problems.on_console)
    tab.on("dialog", page_problems.on_dialog)
    yield tab
    context.close()
    assert page_problems.errors == [], page_problems.errors
    assert page_problems.dialogs == [], page_problems.dialogs


@dataclass(frozen=True)
class Host:
    """A running devhost: its base URL, the dashboard's URL, and management calls for test set-up."""

    base_url: str

    @property
    def dashboard(self) -> str:
        return f"{self.base_url}/dashboard/"

    def list_url(self, **filters: str) -> str:
        return f"{self.dashboard}#/?{urllib.parse.urlencode(filters)}"

    def instance_url(self, instance_id: str) -> str:
        return f"{self.dashboard}#/instances/{urllib.parse.quote(instance_id, safe='')}"

    def management(self, method: str, path: str, body: Any = None) -> HttpResult:
        return request(method, f"{self.base_url}{WEBHOOK_PREFIX}/{path}", body)

    def start(self, orchestrator: str, instance_id: str, value: Any) -> str:
        """Start `orchestrator` with `value` as input under `instance_id` (management API)."""
        quoted = urllib.parse.quote(instance_id, safe="")
        result = self.management("POST", f"orchestrators/{orchestrator}/{quoted}", value)
        assert result.status == 202, f"start {orchestrator} {instance_id!r}: {result.status} {result.body!r}"
        return instance_id

    def status(self, instance_id: str) -> dict[str, Any] | None:
        result = self.management("GET", f"instances/{urllib.parse.quote(instance_id, safe='')}")
        if result.status == 404:
            return None
        assert result.status in (200, 202), f"status of {instance_id!r}: {result.status} {result.body!r}"
        status: dict[str, Any] = result.json()
        return status


def _launch(app_dir: Path, environment: dict[str, str], log: Path) -> Iterator[Host]:
    process = DevhostProcess(app_dir, environment, log_path=log).start()
    try:
        yield Host(process.base_url)
    finally:
        process.stop()


@pytest.fixture(scope="package")
def project_host(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """The devhost running this project's app on a private task hub."""
    log = tmp_path_factory.mktemp("dashboard-project") / "devhost.log"
    yield from _launch(PROJECT_ROOT, app_environment(azurite, "Dash" + uuid.uuid4().hex[:10]), log)


@pytest.fixture(scope="package")
def sample_host(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """The devhost running `sample_app` (orchestrations whose custom status and failures tests choose)."""
    log = tmp_path_factory.mktemp("dashboard-sample") / "devhost.log"
    environment = {
        "AzureWebJobsStorage": azurite.connection_string,
        "DASHBOARD_HUB": "DashSample" + uuid.uuid4().hex[:10],
    }
    yield from _launch(SAMPLE_APP, environment, log)
