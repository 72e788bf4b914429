"""Start-up recovery: resume every instance that was in flight when the last devhost stopped or died.

For each Running, Pending or Suspended instance the current execution's history says what is still
outstanding (`devhost.protocol.pending_work`): activities run again (at least once), timers are re-armed,
children are started or asked for their outcome, entity requests are re-sent (entities skip the ones
they already processed). The inputs of activities and children are not in the History rows (as with
the provider): a replay of the orchestrator gives them back; when it no longer schedules a task as
recorded, an episode is run at once, which fails the execution as the host would. An instance whose
first episode never committed gets its `ExecutionStarted` again; one whose final checkpoint committed
but whose Instances row did not is brought up to date, and so is a row still Pending after the first
checkpoint committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from devhost.protocol import (
    EventType,
    ExecutionInfo,
    InstanceRecord,
    PendingWork,
    ProtocolError,
    RuntimeStatus,
    format_timestamp,
    pending_work,
)
from devhost.protocol import history as events
from devhost.runtime.engine import Engine, child_outcome
from devhost.runtime.instances import InstanceState

logger = logging.getLogger(__name__)

IN_FLIGHT = (RuntimeStatus.Running, RuntimeStatus.Pending, RuntimeStatus.Suspended)
PAGE_SIZE = 500


@dataclass
class RecoverySummary:
    instances: int = 0
    activities: int = 0
    timers: int = 0


async def recover(engine: Engine) -> RecoverySummary:
    """Resume all in-flight orchestration instances of the task hub."""
    summary = RecoverySummary()
    token: str | None = None
    while True:
        records, token = await engine.hub.instances.query_instances(
            statuses=IN_FLIGHT, page_size=PAGE_SIZE, continuation_token=token
        )
        for record in records:
            if record.instance_id.startswith("@"):  # entities resume when addressed
                continue
            try:
                await _recover_instance(engine, record, summary)
            except ProtocolError as exc:  # a broken history must not keep the others from resuming
                logger.error("cannot recover %s: %s (%s)", record.instance_id, exc, exc.code)
        if not token:
            break
    if summary.instances:
        logger.info(
            "recovered %d in-flight instances (%d activities re-run, %d timers re-armed)",
            summary.instances,
            summary.activities,
            summary.timers,
        )
    return summary


async def _recover_instance(engine: Engine, record: InstanceRecord, summary: RecoverySummary) -> None:
    state = await engine.instance(record.instance_id)
    summary.instances += 1
    if not state.history:  # the first episode never committed
        if record.parent_instance_id is None:  # a child is restarted by its parent's recovery
            engine.start_first_episode(record, None)
        return
    last = state.history[-2] if len(state.history) > 1 else state.history[-1]
    if last["EventType"] == EventType.ExecutionCompleted:
        await _finish_record(engine, state, last)
        return
    if record.runtime_status is RuntimeStatus.Pending:
        await _mark_running(engine, state)
    pending = outstanding_work(engine, state)
    summary.activities += len(pending.activities)
    summary.timers += len(pending.timers)
    engine.resume_work(state, ExecutionInfo.from_started(state.history[1]), pending)
    if pending.unreproduced:
        logger.warning(
            "%s %s: its orchestrator no longer schedules tasks %s as its history says; replaying it",
            record.name,
            record.instance_id,
            pending.unreproduced,
        )
        replay_now(engine, state, "Recovery: tasks not scheduled again by the orchestrator")


def outstanding_work(engine: Engine, state: InstanceState) -> PendingWork:
    """`pending_work` of the instance's current execution, inputs replayed by its orchestrator."""
    assert state.record is not None
    spec = engine.registry.orchestrator(state.record.name)
    return pending_work(state.history, None if spec is None else spec.handle, engine.functions)


def replay_now(engine: Engine, state: InstanceState, data: str) -> None:
    """Make the current execution run an episode now, on a `GenericEvent` the orchestrator ignores."""
    assert state.record is not None
    nudge = events.generic_event(data=data, timestamp=format_timestamp(engine.clock.now()))
    engine.deliver(state.instance_id, nudge, state.record.execution_id)


async def _mark_running(engine: Engine, state: InstanceState) -> None:
    """The first checkpoint committed but the Instances row missed it (it trails History by a batch at
    most, and a kill came between the two writes): the row says Running from now on, so clients see
    the history the instance has, not a Pending instance with none."""
    record = state.record
    assert record is not None
    record.runtime_status = RuntimeStatus.Running
    record.last_updated_time = engine.clock.now()
    await engine.hub.instances.upsert_instance(record)


async def _finish_record(engine: Engine, state: InstanceState, completed: dict[str, object]) -> None:
    """The last checkpoint ended the execution but the Instances row missed it: repair, tell the parent."""
    record = state.record
    assert record is not None
    record.runtime_status = RuntimeStatus(int(str(completed["OrchestrationStatus"])))
    record.output = completed["Result"] if isinstance(completed["Result"], str) else None
    record.last_updated_time = record.completed_time = engine.clock.now()
    await engine.hub.instances.upsert_instance(record)
    parent = ExecutionInfo.from_started(state.history[1]).parent
    if parent is not None:
        engine.deliver(
            parent.instance_id, child_outcome(record, parent.task_schedule_id), parent.execution_id
        )
