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

Storage outages: an episode that fails is retried with capped exponential back-off (`backoff.py`) on
the same events and at the same episode time, so it sends entities the same request ids. A checkpoint
that may or may not have been written is checked against the History table before it is written
again; once it is written, the Instances upsert and the creation of children are retried in place
until storage answers, so the work the checkpoint scheduled is never dropped. Client operations wait
for their episode; during an outage they give up after `CLIENT_WAIT_S` (see `submit`).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

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
from devhost.protocol.activities import activity_timed_out
from devhost.protocol.work import ActivityWork, SubOrchestrationWork, TimerWork
from devhost.runtime.backoff import Backoff
from devhost.runtime.cache import IdleInstances
from devhost.runtime.clock import Clock
from devhost.runtime.entities import EntityDispatcher
from devhost.runtime.inbox import (
    FailedEpisode,
    failed_again,
    log_failed_episode,
    settle,
    take_batch,
    withdraw,
)
from devhost.runtime.instances import Inbound, InstanceState, apply_result
from devhost.runtime.timers import TimerKey, TimerService
from devhost.storage import STORAGE_HEALTH, StorageUnavailableError
from devhost.tracking import TaskHub
from devhost.worker import FunctionFailed, FunctionRegistry, FunctionTimedOut, Invoker

logger = logging.getLogger(__name__)

