"""Durable entities: operations run one batch at a time per entity, state kept in the Instances table.

An entity `@name@key` has one Instances row (Name `@name`, status Running) whose `Input` holds its
state as the extension's scheduler state does (`{"exists", "state"}`), plus the ids of the requests
it has recently processed with their replies. Requests are de-duplicated by id, so an orchestrator
episode that is replayed after a crash, and sends the same request again, changes nothing and gets
the same reply. A batch is committed (one upsert) before any reply is delivered; a batch whose upsert
fails (storage unavailable) is undone in memory, so the caller's retry runs it again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from devhost.errors import BadRequestError
from devhost.protocol import (
    EntityRequest,
    ExecutionInfo,
    FunctionKind,
    HistoryEvent,
    InstanceRecord,
    RegisteredFunctions,
    RuntimeStatus,
    apply_entity_batch,
    entity_batch_request,
    format_timestamp,
    scheduler_id,
    split_scheduler_id,
    to_compact_json,
)
from devhost.protocol import history as events
from devhost.protocol.work import EntityMessageWork
from devhost.runtime.clock import Clock
from devhost.tracking import TaskHub
from devhost.worker import FunctionFailed, FunctionRegistry, Invoker

logger = logging.getLogger(__name__)

REMEMBERED_REQUESTS = 1000
"""How many processed request ids an entity keeps for de-duplication."""

Deliver = Callable[[str, HistoryEvent, str | None], object]


@dataclass
class _Entity:
    record: InstanceRecord | None = None
    exists: bool = False
    state: str | None = None
    processed: dict[str, str | None] = field(default_factory=dict)
    """request id -> the reply's `EventRaised.Input` (None for signals)."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    loaded: bool = False


class EntityDispatcher:
    """Routes entity requests to their entities and replies back to the calling orchestrations."""

    def __init__(
        self, hub: TaskHub, registry: FunctionRegistry, invoker: Invoker, clock: Clock, deliver: Deliver
    ) -> None:
        self._hub = hub
        self._registry = registry
        self._invoker = invoker
        self._clock = clock
        self._deliver = deliver
        self._entities: dict[str, _Entity] = {}

    async def send(self, caller: ExecutionInfo | None, messages: Sequence[EntityMessageWork]) -> None:
        """Process requests durably, in order per entity (different entities in parallel)."""
        by_target: dict[str, list[EntityRequest]] = {}
        for message in messages:
            by_target.setdefault(message.target, []).append(message.request)
        await asyncio.gather(*(self._process(target, requests) for target, requests in by_target.items()))

    async def signal(self, name: str, key: str, operation: str, input_text: str | None) -> None:
        """A client's one-way operation (the management API's entity POST)."""
        if self._registry.entity(name) is None:
            raise BadRequestError(_functions_message(self._registry, name), code="devhost.unknown_entity")
        request = EntityRequest(operation, input_text, str(uuid.uuid4()), is_signal=True)
        await self._process(scheduler_id(name, key), [request])

    async def read(self, name: str, key: str) -> str | None:
        """The entity's state JSON text, or None when it does not exist."""
        entity = await self._load(scheduler_id(name, key))
        return entity.state if entity.exists else None

    async def _load(self, target: str) -> _Entity:
        entity = self._entities.setdefault(target, _Entity())
        if not entity.loaded:
            async with entity.lock:
                if not entity.loaded:
                    record = await self._hub.instances.get_instance(target)
                    if record is not None and record.input:
                        stored = json.loads(record.input)
                        entity.exists = bool(stored.get("exists"))
                        entity.state = stored.get("state")
                        entity.processed = dict(stored.get("processed") or {})
                    entity.record = record
                    entity.loaded = True
        return entity

    async def _process(self, target: str, requests: list[EntityRequest]) -> None:
        entity = await self._load(target)
        name, key = split_scheduler_id(target)
        async with entity.lock:
            fresh = [r for r in requests if r.request_id not in entity.processed]
            for request in requests:
                if request not in fresh:
                    self._reply_again(entity, request)
            if not fresh:
                return
            before = (entity.exists, entity.state, dict(entity.processed))
            try:
                replies = await self._run_batch(entity, name, key, fresh)
                await self._save(entity, target, name)
            except BaseException:  # not saved: forget the batch, the caller's retry runs it again
                entity.exists, entity.state, entity.processed = before
                raise
        for instance_id, execution_id, event in replies:
            self._deliver(instance_id, event, execution_id)

    async def _run_batch(
        self, entity: _Entity, name: str, key: str, requests: list[EntityRequest]
    ) -> list[tuple[str, str | None, HistoryEvent]]:
        timestamp = format_timestamp(self._clock.now())
        spec = self._registry.entity(name)
        batch = entity_batch_request(name, key, exists=entity.exists, state=entity.state, requests=requests)
        outcome = None if spec is None else await self._invoker.call_entity(spec, batch)
        if outcome is None or isinstance(outcome, FunctionFailed):
            reason = "entity function is not registered" if outcome is None else outcome.summary
            logger.error("entity %s@%s batch failed: %s", name, key, reason)
            result = to_compact_json(
                {"entityExists": entity.exists, "entityState": entity.state, "signals": [],
                 "results": [{"isError": True, "result": json.dumps(reason)} for _ in requests]}
            )  # fmt: skip
        else:
            result = outcome.output
        applied = apply_entity_batch(result, requests, timestamp=timestamp)
        entity.exists, entity.state = applied.exists, applied.state
        answered = {r.event["Name"]: r.event["Input"] for r in applied.responses}
        for request in requests:
            entity.processed[request.request_id] = answered.get(request.request_id)
        while len(entity.processed) > REMEMBERED_REQUESTS:
            entity.processed.pop(next(iter(entity.processed)))
        return [(r.instance_id, r.execution_id, r.event) for r in applied.responses]

    def _reply_again(self, entity: _Entity, request: EntityRequest) -> None:
        reply = entity.processed.get(request.request_id)
        if request.is_signal or reply is None or request.parent_instance_id is None:
            return
        event = events.event_raised(
            name=request.request_id, input=reply, timestamp=format_timestamp(self._clock.now())
        )
        self._deliver(request.parent_instance_id, event, request.parent_execution_id)

    async def _save(self, entity: _Entity, target: str, name: str) -> None:
        now = self._clock.now()
        stored: dict[str, Any] = {
            "exists": entity.exists,
            "state": entity.state,
            "processed": entity.processed,
        }
        record = entity.record or InstanceRecord(
            instance_id=target,
            name=f"@{name.lower()}",
            execution_id=uuid.uuid4().hex,
            runtime_status=RuntimeStatus.Running,
            created_time=now,
            last_updated_time=now,
        )
        record.input = to_compact_json(stored)
        record.last_updated_time = now
        await self._hub.instances.upsert_instance(record)
        entity.record = record


def _functions_message(registry: FunctionRegistry, name: str) -> str:
    known = RegisteredFunctions.of(entities=[spec.durable_name for spec in registry.entities.values()])
    return known.missing_function_message(FunctionKind.ENTITY, name)
