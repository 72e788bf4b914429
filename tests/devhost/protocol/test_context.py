"""The orchestration context JSON is what the extension sends and what the SDK accepts."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from azure.durable_functions.models.DurableOrchestrationContext import DurableOrchestrationContext
from azure.durable_functions.models.ReplaySchema import ReplaySchema

from devhost.protocol import ExecutionInfo, HistoryError, ParentInstance, context_json
from devhost.protocol import history as events
from devhost.protocol.context import as_played

T = "2024-05-01T10:00:00Z"
LATER = "2024-05-01T10:00:01Z"
PARENT = ParentInstance(name="parent", instance_id="p1", execution_id="pe1", task_schedule_id=0)


def started(stored_input: str | None = '"{\\"a\\": 1}"') -> dict[str, Any]:
    return events.execution_started(
        instance_id="inst1", execution_id="e1", name="orch", input=stored_input, timestamp=T, parent=PARENT
    )


def test_first_episode_context_is_the_extensions_json() -> None:
    context = json.loads(context_json([], [events.orchestrator_started(timestamp=T), started()]))

    assert {key: value for key, value in context.items() if key != "history"} == {
        "input": '{"a": 1}',
        "instanceId": "inst1",
        "isReplaying": False,
        "parentInstanceId": "p1",
        "upperSchemaVersion": 1,
        "upperSchemaVersionNew": 2,
        "longRunningTimerIntervalDuration": "3.00:00:00",
        "maximumShortTimerDuration": "6.00:00:00",
        "defaultHttpAsyncRequestSleepTimeMillseconds": 30000,
    }
    assert [event["IsPlayed"] for event in context["history"]] == [False, False]


def test_later_episodes_send_earlier_events_as_played() -> None:
    past = [events.orchestrator_started(timestamp=T), started(), events.orchestrator_completed(timestamp=T)]
    current = [
        events.orchestrator_started(timestamp=LATER),
        events.event_raised(name="E", input="1", timestamp=T),
    ]

    context = json.loads(context_json(past, current))

    assert [event["IsPlayed"] for event in context["history"]] == [True, True, True, False, False]
    assert context["isReplaying"] is True
    assert [event["IsPlayed"] for event in past] == [False, False, False]  # the caller's events are untouched


def test_the_sdk_builds_its_context_from_it() -> None:
    past = [events.orchestrator_started(timestamp=T), started(), events.orchestrator_completed(timestamp=T)]
    text = context_json(past, [events.orchestrator_started(timestamp=LATER)])

    sdk: Any = DurableOrchestrationContext.from_json(text)

    assert (sdk.instance_id, sdk.parent_instance_id, sdk.is_replaying, sdk.version) == (
        "inst1",
        "p1",
        True,
        "",
    )
    assert sdk.get_input() == {"a": 1}
    assert sdk._replay_schema is ReplaySchema.V3
    assert (sdk._long_timer_interval_duration, sdk._maximum_short_timer_duration) == (
        timedelta(days=3),
        timedelta(days=6),
    )
    assert sdk.current_utc_datetime.isoformat() == "2024-05-01T10:00:00+00:00"  # the first episode's time


def test_input_is_sent_as_the_json_value_of_the_stored_text() -> None:
    for stored, sent in [(None, None), ('{"raw":true}', {"raw": True}), ("7", 7)]:
        context = json.loads(context_json([], [events.orchestrator_started(timestamp=T), started(stored)]))
        assert context["input"] == sent


def test_played_events_are_passed_through_without_copies() -> None:
    played = events.orchestrator_started(timestamp=T) | {"IsPlayed": True}
    fresh = events.orchestrator_completed(timestamp=T)
    again = as_played([played, fresh])
    assert again[0] is played
    assert again[1] is not fresh
    assert again[1]["IsPlayed"] is True


def test_a_history_without_a_start_is_refused() -> None:
    with pytest.raises(HistoryError):
        context_json([], [events.orchestrator_started(timestamp=T)])
    with pytest.raises(HistoryError):
        ExecutionInfo.from_started(events.orchestrator_started(timestamp=T))
