"""Each orchestration pattern driven episode by episode through the SDK's own replay."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from devhost.protocol import (
    ActivityWork,
    EventType,
    ExecutionInfo,
    RuntimeStatus,
    SubOrchestrationWork,
    TimerWork,
    apply_entity_batch,
    entity_batch_request,
    next_execution_started,
    parse_timestamp,
)
from tests.devhost.protocol.driver import T0, Run, brief
from tests.devhost.protocol.sample_app import entity_handle

SDK_STARTED_INPUT = '"{\\"a\\": 1}"'
"""How an SDK `start_new(client_input={"a": 1})` is stored: the JSON string literal of the df_dumps text."""


def test_chaining_schedules_one_activity_per_episode_then_completes() -> None:
    run = Run("chaining")

    first = run.start(SDK_STARTED_INPUT)
    assert brief(first.new_events) == [
        ("OrchestratorStarted", -1),
        ("ExecutionStarted", -1),
        ("TaskScheduled", 0),
        ("OrchestratorCompleted", -1),
    ]
    assert first.activities == [ActivityWork(0, "say_hello", '"Tokyo"')]
    assert first.new_events[2]["Input"] is None  # the work item carries it, as on the host
    assert (first.status, first.output, first.ran_orchestrator) == (RuntimeStatus.Running, None, True)

    second = run.episode(run.completed(0, "Hello Tokyo"))
    assert brief(second.new_events) == [
        ("OrchestratorStarted", -1),
        ("TaskCompleted", -1),
        ("TaskScheduled", 1),
        ("OrchestratorCompleted", -1),
    ]
    assert second.activities == [ActivityWork(1, "say_hello", '{"city": "Seattle"}')]

    third = run.episode(run.completed(1, "Hello Seattle"))
    assert brief(third.new_events) == [
        ("OrchestratorStarted", -1),
        ("TaskCompleted", -1),
        ("ExecutionCompleted", 2),
        ("OrchestratorCompleted", -1),
    ]
    assert third.status is RuntimeStatus.Completed
    assert third.output == '[{"a":1},"Hello Tokyo","Hello Seattle"]'
    assert third.new_events[2]["OrchestrationStatus"] == RuntimeStatus.Completed.value
    assert third.new_events[2]["Result"] == third.output
    assert (third.activities, third.timers, third.parent_notification) == ([], [], None)


def test_every_returned_event_is_marked_played_and_stamped_with_the_episode_time() -> None:
    run = Run("chaining")
    run.start(SDK_STARTED_INPUT)
    result = run.episode(run.completed(0, "Hello Tokyo"), advance=timedelta(seconds=2, microseconds=500))

    assert all(event["IsPlayed"] is True for event in run.history)
    own_events = [e for e in result.new_events if e["EventType"] != EventType.TaskCompleted]
    assert {e["Timestamp"] for e in own_events} == {"2024-05-01T10:00:02.0005Z"}


def test_fan_out_schedules_all_children_at_once_and_returns_results_in_call_order() -> None:
    run = Run("fan_out")

    first = run.start()
    assert [(a.task_id, a.input) for a in first.activities] == [(0, "0"), (1, "1"), (2, "2")]
    assert brief(first.new_events)[2:5] == [("TaskScheduled", 0), ("TaskScheduled", 1), ("TaskScheduled", 2)]

    partial = run.episode(run.completed(2, "two"), run.completed(0, "zero"))
    assert (partial.status, partial.activities, brief(partial.new_events)[-1]) == (
        RuntimeStatus.Running,
        [],
        ("OrchestratorCompleted", -1),
    )

    done = run.episode(run.completed(1, "one"))
    assert done.status is RuntimeStatus.Completed
    assert done.output == '["zero","one","two"]'
    assert done.new_events[2]["EventId"] == 3


def test_external_event_beats_the_timer_which_is_canceled_and_tolerated_when_it_fires() -> None:
    run = Run("approval")

    first = run.start()
    assert first.timers == [TimerWork(0, T0 + timedelta(seconds=5))]
    assert first.new_events[2]["FireAt"] == "2024-05-01T10:00:05Z"

    approved = run.episode(run.raised("Approve", "yes"))
    assert brief(approved.new_events) == [
        ("OrchestratorStarted", -1),
        ("EventRaised", -1),
        ("TaskScheduled", 1),
        ("OrchestratorCompleted", -1),
    ]
    assert approved.activities == [ActivityWork(1, "say_hello", '"yes"')]
    assert approved.canceled_timer_ids == [0]

    late_timer = run.episode(run.fired(first.timers[0]))
    assert (late_timer.status, late_timer.activities, late_timer.canceled_timer_ids) == (
        RuntimeStatus.Running,
        [],
        [],
    )

    done = run.episode(run.completed(1, "Hello yes"))
    assert (done.status, done.output) == (RuntimeStatus.Completed, '"Hello yes"')


def test_timer_wins_when_no_event_arrives() -> None:
    run = Run("approval")
    first = run.start()

    timeout = run.episode(run.fired(first.timers[0]))

    assert run.history[-4]["Timestamp"] == "2024-05-01T10:00:06Z"  # the episode is not earlier than FireAt
    assert (timeout.status, timeout.output) == (RuntimeStatus.Completed, '"timed out"')


def test_event_raised_before_anyone_waits_is_buffered_by_the_sdk() -> None:
    run = Run("approval")

    first = run.start(also=(run.raised("Approve", "early"),))

    assert brief(first.new_events)[:4] == [
        ("OrchestratorStarted", -1),
        ("ExecutionStarted", -1),
        ("EventRaised", -1),
        ("TimerCreated", 0),
    ]
    assert first.activities == [ActivityWork(1, "say_hello", '"early"')]
    assert first.canceled_timer_ids == [0]


def test_retry_recovers_on_the_second_attempt() -> None:
    run = Run("retrying")
    first = run.start()
    assert first.activities == [ActivityWork(0, "flaky", '"x"')]

    failed = run.episode(run.failed(0, "flaky", "first"))
    assert brief(failed.new_events)[1:3] == [("TaskFailed", -1), ("TimerCreated", 1)]
    assert failed.timers == [TimerWork(1, run.clock + timedelta(seconds=1))]
    assert failed.activities == []

    retried = run.episode(run.fired(failed.timers[0]))
    assert brief(retried.new_events)[1:3] == [("TimerFired", -1), ("TaskScheduled", 2)]
    assert retried.activities == [ActivityWork(2, "flaky", '"x"')]

    done = run.episode(run.completed(2, "x done"))
    assert (done.status, done.output) == (RuntimeStatus.Completed, '"x done"')
    assert done.new_events[2]["EventId"] == 3


def test_retry_gives_up_after_the_last_attempt_and_one_immediate_timer() -> None:
    run = Run("retrying")
    run.start()
    failed = run.episode(run.failed(0, "flaky", "first"))
    run.episode(run.fired(failed.timers[0]))

    last = run.episode(run.failed(2, "flaky", "second"))
    assert brief(last.new_events)[1:3] == [("TaskFailed", -1), ("TimerCreated", 3)]
    assert last.timers == [TimerWork(3, run.clock)]  # DTFx's back-compat timer fires at once

    gave_up = run.episode(run.fired(last.timers[0]))
    assert gave_up.status is RuntimeStatus.Failed
    assert gave_up.output is not None
    assert gave_up.output.startswith(
        "Orchestrator function 'retrying' failed: Activity function 'flaky' failed: ValueError: second \n "
    )
    assert brief(gave_up.new_events)[-2:] == [("ExecutionCompleted", 4), ("OrchestratorCompleted", -1)]


def test_sub_orchestrations_get_generated_or_given_ids_and_report_back_to_the_parent() -> None:
    parent = Run("parent")
    first = parent.start()
    assert first.sub_orchestrations == [
        SubOrchestrationWork(0, "chaining", "exec1:0", '"\\"first\\""', version="")
    ]
    created = first.new_events[2]
    assert (created["EventType"], created["InstanceId"], created["Input"]) == (
        EventType.SubOrchestrationInstanceCreated,
        "exec1:0",
        None,
    )

    child = Run("chaining", instance_id="exec1:0", execution_id="child-exec")
    started = first.sub_orchestrations[0].execution_started(
        ExecutionInfo.from_started(parent.history[1]), execution_id="child-exec", timestamp=child.timestamp
    )
    assert started["ParentInstance"] == {
        "Name": "parent",
        "OrchestrationInstance": {"InstanceId": "inst1", "ExecutionId": "exec1"},
        "TaskScheduleId": 0,
        "Version": "",
    }
    assert child.episode(started, advance=timedelta(0)).parent_notification is None
    child.episode(child.completed(0, "Hello Tokyo"))
    child_done = child.episode(child.completed(1, "Hello Seattle"))
    notification = child_done.parent_notification
    assert notification is not None
    assert (notification.instance_id, notification.execution_id) == ("inst1", "exec1")
    assert notification.event["EventType"] == EventType.SubOrchestrationInstanceCompleted
    assert (notification.event["TaskScheduledId"], notification.event["Result"]) == (
        0,
        '["first","Hello Tokyo","Hello Seattle"]',
    )

    second = parent.episode(notification.event)
    assert second.sub_orchestrations == [SubOrchestrationWork(1, "chaining", "child-7", '"\\"second\\""', "")]


def test_entity_signal_and_call_become_event_sent_requests_answered_by_the_entity_batch() -> None:
    run = Run("entity_user")
    first = run.start()
    assert brief(first.new_events)[2:4] == [("EventSent", 0), ("EventSent", 1)]
    signal, call = first.entity_messages
    assert (signal.target, signal.entity_name, signal.entity_key) == ("@counter@c1", "counter", "c1")
    assert (signal.request.operation, signal.request.input, signal.request.is_signal) == ("add", '"5"', True)
    assert (call.request.operation, call.request.input, call.request.is_signal) == ("get", '"null"', False)
    sent = json.loads(first.new_events[3]["Input"])
    assert sent == {
        "op": "get",
        "input": '"null"',
        "id": call.request.request_id,
        "parent": "inst1",
        "parentExecution": "exec1",
        "Timestamp": "2024-05-01T10:00:00Z",
        "Predecessor": "0001-01-01T00:00:00",
    }
    assert first.new_events[2]["Name"] == "op"
    assert first.new_events[2]["InstanceId"] == "@counter@c1"

    batch = entity_batch_request(
        "Counter", "c1", exists=False, state=None, requests=[signal.request, call.request]
    )
    outcome = apply_entity_batch(
        entity_handle("counter")(batch), [signal.request, call.request], timestamp=run.timestamp
    )
    assert (outcome.exists, outcome.state) == (True, "5")
    (response,) = outcome.responses
    assert (response.instance_id, response.execution_id) == ("inst1", "exec1")

    done = run.episode(response.event)
    assert (done.status, done.output) == (RuntimeStatus.Completed, "5")


def test_entity_request_ids_are_deterministic_and_unique() -> None:
    first, second = Run("entity_user"), Run("entity_user")
    one, two = first.start(), second.start()
    ids = [m.request.request_id for m in one.entity_messages]
    assert ids == [m.request.request_id for m in two.entity_messages]
    assert len(set(ids)) == 2


def test_continue_as_new_ends_the_execution_and_seeds_the_next_one() -> None:
    run = Run("counter_loop")
    first = run.start('"0"')
    assert first.custom_status == '{"count":0}'

    continued = run.episode(run.fired(first.timers[0]))
    assert brief(continued.new_events) == [
        ("OrchestratorStarted", -1),
        ("TimerFired", -1),
        ("ContinueAsNew", 1),
    ]
    assert (continued.status, continued.output) == (RuntimeStatus.ContinuedAsNew, '"1"')
    assert continued.new_events[-1]["Result"] == '"1"'
    assert continued.new_events[-1]["OrchestrationStatus"] == RuntimeStatus.ContinuedAsNew.value

    started = next_execution_started(
        ExecutionInfo.from_started(run.history[1]), continued, execution_id="exec2", timestamp=run.timestamp
    )
    assert (started["Input"], started["OrchestrationInstance"]) == (
        '"1"',
        {"InstanceId": "inst1", "ExecutionId": "exec2"},
    )
    second_execution = Run("counter_loop", execution_id="exec2", clock=run.clock)
    again = second_execution.episode(started, advance=timedelta(0))
    assert again.custom_status == '{"count":1}'
    done = second_execution.episode(second_execution.fired(again.timers[0]))
    assert (done.status, done.output, done.custom_status) == (RuntimeStatus.Completed, "1", '{"count":1}')


def test_custom_status_is_the_value_set_by_the_latest_episode() -> None:
    run = Run("with_status")
    assert run.start().custom_status == '"working"'
    done = run.episode(run.completed(0, "Hello status"))
    assert (done.custom_status, done.output) == ('{"stage":"done","ok":true}', '"finished"')


def test_long_timers_are_split_by_the_sdk_into_three_day_sub_timers() -> None:
    run = Run("long_wait")
    first = run.start()
    assert first.timers == [TimerWork(0, T0 + timedelta(days=3))]

    middle = run.episode(run.fired(first.timers[0]))
    assert middle.timers == [TimerWork(1, T0 + timedelta(days=8))]
    assert parse_timestamp(middle.new_events[2]["FireAt"]) == T0 + timedelta(days=8)

    done = run.episode(run.fired(middle.timers[0]))
    assert (done.status, done.output) == (RuntimeStatus.Completed, '"woke"')


@pytest.mark.parametrize(
    ("stored_input", "expected"),
    [(None, "null"), ('"\\"text\\""', '"text"'), ('{"raw":true}', '{"raw":true}')],
)
def test_stored_input_reaches_the_orchestrator_like_the_extension_delivers_it(
    stored_input: str | None, expected: str
) -> None:
    run = Run("chaining")
    run.start(stored_input)
    run.episode(run.completed(0, "a"))
    done = run.episode(run.completed(1, "b"))
    assert done.output == f'[{expected},"a","b"]'
