"""After a restart, outstanding activities and sub-orchestrations run with their original inputs, which
the History rows do not hold (as the provider's): a replay of the orchestrator produces them again.

"A restart" is a new engine on the same task hub of the session's Azurite. The state a devhost killed
right after an episode's checkpoint leaves (History and Instances rows written, none of the work the
episode scheduled started) is written here with the same protocol and tracking calls the engine makes.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import pytest

from devhost.protocol import (
    EventType,
    HistoryEvent,
    InstanceRecord,
    RuntimeStatus,
    activity_completed,
    format_timestamp,
    render_history_events,
    run_episode,
)
from devhost.protocol import history as events
from devhost.protocol.validation import NON_DETERMINISTIC_PREFIX
from devhost.runtime.clock import Clock
from devhost.runtime.recovery import recover
from devhost.worker import LoadedApp
from tests.devhost.runtime.conftest import Running, sdk_input, start_engine

pytestmark = pytest.mark.azurite


@dataclass
class Hub:
    """One task hub and the engine currently running on it."""

    loaded: LoadedApp
    connection: str
    name: str
    current: Running

    async def restart(self) -> Running:
        """Stop the running engine (its hub stays) and start a new one on the same hub."""
        await self.current.stop(delete_hub=False)
        self.current = await start_engine(self.loaded, self.connection, self.name, Clock())
        return self.current


@pytest.fixture
async def hub(patterns_app: LoadedApp, storage_connection_string: str) -> AsyncIterator[Hub]:
    name = "R" + uuid.uuid4().hex[:12]
    first = await start_engine(patterns_app, storage_connection_string, name, Clock())
    hub = Hub(patterns_app, storage_connection_string, name, first)
    yield hub
    await hub.current.stop()


async def _checkpointed(
    running: Running,
    instance_id: str,
    name: str,
    input_text: str | None,
    *,
    later: Sequence[HistoryEvent] = (),
    run_as: str | None = None,
) -> list[HistoryEvent]:
    """Commit the instance's first episode, then one episode per event of `later`, as a devhost killed
    right after the last checkpoint leaves them; `run_as` runs another orchestrator's code in its place
    (the code changed before the restart). Returns the history written."""
    engine = running.engine
    spec = engine.registry.orchestrator(run_as or name)
    assert spec is not None
    now = running.clock.now()
    record = InstanceRecord(
        instance_id=instance_id,
        name=name,
        execution_id=uuid.uuid4().hex,
        runtime_status=RuntimeStatus.Running,
        created_time=now,
        last_updated_time=now,
        input=input_text,
    )
    started = events.execution_started(
        instance_id=instance_id,
        execution_id=record.execution_id,
        name=name,
        input=input_text,
        timestamp=format_timestamp(now),
    )
    history: list[HistoryEvent] = []
    etag = None
    for inbound in [started, *later]:
        result = run_episode(
            spec.handle,
            history=history,
            new_events=[inbound],
            now=running.clock.now(),
            functions=engine.functions,
        )
        etag = await running.hub.history.append_episode(
            instance_id, record.execution_id, len(history), result.new_events, etag
        )
        history += result.new_events
    await running.hub.instances.upsert_instance(record, replace=True)
    return history


async def _stored_as(running: Running, instance_id: str, status: RuntimeStatus) -> None:
    """Wait until the Instances row (not only the engine's memory) shows `status`."""
    for _ in range(250):
        record = await running.hub.instances.get_instance(instance_id)
        if record is not None and record.runtime_status is status:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the row of {instance_id} never showed {status.name}")


def _done(running: Running, task_id: int, value: object) -> HistoryEvent:
    timestamp = format_timestamp(running.clock.now())
    return activity_completed(task_scheduled_id=task_id, worker_json=json.dumps(value), timestamp=timestamp)


async def test_an_activity_and_a_child_scheduled_before_a_restart_get_their_original_inputs(hub: Hub) -> None:
    suffix = uuid.uuid4().hex[:8]
    chain, parent = f"chain-{suffix}", f"parent-{suffix}"
    written = await _checkpointed(
        hub.current,
        chain,
        "hello_sequence",
        sdk_input(["Osaka", "Kyoto"]),
        later=[_done(hub.current, 0, "Hello Osaka!")],
    )
    await _checkpointed(hub.current, parent, "parent", None)
    rows = await hub.current.hub.history.table.query(f"PartitionKey eq '{chain}'")
    scheduled = [row for row in rows if row.get("EventType") == "TaskScheduled"]

    running = await hub.restart()
    summary = await recover(running.engine)
    chained = await running.wait(chain)
    parented = await running.wait(parent)

    assert [e["EventType"] for e in written].count(EventType.TaskScheduled) == 2
    assert len(scheduled) == 2
    assert all("Input" not in row for row in scheduled)
    assert (summary.instances, summary.activities) == (2, 1)
    assert json.loads(chained.record.output or "") == ["Hello Osaka!", "Hello Kyoto!"]
    assert parented.record.runtime_status is RuntimeStatus.Completed
    assert json.loads(parented.record.output or "")["child"] == ["Hello Paris!"]
    child = await running.client.get_instance(f"{parent}-child", with_history=False)
    assert child is not None
    assert child.record.input == '"[\\"Paris\\"]"'


async def test_a_row_still_pending_after_the_first_checkpoint_says_running_after_a_restart(hub: Hub) -> None:
    """A kill between the first checkpoint and its Instances row: the row says Pending while History
    holds the first episode. Recovery marks it Running, so clients see the history it has."""
    instance_id = f"trailing-{uuid.uuid4().hex[:8]}"
    written = await _checkpointed(hub.current, instance_id, "approval", None)  # a timer and an event
    row = await hub.current.hub.instances.get_instance(instance_id)
    assert row is not None
    row.runtime_status = RuntimeStatus.Pending
    await hub.current.hub.instances.upsert_instance(row, replace=True)

    running = await hub.restart()
    summary = await recover(running.engine)
    await _stored_as(running, instance_id, RuntimeStatus.Running)
    view = await running.client.get_instance(instance_id, with_history=True)

    assert summary.timers == 1
    assert view is not None
    assert view.record.runtime_status is RuntimeStatus.Running
    assert view.history == written


async def test_a_history_that_cannot_be_replayed_does_not_keep_the_others_from_resuming(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    suffix = uuid.uuid4().hex[:8]
    broken, healthy = f"broken-{suffix}", f"healthy-{suffix}"
    await _checkpointed(hub.current, healthy, "hello_sequence", sdk_input(["Nara"]))
    now = format_timestamp(hub.current.clock.now())
    no_start = [  # an episode without the execution's ExecutionStarted
        events.orchestrator_started(timestamp=now),
        events.task_scheduled(event_id=0, name="say_hello", input=None, timestamp=now),
        events.orchestrator_completed(timestamp=now),
    ]
    await hub.current.hub.history.append_episode(broken, "e1", 0, no_start, None)
    moment = hub.current.clock.now()
    await hub.current.hub.instances.upsert_instance(
        InstanceRecord(broken, "hello_sequence", "e1", RuntimeStatus.Running, moment, moment)
    )

    running = await hub.restart()
    summary = await recover(running.engine)
    done = await running.wait(healthy)

    assert json.loads(done.record.output or "") == ["Hello Nara!"]
    assert summary.instances == 2
    assert f"cannot recover {broken}" in caplog.text


async def test_an_orchestrator_changed_before_a_restart_fails_at_once_as_non_deterministic(hub: Hub) -> None:
    instance_id = f"changed-{uuid.uuid4().hex[:8]}"
    await _checkpointed(hub.current, instance_id, "hello_sequence", None, run_as="fragile")  # flaky(...) at 0

    running = await hub.restart()
    summary = await recover(running.engine)
    failed = await running.wait(instance_id)

    assert summary.activities == 0
    assert failed.record.runtime_status is RuntimeStatus.Failed
    assert (failed.record.output or "").startswith(NON_DETERMINISTIC_PREFIX)


async def test_rewind_after_a_restart_reruns_the_failed_activity_with_its_input(hub: Hub) -> None:
    instance_id = f"fragile-{uuid.uuid4().hex[:8]}"  # `flaky` counts its attempts by its input, this id
    before = await hub.current.wait(await hub.current.client.start("fragile", instance_id, None))
    assert before.record.runtime_status is RuntimeStatus.Failed
    await _stored_as(hub.current, instance_id, RuntimeStatus.Failed)  # the engine stops only then

    running = await hub.restart()
    reloaded = await running.client.get_instance(instance_id, with_history=True)
    assert reloaded is not None
    assert reloaded.history is not None
    for show_input in (True, False):
        assert render_history_events(
            before.history, show_history_output=True, show_input=show_input
        ) == render_history_events(reloaded.history, show_history_output=True, show_input=show_input)
    await running.client.rewind(instance_id, "again")
    assert (await running.wait(instance_id)).record.runtime_status is RuntimeStatus.Failed  # attempt 2
    await running.client.rewind(instance_id, "once more")
    done = await running.wait(instance_id)

    assert (done.record.runtime_status, done.record.output) == (
        RuntimeStatus.Completed,
        '"ok after 3 attempts"',
    )
