"""Managing instances through the app's API (README §5): list with filters, terminate, purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.clients import AppApi, api_error

pytestmark = pytest.mark.azurite


def listed(api: AppApi, **query: str) -> list[dict[str, Any]]:
    result = api.call("GET", "instances?" + "&".join(f"{k}={v}" for k, v in query.items()))
    assert result.status == 200, result
    instances: list[dict[str, Any]] = result.json()["instances"]
    return instances


def test_list_terminate_and_purge_a_waiting_order(api: AppApi, unique_name: str, janitor: list[str]) -> None:
    sku = unique_name.upper()
    api.restock(sku, 100)
    api.wait_stock(sku, 100)
    body = {
        "order_id": unique_name,
        "customer_id": "c-7",
        "lines": [{"sku": sku, "quantity": 60, "unit_price": 25}],
    }
    instance_id = api.start("orders", body)["id"]
    approval_id = f"{instance_id}:approval"
    janitor.extend([instance_id, approval_id])
    api.wait(approval_id, lambda s: s["runtime_status"] == "Running", what="the approval to run")

    running = listed(api, status="Running,Pending", workflow="order_workflow", prefix=instance_id, top="20")
    assert [s["instance_id"] for s in running] == [instance_id]
    assert running[0]["custom_status"]["step"] == "awaiting_approval"
    assert [s["instance_id"] for s in listed(api, workflow="approval_workflow", prefix=instance_id)] == [
        approval_id
    ]
    newest_first = listed(api, prefix=instance_id)
    assert {s["instance_id"] for s in newest_first} == {instance_id, approval_id}
    created = [s["created_time"] for s in newest_first]
    assert created == sorted(created, reverse=True)
    assert listed(api, prefix=instance_id, top="1") == newest_first[:1]
    assert listed(api, prefix=instance_id, status="Completed") == []
    tomorrow = (datetime.now(UTC) + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%S")
    assert listed(api, prefix=instance_id, created_from=tomorrow) == []

    api_error(api.call("DELETE", f"instances/{instance_id}"), 409, "instance.running")
    terminated = api.call("POST", f"instances/{instance_id}/terminate", {"reason": "customer cancelled"})

    assert terminated.status == 202
    assert terminated.json() == {"instance_id": instance_id, "terminating": True}
    status = api.wait_done(instance_id)
    assert (status["runtime_status"], status["output"]) == ("Terminated", "customer cancelled")
    api_error(api.call("POST", f"instances/{instance_id}/terminate"), 409, "instance.not_running")
    assert listed(api, prefix=instance_id, status="Terminated")[0]["instance_id"] == instance_id

    # Terminating a parent does not stop its sub-orchestration (Durable semantics): end it too.
    assert api.call("POST", f"instances/{approval_id}/terminate").status == 202
    approval = api.wait_done(approval_id)
    assert (approval["runtime_status"], approval["output"]) == ("Terminated", "Terminated by request")

    purged = api.call("DELETE", f"instances/{instance_id}")

    assert purged.status == 200
    assert purged.json() == {"instance_id": instance_id, "instances_deleted": 1}
    api_error(api.call("GET", f"instances/{instance_id}"), 404, "instance.not_found")
    api_error(api.call("DELETE", f"instances/{instance_id}"), 404, "instance.not_found")
    assert [s["instance_id"] for s in listed(api, prefix=instance_id)] == [approval_id]


def test_health_answers_ok(api: AppApi) -> None:
    result = api.call("GET", "health")

    assert (result.status, result.json()) == (200, {"status": "ok"})
