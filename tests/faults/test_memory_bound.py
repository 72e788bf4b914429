"""The engine's memory stays bounded: finished (and unknown) instances beyond a limit leave the cache
and are loaded again from storage when asked for."""

from __future__ import annotations

import json
import uuid

import pytest

from devhost.protocol import RuntimeStatus
from tests.devhost.runtime.conftest import Running

pytestmark = pytest.mark.azurite


async def test_finished_instances_beyond_the_limit_are_dropped_and_reload(running: Running) -> None:
    running.engine.cache.limit = 2
    finished = []
    for n in range(5):
        instance_id = await running.client.start("hello_sequence", f"bounded-{n}", None)
        await running.wait(instance_id)
        finished.append(instance_id)

    assert len(running.engine.cache) == 2
    assert [running.engine.cache.holds(i) for i in finished] == [False, False, False, True, True]
    view = await running.client.get_instance(finished[0], with_history=True)
    assert view is not None
    assert view.record.runtime_status is RuntimeStatus.Completed
    assert json.loads(view.record.output or "")[0] == "Hello Tokyo!"
    assert view.history is not None
    assert len(view.history) == 16
    assert not running.engine.cache.holds(finished[1])


async def test_reads_of_unknown_instances_do_not_accumulate(running: Running) -> None:
    running.engine.cache.limit = 3
    for _ in range(20):
        assert await running.client.get_instance(uuid.uuid4().hex, with_history=False) is None
    assert len(running.engine.cache) == 3


async def test_running_instances_stay_cached(running: Running) -> None:
    running.engine.cache.limit = 1
    waiting = await running.client.start("approval", "bounded-waiting", None)
    await running.wait_until(waiting, RuntimeStatus.Running)
    for _ in range(5):
        await running.client.get_instance(uuid.uuid4().hex, with_history=False)
    assert running.engine.cache.holds(waiting)
    await running.client.raise_event(waiting, "Decision", json.dumps("yes"))
    assert json.loads((await running.wait(waiting)).record.output or "") == {"decision": "yes"}
