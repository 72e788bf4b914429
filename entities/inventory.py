"""The `inventory` entity: stock of one SKU, with reservations keyed by order id.

Operations (each one idempotent for the same order, so a replayed or retried call is harmless):
`restock {quantity}`, `reserve {order_id, quantity}` -> `{reserved, available}`, `release {order_id}`
(return the order's reserved stock), `commit {order_id}` (the order shipped: drop its reservation
without returning stock), `get` -> the state. Operations run one at a time per SKU.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import azure.durable_functions as df

from domain.errors import InvalidInputError
from domain.models import InventoryState, Reservation, RestockRequest

bp = df.Blueprint()


def _restock(state: InventoryState, payload: Any) -> dict[str, Any]:
    request = RestockRequest.model_validate(payload)
    state.available += request.quantity
    return {"available": state.available}


def _reserve(state: InventoryState, payload: Any) -> dict[str, Any]:
    request = Reservation.model_validate(payload)
    if request.order_id in state.reservations:
        return {"reserved": True, "available": state.available}
    if request.quantity <= 0 or request.quantity > state.available:
        return {"reserved": False, "available": state.available}
    state.available -= request.quantity
    state.reservations[request.order_id] = request.quantity
    return {"reserved": True, "available": state.available}


def _release(state: InventoryState, payload: Any) -> dict[str, Any]:
    request = Reservation.model_validate(payload)
    returned = state.reservations.pop(request.order_id, 0)
    state.available += returned
    return {"released": returned, "available": state.available}


def _commit(state: InventoryState, payload: Any) -> dict[str, Any]:
    request = Reservation.model_validate(payload)
    return {"committed": state.reservations.pop(request.order_id, 0), "available": state.available}


_OPERATIONS: dict[str, Callable[[InventoryState, Any], dict[str, Any]]] = {
    "restock": _restock,
    "reserve": _reserve,
    "release": _release,
    "commit": _commit,
}


def apply_operation(state: InventoryState, operation: str, payload: Any) -> dict[str, Any]:
    """Apply one operation to the state in place; returns the operation's result."""
    if operation == "get":
        return state.model_dump()
    handler = _OPERATIONS.get(operation)
    if handler is None:
        raise InvalidInputError(f"unknown inventory operation {operation!r}")
    return handler(state, payload)


@bp.entity_trigger(context_name="context")
def inventory(context: df.DurableEntityContext) -> None:
    state = InventoryState.model_validate(context.get_state(lambda: InventoryState().model_dump()))
    operation = context.operation_name or ""
    payload = context.get_input() if operation != "get" else None
    result = apply_operation(state, operation, payload)
    if operation != "get":
        context.set_state(state.model_dump())
    context.set_result(result)
