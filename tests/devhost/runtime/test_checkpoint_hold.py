"""Checkpoints held while only their own activities wait for them (`devhost.runtime.pipeline`): a chain of
quick activities is written once, a slow activity's scheduling is written when the hold ends, whatever
someone waits for is written at once, and a host stopped during a hold loses only activity runs.

The writes go to the real Azurite; the tests count them and gate activities to choose their timing.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest

from devhost.protocol import EventType, RuntimeStatus
from devhost.runtime.clock import Clock
from devhost.runtime.recovery import recover
from devhost.worker import LoadedApp
from tests.devhost.runtime.conftest import (
    Running,
    assert_stored_as_shown,
    gate_activities,
    hold_appends,
    hold_status_writes,
    sdk_input,
    start_engine,
    until,
    until_uncommitted,
)

pytestmark = pytest.mark.azurite

LONG_HOLD_S = 30.0
"""Longer than any test waits: only the end of a chain, or a reason to write, can end such a hold."""
CITIES = ["A", "B", "C", "D", "E", "F"]


async def no_wait(number: int) -> None:
    """Let every write through at once."""


async def test_a_chain_of_quick_activities_is_written_as_one_checkpoint(running: Running) -> None:
    running.engine.checkpoints.hold_s = LONG_HOLD_S
    appended = hold_appends(running, no_wait)
    statuses = hold_status_writes(running, no_wait)
    started = time.monotonic()
    instance_id = await running.client.start("hello_sequence", None, sdk_input(CITIES))
    view = await running.wait(instance_id)

    assert time.monotonic() - started < 5  # the completing episode is not held
    assert json.loads(view.record.output or "") == [f"Hello {city}!" for city in CITIES]
    assert appended == [4 * (len(CITIES) + 1)]  # seven episodes of four events, one batch
    assert statuses == [RuntimeStatus.Completed]  # one upsert: Pending, then Completed
    await assert_stored_as_shown(running, instance_id, view)


async def test_an_activity_that_outlasts_the_hold_has_its_scheduling_written_when_the_hold_ends(
    running: Running,
) -> None:
    running.engine.checkpoints.hold_s = 0.2
    gates = gate_activities(running, ["Tokyo"])
    appended = hold_appends(running, no_wait)
    instance_id = await running.client.start("hello_sequence", None, sdk_input(["Tokyo"]))
    started = time.monotonic()
    state = await running.engine.instance(instance_id)
    await until(lambda: state.history, "the first episode to be written")

    assert time.monotonic() - started >= 0.15  # held for the hold, not written at once
    assert [EventType(e["EventType"]).name for e in state.history] == [
        "OrchestratorStarted",
        "ExecutionStarted",
        "TaskScheduled",
        "OrchestratorCompleted",
    ]
    gates.open("Tokyo")
    view = await running.wait(instance_id)
    assert appended == [4, 4]
    assert view.record.runtime_status is RuntimeStatus.Completed
    await assert_stored_as_shown(running, instance_id, view)


async def test_while_every_activity_slot_is_taken_a_checkpoint_is_held_longer(running: Running) -> None:
    """Four instances' activities take the engine's four slots; a chain started meanwhile queues for
    one, so its first checkpoint is held past the normal hold. Once slots are free again, the hold
    ends with the next episode that joins it."""
    running.engine.checkpoints.hold_s = 0.05
    running.engine.checkpoints.saturated_hold_s = LONG_HOLD_S
    gates = gate_activities(running, ["busy"])
    busy = [await running.client.start("hello_sequence", None, sdk_input(["busy"])) for _ in range(4)]
    await until(lambda: running.engine.activity_slots_full, "the four gated activities to take every slot")
    writes: list[tuple[str, int]] = []
    real_append = running.hub.history.append_episode

    async def append(instance_id: str, execution_id: str, start: int, events: Any, etag: Any) -> str:
        writes.append((instance_id, len(events)))
        return await real_append(instance_id, execution_id, start, events, etag)

    running.hub.history.append_episode = append  # type: ignore[method-assign,assignment]
    instance_id = await running.client.start("hello_sequence", None, sdk_input(["A", "B"]))
    await until_uncommitted(running, instance_id, 1)
    await asyncio.sleep(0.5)  # ten times the normal hold
    assert (await running.engine.instance(instance_id)).history == []

    gates.open("busy")
    view = await running.wait(instance_id)
    counts = [count for written_id, count in writes if written_id == instance_id]
    assert counts[0] >= 8  # the first episode and the one that took in A's result, at least
    assert sum(counts) == 12
    assert json.loads(view.record.output or "") == ["Hello A!", "Hello B!"]
    for other in busy:
        assert (await running.wait(other)).record.runtime_status is RuntimeStatus.Completed


async def test_a_caller_that_needs_the_committed_state_ends_the_hold(running: Running) -> None:
    running.engine.checkpoints.hold_s = LONG_HOLD_S
    gates = gate_activities(running, ["B"])
    instance_id = await running.client.start("hello_sequence", None, sdk_input(["A", "B"]))
    await until_uncommitted(running, instance_id, 2)  # started A, took its result in, started B
    state = await running.engine.instance(instance_id)
    assert state.history == []

    async with state.lock:
        await asyncio.wait_for(running.engine.settled(state), 5)
    stored = await running.hub.history.load_history(instance_id)
    assert len(state.history) == 8
    assert stored.events == state.history
    gates.open("B")
    view = await running.wait(instance_id)
    assert json.loads(view.record.output or "") == ["Hello A!", "Hello B!"]


async def test_timers_and_raised_events_are_written_at_once(running: Running) -> None:
    """The approval's first episode creates a timer and its second takes in a raised event: someone
    waits for each, so neither is held (the raise call returns once the event is recorded)."""
    running.engine.checkpoints.hold_s = LONG_HOLD_S
    instance_id = await running.client.start("approval", None, None)
    state = await running.engine.instance(instance_id)
    await until(
        lambda: any(e["EventType"] == EventType.TimerCreated for e in state.history),
        "the timer's checkpoint, which is not held",
    )

    await asyncio.wait_for(running.client.raise_event(instance_id, "Decision", json.dumps("yes")), 5)
    view = await running.wait(instance_id, timeout_s=5)
    assert json.loads(view.record.output or "") == {"decision": "yes"}
    await assert_stored_as_shown(running, instance_id, view)


async def test_a_host_stopped_during_a_hold_runs_the_chain_again_and_completes_it(
    running: Running, patterns_app: LoadedApp, storage_connection_string: str
) -> None:
    """Two activities ran and the third waits; nothing is written yet. The next host recovers the
    instance from its Pending row: it runs the chain from the start (the activities run again, as
    after any crash) and completes it once."""
    running.engine.checkpoints.hold_s = LONG_HOLD_S
    before = gate_activities(running, ["C"])
    instance_id = f"held-{uuid.uuid4().hex[:8]}"
    await running.client.start("hello_sequence", instance_id, sdk_input(["A", "B", "C"]))
    await until_uncommitted(running, instance_id, 3)
    assert before.ran == ["A", "B"]
    await running.engine.close()  # what stopping the host does to its engine

    after = await start_engine(patterns_app, storage_connection_string, running.hub.names.hub, Clock())
    try:
        rerun = gate_activities(after, [])
        await recover(after.engine)
        view = await after.wait(instance_id)
        assert rerun.ran == ["A", "B", "C"]
        assert json.loads(view.record.output or "") == ["Hello A!", "Hello B!", "Hello C!"]
        assert [e["EventType"] for e in view.history].count(EventType.ExecutionStarted) == 1
        await assert_stored_as_shown(after, instance_id, view)
    finally:
        await after.stop(delete_hub=False)  # the fixture deletes it


async def test_a_child_whose_first_checkpoint_was_held_at_a_stop_is_started_again(
    running: Running, patterns_app: LoadedApp, storage_connection_string: str
) -> None:
    """The parent's checkpoint that creates the child is written and the child's Pending row inserted,
    but the child's first checkpoint is still held when the host stops: the next host's recovery
    starts the child again (through its parent), and the parent completes."""
    running.engine.checkpoints.hold_s = LONG_HOLD_S
    gate_activities(running, ["Paris"])
    parent_id = f"parent-{uuid.uuid4().hex[:8]}"
    child_id = f"{parent_id}-child"
    await running.client.start("parent", parent_id, None)
    await until_uncommitted(running, child_id, 1)
    assert (await running.hub.instances.get_instance(child_id)) is not None
    await running.engine.close()

    after = await start_engine(patterns_app, storage_connection_string, running.hub.names.hub, Clock())
    try:
        await recover(after.engine)
        view = await after.wait(parent_id)
        assert view.record.runtime_status is RuntimeStatus.Completed
    finally:
        await after.stop(delete_hub=False)
