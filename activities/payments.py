"""The simulated payment gateway: charge and refund, idempotent by order id.

The gateway is simulated but its failure modes are real: `transient_failures` makes the first N attempts
raise (the workflow's retry policy takes over), `decline` is a permanent business outcome. Each charge
is recorded in `payments/{order_id}/charge.json`, created only if absent, so a retried or re-run
activity returns the first charge instead of charging twice.
"""

from __future__ import annotations

import azure.durable_functions as df

from activities import blob_store
from domain.errors import GatewayUnavailableError
from domain.models import ChargeRequest

bp = df.Blueprint()


def charge_blob(order_id: str) -> str:
    return f"{order_id}/charge.json"


def _refund_blob(order_id: str) -> str:
    return f"{order_id}/refund.json"


@bp.activity_trigger(input_name="request")
def charge_payment(request: dict) -> dict:
    """Charge the order's total once; returns the charge (`status` `charged` or `declined`)."""
    charge = ChargeRequest.model_validate(request)
    existing = blob_store.read_json(blob_store.PAYMENTS, charge_blob(charge.order_id))
    if existing is not None:
        return dict(existing)
    attempt = blob_store.increment_counter(blob_store.PAYMENTS, f"{charge.order_id}/charge-attempts")
    if attempt <= charge.simulate.transient_failures:
        raise GatewayUnavailableError(f"payment gateway timed out (simulated, attempt {attempt})")
    if charge.simulate.decline:
        outcome = {"status": "declined", "order_id": charge.order_id, "reason": "card declined (simulated)"}
    else:
        outcome = {
            "status": "charged",
            "order_id": charge.order_id,
            "charge_id": f"ch_{charge.order_id}",
            "amount": str(charge.amount),
            "currency": charge.currency,
        }
    _, stored = blob_store.create_json(blob_store.PAYMENTS, charge_blob(charge.order_id), outcome)
    return dict(stored)


@bp.activity_trigger(input_name="order_id")
def refund_payment(order_id: str) -> dict:
    """Refund the order's charge once; a missing or declined charge has nothing to refund."""
    charge = blob_store.read_json(blob_store.PAYMENTS, charge_blob(order_id))
    if charge is None or charge.get("status") != "charged":
        return {"status": "nothing_to_refund", "order_id": order_id}
    refund = {
        "status": "refunded",
        "order_id": order_id,
        "charge_id": charge["charge_id"],
        "amount": charge["amount"],
        "currency": charge["currency"],
    }
    _, stored = blob_store.create_json(blob_store.PAYMENTS, _refund_blob(order_id), refund)
    return dict(stored)
