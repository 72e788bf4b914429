"""The engine end to end on Azurite: every pattern through the SDK replay, state in the provider tables."""

from __future__ import annotations

import asyncio
import json

import pytest

from devhost.errors import BadRequestError, InstanceGoneError, InstanceNotFoundError, OperationFailedError
from devhost.protocol import EventType, InstanceRecord, RuntimeStatus
from tests.devhost.runtime.conftest import Running, assert_stored_as_shown, sdk_input

pytestmark = pytest.mark.azurite


def event_types(view) -> list[str]:
    return [EventType(e["EventType"]).name for e in view.history]


async def test_chaining_completes_with_the_provider_history(running: Running) -> None:
    instance_id = await running.client.start("hello_sequence", "chain-1", None)
    view = await running.wait(instance_id)
    assert view.record.runtime_status is RuntimeStatus.Completed
    assert json.loads(view.record.output or "") == ["Hello Tokyo!", "Hello Seattle!", "Hello London!"]
    assert event_types(view) == [
        "OrchestratorStarted", "ExecutionStarted", "TaskScheduled", "OrchestratorCompleted",
        "OrchestratorStarted", "TaskCompleted", "TaskScheduled", "OrchestratorCompleted",
        "OrchestratorStarted", "TaskCompleted", "TaskScheduled", "OrchestratorCompleted",
        "OrchestratorStarted", "TaskCompleted", "ExecutionCompleted", "OrchestratorCompleted",
    ]  # fmt: skip
    await assert_stored_as_shown(running, instance_id, view)


async def test_fan_out_fan_in(running: Running) -> None:
    instance_id = await running.client.start("fan_out", None, sdk_input(50))
    view = await running.wait(instance_id)
    assert view.record.output == str(sum(i * i for i in range(50)))


async def test_external_event_wins_over_the_timer(running: Running) -> None:
    instance_id = await running.client.start("approval", "approve-1", None)
    await running.wait_until(instance_id, RuntimeStatus.Running)
    await running.client.raise_event(instance_id, "Decision", json.dumps("yes"))
    view = await running.wait(instance_id)
    assert json.loads(view.record.output or "") == {"decision": "yes"}


async def test_timer_fires_when_the_clock_reaches_it(running: Running) -> None:
    instance_id = await running.client.start("approval", "approve-2", None)
    await _skip_to_next_timer(running)
    view = await running.wait(instance_id)
    assert json.loads(view.record.output or "") == {"decision": "timed out"}
    fired = next(e for e in view.history if e["EventType"] == EventType.TimerFired)
    started = [e for e in view.history if e["EventType"] == EventType.OrchestratorStarted]
    assert started[-1]["Timestamp"] >= fired["FireAt"]


async def test_sub_orchestrations_complete_and_fail(running: Running) -> None:
    view = await running.wait(await running.client.start("parent", "parent-1", None))
    output = json.loads(view.record.output or "")
    assert output["child"] == ["Hello Paris!"]
    assert output["failing"].startswith("Orchestrator function 'always_fails' failed: orchestrator gave up")
    child = await running.client.get_instance("parent-1-child", with_history=False)
    assert child is not None
    assert child.record.parent_instance_id == "parent-1"


async def test_entities_signal_and_call(running: Running) -> None:
    view = await running.wait(await running.client.start("counter_user", "counter-1", None))
    assert view.record.output == "5"
    await running.client.signal_entity("counter", "c1", "add", sdk_input(2))
    assert await running.client.read_entity("counter", "c1") == "7"
    assert await running.client.read_entity("counter", "other") is None


async def test_continue_as_new_keeps_one_short_history(running: Running) -> None:
    instance_id = await running.client.start("countdown", "countdown-1", sdk_input(3))
    for _ in range(3):
        await _skip_to_next_timer(running)
    view = await running.wait(instance_id)
    assert view.record.output == '"done"'
    assert event_types(view)[:2] == ["OrchestratorStarted", "ExecutionStarted"]
    assert len(view.history) == 4


async def test_retried_activity_succeeds_on_the_third_attempt(running: Running) -> None:
    instance_id = await running.client.start("flaky_then_ok", "flaky-1", None)
    for _ in range(2):
        await _skip_to_next_timer(running)
    view = await running.wait(instance_id)
    assert view.record.output == '"ok after 3 attempts"'
    assert event_types(view).count("TaskFailed") == 2


async def test_terminate_suspend_resume(running: Running) -> None:
    instance_id = await running.client.start("approval", "approve-3", None)
    await running.wait_until(instance_id, RuntimeStatus.Running)
    await running.client.suspend(instance_id, "hold on")
    await running.wait_until(instance_id, RuntimeStatus.Suspended)
    await running.client.raise_event(instance_id, "Decision", json.dumps("later"))
    suspended = await running.client.get_instance(instance_id, with_history=False)
    assert suspended is not None
    assert suspended.record.runtime_status is RuntimeStatus.Suspended
    await running.client.resume(instance_id, "go")
    resumed = await running.wait(instance_id)
    assert json.loads(resumed.record.output or "") == {"decision": "later"}

    other = await running.client.start("approval", "approve-4", None)
    await running.wait_until(other, RuntimeStatus.Running)
    await running.client.terminate(other, "no longer needed")
    terminated = await running.wait(other)
    assert (terminated.record.runtime_status, terminated.record.output) == (
        RuntimeStatus.Terminated,
        "no longer needed",
    )
    with pytest.raises(InstanceGoneError):
        await running.client.raise_event(other, "Decision", "1")


