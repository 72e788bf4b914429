"""Order activities: validate an order and write its receipt."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
from pydantic import ValidationError

from activities import blob_store
from domain.errors import DuplicateOrderError, InvalidOrderError
from domain.models import OrderRequest, error_details

bp = df.Blueprint()


def receipt_blob_name(order_id: str) -> str:
    return f"{order_id}.json"


@bp.activity_trigger(input_name="order")
def validate_order(order: dict) -> dict:
    """Check the order again inside the workflow and refuse one that already has a receipt."""
    try:
        parsed = OrderRequest.model_validate(order)
    except ValidationError as exc:
        problems = "; ".join(f"{d['field']}: {d['message']}" for d in error_details(exc))
        raise InvalidOrderError(problems) from None
    if blob_store.read_json(blob_store.RECEIPTS, receipt_blob_name(parsed.order_id)) is not None:
        raise DuplicateOrderError(f"order {parsed.order_id} already has a receipt")
    return {
        "order_id": parsed.order_id,
        "total": str(parsed.total),
        "currency": parsed.currency,
        "lines": len(parsed.lines),
    }


@bp.activity_trigger(input_name="receipt")
def write_receipt(receipt: dict) -> str:
    """Write `receipts/{order_id}.json` (overwriting an identical earlier attempt is harmless)."""
    order_id = str(receipt["order_id"])
    document: dict[str, Any] = {**receipt, "kind": "receipt"}
    return blob_store.write_json(blob_store.RECEIPTS, receipt_blob_name(order_id), document)
