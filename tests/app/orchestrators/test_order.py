"""The order workflow through the SDK's real replay: chaining, the inventory entity, retries, compensation."""

from __future__ import annotations

from datetime import timedelta

from devhost.protocol import EventType, RuntimeStatus
from domain.errors import DuplicateOrderError, GatewayUnavailableError, ShippingFailedError
from tests.app.orchestrators.harness import (
    AppFunctions,
    activity_input,
    complete,
    custom_status,
    entity_operations,
    fail_every_attempt,
    only_activity,
    output,
    raised,
)
from tests.app.orchestrators.orders import (
    CHARGED,
    LINES,
    ORDER,
    RELEASE,
    SHIPPED,
    VALIDATED,
    charged,
    start,
    validated_and_reserved,
)


def test_happy_path_validates_reserves_charges_ships_writes_the_receipt_and_commits(
    app_functions: AppFunctions,
) -> None:
    run, inventory, first = start(app_functions)
    assert custom_status(first) == {"order_id": "A-1", "step": "validating"}
    assert only_activity(first).name == "validate_order"
    assert activity_input(first) == ORDER

    reserving = complete(run, first, VALIDATED)
    assert custom_status(reserving) == {"order_id": "A-1", "step": "reserving_stock"}
    assert reserving.activities == []
    assert entity_operations(reserving) == [("W-1", "reserve", {"order_id": "A-1", "quantity": 2}, False)]
    assert reserving.entity_messages[0].target == "@inventory@W-1"

    second_line = inventory.reply(run, reserving)
    assert entity_operations(second_line) == [("W-2", "reserve", {"order_id": "A-1", "quantity": 1}, False)]

    charging = inventory.reply(run, second_line)
    assert inventory.state("W-1") == {"available": 8, "reservations": {"A-1": 2}}
    assert inventory.state("W-2") == {"available": 9, "reservations": {"A-1": 1}}
    assert custom_status(charging) == {"order_id": "A-1", "step": "charging_payment"}
    assert only_activity(charging).name == "charge_payment"
    assert activity_input(charging) == {
        "order_id": "A-1",
        "amount": "13.50",
        "currency": "EUR",
        "simulate": {"transient_failures": 0, "decline": False},
    }

    shipping = complete(run, charging, CHARGED)
    assert custom_status(shipping) == {"order_id": "A-1", "step": "shipping"}
    assert only_activity(shipping).name == "create_shipment"
    assert activity_input(shipping) == {
        "order_id": "A-1",
        "customer_id": "c-1",
        "lines": LINES,
        "simulate": {"transient_failures": 0, "fail": False},
    }

    receipt = complete(run, shipping, SHIPPED)
    assert custom_status(receipt) == {"order_id": "A-1", "step": "writing_receipt"}
    assert only_activity(receipt).name == "write_receipt"
    assert activity_input(receipt) == {
        "order_id": "A-1",
        "customer_id": "c-1",
        "currency": "EUR",
        "total": "13.50",
        "lines": LINES,
        "charge_id": "ch_A-1",
        "shipment_id": "sh_A-1",
        "placed_at": run.clock.isoformat(),  # the episode's time, not the wall clock
    }

    done = complete(run, receipt, "receipts/A-1.json")
    assert done.status is RuntimeStatus.Completed
    assert custom_status(done) == {"order_id": "A-1", "step": "completed"}
    assert output(done) == {
        "order_id": "A-1",
        "status": "completed",
        "total": "13.50",
        "charge_id": "ch_A-1",
        "shipment_id": "sh_A-1",
        "receipt": "receipts/A-1.json",
    }
    assert entity_operations(done) == [
        ("W-1", "commit", RELEASE, True),
        ("W-2", "commit", RELEASE, True),
    ]
    assert inventory.answer(run, done) == []  # signals get no reply
    assert inventory.state("W-1") == {"available": 8, "reservations": {}}
    assert inventory.state("W-2") == {"available": 9, "reservations": {}}


def test_an_order_at_exactly_the_threshold_needs_no_approval(app_functions: AppFunctions) -> None:
    _, _, charging = validated_and_reserved(app_functions, threshold="13.50")
    assert only_activity(charging).name == "charge_payment"
    assert charging.sub_orchestrations == []


