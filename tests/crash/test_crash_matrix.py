"""The crash matrix (issue 6, Faults): 100 workflows of every kind in flight while the devhost is
killed with `kill -9` at 10 random moments; everything still completes once, with the right outputs.

The workflows are started in ten shuffled chunks; after each chunk the host runs for a random while,
is killed and is restarted on the same task hub. The RNG is seeded from `CRASH_MATRIX_SEED` (or at
random) and the seed is printed first, so a failing run can be replayed. Then the waiting workflows
are driven to the end: approvals are decided, monitors stopped, and retry timers skipped through the
devhost's clock route. Soak test: only `pytest -m soak tests/crash/test_crash_matrix.py` runs it
(`-s` shows the report).
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient

from domain.instance_ids import approval_instance_id
from tests.crash.conftest import TERMINAL, WEBHOOK, Hosts, custom_step, status, wait_for
from tests.e2e.clients import DevhostClock
from tests.e2e.conftest import app_environment
from tests.e2e.harness import DevhostProcess, poll_until, request
from tests.support.azurite import PROJECT_ROOT

pytestmark = [
    pytest.mark.soak,
    pytest.mark.crash,
    pytest.mark.azurite,
    pytest.mark.slow,
    pytest.mark.timeout(900),
]

KILLS = 10
STOCK = 1000
SKUS = ("A", "B")
THRESHOLD = 8.0
ORDER_KINDS = {"plain": 30, "approval": 10, "transient": 10, "declined": 10, "shipping": 10}
INGESTIONS = 15
MONITORS = 15
CSV_HEADER = b"order_id,sku,quantity,unit_price\n"
# Per ingestion: two good files (one row of quantity 0 is invalid) and one with a wrong header.
CSV_FILES = {
    "x.csv": CSV_HEADER + b"r1,SKU-X,1,3.00\nr2,SKU-Y,2,4.50\n",
    "y.csv": CSV_HEADER + b"r3,SKU-X,5,1.00\nr4,SKU-X,0,1.00\n",
    "z.csv": b"id;sku\n1;x\n",
}


@dataclass(frozen=True)
class Order:
    order_id: str
    kind: str
    sku: str
    quantity: int
    unit_price: Decimal

    @property
    def instance_id(self) -> str:
        return f"order-{self.order_id}"

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def completes(self) -> bool:
        return self.kind in ("plain", "approval", "transient")

    @property
    def transient_failures(self) -> int:
        return 2 if self.kind == "transient" else 0

    def body(self) -> dict[str, Any]:
        payment: dict[str, Any] = {"transient_failures": self.transient_failures}
        if self.kind == "declined":
            payment["decline"] = True
        simulate = {"payment": payment, "shipping": {"fail": self.kind == "shipping"}}
        line = {"sku": self.sku, "quantity": self.quantity, "unit_price": str(self.unit_price)}
        return {"order_id": self.order_id, "customer_id": "c-matrix", "lines": [line], "simulate": simulate}


@dataclass
class Matrix:
    """What the test started; `ingestions` and `monitors` fill in as their starts answer."""

    unique: str
    orders: list[Order]
    devices: dict[str, bool]  # device id -> its reading is above the threshold
    ingestions: dict[str, str]  # instance id -> prefix
    monitors: dict[str, str]  # instance id -> device id

    def sku(self, name: str) -> str:
        return f"MX-{self.unique.upper()}-{name}"


def _post(url: str, body: object, accepted: tuple[int, ...] = (201, 202)) -> dict[str, Any]:
    response = request("POST", url, body)
    assert response.status in accepted, (url, response.status, response.body[:500])
    payload: dict[str, Any] = response.json()
    return payload


def _blob(blobs: BlobServiceClient, container: str, name: str) -> Any:
    client = blobs.get_blob_client(container, name)
    return json.loads(client.download_blob().readall()) if client.exists() else None


def _history(base_url: str, instance_id: str) -> list[dict[str, Any]]:
    """The instance's `historyEvents` (none while it does not exist yet)."""
    response = request("GET", f"{base_url}{WEBHOOK}/instances/{instance_id}?showHistory=true")
    if response.status == 404:
        return []
    assert response.status in (200, 202), (instance_id, response.status)
    events: list[dict[str, Any]] = response.json().get("historyEvents") or []
    return events


