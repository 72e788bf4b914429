"""Approval (human interaction): wait for an `ApprovalDecision` event, racing a durable timer.

The approver is asked once; if the deadline passes, one reminder goes out and the workflow waits for
the same time again, then rejects automatically. The timer is cancelled when the decision wins.
Deadlines come from `context.current_utc_datetime`, never from the wall clock.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df
from pydantic import ValidationError

from domain import names
from domain.models import ApprovalDecision, ApprovalOutcome, ApprovalRequest
from orchestrators.policies import STORAGE_RETRY, cancel_timer

bp = df.Blueprint()
MAX_INVALID_DECISIONS = 5


def parse_decision(value: Any) -> ApprovalDecision | None:
    """The decision carried by the event, or None when the payload is not a valid decision.

    The event may arrive as an object (a raw HTTP raise) or as JSON text (the SDK client encodes
    event data twice before sending it), so both are accepted.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    try:
        return ApprovalDecision.model_validate(value)
    except ValidationError:
        return None


def _wait_for_decision(
    context: df.DurableOrchestrationContext, request: ApprovalRequest
) -> Generator[Any, Any, ApprovalDecision | None]:
    """Wait until a valid decision arrives (returned) or the deadline passes (None).

    Invalid decisions are ignored, a bounded number of times: SDK 1.x hands an event that arrived
    before the wait to every later wait for the same name (azure-functions-durable-python#507), so
    one early invalid event would otherwise be seen again forever.
    """
    deadline = context.current_utc_datetime + timedelta(seconds=request.timeout_s)
    for _ in range(MAX_INVALID_DECISIONS + 1):
        timer = context.create_timer(deadline)
        event = context.wait_for_external_event(names.APPROVAL_DECISION_EVENT)
        winner = yield context.task_any([event, timer])
        if winner is timer:
            return None
        cancel_timer(timer)
        decision = parse_decision(event.result)
        if decision is not None:
            return decision
        context.set_custom_status({"step": "ignored_invalid_decision", "order_id": request.order_id})
    return ApprovalDecision(approved=False, approver="system", comment="too many invalid decisions")


@bp.orchestration_trigger(context_name="context")
def approval_workflow(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    request = ApprovalRequest.model_validate(context.get_input())
    notice = {**request.model_dump(mode="json"), "instance_id": context.instance_id}
    context.set_custom_status({"step": "awaiting_decision", "order_id": request.order_id})
    yield context.call_activity_with_retry(names.REQUEST_APPROVAL, STORAGE_RETRY, notice)
    decision = yield from _wait_for_decision(context, request)
    reminded = False
    if decision is None:
        reminded = True
        context.set_custom_status({"step": "reminded", "order_id": request.order_id})
        yield context.call_activity_with_retry(names.SEND_APPROVAL_REMINDER, STORAGE_RETRY, notice)
        decision = yield from _wait_for_decision(context, request)
    if decision is None:
        outcome = ApprovalOutcome(
            approved=False, decided_by="system", reason="no decision before the deadline", reminded=reminded
        )
    else:
        reason = decision.comment or ("approved" if decision.approved else "rejected")
        outcome = ApprovalOutcome(
            approved=decision.approved, decided_by=decision.approver, reason=reason, reminded=reminded
        )
    context.set_custom_status({"step": "decided", "order_id": request.order_id, "approved": outcome.approved})
    return outcome.model_dump()
