"""The app under test, reached over HTTP only: the devhost on a fresh task hub, or `E2E_BASE_URL`."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from tests.e2e.clients import TERMINAL_STATUSES, AppApi, DevhostClock, ManagementApi
from tests.e2e.harness import DevhostProcess, request
from tests.support.azurite import PROJECT_ROOT, Azurite

pytestmark = pytest.mark.e2e
CLOCK_MARKER = "devhost_clock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{CLOCK_MARKER}: moves the devhost's clock (/admin/devhost/clock); skipped where that route is 404",
    )


def app_environment(azurite: Azurite, hub_name: str) -> dict[str, str]:
    """Settings that point the app and its host at the test session's Azurite and a private task hub."""
    return {
        "AzureWebJobsStorage": azurite.connection_string,
        "WorkflowStorage": azurite.connection_string,
        "TASKHUB_NAME": hub_name,
        "APPROVAL_THRESHOLD": "1000",
        "APPROVAL_TIMEOUT_SECONDS": str(72 * 3600),
    }


@pytest.fixture(scope="session")
def app_base_url(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the running app (`http://localhost:<port>`)."""
    external = os.environ.get("E2E_BASE_URL")
    if external:
        yield external.rstrip("/")
        return
    log = Path(tmp_path_factory.mktemp("devhost")) / "devhost.log"
    host = DevhostProcess(
        PROJECT_ROOT, app_environment(azurite, "E2E" + uuid.uuid4().hex[:10]), log_path=log
    ).start()
    try:
        yield host.base_url
    finally:
        host.stop()


@pytest.fixture(scope="session")
def api(app_base_url: str) -> AppApi:
    return AppApi(app_base_url)


@pytest.fixture(scope="session")
def management(app_base_url: str) -> ManagementApi:
    return ManagementApi(app_base_url)


@pytest.fixture
def clock(app_base_url: str, request: pytest.FixtureRequest) -> DevhostClock:
    """The devhost clock route, for tests marked `devhost_clock`.

    Skipped only when `E2E_BASE_URL` names a host that answers 404 there (`func start` has no such
    route); on the devhost a missing route is a failure.
    """
    assert request.node.get_closest_marker(CLOCK_MARKER), f"mark tests that use the clock `{CLOCK_MARKER}`"
    devhost_clock = DevhostClock(app_base_url)
    if not devhost_clock.available():
        if os.environ.get("E2E_BASE_URL"):
            pytest.skip(
                f"{app_base_url} answers 404 on the devhost-only clock route; timers cannot be skipped"
            )
        pytest.fail("the devhost answers 404 on /admin/devhost/clock")
    return devhost_clock


@pytest.fixture(scope="session")
def workflow_blobs(azurite: Azurite) -> Iterator[BlobServiceClient]:
    """The blob storage the app's activities use (`WorkflowStorage`), for test set-up such as uploads.

    With `E2E_BASE_URL`, that is `E2E_WORKFLOW_STORAGE` (default: the local Azurite `make run` uses).
    """
    if os.environ.get("E2E_BASE_URL"):
        connection = os.environ.get("E2E_WORKFLOW_STORAGE", "UseDevelopmentStorage=true")
    else:
        connection = azurite.connection_string
    with BlobServiceClient.from_connection_string(connection) as client:
        yield client


@pytest.fixture
def janitor(management: ManagementApi) -> Iterator[list[str]]:
    """Instance ids a test started; any still running at the end is terminated, so no timer of a failed
    test fires into the next one."""
    started: list[str] = []
    yield started
    for instance_id in started:
        status = request("GET", management.url(f"instances/{instance_id}", showInput="false"))
        if status.status == 202 and status.json()["runtimeStatus"] not in TERMINAL_STATUSES:
            management.call("POST", f"instances/{instance_id}/terminate?reason=test+clean-up")
