"""The project app under `kill -9`: every workflow finishes with the right output, no promised-once side
effect happens twice.

One devhost on a private task hub runs orders (a plain one, one waiting for approval, one whose payment
fails twice before it goes through), an ingestion over a few CSV blobs and a device monitor. It is
killed three times, each time restarted on the same hub at once (the dead holder's lease is broken):
right after the workflows were started, while the ingestion's activities run, and while timers are
pending (the approval's 72-hour deadline, the monitor's sleep).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient

from tests.crash.conftest import WEBHOOK, Hosts, custom_step, status, wait_finished, wait_for
from tests.e2e.conftest import app_environment
from tests.e2e.harness import poll_until, request
from tests.support.azurite import PROJECT_ROOT

pytestmark = [pytest.mark.crash, pytest.mark.azurite, pytest.mark.slow, pytest.mark.timeout(90)]

STOCK = 100
MONITOR_INTERVAL_S = 10  # the smallest the API accepts
KILLS = 3
CSV_HEADER = b"order_id,sku,quantity,unit_price\n"


@dataclass(frozen=True)
class Order:
    order_id: str
    quantity: int
    unit_price: Decimal
    transient_failures: int = 0

    @property
    def instance_id(self) -> str:
        return f"order-{self.order_id}"

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    def body(self, sku: str) -> dict[str, Any]:
        line = {"sku": sku, "quantity": self.quantity, "unit_price": str(self.unit_price)}
        simulate = {"payment": {"transient_failures": self.transient_failures}}
        return {"order_id": self.order_id, "customer_id": "c-crash", "lines": [line], "simulate": simulate}


def _post(url: str, body: object) -> dict[str, Any]:
    response = request("POST", url, body)
    assert response.status in (201, 202), (url, response.status, response.body[:500])
    payload: dict[str, Any] = response.json()
    return payload


def _upload_csv_files(blobs: BlobServiceClient, container: str) -> None:
    client = blobs.create_container(container)
    client.upload_blob("in/a.csv", CSV_HEADER + b"o1,SKU-A,2,10.00\no2,SKU-B,1,2.50\n")
    client.upload_blob("in/b.csv", CSV_HEADER + b"o3,SKU-A,4,1.25\no4,SKU-A,0,1.00\n")
    client.upload_blob("in/c.csv", b"not,a,valid\nheader\n")


def _history(base_url: str, instance_id: str) -> list[dict[str, Any]]:
    """`historyEvents` (empty while the instance does not exist or is Pending)."""
    response = request("GET", f"{base_url}{WEBHOOK}/instances/{instance_id}?showHistory=true")
    if response.status not in (200, 202):
        return []
    history: list[dict[str, Any]] = response.json().get("historyEvents") or []
    return history


def _has_pending_timer(base_url: str, instance_id: str) -> bool:
    kinds = [event["EventType"] for event in _history(base_url, instance_id)]
    return kinds.count("TimerCreated") > kinds.count("TimerFired")


def _what_the_host_shows(base_url: str, instance_ids: list[str]) -> str:
    """Each instance's status answer with its history, for a failure message."""
    shown = []
    for instance_id in instance_ids:
        response = request("GET", f"{base_url}{WEBHOOK}/instances/{instance_id}?showHistory=true")
        shown.append(f"{instance_id}: {response.status} {response.body[:3000]!r}")
    return "\n".join(shown)


def _blob_json(blobs: BlobServiceClient, container: str, name: str) -> Any:
    return json.loads(blobs.get_blob_client(container, name).download_blob().readall())


def _check_charged_once(
    base_url: str, blobs: BlobServiceClient, order: Order, finals: dict[str, dict[str, Any]]
) -> int:
    """The order completed with one charge and no refund; returns its charge attempts that ran twice.

    Each attempt that reached the gateway counted itself; the history records the attempts' results.
    An attempt counted but not recorded was cut off by a kill and ran again: at most one per kill.
    """
    assert finals[order.instance_id]["output"] == {
        "order_id": order.order_id,
        "status": "completed",
        "total": str(order.total),
        "charge_id": f"ch_{order.order_id}",
        "shipment_id": f"sh_{order.order_id}",
        "receipt": f"receipts/{order.order_id}.json",
    }
    assert _blob_json(blobs, "payments", f"{order.order_id}/charge.json") == {
        "status": "charged",
        "order_id": order.order_id,
        "charge_id": f"ch_{order.order_id}",
        "amount": str(order.total),
        "currency": "EUR",
    }
    assert not blobs.get_blob_client("payments", f"{order.order_id}/refund.json").exists()
    history = _history(base_url, order.instance_id)
    results = [e["EventType"] for e in history if e.get("FunctionName") == "charge_payment"]
    assert results[-1] == "TaskCompleted"
    assert set(results[:-1]) <= {"TaskFailed"}
    gateway_calls = int(_blob_json(blobs, "payments", f"{order.order_id}/charge-attempts"))
    needed = order.transient_failures + 1
    assert needed <= gateway_calls <= needed + KILLS
    assert gateway_calls - KILLS <= len(results) <= gateway_calls
    return gateway_calls - len(results)


