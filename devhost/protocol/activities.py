"""Activity payloads as the extension handles them: trigger payloads, results and failures.

- The trigger payload is the orchestrator action's JSON text verbatim (`ActivityWork.input`); like
  the host's history, `TaskScheduled` keeps no copy of it (see `scheduling`).
- The worker returns `df_dumps(value)`; the host parses it and re-serializes compactly
  (`{"a": 1}` -> `{"a":1}`), and a `null` result is stored as no result.
- A failure becomes `TaskFailed` with `Reason = "Activity function '<name>' failed: <Type>: <message>"`
  and free-text `Details` (the SDK raises `Exception(f"{Reason} \n {Details}")` in the orchestrator).
- An activity past the host's `functionTimeout` fails with the host's `FunctionTimeoutException`
  message and no worker type: `Reason = "Activity function '<name>' failed: Timeout value of
  00:05:00 was exceeded by function: Functions.<name>"` (EXT `TaskActivityShim`, `FunctionTimeoutError`).
"""

from __future__ import annotations

import json

from devhost.protocol.history import HistoryEvent, task_completed, task_failed
from devhost.protocol.payloads import to_compact_json


def activity_result(worker_json: str | None) -> str | None:
    """`TaskCompleted.Result` for the worker's `df_dumps` text: compact JSON, None for null."""
    if worker_json is None:
        return None
    value = json.loads(worker_json)
    return None if value is None else to_compact_json(value)


def activity_completed(*, task_scheduled_id: int, worker_json: str | None, timestamp: str) -> HistoryEvent:
    return task_completed(
        task_scheduled_id=task_scheduled_id, result=activity_result(worker_json), timestamp=timestamp
    )


def activity_failure_reason(activity_name: str, error_type: str, message: str) -> str:
    return f"Activity function '{activity_name}' failed: {error_type}: {message}"


def activity_failed(
    *,
    task_scheduled_id: int,
    activity_name: str,
    error_type: str,
    message: str,
    stack: str,
    timestamp: str,
) -> HistoryEvent:
    """`TaskFailed` for an activity that raised `error_type(message)`; `stack` is its traceback text."""
    return task_failed(
        task_scheduled_id=task_scheduled_id,
        reason=activity_failure_reason(activity_name, error_type, message),
        details=f"Result: Failure\nException: {error_type}: {message}\nStack: {stack}",
        timestamp=timestamp,
    )


FUNCTION_TIMEOUT_EXCEPTION = "Microsoft.Azure.WebJobs.Host.FunctionTimeoutException"


def activity_timed_out(
    *, task_scheduled_id: int, activity_name: str, message: str, timestamp: str
) -> HistoryEvent:
    """`TaskFailed` for an activity the host stopped waiting for; `message` is the host's timeout text."""
    return task_failed(
        task_scheduled_id=task_scheduled_id,
        reason=f"Activity function '{activity_name}' failed: {message}",
        details=f"Result: Failure\nException: {FUNCTION_TIMEOUT_EXCEPTION}: {message}",
        timestamp=timestamp,
    )
