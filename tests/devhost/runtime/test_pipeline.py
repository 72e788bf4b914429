"""Episodes ahead of their checkpoints (`devhost.runtime.pipeline`): group commit, what clients see while
writes are in flight, and the roll-back after a write that a conflicting writer made fail.

The History writes go to the real Azurite; the tests only hold a write back (an `asyncio.Event` gate in
front of `append_episode`) to make the moments between writes observable.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from devhost.protocol import EventType, RuntimeStatus
from devhost.runtime.instances import InstanceState
from devhost.tracking.keys import SENTINEL_ROW_KEY, escape_partition_key
from tests.devhost.runtime.conftest import (
    Running,
    assert_stored_as_shown,
    hold_appends,
    hold_status_writes,
    sdk_input,
    until,
    until_uncommitted,
)

pytestmark = pytest.mark.azurite

CITIES = ["A", "B", "C", "D", "E", "F"]
"""Six chained activities: seven episodes."""


@pytest.fixture
def running(running: Running) -> Running:
    """The engine writing each group as soon as no write is in flight: no checkpoint is held (see
    test_checkpoint_hold.py), so the moments between writes are the tests' to choose."""
    running.engine.checkpoints.hold_s = 0
    return running


def completed_in_memory(state: InstanceState) -> bool:
    """The instance's last episode, run but not yet written, completed it."""
    return bool(state.uncommitted) and state.uncommitted[-1].record.runtime_status is RuntimeStatus.Completed


def well_formed(history: list[dict[str, Any]]) -> None:
    """Each task scheduled and completed exactly once; episodes framed Started ... Completed."""
    types = [EventType(e["EventType"]).name for e in history]
    assert types.count("OrchestratorStarted") == types.count("OrchestratorCompleted")
    scheduled = [e["EventId"] for e in history if e["EventType"] == EventType.TaskScheduled]
    completed = [e["TaskScheduledId"] for e in history if e["EventType"] == EventType.TaskCompleted]
    assert scheduled == sorted(set(scheduled)) == completed


async def test_episodes_that_finish_during_a_write_share_the_next_batch(running: Running) -> None:
    release = asyncio.Event()

    async def slow_first_write(number: int) -> None:
        if number == 0:
            await asyncio.wait_for(release.wait(), 10)

    written = hold_appends(running, slow_first_write)
    instance_id = await running.client.start("hello_sequence", None, sdk_input(CITIES))
    state = await running.engine.instance(instance_id)
    # the whole chain runs in memory while its first checkpoint is held
    await until(lambda: completed_in_memory(state), "the chain to run ahead of its first checkpoint")
    release.set()
    view = await running.wait(instance_id)

    assert json.loads(view.record.output or "") == [f"Hello {city}!" for city in CITIES]
    assert len(written) == 2  # the first episode, then the six others in one group
    assert sum(written) == len(view.history)
    well_formed(view.history)
    await assert_stored_as_shown(running, instance_id, view)


async def test_history_is_written_on_while_the_instances_row_waits_and_the_row_then_shows_the_latest(
    running: Running,
) -> None:
    """The first Instances upsert is held: the later episodes' History batches are written meanwhile
    (not after it), and once it lands one more upsert shows the end of everything written since."""
    release = asyncio.Event()

    async def hold_first_status(number: int) -> None:
        if number == 0:
            await asyncio.wait_for(release.wait(), 10)

    statuses = hold_status_writes(running, hold_first_status)
    appended = hold_appends(running, lambda number: asyncio.sleep(0))
    instance_id = await running.client.start("hello_sequence", None, sdk_input(CITIES))
    state = await running.engine.instance(instance_id)
    await until(
        lambda: any(event["EventType"] == EventType.ExecutionCompleted for event in state.history),
        "History to be written to the end while the first Instances upsert waits",
    )
    assert len(appended) >= 2
    assert statuses == []  # the held upsert has not landed

    release.set()
    view = await running.wait(instance_id)
    assert statuses == [RuntimeStatus.Running, RuntimeStatus.Completed]
    assert sum(appended) == len(view.history)
    well_formed(view.history)
    await assert_stored_as_shown(running, instance_id, view)


async def test_the_instances_row_trails_a_streaming_history_by_one_batch_at_most(running: Running) -> None:
    """Three History batches, each landing while the next group is already waiting: the row's write
    for the first is folded into the second's, but the second's is not deferred again."""
    instance_id = "streaming"
    statuses = hold_status_writes(running, lambda number: asyncio.sleep(0))
    activities_may_run = [asyncio.Event() for _ in CITIES]  # the chain's activities, in order
    calls: list[int] = []
    real_call = running.invoker.call_activity

    async def gated_call(spec: Any, payload: Any) -> Any:
        calls.append(len(calls))
        await asyncio.wait_for(activities_may_run[calls[-1]].wait(), 10)
        return await real_call(spec, payload)

    running.invoker.call_activity = gated_call  # type: ignore[method-assign]

    async def queue_up_before_each_write(number: int) -> None:
        if number == 0:  # the first episode is being written; two more run meanwhile
            activities_may_run[0].set()
            activities_may_run[1].set()
            await until_uncommitted(running, instance_id, 3)
        elif number == 1:  # the second and third are being written; the rest of the chain runs meanwhile
            for gate in activities_may_run[2:]:
                gate.set()
            await until_uncommitted(running, instance_id, 2 + 4)

    written = hold_appends(running, queue_up_before_each_write)
    await running.client.start("hello_sequence", instance_id, sdk_input(CITIES))
    view = await running.wait(instance_id)

    assert written == [4, 8, 16]  # four events an episode: the first; the next two; the last four
    assert statuses == [RuntimeStatus.Running, RuntimeStatus.Completed]
    await assert_stored_as_shown(running, instance_id, view)


