"""The orchestration engine: inbound events -> one episode at a time per instance -> checkpoint -> work.

Write order of an episode (the invariant crash recovery relies on):
1. entity requests the episode sends are processed durably by their entities (they de-duplicate by
   request id, so a replayed episode sending them again changes nothing);
2. the episode's history rows are appended in one entity-group batch (the checkpoint);
3. the Instances row is upserted (status, output, custom status);
4. only then is work started: activities, timers, child orchestrations, the parent's notification.
Inbound events live only in memory until the episode that consumes them commits; each of them can be
produced again from history after a crash (an activity re-runs, a timer re-arms, a child re-reports),
so nothing is lost, and activities run at least once.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from devhost.errors import InstanceNotFoundError, OperationFailedError
from devhost.protocol import (
    EpisodeResult,
    EventType,
    ExecutionInfo,
    FunctionKind,
    HistoryEvent,
    InstanceRecord,
    PendingWork,
    RegisteredFunctions,
    RuntimeStatus,
    activity_completed,
    activity_failed,
    format_timestamp,
    next_execution_started,
    run_episode,
)
from devhost.protocol import history as events
from devhost.protocol.work import ActivityWork, SubOrchestrationWork, TimerWork
from devhost.runtime.clock import Clock
from devhost.runtime.entities import EntityDispatcher
from devhost.runtime.instances import Inbound, InstanceState, apply_result
from devhost.runtime.timers import TimerKey, TimerService
from devhost.tracking import TaskHub
from devhost.worker import FunctionFailed, FunctionRegistry, Invoker

logger = logging.getLogger(__name__)


def new_execution_id() -> str:
    return uuid.uuid4().hex


class Engine:
    """Runs every orchestration instance of one task hub inside this process."""

    def __init__(
        self,
        hub: TaskHub,
        registry: FunctionRegistry,
        invoker: Invoker,
        clock: Clock,
        *,
        max_concurrent_activities: int,
    ) -> None:
        self.hub = hub
        self.registry = registry
        self.clock = clock
        self.functions = RegisteredFunctions.of(
            orchestrators=[spec.durable_name for spec in registry.orchestrators.values()],
            activities=[spec.durable_name for spec in registry.activities.values()],
            entities=[spec.durable_name for spec in registry.entities.values()],
        )
        self._invoker = invoker
        self._instances: dict[str, InstanceState] = {}
        self._activity_slots = asyncio.Semaphore(max_concurrent_activities)
        self._tasks: set[asyncio.Task[None]] = set()
        self.timers = TimerService(clock, self._timer_fired)
        self.entities = EntityDispatcher(hub, registry, invoker, clock, self.deliver)
        self._busy = 0
        self.on_idle: Callable[[], None] | None = None

    # Instances

    async def instance(self, instance_id: str) -> InstanceState:
        """The instance's state, loaded from storage on first use (record and current history)."""
        state = self._instances.get(instance_id)
        if state is None:
            state = self._instances.setdefault(instance_id, InstanceState(instance_id))
        if not state.loaded:
            async with state.lock:
                await self._load(state)
        return state

    async def _load(self, state: InstanceState) -> None:
        if state.loaded:
            return
        record = await self.hub.instances.get_instance(state.instance_id)
        loaded = await self.hub.history.load_history(state.instance_id)
        state.record = record
        state.etag = loaded.etag
        state.history = loaded.events if record and loaded.execution_id == record.execution_id else []
        state.loaded = True

    def forget(self, instance_id: str) -> None:
        """Drop the cached state (after a purge)."""
        self._instances.pop(instance_id, None)

    def forget_terminal(self) -> None:
        """Drop every cached finished instance (after a purge by filter)."""
        for instance_id in [i for i, s in self._instances.items() if s.is_terminal and not s.inbox]:
            del self._instances[instance_id]

    async def create(
        self, record: InstanceRecord, *, parent: ExecutionInfo | None = None, task_id: int = 0
    ) -> None:
        """Write a new execution's Pending row and queue its `ExecutionStarted` (the client's start).

        Raises OperationFailedError when an instance with this id is still running (the host's rule for
        client starts). A finished instance of the same id is replaced: its history is overwritten by the
        first checkpoint (after a reload, if its sentinel ETag was not known yet).
        """
        state = await self.instance(record.instance_id)
        async with state.lock:
            if state.record is not None and not state.record.runtime_status.is_terminal:
                status = state.record.runtime_status.name
                message = f"An Orchestration instance with the status {status} already exists."
                raise OperationFailedError(message)
            await self.hub.instances.upsert_instance(record, replace=True)
            state.record = record
            state.history = []
            state.loaded = True
        self.start_first_episode(record, parent, task_id)

    def start_first_episode(
        self, record: InstanceRecord, parent: ExecutionInfo | None, task_id: int = 0
    ) -> None:
        """Queue the `ExecutionStarted` of a Pending instance (new, or recovered before its first episode)."""
        started = events.execution_started(
            instance_id=record.instance_id,
            execution_id=record.execution_id,
            name=record.name,
            input=record.input,
            timestamp=format_timestamp(record.created_time),
            version=record.version,
            parent=None if parent is None else _parent_of(parent, task_id),
            generation=record.generation if parent is None else None,  # as DTFx: client starts only
        )
        self.deliver(record.instance_id, started, record.execution_id)

    # Inbound events

    def deliver(
        self, instance_id: str, event: HistoryEvent, execution_id: str | None = None
    ) -> asyncio.Future[None]:
        """Queue an event for the instance; the future resolves when an episode has committed it."""
        state = self._instances.setdefault(instance_id, InstanceState(instance_id))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        state.inbox.append(Inbound(event, execution_id, done))
        if not state.draining:
            state.draining = True
            self._spawn(self._drain(state))
        return done

    async def _drain(self, state: InstanceState) -> None:
        try:
            while state.inbox:
                async with state.lock:
                    await self._load(state)
                    batch, state.inbox = state.inbox, []
                    try:
                        await self._process(state, batch)
                    except Exception as exc:
                        logger.exception(
                            "episode of %s failed; its events will be retried", state.instance_id
                        )
                        state.loaded = False  # reload the checkpoint before trying again
                        state.inbox[:0] = batch
                        await asyncio.sleep(0.5)
                        if not state.inbox:
                            raise RuntimeError("lost inbound events") from exc
                        continue
                    for item in batch:
                        if item.done is not None and not item.done.done():
                            item.done.set_result(None)
        finally:
            state.draining = False

    async def _process(self, state: InstanceState, batch: list[Inbound]) -> None:
        record = state.record
        if record is None or record.runtime_status.is_terminal:
            for item in batch:
                logger.info("dropping %s for %s: instance not running", _name(item.event), state.instance_id)
            return
        current = [i.event for i in batch if i.execution_id in (None, record.execution_id)]
        if not current:
            return
        spec = self.registry.orchestrator(record.name)
        if spec is None:
            await self._fail_unknown(state, record)
            return
        started = time.perf_counter()
        now = self.clock.now()
        result = run_episode(
            spec.handle, history=state.history, new_events=current, now=now, functions=self.functions
        )
        if not result.new_events:
            return
        execution = ExecutionInfo.from_started(state.history[1] if state.history else result.new_events[1])
        await self.entities.send(execution, result.entity_messages)
        if result.status is RuntimeStatus.ContinuedAsNew:
            await self._continue_as_new(state, execution, result)
            return
        await self._checkpoint(state, result)
        apply_result(record, result, now)
        await self.hub.instances.upsert_instance(record)
        logger.info(
            "%s %s: %s -> %s (%.1f ms)",
            record.name,
            state.instance_id,
            ", ".join(_name(e) for e in current),
            record.runtime_status.name,
            (time.perf_counter() - started) * 1000,
        )
        self._start_work(state, execution, result)

    async def _checkpoint(self, state: InstanceState, result: EpisodeResult) -> None:
        assert state.record is not None
        state.etag = await self.hub.history.append_episode(
            state.instance_id, state.record.execution_id, len(state.history), result.new_events, state.etag
        )
        state.history.extend(result.new_events)

    async def _continue_as_new(
        self, state: InstanceState, previous: ExecutionInfo, result: EpisodeResult
    ) -> None:
        """End the execution and run the next one's first episode; only the new execution is written."""
        assert state.record is not None
        record = state.record
        spec = self.registry.orchestrator(record.name)
        assert spec is not None
        execution_id = new_execution_id()
        now = self.clock.now()
        started = next_execution_started(
            previous, result, execution_id=execution_id, timestamp=format_timestamp(now)
        )
        first = run_episode(spec.handle, history=[], new_events=[started], now=now, functions=self.functions)
        execution = ExecutionInfo.from_started(started)
        await self.entities.send(execution, first.entity_messages)
        state.etag = await self.hub.history.append_episode(
            state.instance_id, execution_id, 0, first.new_events, state.etag
        )
        state.history = list(first.new_events)
        record.execution_id = execution_id
        record.input = result.output
        record.output = None
        record.completed_time = None
        record.custom_status = result.custom_status if result.ran_orchestrator else record.custom_status
        apply_result(record, first, now)
        await self.hub.instances.upsert_instance(record, replace=True)
        logger.info("%s %s: continued as new (%s)", record.name, state.instance_id, execution_id)
        if first.status is RuntimeStatus.ContinuedAsNew:
            await self._continue_as_new(state, execution, first)
            return
        self._start_work(state, execution, first)

    async def _fail_unknown(self, state: InstanceState, record: InstanceRecord) -> None:
        """An instance whose orchestrator is not (or no longer) registered fails, as on the real host."""
        record.runtime_status = RuntimeStatus.Failed
        record.output = self.functions.missing_function_message(FunctionKind.ORCHESTRATOR, record.name)
        record.last_updated_time = record.completed_time = self.clock.now()
        await self.hub.instances.upsert_instance(record)

    # Work

    def _start_work(self, state: InstanceState, execution: ExecutionInfo, result: EpisodeResult) -> None:
        for activity in result.activities:
            self._spawn(self._run_activity(state.instance_id, execution.execution_id, activity))
        for timer in result.timers:
            self.schedule_timer(state.instance_id, execution.execution_id, timer)
        for child in result.sub_orchestrations:
            self._spawn(self.start_child(execution, child))
        if result.parent_notification is not None:
            note = result.parent_notification
            self.deliver(note.instance_id, note.event, note.execution_id)

    def resume_work(self, state: InstanceState, execution: ExecutionInfo, pending: PendingWork) -> None:
        """Restart work found pending in history after a restart (see recovery.py)."""
        for activity in pending.activities:
            self._spawn(self._run_activity(state.instance_id, execution.execution_id, activity))
        for timer in pending.timers:
            self.schedule_timer(state.instance_id, execution.execution_id, timer)
        for child in pending.sub_orchestrations:
            self._spawn(self.start_child(execution, child))
        if pending.entity_messages:
            self._spawn(self.entities.send(execution, pending.entity_messages))

    def schedule_timer(self, instance_id: str, execution_id: str, timer: TimerWork) -> None:
        self.timers.schedule(
            (instance_id, execution_id, timer.timer_id), timer.fire_at, format_timestamp(timer.fire_at)
        )

    def _timer_fired(self, key: TimerKey, fire_at_text: str) -> None:
        instance_id, execution_id, timer_id = key
        event = events.timer_fired(
            timer_id=timer_id, fire_at=fire_at_text, timestamp=format_timestamp(self.clock.now())
        )
        self.deliver(instance_id, event, execution_id)

    async def _run_activity(self, instance_id: str, execution_id: str, work: ActivityWork) -> None:
        spec = self.registry.activity(work.name)
        if spec is None:  # run_episode refuses unknown activities; a renamed one after a restart lands here
            outcome: object = FunctionFailed("KeyError", f"activity '{work.name}' is not registered", "")
        else:
            async with self._activity_slots:
                outcome = await self._invoker.call_activity(spec, work.input)
        timestamp = format_timestamp(self.clock.now())
        if isinstance(outcome, FunctionFailed):
            event = activity_failed(
                task_scheduled_id=work.task_id,
                activity_name=work.name,
                error_type=outcome.type_name,
                message=outcome.message,
                stack=outcome.traceback,
                timestamp=timestamp,
            )
        else:
            event = activity_completed(
                task_scheduled_id=work.task_id,
                worker_json=getattr(outcome, "output", None),
                timestamp=timestamp,
            )
        self.deliver(instance_id, event, execution_id)

    async def start_child(self, parent: ExecutionInfo, child: SubOrchestrationWork) -> None:
        """Start a sub-orchestration once; a child that already exists reports back if it has finished."""
        state = await self.instance(child.instance_id)
        record = state.record
        if record is not None and _has_parent(state, parent.instance_id):
            if record.runtime_status.is_terminal:
                self.deliver(parent.instance_id, child_outcome(record, child.task_id), parent.execution_id)
            elif not state.history:  # created, but its first episode never committed (a crash)
                self.start_first_episode(record, parent, child.task_id)
            return
        now = self.clock.now()
        await self.create(
            InstanceRecord(
                instance_id=child.instance_id,
                name=child.name,
                execution_id=new_execution_id(),
                runtime_status=RuntimeStatus.Pending,
                created_time=now,
                last_updated_time=now,
                input=child.input,
                version=child.version,
                parent_instance_id=parent.instance_id,
            ),
            parent=parent,
            task_id=child.task_id,
        )

    # Bookkeeping

    def _spawn(self, work: Awaitable[None]) -> None:
        self._busy += 1
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._busy -= 1
        if not task.cancelled() and task.exception() is not None:
            logger.error("background work failed", exc_info=task.exception())
        if self._busy == 0 and self.on_idle is not None:
            self.on_idle()

    @property
    def idle(self) -> bool:
        """Nothing runs or waits but timers."""
        return self._busy == 0

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def require(self, instance_id: str, state: InstanceState) -> InstanceRecord:
        if state.record is None:
            raise InstanceNotFoundError(f"No instance with ID '{instance_id}' was found.")
        return state.record


def _name(event: HistoryEvent) -> str:
    return EventType(event["EventType"]).name


def _parent_of(parent: ExecutionInfo, task_id: int) -> events.ParentInstance:
    return events.ParentInstance(
        name=parent.name,
        instance_id=parent.instance_id,
        execution_id=parent.execution_id,
        task_schedule_id=task_id,
        version=parent.version,
    )


def _has_parent(state: InstanceState, parent_instance_id: str) -> bool:
    return state.record is not None and state.record.parent_instance_id == parent_instance_id


def child_outcome(record: InstanceRecord, task_id: int) -> HistoryEvent:
    timestamp = format_timestamp(record.last_updated_time)
    if record.runtime_status is RuntimeStatus.Completed:
        return events.sub_orchestration_completed(
            task_scheduled_id=task_id, result=record.output, timestamp=timestamp
        )
    return events.sub_orchestration_failed(
        task_scheduled_id=task_id, reason=record.output, details=None, timestamp=timestamp
    )
