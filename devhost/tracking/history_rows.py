"""History events (the SDK's JSON dicts) <-> `<Hub>History` rows, as DurableTask.AzureStorage writes them.

An event dict has PascalCase keys, `EventType` as an int and null members included (durable-protocol.md
§2.2). Its row: `PartitionKey` (escaped instance id), `RowKey` (sequence number, 16 hex digits),
`EventType` as the name, `Timestamp` as `_Timestamp` (`Edm.DateTime`), `ExecutionId`, and each member
per `history_schema`. Reading a row gives back the dict with every member of its type present
(`NOT_STORED` members as null: the round trip drops them, as the provider does). Members outside the
schema survive the round trip when they are strings, numbers or booleans.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from azure.data.tables import EntityProperty

from devhost.protocol.types import RuntimeStatus
from devhost.tracking.edm import edm_to_json, json_to_edm, utc_now_edm
from devhost.tracking.errors import HistoryFormatError
from devhost.tracking.history_schema import MEMBERS, Kind, Member
from devhost.tracking.keys import SENTINEL_ROW_KEY

RESERVED_COLUMNS = frozenset(
    {"PartitionKey", "RowKey", "Timestamp", "ExecutionId", "EventType", "_Timestamp"}
)
_BASE_KEYS = frozenset({"EventType", "EventId", "IsPlayed", "Timestamp"})
_PRIMITIVES = (str, int, float)
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


@dataclass(frozen=True, slots=True)
class _Plan:
    code: int
    name: str
    members: tuple[Member, ...]
    known: frozenset[str]


_BY_CODE = {
    int(event_type): _Plan(
        int(event_type), event_type.name, members, _BASE_KEYS | {name for name, _ in members}
    )
    for event_type, members in MEMBERS.items()
}
_BY_NAME = {plan.name: plan for plan in _BY_CODE.values()}
_STATUS_BY_NAME = {status.name: status.value for status in RuntimeStatus}
_STATUS_NAMES = {status.value: status.name for status in RuntimeStatus}


def event_to_row(
    event: Mapping[str, Any], partition_key: str, row_key: str, execution_id: str
) -> dict[str, Any]:
    """The History row of `event` at `row_key` in execution `execution_id`."""
    plan = _BY_CODE.get(event.get("EventType", -1))
    if plan is None:
        raise HistoryFormatError(f"unknown history EventType {event.get('EventType')!r}")
    try:
        row: dict[str, Any] = {
            "PartitionKey": partition_key,
            "RowKey": row_key,
            "EventType": plan.name,
            "ExecutionId": execution_id,
            "EventId": event["EventId"],
            "IsPlayed": event["IsPlayed"],
            "_Timestamp": json_to_edm(event["Timestamp"]),
        }
    except KeyError as exc:
        raise HistoryFormatError(
            f"{plan.name} event without {exc} (EventId {event.get('EventId')!r})"
        ) from exc
    for key, kind in plan.members:
        value = event.get(key)
        if kind is Kind.JSON:
            row[key] = _dumps(value)
        elif value is None or kind is Kind.NOT_STORED:
            continue
        elif kind is Kind.DATETIME:
            row[key] = json_to_edm(value)
        elif kind is Kind.STATUS:
            row[key] = _status_name(value, event)
        else:
            row[key] = value
    if not plan.known.issuperset(event):
        _add_extra_members(event, plan, row)
    return row


def row_to_event(row: Mapping[str, Any]) -> dict[str, Any]:
    """The event dict of a History row (large properties must already be restored)."""
    plan = _BY_NAME.get(row.get("EventType", ""))
    if plan is None:
        raise HistoryFormatError(
            f"History row {row.get('RowKey')!r} has unknown EventType {row.get('EventType')!r}"
        )
    try:
        event: dict[str, Any] = {
            "EventType": plan.code,
            "EventId": row["EventId"],
            "IsPlayed": row.get("IsPlayed", False),
            "Timestamp": edm_to_json(row["_Timestamp"]),
        }
    except KeyError as exc:
        raise HistoryFormatError(f"History row {row.get('RowKey')!r} ({plan.name}) without {exc}") from exc
    for key, kind in plan.members:
        value = row.get(key)
        if value is None or kind is Kind.NOT_STORED:  # an older devhost's row may hold it: ignored
            event[key] = None
        elif kind is Kind.JSON:
            event[key] = json.loads(value)
        elif kind is Kind.DATETIME:
            event[key] = edm_to_json(value)
        elif kind is Kind.STATUS:
            event[key] = _STATUS_BY_NAME[value]
        else:
            event[key] = value
    for key, value in row.items():
        if key not in plan.known and key not in RESERVED_COLUMNS:
            event[key] = _extra_value(value)
    return event


def sentinel_row(partition_key: str, execution_id: str, *, checkpoint_complete: bool) -> dict[str, Any]:
    """The `sentinel` row written with each history batch; the final batch marks the checkpoint complete."""
    row: dict[str, Any] = {
        "PartitionKey": partition_key,
        "RowKey": SENTINEL_ROW_KEY,
        "ExecutionId": execution_id,
        "IsCheckpointComplete": checkpoint_complete,
    }
    if checkpoint_complete:
        row["CheckpointCompletedTimestamp"] = utc_now_edm()
    return row


def _add_extra_members(event: Mapping[str, Any], plan: _Plan, row: dict[str, Any]) -> None:
    for key, value in event.items():
        if key in plan.known or value is None:
            continue
        if key in RESERVED_COLUMNS or not isinstance(value, _PRIMITIVES):
            raise HistoryFormatError(
                f"{plan.name} event member {key!r} cannot be stored in a History row ({type(value).__name__})"
            )
        row[key] = value


def _extra_value(value: Any) -> Any:
    if isinstance(value, EntityProperty):
        return value.value
    if hasattr(value, "tables_service_value"):
        return edm_to_json(value)
    return value


def _status_name(value: Any, event: Mapping[str, Any]) -> str:
    name = _STATUS_NAMES.get(value)
    if name is None:
        raise HistoryFormatError(
            f"invalid OrchestrationStatus {value!r} in event EventId {event.get('EventId')!r}"
        )
    return name
