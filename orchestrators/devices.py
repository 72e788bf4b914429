"""Device monitor (monitor pattern, eternal): poll, alert on crossing the threshold, sleep, repeat.

Each generation reads the latest reading, raises an alert when the value goes above the threshold
(once per crossing, not on every poll), then waits for the next poll time or a `Stop` event, and starts
the next generation with `continue_as_new` so the history never grows. The monitor ends on `Stop` or
when it expires.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from domain import names
from domain.models import MonitorState
from orchestrators.policies import cancel_timer

bp = df.Blueprint()


def _status(state: MonitorState, step: str, last_value: float | None) -> dict[str, Any]:
    return {
        "device_id": state.device_id,
        "step": step,
        "polls": state.polls,
        "alerts": state.alerts,
        "in_alarm": state.in_alarm,
        "last_value": last_value,
        "expires_at": state.expires_at.isoformat() if state.expires_at else None,
    }


def _result(state: MonitorState, stopped: str) -> dict[str, Any]:
    return {"device_id": state.device_id, "stopped": stopped, "polls": state.polls, "alerts": state.alerts}


@bp.orchestration_trigger(context_name="context")
def device_monitor(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any] | None]:
    state = MonitorState.model_validate(context.get_input())
    now = context.current_utc_datetime
    expires_at = state.expires_at or now + timedelta(seconds=state.duration_s)
    state = state.model_copy(update={"expires_at": expires_at})
    context.set_custom_status(_status(state, "polling", None))
    observed = yield context.call_activity(names.READ_DEVICE_READING, state.device_id)
    reading = observed.get("reading")
    value = float(reading["value"]) if reading else None
    above = value is not None and value > state.threshold
    alerts = state.alerts
    if above and not state.in_alarm:
        alert = {
            "device_id": state.device_id,
            "alert_id": str(context.new_uuid()),
            "value": value,
            "threshold": state.threshold,
            "raised_at": now.isoformat(),
        }
        yield context.call_activity(names.RAISE_DEVICE_ALERT, alert)
        alerts += 1
    state = state.model_copy(
        update={
            "polls": state.polls + 1,
            "alerts": alerts,
            "in_alarm": above if value is not None else state.in_alarm,
        }
    )
    if now >= expires_at:
        context.set_custom_status(_status(state, "expired", value))
        return _result(state, "expired")

    context.set_custom_status(_status(state, "sleeping", value))
    timer = context.create_timer(min(now + timedelta(seconds=state.interval_s), expires_at))
    stop = context.wait_for_external_event(names.STOP_EVENT)
    winner = yield context.task_any([stop, timer])
    if winner is stop:
        cancel_timer(timer)
        context.set_custom_status(_status(state, "stopped", value))
        return _result(state, "stop requested")
    context.continue_as_new(state.model_dump(mode="json"))
    return None
