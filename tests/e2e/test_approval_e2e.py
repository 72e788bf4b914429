"""Large orders wait for a human (README §2): approve, reject, ignore bad decisions, time out, auto-reject."""

from __future__ import annotations

import pytest

from tests.e2e.clients import (
    DECISION_EVENT,
    AppApi,
    DevhostClock,
    ManagementApi,
    api_error,
    decide_approval,
    wait_for_deadline_timer,
)

pytestmark = pytest.mark.azurite

STOCK = 100
LARGE_QUANTITY = 60  # 60 x 25.00 = 1500.00 > APPROVAL_THRESHOLD (1000)


def start_large_order(api: AppApi, order_id: str, janitor: list[str]) -> tuple[str, str]:
    """Stock the SKU, place an order above the threshold, wait until its approval awaits a decision
    (approvers hear of it from the approval's own `request_approval`, so never earlier).

    Returns the order's and its approval's instance ids.
    """
    sku = order_id.upper()
    api.restock(sku, STOCK)
    api.wait_stock(sku, STOCK)
    body = {
        "order_id": order_id,
        "customer_id": "c-7",
        "lines": [{"sku": sku, "quantity": LARGE_QUANTITY, "unit_price": 25}],
    }
    instance_id = api.start("orders", body)["id"]
    approval_id = f"{instance_id}:approval"
    janitor.extend([instance_id, approval_id])
    status = api.wait(
        instance_id,
        lambda s: (s["custom_status"] or {}).get("step") == "awaiting_approval",
        what="step awaiting_approval",
    )
    assert status["runtime_status"] == "Running"
    assert status["custom_status"]["total"] == "1500"
    approval = api.wait(
        approval_id,
        lambda s: (s["custom_status"] or {}).get("step") == "awaiting_decision",
        what="the approval to wait for a decision",
    )
    assert approval["name"] == "approval_workflow"
    return instance_id, approval_id


def test_approved_order_completes(api: AppApi, unique_name: str, janitor: list[str]) -> None:
    instance_id, approval_id = start_large_order(api, unique_name, janitor)

    answer = api.call(
        "POST",
        f"approvals/{unique_name}",
        {"approved": True, "approver": "maria", "comment": "known customer"},
    )

    assert answer.status == 202
    assert answer.json() == {"instance_id": approval_id, "event": "ApprovalDecision"}
    status = api.wait_done(instance_id)
    assert status["runtime_status"] == "Completed", status
    assert status["output"]["charge_id"] == f"ch_{unique_name}"
    approval = api.wait_done(approval_id)
    assert approval["output"] == {
        "approved": True,
        "decided_by": "maria",
        "reason": "known customer",
        "reminded": False,
    }
    api.wait_stock(unique_name.upper(), STOCK - LARGE_QUANTITY)
    api_error(
        api.call("POST", f"approvals/{unique_name}", {"approved": True, "approver": "x"}),
        409,
        "instance.not_running",
    )


def test_rejected_order_fails_and_releases_the_stock(
    api: AppApi, unique_name: str, janitor: list[str]
) -> None:
    instance_id, _approval_id = start_large_order(api, unique_name, janitor)

    answer = api.call("POST", f"approvals/{unique_name}", {"approved": False, "approver": "lee"})

    assert answer.status == 202
    status = api.wait_done(instance_id)
    assert status["runtime_status"] == "Failed", status
    custom = status["custom_status"]
    assert (custom["step"], custom["code"], custom["compensated"]) == ("failed", "order.rejected", 1)
    assert custom["reason"] == "not approved by lee: rejected"
    api.wait_stock(unique_name.upper(), STOCK)


def test_an_invalid_decision_event_is_ignored(
    api: AppApi, management: ManagementApi, unique_name: str, janitor: list[str]
) -> None:
    """A raw raise with a payload that is no decision leaves the approval waiting for a valid one."""
    instance_id, approval_id = start_large_order(api, unique_name, janitor)
    wait_for_deadline_timer(management, approval_id)

    raised = management.raise_event(approval_id, DECISION_EVENT, {"approved": "maybe"})

    assert raised.status == 202
    api.wait(
        approval_id,
        lambda s: (
            s["custom_status"]["step"] == "ignored_invalid_decision" and s["runtime_status"] == "Running"
        ),
        what="the invalid decision to be ignored",
    )
    assert decide_approval(management, approval_id).status == 202
    assert api.wait_done(instance_id)["runtime_status"] == "Completed"
    assert api.wait_done(approval_id)["output"]["decided_by"] == "ops"


@pytest.mark.devhost_clock
def test_no_decision_sends_a_reminder_then_rejects(
    api: AppApi, management: ManagementApi, clock: DevhostClock, unique_name: str, janitor: list[str]
) -> None:
    instance_id, approval_id = start_large_order(api, unique_name, janitor)

    reminded = api.wait(
        approval_id,
        lambda s: s["custom_status"]["step"] == "reminded",
        what="the reminder after the first deadline",
        between=clock.to_next_timer,
    )
    assert reminded["runtime_status"] == "Running"
    status = api.wait_done(instance_id, between=clock.to_next_timer)

    assert status["runtime_status"] == "Failed", status
    custom = status["custom_status"]
    assert (custom["step"], custom["code"], custom["compensated"]) == ("failed", "order.rejected", 1)
    assert custom["reason"] == "not approved by system: no decision before the deadline"
    approval = api.wait_done(approval_id)
    assert approval["output"] == {
        "approved": False,
        "decided_by": "system",
        "reason": "no decision before the deadline",
        "reminded": True,
    }
    notices = {
        e["FunctionName"]: e["Result"]
        for e in management.history(approval_id)
        if e["EventType"] == "TaskCompleted"
    }
    assert notices == {
        "request_approval": f"notifications/approvals/{unique_name}/request.json",
        "send_approval_reminder": f"notifications/approvals/{unique_name}/reminder.json",
    }
    api.wait_stock(unique_name.upper(), STOCK)
