"""The engine's client operations (`devhost.runtime.operations.Operations`), as the real host's
`DurableClient` performs them: start, status, query, raise, terminate, suspend, resume, restart, purge,
entity signal and read. Operations that change an instance return once an episode has committed them.
"""

from __future__ import annotations

import dataclasses
import uuid

from devhost.errors import BadRequestError, InstanceGoneError, InstanceNotFoundError, OperationFailedError
from devhost.protocol import (
    ExecutionInfo,
    FunctionKind,
    InstanceRecord,
    RuntimeStatus,
    format_timestamp,
)
from devhost.protocol import history as events
from devhost.protocol.rewind import failed_children, rewound_history
from devhost.runtime.engine import Engine, new_execution_id
from devhost.runtime.instances import InstanceState
from devhost.runtime.operations import InstanceQuery, InstanceView
from devhost.runtime.recovery import outstanding_work, replay_now

MAX_INSTANCE_ID_LENGTH = 256
_FORBIDDEN_ID_CHARACTERS = set("/\\#?")


def validate_instance_id(instance_id: str) -> None:
    """The host's rules for caller-chosen instance ids (`DurableClient.ValidateInstanceId`)."""
    if not instance_id or instance_id.startswith("@"):
        raise BadRequestError(f"Orchestration instance ids must not start with @: '{instance_id}'.")
    if len(instance_id) > MAX_INSTANCE_ID_LENGTH:
        raise BadRequestError(f"Instance ID lengths must not exceed {MAX_INSTANCE_ID_LENGTH} characters.")
    if any(c in _FORBIDDEN_ID_CHARACTERS or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in instance_id):
        raise BadRequestError(f"Instance ID '{instance_id}' contains invalid characters.")


