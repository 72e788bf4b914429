"""The device monitor through the SDK's real replay: poll, alert once per crossing, sleep, continue as new."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from devhost.protocol import EventType, RuntimeStatus, TimerWork
from tests.app.orchestrators.harness import (
    AppFunctions,
    activity_input,
    canceled_timers,
    client_input,
    complete,
    custom_status,
    next_generation,
    only_activity,
    output,
    stored_value,
    workflow,
)
from tests.support.episodes import T0, EpisodeRun

EXPIRES = T0 + timedelta(hours=1)
STATE = {"device_id": "fridge-7", "threshold": 8.0, "interval_s": 60, "expires_at": EXPIRES.isoformat()}


def reading(value: float | None) -> dict[str, Any]:
    """`read_device_reading`'s answer."""
    return {"device_id": "fridge-7", "reading": None if value is None else {"value": value, "unit": "C"}}


def polled(
    app_functions: AppFunctions, value: float | None, state: dict[str, Any] = STATE
) -> tuple[EpisodeRun, Any, datetime]:
    """Start a generation and answer its read; returns the run, that episode and the start time."""
    run = workflow(app_functions, "device_monitor", "monitor-fridge-7")
    reading_episode = run.start(client_input(state))
    started_at = run.clock
    assert only_activity(reading_episode).name == "read_device_reading"
    assert activity_input(reading_episode) == "fridge-7"
    return run, complete(run, reading_episode, reading(value)), started_at


def test_below_the_threshold_no_alert_and_a_timer_one_interval_after_the_poll(
    app_functions: AppFunctions,
) -> None:
    _, sleeping, started_at = polled(app_functions, 4.5)

    assert sleeping.activities == []
    assert sleeping.timers == [TimerWork(1, started_at + timedelta(seconds=60))]
    assert custom_status(sleeping) == {
        "device_id": "fridge-7",
        "step": "sleeping",
        "polls": 1,
        "alerts": 0,
        "in_alarm": False,
        "last_value": 4.5,
        "expires_at": "2024-05-01T11:00:00+00:00",
    }


def test_the_timer_continues_as_new_with_one_more_poll(app_functions: AppFunctions) -> None:
    run, sleeping, _ = polled(app_functions, 4.5)

    continued = run.episode(run.fired(sleeping.timers[0]))

    assert continued.status is RuntimeStatus.ContinuedAsNew
    assert stored_value(continued.output) == {
        "device_id": "fridge-7",
        "threshold": 8.0,
        "interval_s": 60,
        "duration_s": 86400,
        "expires_at": "2024-05-01T11:00:00Z",
        "in_alarm": False,
        "alerts": 0,
        "polls": 1,
    }
    assert run.history[-1]["EventType"] == EventType.ContinueAsNew
    assert (continued.activities, continued.timers) == ([], [])

    generation, reading_episode = next_generation(app_functions, run, continued)
    assert only_activity(reading_episode).name == "read_device_reading"
    sleeping = complete(generation, reading_episode, reading(5.0))
    assert custom_status(sleeping)["polls"] == 2
    assert sleeping.timers == [TimerWork(1, run.clock + timedelta(seconds=60))]


def test_crossing_the_threshold_raises_one_alert_until_the_value_drops_again(
    app_functions: AppFunctions,
) -> None:
    run, alerting, started_at = polled(app_functions, 11.5)
    assert only_activity(alerting).name == "raise_device_alert"
    alert = activity_input(alerting)
    assert {k: v for k, v in alert.items() if k != "alert_id"} == {
        "device_id": "fridge-7",
        "value": 11.5,
        "threshold": 8.0,
        "raised_at": started_at.isoformat(),
    }
    assert len(alert["alert_id"]) == 36  # a uuid from context.new_uuid(): the same on every replay

    sleeping = complete(run, alerting, "telemetry/fridge-7/alerts/x.json")
    assert custom_status(sleeping)["alerts"] == 1
    assert custom_status(sleeping)["in_alarm"] is True
    continued = run.episode(run.fired(sleeping.timers[0]))
    assert stored_value(continued.output)["in_alarm"] is True

    # still above: no second alert
    still_above, read = next_generation(app_functions, run, continued)
    quiet = complete(still_above, read, reading(12.0))
    assert quiet.activities == []
    assert (custom_status(quiet)["alerts"], custom_status(quiet)["in_alarm"]) == (1, True)

    # below again: the alarm clears
    below, read = next_generation(
        app_functions, still_above, still_above.episode(still_above.fired(quiet.timers[0]))
    )
    cleared = complete(below, read, reading(6.0))
    assert cleared.activities == []
    assert (custom_status(cleared)["alerts"], custom_status(cleared)["in_alarm"]) == (1, False)

    # a new crossing: a new alert with a new id
    again, read = next_generation(app_functions, below, below.episode(below.fired(cleared.timers[0])))
    second_alert = complete(again, read, reading(9.0))
    assert only_activity(second_alert).name == "raise_device_alert"
    assert activity_input(second_alert)["alert_id"] != alert["alert_id"]
    assert custom_status(complete(again, second_alert, "telemetry/x.json"))["alerts"] == 2


