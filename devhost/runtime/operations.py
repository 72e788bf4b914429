"""What the management API asks of the engine: the Durable client operations, as a protocol.

`devhost.http.management` serves the `/runtime/webhooks/durabletask` routes on top of any object with
these methods; `devhost.runtime.client.Client` is the engine's implementation. Payloads are the JSON
*text* the host stores (`input_text`), never parsed values, so the double encodings of the real host
stay intact. Errors are `devhost.errors.DevhostError` subclasses, each with the status code to answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from devhost.protocol import HistoryEvent
from devhost.protocol.types import InstanceRecord, RuntimeStatus


@dataclass(frozen=True)
class InstanceQuery:
    """Filters of `GET instances/` and `DELETE instances/` (all optional; `top` is the page size)."""

    created_from: datetime | None = None
    created_to: datetime | None = None
    statuses: tuple[RuntimeStatus, ...] = ()
    instance_id_prefix: str | None = None
    top: int = 100
    continuation_token: str | None = None


@dataclass(frozen=True)
class InstanceView:
    """One instance as the status API reports it; `history` only when it was asked for."""

    record: InstanceRecord
    history: list[HistoryEvent] | None = None


class Operations(Protocol):
    """The engine's client operations (durable-protocol.md §6.3 gives each one's semantics)."""

    async def start(self, name: str, instance_id: str | None, input_text: str | None) -> str:
        """Start orchestration `name`; returns the instance id (a new 32-hex id when none is given).

        Raises BadRequestError (unknown orchestrator, invalid id) or OperationFailedError (an instance
        with that id is still Running/Pending/Suspended/ContinuedAsNew).
        """
        ...

    async def get_instance(self, instance_id: str, *, with_history: bool) -> InstanceView | None:
        """The instance's record (and its current execution's history when asked), or None."""
        ...

    async def query_instances(self, query: InstanceQuery) -> tuple[list[InstanceRecord], str | None]:
        """One page of instances matching the query, and the continuation token of the next page."""
        ...

    async def raise_event(self, instance_id: str, event_name: str, input_text: str | None) -> None:
        """Deliver an external event (404 unknown, 410 finished)."""
        ...

    async def terminate(self, instance_id: str, reason: str | None) -> None:
        """Terminate a running instance (404 unknown, 410 finished)."""
        ...

    async def suspend(self, instance_id: str, reason: str | None) -> None: ...

    async def resume(self, instance_id: str, reason: str | None) -> None: ...

    async def rewind(self, instance_id: str, reason: str | None) -> None:
        """Retry a Failed instance from its failures (404 unknown, 410 Completed/Terminated/Canceled,
        OperationFailedError for other non-Failed statuses)."""
        ...

    async def restart(self, instance_id: str, *, new_instance_id: bool) -> str:
        """Start the instance's orchestration again with its original input; returns the new id.

        Raises BadRequestError when the instance does not exist (the host answers 400 here)."""
        ...

    async def purge_instance(self, instance_id: str) -> int:
        """Delete one instance's history and record; returns how many instances were deleted (0 or 1)."""
        ...

    async def purge_instances(self, query: InstanceQuery) -> int:
        """Delete every terminal instance matching the query; returns how many were deleted.

        A missing `created_to` means "now" on the engine's clock (which tests may have moved forward).
        """
        ...

    async def signal_entity(
        self, entity_name: str, entity_key: str, operation: str, input_text: str | None
    ) -> None:
        """Queue a one-way operation for an entity (BadRequestError when no such entity function exists)."""
        ...

    async def read_entity(self, entity_name: str, entity_key: str) -> str | None:
        """The entity's state JSON text, or None when the entity does not exist."""
        ...
