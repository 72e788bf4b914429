"""Device activities: read a device's latest reading and raise an alert, both in the `telemetry` container."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities import blob_store

bp = df.Blueprint()


def latest_reading_blob(device_id: str) -> str:
    return f"{device_id}/latest.json"


def store_reading(device_id: str, reading: dict[str, Any]) -> str:
    """Record a device's latest reading (used by the HTTP API and by tests)."""
    return blob_store.write_json(blob_store.TELEMETRY, latest_reading_blob(device_id), reading)


@bp.activity_trigger(input_name="device_id")
def read_device_reading(device_id: str) -> dict:
    """`{"device_id", "reading"}`: the latest reading, or `reading: null` when none was reported yet.

    (The return annotation stays a plain `dict`: the Python worker rejects `X | None` annotations.)
    """
    reading = blob_store.read_json(blob_store.TELEMETRY, latest_reading_blob(device_id))
    return {"device_id": device_id, "reading": reading}


@bp.activity_trigger(input_name="alert")
def raise_device_alert(alert: dict) -> str:
    """Record an alert once (`telemetry/{device_id}/alerts/{alert_id}.json`); returns its path."""
    name = f"{alert['device_id']}/alerts/{alert['alert_id']}.json"
    blob_store.create_json(blob_store.TELEMETRY, name, alert)
    return f"{blob_store.TELEMETRY}/{name}"