def test_transient_payment_failures_are_retried_every_two_seconds_until_the_charge_succeeds(
    app_functions: AppFunctions,
) -> None:
    run, _, charging = validated_and_reserved(app_functions)
    for _ in range(2):
        failed = run.episode(
            raised(run, only_activity(charging), GatewayUnavailableError("payment gateway timed out"))
        )
        (timer,) = failed.timers
        assert timer.fire_at == run.clock + timedelta(seconds=2)
        assert (failed.status, failed.activities) == (RuntimeStatus.Running, [])
        assert custom_status(failed) == {"order_id": "A-1", "step": "charging_payment"}
        charging = run.episode(run.fired(timer))
        assert only_activity(charging).name == "charge_payment"
        assert activity_input(charging)["order_id"] == "A-1"

    shipping = complete(run, charging, CHARGED)
    assert only_activity(shipping).name == "create_shipment"
    assert custom_status(shipping) == {"order_id": "A-1", "step": "shipping"}


def test_a_declined_payment_releases_every_reserved_sku_in_reverse_order_and_fails(
    app_functions: AppFunctions,
) -> None:
    run, inventory, charging = validated_and_reserved(app_functions)

    compensating = complete(
        run, charging, {"status": "declined", "order_id": "A-1", "reason": "card declined"}
    )
    assert custom_status(compensating) == {
        "order_id": "A-1",
        "step": "compensating",
        "code": "payment.declined",
        "reason": "card declined",
    }
    assert compensating.activities == []
    assert entity_operations(compensating) == [("W-2", "release", RELEASE, False)]

    second = inventory.reply(run, compensating)
    assert entity_operations(second) == [("W-1", "release", RELEASE, False)]

    failed = inventory.reply(run, second)
    assert failed.status is RuntimeStatus.Failed
    assert failed.output is not None
    assert failed.output.startswith(
        "Orchestrator function 'order_workflow' failed: [payment.declined] card declined"
    )
    assert custom_status(failed) == {
        "order_id": "A-1",
        "step": "failed",
        "code": "payment.declined",
        "reason": "card declined",
        "compensated": 2,
    }
    assert inventory.state("W-1") == {"available": 10, "reservations": {}}
    assert inventory.state("W-2") == {"available": 10, "reservations": {}}


def test_insufficient_stock_on_the_second_line_releases_only_the_first(app_functions: AppFunctions) -> None:
    run, inventory, first = start(app_functions, stock={"W-1": 10, "W-2": 0})
    reserving = complete(run, first, VALIDATED)
    second_line = inventory.reply(run, reserving)

    compensating = inventory.reply(run, second_line)
    assert compensating.activities == []
    assert entity_operations(compensating) == [("W-1", "release", RELEASE, False)]

    failed = inventory.reply(run, compensating)
    assert failed.status is RuntimeStatus.Failed
    assert failed.output is not None
    assert "[stock.insufficient] insufficient stock for W-2: 1 wanted, 0 available" in failed.output
    assert custom_status(failed) == {
        "order_id": "A-1",
        "step": "failed",
        "code": "stock.insufficient",
        "reason": "insufficient stock for W-2: 1 wanted, 0 available",
        "compensated": 1,
    }
    assert inventory.state("W-1") == {"available": 10, "reservations": {}}
    assert inventory.state("W-2") == {"available": 0, "reservations": {}}


def test_shipping_that_fails_every_attempt_refunds_then_releases_in_reverse_order(
    app_functions: AppFunctions,
) -> None:
    run, inventory, shipping = charged(app_functions)
    shipment_input = activity_input(shipping)

    error = ShippingFailedError("carrier refused the shipment (simulated)")
    compensating, delays = fail_every_attempt(run, shipping, error, attempts=4)
    assert delays == [timedelta(seconds=2)] * 3 + [timedelta(0)]  # the last timer only ends the retries
    attempts = [
        e for e in run.history if e["EventType"] == EventType.TaskScheduled and e["Name"] == "create_shipment"
    ]
    assert len(attempts) == 4
    assert shipment_input["simulate"] == {"transient_failures": 0, "fail": False}

    reason = "carrier refused the shipment (simulated)"
    assert custom_status(compensating) == {
        "order_id": "A-1",
        "step": "compensating",
        "code": "shipping.failed",
        "reason": reason,
    }
    assert only_activity(compensating).name == "refund_payment"
    assert activity_input(compensating) == "A-1"
    assert compensating.entity_messages == []

    releasing = complete(run, compensating, {"status": "refunded", "order_id": "A-1"})
    assert entity_operations(releasing) == [("W-2", "release", RELEASE, False)]
    second = inventory.reply(run, releasing)
    assert entity_operations(second) == [("W-1", "release", RELEASE, False)]

    failed = inventory.reply(run, second)
    assert failed.status is RuntimeStatus.Failed
    assert failed.output is not None
    assert f"[shipping.failed] {reason}" in failed.output
    assert custom_status(failed)["compensated"] == 3
    assert inventory.state("W-1") == {"available": 10, "reservations": {}}


