"""Entity messages: requests from orchestrators and clients, the batch an entity runs, its replies.

- `EntityRequest` is the extension's `RequestMessage`; its JSON is the `Input` of the caller's
  `EventSent` (event name `op`). `input` there is the operation input JSON text serialized once more
  (the double encoding the SDK's `DurableEntityContext.get_input` undoes).
- `entity_batch_request` builds the JSON the entity handle receives: exactly `self`, `exists`, `state`
  and `batch` (any other top-level key makes the SDK raise).
- `apply_entity_batch` reads the handle's answer: the new state, and one `EventRaised` per two-way call
  (`Name` = request id, `Input` = the `ResponseMessage` JSON) for the runtime to deliver to the caller.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from devhost.protocol.errors import PayloadError
from devhost.protocol.history import HistoryEvent, event_raised
from devhost.protocol.payloads import to_compact_json

REQUEST_EVENT_NAME = "op"
"""`EntityMessageEventNames.RequestMessageEventName`: the `Name` of every `EventSent` to an entity."""
ERROR_EXCEPTION_TYPE = "Error"
_GUID_NAMESPACE = uuid.UUID("9e952958-5e33-4daf-827f-2fa12937b875")
_NO_PREDECESSOR = "0001-01-01T00:00:00"


def scheduler_id(name: str, key: str) -> str:
    """The entity's instance id: `@<name lower-cased>@<key>`."""
    return f"@{name.lower()}@{key}"


def split_scheduler_id(entity_instance_id: str) -> tuple[str, str]:
    """`(name, key)` of `@name@key`, split at the second `@` (`EntityId.GetEntityIdFromSchedulerId`)."""
    separator = entity_instance_id.find("@", 1)
    if not entity_instance_id.startswith("@") or separator < 0:
        raise PayloadError(f"not an entity instance id: {entity_instance_id!r}")
    return entity_instance_id[1:separator], entity_instance_id[separator + 1 :]


def orchestrator_request_id(instance_id: str, execution_id: str, sequence_id: int) -> str:
    """Deterministic request GUID for an orchestrator's entity message.

    A name-based v5 GUID in the extension's `NewGuid()` namespace over `<instance>_<execution>_<sequence
    id>`: unique per message, and the same whenever the episode that sends it runs again. The extension
    hashes the episode *time* instead; the devhost sends entity requests before its checkpoint, so an
    episode re-run after a crash (at another time) must produce the same ids for the entity to
    de-duplicate them.
    """
    return str(uuid.uuid5(_GUID_NAMESPACE, f"{instance_id}_{execution_id}_{sequence_id}"))


@dataclass(frozen=True, slots=True)
class EntityRequest:
    """One operation request (`RequestMessage`) to an entity."""

    operation: str
    input: str | None
    """`RequestMessage.input`: JSON text of the operation input's JSON text, or None (no input)."""
    request_id: str
    is_signal: bool
    parent_instance_id: str | None = None
    parent_execution_id: str | None = None

    def to_json(self, timestamp: str) -> str:
        """The `RequestMessage` JSON (`EventSent.Input`); `timestamp` is the sending episode's time."""
        message: dict[str, Any] = {"op": self.operation}
        if self.is_signal:
            message["signal"] = True
        if self.input is not None:
            message["input"] = self.input
        message["id"] = self.request_id
        if self.parent_instance_id is not None:
            message["parent"] = self.parent_instance_id
        if self.parent_execution_id is not None:
            message["parentExecution"] = self.parent_execution_id
        message["Timestamp"] = timestamp
        message["Predecessor"] = _NO_PREDECESSOR
        return to_compact_json(message)

    @classmethod
    def from_json(cls, text: str) -> EntityRequest:
        """Read a `RequestMessage` back (e.g. from an `EventSent.Input` during recovery)."""
        try:
            message = json.loads(text)
            return cls(
                operation=message["op"],
                input=message.get("input"),
                request_id=message["id"],
                is_signal=bool(message.get("signal", False)),
                parent_instance_id=message.get("parent"),
                parent_execution_id=message.get("parentExecution"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise PayloadError(f"not an entity request message: {text[:200]!r}") from exc


def entity_batch_request(
    name: str, key: str, *, exists: bool, state: str | None, requests: Sequence[EntityRequest]
) -> str:
    """The JSON the entity handle receives for one batch (`EntityContextToString`)."""
    batch = [{"name": r.operation, "input": r.input, "isSignal": r.is_signal} for r in requests]
    return to_compact_json(
        {"self": {"name": name.lower(), "key": key}, "exists": exists, "state": state, "batch": batch}
    )


@dataclass(frozen=True, slots=True)
class EntityResponse:
    """A reply to deliver to the calling orchestration's current execution."""

    instance_id: str
    execution_id: str | None
    event: HistoryEvent


@dataclass(frozen=True, slots=True)
class EntityBatchOutcome:
    exists: bool
    state: str | None
    """The entity's new state JSON text; None when the entity does not exist (deleted)."""
    responses: list[EntityResponse]


def apply_entity_batch(
    result_json: str, requests: Sequence[EntityRequest], *, timestamp: str
) -> EntityBatchOutcome:
    """Read the handle's batch result; one `EventRaised` per two-way request, in request order."""
    try:
        result = json.loads(result_json)
        exists = bool(result["entityExists"])
        state = result["entityState"] if exists else None
        outcomes = result["results"]
    except (ValueError, KeyError, TypeError) as exc:
        raise PayloadError(f"not an entity batch result: {result_json[:200]!r}") from exc
    if len(outcomes) != len(requests):
        raise PayloadError(f"entity batch result has {len(outcomes)} results for {len(requests)} requests")
    responses = []
    for request, outcome in zip(requests, outcomes, strict=True):
        if request.is_signal or request.parent_instance_id is None:
            continue
        message = {"result": outcome["result"]}
        if outcome.get("isError"):
            message["exceptionType"] = ERROR_EXCEPTION_TYPE
        event = event_raised(name=request.request_id, input=to_compact_json(message), timestamp=timestamp)
        responses.append(EntityResponse(request.parent_instance_id, request.parent_execution_id, event))
    return EntityBatchOutcome(exists, state, responses)
