"""Approval notifications: the request to an approver and the one reminder, as notification blobs."""

from __future__ import annotations

import azure.durable_functions as df

from activities import blob_store

bp = df.Blueprint()


def _notify(order_id: str, kind: str, notice: dict) -> str:
    created, _ = blob_store.create_json(blob_store.NOTIFICATIONS, f"approvals/{order_id}/{kind}.json", notice)
    return f"{blob_store.NOTIFICATIONS}/approvals/{order_id}/{kind}.json" if created else "already-sent"


@bp.activity_trigger(input_name="notice")
def request_approval(notice: dict) -> str:
    """Ask an approver for a decision (written once to `notifications/approvals/{order_id}/request.json`)."""
    return _notify(str(notice["order_id"]), "request", notice)


@bp.activity_trigger(input_name="notice")
def send_approval_reminder(notice: dict) -> str:
    """Remind the approver once, after the first deadline passed without a decision."""
    return _notify(str(notice["order_id"]), "reminder", notice)
