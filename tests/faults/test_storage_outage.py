"""The task hub's storage goes away for a while and comes back: nothing is lost, nobody hangs.

The devhost keeps its state on a private Azurite with its data on disk, which the test stops and
starts again on the same ports; the app's own blobs (`WorkflowStorage`) stay on the session's Azurite,
so what is tested is the host's outage, not the app's. Orders in flight when storage goes away
complete after it is back, each reserving its stock once; HTTP calls made meanwhile answer 503 with a
JSON error within a few seconds; a client operation refused with 503 has no effect; the log says
"unavailable" once and "available again" once.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.clients import AppApi, ManagementApi, api_error, wait_for_deadline_timer
from tests.e2e.harness import DevhostProcess, HttpResult, poll_until, request
from tests.support.azurite import PROJECT_ROOT, Azurite

pytestmark = [pytest.mark.azurite, pytest.mark.e2e, pytest.mark.slow]

OUTAGE_S = 8.0
ANSWER_WITHIN_S = 10.0  # storage clients give up after ~3 s; client operations after 5 s
STOCK = 100
OUTAGE_LINE = "storage is unavailable ("
BACK_LINE = "storage is available again after"
MAX_OTHER_LINES = 3  # e.g. one "cannot renew the lease" or "cannot poll" line per component


@dataclass
class Outage:
    """The app on a devhost whose task hub lives on `storage`, an Azurite the test may stop."""

    storage: Azurite
    host: DevhostProcess
    api: AppApi
    management: ManagementApi

    def log(self) -> str:
        assert self.host.log_path is not None
        return self.host.log_path.read_text(errors="replace")


@pytest.fixture
def outage(azurite: Azurite, tmp_path: Path) -> Iterator[Outage]:
    storage = Azurite(location=tmp_path / "azurite").start()
    environment = {
        "AzureWebJobsStorage": storage.connection_string,
        "WorkflowStorage": azurite.connection_string,
        "TASKHUB_NAME": "Outage" + uuid.uuid4().hex[:10],
        "APPROVAL_THRESHOLD": "1000",
        "APPROVAL_TIMEOUT_SECONDS": str(72 * 3600),
    }
    host = DevhostProcess(PROJECT_ROOT, environment, log_path=tmp_path / "devhost.log")
    try:
        host.start()
        yield Outage(storage, host, AppApi(host.base_url), ManagementApi(host.base_url))
    finally:
        host.kill()
        storage.stop()


def order(order_id: str, sku: str, unit_price: float, **simulate: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": "c-outage",
        "lines": [{"sku": sku, "quantity": 1, "unit_price": unit_price}],
    }
    if simulate:
        body["simulate"] = simulate
    return body


def timed(call: Callable[[], HttpResult]) -> tuple[HttpResult, float]:
    began = time.monotonic()
    result = call()
    return result, time.monotonic() - began


def exists(management: ManagementApi, instance_id: str) -> bool:
    return request("GET", management.url(f"instances/{instance_id}")).status != 404


def host_503(result: HttpResult) -> None:
    """The management API's answer while storage is away: 503, an `HttpError` body, `Retry-After`."""
    assert result.status == 503, (result.status, result.body[:300])
    assert result.headers["content-type"].startswith("application/json"), result.headers
    assert result.json()["Message"] == "The task hub's storage is unavailable; retry the request later"
    assert result.headers["retry-after"] == "5"


def test_work_survives_a_storage_outage_and_calls_meanwhile_answer_503(outage: Outage) -> None:
    api, management = outage.api, outage.management
    run = uuid.uuid4().hex[:8]
    sku = f"OUT-{run.upper()}"
    api.restock(sku, STOCK)
    api.wait_stock(sku, STOCK)
    # In flight across the outage: orders whose payment and shipping each fail once (a 2 s retry
    # timer apiece), and large orders waiting for an approval decision.
    retried = [f"retried-{run}-{n}" for n in range(6)]
    for order_id in retried:
        flaky = {"transient_failures": 1}
        api.start("orders", order(order_id, sku, 10, payment=flaky, shipping=flaky))
    approvals = [f"large-{run}-{n}" for n in range(2)]
    for order_id in approvals:
        api.start("orders", order(order_id, sku, 1500))
    for order_id in approvals:
        approval_id = f"order-{order_id}:approval"
        poll_until(lambda: exists(management, approval_id), what=f"{approval_id} to start")  # noqa: B023
        wait_for_deadline_timer(management, approval_id)

    outage.storage.stop()
    stopped = time.monotonic()
    refused_start = f"during-{run}"
    calls: dict[str, Callable[[], HttpResult]] = {
        "app start": lambda: api.call("POST", "orders", order(refused_start, sku, 10)),
        "app list": lambda: api.call("GET", "instances"),
        "app approve": lambda: api.call(
            "POST", f"approvals/{approvals[0]}", {"approved": True, "approver": "x"}
        ),
        "host list": lambda: management.call("GET", "instances"),
        "host start": lambda: management.start("order_workflow", f"order-direct-{run}", {}),
        "host raise": lambda: management.raise_event(
            f"order-{approvals[1]}:approval", "ApprovalDecision", {"approved": True, "approver": "x"}
        ),
        "health": lambda: api.call("GET", "health"),
    }
    with ThreadPoolExecutor(len(calls)) as pool:
        answers = dict(zip(calls, pool.map(timed, calls.values()), strict=True))
    took = {name: round(elapsed, 1) for name, (_, elapsed) in answers.items()}
    assert max(took.values()) < ANSWER_WITHIN_S, took
    for name in ("app start", "app list", "app approve"):
        api_error(answers[name][0], 503, "host.unavailable")
    for name in ("host list", "host start", "host raise"):
        host_503(answers[name][0])
    assert answers["health"][0].status == 200
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped)))
    outage.storage.start()

    for order_id in retried:
        done = api.wait_done(f"order-{order_id}", timeout_s=60)
        assert done["runtime_status"] == "Completed", done
        assert done["output"]["charge_id"] == f"ch_{order_id}"
    # The refused decisions changed nothing: both approvals still wait, and decide now.
    for order_id in approvals:
        approval = request("GET", management.url(f"instances/order-{order_id}:approval"))
        mentions = "\n".join(line for line in outage.log().splitlines() if order_id in line)
        assert approval.json()["runtimeStatus"] == "Running", (approval.json(), answers, mentions[-6000:])
        decided = api.call("POST", f"approvals/{order_id}", {"approved": True, "approver": "ops"})
        assert decided.status == 202, decided
        assert api.wait_done(f"order-{order_id}", timeout_s=30)["runtime_status"] == "Completed"
    assert api.instance(f"order-{refused_start}") is None
    assert request("GET", management.url(f"instances/order-direct-{run}")).status == 404
    api.wait_stock(sku, STOCK - len(retried) - len(approvals))  # each order reserved once

    log = outage.log()
    assert log.count(OUTAGE_LINE) == 1, log[-3000:]
    assert log.count(BACK_LINE) == 1, log[-3000:]
    during = log[log.index(OUTAGE_LINE) : log.index(BACK_LINE)]
    noisy = [line for line in during.splitlines() if re.search(r" (WARNING|ERROR|CRITICAL) ", line)]
    assert len(noisy) <= MAX_OTHER_LINES, "\n".join(noisy)
    assert "Traceback" not in during, during[-3000:]