class Client:
    """Client operations on the engine's task hub."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def start(self, name: str, instance_id: str | None, input_text: str | None) -> str:
        engine = self._engine
        if engine.registry.orchestrator(name) is None:
            raise BadRequestError(engine.functions.missing_function_message(FunctionKind.ORCHESTRATOR, name))
        if instance_id is None:
            instance_id = uuid.uuid4().hex
        else:
            validate_instance_id(instance_id)
        now = engine.clock.now()
        await engine.create(
            InstanceRecord(
                instance_id=instance_id,
                name=name,
                execution_id=new_execution_id(),
                runtime_status=RuntimeStatus.Pending,
                created_time=now,
                last_updated_time=now,
                input=input_text,
            )
        )
        return instance_id

    async def get_instance(self, instance_id: str, *, with_history: bool) -> InstanceView | None:
        state = await self._engine.instance(instance_id)
        if state.record is None:
            return None
        history = list(state.history) if with_history else None
        return InstanceView(dataclasses.replace(state.record), history)

    async def query_instances(self, query: InstanceQuery) -> tuple[list[InstanceRecord], str | None]:
        records, token = await self._engine.hub.instances.query_instances(
            created_from=query.created_from,
            created_to=query.created_to,
            statuses=query.statuses or None,
            id_prefix=query.instance_id_prefix,
            page_size=query.top,
            continuation_token=query.continuation_token,
        )
        # Entities are instances named `@name@key`: listed only when the query asks for them by prefix.
        keep_entities = (query.instance_id_prefix or "").startswith("@")
        return [r for r in records if keep_entities or not r.instance_id.startswith("@")], token

    async def raise_event(self, instance_id: str, event_name: str, input_text: str | None) -> None:
        state = await self._running(instance_id)
        event = events.event_raised(name=event_name, input=input_text, timestamp=self._timestamp())
        await self._engine.submit(instance_id, event, state.execution_id)

    async def terminate(self, instance_id: str, reason: str | None) -> None:
        state = await self._running(instance_id)
        event = events.execution_terminated(reason=reason, timestamp=self._timestamp())
        await self._engine.submit(instance_id, event, state.execution_id)

    async def suspend(self, instance_id: str, reason: str | None) -> None:
        state = await self._running(instance_id)
        event = events.execution_suspended(reason=reason, timestamp=self._timestamp())
        await self._engine.submit(instance_id, event, state.execution_id)

    async def resume(self, instance_id: str, reason: str | None) -> None:
        state = await self._running(instance_id)
        event = events.execution_resumed(reason=reason, timestamp=self._timestamp())
        await self._engine.submit(instance_id, event, state.execution_id)

    async def rewind(self, instance_id: str, reason: str | None) -> None:
        state = await self._existing(instance_id)
        assert state.record is not None
        status = state.record.runtime_status
        if status in {RuntimeStatus.Completed, RuntimeStatus.Terminated, RuntimeStatus.Canceled}:
            raise InstanceGoneError(f"Instance '{instance_id}' is {status.name}: it cannot be rewound.")
        if status is not RuntimeStatus.Failed:
            raise OperationFailedError("Rewind is only supported on failed orchestration instances.")
        await self._rewind(state, reason)

    async def _rewind(self, state: InstanceState, reason: str | None) -> None:
        """Undo the failures in history (failed children first), then run on from there."""
        engine = self._engine
        for child_id in failed_children(state.history):
            child = await engine.instance(child_id)
            if child.record is not None and child.record.runtime_status is RuntimeStatus.Failed:
                await self._rewind(child, reason)
        async with state.lock:
            await engine.settled(state)
            record = state.record
            assert record is not None
            history = rewound_history(state.history)
            state.etag = await engine.hub.history.append_episode(
                state.instance_id, record.execution_id, 0, history, state.etag
            )
            state.history = history
            record.runtime_status = RuntimeStatus.Running
            record.output = record.completed_time = None
            record.last_updated_time = engine.clock.now()
            await engine.hub.instances.upsert_instance(record, replace=True)
        pending = outstanding_work(engine, state)
        engine.resume_work(state, ExecutionInfo.from_started(history[1]), pending)
        if pending.idle or pending.unreproduced:
            # The orchestrator itself failed (or no longer schedules its failed work): replay it; it
            # may fail again, as on the real host.
            replay_now(engine, state, f"Rewind: {reason or ''}")

    async def restart(self, instance_id: str, *, new_instance_id: bool) -> str:
        state = await self._engine.instance(instance_id)
        if state.record is None:
            raise BadRequestError("InstanceId does not match a valid orchestration instance.")
        record = state.record
        return await self.start(record.name, None if new_instance_id else instance_id, record.input)

    async def purge_instance(self, instance_id: str) -> int:
        state = await self._engine.instance(instance_id)
        if state.record is None or not state.record.runtime_status.is_terminal:
            return 0
        async with state.lock:
            await self._engine.settled(state)
            result = await self._engine.hub.purge_instance(instance_id)
        self._engine.forget(instance_id)
        return result.instances_deleted

    async def purge_instances(self, query: InstanceQuery) -> int:
        result = await self._engine.hub.purge_instances(
            created_from=query.created_from,
            created_to=query.created_to or self._engine.clock.now(),
            statuses=query.statuses or None,
        )
        self._engine.forget_terminal()
        return result.instances_deleted

    async def signal_entity(
        self, entity_name: str, entity_key: str, operation: str, input_text: str | None
    ) -> None:
        await self._engine.entities.signal(entity_name, entity_key, operation, input_text)

    async def read_entity(self, entity_name: str, entity_key: str) -> str | None:
        if self._engine.registry.entity(entity_name) is None:
            return None
        return await self._engine.entities.read(entity_name, entity_key)

    async def _existing(self, instance_id: str) -> InstanceState:
        state = await self._engine.instance(instance_id)
        if state.record is None:
            raise InstanceNotFoundError(f"No instance with ID '{instance_id}' was found.")
        return state

    async def _running(self, instance_id: str) -> InstanceState:
        state = await self._existing(instance_id)
        assert state.record is not None
        if state.record.runtime_status.is_terminal:
            status = state.record.runtime_status.name
            raise InstanceGoneError(
                f"Instance '{instance_id}' is {status}: it no longer accepts this operation."
            )
        return state

    def _timestamp(self) -> str:
        return format_timestamp(self._engine.clock.now())
