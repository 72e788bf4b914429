"""The status API's JSON for one instance, and its HTTP status code (extension `HttpApiHandler`).

Payload (`StatusResponsePayload`, nulls included): `name`, `instanceId`, `runtimeStatus`, `input`,
`customStatus`, `output`, `createdTime`, `lastUpdatedTime` and, when asked for, `historyEvents`.
Stored payload text goes through `ParseToJToken` (JSON when it parses, else the raw text such as a
terminate reason); times are `ToString("s") + "Z"`. History is transformed like
`DurableClient.GetDurableOrchestrationStatusAsync`: event types by name, no `EventId`/`IsPlayed`, no
`OrchestratorStarted/Completed`, scheduling events folded into their completions as `ScheduledTime` +
`FunctionName` (+ `Input`), results only with `showHistoryOutput`, inputs only with `showInput`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from devhost.protocol.history import HistoryEvent
from devhost.protocol.payloads import parse_to_jtoken
from devhost.protocol.timefmt import format_status_time
from devhost.protocol.types import EventType, InstanceRecord, RuntimeStatus

_WAITING = frozenset(
    {RuntimeStatus.Running, RuntimeStatus.Pending, RuntimeStatus.ContinuedAsNew, RuntimeStatus.Suspended}
)
_SCHEDULER_OF = {
    EventType.TaskCompleted: EventType.TaskScheduled,
    EventType.TaskFailed: EventType.TaskScheduled,
    EventType.SubOrchestrationInstanceCompleted: EventType.SubOrchestrationInstanceCreated,
    EventType.SubOrchestrationInstanceFailed: EventType.SubOrchestrationInstanceCreated,
}
_SUCCESSES = frozenset({EventType.TaskCompleted, EventType.SubOrchestrationInstanceCompleted})
_EPISODE_FRAMES = frozenset({EventType.OrchestratorStarted, EventType.OrchestratorCompleted})


def status_http_code(status: RuntimeStatus, *, return_internal_server_error_on_failure: bool = False) -> int:
    """202 while the instance is still going, 200 once it is done (500 for Failed when asked)."""
    if status in _WAITING:
        return 202
    if status is RuntimeStatus.Failed and return_internal_server_error_on_failure:
        return 500
    return 200


def render_status(
    record: InstanceRecord,
    history: Sequence[HistoryEvent] = (),
    *,
    show_history: bool = False,
    show_history_output: bool = False,
    show_input: bool = True,
) -> dict[str, Any]:
    """The status payload; `history` is the current execution's events (used with `show_history`)."""
    payload: dict[str, Any] = {
        "name": record.name,
        "instanceId": record.instance_id,
        "runtimeStatus": record.runtime_status.name,
        "input": parse_to_jtoken(record.input) if show_input else None,
        "customStatus": parse_to_jtoken(record.custom_status),
        "output": parse_to_jtoken(record.output),
        "createdTime": format_status_time(record.created_time),
        "lastUpdatedTime": format_status_time(record.last_updated_time),
    }
    if show_history and record.runtime_status is not RuntimeStatus.Pending:
        payload["historyEvents"] = render_history_events(
            history, show_history_output=show_history_output, show_input=show_input
        )
    return payload


def render_history_events(
    history: Sequence[HistoryEvent], *, show_history_output: bool, show_input: bool
) -> list[dict[str, Any]]:
    """`historyEvents` of the status payload."""
    items: list[dict[str, Any]] = []
    scheduled: dict[tuple[EventType, int], tuple[int, HistoryEvent]] = {}
    folded: set[int] = set()
    for position, event in enumerate(history):
        item = dict(event)
        event_type = EventType(event["EventType"])
        item["EventType"] = event_type.name
        if event_type in _EPISODE_FRAMES:
            folded.add(position)
        elif event_type in (EventType.TaskScheduled, EventType.SubOrchestrationInstanceCreated):
            scheduled[(event_type, event["EventId"])] = (position, event)
            item.pop("Version", None)
        elif event_type in _SCHEDULER_OF:
            found = scheduled.get((_SCHEDULER_OF[event_type], item.pop("TaskScheduledId", None)))
            if found is not None:
                folded.add(found[0])
                _fold_scheduling(item, found[1], show_input)
            if event_type in _SUCCESSES:
                _show_result(item, show_history_output)
        elif event_type == EventType.ExecutionStarted:
            item["FunctionName"] = item.pop("Name", None)
            for member in ("OrchestrationInstance", "ParentInstance", "Version", "Tags"):
                item.pop(member, None)
        elif event_type == EventType.ExecutionCompleted:
            item["OrchestrationStatus"] = RuntimeStatus(event["OrchestrationStatus"]).name
            _show_result(item, show_history_output)
        elif event_type == EventType.TimerFired:
            item.pop("TimerId", None)
        if not show_input:
            item.pop("Input", None)
        item.pop("EventId", None)
        item.pop("IsPlayed", None)
        items.append(item)
    return [item for position, item in enumerate(items) if position not in folded]


def _fold_scheduling(item: dict[str, Any], scheduling: HistoryEvent, show_input: bool) -> None:
    item["ScheduledTime"] = scheduling["Timestamp"]
    item["FunctionName"] = scheduling["Name"]
    if show_input:
        item["Input"] = scheduling.get("Input")


def _show_result(item: dict[str, Any], shown: bool) -> None:
    if shown:
        item["Result"] = parse_to_jtoken(item.get("Result"))
    else:
        item.pop("Result", None)
