"""The status API's JSON and codes follow the extension's rendering rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devhost.protocol import (
    InstanceRecord,
    RuntimeStatus,
    render_history_events,
    render_status,
    status_http_code,
)
from tests.devhost.protocol.driver import Run

CREATED = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)


def record(status: RuntimeStatus, **fields: object) -> InstanceRecord:
    values: dict[str, object] = {
        "instance_id": "inst1",
        "name": "chaining",
        "execution_id": "exec1",
        "runtime_status": status,
        "created_time": CREATED,
        "last_updated_time": CREATED + timedelta(seconds=5),
        "input": '"{\\"a\\": 1}"',
    }
    values.update(fields)
    return InstanceRecord(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (RuntimeStatus.Running, 202),
        (RuntimeStatus.Pending, 202),
        (RuntimeStatus.ContinuedAsNew, 202),
        (RuntimeStatus.Suspended, 202),
        (RuntimeStatus.Completed, 200),
        (RuntimeStatus.Failed, 200),
        (RuntimeStatus.Terminated, 200),
        (RuntimeStatus.Canceled, 200),
    ],
)
def test_http_code_tells_whether_the_instance_is_still_going(status: RuntimeStatus, code: int) -> None:
    assert status_http_code(status) == code


def test_failed_can_answer_500_when_asked() -> None:
    assert status_http_code(RuntimeStatus.Failed, return_internal_server_error_on_failure=True) == 500
    assert status_http_code(RuntimeStatus.Completed, return_internal_server_error_on_failure=True) == 200


def test_payload_parses_stored_text_and_prints_times_without_fractions() -> None:
    payload = render_status(
        record(RuntimeStatus.Completed, output='["a",1]', custom_status='{"stage":"done"}')
    )
    assert payload == {
        "name": "chaining",
        "instanceId": "inst1",
        "runtimeStatus": "Completed",
        "input": '{"a": 1}',
        "customStatus": {"stage": "done"},
        "output": ["a", 1],
        "createdTime": "2024-05-01T10:00:00Z",
        "lastUpdatedTime": "2024-05-01T10:00:05Z",
    }
    assert list(payload) == [
        "name",
        "instanceId",
        "runtimeStatus",
        "input",
        "customStatus",
        "output",
        "createdTime",
        "lastUpdatedTime",
    ]


def test_terminate_reason_stays_text_and_input_can_be_hidden() -> None:
    payload = render_status(record(RuntimeStatus.Terminated, output="stopped by ops"), show_input=False)
    assert (payload["output"], payload["input"], payload["customStatus"]) == ("stopped by ops", None, None)


def finished_chaining() -> Run:
    run = Run("chaining")
    run.start('"{\\"a\\": 1}"')
    run.episode(run.completed(0, "Hello Tokyo"))
    run.episode(run.completed(1, "Hello Seattle"))
    return run


def test_history_events_fold_scheduling_into_completions_and_hide_outputs() -> None:
    history = finished_chaining().history
    rendered = render_history_events(history, show_history_output=False, show_input=False)
    assert rendered == [
        {
            "EventType": "ExecutionStarted",
            "Correlation": None,
            "ParentTraceContext": None,
            "ScheduledStartTime": None,
            "Generation": None,
            "GenerateNewTrace": False,
            "Timestamp": "2024-05-01T10:00:00Z",
            "FunctionName": "chaining",
        },
        {
            "EventType": "TaskCompleted",
            "Timestamp": "2024-05-01T10:00:00Z",
            "ScheduledTime": "2024-05-01T10:00:00Z",
            "FunctionName": "say_hello",
        },
        {
            "EventType": "TaskCompleted",
            "Timestamp": "2024-05-01T10:00:01Z",
            "ScheduledTime": "2024-05-01T10:00:01Z",
            "FunctionName": "say_hello",
        },
        {
            "EventType": "ExecutionCompleted",
            "OrchestrationStatus": "Completed",
            "FailureDetails": None,
            "Timestamp": "2024-05-01T10:00:02Z",
        },
    ]


def test_history_output_and_inputs_when_asked_for() -> None:
    history = finished_chaining().history
    rendered = render_history_events(history, show_history_output=True, show_input=True)
    assert rendered[0]["Input"] == '"{\\"a\\": 1}"'
    assert (rendered[1]["Result"], rendered[1]["Input"]) == ("Hello Tokyo", None)  # as in the host's history
    assert rendered[-1]["Result"] == [{"a": 1}, "Hello Tokyo", "Hello Seattle"]
    assert list(rendered[1]) == ["EventType", "Result", "Timestamp", "ScheduledTime", "FunctionName", "Input"]


def test_failures_timers_and_unfinished_work_render_as_the_extension_does() -> None:
    run = Run("retrying")
    run.start()
    failed = run.episode(run.failed(0, "flaky", "first"))
    run.episode(run.fired(failed.timers[0]))
    kinds = [
        (item["EventType"], item.get("FunctionName"), "TimerId" in item)
        for item in render_history_events(run.history, show_history_output=False, show_input=True)
    ]
    assert kinds == [
        ("ExecutionStarted", "retrying", False),
        ("TaskFailed", "flaky", False),
        ("TimerCreated", None, False),
        ("TimerFired", None, False),
        ("TaskScheduled", None, False),  # attempt 2 is still running: its scheduling row stays
    ]


def test_history_is_only_rendered_when_asked_and_never_for_pending_instances() -> None:
    history = finished_chaining().history
    assert "historyEvents" not in render_status(record(RuntimeStatus.Completed), history)
    assert "historyEvents" not in render_status(record(RuntimeStatus.Pending), history, show_history=True)
    shown = render_status(record(RuntimeStatus.Completed), history, show_history=True)
    assert len(shown["historyEvents"]) == 4