async def test_client_errors(running: Running) -> None:
    with pytest.raises(BadRequestError, match="doesn't exist"):
        await running.client.start("no_such_orchestrator", None, None)
    with pytest.raises(BadRequestError):
        await running.client.start("hello_sequence", "bad/id", None)
    with pytest.raises(InstanceNotFoundError):
        await running.client.raise_event("nobody", "Decision", None)
    await running.client.start("approval", "approve-5", None)
    with pytest.raises(OperationFailedError, match="already exists"):
        await running.client.start("approval", "approve-5", None)


async def test_purge_and_restart(running: Running) -> None:
    view = await running.wait(await running.client.start("hello_sequence", "purge-1", sdk_input(["A"])))
    assert view.record.output == '["Hello A!"]'
    again = await running.client.restart("purge-1", new_instance_id=False)
    assert again == "purge-1"
    view = await running.wait("purge-1")
    assert view.record.output == '["Hello A!"]'
    assert await running.client.purge_instance("purge-1") == 1
    assert await running.client.get_instance("purge-1", with_history=True) is None
    assert await running.hub.history.load_history("purge-1") == (await running.hub.history.load_history("x"))


async def _skip_to_next_timer(running: Running) -> None:
    for _ in range(200):
        fire_at = running.engine.timers.next_fire_at()
        if fire_at is not None:
            running.clock.skip_to(fire_at)
            running.engine.timers.fire_due()
            return
        await asyncio.sleep(0.02)
    raise AssertionError("no timer was scheduled")


async def test_rewind_runs_a_failed_instance_on_from_its_failures(running: Running) -> None:
    instance_id = await running.client.start("fragile", "fragile-1", None)
    failed = await running.wait(instance_id)
    assert failed.record.runtime_status is RuntimeStatus.Failed
    await running.client.rewind(instance_id, "try again")
    assert (
        await running.wait(instance_id)
    ).record.runtime_status is RuntimeStatus.Failed  # attempt 2 fails too
    await running.client.rewind(instance_id, "once more")
    done = await running.wait(instance_id)
    assert (done.record.runtime_status, done.record.output) == (
        RuntimeStatus.Completed,
        '"ok after 3 attempts"',
    )
    assert event_types(done).count("TaskFailed") == 0
    assert event_types(done).count("GenericEvent") == 4  # two failures and two failed endings, undone


async def test_rewind_rewinds_failed_children_first(running: Running) -> None:
    instance_id = await running.client.start("fragile_parent", "fragile-parent", None)
    assert (await running.wait(instance_id)).record.runtime_status is RuntimeStatus.Failed
    await running.client.rewind(instance_id, None)
    assert (await running.wait(instance_id)).record.runtime_status is RuntimeStatus.Failed
    await running.client.rewind(instance_id, None)
    done = await running.wait(instance_id)
    assert (done.record.runtime_status, done.record.output) == (
        RuntimeStatus.Completed,
        '"ok after 3 attempts"',
    )
    with pytest.raises(InstanceGoneError):
        await running.client.rewind(instance_id, None)


async def test_a_leftover_history_without_its_row_is_overwritten_by_a_new_start(running: Running) -> None:
    """An interrupted purge can leave History rows behind: the first checkpoint must replace them."""
    first = await running.wait(await running.client.start("hello_sequence", "leftover", sdk_input(["A"])))
    await running.hub.instances.delete_instance("leftover")
    running.engine.forget("leftover")
    assert len((await running.hub.history.load_history("leftover")).events) == len(first.history)
    again = await running.wait(await running.client.start("hello_sequence", "leftover", sdk_input(["B"])))
    assert again.record.output == '["Hello B!"]'
    stored = await running.hub.history.load_history("leftover")
    assert stored.execution_id == again.record.execution_id


async def test_a_start_does_not_replace_an_instance_another_client_wrote_meanwhile(running: Running) -> None:
    """The devhost looked (no such instance), then another client wrote a Running row: the start's
    insert finds it, and the running instance is refused rather than overwritten."""
    assert await running.client.get_instance("raced", with_history=False) is None
    now = running.clock.now()
    theirs = InstanceRecord(
        instance_id="raced",
        name="approval",
        execution_id="their-execution",
        runtime_status=RuntimeStatus.Running,
        created_time=now,
        last_updated_time=now,
    )
    await running.hub.instances.upsert_instance(theirs)
    with pytest.raises(OperationFailedError, match="status Running already exists"):
        await running.client.start("hello_sequence", "raced", None)
    stored = await running.hub.instances.get_instance("raced")
    assert stored is not None
    assert (stored.name, stored.execution_id) == ("approval", "their-execution")
