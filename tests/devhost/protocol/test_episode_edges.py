"""Less common paths: HTTP calls, sub-orchestration retries and ids, unknown entities, odd user code."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from devhost.protocol import (
    RegisteredFunctions,
    RuntimeStatus,
    SubOrchestrationWork,
    TimerWork,
    run_episode,
)
from devhost.protocol import history as events
from tests.devhost.protocol.driver import Run, brief
from tests.devhost.protocol.sample_app import handle


def test_call_http_runs_the_builtin_http_activity() -> None:
    run = Run("http_call")
    first = run.start()
    (work,) = first.activities
    assert (work.task_id, work.name) == (0, "BuiltIn::HttpActivity")
    assert json.loads(work.input) == {
        "method": "GET",
        "uri": "https://example.org/items",
        "content": None,
        "headers": None,
    }

    response = {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "content": "hi"}
    done = run.episode(run.completed(0, response))
    assert (done.status, done.output) == (RuntimeStatus.Completed, "200")


def test_sub_orchestration_retry_starts_a_new_child_after_the_retry_timer() -> None:
    run = Run("parent_with_retry")
    first = run.start()
    assert first.sub_orchestrations == [SubOrchestrationWork(0, "chaining", "exec1:0", '"\\"x\\""', "")]

    failed = run.episode(
        events.sub_orchestration_failed(
            task_scheduled_id=0,
            reason="Orchestrator function 'chaining' failed: no",
            details=None,
            timestamp=run.timestamp,
        )
    )
    assert failed.timers == [TimerWork(1, run.clock + timedelta(seconds=1))]

    retried = run.episode(run.fired(failed.timers[0]))
    assert retried.sub_orchestrations == [SubOrchestrationWork(2, "chaining", "exec1:2", '"\\"x\\""', "")]


@pytest.mark.parametrize(
    ("child_id", "message"),
    [
        (
            "INST1",
            "The instance ID of a sub-orchestration must be different than the instance ID of a parent "
            "orchestration.",
        ),
        ("@x", "instanceId (Parameter 'Orchestration instance ids must not start with @')"),
    ],
)
def test_sub_orchestration_ids_the_extension_refuses(child_id: str, message: str) -> None:
    result = Run("named_child").start(json.dumps(json.dumps(child_id)))
    assert (result.status, result.output) == (
        RuntimeStatus.Failed,
        f"Orchestrator function 'named_child' failed: {message}",
    )
    assert result.sub_orchestrations == []


def test_unknown_entity_fails_the_orchestration() -> None:
    run = Run("entity_user")
    started = events.execution_started(
        instance_id="i", execution_id="e", name="entity_user", input=None, timestamp=run.timestamp
    )
    no_entities = RegisteredFunctions.of(orchestrators=["entity_user"], activities=["say_hello"])

    result = run_episode(
        handle("entity_user"), history=[], new_events=[started], now=run.clock, functions=no_entities
    )

    assert result.output == (
        "Orchestrator function 'entity_user' failed: The function 'counter' doesn't exist, is disabled, "
        "or is not an entity function. Additional info: No entity functions are currently registered!"
    )
    assert (result.entity_messages, brief(result.new_events)[2]) == ([], ("ExecutionCompleted", 0))


def test_yielding_something_that_is_not_a_task_fails_outside_the_sdks_error_report() -> None:
    result = Run("yields_non_task").start()
    assert (result.status, result.output) == (
        RuntimeStatus.Failed,
        "Orchestrator function 'yields_non_task' failed: 'int' object has no attribute '_is_scheduled'",
    )
    assert result.failure_details is not None
    assert "AttributeError" in result.failure_details
    assert brief(result.new_events)[2] == ("ExecutionCompleted", 0)


def test_continue_as_new_sends_entity_messages_but_no_activities_or_timers() -> None:
    run = Run("loop_with_side_work")
    first = run.start()

    result = run.episode(run.fired(first.timers[0]))

    assert brief(result.new_events) == [
        ("OrchestratorStarted", -1),
        ("TimerFired", -1),
        ("EventSent", 1),
        ("TaskScheduled", 2),
        ("ContinueAsNew", 3),
    ]
    assert (result.status, result.output) == (RuntimeStatus.ContinuedAsNew, '"\\"again\\""')
    assert [m.request.operation for m in result.entity_messages] == ["add"]
    assert (result.activities, result.timers) == ([], [])  # DTFx never sends them for a new execution
