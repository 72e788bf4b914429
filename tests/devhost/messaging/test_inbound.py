"""A client message in the devhost's terms: checked members, the devhost's own events, table keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devhost.messaging import InvalidMessageError, build_message
from devhost.messaging.envelope import TaskMessage
from devhost.messaging.inbound import check_instance_id, inbound_event, sent_at, start_record
from devhost.protocol import EventType, RuntimeStatus
from devhost.protocol import history as events

STAMP = "2026-11-25T19:11:37.2352744Z"


def task_of(event: dict[str, object], instance_id: str = "i-1") -> TaskMessage:
    task = build_message(event, instance_id=instance_id, execution_id=None).task_message
    assert task is not None
    return task


def invalid(call: object, *args: object) -> InvalidMessageError:
    with pytest.raises(InvalidMessageError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


@pytest.mark.parametrize(
    "event",
    [
        events.event_raised(name="Approval", input='{"ok":true}', timestamp="2026-11-25T19:11:37.235274Z"),
        events.execution_terminated(reason="cancelled", timestamp="2026-11-25T19:11:37.235274Z"),
        events.execution_suspended(reason=None, timestamp="2026-11-25T19:11:37.235274Z"),
        events.execution_resumed(reason="go on", timestamp="2026-11-25T19:11:37.235274Z"),
    ],
    ids=lambda e: EventType(e["EventType"]).name,
)
def test_client_operations_become_the_devhost_own_events(event: dict[str, object]) -> None:
    assert inbound_event(task_of(event)) == event


def test_the_senders_timestamp_is_kept_to_the_microsecond() -> None:
    task = task_of(events.event_raised(name="E", input=None, timestamp=STAMP))
    assert sent_at(task) == datetime(2026, 11, 25, 19, 11, 37, 235274, tzinfo=UTC)
    assert inbound_event(task)["Timestamp"] == "2026-11-25T19:11:37.235274Z"


def test_members_of_the_wrong_type_are_invalid_and_name_the_instance() -> None:
    raised = events.event_raised(name="E", input=None, timestamp=STAMP)
    error = invalid(inbound_event, task_of({**raised, "Name": 7}, "victim"))
    assert (error.code, error.instance_id) == ("messaging.message.event_member", "victim")
    error = invalid(inbound_event, task_of({**raised, "Input": {"not": "text"}}))
    assert error.code == "messaging.message.event_member"
    error = invalid(inbound_event, task_of({**raised, "Timestamp": "yesterday"}))
    assert error.code == "messaging.message.timestamp"


def test_events_the_devhost_produces_itself_are_not_taken_from_queues() -> None:
    completed = events.task_completed(task_scheduled_id=0, result='"x"', timestamp=STAMP)
    error = invalid(inbound_event, task_of(completed, "busy"))
    assert (error.code, error.instance_id) == ("messaging.message.unsupported_event", "busy")


@pytest.mark.parametrize("instance_id", ["plain", "a/b?c#d", "ünïcødé", "k" * 512, "ctl\x01char"])
def test_ids_the_provider_can_key_are_accepted(instance_id: str) -> None:
    check_instance_id(instance_id)


@pytest.mark.parametrize(
    ("instance_id", "code"),
    [
        ("", "messaging.message.instance_id"),
        ("k" * 513, "messaging.message.instance_id"),
        ("/" * 300, "messaging.message.instance_id"),  # escaped to '^0' each: 1,200 bytes
        ("lone \ud800 surrogate", "messaging.message.instance_id"),
        ("@counter@c1", "messaging.message.entity"),
    ],
)
def test_ids_that_cannot_be_orchestration_keys_are_invalid(instance_id: str, code: str) -> None:
    assert invalid(check_instance_id, instance_id).code == code


def test_a_start_record_is_the_pending_row_the_client_writes() -> None:
    started = events.execution_started(
        instance_id="i-9",
        execution_id="e-9",
        name="hello",
        input='"x"',
        timestamp=STAMP,
        version="2",
        generation=3,
    )
    task = task_of(started, "i-9")
    now = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    record = start_record(task, "hello", "e-9", sent_at(task), now)
    assert (record.instance_id, record.name, record.execution_id) == ("i-9", "hello", "e-9")
    assert (record.runtime_status, record.input, record.version, record.generation) == (
        RuntimeStatus.Pending,
        '"x"',
        "2",
        3,
    )
    assert (record.created_time, record.last_updated_time) == (sent_at(task), now)
