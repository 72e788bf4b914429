"""The control-queue reader against Azurite: client messages reach the engine, invalid ones never block."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from devhost.messaging import (
    ControlQueueReader,
    PollingOptions,
    build_message,
    control_queue_names,
    dispatch,
    large_message_wrapper,
)
from devhost.protocol import EventType, RuntimeStatus
from devhost.protocol import history as events
from devhost.runtime.recovery import recover
from tests.devhost.messaging.client import QueueClientSide, now_text
from tests.devhost.runtime.conftest import Running, until

pytestmark = pytest.mark.azurite

HELLO = '["Hello Tokyo!","Hello Seattle!","Hello London!"]'


def new_id(prefix: str = "q") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def drained(client_side: QueueClientSide) -> None:
    await until(lambda: client_side.queued() == 0, "the control queues to be empty")


async def test_a_client_start_runs_from_the_row_the_client_wrote(
    running: Running, reader: ControlQueueReader, client_side: QueueClientSide
) -> None:
    instance_id = new_id()
    execution_id = await client_side.start("hello_sequence", instance_id)
    row = await running.hub.instances.get_instance(instance_id)
    assert row is not None
    finished = await running.wait(instance_id)
    assert finished.record.runtime_status is RuntimeStatus.Completed
    assert finished.record.output == HELLO
    assert (finished.record.execution_id, finished.record.created_time) == (execution_id, row.created_time)
    await drained(client_side)


async def test_a_start_waits_for_the_row_its_client_writes_after_the_message(
    running: Running, reader: ControlQueueReader, client_side: QueueClientSide
) -> None:
    instance_id = new_id()
    execution_id = await client_side.start("hello_sequence", instance_id, write_row=False)
    created = datetime.now(UTC)
    await asyncio.sleep(0.5)
    assert await running.client.get_instance(instance_id, with_history=False) is None
    await client_side.write_row("hello_sequence", instance_id, execution_id, created)
    finished = await running.wait(instance_id, timeout_s=15)
    assert finished.record.output == HELLO
    await drained(client_side)


async def test_a_start_whose_client_never_wrote_the_row_runs_from_the_message(
    running: Running,
    reader: ControlQueueReader,
    client_side: QueueClientSide,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dispatch, "MAX_DEFERRALS", 1)
    instance_id = new_id()
    execution_id = await client_side.start("hello_sequence", instance_id, '"[\\"Oslo\\"]"', write_row=False)
    finished = await running.wait(instance_id)
    assert (finished.record.execution_id, finished.record.output) == (execution_id, '["Hello Oslo!"]')
    await drained(client_side)


async def test_a_start_replaced_by_a_later_one_is_dropped(
    running: Running, reader: ControlQueueReader, client_side: QueueClientSide
) -> None:
    instance_id = new_id()
    await client_side.start("hello_sequence", instance_id, write_row=False)
    later = datetime.now(UTC) + timedelta(seconds=1)
    await client_side.write_row("hello_sequence", instance_id, "a-later-execution", later)
    await drained(client_side)
    row = await running.hub.instances.get_instance(instance_id)
    assert row is not None
    assert (row.execution_id, row.runtime_status) == (
        "a-later-execution",
        RuntimeStatus.Pending,
    )
    assert (await running.hub.history.load_history(instance_id)).events == []


async def test_a_duplicate_start_runs_the_instance_once(
    running: Running, reader: ControlQueueReader, client_side: QueueClientSide
) -> None:
    instance_id = new_id()
    execution_id = await client_side.start("hello_sequence", instance_id)
    started = events.execution_started(
        instance_id=instance_id,
        execution_id=execution_id,
        name="hello_sequence",
        input=None,
        timestamp=now_text(),
    )
    await client_side.send(
        build_message(started, instance_id=instance_id, execution_id=execution_id), instance_id
    )
    finished = await running.wait(instance_id)
    await drained(client_side)
    kinds = [e["EventType"] for e in finished.history]
    assert kinds.count(EventType.ExecutionStarted) == 1
    assert kinds.count(EventType.TaskScheduled) == 3


async def test_a_raised_event_wakes_a_waiting_instance(
    running: Running, reader: ControlQueueReader, client_side: QueueClientSide
) -> None:
    instance_id = new_id()
    await client_side.start("approval", instance_id)
    await running.wait_until(instance_id, RuntimeStatus.Running)
    await client_side.raise_event(instance_id, "Decision", '"approved"')
    finished = await running.wait(instance_id)
    assert json.loads(finished.record.output or "") == {"decision": "approved"}
    await drained(client_side)


async def test_terminate_suspend_and_resume_messages(
    running: Running, reader: ControlQueueReader, client_side: QueueClientSide
) -> None:
    instance_id = new_id()
    await client_side.start("approval", instance_id)
    await running.wait_until(instance_id, RuntimeStatus.Running)
    await client_side.deliver(instance_id, events.execution_suspended(reason="hold", timestamp=now_text()))
    await running.wait_until(instance_id, RuntimeStatus.Suspended)
    await client_side.deliver(instance_id, events.execution_resumed(reason="go", timestamp=now_text()))
    await running.wait_until(instance_id, RuntimeStatus.Running)
    await client_side.terminate(instance_id, "cancelled by user")
    finished = await running.wait(instance_id)
    assert (finished.record.runtime_status, finished.record.output) == (
        RuntimeStatus.Terminated,
        "cancelled by user",
    )
    await drained(client_side)


async def test_an_event_for_a_finished_instance_is_dropped(
    running: Running, reader: ControlQueueReader, client_side: QueueClientSide
) -> None:
    instance_id = new_id()
    await client_side.start("hello_sequence", instance_id)
    before = await running.wait(instance_id)
    await client_side.raise_event(instance_id, "Late", "1")
    await drained(client_side)
    after = await running.wait(instance_id)
    assert after.history == before.history
    assert after.record.output == HELLO


async def test_a_large_event_travels_through_its_blob(
    running: Running, reader: ControlQueueReader, client_side: QueueClientSide
) -> None:
    instance_id = new_id()
    await client_side.start("approval", instance_id)
    await running.wait_until(instance_id, RuntimeStatus.Running)
    decision = "y" * 60_000
    raised = events.event_raised(name="Decision", input=json.dumps(decision), timestamp=now_text())
    await client_side.send_large(build_message(raised, instance_id=instance_id, execution_id=None))
    finished = await running.wait(instance_id)
    assert json.loads(finished.record.output or "") == {"decision": decision}
    await drained(client_side)


async def test_an_event_is_deleted_only_after_its_episode_committed_and_applied_once(
    running: Running, client_side: QueueClientSide
) -> None:
    # A visibility timeout of 1 s: the message comes back while its episode still waits for the lock.
    options = PollingOptions(partition_count=4, max_interval_s=0.1, visibility_timeout_s=1)
    names = control_queue_names(running.hub.names.hub, 4)
    reader = ControlQueueReader(running.engine, [running.clients.queue(n) for n in names], options)
    await reader.start()
    try:
        instance_id = new_id()
        await client_side.start("approval", instance_id)
        await running.wait_until(instance_id, RuntimeStatus.Running)
        state = await running.engine.instance(instance_id)
        async with state.lock:  # the next episode cannot commit
            await client_side.raise_event(instance_id, "Decision", '"later"')
            await until(lambda: bool(state.inbox), "the event to reach the instance")
            await asyncio.sleep(2.5)  # received again after its visibility timeout
            assert client_side.queued() == 1
            assert len(state.inbox) == 1
        finished = await running.wait(instance_id)
        assert [e["EventType"] for e in finished.history].count(EventType.EventRaised) == 1
        await drained(client_side)
    finally:
        await reader.stop()


async def test_invalid_messages_fail_only_their_own_instance_and_the_queue_keeps_moving(
    running: Running,
    reader: ControlQueueReader,
    client_side: QueueClientSide,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="devhost.messaging")
    victim, bystander, unknown, after = new_id("victim"), new_id("by"), new_id("unknown"), new_id("after")
    blobless = new_id("blobless")
    for instance_id in (victim, bystander, blobless):
        await client_side.start("approval", instance_id)
        await running.wait_until(instance_id, RuntimeStatus.Running)
    # garbage on the same queue as the victim, a message of an unknown event type for the victim
    await client_side.send("this is not JSON {", victim)
    strange = build_message(
        events.event_raised(name="x", input=None, timestamp=now_text()), instance_id=victim, execution_id=None
    )
    strange.document["TaskMessage"]["Event"]["$type"] = "Contoso.Events.Strange"
    await client_side.send(strange, victim)
    # a start for an orchestrator the app does not have (the client wrote its Pending row)
    await client_side.start("no_such_orchestrator", unknown)
    # ids that cannot be orchestration table keys, and a message for an entity
    for bad_id in ("", "k" * 600, "@counter@c1"):
        bad = build_message(
            events.event_raised(name="x", input=None, timestamp=now_text()),
            instance_id=bad_id,
            execution_id=None,
        )
        await client_side.send(bad, victim)
    # a large-message wrapper whose blob is gone
    await client_side.send(
        large_message_wrapper(f"{blobless}/message-{uuid.uuid4().hex}-EventRaised.json.gz"), blobless
    )
    await client_side.start("hello_sequence", after)

    assert (await running.wait(after)).record.output == HELLO
    failed = await running.wait(victim)
    assert failed.record.runtime_status is RuntimeStatus.Failed
    assert "unknown event $type 'Contoso.Events.Strange'" in (failed.record.output or "")
    assert client_side.queue_name(victim) in (failed.record.output or "")
    missing = await running.wait(unknown)
    assert missing.record.runtime_status is RuntimeStatus.Failed
    assert "The function 'no_such_orchestrator' doesn't exist" in (missing.record.output or "")
    view = await running.client.get_instance(bystander, with_history=False)
    assert view is not None
    assert view.record.runtime_status is RuntimeStatus.Running
    assert await running.engine.entities.read("counter", "c1") is None
    gone = await running.wait(blobless)
    assert "does not exist" in (gone.record.output or "")
    await drained(client_side)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for code in (
        "messaging.message.not_json",
        "messaging.message.unknown_event_type",
        "messaging.message.unknown_orchestrator",
        "messaging.message.instance_id",
        "messaging.message.entity",
        "messaging.message.blob_missing",
    ):
        assert f"invalid message dropped ({code})" in logged
    await running.client.terminate(bystander, "test clean-up")


async def test_messages_written_while_the_devhost_was_down_are_taken_at_start(
    running: Running, client_side: QueueClientSide
) -> None:
    instance_id = new_id()
    await client_side.create_queues()
    await client_side.start("hello_sequence", instance_id)
    names = control_queue_names(running.hub.names.hub, 4)
    reader = ControlQueueReader(
        running.engine, [running.clients.queue(n) for n in names], PollingOptions(4, 80.0)
    )
    await reader.start()
    try:
        state = await running.engine.instance(instance_id)
        assert state.inbox or state.draining or state.history, "start() itself takes what is queued"
        assert (await running.wait(instance_id)).record.output == HELLO
    finally:
        await reader.stop()


async def test_an_idle_reader_polls_nothing_between_its_idle_intervals(running: Running) -> None:
    names = control_queue_names(running.hub.names.hub, 4)
    reader = ControlQueueReader(
        running.engine, [running.clients.queue(n) for n in names], PollingOptions(4, 80.0)
    )
    running.counter.reset()
    await reader.start()
    try:
        assert running.counter.reset()["queue"] == 8  # create the 4 queues, poll each once
        await asyncio.sleep(1.0)
        assert running.counter.snapshot()["total"] == 0
    finally:
        await reader.stop()


async def test_the_start_message_of_a_recovered_instance_is_not_applied_twice(
    running: Running, client_side: QueueClientSide
) -> None:
    instance_id = new_id()
    await client_side.create_queues()
    await client_side.start("hello_sequence", instance_id)
    await recover(running.engine)  # finds the Pending row and starts it, as after a restart
    names = control_queue_names(running.hub.names.hub, 4)
    reader = ControlQueueReader(
        running.engine, [running.clients.queue(n) for n in names], PollingOptions(4, 0.2)
    )
    await reader.start()
    try:
        finished = await running.wait(instance_id)
        assert [e["EventType"] for e in finished.history].count(EventType.ExecutionStarted) == 1
        assert finished.record.output == HELLO
        await drained(client_side)
    finally:
        await reader.stop()
