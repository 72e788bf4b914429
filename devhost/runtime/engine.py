"""The orchestration engine: inbound events -> one episode at a time per instance -> checkpoint -> work.

Write order of an episode (the invariant crash recovery relies on):
1. entity requests the episode sends are processed durably by their entities (they de-duplicate by
   request id, so a replayed episode sending them again changes nothing);
2. the episode's history rows are appended in one entity-group batch (the checkpoint), together with
   those of the episodes that ran after it while the previous checkpoint was being written
   (`pipeline.py`: group commit; `checkpoints.py` writes them);
3. the Instances row is upserted (status, output, custom status);
4. only then is work that others can see started: timers, child orchestrations, the parent's
   notification, and the client operations that sent the events are answered. Activities alone start
   as soon as their episode has run: a crash before its checkpoint loses nothing but their results,
   and the replay after it schedules them again (activities run at least once in any case).
Inbound events live only in memory until the episode that consumes them commits; each of them can be
produced again from history after a crash (an activity re-runs, a timer re-arms, a child re-reports),
so nothing is lost.

Storage outages: an episode that fails is retried with capped exponential back-off (`backoff.py`) on
the same events and at the same episode time, so it sends entities the same request ids. A checkpoint
that certainly was not written is rolled back (`checkpoints.py`: its events return to the inbox); one that
may have been written is checked against the History table before it is written again; once it is
written, the Instances upsert and the creation of children are retried in place until storage answers,
so the work the checkpoint scheduled is never dropped. While storage is unavailable no further episode
runs, so events that arrive meanwhile stay in the inbox. Client operations wait
for their episode; during an outage they give up after `CLIENT_WAIT_S` (see `submit`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
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
from devhost.runtime.checkpoints import CheckpointWriter
from devhost.runtime.clock import Clock
from devhost.runtime.entities import EntityDispatcher
from devhost.runtime.inbox import (
    FailedEpisode,
    abandon,
    failed_again,
    log_failed_episode,
    settle,
    take_batch,
    withdraw,
)
from devhost.runtime.instances import Inbound, InstanceState, apply_result
from devhost.runtime.pacing import FanInPacer, awaits_more_results
from devhost.runtime.pipeline import Speculation, Uncommitted
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


class _NeedsCommittedStateError(Exception):
    """The episode must run on committed state (continue-as-new, an unknown orchestrator): wait for the
    writes in flight, then run it again at the same time."""


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
        self.checkpoints = CheckpointWriter(
            hub,
            self.backoff,
            self._start_committed_work,
            self._track,
            saturated=lambda: self.activity_slots_full,
        )
        self.pacer = FanInPacer(lambda: self.activity_slots_full)

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
        """Read the instance from storage unless it is in memory (the caller holds its lock)."""
        if state.loaded:
            return
        await self.settled(state)
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
        first checkpoint (after a reload, if its sentinel ETag was not known yet). An id with no known
        instance costs one request: the row is inserted, and only an existing row (maybe written by
        another client since this host looked) makes it read the instance.
        """
        state = self._instances.setdefault(record.instance_id, InstanceState(record.instance_id))
        async with state.lock:
            inserted = False
            if not state.loaded or state.record is None:  # none known: insert, which fails if one exists
                inserted = await self.hub.instances.insert_instance(record)
                if not inserted:
                    state.loaded = False  # another client's row: read it
            if not inserted:
                await self.settled(state)  # a write rolled back after a conflict marks it for reload
                await self._load(state)
                if state.record is not None and not state.record.runtime_status.is_terminal:
                    status = state.record.runtime_status.name
                    message = f"An Orchestration instance with the status {status} already exists."
                    raise OperationFailedError(message)
                await self.hub.instances.upsert_instance(record, replace=True)
            state.record = record
            state.history = []
            state.loaded = True
        self.cache.used(state)
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
        state.wake.set()
        if not state.draining:
            state.draining = True
            self._spawn(self._drain(state))
        return done

    async def submit(self, instance_id: str, event: HistoryEvent, execution_id: str | None) -> None:
        """Deliver a client operation's event and wait until an episode has recorded it in history.

        The wait is bounded only while storage is unavailable: after `CLIENT_WAIT_S` the event is
        withdrawn as soon as no episode attempt holds it (StorageUnavailableError: not recorded, retry
        later); one still held `CLIENT_WAIT_S` later, by a write that may have been applied, is
        abandoned: it takes effect only if that write landed (the error says so).
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
                if state is not None:
                    abandon(state, done)
                raise StorageUnavailableError(
                    f"storage is unavailable: the {_name(event)} for '{instance_id}' may have been recorded "
                    "just before; it takes effect only if it was"
                )

    async def _drain(self, state: InstanceState) -> None:
        """Run episodes while events arrive and their writes are in flight; pause after failed attempts."""
        try:
            while state.inbox or state.retries or state.committer or state.commit_failure:
                state.wake.clear()
                failure = await self._step(state)
                if failure is _WAIT:
                    await state.wake.wait()
                elif isinstance(failure, FailedEpisode) and failure.pause:
                    await self.backoff.pause(failure.attempt)
        finally:
            state.draining = False
        self.cache.used(state)

    async def _step(self, state: InstanceState) -> FailedEpisode | _Wait | None:
        """Roll back a failed write, or run the next episode: the oldest retry, else the whole inbox.
        Returns `_WAIT` when the next episode has to wait for a write (or an event), else the failure."""
        async with state.lock:
            if state.committer is None and state.commit_failure is not None:
                self.checkpoints.roll_back(state)
            if self._must_wait(state):
                return _WAIT
            retry = state.retries.popleft() if state.retries else None
            failure = await self._attempt(state, retry)
            if failure is not None:
                state.retries.appendleft(failure)
            return failure

    def _must_wait(self, state: InstanceState) -> bool:
        """Whether the next episode waits: for more of a saturated fan-in's results (`pacing.py`), or
        for the write in flight (retries, a storage outage and episodes that cannot be built upon,
        `Uncommitted.can_be_built_upon`, need committed state)."""
        if self.pacer.must_wait(state):
            return True
        if state.committer is None:
            return False
        if state.retries or not STORAGE_HEALTH.available or not state.inbox:
            return True
        return not all(episode.can_be_built_upon for episode in state.uncommitted)

    async def _attempt(self, state: InstanceState, retry: FailedEpisode | None) -> FailedEpisode | None:
        """One episode (the caller holds the lock); after a failure, its events again, alone and at the
        time they first ran at (so entities get the same request ids). Returns the failure to retry.

        When storage went away, one read checks it answers again before the events are taken from the
        inbox: meanwhile they stay there, where a client that gives up can take its event back. Only
        other failures make the state reload: a storage failure leaves memory as last committed.
        """
        batch: list[Inbound] = []
        now = retry.now if retry is not None and retry.now is not None else self.clock.now()
        try:
            if retry is not None and retry.storage_down:
                await self.hub.instances.get_instance(state.instance_id)
            elif not STORAGE_HEALTH.available:  # its checkpoint could not be written: keep the events
                raise StorageUnavailableError("storage is unavailable")
            await self._load(state)
            batch = take_batch(state, retry)
            handed_over = await self._process(state, batch, now)
        except _NeedsCommittedStateError:
            state.inbox[:0] = batch
            attempt = 0 if retry is None else retry.attempt
            return FailedEpisode(batch, now, attempt, storage_down=False, pause=False)
        except Exception as exc:
            storage_down = isinstance(exc, StorageUnavailableError)
            if not storage_down:
                state.loaded = False  # reload the checkpoint before trying again
            state.inbox[:0] = batch
            failure = failed_again(retry, batch, now, storage_down=storage_down)
            log_failed_episode(state.instance_id, exc, failure.attempt)
            return failure
        self.backoff.succeeded(0 if retry is None else retry.attempt + 1)
        if not handed_over:
            settle(batch)
        return None

    async def _process(self, state: InstanceState, batch: list[Inbound], now: datetime) -> bool:
        """Run an episode on the working state; True when it went to the write pipeline (which answers
        its events once written), False when it changed nothing or was written here already."""
        record = state.working_record
        if record is None or record.runtime_status.is_terminal:
            for item in batch:
                logger.info("dropping %s for %s: instance not running", _name(item.event), state.instance_id)
            return False
        current = [i.event for i in batch if i.execution_id in (None, record.execution_id)]
        if not current:
            return False
        spec = self.registry.orchestrator(record.name)
        if spec is None:
            self._require_committed(state)
            await self._fail_unknown(state, record)
            return False
        history = state.working_history
        result = run_episode(
            spec.handle, history=history, new_events=current, now=now, functions=self.functions
        )
        if not result.new_events:
            return False
        execution = ExecutionInfo.from_started(history[1] if history else result.new_events[1])
        if result.status is RuntimeStatus.ContinuedAsNew:
            self._require_committed(state)
            await self.entities.send(execution, result.entity_messages)
            await self._continue_as_new(state, execution, result)
            return False
        await self.entities.send(execution, result.entity_messages)
        record = dataclasses.replace(record)
        apply_result(record, result, now)
        episode = Uncommitted(execution, result, batch, now, record)
        state.awaits_more_results = awaits_more_results(result, batch)
        state.uncommitted.append(episode)
        state.episode_queued.set()
        self._start_activities(state.instance_id, execution, result, episode.speculation)
        if state.committer is None:
            state.committer = asyncio.ensure_future(self.checkpoints.write_all(state))
            self._track(state.committer)
        return True

    @staticmethod
    def _require_committed(state: InstanceState) -> None:
        if state.uncommitted or state.committer is not None:
            raise _NeedsCommittedStateError

    async def settled(self, state: InstanceState) -> None:
        """Wait until every episode run for the instance is written, its Instances row included (the
        caller holds its lock); a group that could not be written is rolled back (see checkpoints.py)."""
        await self.checkpoints.settled(state)

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
        await self.checkpoints.append(state, execution_id, 0, first.new_events)
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
        self._start_activities(state.instance_id, execution, first, None)
        self._start_work(state.instance_id, execution, first)

    async def _fail_unknown(self, state: InstanceState, record: InstanceRecord) -> None:
        """An instance whose orchestrator is not (or no longer) registered fails, as on the real host."""
        record.runtime_status = RuntimeStatus.Failed
        record.output = self.functions.missing_function_message(FunctionKind.ORCHESTRATOR, record.name)
        record.last_updated_time = record.completed_time = self.clock.now()
        await self.backoff.until_stored(
            f"status of {state.instance_id}", lambda: self.hub.instances.upsert_instance(record)
        )

    # Work

    def _start_activities(
        self,
        instance_id: str,
        execution: ExecutionInfo,
        result: EpisodeResult,
        speculation: Speculation | None,
    ) -> None:
        for activity in result.activities:
            self._spawn(self._run_activity(instance_id, execution.execution_id, activity, speculation))

    def _start_committed_work(self, instance_id: str, episode: Uncommitted) -> None:
        """What a written episode starts besides its activities, and its log line."""
        record = episode.record
        logger.info(
            "%s %s: %s -> %s",
            record.name,
            instance_id,
            ", ".join(_name(item.event) for item in episode.batch),
            record.runtime_status.name,
        )
        self._start_work(instance_id, episode.execution, episode.result)

    def _start_work(self, instance_id: str, execution: ExecutionInfo, result: EpisodeResult) -> None:
        for timer in result.timers:
            self.schedule_timer(instance_id, execution.execution_id, timer)
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

    async def _run_activity(
        self,
        instance_id: str,
        execution_id: str,
        work: ActivityWork,
        speculation: Speculation | None = None,
    ) -> None:
        spec = self.registry.activity(work.name)
        if spec is None:  # run_episode refuses unknown activities; a renamed one after a restart lands here
            outcome: object = FunctionFailed("KeyError", f"activity '{work.name}' is not registered", "")
        else:
            async with self._activity_slots:
                outcome = await self._invoker.call_activity(spec, work.input)
        if speculation is not None and speculation.discarded:
            logger.debug("%s of %s: result dropped, its episode was rolled back", work.name, instance_id)
            return
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
        self._track(asyncio.ensure_future(work))

    def _track(self, task: asyncio.Task[None]) -> None:
        self._busy += 1
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
    def activity_slots_full(self) -> bool:
        """Every activity slot is taken: activities wait for one (`max_concurrent_activities`)."""
        return self._activity_slots.locked()

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


class _Wait(enum.Enum):
    """`Engine._step`'s answer when the next episode waits for a write in flight or for an event."""

    WAIT = "wait"


_WAIT = _Wait.WAIT


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
