"""Outstanding work can be recomputed from a history alone, as the History table gives it back."""

from __future__ import annotations

from datetime import timedelta

from devhost.protocol import ActivityWork, SubOrchestrationWork, TimerWork, pending_work
from devhost.protocol import history as events
from tests.devhost.protocol.driver import T0, Run
from tests.devhost.protocol.sample_app import FUNCTIONS, handle


def test_scheduled_activities_without_results_are_pending() -> None:
    run = Run("fan_out")
    run.start()
    run.episode(run.completed(1, "one"))
    assert pending_work(run.history, handle("fan_out"), FUNCTIONS).activities == [
        ActivityWork(0, "say_hello", "0"),
        ActivityWork(2, "say_hello", "2"),
    ]


def test_unfired_timers_and_unstarted_sub_orchestrations_are_pending() -> None:
    approval = Run("approval")
    approval.start()
    assert pending_work(approval.history, handle("approval"), FUNCTIONS).timers == [
        TimerWork(0, T0 + timedelta(seconds=5))
    ]

    parent = Run("parent")
    parent.start()
    assert pending_work(parent.history, handle("parent"), FUNCTIONS).sub_orchestrations == [
        SubOrchestrationWork(0, "chaining", "exec1:0", '"\\"first\\""', "")
    ]


def test_entity_calls_stay_pending_until_answered_and_signals_always_do() -> None:
    run = Run("entity_user")
    first = run.start()
    signal, call = first.entity_messages
    assert pending_work(run.history, handle("entity_user"), FUNCTIONS).entity_messages == [signal, call]

    answer = events.event_raised(
        name=call.request.request_id, input='{"result":"5"}', timestamp=run.timestamp
    )
    answered = pending_work([*run.history, answer], handle("entity_user"), FUNCTIONS)
    assert answered.entity_messages == [signal]


def test_an_ended_execution_has_nothing_pending() -> None:
    run = Run("fan_out")
    run.start()
    run.episode(events.execution_terminated(reason="stop", timestamp=run.timestamp))
    assert pending_work(run.history, handle("fan_out"), FUNCTIONS) == pending_work([], None, FUNCTIONS)