def _results(base_url: str, instance_id: str, function: str) -> list[str]:
    """The recorded outcomes (`TaskCompleted` / `TaskFailed`) of an activity's executions."""
    outcomes = ("TaskCompleted", "TaskFailed")
    return [
        e["EventType"]
        for e in _history(base_url, instance_id)
        if e.get("FunctionName") == function and e["EventType"] in outcomes
    ]


def _plan(rng: random.Random, unique: str) -> tuple[Matrix, list[Callable[[str], None]]]:
    """The 100 workflows and, shuffled, one start call each (given the app's `/api` URL)."""
    orders = []
    for kind, count in ORDER_KINDS.items():
        for n in range(count):
            quantity, price = (60, Decimal("25")) if kind == "approval" else (rng.randint(1, 5), Decimal("5"))
            orders.append(Order(f"{kind}-{unique}-{n}", kind, SKUS[n % 2], quantity, price))
    devices = {f"dev-{unique}-{n}": n % 2 == 0 for n in range(MONITORS)}
    matrix = Matrix(unique, orders, devices, {}, {})

    def order_start(order: Order) -> Callable[[str], None]:
        body = order.body()
        body["lines"][0]["sku"] = matrix.sku(order.sku)

        def start(api: str) -> None:
            _post(f"{api}/orders", body, (202,))

        return start

    def ingestion_start(prefix: str) -> Callable[[str], None]:
        def start(api: str) -> None:
            body = {"container": f"mx-{unique}", "prefix": prefix, "batch_size": 2, "parallel_batches": 2}
            matrix.ingestions[_post(f"{api}/ingestions", body, (202,))["id"]] = prefix

        return start

    def monitor_start(device: str) -> Callable[[str], None]:
        def start(api: str) -> None:
            body = {"threshold": THRESHOLD, "interval_s": 10}
            matrix.monitors[_post(f"{api}/devices/{device}/monitor", body, (202,))["id"]] = device

        return start

    starts = [order_start(o) for o in orders]
    starts += [ingestion_start(f"in/{n}/") for n in range(INGESTIONS)]
    starts += [monitor_start(d) for d in devices]
    rng.shuffle(starts)
    return matrix, starts


def _prepare(api: str, blobs: BlobServiceClient, matrix: Matrix) -> None:
    for name in SKUS:
        _post(f"{api}/inventory/{matrix.sku(name)}/restock", {"quantity": STOCK})
    for name in SKUS:
        url = f"{api}/inventory/{matrix.sku(name)}"

        def restocked(url: str = url) -> bool:
            return bool((request("GET", url).json() or {}).get("available") == STOCK)

        poll_until(restocked, what=url)
    for device, above in matrix.devices.items():
        _post(f"{api}/devices/{device}/readings", {"value": THRESHOLD + (3 if above else -3), "unit": "C"})
    container = blobs.create_container(f"mx-{matrix.unique}")
    for n in range(INGESTIONS):
        for name, data in CSV_FILES.items():
            container.upload_blob(f"in/{n}/{name}", data)


