"""History events in the exact JSON form the SDK receives (durable-protocol.md §2.2), written by hand.

`every_event_type()` has one event of each type 0-21 with every DataMember set; `hello3_events()` are
the events behind `golden/hello3-history-rows.json` (what the real provider wrote for them).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

TS = "2024-05-01T10:00:00.1234567Z"
TRACE = {"TraceParent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "TraceState": None}
FAILURE = {"ErrorType": "ValueError", "ErrorMessage": "boom ✗", "StackTrace": None, "InnerFailure": None}


def _event(event_type: int, event_id: int = -1, **members: Any) -> dict[str, Any]:
    return {"EventType": event_type, "EventId": event_id, "IsPlayed": True, "Timestamp": TS, **members}


def every_event_type() -> list[dict[str, Any]]:
    """One fully populated event per EventType, in EventType order."""
    return [
        _event(
            0,
            OrchestrationInstance={"InstanceId": "inst/1", "ExecutionId": "e1"},
            ParentInstance={
                "Name": "parent",
                "OrchestrationInstance": {"InstanceId": "p", "ExecutionId": "pe"},
                "TaskScheduleId": 3,
                "Version": "",
            },
            Name="order_workflow",
            Version="1.0",
            Input='{"sku": "A-1", "qty": 2, "note": "ünïcødé ✓"}',
            Tags={"team": "shop"},
            Correlation="corr-1",
            ParentTraceContext=TRACE,
            ScheduledStartTime="2024-05-01T09:59:59.5Z",
            Generation=2,
            GenerateNewTrace=True,
        ),
        _event(1, 9, OrchestrationStatus=1, Result='"done"', FailureDetails=FAILURE),
        _event(2),
        _event(3, Input='"stopped by operator"'),
        _event(
            4, 0, Name="reserve_stock", Version="", Input='"A-1"', Tags={"k": "v"}, ParentTraceContext=TRACE
        ),
        _event(5, TaskScheduledId=0, Result='{"reserved": true}'),
        _event(
            6, TaskScheduledId=1, Reason="ValueError: out of stock", Details="trace", FailureDetails=FAILURE
        ),
        _event(
            7,
            2,
            Name="ship_order",
            Version="",
            InstanceId="e1:2",
            Input="[1, 2]",
            ClientSpanId="b7ad6b7169203331",
            Tags={"a": "b"},
        ),
        _event(8, TaskScheduledId=2, Result="null"),
        _event(9, TaskScheduledId=2, Reason="Orchestrator failed", Details="details", FailureDetails=FAILURE),
        _event(10, 3, FireAt="2024-05-02T10:00:00Z"),
        _event(11, TimerId=3, FireAt="2024-05-02T10:00:00Z"),
        _event(12),
        _event(13),
        _event(14, 4, InstanceId="@counter@c1", Name="op", Input='{"id": "5c6f", "op": "add"}'),
        _event(15, Name="Approval", Input='"yes"', ParentTraceContext=TRACE),
        _event(16, 5, OrchestrationStatus=2, Result='{"generation": 2}', FailureDetails=FAILURE),
        _event(17, Data="generic data"),
        _event(18, State={"OrchestrationStatus": 1, "Name": "x", "Input": None}),
        _event(19, Reason="paused"),
        _event(20, Reason="resumed"),
        _event(21, Reason="rewound", ParentExecutionId="pe", InstanceId="inst/1", ParentTraceContext=TRACE),
    ]


HELLO3_INSTANCE = "681a27e1b68d49f5a51d6ff812cf53d7"
HELLO3_EXECUTION = "f9a0f4830d5b44feba7e46199777ed4e"


def _orchestrator(event_type: int, timestamp: str) -> dict[str, Any]:
    return {"EventType": event_type, "EventId": -1, "IsPlayed": False, "Timestamp": timestamp}


def _say_hello(event_id: int, timestamp: str) -> dict[str, Any]:
    return {
        "EventType": 4,
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": timestamp,
        "Name": "Program+SayHello",
        "Version": "",
        "Input": None,
        "Tags": None,
        "ParentTraceContext": None,
    }


def _hello(task_id: int, city: str, timestamp: str) -> dict[str, Any]:
    return {
        "EventType": 5,
        "EventId": -1,
        "IsPlayed": True,
        "Timestamp": timestamp,
        "TaskScheduledId": task_id,
        "Result": f'"Hello {city}!"',
    }


def hello3_events() -> list[dict[str, Any]]:
    """The 16 events of the Hello3 capture, as the SDK would receive them."""
    started = {
        "EventType": 0,
        "EventId": -1,
        "IsPlayed": True,
        "Timestamp": "2026-11-25T19:10:31.3474058Z",
        "OrchestrationInstance": {"InstanceId": HELLO3_INSTANCE, "ExecutionId": HELLO3_EXECUTION},
        "ParentInstance": None,
        "Name": "Program+Hello3",
        "Version": "",
        "Input": '""',
        "Tags": None,
        "Correlation": None,
        "ParentTraceContext": None,
        "ScheduledStartTime": None,
        "Generation": 0,
        "GenerateNewTrace": False,
    }
    completed = {
        "EventType": 1,
        "EventId": 3,
        "IsPlayed": False,
        "Timestamp": "2026-11-25T19:10:31.7607931Z",
        "OrchestrationStatus": 1,
        "Result": '["Hello Tokyo!","Hello Seattle!","Hello London!"]',
        "FailureDetails": None,
    }
    return [
        _orchestrator(12, "2026-11-25T19:10:31.5747511Z"),
        started,
        _say_hello(0, "2026-11-25T19:10:31.6018805Z"),
        _orchestrator(13, "2026-11-25T19:10:31.6021045Z"),
        _orchestrator(12, "2026-11-25T19:10:31.7006381Z"),
        _hello(0, "Tokyo", "2026-11-25T19:10:31.6371616Z"),
        _say_hello(1, "2026-11-25T19:10:31.7054348Z"),
        _orchestrator(13, "2026-11-25T19:10:31.7054419Z"),
        _orchestrator(12, "2026-11-25T19:10:31.7358878Z"),
        _hello(1, "Seattle", "2026-11-25T19:10:31.7185768Z"),
        _say_hello(2, "2026-11-25T19:10:31.7362693Z"),
        _orchestrator(13, "2026-11-25T19:10:31.7362718Z"),
        _orchestrator(12, "2026-11-25T19:10:31.7575162Z"),
        _hello(2, "London", "2026-11-25T19:10:31.7461726Z"),
        completed,
        _orchestrator(13, "2026-11-25T19:10:31.7612710Z"),
    ]


def episode(events: list[dict[str, Any]], boundaries: list[int]) -> list[list[dict[str, Any]]]:
    """Split a history into episodes at the given indexes."""
    edges = [0, *boundaries, len(events)]
    return [events[start:end] for start, end in pairwise(edges)]
