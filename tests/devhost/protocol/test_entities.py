"""Entity requests, batches and replies, checked against the SDK's real entity handle."""

from __future__ import annotations

import json
import uuid

import pytest
from azure.durable_functions.models.DurableEntityContext import DurableEntityContext

from devhost.protocol import (
    EntityRequest,
    EventType,
    PayloadError,
    apply_entity_batch,
    entity_batch_request,
    scheduler_id,
    split_scheduler_id,
)
from devhost.protocol.entities import orchestrator_request_id
from tests.devhost.protocol.sample_app import entity_handle

TS = "2024-05-01T10:00:00Z"


def call(operation: str, input_json: str | None, request_id: str) -> EntityRequest:
    return EntityRequest(
        operation, input_json, request_id, is_signal=False, parent_instance_id="o1", parent_execution_id="x1"
    )


def signal(operation: str, input_json: str | None, request_id: str) -> EntityRequest:
    return EntityRequest(operation, input_json, request_id, is_signal=True)


def test_entity_instance_ids_use_the_lower_cased_name() -> None:
    assert scheduler_id("Counter", "Key@1") == "@counter@Key@1"
    assert split_scheduler_id("@counter@Key@1") == ("counter", "Key@1")
    with pytest.raises(PayloadError):
        split_scheduler_id("counter")


def test_batch_request_has_exactly_the_four_members_the_sdk_accepts() -> None:
    text = entity_batch_request(
        "Counter", "c1", exists=True, state="5", requests=[signal("add", '"5"', "r1")]
    )
    assert json.loads(text) == {
        "self": {"name": "counter", "key": "c1"},
        "exists": True,
        "state": "5",
        "batch": [{"name": "add", "input": '"5"', "isSignal": True}],
    }
    context, batch = DurableEntityContext.from_json(text)
    assert (context.entity_name, context.entity_key, batch[0]["name"]) == ("counter", "c1", "add")


def test_the_real_handle_runs_a_batch_and_calls_get_their_replies() -> None:
    requests = [signal("add", '"5"', "r1"), call("get", '"null"', "r2"), call("fail", '"null"', "r3")]
    result_json = entity_handle("counter")(
        entity_batch_request("Counter", "c1", exists=False, state=None, requests=requests)
    )

    outcome = apply_entity_batch(result_json, requests, timestamp=TS)

    assert (outcome.exists, outcome.state) == (True, "5")
    assert [(r.instance_id, r.execution_id, r.event["Name"]) for r in outcome.responses] == [
        ("o1", "x1", "r2"),
        ("o1", "x1", "r3"),
    ]
    ok, failed = (json.loads(r.event["Input"]) for r in outcome.responses)
    assert ok == {"result": "5"}
    assert failed == {"result": '"bad op"', "exceptionType": "Error"}
    assert outcome.responses[0].event["EventType"] == EventType.EventRaised


def test_state_is_kept_verbatim_when_the_batch_never_touches_it() -> None:
    requests = [signal("noop", None, "r1")]
    result_json = entity_handle("counter")(
        entity_batch_request("Counter", "c1", exists=True, state="41", requests=requests)
    )
    outcome = apply_entity_batch(result_json, requests, timestamp=TS)
    assert (outcome.exists, outcome.state, outcome.responses) == (True, "41", [])


def test_malformed_batch_results_are_refused() -> None:
    with pytest.raises(PayloadError):
        apply_entity_batch("not json", [], timestamp=TS)
    with pytest.raises(PayloadError):
        apply_entity_batch(
            '{"entityExists": false, "entityState": "null", "results": []}',
            [signal("a", None, "r")],
            timestamp=TS,
        )


def test_request_message_json_round_trips_and_omits_empty_members() -> None:
    client_signal = signal("reset", None, "r9")
    text = client_signal.to_json(TS)
    assert json.loads(text) == {
        "op": "reset",
        "signal": True,
        "id": "r9",
        "Timestamp": TS,
        "Predecessor": "0001-01-01T00:00:00",
    }
    assert EntityRequest.from_json(text) == client_signal
    two_way = call("get", '"null"', "r2")
    assert EntityRequest.from_json(two_way.to_json(TS)) == two_way
    with pytest.raises(PayloadError):
        EntityRequest.from_json('{"op": "x"}')


def test_orchestrator_request_ids_are_name_based_guids_independent_of_time() -> None:
    request_id = orchestrator_request_id("inst1", "exec1", 3)
    assert uuid.UUID(request_id).version == 5
    assert request_id == orchestrator_request_id("inst1", "exec1", 3)
    assert request_id != orchestrator_request_id("inst1", "exec1", 4)
    assert request_id != orchestrator_request_id("inst1", "exec2", 3)
