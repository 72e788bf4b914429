"""The payment gateway simulation: idempotent charges, transient failures, declines, refunds."""

from __future__ import annotations

import pytest

from activities import blob_store
from domain.errors import GatewayUnavailableError, failure_code

pytestmark = pytest.mark.azurite


def _request(order_id: str, **simulate: object) -> dict:
    return {"order_id": order_id, "amount": "42.50", "currency": "EUR", "simulate": simulate}


def test_charge_records_one_charge(user_function, order_id):
    charge = user_function("charge_payment")(request=_request(order_id))
    assert charge == {
        "status": "charged",
        "order_id": order_id,
        "charge_id": f"ch_{order_id}",
        "amount": "42.50",
        "currency": "EUR",
    }
    assert blob_store.read_json(blob_store.PAYMENTS, f"{order_id}/charge.json") == charge


def test_charging_again_returns_the_first_charge_without_a_new_attempt(user_function, order_id):
    charge = user_function("charge_payment")
    first = charge(request=_request(order_id))
    second = charge(request={**_request(order_id), "amount": "99.00"})
    assert second == first
    attempts = (
        blob_store.container(blob_store.PAYMENTS).download_blob(f"{order_id}/charge-attempts").readall()
    )
    assert attempts == b"1"


def test_transient_failures_fail_the_first_attempts_then_succeed(user_function, order_id):
    charge = user_function("charge_payment")
    for attempt in (1, 2):
        with pytest.raises(GatewayUnavailableError) as failure:
            charge(request=_request(order_id, transient_failures=2))
        assert failure_code(failure.value) == "gateway.unavailable"
        assert f"attempt {attempt}" in str(failure.value)
    assert charge(request=_request(order_id, transient_failures=2))["status"] == "charged"


def test_decline_is_a_recorded_business_outcome(user_function, order_id):
    charge = user_function("charge_payment")
    declined = charge(request=_request(order_id, decline=True))
    assert declined["status"] == "declined"
    assert "declined" in declined["reason"]
    assert charge(request=_request(order_id)) == declined


def test_invalid_charge_request_is_refused(user_function, order_id):
    with pytest.raises(ValueError, match="amount"):
        user_function("charge_payment")(request={**_request(order_id), "amount": "-1"})


def test_refund_happens_once(user_function, order_id):
    user_function("charge_payment")(request=_request(order_id))
    refund = user_function("refund_payment")
    first = refund(order_id=order_id)
    assert first["status"] == "refunded"
    assert first["charge_id"] == f"ch_{order_id}"
    assert refund(order_id=order_id) == first


def test_refund_without_a_charge_has_nothing_to_refund(user_function, order_id):
    assert user_function("refund_payment")(order_id=order_id)["status"] == "nothing_to_refund"
    user_function("charge_payment")(request=_request(order_id, decline=True))
    assert user_function("refund_payment")(order_id=order_id)["status"] == "nothing_to_refund"
