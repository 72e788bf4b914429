"""Order processing over HTTP (README §1): stock, the happy path, retries, decline, shipping failure, 409."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.clients import CHECK_STATUS_KEYS, AppApi, DevhostClock, ManagementApi, api_error
from tests.e2e.harness import request

pytestmark = pytest.mark.azurite


def order(order_id: str, sku: str, quantity: int, unit_price: float, **simulate: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": "c-42",
        "lines": [{"sku": sku, "quantity": quantity, "unit_price": unit_price}],
    }
    if simulate:
        body["simulate"] = simulate
    return body


def activity_events(
    history: list[dict[str, Any]], function_name: str, event_type: str
) -> list[dict[str, Any]]:
    return [e for e in history if e["EventType"] == event_type and e.get("FunctionName") == function_name]


def test_happy_path_restocks_orders_and_commits_the_stock(api: AppApi, unique_name: str) -> None:
    sku = unique_name.upper()
    api.restock(sku, 100)
    api.wait_stock(sku, 100)

    links = api.start("orders", order(unique_name, sku, 3, 19.99))

    instance_id = f"order-{unique_name}"
    assert links["id"] == instance_id
    assert set(links) == CHECK_STATUS_KEYS | {"rewindPostUri"}  # the SDK's links add rewind
    status = api.wait_done(instance_id)
    assert status["runtime_status"] == "Completed", status
    assert status["name"] == "order_workflow"
    assert status["custom_status"]["step"] == "completed"
    assert status["output"] == {
        "order_id": unique_name,
        "status": "completed",
        "total": "59.97",
        "charge_id": f"ch_{unique_name}",
        "shipment_id": f"sh_{unique_name}",
        "receipt": f"receipts/{unique_name}.json",
    }
    host_status = request("GET", links["statusQueryGetUri"])
    assert host_status.status == 200
    assert host_status.json()["runtimeStatus"] == "Completed"
    assert host_status.json()["output"] == status["output"]
    api.wait_stock(sku, 97)


@pytest.mark.devhost_clock
def test_transient_payment_failures_are_retried(
    api: AppApi, management: ManagementApi, clock: DevhostClock, unique_name: str, janitor: list[str]
) -> None:
    sku = unique_name.upper()
    api.restock(sku, 10)
    api.wait_stock(sku, 10)

    instance_id = api.start("orders", order(unique_name, sku, 1, 5, payment={"transient_failures": 2}))["id"]
    janitor.append(instance_id)
    status = api.wait_done(instance_id, between=clock.to_next_timer)

    assert status["runtime_status"] == "Completed", status
    assert status["output"]["charge_id"] == f"ch_{unique_name}"
    history = management.history(instance_id)
    failures = activity_events(history, "charge_payment", "TaskFailed")
    assert len(failures) == 2
    assert all("gateway.unavailable" in e["Reason"] + (e.get("Details") or "") for e in failures)
    assert len(activity_events(history, "charge_payment", "TaskCompleted")) == 1
    assert sum(e["EventType"] == "TimerFired" for e in history) >= 2
    api.wait_stock(sku, 9)


def test_declined_payment_releases_the_stock(api: AppApi, unique_name: str) -> None:
    sku = unique_name.upper()
    api.restock(sku, 10)
    api.wait_stock(sku, 10)

    instance_id = api.start("orders", order(unique_name, sku, 4, 5, payment={"decline": True}))["id"]
    status = api.wait_done(instance_id)

    assert status["runtime_status"] == "Failed", status
    custom = status["custom_status"]
    assert custom["step"] == "failed"
    assert custom["code"] == "payment.declined"
    assert custom["reason"] == "card declined (simulated)"
    assert custom["compensated"] == 1
    assert "payment.declined" in status["output"]
    api.wait_stock(sku, 10)


@pytest.mark.devhost_clock
def test_shipping_failure_after_retries_refunds_and_releases(
    api: AppApi, management: ManagementApi, clock: DevhostClock, unique_name: str, janitor: list[str]
) -> None:
    sku = unique_name.upper()
    api.restock(sku, 10)
    api.wait_stock(sku, 10)

    instance_id = api.start("orders", order(unique_name, sku, 2, 5, shipping={"fail": True}))["id"]
    janitor.append(instance_id)
    status = api.wait_done(instance_id, between=clock.to_next_timer)

    assert status["runtime_status"] == "Failed", status
    custom = status["custom_status"]
    assert (custom["step"], custom["code"], custom["compensated"]) == ("failed", "shipping.failed", 2)
    history = management.history(instance_id)
    assert len(activity_events(history, "create_shipment", "TaskFailed")) == 4
    refunds = activity_events(history, "refund_payment", "TaskCompleted")
    assert [e["Result"]["status"] for e in refunds] == ["refunded"]
    assert refunds[0]["Result"]["charge_id"] == f"ch_{unique_name}"
    api.wait_stock(sku, 10)


def test_insufficient_stock_fails_without_charging(
    api: AppApi, management: ManagementApi, unique_name: str
) -> None:
    sku = unique_name.upper()
    api.restock(sku, 2)
    api.wait_stock(sku, 2)

    instance_id = api.start("orders", order(unique_name, sku, 3, 5))["id"]
    status = api.wait_done(instance_id)

    assert status["runtime_status"] == "Failed", status
    assert status["custom_status"]["code"] == "stock.insufficient"
    assert status["custom_status"]["compensated"] == 0
    assert activity_events(management.history(instance_id), "charge_payment", "TaskCompleted") == []
    api.wait_stock(sku, 2)


def test_placing_the_same_order_again_is_a_conflict(api: AppApi, unique_name: str) -> None:
    sku = unique_name.upper()
    api.restock(sku, 10)
    body = order(unique_name, sku, 1, 5)
    instance_id = api.start("orders", body)["id"]
    first = api.wait_done(instance_id)

    error = api_error(api.call("POST", "orders", body), 409, "order.exists")

    assert unique_name in error["message"]
    again = api.instance(instance_id)
    assert again is not None
    assert (again["runtime_status"], again["created_time"]) == ("Completed", first["created_time"])
    api.wait_stock(sku, 9)
