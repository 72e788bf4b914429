"""The order workflow's approval step: the `approval_workflow` sub-orchestration and what its outcome does."""

from __future__ import annotations

from devhost.protocol import RuntimeStatus
from tests.app.orchestrators.harness import (
    AppFunctions,
    activity_input,
    canceled_timers,
    child_completed,
    child_failed,
    complete,
    custom_status,
    entity_operations,
    only_activity,
    start_child,
    stored_value,
)
from tests.app.orchestrators.orders import awaiting_approval


def test_a_large_order_waits_for_the_approval_sub_orchestration(app_functions: AppFunctions) -> None:
    run, inventory, waiting = awaiting_approval(app_functions)

    assert custom_status(waiting) == {"order_id": "B-1", "step": "awaiting_approval", "total": "1500.00"}
    assert waiting.activities == []
    (approval,) = waiting.sub_orchestrations
    assert (approval.name, approval.instance_id) == ("approval_workflow", "order-B-1:approval")
    assert stored_value(approval.input) == {
        "order_id": "B-1",
        "amount": "1500.00",
        "currency": "EUR",
        "timeout_s": 3600,
    }
    assert inventory.state("W-1") == {"available": 4, "reservations": {"B-1": 6}}

    decided = {"approved": True, "decided_by": "maria", "reason": "known customer", "reminded": False}
    charging = run.episode(child_completed(run, approval.task_id, decided))
    assert custom_status(charging) == {"order_id": "B-1", "step": "charging_payment"}
    assert activity_input(charging)["amount"] == "1500.00"


def test_the_real_approval_child_reports_its_decision_to_the_order(app_functions: AppFunctions) -> None:
    run, _, waiting = awaiting_approval(app_functions)
    (work,) = waiting.sub_orchestrations

    child, asking = start_child(app_functions, run, work)
    assert only_activity(asking).name == "request_approval"
    child_waiting = complete(child, asking, "notifications/approvals/B-1/request.json")
    (timer,) = child_waiting.timers
    decision = {"approved": True, "approver": "maria", "comment": "known customer"}
    decided = child.episode(child.raised("ApprovalDecision", decision))
    assert decided.status is RuntimeStatus.Completed
    assert canceled_timers(child) == [timer.timer_id]
    notification = decided.parent_notification
    assert notification is not None
    assert (notification.instance_id, notification.execution_id) == ("order-B-1", "exec1")

    run.clock = child.clock
    charging = run.episode(notification.event)
    assert only_activity(charging).name == "charge_payment"


def test_a_rejected_approval_fails_the_order_with_order_rejected_after_releasing_stock(
    app_functions: AppFunctions,
) -> None:
    run, inventory, waiting = awaiting_approval(app_functions)
    (approval,) = waiting.sub_orchestrations
    rejected = {
        "approved": False,
        "decided_by": "system",
        "reason": "no decision before the deadline",
        "reminded": True,
    }

    compensating = run.episode(child_completed(run, approval.task_id, rejected))
    assert entity_operations(compensating) == [("W-1", "release", {"order_id": "B-1"}, False)]
    failed = inventory.reply(run, compensating)

    assert failed.status is RuntimeStatus.Failed
    assert failed.output is not None
    assert "[order.rejected] not approved by system: no decision before the deadline" in failed.output
    assert custom_status(failed) == {
        "order_id": "B-1",
        "step": "failed",
        "code": "order.rejected",
        "reason": "not approved by system: no decision before the deadline",
        "compensated": 1,
    }
    assert inventory.state("W-1") == {"available": 10, "reservations": {}}


def test_a_crashed_approval_fails_the_order_with_the_generic_code(app_functions: AppFunctions) -> None:
    run, inventory, waiting = awaiting_approval(app_functions)
    (approval,) = waiting.sub_orchestrations

    reason = "Orchestrator function 'approval_workflow' failed: boom"
    compensating = run.episode(child_failed(run, approval.task_id, reason))
    failed = inventory.reply(run, compensating)

    assert failed.status is RuntimeStatus.Failed
    status = custom_status(failed)
    assert (status["code"], status["compensated"]) == ("order.failed", 1)
    assert status["reason"].startswith(reason)
