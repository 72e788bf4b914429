"""The order workflow's test data and drivers: run an order up to a given step through the real replay."""

from __future__ import annotations

from typing import Any

from devhost.protocol import EpisodeResult
from tests.app.orchestrators.harness import AppFunctions, Inventory, client_input, complete, workflow
from tests.support.episodes import EpisodeRun

LINES = [
    {"sku": "W-1", "quantity": 2, "unit_price": "5.00"},
    {"sku": "W-2", "quantity": 1, "unit_price": "3.50"},
]
NO_SIMULATION = {
    "payment": {"transient_failures": 0, "decline": False},
    "shipping": {"transient_failures": 0, "fail": False},
}
ORDER = {
    "order_id": "A-1",
    "customer_id": "c-1",
    "currency": "EUR",
    "lines": LINES,
    "simulate": NO_SIMULATION,
}
VALIDATED = {"order_id": "A-1", "total": "13.50", "currency": "EUR", "lines": 2}
CHARGED = {
    "status": "charged",
    "order_id": "A-1",
    "charge_id": "ch_A-1",
    "amount": "13.50",
    "currency": "EUR",
}
SHIPPED = {"status": "created", "order_id": "A-1", "shipment_id": "sh_A-1"}
RELEASE = {"order_id": "A-1"}


def start(
    app_functions: AppFunctions,
    order: dict[str, Any] = ORDER,
    *,
    threshold: str = "1000",
    stock: dict[str, int] | None = None,
) -> tuple[EpisodeRun, Inventory, EpisodeResult]:
    """Start an order (10 of each SKU in stock unless told): the run, the stock, the first episode."""
    run = workflow(app_functions, "order_workflow", f"order-{order['order_id']}")
    inventory = Inventory(app_functions, stock if stock is not None else {"W-1": 10, "W-2": 10})
    first = run.start(
        client_input({"order": order, "approval_threshold": threshold, "approval_timeout_s": 3600})
    )
    return run, inventory, first


def validated_and_reserved(
    app_functions: AppFunctions, *, threshold: str = "1000"
) -> tuple[EpisodeRun, Inventory, EpisodeResult]:
    """Run up to the episode after both lines were reserved (the one that asks for the charge)."""
    run, inventory, first = start(app_functions, threshold=threshold)
    reserving = complete(run, first, VALIDATED)
    reserved = inventory.reply(run, inventory.reply(run, reserving))
    return run, inventory, reserved


def charged(app_functions: AppFunctions) -> tuple[EpisodeRun, Inventory, EpisodeResult]:
    """Run up to the episode that asks for the shipment."""
    run, inventory, charging = validated_and_reserved(app_functions)
    return run, inventory, complete(run, charging, CHARGED)


LARGE_ORDER = {**ORDER, "order_id": "B-1", "lines": [{"sku": "W-1", "quantity": 6, "unit_price": "250.00"}]}


def awaiting_approval(app_functions: AppFunctions) -> tuple[EpisodeRun, Inventory, EpisodeResult]:
    """Run a large order up to the episode that starts its approval."""
    run, inventory, first = start(app_functions, LARGE_ORDER)
    reserving = complete(run, first, {**VALIDATED, "order_id": "B-1", "total": "1500.00", "lines": 1})
    return run, inventory, inventory.reply(run, reserving)
