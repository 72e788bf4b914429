"""Device activities: latest reading and idempotent alerts in the telemetry container."""

from __future__ import annotations

import pytest

from activities import blob_store
from activities.devices import store_reading

pytestmark = pytest.mark.azurite


def test_reading_is_none_until_the_device_reports(user_function, order_id):
    device = f"dev-{order_id}"
    read = user_function("read_device_reading")
    assert read(device_id=device) == {"device_id": device, "reading": None}
    store_reading(device, {"value": 21.5, "unit": "C"})
    assert read(device_id=device) == {"device_id": device, "reading": {"value": 21.5, "unit": "C"}}


def test_alert_is_recorded_once(user_function, order_id):
    device = f"dev-{order_id}"
    alert = {"device_id": device, "alert_id": "a1", "value": 99.0, "threshold": 50.0}
    raise_alert = user_function("raise_device_alert")
    path = raise_alert(alert=alert)
    assert path == f"telemetry/{device}/alerts/a1.json"
    raise_alert(alert={**alert, "value": 1.0})
    stored = blob_store.read_json(blob_store.TELEMETRY, f"{device}/alerts/a1.json")
    assert stored is not None
    assert stored["value"] == 99.0
