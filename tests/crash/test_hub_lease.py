"""One devhost per task hub: a second one refuses to start; after `kill -9` the next takes over at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from devhost.tracking import TaskHubNames
from tests.crash.conftest import Hosts
from tests.crash.fixtures import SIDE_EFFECTS_APP
from tests.e2e.harness import request
from tests.support.azurite import PROJECT_ROOT, free_port

pytestmark = [pytest.mark.crash, pytest.mark.azurite, pytest.mark.timeout(45)]

# Far below the 60-second lease: the dead holder's lease was broken, not waited out.
TAKEOVER_BOUND_S = 15.0


def _lease_holder(blobs: BlobServiceClient, hub: str) -> dict[str, object]:
    names = TaskHubNames.for_hub(hub)
    info = blobs.get_blob_client(names.lease_container, names.lease_info_blob).download_blob().readall()
    holder: dict[str, object] = json.loads(info)
    return holder


def _run_second_devhost(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "devhost", "--port", str(free_port()), "--rpc-port", str(free_port())]
    return subprocess.run(
        [*args, str(SIDE_EFFECTS_APP)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **environment, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )


def test_second_devhost_refuses_the_hub_and_a_killed_holder_is_replaced_at_once(
    hosts: Hosts, blobs: BlobServiceClient, tmp_path: Path
) -> None:
    environment = {
        "AzureWebJobsStorage": hosts.azurite.connection_string,
        "CRASH_HUB": hosts.hub,
        "CRASH_MARKER_DIR": str(tmp_path),
    }
    first = hosts.launch(SIDE_EFFECTS_APP, environment)
    holder = _lease_holder(blobs, hosts.hub)

    refused = _run_second_devhost(environment)

    assert refused.returncode == 1, refused.stdout[-2000:]
    message = next(line for line in refused.stdout.splitlines() if "devhost cannot start" in line)
    assert hosts.hub.lower() in message.lower()
    assert f"process {holder['ProcessId']} on {holder['Host']}" in message
    assert request("GET", f"{first.base_url}/admin/host/ping").status == 200
    assert _lease_holder(blobs, hosts.hub) == holder, "the refused devhost left the lease alone"

    first.kill()
    started = time.monotonic()
    first.start()
    assert time.monotonic() - started < TAKEOVER_BOUND_S
    assert _lease_holder(blobs, hosts.hub)["ProcessId"] != holder["ProcessId"]
    log = first.log_path.read_text() if first.log_path else ""
    assert f"breaking the task hub lease of process {holder['ProcessId']}" in log
