"""Pacing a fan-in while every activity slot is taken (`devhost.runtime.pacing`): its results are taken
in together, the pace ends when every result is in or after `pace_s`, and only activity results wait.

Saturation is set by the test (the engine's `activity_slots_full`), so the moments are the test's to
choose; the activities run and the writes go to the real Azurite.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from devhost.protocol import EventType, RuntimeStatus
from devhost.runtime.engine import Engine
from tests.devhost.runtime.conftest import (
    ActivityGates,
    Running,
    assert_stored_as_shown,
    gate_activities,
    sdk_input,
    until,
)

pytestmark = pytest.mark.azurite

LONG_PACE_S = 30.0
"""Longer than any test waits: only the last result or another event can end such a pace."""


def pace(running: Running, monkeypatch: pytest.MonkeyPatch, *, slots_full: bool, pace_s: float) -> None:
    """Set whether every activity slot counts as taken, and how long a fan-in is paced for."""
    monkeypatch.setattr(Engine, "activity_slots_full", property(lambda engine: slots_full))
    running.engine.pacer.pace_s = pace_s


async def took_in(running: Running, instance_id: str, task_id: int, within_s: float) -> float:
    """Seconds until an episode has taken in the result of task `task_id` (committed or not)."""
    state = await running.engine.instance(instance_id)
    started = time.monotonic()
    while time.monotonic() - started < within_s:
        if any(
            e["EventType"] == EventType.TaskCompleted and e["TaskScheduledId"] == task_id
            for e in state.working_history
        ):
            return time.monotonic() - started
        await asyncio.sleep(0.01)
    raise AssertionError(f"the result of task {task_id} was not taken in within {within_s} s")


async def fan_out_of_three_begun(running: Running) -> tuple[str, ActivityGates]:
    """A fan-out to square(0), square(1), square(2) whose first result is taken in; the other two
    activities wait for their gates."""
    gates = gate_activities(running, [1, 2])
    instance_id = await running.client.start("fan_out", None, sdk_input(3))
    await took_in(running, instance_id, 0, within_s=5)
    return instance_id, gates


def episodes(history: list[dict[str, Any]]) -> int:
    return sum(1 for event in history if event["EventType"] == EventType.OrchestratorStarted)


async def test_a_saturated_fan_in_takes_its_results_in_together_and_ends_with_the_last(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the first result, five more arrive 50 ms apart: one episode takes them all in, as soon
    as the last is there (unpaced, each would replay the history on its own)."""
    pace(running, monkeypatch, slots_full=True, pace_s=LONG_PACE_S)
    gates = gate_activities(running, [1, 2, 3, 4, 5])
    started = time.monotonic()
    instance_id = await running.client.start("fan_out", None, sdk_input(6))
    await took_in(running, instance_id, 0, within_s=5)
    for value in range(1, 6):
        await asyncio.sleep(0.05)
        gates.open(value)
    view = await running.wait(instance_id)

    assert time.monotonic() - started < 10  # the last result ended the pace
    assert json.loads(view.record.output or "") == sum(i * i for i in range(6))
    assert episodes(view.history) == 3  # the start, the first result, the five others
    await assert_stored_as_shown(running, instance_id, view)


async def test_a_paced_result_is_taken_in_when_the_pace_ends(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    pace(running, monkeypatch, slots_full=True, pace_s=0.3)
    instance_id, gates = await fan_out_of_three_begun(running)

    gates.open(1)
    waited = await took_in(running, instance_id, 1, within_s=5)
    assert waited >= 0.25  # paced, although task 2's result is still missing
    gates.open(2)
    assert await took_in(running, instance_id, 2, within_s=5) < 5  # the last result: at once
    view = await running.wait(instance_id)
    assert json.loads(view.record.output or "") == 0 + 1 + 4
    assert episodes(view.history) == 4


async def test_results_are_taken_in_as_they_come_while_activity_slots_are_free(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    pace(running, monkeypatch, slots_full=False, pace_s=LONG_PACE_S)
    instance_id, gates = await fan_out_of_three_begun(running)

    gates.open(1)
    await took_in(running, instance_id, 1, within_s=5)  # not paced
    gates.open(2)
    view = await running.wait(instance_id)
    assert view.record.runtime_status is RuntimeStatus.Completed


async def test_an_event_other_than_a_result_ends_the_pace(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A terminate sent while a result is paced is taken in at once, with that result."""
    pace(running, monkeypatch, slots_full=True, pace_s=LONG_PACE_S)
    instance_id, gates = await fan_out_of_three_begun(running)
    gates.open(1)
    state = await running.engine.instance(instance_id)
    await until(lambda: state.fan_in_pace is not None, "the result of task 1 to be paced")

    await asyncio.wait_for(running.client.terminate(instance_id, "enough"), 5)
    view = await running.wait(instance_id, timeout_s=5)
    assert view.record.runtime_status is RuntimeStatus.Terminated
    assert await took_in(running, instance_id, 1, within_s=1) < 1
    gates.open(2)
