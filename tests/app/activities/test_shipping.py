"""The shipping gateway simulation: idempotent bookings, transient and permanent failures, cancel."""

from __future__ import annotations

import pytest

from activities import blob_store
from domain.errors import GatewayUnavailableError, ShippingFailedError, failure_code

pytestmark = pytest.mark.azurite

LINES = [
    {"sku": "WIDGET-1", "quantity": 2, "unit_price": "5.00"},
    {"sku": "GADGET", "quantity": 1, "unit_price": "1"},
]


def _request(order_id: str, **simulate: object) -> dict:
    return {"order_id": order_id, "customer_id": "c1", "lines": LINES, "simulate": simulate}


def test_shipment_is_booked_once(user_function, order_id):
    ship = user_function("create_shipment")
    first = ship(request=_request(order_id))
    assert first["shipment_id"] == f"sh_{order_id}"
    assert first["items"] == 3
    assert ship(request=_request(order_id)) == first
    assert blob_store.read_json(blob_store.SHIPMENTS, f"{order_id}.json") == first


def test_transient_failure_then_success(user_function, order_id):
    ship = user_function("create_shipment")
    with pytest.raises(GatewayUnavailableError):
        ship(request=_request(order_id, transient_failures=1))
    assert ship(request=_request(order_id, transient_failures=1))["status"] == "created"


def test_permanent_failure_fails_every_attempt_and_books_nothing(user_function, order_id):
    ship = user_function("create_shipment")
    for _ in range(3):
        with pytest.raises(ShippingFailedError) as failure:
            ship(request=_request(order_id, fail=True))
        assert failure_code(failure.value) == "shipping.failed"
    assert blob_store.read_json(blob_store.SHIPMENTS, f"{order_id}.json") is None


def test_cancel_marks_the_shipment_canceled(user_function, order_id):
    user_function("create_shipment")(request=_request(order_id))
    canceled = user_function("cancel_shipment")(order_id=order_id)
    assert canceled["status"] == "canceled"
    assert blob_store.read_json(blob_store.SHIPMENTS, f"{order_id}.json")["status"] == "canceled"
    assert user_function("cancel_shipment")(order_id="never-shipped")["status"] == "nothing_to_cancel"