async def test_clients_see_only_what_is_written(running: Running) -> None:
    release = asyncio.Event()

    async def hold_second_write(number: int) -> None:
        if number == 1:
            await asyncio.wait_for(release.wait(), 10)

    hold_appends(running, hold_second_write)
    instance_id = await running.client.start("hello_sequence", None, sdk_input(CITIES))
    state = await running.engine.instance(instance_id)
    await until(lambda: completed_in_memory(state), "the chain to run ahead of its second checkpoint")

    view = await running.client.get_instance(instance_id, with_history=True)
    stored = await running.hub.history.load_history(instance_id)
    row = await running.hub.instances.get_instance(instance_id)
    assert view is not None
    assert view.history is not None
    assert row is not None
    assert view.record.runtime_status is RuntimeStatus.Running  # Completed in memory, not yet written
    assert view.record.output is None
    assert view.history == stored.events
    assert row.runtime_status in {RuntimeStatus.Pending, RuntimeStatus.Running}  # it may trail by a batch
    assert row.output is None

    release.set()
    finished = await running.wait(instance_id)
    assert finished.record.runtime_status is RuntimeStatus.Completed


async def test_a_write_refused_by_a_conflicting_writer_rolls_back_and_runs_again(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """Another writer moves the sentinel's ETag: the group fails with 412, its episodes are undone
    (activity results they started are dropped), the instance is reloaded and finishes once."""
    instance_id = "conflicted"
    table = running.hub.history.table
    interfered = asyncio.Event()

    async def interfere_before_second_write(number: int) -> None:
        if number == 1 and not interfered.is_set():
            interfered.set()
            sentinel = {"PartitionKey": escape_partition_key(instance_id), "RowKey": SENTINEL_ROW_KEY}
            await table.upsert({**sentinel, "Intruder": "yes"})

    written = hold_appends(running, interfere_before_second_write)
    await running.client.start("hello_sequence", instance_id, sdk_input(CITIES))
    view = await running.wait(instance_id, timeout_s=20)

    assert interfered.is_set()
    rolled_back = [
        r
        for r in caplog.records
        if r.getMessage() == f"episode of {instance_id} failed; its events will be retried"
    ]
    assert rolled_back
    assert "StorageEtagMismatchError" in str(rolled_back[0].exc_info)
    assert json.loads(view.record.output or "") == [f"Hello {city}!" for city in CITIES]
    well_formed(view.history)
    stored = await running.hub.history.load_history(instance_id)
    assert stored.events == view.history
    assert sum(written) == len(view.history)


async def test_a_group_whose_row_waited_for_a_failed_write_still_gets_its_row_first(running: Running) -> None:
    """The first episode's batch lands while the event's episode waits to be written, so its row
    waits for that write; the write fails (a conflicting writer): the first episode's row is written
    anyway (slowly here), and the event's episode runs again only after it, then completes."""
    instance_id = "deferred-then-refused"
    table = running.hub.history.table

    async def slow_first_row(number: int) -> None:
        if number == 0:
            await asyncio.sleep(0.3)

    statuses = hold_status_writes(running, slow_first_row)
    interfered = asyncio.Event()
    rows_before_the_rerun: list[RuntimeStatus] = []

    async def event_queued_then_conflict(number: int) -> None:
        if number == 0:
            await until_uncommitted(running, instance_id, 2)  # the event's episode runs ahead
            return
        if number == 1 and not interfered.is_set():
            interfered.set()
            sentinel = {"PartitionKey": escape_partition_key(instance_id), "RowKey": SENTINEL_ROW_KEY}
            await table.upsert({**sentinel, "Intruder": "yes"})
        elif number == 1:
            rows_before_the_rerun.extend(statuses)

    written = hold_appends(running, event_queued_then_conflict)
    await running.client.start("approval", instance_id, None)
    raised = asyncio.ensure_future(running.client.raise_event(instance_id, "Decision", json.dumps("yes")))
    view = await running.wait(instance_id, timeout_s=20)
    await asyncio.wait_for(raised, 10)

    assert interfered.is_set()
    assert json.loads(view.record.output or "") == {"decision": "yes"}
    assert len(written) == 2  # the first episode; the event's episode again, after the refused write
    assert rows_before_the_rerun == [RuntimeStatus.Running]
    assert statuses == [RuntimeStatus.Running, RuntimeStatus.Completed]
    await assert_stored_as_shown(running, instance_id, view)
