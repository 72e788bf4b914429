"""The simulated shipping gateway: create and cancel shipments, idempotent by order id."""

from __future__ import annotations

import azure.durable_functions as df

from activities import blob_store
from domain.errors import GatewayUnavailableError, ShippingFailedError
from domain.models import ShipmentRequest

bp = df.Blueprint()


def shipment_blob(order_id: str) -> str:
    return f"{order_id}.json"


@bp.activity_trigger(input_name="request")
def create_shipment(request: dict) -> dict:
    """Book the shipment once (`shipments/{order_id}.json`); `fail` simulates a carrier that refuses."""
    shipment = ShipmentRequest.model_validate(request)
    existing = blob_store.read_json(blob_store.SHIPMENTS, shipment_blob(shipment.order_id))
    if existing is not None and existing.get("status") == "created":
        return dict(existing)
    attempt = blob_store.increment_counter(blob_store.SHIPMENTS, f"{shipment.order_id}.attempts")
    if attempt <= shipment.simulate.transient_failures:
        raise GatewayUnavailableError(f"carrier API timed out (simulated, attempt {attempt})")
    if shipment.simulate.fail:
        raise ShippingFailedError("carrier refused the shipment (simulated)")
    booked = {
        "status": "created",
        "order_id": shipment.order_id,
        "shipment_id": f"sh_{shipment.order_id}",
        "customer_id": shipment.customer_id,
        "items": sum(line.quantity for line in shipment.lines),
    }
    _, stored = blob_store.create_json(blob_store.SHIPMENTS, shipment_blob(shipment.order_id), booked)
    return dict(stored)


@bp.activity_trigger(input_name="order_id")
def cancel_shipment(order_id: str) -> dict:
    """Cancel the order's shipment if one was booked (repeating it changes nothing)."""
    existing = blob_store.read_json(blob_store.SHIPMENTS, shipment_blob(order_id))
    if existing is None:
        return {"status": "nothing_to_cancel", "order_id": order_id}
    canceled = {**existing, "status": "canceled"}
    blob_store.write_json(blob_store.SHIPMENTS, shipment_blob(order_id), canceled)
    return canceled