def test_a_receipt_failure_cancels_the_shipment_refunds_and_releases(app_functions: AppFunctions) -> None:
    run, inventory, shipping = charged(app_functions)
    receipt = complete(run, shipping, SHIPPED)

    compensating, delays = fail_every_attempt(
        run, receipt, ConnectionError("storage unreachable"), attempts=3
    )
    assert delays == [timedelta(seconds=1)] * 2 + [timedelta(0)]  # STORAGE_RETRY: 3 attempts, 1 s apart
    status = custom_status(compensating)
    assert (status["step"], status["code"]) == ("compensating", "order.failed")  # no code: the generic one
    # `failure_reason` keeps the trailing space of the SDK's "<reason> \n <details>" text (reported:
    # domain/errors.py should strip the first line it returns).
    assert (
        status["reason"] == "Activity function 'write_receipt' failed: ConnectionError: storage unreachable"
    )
    assert only_activity(compensating).name == "cancel_shipment"
    refunding = complete(run, compensating, {"status": "canceled", "order_id": "A-1"})
    assert only_activity(refunding).name == "refund_payment"
    releasing = complete(run, refunding, {"status": "refunded", "order_id": "A-1"})
    assert [op[:2] for op in entity_operations(releasing)] == [("W-2", "release")]
    failed = inventory.reply(run, inventory.reply(run, releasing))
    assert failed.status is RuntimeStatus.Failed
    assert custom_status(failed)["compensated"] == 4


def test_a_failing_compensation_step_does_not_stop_the_others(app_functions: AppFunctions) -> None:
    run, inventory, shipping = charged(app_functions)
    compensating, _ = fail_every_attempt(run, shipping, ShippingFailedError("refused"), attempts=4)

    releasing, _ = fail_every_attempt(run, compensating, ConnectionError("gateway down"), attempts=4)
    assert [op[:2] for op in entity_operations(releasing)] == [("W-2", "release")]
    failed = inventory.reply(run, inventory.reply(run, releasing))

    assert failed.status is RuntimeStatus.Failed
    assert failed.output is not None
    assert "[shipping.failed] refused" in failed.output  # the original failure, not the refund's
    assert custom_status(failed) == {
        "order_id": "A-1",
        "step": "failed",
        "code": "shipping.failed",
        "reason": "refused",
        "compensated": 2,
        "compensation_failed": ["refund_payment"],
    }
    assert inventory.state("W-1") == {"available": 10, "reservations": {}}
    assert inventory.state("W-2") == {"available": 10, "reservations": {}}


def test_a_failed_validation_needs_no_compensation(app_functions: AppFunctions) -> None:
    run, _, first = start(app_functions)
    failed = run.episode(
        raised(run, only_activity(first), DuplicateOrderError("order A-1 already has a receipt"))
    )

    assert failed.status is RuntimeStatus.Failed
    assert (failed.activities, failed.entity_messages) == ([], [])
    assert custom_status(failed) == {
        "order_id": "A-1",
        "step": "failed",
        "code": "order.duplicate",
        "reason": "order A-1 already has a receipt",
        "compensated": 0,
    }


def test_simulation_settings_reach_the_gateways_unchanged(app_functions: AppFunctions) -> None:
    simulate = {
        "payment": {"transient_failures": 2, "decline": False},
        "shipping": {"transient_failures": 1, "fail": True},
    }
    order = {**ORDER, "simulate": simulate}
    run, inventory, first = start(app_functions, order)
    reserving = complete(run, first, VALIDATED)
    charging = inventory.reply(run, inventory.reply(run, reserving))
    assert activity_input(charging)["simulate"] == simulate["payment"]
    shipping = complete(run, charging, CHARGED)
    assert activity_input(shipping)["simulate"] == simulate["shipping"]
