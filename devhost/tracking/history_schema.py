"""The `[DataMember]`s of each DurableTask.Core history event type and how the provider stores each one.

Every event has `EventId` (int), `IsPlayed` (bool), `Timestamp` (stored as `_Timestamp`) and
`EventType` (int in JSON, name in the table). The members below come on top; their kind decides the
table representation (`TableEntityConverter`):

- `STR`, `INT`, `BOOL`: the value itself (`Edm.String`, `Edm.Int32`, `Edm.Boolean`); null is not stored.
- `DATETIME`: `Edm.DateTime`; null is not stored.
- `STATUS`: `OrchestrationStatus`, an int in JSON and its name in the table.
- `JSON`: objects (`OrchestrationInstance`, `ParentInstance`, `Tags`, trace contexts, `FailureDetails`,
  `State`) are stored as compact JSON text, and null as the text `"null"`.
- `NOT_STORED`: never written, read back as null. The `Input` of `TaskScheduled` and
  `SubOrchestrationInstanceCreated`: DTFx keeps it out of the history (the input travels in the
  work-item or control-queue message) unless `storeInputsInOrchestrationHistory` is set, which the
  captures do not show. Rows of older devhosts that hold one read back without it; recovery and
  rewind get inputs by replaying the orchestrator (`devhost.protocol.replayed_inputs`).
"""

from __future__ import annotations

import enum

from devhost.protocol.types import EventType


class Kind(enum.Enum):
    """How one member is represented in a History row."""

    STR = "str"
    INT = "int"
    BOOL = "bool"
    DATETIME = "datetime"
    STATUS = "status"
    JSON = "json"
    NOT_STORED = "not_stored"


Member = tuple[str, Kind]

_S, _I, _B, _D, _ST, _J = Kind.STR, Kind.INT, Kind.BOOL, Kind.DATETIME, Kind.STATUS, Kind.JSON
_NO = Kind.NOT_STORED

_COMPLETION: tuple[Member, ...] = (("OrchestrationStatus", _ST), ("Result", _S), ("FailureDetails", _J))
_TASK_FAILURE: tuple[Member, ...] = (
    ("TaskScheduledId", _I),
    ("Reason", _S),
    ("Details", _S),
    ("FailureDetails", _J),
)
_TASK_RESULT: tuple[Member, ...] = (("TaskScheduledId", _I), ("Result", _S))

MEMBERS: dict[EventType, tuple[Member, ...]] = {
    EventType.ExecutionStarted: (
        ("OrchestrationInstance", _J),
        ("ParentInstance", _J),
        ("Name", _S),
        ("Version", _S),
        ("Input", _S),
        ("Tags", _J),
        ("Correlation", _S),
        ("ParentTraceContext", _J),
        ("ScheduledStartTime", _D),
        ("Generation", _I),
        ("GenerateNewTrace", _B),
    ),
    EventType.ExecutionCompleted: _COMPLETION,
    EventType.ExecutionFailed: (),  # no DurableTask.Core class; never written by the provider
    EventType.ExecutionTerminated: (("Input", _S),),
    EventType.TaskScheduled: (
        ("Name", _S),
        ("Version", _S),
        ("Input", _NO),
        ("Tags", _J),
        ("ParentTraceContext", _J),
    ),
    EventType.TaskCompleted: _TASK_RESULT,
    EventType.TaskFailed: _TASK_FAILURE,
    EventType.SubOrchestrationInstanceCreated: (
        ("Name", _S),
        ("Version", _S),
        ("InstanceId", _S),
        ("Input", _NO),
        ("ClientSpanId", _S),
        ("Tags", _J),
    ),
    EventType.SubOrchestrationInstanceCompleted: _TASK_RESULT,
    EventType.SubOrchestrationInstanceFailed: _TASK_FAILURE,
    EventType.TimerCreated: (("FireAt", _D),),
    EventType.TimerFired: (("TimerId", _I), ("FireAt", _D)),
    EventType.OrchestratorStarted: (),
    EventType.OrchestratorCompleted: (),
    EventType.EventSent: (("InstanceId", _S), ("Name", _S), ("Input", _S)),
    EventType.EventRaised: (("Name", _S), ("Input", _S), ("ParentTraceContext", _J)),
    EventType.ContinueAsNew: _COMPLETION,
    EventType.GenericEvent: (("Data", _S),),
    EventType.HistoryState: (("State", _J),),
    EventType.ExecutionSuspended: (("Reason", _S),),
    EventType.ExecutionResumed: (("Reason", _S),),
    EventType.ExecutionRewound: (
        ("Reason", _S),
        ("ParentExecutionId", _S),
        ("InstanceId", _S),
        ("ParentTraceContext", _J),
    ),
}