CLIENT_WAIT_S = 4.0
"""How long a client operation waits for its episode before checking whether storage is down."""
WITHDRAW_POLL_S = 0.05


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
        self.cache = IdleInstances(self._instances)
        self._activity_slots = asyncio.Semaphore(max_concurrent_activities)
        self._tasks: set[asyncio.Task[None]] = set()
        self.timers = TimerService(clock, self._timer_fired)
        self.entities = EntityDispatcher(hub, registry, invoker, clock, self.deliver)
        self._busy = 0
        self.on_idle: Callable[[], None] | None = None
        self.backoff = Backoff()

    # Instances

    async def instance(self, instance_id: str) -> InstanceState:
        """The instance's state, loaded from storage on first use (record and current history)."""
        state = self._instances.get(instance_id)
        if state is None:
            state = self._instances.setdefault(instance_id, InstanceState(instance_id))
        if not state.loaded:
            async with state.lock:
                await self._load(state)
        self.cache.used(state)
        return state

    async def _load(self, state: InstanceState) -> None:
        if state.loaded:
            return
        record = await self.hub.instances.get_instance(state.instance_id)
        state.record = record
        state.etag, state.history = None, []
        if record is not None:  # no row, no instance: a leftover history (an interrupted purge) makes the
            # first checkpoint fail with 409, and the retry reloads its sentinel ETag then
            loaded = await self.hub.history.load_history(state.instance_id)
            state.etag = loaded.etag
            state.history = loaded.events if loaded.execution_id == record.execution_id else []
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
    ) -> asyncio.Future[None]:
        """Queue the `ExecutionStarted` of a Pending instance (new, or recovered before its first episode);
        the future resolves once an episode has recorded it (see `deliver`)."""
        started = events.execution_started(
            instance_id=record.instance_id,
            execution_id=record.execution_id,
            name=record.name,
            input=record.input,
            timestamp=format_timestamp(record.created_time),
            version=record.version,
            parent=None if parent is None else parent.as_parent(task_id),
            generation=record.generation if parent is None else None,  # as DTFx: client starts only
        )
        return self.deliver(record.instance_id, started, record.execution_id)

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

    async def submit(self, instance_id: str, event: HistoryEvent, execution_id: str | None) -> None:
        """Deliver a client operation's event and wait until an episode has recorded it in history.

        The wait is bounded only while storage is unavailable: after `CLIENT_WAIT_S` the event is
        withdrawn as soon as no episode attempt holds it (StorageUnavailableError: not recorded, retry
        later); one still held `CLIENT_WAIT_S` later, by a write that may have been applied, stays and
        is recorded once storage answers (the error says so).
        """
        done = self.deliver(instance_id, event, execution_id)
        loop = asyncio.get_running_loop()
        give_up_at: float | None = None
        while True:
            wait_s = CLIENT_WAIT_S if give_up_at is None else WITHDRAW_POLL_S
            try:
                await asyncio.wait_for(asyncio.shield(done), wait_s)
                return
            except TimeoutError:
                if STORAGE_HEALTH.available:
                    give_up_at = None
                    continue  # slow, not stuck
            state = self._instances.get(instance_id)
            if state is not None and withdraw(state, done):
                raise StorageUnavailableError(
                    f"storage is unavailable: the {_name(event)} for '{instance_id}' was not recorded; "
                    "retry later"
                )
            give_up_at = give_up_at or loop.time() + CLIENT_WAIT_S
            if loop.time() >= give_up_at:
                raise StorageUnavailableError(
                    f"storage is unavailable: the {_name(event)} for '{instance_id}' is being recorded "
                    "and takes effect once storage answers again"
                )

    async def _drain(self, state: InstanceState) -> None:
        """Run episodes until the inbox is empty, pausing with back-off after each failed attempt."""
        retry: FailedEpisode | None = None
        try:
            while state.inbox:
                retry = await self._attempt(state, retry)
                if retry is not None:
                    await self.backoff.pause(retry.attempt)
        finally:
            state.draining = False
        self.cache.used(state)

    async def _attempt(self, state: InstanceState, retry: FailedEpisode | None) -> FailedEpisode | None:
        """One episode; after a failure, its events again, alone and at the time they first ran at
        (so entities get the same request ids). Returns the failure to retry, if any.

        When storage went away, one read checks it answers again before the events are taken from the
        inbox: meanwhile they stay there, where a client that gives up can take its event back. Only
        other failures make the state reload: a storage failure leaves memory as last committed.
        """
        batch: list[Inbound] = []
        now = retry.now if retry is not None and retry.now is not None else self.clock.now()
        try:
            if retry is not None and retry.storage_down:
                await self.hub.instances.get_instance(state.instance_id)
            async with state.lock:
                await self._load(state)
                batch = take_batch(state, retry)
                await self._process(state, batch, now)
        except Exception as exc:
            storage_down = isinstance(exc, StorageUnavailableError)
            if not storage_down:
                state.loaded = False  # reload the checkpoint before trying again
            state.inbox[:0] = batch
            failure = failed_again(retry, batch, now, storage_down=storage_down)
            log_failed_episode(state.instance_id, exc, failure.attempt)
            return failure
        self.backoff.succeeded(0 if retry is None else retry.attempt + 1)
        settle(batch)
        return None

    async def _process(self, state: InstanceState, batch: list[Inbound], now: datetime) -> None:
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
        settle(batch)  # recorded in history: the client operations that sent these events are done
        apply_result(record, result, now)
        await self.backoff.until_stored(
            f"status of {state.instance_id}", lambda: self.hub.instances.upsert_instance(record)
        )
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
        await self._append(state, state.record.execution_id, len(state.history), result.new_events)
        state.history.extend(result.new_events)

    async def _append(
        self, state: InstanceState, execution_id: str, start: int, new_events: list[HistoryEvent]
    ) -> None:
        """Write an episode's History rows.

        A batch that certainly did nothing raises (the episode is retried from the inbox). One that
        may have been applied although no answer came back is retried here until storage answers:
        the History table is read first, and rows found there count as written.
        """
        attempt = 0
        unsure = False
        while True:
            try:
                if unsure:
                    stored = await self.hub.history.load_history(state.instance_id)
                    state.etag = stored.etag
                    written = start + len(new_events)
                    if stored.execution_id == execution_id and len(stored.events) == written:
                        break
                state.etag = await self.hub.history.append_episode(
                    state.instance_id, execution_id, start, new_events, state.etag
                )
                break
            except StorageUnavailableError as exc:
                if not (unsure or exc.maybe_applied):
                    raise
                logger.debug("checkpoint of %s may be written (%s); checking", state.instance_id, exc)
                unsure = True
                await self.backoff.pause(attempt)
                attempt += 1
        self.backoff.succeeded(attempt)

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
        await self._append(state, execution_id, 0, first.new_events)
        state.history = list(first.new_events)
        record.execution_id = execution_id
        record.input = result.output
        record.output = None
        record.completed_time = None
        record.custom_status = result.custom_status if result.ran_orchestrator else record.custom_status
        apply_result(record, first, now)
        await self.backoff.until_stored(
            f"status of {state.instance_id}", lambda: self.hub.instances.upsert_instance(record, replace=True)
        )
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
        await self.backoff.until_stored(
            f"status of {state.instance_id}", lambda: self.hub.instances.upsert_instance(record)
        )

    # Work

    def _start_work(self, state: InstanceState, execution: ExecutionInfo, result: EpisodeResult) -> None:
        for activity in result.activities:
            self._spawn(self._run_activity(state.instance_id, execution.execution_id, activity))
        for timer in result.timers:
            self.schedule_timer(state.instance_id, execution.execution_id, timer)
        for child in result.sub_orchestrations:
            self._spawn(self._start_child_until_stored(execution, child))
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
            self._spawn(self._start_child_until_stored(execution, child))
        if pending.entity_messages:
            messages = pending.entity_messages
            what = f"entity requests of {state.instance_id}"
            self._spawn(self.backoff.until_stored(what, lambda: self.entities.send(execution, messages)))

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
        if isinstance(outcome, FunctionTimedOut):
            event = activity_timed_out(
                task_scheduled_id=work.task_id,
                activity_name=work.name,
                message=outcome.message,
                timestamp=timestamp,
            )
        elif isinstance(outcome, FunctionFailed):
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

    async def _start_child_until_stored(self, parent: ExecutionInfo, child: SubOrchestrationWork) -> None:
        what = f"start of {child.instance_id}"
        await self.backoff.until_stored(what, lambda: self.start_child(parent, child))

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
