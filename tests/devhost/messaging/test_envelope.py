"""The provider's `MessageData` envelope, checked byte for byte against the real engine's messages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devhost.messaging import (
    InvalidMessageError,
    build_message,
    large_message_blob_name,
    large_message_wrapper,
    needs_large_message_blob,
    parse_message,
    serialize_message,
)
from devhost.messaging.envelope import MAX_INLINE_MESSAGE_BYTES, instance_of_blob_name
from devhost.protocol import EventType
from devhost.protocol import history as events
from tests.devhost.messaging.wire import client_messages, queue_writes, wire_text

ALL_CAPTURED = [
    message
    for capture in ("hello3-requests.json", "patterns-requests.json")
    for _, message in queue_writes(capture)
] + client_messages()


@pytest.mark.parametrize("document", ALL_CAPTURED, ids=lambda d: str(d.get("ActivityId"))[:8])
def test_every_captured_message_round_trips_byte_for_byte(document: dict[str, Any]) -> None:
    text = wire_text(document)
    assert serialize_message(parse_message(text)) == text


def test_the_captures_cover_client_worker_and_large_messages() -> None:
    types = {
        (d["TaskMessage"] or {}).get("Event", {}).get("$type", "wrapper").rsplit(".", 1)[-1]
        for d in ALL_CAPTURED
    }
    assert types >= {
        "ExecutionStartedEvent",
        "EventRaisedEvent",
        "ExecutionTerminatedEvent",
        "TaskScheduledEvent",
        "TaskCompletedEvent",
        "TaskFailedEvent",
        "TimerFiredEvent",
        "SubOrchestrationInstanceCompletedEvent",
        "wrapper",
    }


def test_client_messages_parse_into_the_devhost_own_events() -> None:
    start, raised, terminated = (parse_message(wire_text(d)).task_message for d in client_messages())
    assert start is not None
    assert raised is not None
    assert terminated is not None
    assert (start.instance_id, start.execution_id, start.event_type) == (
        "wf-42",
        "0bef4a23312b47aaa9b190f07aaa94eb",
        EventType.ExecutionStarted,
    )
    assert start.event == events.execution_started(
        instance_id="wf-42",
        execution_id="0bef4a23312b47aaa9b190f07aaa94eb",
        name="ApprovalFlow",
        input='{"order":"o-1"}',
        timestamp="2026-11-25T19:11:36.913392Z",
        generation=0,
    )
    assert (raised.instance_id, raised.execution_id) == ("wf-42", None)
    assert raised.event == events.event_raised(
        name="Approval", input='{"approved":true}', timestamp="2026-11-25T19:11:37.2352744Z"
    )
    assert terminated.event == events.execution_terminated(
        reason="cancelled by user", timestamp="2026-11-25T19:11:37.729879Z"
    )


def test_build_message_writes_what_the_real_client_writes() -> None:
    start, raised, terminated = client_messages()
    built = [
        build_message(
            events.execution_started(
                instance_id="wf-42",
                execution_id="0bef4a23312b47aaa9b190f07aaa94eb",
                name="ApprovalFlow",
                input='{"order":"o-1"}',
                timestamp="2026-11-25T19:11:36.913392Z",
                generation=0,
            ),
            instance_id="wf-42",
            execution_id="0bef4a23312b47aaa9b190f07aaa94eb",
            activity_id=start["ActivityId"],
        ),
        build_message(
            events.event_raised(
                name="Approval", input='{"approved":true}', timestamp="2026-11-25T19:11:37.2352744Z"
            ),
            instance_id="wf-42",
            execution_id=None,
            activity_id=raised["ActivityId"],
        ),
        build_message(
            events.execution_terminated(reason="cancelled by user", timestamp="2026-11-25T19:11:37.729879Z"),
            instance_id="wf-42",
            execution_id=None,
            activity_id=terminated["ActivityId"],
        ),
    ]
    assert [serialize_message(m) for m in built] == [wire_text(d) for d in (start, raised, terminated)]


def test_build_message_writes_what_a_worker_writes_for_an_activity_result() -> None:
    queue, captured = next(
        (q, m)
        for q, m in queue_writes("patterns-requests.json")
        if m["TaskMessage"] and m["TaskMessage"]["Event"]["$type"].endswith("TaskCompletedEvent")
    )
    instance = captured["TaskMessage"]["OrchestrationInstance"]
    built = build_message(
        events.task_completed(
            task_scheduled_id=0, result='"Hello Tokyo!"', timestamp="2026-11-25T19:17:47.9319509Z"
        ),
        instance_id=instance["InstanceId"],
        execution_id=instance["ExecutionId"],
        activity_id=captured["ActivityId"],
        sequence_number=captured["SequenceNumber"],
        episode=captured["Episode"],
        sender=(instance["InstanceId"], instance["ExecutionId"]),
    )
    assert queue.startswith("pat1-control-")
    assert serialize_message(built) == wire_text(captured)


def test_large_messages_travel_as_a_wrapper_naming_their_blob() -> None:
    wrapper = next(m for _, m in queue_writes("patterns-requests.json") if m["TaskMessage"] is None)
    parsed = parse_message(wire_text(wrapper))
    assert parsed.task_message is None
    assert parsed.compressed_blob_name == wrapper["CompressedBlobName"]
    assert serialize_message(large_message_wrapper(wrapper["CompressedBlobName"])) == wire_text(wrapper)
    assert instance_of_blob_name(wrapper["CompressedBlobName"]) == "20bcd21ed3ab4f60a94dc7ac1a05e8ef"
    # The blob is named after the full message's instance, activity id and event type.
    full = build_message(
        events.task_completed(
            task_scheduled_id=3, result='"' + "x" * 100_000 + '"', timestamp="2026-11-25T19:17:48Z"
        ),
        instance_id="20bcd21ed3ab4f60a94dc7ac1a05e8ef",
        execution_id="a99b5eadc93943bfb41f87db6a953f48",
        activity_id="00b434fa-b0b0-4945-99a5-0e3e560b222c",
    )
    assert large_message_blob_name(full) == wrapper["CompressedBlobName"]
    assert needs_large_message_blob(serialize_message(full))


def test_the_size_limit_is_45_kib_of_utf8() -> None:
    assert not needs_large_message_blob("x" * MAX_INLINE_MESSAGE_BYTES)
    assert needs_large_message_blob("x" * (MAX_INLINE_MESSAGE_BYTES + 1))
    assert needs_large_message_blob("é" * (MAX_INLINE_MESSAGE_BYTES // 2 + 1))


def test_strings_are_escaped_like_newtonsoft() -> None:
    text_input = '"line\\nbreak\u2028sep\u0001 é ✓"'
    message = build_message(
        events.event_raised(name="E", input=text_input, timestamp="2026-01-01T00:00:00Z"),
        instance_id="i",
        execution_id=None,
        activity_id="75e9bef4-f93e-4045-83b2-8b85e1cb5a57",
    )
    text = serialize_message(message)
    assert "\\\\nbreak\\u2028sep\\u0001 é ✓" in text
    assert parse_message(text).task_message.event["Input"] == text_input  # type: ignore[union-attr]


def _start_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(wire_text(client_messages()[0]))
    return document


def _error(text: str) -> InvalidMessageError:
    with pytest.raises(InvalidMessageError) as caught:
        parse_message(text)
    return caught.value


def test_text_that_is_not_json_is_invalid_without_an_instance() -> None:
    error = _error("this is not JSON {")
    assert (error.code, error.instance_id) == ("messaging.message.not_json", None)
    assert _error("[1, 2]").code == "messaging.message.not_object"


def test_an_unknown_envelope_type_is_invalid_but_names_its_instance() -> None:
    document = _start_document()
    document["$type"] = "Contoso.Message"
    error = _error(json.dumps(document))
    assert (error.code, error.instance_id) == ("messaging.message.unknown_type", "wf-42")
    assert "Contoso.Message" in str(error)


def test_an_unknown_event_type_is_invalid_and_names_its_instance() -> None:
    document = _start_document()
    document["TaskMessage"]["Event"]["$type"] = "DurableTask.Core.History.NoSuchEvent"
    error = _error(json.dumps(document))
    assert (error.code, error.instance_id) == ("messaging.message.unknown_event_type", "wf-42")


def test_an_event_whose_type_number_contradicts_its_class_is_invalid() -> None:
    document = _start_document()
    document["TaskMessage"]["Event"]["EventType"] = 15
    assert _error(json.dumps(document)).code == "messaging.message.event_type_mismatch"
    document["TaskMessage"]["Event"]["EventType"] = True
    assert _error(json.dumps(document)).code == "messaging.message.event_type_mismatch"


def test_a_task_message_without_an_instance_is_invalid() -> None:
    document = _start_document()
    del document["TaskMessage"]["OrchestrationInstance"]
    error = _error(json.dumps(document))
    assert (error.code, error.instance_id) == ("messaging.message.no_instance", None)


def test_a_message_with_neither_task_nor_blob_is_invalid() -> None:
    document = _start_document()
    document["TaskMessage"] = None
    assert _error(json.dumps(document)).code == "messaging.message.empty"
