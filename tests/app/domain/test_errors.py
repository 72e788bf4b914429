"""Domain error codes survive the trip through the SDK's failure text."""

from __future__ import annotations

import pytest

from domain.errors import GatewayUnavailableError, OrderFailedError, failure_code, failure_reason


def test_code_and_reason_are_read_back_from_an_activity_failure_text():
    original = GatewayUnavailableError("payment gateway timed out (simulated, attempt 3)")
    as_seen_by_orchestrator = Exception(
        f"Activity function 'charge_payment' failed: {type(original).__name__}: {original} \n Traceback ..."
    )
    assert failure_code(as_seen_by_orchestrator) == "gateway.unavailable"
    assert failure_reason(as_seen_by_orchestrator) == "payment gateway timed out (simulated, attempt 3)"


def test_explicit_code_overrides_the_class_default():
    error = OrderFailedError("insufficient stock", code="stock.insufficient")
    assert str(error) == "[stock.insufficient] insufficient stock"
    assert (error.code, error.reason) == ("stock.insufficient", "insufficient stock")


@pytest.mark.parametrize("text", ["plain failure\nsecond line", "list [1, 2] is not a code"])
def test_text_without_a_code(text):
    assert failure_code(text) is None
    assert failure_reason(text) == text.split("\n")[0]
