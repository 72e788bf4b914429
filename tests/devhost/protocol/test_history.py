"""History events have the members, member order and encodings the real engine writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from azure.durable_functions.models.history.HistoryEvent import HistoryEvent as SdkHistoryEvent

from devhost.protocol import EventType, HistoryEvent, ParentInstance, RuntimeStatus
from devhost.protocol import history as events
from tests.devhost.protocol.driver import Run

TS = "2024-05-01T10:00:00.5Z"
DTFX = json.loads((Path(__file__).parent / "golden" / "dtfx-captures.json").read_text())
PARENT = ParentInstance(name="parent", instance_id="p", execution_id="pe", task_schedule_id=2)


def one_of_each() -> list[HistoryEvent]:
    return [
        events.execution_started(
            instance_id="i", execution_id="e", name="orch", input='"x"', timestamp=TS, parent=PARENT
        ),
        events.execution_completed(event_id=3, status=RuntimeStatus.Completed, result="1", timestamp=TS),
        events.execution_terminated(reason="r", timestamp=TS),
        events.task_scheduled(event_id=0, name="a", input='["1"]', timestamp=TS),
        events.task_completed(task_scheduled_id=0, result="1", timestamp=TS),
        events.task_failed(task_scheduled_id=0, reason="r", details="d", timestamp=TS),
        events.sub_orchestration_created(event_id=1, name="c", instance_id="e:1", input='"1"', timestamp=TS),
        events.sub_orchestration_completed(task_scheduled_id=1, result=None, timestamp=TS),
        events.sub_orchestration_failed(task_scheduled_id=1, reason="r", details=None, timestamp=TS),
        events.timer_created(event_id=2, fire_at=TS, timestamp=TS),
        events.timer_fired(timer_id=2, fire_at=TS, timestamp=TS),
        events.orchestrator_started(timestamp=TS),
        events.orchestrator_completed(timestamp=TS),
        events.event_sent(event_id=4, instance_id="@c@k", name="op", input="{}", timestamp=TS),
        events.event_raised(name="E", input="1", timestamp=TS),
        events.continue_as_new(event_id=5, input='"2"', timestamp=TS),
        events.execution_suspended(reason=None, timestamp=TS),
        events.execution_resumed(reason=None, timestamp=TS),
    ]


def name_of(event: HistoryEvent) -> str:
    return EventType(event["EventType"]).name


def test_every_event_has_the_four_common_members_with_dtfx_defaults() -> None:
    for event in one_of_each():
        assert {"EventType", "EventId", "IsPlayed", "Timestamp"} <= set(event)
        assert isinstance(event["EventType"], int)
        assert (event["IsPlayed"], event["Timestamp"]) == (False, TS)
        scheduling = event["EventType"] in events.SCHEDULING_TYPES | events.TERMINAL_TYPES
        assert (event["EventId"] >= 0) is scheduling


@pytest.mark.parametrize("kind", sorted(DTFX["newtonsoft_order"]))
def test_members_come_in_newtonsofts_order_for_the_dtfx_class(kind: str) -> None:
    (event,) = [e for e in one_of_each() if name_of(e) == kind]
    assert list(event) == DTFX["newtonsoft_order"][kind]


@pytest.mark.parametrize("kind", sorted(DTFX["table_members"]))
def test_members_are_the_ones_the_azure_storage_provider_stores(kind: str) -> None:
    (event,) = [e for e in one_of_each() if name_of(e) == kind]
    assert sorted(event) == DTFX["table_members"][kind]


def test_episodes_write_events_with_the_same_members_as_the_constructors() -> None:
    reference = {name_of(e): list(e) for e in one_of_each()}
    run = Run("retrying")
    run.start()
    failed = run.episode(run.failed(0, "flaky", "no"))
    run.episode(run.fired(failed.timers[0]))
    run.episode(run.completed(2, "ok"))
    for event in run.history:
        assert list(event) == reference[name_of(event)]


def test_the_sdk_reads_every_event() -> None:
    for event in one_of_each():
        parsed: Any = SdkHistoryEvent(**event)
        assert parsed.event_type == event["EventType"]
        assert parsed.timestamp.isoformat() == "2024-05-01T10:00:00.500000+00:00"
    started: Any = SdkHistoryEvent(**one_of_each()[0])
    assert started.Version == ""
    assert started.ParentInstance == {
        "Name": "parent",
        "OrchestrationInstance": {"InstanceId": "p", "ExecutionId": "pe"},
        "TaskScheduleId": 2,
        "Version": "",
    }


def test_execution_started_members_match_a_real_client_start() -> None:
    started = events.execution_started(
        instance_id="wf-42", execution_id="0bef", name="ApprovalFlow", input='{"order":"o-1"}', timestamp=TS
    )
    assert started["OrchestrationInstance"] == {"InstanceId": "wf-42", "ExecutionId": "0bef"}
    assert (started["ParentInstance"], started["Version"], started["GenerateNewTrace"]) == (None, "", False)
    assert (
        ParentInstance.from_json(
            events.execution_started(
                instance_id="c", execution_id="ce", name="n", input=None, timestamp=TS, parent=PARENT
            )["ParentInstance"]
        )
        == PARENT
    )


def test_a_three_activity_chain_writes_the_same_history_rows_as_the_real_engine() -> None:
    run = Run("long_chain")
    run.start('"3"')
    for step in range(3):
        run.episode(run.completed(step, step))
    assert [[name_of(e), e["EventId"]] for e in run.history] == DTFX["hello3_history"]