def _drive_to_the_end(host: DevhostProcess, matrix: Matrix) -> dict[str, dict[str, Any]]:
    """Decide every approval, stop every monitor, then skip timers until every workflow has finished."""
    api = f"{host.base_url}/api"
    for order in (o for o in matrix.orders if o.kind == "approval"):
        approval = approval_instance_id(order.instance_id)

        def waiting(approval: str = approval) -> bool:
            kinds = [e["EventType"] for e in _history(host.base_url, approval)]
            return kinds.count("TimerCreated") > kinds.count("TimerFired")

        poll_until(waiting, timeout_s=60, what=f"{approval} waiting for a decision")
        _post(f"{api}/approvals/{order.order_id}", {"approved": True, "approver": "matrix"}, (202,))
    for monitor, device in matrix.monitors.items():
        wait_for(
            host.base_url, monitor, lambda s: custom_step(s) == "sleeping", timeout_s=60, what="sleeping"
        )
        _post(f"{api}/devices/{device}/monitor/stop", None, (202,))
    pending = {o.instance_id for o in matrix.orders} | set(matrix.ingestions) | set(matrix.monitors)
    finals: dict[str, dict[str, Any]] = {}
    clock = DevhostClock(host.base_url)
    deadline = time.monotonic() + 240
    while pending:
        for instance_id in sorted(pending):
            current = status(host.base_url, instance_id)
            if current is not None and current["runtimeStatus"] in TERMINAL:
                finals[instance_id] = current
                pending.discard(instance_id)
        assert time.monotonic() < deadline, f"still running after the kills: {sorted(pending)}"
        if pending:
            clock.to_next_timer()
            time.sleep(0.2)
    return finals


def _check_order(base_url: str, blobs: BlobServiceClient, order: Order, final: dict[str, Any]) -> int:
    """One order's outcome, charge and refund; returns how many gateway calls ran a second time."""
    charge = _blob(blobs, "payments", f"{order.order_id}/charge.json")
    refund = _blob(blobs, "payments", f"{order.order_id}/refund.json")
    charged = {
        "status": "charged",
        "order_id": order.order_id,
        "charge_id": f"ch_{order.order_id}",
        "amount": str(order.total),
        "currency": "EUR",
    }
    if order.completes:
        assert (final["runtimeStatus"], final["output"]) == (
            "Completed",
            {
                "order_id": order.order_id,
                "status": "completed",
                "total": str(order.total),
                "charge_id": f"ch_{order.order_id}",
                "shipment_id": f"sh_{order.order_id}",
                "receipt": f"receipts/{order.order_id}.json",
            },
        ), final
        assert (charge, refund) == (charged, None)
    else:
        code, compensated = ("payment.declined", 1) if order.kind == "declined" else ("shipping.failed", 2)
        custom = final["customStatus"]
        assert (final["runtimeStatus"], custom["step"], custom["code"]) == ("Failed", "failed", code), final
        assert custom["compensated"] == compensated, final
        assert "compensation_failed" not in custom, final
        if order.kind == "declined":
            assert charge is not None
            assert charge["status"] == "declined"
            assert refund is None, "a declined charge is never refunded"
        else:
            assert charge == charged
            assert refund == {**charged, "status": "refunded"}
    charge_results = _results(base_url, order.instance_id, "charge_payment")
    assert charge_results.count("TaskCompleted") == 1, (order, charge_results)
    assert charge_results.count("TaskFailed") <= order.transient_failures, (order, charge_results)
    calls = int(_blob(blobs, "payments", f"{order.order_id}/charge-attempts"))
    repeated = calls - len(charge_results)
    shipping_results = _results(base_url, order.instance_id, "create_shipment")
    if shipping_results:
        repeated += int(_blob(blobs, "shipments", f"{order.order_id}.attempts")) - len(shipping_results)
    assert 0 <= repeated <= KILLS, (order, repeated)
    return repeated


def _check_stock(api: str, matrix: Matrix) -> None:
    """Each SKU lost exactly the completed orders' quantities; no reservation is left behind."""
    for name in SKUS:
        sku = matrix.sku(name)
        sold = sum(o.quantity for o in matrix.orders if o.completes and o.sku == name)
        expected = {"sku": sku, "available": STOCK - sold, "reservations": {}}
        seen: list[Any] = [None]

        def settled(sku: str = sku, expected: dict[str, Any] = expected, seen: list[Any] = seen) -> bool:
            seen[0] = request("GET", f"{api}/inventory/{sku}").json()
            return bool(seen[0] == expected)

        try:
            poll_until(settled, timeout_s=20, what=f"{sku} settled")
        except AssertionError as error:
            raise AssertionError(f"{error}: expected {expected}, last {seen[0]}") from None