def test_no_reading_yet_keeps_the_alarm_state(app_functions: AppFunctions) -> None:
    _, sleeping, _ = polled(app_functions, None, {**STATE, "in_alarm": True, "alerts": 1})

    assert sleeping.activities == []
    status = custom_status(sleeping)
    assert (status["last_value"], status["in_alarm"], status["alerts"]) == (None, True, 1)


def test_stop_completes_with_stop_requested_and_cancels_the_timer(app_functions: AppFunctions) -> None:
    run, sleeping, _ = polled(app_functions, 4.5)
    (timer,) = sleeping.timers

    stopped = run.episode(run.raised("Stop", {"requested_at": "2024-05-01T10:00:30+00:00"}))

    assert stopped.status is RuntimeStatus.Completed
    assert output(stopped) == {"device_id": "fridge-7", "stopped": "stop requested", "polls": 1, "alerts": 0}
    assert custom_status(stopped)["step"] == "stopped"
    assert canceled_timers(run) == [timer.timer_id]


def test_the_last_timer_is_capped_at_the_expiry_and_the_next_generation_expires(
    app_functions: AppFunctions,
) -> None:
    expires = T0 + timedelta(seconds=90)
    state = {**STATE, "expires_at": expires.isoformat()}
    run, sleeping, started_at = polled(app_functions, 4.5, state)
    assert sleeping.timers == [TimerWork(1, started_at + timedelta(seconds=60))]

    second, read = next_generation(app_functions, run, run.episode(run.fired(sleeping.timers[0])))
    capped = complete(second, read, reading(4.5))
    assert capped.timers == [TimerWork(1, expires)]  # not now + 60 s, which is past the expiry

    third, read = next_generation(app_functions, second, second.episode(second.fired(capped.timers[0])))
    expired = complete(third, read, reading(4.5))
    assert expired.status is RuntimeStatus.Completed
    assert output(expired) == {"device_id": "fridge-7", "stopped": "expired", "polls": 3, "alerts": 0}
    assert custom_status(expired)["step"] == "expired"
    assert expired.timers == []


def test_a_monitor_started_after_its_expiry_polls_once_and_ends(app_functions: AppFunctions) -> None:
    run, expired, _ = polled(
        app_functions, 9.5, {**STATE, "expires_at": (T0 - timedelta(seconds=1)).isoformat()}
    )

    assert only_activity(expired).name == "raise_device_alert"  # the last reading still alerts
    done = complete(run, expired, "telemetry/x.json")
    assert done.status is RuntimeStatus.Completed
    assert output(done) == {"device_id": "fridge-7", "stopped": "expired", "polls": 1, "alerts": 1}


def test_the_expiry_is_set_from_orchestration_time(app_functions: AppFunctions) -> None:
    """The starter sends only a duration: a host whose clock was moved (tests) must not expire it early."""
    state = {"device_id": "fridge-7", "threshold": 8.0, "interval_s": 60, "duration_s": 600}
    run, sleeping, started_at = polled(app_functions, 4.5, state)
    expires_at = started_at + timedelta(seconds=600)

    assert custom_status(sleeping)["expires_at"] == expires_at.isoformat()
    continued = run.episode(run.fired(sleeping.timers[0]))
    assert stored_value(continued.output)["expires_at"] == expires_at.isoformat().replace("+00:00", "Z")
