"""The app under test, reached over HTTP only: the devhost on a fresh task hub, or `E2E_BASE_URL`."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import DevhostProcess
from tests.support.azurite import PROJECT_ROOT, Azurite

pytestmark = pytest.mark.e2e


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
