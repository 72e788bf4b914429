"""What one control-queue message does to the engine, and when the message may be deleted.

- `ExecutionStarted`: a real client enqueues it first and then writes the instance's `Pending`
  Instances row. The devhost starts the instance from that row (as recovery would) once the row names
  the message's execution, so what the client wrote is what runs; until then the message is deferred
  (visible again after a short delay). A row of another execution created at or after the message's
  time means a later start replaced this one: the message is dropped. After `MAX_DEFERRALS`
  deliveries without a row the client is taken to have failed after enqueueing, and the instance is
  created from the message itself (the provider runs an `ExecutionStarted` whatever the row says).
- `EventRaised`, `ExecutionTerminated`, `ExecutionSuspended`, `ExecutionResumed`: delivered to the
  instance (its current execution, or the one the message names); the message is deleted once the
  episode that records the event has committed. For an instance that does not exist (yet) the message
  is deferred the same way, then dropped.
- Anything else is invalid (`InvalidMessageError`): it is logged with its reason and deleted, and its
  instance, when there is one (entities excepted), fails with that reason as its output. Only the
  Instances row records the failure, as for an orchestrator that is not registered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass

from devhost.errors import OperationFailedError
from devhost.messaging.envelope import MessageData, TaskMessage, instance_of_blob_name, parse_message
from devhost.messaging.errors import InvalidMessageError
from devhost.messaging.inbound import check_instance_id, inbound_event, sent_at, start_record
from devhost.protocol import FunctionKind, HistoryEvent, RuntimeStatus
from devhost.protocol.types import EventType
from devhost.runtime.engine import Engine
from devhost.runtime.instances import InstanceState
from devhost.storage import StorageNotFoundError

logger = logging.getLogger(__name__)

MAX_DEFERRALS = 5
"""Deliveries of a message whose instance row is missing before it is acted on or dropped."""
MAX_DEFERRAL_DELAY_S = 8


@dataclass(frozen=True)
class Disposition:
    """When to delete a message: now, once `committed` resolves, or never (visible again after a delay)."""

    committed: asyncio.Future[None] | None = None
    retry_after_s: int | None = None

    @classmethod
    def delete(cls) -> Disposition:
        return cls()

    @classmethod
    def after(cls, committed: asyncio.Future[None]) -> Disposition:
        return cls(committed=committed)

    @classmethod
    def defer(cls, delay_s: int) -> Disposition:
        return cls(retry_after_s=delay_s)


def deferral_delay_s(dequeue_count: int) -> int:
    """1, 2, 4, 8, 8... seconds: the row a client writes after its message is normally there at once."""
    return int(min(2 ** max(dequeue_count - 1, 0), MAX_DEFERRAL_DELAY_S))


class MessageDispatcher:
    """Turns control-queue messages into engine calls."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def dispatch(self, text: str, *, dequeue_count: int, queue_name: str) -> Disposition:
        """Apply one message; storage errors propagate (the message is then retried later)."""
        try:
            task = await self._open(text)
            check_instance_id(task.instance_id)
            if task.event_type is EventType.ExecutionStarted:
                return await self._start(task, dequeue_count)
            return await self._event(task, inbound_event(task), dequeue_count)
        except InvalidMessageError as exc:
            await self._reject(exc, queue_name)
            return Disposition.delete()

    async def _open(self, text: str) -> TaskMessage:
        message = parse_message(text)
        if message.compressed_blob_name is not None:
            message = await self._download(message.compressed_blob_name)
        if message.task_message is None:
            raise InvalidMessageError("the message has no TaskMessage", code="messaging.message.empty")
        return message.task_message

    async def _download(self, blob_name: str) -> MessageData:
        try:
            text = await self._engine.hub.payloads.download_text(blob_name)
        except StorageNotFoundError as exc:
            raise InvalidMessageError(
                f"large-message blob {blob_name!r} does not exist",
                code="messaging.message.blob_missing",
                instance_id=instance_of_blob_name(blob_name),
            ) from exc
        except (OSError, EOFError, UnicodeDecodeError) as exc:  # gzip and UTF-8 decoding
            raise InvalidMessageError(
                f"large-message blob {blob_name!r} is not gzip-compressed UTF-8 ({exc})",
                code="messaging.message.blob_content",
                instance_id=instance_of_blob_name(blob_name),
            ) from exc
        message = parse_message(text)
        if message.task_message is None:
            raise InvalidMessageError(
                f"large-message blob {blob_name!r} holds no TaskMessage",
                code="messaging.message.empty",
                instance_id=instance_of_blob_name(blob_name),
            )
        return message

    async def _start(self, task: TaskMessage, dequeue_count: int) -> Disposition:
        engine = self._engine
        execution_id, name = task.execution_id, task.event.get("Name")
        if not execution_id or not isinstance(name, str):
            raise InvalidMessageError(
                "ExecutionStarted needs an ExecutionId and a Name",
                code="messaging.message.start",
                instance_id=task.instance_id,
            )
        state = await self._current(task.instance_id)
        record = state.record
        if record is not None and record.execution_id == execution_id:
            if record.runtime_status is not RuntimeStatus.Pending or state.history:
                logger.debug("start of %s (%s) already applied", task.instance_id, execution_id)
                return Disposition.delete()
            self._require_orchestrator(record.name, task.instance_id)
            return Disposition.after(engine.start_first_episode(record, None))
        sent = sent_at(task)
        if record is not None and record.created_time >= sent:  # e.g. redelivered after continue-as-new
            logger.info(
                "dropping start of %s (%s): a later start replaced it",
                task.instance_id,
                execution_id,
            )
            return Disposition.delete()
        if dequeue_count < MAX_DEFERRALS:
            if record is None:
                engine.forget(task.instance_id)
            return Disposition.defer(deferral_delay_s(dequeue_count))
        if record is not None and not record.runtime_status.is_terminal:
            logger.warning(
                "dropping start of %s (%s): execution %s is still %s",
                task.instance_id,
                execution_id,
                record.execution_id,
                record.runtime_status.name,
            )
            return Disposition.delete()
        self._require_orchestrator(name, task.instance_id)
        logger.warning("%s: no Instances row from the client; starting it from its message", task.instance_id)
        try:
            await engine.create(start_record(task, name, execution_id, sent, engine.clock.now()))
        except OperationFailedError as exc:
            logger.warning("dropping start of %s: %s", task.instance_id, exc)
        return Disposition.delete()

    async def _event(self, task: TaskMessage, event: HistoryEvent, dequeue_count: int) -> Disposition:
        state = await self._current(task.instance_id)
        record = state.record
        if record is None:
            self._engine.forget(task.instance_id)
            if dequeue_count < MAX_DEFERRALS:
                return Disposition.defer(deferral_delay_s(dequeue_count))
            logger.warning("dropping %s for %s: no such instance", task.event_type.name, task.instance_id)
            return Disposition.delete()
        if record.runtime_status.is_terminal and task.execution_id in (None, record.execution_id):
            logger.info(
                "dropping %s for %s: instance is %s",
                task.event_type.name,
                task.instance_id,
                record.runtime_status.name,
            )
            return Disposition.delete()
        return Disposition.after(self._engine.deliver(task.instance_id, event, task.execution_id))

    def _require_orchestrator(self, name: str, instance_id: str) -> None:
        functions = self._engine.functions
        if self._engine.registry.orchestrator(name) is None:
            raise InvalidMessageError(
                functions.missing_function_message(FunctionKind.ORCHESTRATOR, name),
                code="messaging.message.unknown_orchestrator",
                instance_id=instance_id,
            )

    async def _current(self, instance_id: str) -> InstanceState:
        """The instance's state, re-read when the cache may predate a row another client wrote."""
        engine = self._engine
        state = await engine.instance(instance_id)
        idle = not state.busy
        if idle and (state.record is None or state.is_terminal):
            engine.forget(instance_id)
            state = await engine.instance(instance_id)
        return state

    async def _reject(self, error: InvalidMessageError, queue_name: str) -> None:
        logger.warning("%s: invalid message dropped (%s): %s", queue_name, error.code, error)
        instance_id = error.instance_id
        if instance_id is None:
            return
        try:
            check_instance_id(instance_id)
        except InvalidMessageError:
            return
        reason = (
            error.message
            if error.code == "messaging.message.unknown_orchestrator"
            else f"Invalid message on control queue {queue_name}: {error.message}"
        )
        await self._fail(instance_id, reason)

    async def _fail(self, instance_id: str, reason: str) -> None:
        engine = self._engine
        state = await self._current(instance_id)
        async with state.lock:
            await engine.settled(state)
            record = state.record
            if record is None or record.runtime_status.is_terminal:
                if record is None:
                    engine.forget(instance_id)
                return
            now = engine.clock.now()
            failed = dataclasses.replace(
                record,
                runtime_status=RuntimeStatus.Failed,
                output=reason,
                last_updated_time=now,
                completed_time=now,
            )
            await engine.hub.instances.upsert_instance(failed)
            state.record = failed
        logger.warning("%s failed: %s", instance_id, reason)
