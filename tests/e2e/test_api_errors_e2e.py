"""Bad input on every app route: a 4xx JSON error with a stable code, and nothing started or stored.

Paths use `{id}` (a fresh business id) and `{SKU}` (a fresh SKU), filled in per test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.clients import AppApi, ManagementApi, api_error

pytestmark = pytest.mark.azurite

LINE = {"sku": "{SKU}", "quantity": 1, "unit_price": 5}
TEXT = {"content-type": "text/plain"}


@dataclass(frozen=True)
class Bad:
    method: str
    path: str
    status: int
    code: str
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    field: str | None = None  # the field a body.invalid error names


def order(**changes: Any) -> dict[str, Any]:
    return {"order_id": "{id}", "customer_id": "c-1", "lines": [LINE], **changes}


def line(**changes: Any) -> dict[str, Any]:
    return order(lines=[{**LINE, **changes}])


CASES = {
    # POST /api/orders
    "order malformed json": Bad("POST", "orders", 400, "body.malformed_json", raw=b'{"order_id": '),
    "order not an object": Bad("POST", "orders", 400, "body.not_an_object", body=[order()]),
    "order without body": Bad("POST", "orders", 400, "body.missing"),
    "order as text": Bad("POST", "orders", 415, "body.content_type", raw=b"order_id={id}", headers=TEXT),
    "order quantity wrong type": Bad(
        "POST", "orders", 400, "body.invalid", line(quantity="three"), field="lines.0.quantity"
    ),
    "order negative quantity": Bad(
        "POST", "orders", 400, "body.invalid", line(quantity=-3), field="lines.0.quantity"
    ),
    "order zero price": Bad(
        "POST", "orders", 400, "body.invalid", line(unit_price=0), field="lines.0.unit_price"
    ),
    "order sub-cent price": Bad(
        "POST", "orders", 400, "body.invalid", line(unit_price=1.001), field="lines.0.unit_price"
    ),
    "order lower-case sku": Bad(
        "POST", "orders", 400, "body.invalid", line(sku="widget"), field="lines.0.sku"
    ),
    "order no lines": Bad("POST", "orders", 400, "body.invalid", order(lines=[]), field="lines"),
    "order unknown field": Bad("POST", "orders", 400, "body.invalid", order(discount=5), field="discount"),
    "order unknown currency": Bad(
        "POST", "orders", 400, "body.invalid", order(currency="BTC"), field="currency"
    ),
    "order id path trick": Bad(
        "POST", "orders", 400, "body.invalid", order(order_id="../receipts/{id}"), field="order_id"
    ),
    "order id look-alike": Bad(
        "POST", "orders", 400, "body.invalid", order(order_id="\uff4f{id}"), field="order_id"
    ),
    "order simulate out of range": Bad(
        "POST",
        "orders",
        400,
        "body.invalid",
        order(simulate={"payment": {"transient_failures": 11}}),
        field="simulate.payment.transient_failures",
    ),
    "order too large": Bad("POST", "orders", 413, "body.too_large", raw=b'{"pad": "' + b"x" * 70_000 + b'"}'),
    # POST /api/ingestions
    "ingestion container path trick": Bad(
        "POST", "ingestions", 400, "body.invalid", {"container": "../etc"}, field="container"
    ),
    "ingestion container upper case": Bad(
        "POST", "ingestions", 400, "body.invalid", {"container": "Input"}, field="container"
    ),
    "ingestion prefix path trick": Bad(
        "POST",
        "ingestions",
        400,
        "body.invalid",
        {"container": "input", "prefix": "day1/../x/"},
        field="prefix",
    ),
    "ingestion batch size zero": Bad(
        "POST", "ingestions", 400, "body.invalid", {"container": "input", "batch_size": 0}, field="batch_size"
    ),
    "ingestion malformed json": Bad(
        "POST", "ingestions", 400, "body.malformed_json", raw=b"{container: input}"
    ),
    # POST /api/devices/{id}/monitor, /readings, /monitor/stop
    "monitor device path trick": Bad(
        "POST", "devices/{id}..x/monitor", 400, "device_id.invalid", {"threshold": 8}
    ),
    "monitor device encoded slash": Bad(
        "POST", "devices/{id}%2F..%2Fx/monitor", 400, "device_id.invalid", {"threshold": 8}
    ),
    "monitor device non-ascii": Bad(
        "POST", "devices/caf%C3%A9-{id}/monitor", 400, "device_id.invalid", {"threshold": 8}
    ),
    "monitor threshold wrong type": Bad(
        "POST", "devices/{id}/monitor", 400, "body.invalid", {"threshold": "hot"}, field="threshold"
    ),
    "monitor threshold NaN": Bad(
        "POST", "devices/{id}/monitor", 400, "body.invalid", raw=b'{"threshold": NaN}', field="threshold"
    ),
    "monitor interval too short": Bad(
        "POST",
        "devices/{id}/monitor",
        400,
        "body.invalid",
        {"threshold": 8, "interval_s": 1},
        field="interval_s",
    ),
    "monitor negative duration": Bad(
        "POST",
        "devices/{id}/monitor",
        400,
        "body.invalid",
        {"threshold": 8, "duration_s": -60},
        field="duration_s",
    ),
    "monitor without body": Bad("POST", "devices/{id}/monitor", 400, "body.missing"),
    "reading wrong type": Bad(
        "POST", "devices/{id}/readings", 400, "body.invalid", {"value": "warm"}, field="value"
    ),
    "reading without value": Bad(
        "POST", "devices/{id}/readings", 400, "body.invalid", {"unit": "C"}, field="value"
    ),
    "reading device path trick": Bad(
        "POST", "devices/.{id}/readings", 400, "device_id.invalid", {"value": 1}
    ),
    "stop unknown monitor": Bad("POST", "devices/{id}/monitor/stop", 404, "instance.not_found"),
    "stop device path trick": Bad("POST", "devices/{id}%3Aapproval/monitor/stop", 400, "device_id.invalid"),
    # POST /api/approvals/{order_id}
    "approval not a boolean": Bad(
        "POST",
        "approvals/{id}",
        400,
        "body.invalid",
        {"approved": "maybe", "approver": "a"},
        field="approved",
    ),
    "approval empty approver": Bad(
        "POST", "approvals/{id}", 400, "body.invalid", {"approved": True, "approver": ""}, field="approver"
    ),
    "approval unknown order": Bad(
        "POST", "approvals/{id}", 404, "instance.not_found", {"approved": True, "approver": "a"}
    ),
    "approval order id trick": Bad(
        "POST", "approvals/{id}%3Aapproval", 400, "order_id.invalid", {"approved": True, "approver": "a"}
    ),
    # GET /api/instances
    "list unknown status": Bad("GET", "instances?status=Running,Sleeping", 400, "query.invalid"),
    "list top zero": Bad("GET", "instances?top=0", 400, "query.invalid"),
    "list top too large": Bad("GET", "instances?top=501", 400, "query.invalid"),
    "list top not a number": Bad("GET", "instances?top=ten", 400, "query.invalid"),
    "list bad time": Bad("GET", "instances?created_from=yesterday", 400, "query.invalid"),
    "list prefix path trick": Bad("GET", "instances?prefix=..%2F{id}", 400, "prefix.invalid"),
    # GET/DELETE /api/instances/{id}, POST .../terminate
    "status unknown": Bad("GET", "instances/order-{id}", 404, "instance.not_found"),
    "status of an entity": Bad("GET", "instances/%40inventory%40{SKU}", 400, "instance_id.invalid"),
    "status id trick": Bad("GET", "instances/order-{id}%2F..", 400, "instance_id.invalid"),
    "terminate unknown": Bad("POST", "instances/order-{id}/terminate", 404, "instance.not_found"),
    "terminate reason too long": Bad(
        "POST", "instances/order-{id}/terminate", 400, "body.invalid", {"reason": "x" * 501}, field="reason"
    ),
    "terminate malformed json": Bad(
        "POST", "instances/order-{id}/terminate", 400, "body.malformed_json", raw=b"{"
    ),
    "purge unknown": Bad("DELETE", "instances/order-{id}", 404, "instance.not_found"),
    "purge an entity": Bad("DELETE", "instances/%40inventory%40{SKU}", 400, "instance_id.invalid"),
    # GET /api/inventory/{sku}, POST .../restock
    "stock unknown sku": Bad("GET", "inventory/{SKU}", 404, "inventory.not_found"),
    "stock lower-case sku": Bad("GET", "inventory/widget-1", 400, "sku.invalid"),
    "restock negative": Bad(
        "POST", "inventory/{SKU}/restock", 400, "body.invalid", {"quantity": -5}, field="quantity"
    ),
    "restock zero": Bad(
        "POST", "inventory/{SKU}/restock", 400, "body.invalid", {"quantity": 0}, field="quantity"
    ),
    "restock fraction": Bad(
        "POST", "inventory/{SKU}/restock", 400, "body.invalid", {"quantity": 1.5}, field="quantity"
    ),
    "restock wrong type": Bad(
        "POST", "inventory/{SKU}/restock", 400, "body.invalid", {"quantity": "ten"}, field="quantity"
    ),
    "restock sku trick": Bad("POST", "inventory/{SKU}%2F..%2FX/restock", 400, "sku.invalid", {"quantity": 5}),
}


def fill(value: Any, names: dict[str, str]) -> Any:
    """Put the test's fresh ids into a case's path or body."""
    if isinstance(value, str):
        return value.replace("{id}", names["id"]).replace("{SKU}", names["SKU"])
    if isinstance(value, list):
        return [fill(item, names) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    return value


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_refused_and_starts_nothing(
    api: AppApi, management: ManagementApi, unique_name: str, case: Bad
) -> None:
    names = {"id": unique_name, "SKU": unique_name.upper()}
    before = {s["instanceId"] for s in management.list_all(showInput="false")}
    options: dict[str, Any] = {"headers": case.headers}
    if case.raw is not None:
        options["raw"] = case.raw
        options["headers"] = {"content-type": "application/json", **case.headers}

    result = api.call(case.method, fill(case.path, names), fill(case.body, names), **options)

    error = api_error(result, case.status, case.code)
    if case.field is not None:
        assert case.field in [detail["field"] for detail in error["details"]], error
    after = {s["instanceId"] for s in management.list_all(showInput="false")}
    assert after == before
    assert api.instance(f"order-{unique_name}") is None
    assert api.instance(f"monitor-{unique_name}") is None
    api_error(api.call("GET", f"inventory/{names['SKU']}"), 404, "inventory.not_found")
