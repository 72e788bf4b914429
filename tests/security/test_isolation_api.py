"""A caller cannot reach another workflow's data through the ids it sends.

Ids from requests become instance ids (`order-{id}`, `order-{id}:approval`, `monitor-{id}`), entity
keys (`@inventory@{SKU}`) and blob names (`{device}/latest.json`, `{order}.json`). Each attack below
aims at a real victim, and the victim is checked unchanged afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient

from activities import blob_store
from tests.e2e.clients import AppApi, ManagementApi, api_error
from tests.e2e.harness import poll_until

pytestmark = [pytest.mark.azurite, pytest.mark.e2e]
SETTLE_S = 0.5


@dataclass(frozen=True)
class Victim:
    order: str  # waiting for approval: `order-{order}` and `order-{order}:approval` run
    sku: str
    device: str


@pytest.fixture(scope="module")
def victim(api: AppApi) -> Victim:
    chosen = Victim(order="victim-order", sku="VICTIM-1", device="victim-dev")
    api.restock(chosen.sku, 100)
    api.wait_stock(chosen.sku, 100)
    line = {"sku": chosen.sku, "quantity": 50, "unit_price": 25}
    api.start("orders", {"order_id": chosen.order, "customer_id": "c-1", "lines": [line]})
    api.wait(
        f"order-{chosen.order}",
        lambda s: (s["custom_status"] or {}).get("step") == "awaiting_approval",
        what="awaiting approval",
    )
    stored = api.call("POST", f"devices/{chosen.device}/readings", {"value": 7, "unit": "C"})
    assert stored.status == 201, stored
    return chosen


@pytest.fixture(scope="module")
def victim_state(
    api: AppApi, management: ManagementApi, workflow_blobs: BlobServiceClient, victim: Victim
) -> Callable[[], Any]:
    """Every instance, the victim's stock, and the blobs ids could reach."""

    def read() -> Any:
        instances = {
            (s["instanceId"], s["runtimeStatus"], s["lastUpdatedTime"]) for s in management.list_all()
        }
        stock = api.call("GET", f"inventory/{victim.sku}")
        stored = {
            (name, blob.name, blob.etag)
            for name in (blob_store.TELEMETRY, blob_store.RECEIPTS, blob_store.NOTIFICATIONS)
            for blob in workflow_blobs.get_container_client(name).list_blobs()
        }
        return instances, (stock.status, stock.body), stored

    seen = [read()]

    def settled() -> bool:  # the victim's approval has sent its request and armed its timer
        seen.append(read())
        return bool(seen[-1] == seen[-2])

    poll_until(settled, what="the victim's workflows to settle", between=lambda: time.sleep(SETTLE_S))
    return read


@dataclass(frozen=True)
class Attack:
    method: str
    path: str
    body: Any
    status: int
    code: str


ORDER = {"customer_id": "c-1", "lines": [{"sku": "VICTIM-1", "quantity": 1, "unit_price": 5}]}
ATTACKS = {  # (method, path, body, status, code)
    # Instance ids: an order id that would name the victim's approval, or climb out of `order-`.
    "order id naming the victim's approval": (
        "POST",
        "orders",
        {**ORDER, "order_id": "victim-order:approval"},
        400,
        "body.invalid",
    ),
    "order id with a path": ("POST", "orders", {**ORDER, "order_id": "../victim-order"}, 400, "body.invalid"),
    "order id with a slash": ("POST", "orders", {**ORDER, "order_id": "x/victim-order"}, 400, "body.invalid"),
    "approval for the approval's own id": (
        "POST",
        "approvals/victim-order%3Aapproval",
        {"approved": True, "approver": "x"},
        400,
        "order_id.invalid",
    ),
    "approval with an encoded slash": (
        "POST",
        "approvals/x%2F..%2Fvictim-order",
        {"approved": True, "approver": "x"},
        400,
        "order_id.invalid",
    ),
    "monitor named like an approval": (
        "POST",
        "devices/victim-order%3Aapproval/monitor",
        {"threshold": 1},
        400,
        "device_id.invalid",
    ),
    # Entities: the instance routes cannot read, end or purge an entity; SKUs cannot forge entity keys.
    "read an entity as an instance": (
        "GET",
        "instances/%40inventory%40VICTIM-1",
        None,
        400,
        "instance_id.invalid",
    ),
    "purge an entity": ("DELETE", "instances/%40inventory%40VICTIM-1", None, 400, "instance_id.invalid"),
    "terminate an entity": (
        "POST",
        "instances/%40inventory%40VICTIM-1/terminate",
        None,
        400,
        "instance_id.invalid",
    ),
    "SKU forging an entity key": (
        "POST",
        "inventory/X%40inventory%40VICTIM-1/restock",
        {"quantity": 5},
        400,
        "sku.invalid",
    ),
    "SKU with a slash": ("POST", "inventory/VICTIM-1%2F..%2FX/restock", {"quantity": 5}, 400, "sku.invalid"),
    "SKU in lower case (another key)": (
        "POST",
        "inventory/victim-1/restock",
        {"quantity": 5},
        400,
        "sku.invalid",
    ),
    "SKU read with an at sign": ("GET", "inventory/VICTIM-1%40", None, 400, "sku.invalid"),
    "order line with a forged SKU": (
        "POST",
        "orders",
        {**ORDER, "order_id": "o-1", "lines": [{"sku": "VICTIM-1@x", "quantity": 1, "unit_price": 5}]},
        400,
        "body.invalid",
    ),
    # Blob names: device ids and ingestion prefixes cannot climb out of their folder or container.
    "reading into another device's folder": (
        "POST",
        "devices/x%2F..%2Fvictim-dev/readings",
        {"value": 99},
        400,
        "device_id.invalid",
    ),
    "reading as a dot segment": ("POST", "devices/%2E%2E/readings", {"value": 99}, 400, "device_id.invalid"),
    "reading into the receipts": (
        "POST",
        "devices/..%2F..%2Freceipts%2Fvictim-order/readings",
        {"value": 99},
        400,
        "device_id.invalid",
    ),
    "ingestion prefix climbing": (
        "POST",
        "ingestions",
        {"container": "telemetry", "prefix": "x/../victim-dev/"},
        400,
        "body.invalid",
    ),
    "ingestion container path": ("POST", "ingestions", {"container": "../receipts"}, 400, "body.invalid"),
    "list with a prefix path": (
        "GET",
        "instances?prefix=..%2Forder-victim-order",
        None,
        400,
        "prefix.invalid",
    ),
}


@pytest.mark.parametrize("attack", [Attack(*given) for given in ATTACKS.values()], ids=ATTACKS.keys())
def test_an_id_cannot_reach_another_workflows_data(
    api: AppApi, victim: Victim, victim_state: Callable[[], Any], attack: Attack
) -> None:
    before = victim_state()

    api_error(api.call(attack.method, attack.path, attack.body), attack.status, attack.code)

    assert victim_state() == before
    approval = api.instance(f"order-{victim.order}:approval")
    assert approval is not None
    assert approval["runtime_status"] == "Running"
