"""Order processing: validate, reserve stock, approve (large orders), charge, ship, write the receipt.

Patterns: function chaining, durable entities (`inventory`), a sub-orchestration (approval), retries,
and compensation: every step that changed the world records how to undo itself, and a failure undoes
them in reverse order (cancel shipment, refund, release stock) before the instance ends as Failed with
the failure's code and reason. An undo step that fails does not stop the others; it is listed in the
final status's `compensation_failed`. `custom_status` always names the current step.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskBase

from domain import names
from domain.errors import OrderFailedError, failure_code, failure_reason
from domain.instance_ids import approval_instance_id
from domain.models import ApprovalRequest, ChargeRequest, OrderRequest, OrderWorkflowInput, ShipmentRequest
from orchestrators.policies import GATEWAY_RETRY, STORAGE_RETRY

bp = df.Blueprint()


@dataclass(frozen=True)
class Undo:
    """One compensating step: an activity, or an operation on an inventory entity."""

    target: str
    payload: Any
    entity_key: str | None = None

    def task(self, context: df.DurableOrchestrationContext) -> TaskBase:
        task: TaskBase
        if self.entity_key is not None:
            entity = df.EntityId(names.INVENTORY_ENTITY, self.entity_key)
            task = context.call_entity(entity, self.target, self.payload)
        else:
            task = context.call_activity_with_retry(self.target, GATEWAY_RETRY, self.payload)
        return task


def _progress(context: df.DurableOrchestrationContext, order: OrderRequest, step: str, **extra: Any) -> None:
    context.set_custom_status({"order_id": order.order_id, "step": step, **extra})


@bp.orchestration_trigger(context_name="context")
def order_workflow(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    data = OrderWorkflowInput.model_validate(context.get_input())
    order = data.order
    undo: list[Undo] = []
    try:
        return (yield from _process(context, data, undo))
    except Exception as error:  # every failure of a step ends here, after compensation
        code = failure_code(error) or "order.failed"
        reason = failure_reason(error)
        _progress(context, order, "compensating", code=code, reason=reason)
        not_undone: list[str] = []
        for step in reversed(undo):
            try:
                yield step.task(context)
            except Exception:  # one undo that fails must not keep the others from running
                not_undone.append(step.target)
        extra = {"compensation_failed": not_undone} if not_undone else {}
        compensated = len(undo) - len(not_undone)
        _progress(context, order, "failed", code=code, reason=reason, compensated=compensated, **extra)
        raise OrderFailedError(reason, code=code) from None


def _process(
    context: df.DurableOrchestrationContext, data: OrderWorkflowInput, undo: list[Undo]
) -> Generator[Any, Any, dict[str, Any]]:
    order = data.order
    _progress(context, order, "validating")
    validated = yield context.call_activity(names.VALIDATE_ORDER, order.model_dump(mode="json"))

    _progress(context, order, "reserving_stock")
    for line in order.lines:
        reservation = {"order_id": order.order_id, "quantity": line.quantity}
        result = yield context.call_entity(
            df.EntityId(names.INVENTORY_ENTITY, line.sku), "reserve", reservation
        )
        if not result["reserved"]:
            raise OrderFailedError(
                f"insufficient stock for {line.sku}: {line.quantity} wanted, {result['available']} available",
                code="stock.insufficient",
            )
        undo.append(Undo("release", {"order_id": order.order_id}, entity_key=line.sku))

    if order.total > data.approval_threshold:
        _progress(context, order, "awaiting_approval", total=str(order.total))
        request = ApprovalRequest(
            order_id=order.order_id,
            amount=order.total,
            currency=order.currency,
            timeout_s=data.approval_timeout_s,
        )
        outcome = yield context.call_sub_orchestrator(
            names.APPROVAL_WORKFLOW,
            request.model_dump(mode="json"),
            instance_id=approval_instance_id(context.instance_id),
        )
        if not outcome["approved"]:
            raise OrderFailedError(
                f"not approved by {outcome['decided_by']}: {outcome['reason']}", "order.rejected"
            )

    _progress(context, order, "charging_payment")
    charge_request = ChargeRequest(
        order_id=order.order_id, amount=order.total, currency=order.currency, simulate=order.simulate.payment
    )
    charge = yield context.call_activity_with_retry(
        names.CHARGE_PAYMENT, GATEWAY_RETRY, charge_request.model_dump(mode="json")
    )
    if charge["status"] != "charged":
        raise OrderFailedError(charge.get("reason", "payment declined"), code="payment.declined")
    undo.append(Undo(names.REFUND_PAYMENT, order.order_id))

    _progress(context, order, "shipping")
    shipment_request = ShipmentRequest(
        order_id=order.order_id,
        customer_id=order.customer_id,
        lines=order.lines,
        simulate=order.simulate.shipping,
    )
    shipment = yield context.call_activity_with_retry(
        names.CREATE_SHIPMENT, GATEWAY_RETRY, shipment_request.model_dump(mode="json")
    )
    undo.append(Undo(names.CANCEL_SHIPMENT, order.order_id))

    _progress(context, order, "writing_receipt")
    receipt = {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "currency": order.currency,
        "total": validated["total"],
        "lines": [line.model_dump(mode="json") for line in order.lines],
        "charge_id": charge["charge_id"],
        "shipment_id": shipment["shipment_id"],
        "placed_at": context.current_utc_datetime.isoformat(),
    }
    receipt_path = yield context.call_activity_with_retry(names.WRITE_RECEIPT, STORAGE_RETRY, receipt)

    for line in order.lines:  # the stock has left the warehouse: the reservations are final
        context.signal_entity(
            df.EntityId(names.INVENTORY_ENTITY, line.sku), "commit", {"order_id": order.order_id}
        )
    _progress(context, order, "completed")
    return {
        "order_id": order.order_id,
        "status": "completed",
        "total": validated["total"],
        "charge_id": charge["charge_id"],
        "shipment_id": shipment["shipment_id"],
        "receipt": receipt_path,
    }