def test_workflows_survive_kill_9_at_three_moments(hosts: Hosts, blobs: BlobServiceClient) -> None:
    unique = uuid.uuid4().hex[:8]
    sku, device, container = f"CR-{unique.upper()}", f"dev-{unique}", f"crash-{unique}"
    plain = Order(f"plain-{unique}", 3, Decimal("5"))
    large = Order(f"large-{unique}", 60, Decimal("25"))  # 1500 > APPROVAL_THRESHOLD: needs approval
    flaky = Order(f"flaky-{unique}", 1, Decimal("5"), transient_failures=2)
    orders = (plain, large, flaky)
    approval = f"{large.instance_id}:approval"
    _upload_csv_files(blobs, container)
    host = hosts.launch(PROJECT_ROOT, app_environment(hosts.azurite, hosts.hub), name="project")
    api = f"{host.base_url}/api"
    _post(f"{api}/inventory/{sku}/restock", {"quantity": STOCK})
    poll_until(lambda: request("GET", f"{api}/inventory/{sku}").status == 200, what="the restock")
    _post(f"{api}/devices/{device}/readings", {"value": 11.5, "unit": "C"})  # above the threshold

    # Kill 1: right after starting everything.
    monitor_request = {"threshold": 8, "interval_s": MONITOR_INTERVAL_S}
    monitor = _post(f"{api}/devices/{device}/monitor", monitor_request)["id"]
    ingestion_request = {"container": container, "prefix": "in/", "batch_size": 2, "parallel_batches": 1}
    ingestion = _post(f"{api}/ingestions", ingestion_request)["id"]
    for order in orders:
        _post(f"{api}/orders", order.body(sku))
    host.kill()
    host.start()

    # Kill 2: while the ingestion's activities run (the restart re-ran whatever was pending).
    wait_for(
        host.base_url,
        ingestion,
        lambda s: custom_step(s) == "processing" or s["runtimeStatus"] != "Running",
        timeout_s=15,
        what="processing its batches",
    )
    host.kill()
    host.start()

    # Kill 3: while timers are pending: the approval's 72-hour deadline, the monitor's sleep.
    try:
        poll_until(
            lambda: _has_pending_timer(host.base_url, approval), timeout_s=15, what="the approval timer"
        )
    except AssertionError as exc:  # seen rarely in full runs (see the issue notes): keep what the host had
        shown = _what_the_host_shows(host.base_url, [large.instance_id, approval])
        raise AssertionError(f"{exc}\n{shown}\nhost log, last part:\n{host.output()}") from exc
    wait_for(host.base_url, monitor, lambda s: custom_step(s) == "sleeping", timeout_s=15, what="sleeping")
    host.kill()
    host.start()

    # The monitor's timer, armed before the kill, fires on the new host: a second poll follows.
    wait_for(
        host.base_url,
        monitor,
        lambda s: (s.get("customStatus") or {}).get("polls", 0) >= 2,
        timeout_s=MONITOR_INTERVAL_S + 10,
        what="its second poll",
    )
    _post(f"{api}/approvals/{large.order_id}", {"approved": True, "approver": "crash-test"})
    _post(f"{api}/devices/{device}/monitor/stop", None)
    finals = {
        i: wait_finished(host.base_url, i) for i in (monitor, ingestion, *(o.instance_id for o in orders))
    }
    assert {i: s["runtimeStatus"] for i, s in finals.items()} == dict.fromkeys(finals, "Completed")

    repeated_charges = sum(_check_charged_once(host.base_url, blobs, order, finals) for order in orders)
    decided = status(host.base_url, approval)
    assert decided is not None
    assert decided["output"]["approved"] is True

    def stock_settled() -> dict[str, Any] | None:
        stock: dict[str, Any] = request("GET", f"{api}/inventory/{sku}").json()
        return stock if not stock["reservations"] else None

    stock = poll_until(stock_settled, timeout_s=5, what="every reservation committed")
    assert stock == {"sku": sku, "available": STOCK - sum(o.quantity for o in orders), "reservations": {}}

    summary = finals[ingestion]["output"]
    assert summary == {
        "files": 3,
        "succeeded": 2,
        "failed": 1,
        "rows": 4,
        "valid": 3,
        "invalid": 1,
        "quantity": 7,
        "amount": "27.50",
        "failed_files": [{"file": "in/c.csv", "error": "header must be order_id,sku,quantity,unit_price"}],
        "summary": f"ingestion-output/{ingestion}/summary.json",
    }
    assert _blob_json(blobs, "ingestion-output", f"{ingestion}/summary.json")["files"] == 3

    monitored = finals[monitor]["output"]
    assert (monitored["stopped"], monitored["alerts"]) == ("stop requested", 1)
    assert monitored["polls"] >= 2
    alerts = list(blobs.get_container_client("telemetry").list_blobs(name_starts_with=f"{device}/alerts/"))
    assert len(alerts) == 1, "the alert of the one threshold crossing is recorded once"

    activities, timers = hosts.re_dispatched()
    print(
        f"recovery over {KILLS} kills: {activities} activities re-dispatched, {timers} timers re-armed, "
        f"{repeated_charges} charge attempts repeated"
    )
