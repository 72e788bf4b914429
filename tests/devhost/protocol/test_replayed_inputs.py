"""Inputs of outstanding activities and sub-orchestrations come back from a replay of the orchestrator.

Episodes record no such inputs (as the host's history), so whatever `pending_work` returns for them was
produced by the orchestrator again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from devhost.protocol import ActivityWork, EventType, OrchestratorHandle, RuntimeStatus, pending_work
from devhost.protocol import history as events
from devhost.protocol.replayed_inputs import scheduled_inputs
from devhost.protocol.rewind import rewound_history
from devhost.protocol.validation import NON_DETERMINISTIC_PREFIX
from tests.devhost.protocol.driver import Run
from tests.devhost.protocol.sample_app import FUNCTIONS, behaviour, handle

TOKYO = json.dumps(json.dumps("Tokyo"))
"""A stored orchestration input, as the SDK's client writes it (`"\\"Tokyo\\""`)."""


def test_a_second_activity_gets_the_input_built_from_the_first_result_and_the_episode_time() -> None:
    run = Run("dependent_chain")
    run.start(TOKYO)
    second = run.episode(run.completed(0, "Hello Tokyo"))

    inputs = scheduled_inputs(handle("dependent_chain"), run.history, FUNCTIONS, [1])

    assert inputs == {1: second.activities[0].input}
    assert json.loads(inputs[1]) == "Hello Tokyo at 2024-05-01T10:00:01+00:00"
    assert pending_work(run.history, handle("dependent_chain"), FUNCTIONS).activities == [
        ActivityWork(1, "say_hello", inputs[1])
    ]


def test_a_fan_out_gets_each_unfinished_branch_its_own_input() -> None:
    run = Run("fan_out")
    first = run.start()
    run.episode(run.completed(1, "one"))

    pending = pending_work(run.history, handle("fan_out"), FUNCTIONS)

    assert pending.activities == [first.activities[0], first.activities[2]]
    assert [work.input for work in pending.activities] == ["0", "2"]
    assert pending.unreproduced == []


def test_sub_orchestrations_get_their_inputs_and_recorded_instance_ids() -> None:
    run = Run("parent")
    first = run.start()
    second = run.episode(
        events.sub_orchestration_completed(task_scheduled_id=0, result='"one"', timestamp=run.timestamp)
    )

    pending = pending_work(run.history, handle("parent"), FUNCTIONS)

    assert first.sub_orchestrations[0].input == '"\\"first\\""'
    assert pending.sub_orchestrations == second.sub_orchestrations
    assert (pending.sub_orchestrations[0].instance_id, pending.sub_orchestrations[0].input) == (
        "child-7",
        '"\\"second\\""',
    )


def test_a_retried_attempt_gets_the_input_of_the_call() -> None:
    run = Run("retrying")
    run.start()
    failed = run.episode(run.failed(0, "flaky", "first"))
    retried = run.episode(run.fired(failed.timers[0]))

    pending = pending_work(run.history, handle("retrying"), FUNCTIONS)

    assert pending.activities == retried.activities == [ActivityWork(2, "flaky", '"x"')]


def test_work_scheduled_after_a_suspension_is_replayed_from_the_resuming_episode() -> None:
    run = Run("chaining")
    run.start(TOKYO)
    run.episode(events.execution_suspended(reason="hold", timestamp=run.timestamp))
    run.episode(run.completed(0, "Hello Tokyo"))  # recorded while suspended: the orchestrator waits
    resumed = run.episode(events.execution_resumed(reason="go", timestamp=run.timestamp))

    pending = pending_work(run.history, handle("chaining"), FUNCTIONS)

    assert pending.activities == resumed.activities == [ActivityWork(1, "say_hello", '{"city": "Seattle"}')]


def test_a_rewound_failure_is_run_again_with_its_input() -> None:
    run = Run("chaining")
    run.start(TOKYO)
    failed = run.episode(run.failed(0, "say_hello", "down"))
    assert failed.status is RuntimeStatus.Failed

    pending = pending_work(rewound_history(run.history), handle("chaining"), FUNCTIONS)

    assert pending.activities == [ActivityWork(0, "say_hello", '"Tokyo"')]


def test_inputs_an_older_history_recorded_are_not_read() -> None:
    run = Run("fan_out")
    run.start()
    assert all(e["Input"] is None for e in run.history if e["EventType"] == EventType.TaskScheduled)
    older = [
        {**e, "Input": '["\\"recorded\\""]'} if e["EventType"] == EventType.TaskScheduled else e
        for e in run.history
    ]

    assert pending_work(older, handle("fan_out"), FUNCTIONS) == pending_work(
        run.history, handle("fan_out"), FUNCTIONS
    )


def test_only_episodes_that_scheduled_a_wanted_task_are_replayed() -> None:
    run = Run("dependent_chain")
    run.start(TOKYO)
    run.episode(run.completed(0, "Hello Tokyo"))
    counting = _Counting(handle("dependent_chain"))

    assert scheduled_inputs(counting, run.history, FUNCTIONS, []) == {}
    assert counting.runs == 0
    assert set(scheduled_inputs(counting, run.history, FUNCTIONS, [1])) == {1}
    assert counting.runs == 1


@pytest.fixture
def changed_code() -> Iterator[None]:
    yield
    behaviour["changing"] = "v1"


@pytest.mark.parametrize("change", ["renamed", "timer"])
@pytest.mark.usefixtures("changed_code")
def test_a_task_the_changed_orchestrator_no_longer_schedules_is_unreproduced(change: str) -> None:
    run = Run("changing")
    run.start()
    behaviour["changing"] = change

    pending = pending_work(run.history, handle("changing"), FUNCTIONS)
    nudged = run.episode(events.generic_event(data="Recovery", timestamp=run.timestamp))

    assert (pending.activities, pending.unreproduced) == ([], [0])
    assert nudged.status is RuntimeStatus.Failed
    assert (nudged.output or "").startswith(NON_DETERMINISTIC_PREFIX)


def test_without_a_registered_orchestrator_every_call_is_unreproduced_and_timers_still_pend() -> None:
    run = Run("approval")
    run.start()
    approved = run.episode(run.raised("Approve", "yes"))
    assert approved.activities

    pending = pending_work(run.history, None, FUNCTIONS)

    assert (pending.activities, pending.unreproduced) == ([], [approved.activities[0].task_id])
    assert not pending.idle  # the canceled timer stays pending, as DTFx fires it anyway


class _Counting:
    """A registered handle that notes every time the SDK runs its orchestrator function."""

    _df_input_type = None

    def __init__(self, handle: OrchestratorHandle) -> None:
        self.handle = handle
        self.runs = 0

    def __call__(self, context: str) -> Any:
        return self.handle(context)

    def orchestrator_function(self, context: Any) -> Any:
        self.runs += 1
        return self.handle.orchestrator_function(context)  # type: ignore[attr-defined]
