"""The engine's answers to storage failures at its most delicate moments, on the session's Azurite.

A fault injector wraps one method of the real task hub: the request still goes to Azurite (or not),
and the engine sees what an outage would show it: a `StorageUnavailableError`, possibly after the
write was applied (an answer lost on the way back).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from devhost.protocol import EventType, RuntimeStatus
from devhost.runtime import engine as engine_module
from devhost.storage import STORAGE_HEALTH, StorageUnavailableError
from tests.devhost.runtime.conftest import Running

pytestmark = pytest.mark.azurite


def inject(
    monkeypatch: pytest.MonkeyPatch,
    target: object,
    method: str,
    *,
    times: int,
    when: Callable[..., bool] = lambda *args, **kwargs: True,
    applied: bool,
) -> list[tuple[Any, ...]]:
    """Make the next `times` matching calls of `target.method` fail as if storage went away.

    `applied`: the real call is made first (its answer is lost), else it is not made at all.
    Returns the arguments of the calls that failed.
    """
    real: Callable[..., Awaitable[Any]] = getattr(target, method)
    failed: list[tuple[Any, ...]] = []

    async def faulty(*args: Any, **kwargs: Any) -> Any:
        if len(failed) < times and when(*args, **kwargs):
            failed.append(args)
            if applied:
                await real(*args, **kwargs)
            error = StorageUnavailableError(f"{method} failed: connection reset")
            error.maybe_applied = applied
            raise error
        return await real(*args, **kwargs)

    monkeypatch.setattr(target, method, faulty)
    return failed


def types(history: list[dict[str, Any]]) -> list[str]:
    return [EventType(e["EventType"]).name for e in history]


async def test_a_checkpoint_whose_answer_was_lost_is_found_and_not_written_twice(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    running.engine.checkpoints.hold_s = 0  # each episode is written on its own: two answers get lost
    failed = inject(monkeypatch, running.hub.history, "append_episode", times=2, applied=True)
    view = await running.wait(await running.client.start("hello_sequence", "lost-answer", None))

    assert len(failed) == 2
    assert json.loads(view.record.output or "") == ["Hello Tokyo!", "Hello Seattle!", "Hello London!"]
    assert types(view.history).count("TaskCompleted") == 3
    assert len(view.history) == 16  # four episodes, none repeated
    stored = await running.hub.history.load_history("lost-answer")
    assert stored.events == view.history


async def test_a_refused_checkpoint_is_retried_from_the_inbox(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = inject(monkeypatch, running.hub.history, "append_episode", times=3, applied=False)
    view = await running.wait(await running.client.start("hello_sequence", "refused", None))
    assert len(failed) == 3
    assert view.record.runtime_status is RuntimeStatus.Completed
    assert len(view.history) == 16


async def test_the_status_row_missed_after_a_checkpoint_is_written_and_the_work_goes_on(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first Instances write after a checkpoint fails three times (whichever status it shows: the
    chain may run ahead so far that it is Completed): it is retried, the chain goes on meanwhile."""
    its_rows = lambda record, **_: record.instance_id == "row-missed"  # noqa: E731
    failed = inject(
        monkeypatch, running.hub.instances, "upsert_instance", times=3, when=its_rows, applied=False
    )
    view = await running.wait(await running.client.start("hello_sequence", "row-missed", None))
    assert view.record.runtime_status is RuntimeStatus.Completed
    stored = await running.hub.instances.get_instance("row-missed")  # written after the retried one(s)
    assert stored is not None
    assert stored.runtime_status is RuntimeStatus.Completed
    assert len(failed) == 3


async def test_entity_requests_of_a_retried_episode_apply_once(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entity processed the episode's requests, then the checkpoint failed: the episode runs again
    at the same time, so it sends the same request ids and the entity does not add twice."""
    failed = inject(monkeypatch, running.hub.history, "append_episode", times=1, applied=False)
    view = await running.wait(await running.client.start("counter_user", "counter-once", None))
    assert len(failed) == 1
    assert view.record.output == "5"
    assert await running.client.read_entity("counter", "c1") == "5"


async def test_an_entity_batch_whose_state_was_not_saved_is_run_again(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No reply leaves an entity before its state is stored."""
    entity_rows = lambda record, **_: record.instance_id == "@counter@c1"  # noqa: E731
    failed = inject(
        monkeypatch, running.hub.instances, "upsert_instance", times=2, when=entity_rows, applied=False
    )
    view = await running.wait(await running.client.start("counter_user", "counter-unsaved", None))
    assert len(failed) == 2
    assert view.record.output == "5"
    stored = await running.hub.instances.get_instance("@counter@c1")
    assert stored is not None
    assert json.loads(stored.input or "")["state"] == "5"


async def test_an_event_whose_client_gave_up_is_dropped_when_its_unconfirmed_write_did_not_land(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A raise answered 503 during an outage has no effect unless its write had landed: here the batch
    went out on a connection that died (maybe applied), and the check after the outage finds nothing."""
    monkeypatch.setattr(engine_module, "CLIENT_WAIT_S", 0.2)
    instance_id = await running.client.start("approval", "abandoned", None)
    await running.wait_until(instance_id, RuntimeStatus.Running)
    history = running.hub.history
    real_append, real_load = history.append_episode, history.load_history
    down = True

    async def append(*args: Any, **kwargs: Any) -> Any:
        if down:
            STORAGE_HEALTH.unanswered("append_episode: connection reset")  # as the storage boundary does
            raise StorageUnavailableError("append_episode failed: connection reset")  # maybe applied
        return await real_append(*args, **kwargs)

    async def load(*args: Any, **kwargs: Any) -> Any:
        if down:
            error = StorageUnavailableError("load_history failed: connection refused")
            error.maybe_applied = False
            raise error
        return await real_load(*args, **kwargs)

    monkeypatch.setattr(history, "append_episode", append)
    monkeypatch.setattr(history, "load_history", load)
    try:
        with pytest.raises(StorageUnavailableError, match="takes effect only if it was"):
            await asyncio.wait_for(
                running.client.raise_event(instance_id, "Decision", json.dumps("refused")), 10
            )
    finally:
        down = False
        STORAGE_HEALTH.answered()

    state = await running.engine.instance(instance_id)
    for _ in range(200):  # the check after the outage finds no rows: the group is rolled back
        if not state.uncommitted and state.committer is None and not state.retries:
            break
        await asyncio.sleep(0.05)
    view = await running.client.get_instance(instance_id, with_history=True)
    assert view is not None
    assert view.history is not None
    assert view.record.runtime_status is RuntimeStatus.Running
    assert "EventRaised" not in types(view.history)
    await running.client.raise_event(instance_id, "Decision", json.dumps("yes"))
    assert json.loads((await running.wait(instance_id)).record.output or "") == {"decision": "yes"}
