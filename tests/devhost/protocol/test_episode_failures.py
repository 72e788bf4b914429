"""How executions fail, stop or ignore events: like the extension and DTFx, never by raising."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devhost.protocol import (
    EventType,
    HistoryError,
    RuntimeStatus,
    run_episode,
)
from devhost.protocol import history as events
from tests.devhost.protocol.driver import Run, brief
from tests.devhost.protocol.sample_app import FUNCTIONS, behaviour, handle

ND_ACTIVITY = (
    "Non-Deterministic workflow detected: "
    "A previous execution of this orchestration scheduled an activity task"
)
REPLAY_INSTEAD = "but the current orchestration replay instead"
CHANGED = "Was a change made to the orchestrator code after this instance had already started running?"


@pytest.fixture
def changing() -> Iterator[Run]:
    """A `changing` run that scheduled `say_hello` with v1 of the code; the test then swaps the code."""
    behaviour["changing"] = "v1"
    run = Run("changing")
    run.start()
    yield run
    behaviour["changing"] = "v1"


def test_renamed_activity_fails_as_non_deterministic(changing: Run) -> None:
    behaviour["changing"] = "renamed"
    result = changing.episode(changing.completed(0, "Hello v1"))

    assert result.status is RuntimeStatus.Failed
    assert result.output == (
        f"{ND_ACTIVITY} with sequence number 0 named 'say_hello', {REPLAY_INSTEAD} scheduled "
        f"an activity task named 'flaky' with this sequence number.  {CHANGED}"
    )
    assert result.failure_details is not None
    assert "NonDeterministicOrchestrationException" in result.failure_details
    assert brief(result.new_events) == [
        ("OrchestratorStarted", -1),
        ("TaskCompleted", -1),
        ("ExecutionCompleted", 1),
        ("OrchestratorCompleted", -1),
    ]
    assert result.activities == []


def test_other_kind_at_the_same_id_fails_as_non_deterministic(changing: Run) -> None:
    behaviour["changing"] = "timer"
    result = changing.episode(changing.completed(0, "Hello v1"))

    assert result.output == (
        f"{ND_ACTIVITY} with sequence number 0 named 'say_hello', {REPLAY_INSTEAD} produced a "
        f"CreateTimerOrchestratorAction action with this sequence number. {CHANGED}"
    )
    assert result.timers == []


def test_task_no_longer_scheduled_fails_as_non_deterministic(changing: Run) -> None:
    behaviour["changing"] = "removed"
    result = changing.episode(changing.completed(0, "Hello v1"))

    assert result.output == (
        f"{ND_ACTIVITY} with sequence ID 0 and name 'say_hello' (version ''), but the current replay "
        f"execution hasn't (yet?) scheduled this task. {CHANGED}"
    )


def test_case_of_an_activity_name_does_not_matter_to_determinism(changing: Run) -> None:
    changing.history[2]["Name"] = "SAY_HELLO"
    result = changing.episode(changing.completed(0, "Hello v1"))
    assert (result.status, result.output) == (RuntimeStatus.Completed, '"done"')


def test_orchestrator_exception_fails_with_the_extensions_message() -> None:
    run = Run("raising")
    run.start()
    result = run.episode(run.completed(0, "Hello before"))

    assert result.status is RuntimeStatus.Failed
    assert result.output == "Orchestrator function 'raising' failed: boom"
    assert result.failure_details is not None
    assert result.failure_details.startswith("Message: boom, StackTrace: Traceback")
    assert "ValueError: boom" in result.failure_details
    assert result.new_events[2]["Result"] == result.output
    assert brief(result.new_events)[2:] == [("ExecutionCompleted", 1), ("OrchestratorCompleted", -1)]


def test_unknown_activity_fails_with_the_list_of_known_activities() -> None:
    result = Run("unknown_call").start()

    assert result.status is RuntimeStatus.Failed
    assert result.output == (
        "Orchestrator function 'unknown_call' failed: The function 'no_such_activity' doesn't exist, "
        "is disabled, or is not an activity function. Additional info: The following are the known activity "
        "functions: 'say_hello', 'flaky'."
    )
    assert brief(result.new_events) == [
        ("OrchestratorStarted", -1),
        ("ExecutionStarted", -1),
        ("ExecutionCompleted", 0),
        ("OrchestratorCompleted", -1),
    ]
    assert result.activities == []


def test_output_that_is_not_json_fails_the_orchestration() -> None:
    run = Run("bad_output")
    run.start()
    result = run.episode(run.completed(0, "Hello set"))
    assert (result.status, result.output) == (
        RuntimeStatus.Failed,
        "Orchestrator function 'bad_output' failed: Object of type set is not JSON serializable",
    )


def test_input_the_sdk_cannot_decode_fails_like_on_the_real_host() -> None:
    result = Run("counter_loop").start("5")  # a bare JSON number: the SDK's get_input refuses it
    assert result.status is RuntimeStatus.Failed
    assert result.output == (
        "Orchestrator function 'counter_loop' failed: "
        "the JSON object must be str, bytes or bytearray, not int"
    )


def test_terminate_ends_the_execution_without_running_user_code() -> None:
    run = Run("chaining")
    run.start()
    result = run.episode(events.execution_terminated(reason="stop it", timestamp=run.timestamp))

    assert brief(result.new_events) == [
        ("OrchestratorStarted", -1),
        ("ExecutionTerminated", -1),
        ("ExecutionCompleted", 1),
        ("OrchestratorCompleted", -1),
    ]
    assert result.new_events[2]["OrchestrationStatus"] == RuntimeStatus.Terminated.value
    assert result.new_events[2]["Result"] == "stop it"
    assert (result.status, result.output, result.ran_orchestrator) == (
        RuntimeStatus.Terminated,
        "stop it",
        False,
    )
    assert result.activities == []


def test_terminated_sub_orchestration_fails_its_parents_task() -> None:
    parent = events.ParentInstance(name="parent", instance_id="p1", execution_id="pe1", task_schedule_id=3)
    child = Run("chaining", instance_id="p1:3")
    child.start(parent=parent)
    result = child.episode(events.execution_terminated(reason="enough", timestamp=child.timestamp))

    assert result.parent_notification is not None
    event = result.parent_notification.event
    assert (event["EventType"], event["TaskScheduledId"], event["Reason"], event["Details"]) == (
        EventType.SubOrchestrationInstanceFailed,
        3,
        "enough",
        None,
    )


def test_suspended_execution_records_events_and_runs_again_on_resume() -> None:
    run = Run("chaining")
    run.start()

    suspended = run.episode(events.execution_suspended(reason="hold", timestamp=run.timestamp))
    assert brief(suspended.new_events) == [
        ("OrchestratorStarted", -1),
        ("ExecutionSuspended", -1),
        ("OrchestratorCompleted", -1),
    ]
    assert (suspended.status, suspended.ran_orchestrator) == (RuntimeStatus.Suspended, False)

    while_suspended = run.episode(run.completed(0, "Hello Tokyo"))
    assert (while_suspended.status, while_suspended.activities) == (RuntimeStatus.Suspended, [])
    assert brief(while_suspended.new_events)[1] == ("TaskCompleted", -1)

    resumed = run.episode(events.execution_resumed(reason="go", timestamp=run.timestamp))
    assert brief(resumed.new_events) == [
        ("OrchestratorStarted", -1),
        ("ExecutionResumed", -1),
        ("TaskScheduled", 1),
        ("OrchestratorCompleted", -1),
    ]
    assert resumed.status is RuntimeStatus.Running


def test_duplicate_and_unknown_completions_are_dropped() -> None:
    run = Run("fan_out")
    run.start()
    run.episode(run.completed(0, "zero"))

    duplicate, unknown, same_batch = run.completed(0, "again"), run.completed(7, "?"), run.completed(1, "one")
    result = run.episode(duplicate, unknown, same_batch, run.completed(1, "twice"))

    assert brief(result.new_events) == [
        ("OrchestratorStarted", -1),
        ("TaskCompleted", -1),
        ("OrchestratorCompleted", -1),
    ]
    assert result.new_events[1]["Result"] == '"one"'
    assert [e["TaskScheduledId"] for e in result.dropped_events] == [0, 7, 1]


def test_only_dropped_events_make_an_empty_episode() -> None:
    run = Run("fan_out")
    run.start()
    before = list(run.history)

    result = run.episode(events.timer_fired(timer_id=0, fire_at=run.timestamp, timestamp=run.timestamp))

    assert (result.new_events, result.status, result.ran_orchestrator) == ([], RuntimeStatus.Running, False)
    assert len(result.dropped_events) == 1
    assert run.history == before


def test_an_ended_execution_takes_no_more_episodes() -> None:
    run = Run("chaining")
    run.start()
    run.episode(events.execution_terminated(reason="x", timestamp=run.timestamp))

    with pytest.raises(HistoryError) as raised:
        run.episode(run.raised("late", 1))
    assert raised.value.code == "protocol.history.ended"


def test_a_new_execution_must_start_with_execution_started() -> None:
    with pytest.raises(HistoryError):
        run_episode(
            handle("chaining"),
            history=[],
            new_events=[events.event_raised(name="x", input=None, timestamp="2024-05-01T10:00:00Z")],
            now=Run("chaining").clock,
            functions=FUNCTIONS,
        )


def test_events_that_only_episodes_write_are_refused_as_inbound() -> None:
    run = Run("chaining")
    run.start()
    with pytest.raises(HistoryError):
        run.episode(events.orchestrator_completed(timestamp=run.timestamp))
