"""Order activities: validation inside the workflow, duplicate detection, receipts."""

from __future__ import annotations

import pytest

from activities import blob_store
from domain.errors import DuplicateOrderError, InvalidOrderError

pytestmark = pytest.mark.azurite


def _order(order_id: str) -> dict:
    return {
        "order_id": order_id,
        "customer_id": "c-1",
        "lines": [{"sku": "WIDGET-1", "quantity": 3, "unit_price": "19.99"}],
    }


def test_validate_returns_the_total(user_function, order_id):
    result = user_function("validate_order")(order=_order(order_id))
    assert result == {"order_id": order_id, "total": "59.97", "currency": "EUR", "lines": 1}


def test_validate_names_the_bad_field(user_function, order_id):
    order = _order(order_id)
    order["lines"][0]["quantity"] = 0
    with pytest.raises(InvalidOrderError, match=r"\[order.invalid\] lines.0.quantity"):
        user_function("validate_order")(order=order)


def test_an_order_with_a_receipt_is_a_duplicate(user_function, order_id):
    path = user_function("write_receipt")(receipt={"order_id": order_id, "total": "1.00"})
    assert path == f"receipts/{order_id}.json"
    assert blob_store.read_json(blob_store.RECEIPTS, f"{order_id}.json") == {
        "order_id": order_id,
        "total": "1.00",
        "kind": "receipt",
    }
    with pytest.raises(DuplicateOrderError):
        user_function("validate_order")(order=_order(order_id))


def test_approval_notices_are_written_once(user_function, order_id):
    notice = {"order_id": order_id, "amount": "5000.00"}
    assert (
        user_function("request_approval")(notice=notice) == f"notifications/approvals/{order_id}/request.json"
    )
    assert user_function("request_approval")(notice=notice) == "already-sent"
    assert user_function("send_approval_reminder")(notice=notice).endswith("/reminder.json")
    assert blob_store.read_json(blob_store.NOTIFICATIONS, f"approvals/{order_id}/reminder.json") == notice