def _check_ingestion(blobs: BlobServiceClient, instance_id: str, prefix: str, final: dict[str, Any]) -> None:
    summary_path = f"ingestion-output/{instance_id}/summary.json"
    assert (final["runtimeStatus"], final["output"]) == (
        "Completed",
        {
            "files": 3,
            "succeeded": 2,
            "failed": 1,
            "rows": 4,
            "valid": 3,
            "invalid": 1,
            "quantity": 8,
            "amount": "17.00",
            "failed_files": [
                {"file": f"{prefix}z.csv", "error": "header must be order_id,sku,quantity,unit_price"}
            ],
            "summary": summary_path,
        },
    ), final
    assert _blob(blobs, "ingestion-output", f"{instance_id}/summary.json")["files"] == 3


def _check_monitor(blobs: BlobServiceClient, device: str, above: bool, final: dict[str, Any]) -> None:
    output = final["output"]
    assert (final["runtimeStatus"], output["stopped"]) == ("Completed", "stop requested"), final
    assert output["alerts"] == int(above), final
    assert output["polls"] >= 1, final
    alerts = blobs.get_container_client("telemetry").list_blobs(name_starts_with=f"{device}/alerts/")
    assert len(list(alerts)) == int(above), f"{device}: one alert per threshold crossing, recorded once"


def test_a_hundred_workflows_survive_ten_random_kill_9s(hosts: Hosts, blobs: BlobServiceClient) -> None:
    seed = int(os.environ.get("CRASH_MATRIX_SEED") or random.randrange(2**32))
    print(f"crash matrix seed: {seed} (replay with CRASH_MATRIX_SEED={seed})", flush=True)
    rng = random.Random(seed)
    began = time.monotonic()
    matrix, starts = _plan(rng, uuid.uuid4().hex[:8])
    host = hosts.launch(PROJECT_ROOT, app_environment(hosts.azurite, hosts.hub), name="matrix")
    api = f"{host.base_url}/api"
    _prepare(api, blobs, matrix)

    moments = []
    chunk = -(-len(starts) // KILLS)
    for kill in range(KILLS):
        for start in starts[kill * chunk : (kill + 1) * chunk]:
            start(api)
        moments.append(round(rng.uniform(0.0, 3.0), 2))
        time.sleep(moments[-1])
        host.kill()
        host.start()
    print(f"killed after {moments} s of running each time", flush=True)

    finals = _drive_to_the_end(host, matrix)
    repeated_gateway_calls = sum(
        _check_order(host.base_url, blobs, o, finals[o.instance_id]) for o in matrix.orders
    )
    for order in (o for o in matrix.orders if o.kind == "approval"):
        decided = status(host.base_url, approval_instance_id(order.instance_id))
        assert decided is not None
        assert decided["output"]["approved"] is True, decided
    _check_stock(api, matrix)
    for instance_id, prefix in matrix.ingestions.items():
        _check_ingestion(blobs, instance_id, prefix, finals[instance_id])
    for instance_id, device in matrix.monitors.items():
        _check_monitor(blobs, device, matrix.devices[device], finals[instance_id])

    activities, timers = hosts.re_dispatched()
    print(
        f"crash matrix (seed {seed}): {len(finals)} workflows, {KILLS} kills, "
        f"{time.monotonic() - began:.0f} s; recovery re-ran {activities} activity executions and "
        f"re-armed {timers} timers; {repeated_gateway_calls} gateway calls ran twice, none charged twice",
        flush=True,
    )
