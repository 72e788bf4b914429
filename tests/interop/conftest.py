"""A devhost subprocess on a task hub of the session's Azurite, and the real engine's client on that hub.

The app is the patterns fixture app, copied with one host.json change: the control queues are polled
at least every second (`storageProvider.maxQueuePollingInterval`), where the devhost's idle default
(80 s per queue with 4 partitions) would make every test wait for the poll. The copy also gets
`EXTRA_ORCHESTRATORS`: history shapes the shared app does not produce on its own.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.devhost.fixtures import FIXTURES_DIR
from tests.e2e.clients import ManagementApi
from tests.e2e.harness import DevhostProcess
from tests.interop.dtfx import Dtfx, DtfxUnavailableError, check_runnable
from tests.support.azurite import Azurite

POLLING_INTERVAL = "00:00:01"
EXTRA_ORCHESTRATORS = '''

@app.orchestration_trigger(context_name="context")
def short_timer(context: df.DurableOrchestrationContext):
    """A durable timer that fires (after half a second) and stays in the final history."""
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=0.5))
    return "fired"


@app.orchestration_trigger(context_name="context")
def failing_activity(context: df.DurableOrchestrationContext):
    """An activity failure the orchestrator does not catch: the instance fails."""
    return (yield context.call_activity("fail", None))
'''


@pytest.fixture(scope="session")
def dtfx_runs(azurite: Azurite) -> None:
    """Fails (never skips) every interop test when the real engine's client cannot run here."""
    try:
        check_runnable(azurite.connection_string)
    except DtfxUnavailableError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def interop_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    app = tmp_path_factory.mktemp("interop") / "patterns_app"
    shutil.copytree(FIXTURES_DIR / "patterns_app", app)
    host = json.loads((app / "host.json").read_text())
    host["extensions"]["durableTask"]["storageProvider"] = {"maxQueuePollingInterval": POLLING_INTERVAL}
    (app / "host.json").write_text(json.dumps(host, indent=2))
    with (app / "function_app.py").open("a", encoding="utf-8") as code:
        code.write(EXTRA_ORCHESTRATORS)
    return app


@pytest.fixture(scope="session")
def interop_hub() -> str:
    return "Interop" + uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def devhost(
    azurite: Azurite, interop_app: Path, interop_hub: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevhostProcess]:
    log = tmp_path_factory.mktemp("interop-log") / "devhost.log"
    environment = {"AzureWebJobsStorage": azurite.connection_string, "PATTERNS_HUB": interop_hub}
    host = DevhostProcess(interop_app, environment, log_path=log).start()
    try:
        yield host
    finally:
        host.stop()


@pytest.fixture(scope="session")
def management(devhost: DevhostProcess) -> ManagementApi:
    return ManagementApi(devhost.base_url)


@pytest.fixture(scope="session")
def dtfx(dtfx_runs: None, azurite: Azurite, interop_hub: str) -> Dtfx:
    """The real engine's client on the devhost's task hub."""
    return Dtfx(azurite.connection_string, interop_hub)
