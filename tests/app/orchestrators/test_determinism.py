"""The app's orchestrators are deterministic: recorded episodes re-run identically, and replaying a
complete history asks for nothing beyond what it already scheduled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from devhost.protocol import EventType, PendingWork, RuntimeStatus, pending_work, run_episode
from devhost.protocol.history import SCHEDULING_TYPES
from devhost.protocol.replay import ActionKind
from domain.errors import ShippingFailedError
from tests.app.orchestrators.harness import (
    FUNCTIONS,
    AppFunctions,
    client_input,
    complete,
    fail_every_attempt,
    next_generation,
    replay_history,
    start_child,
    workflow,
)
from tests.app.orchestrators.orders import (
    CHARGED,
    SHIPPED,
    VALIDATED,
    awaiting_approval,
    charged,
    start,
    validated_and_reserved,
)
from tests.support.episodes import T0, EpisodeRun


def pending(run: EpisodeRun) -> PendingWork:
    """What recovery would resume for the run's history (inputs replayed from the orchestrator)."""
    return pending_work(run.history, run.handle_of(run.orchestrator), run.functions)


def order_completed(app_functions: AppFunctions) -> list[EpisodeRun]:
    run, _, shipping = charged(app_functions)
    receipt = complete(run, shipping, SHIPPED)
    done = complete(run, receipt, "receipts/A-1.json")
    assert done.status is RuntimeStatus.Completed
    return [run]


def order_shipping_failed(app_functions: AppFunctions) -> list[EpisodeRun]:
    run, inventory, shipping = charged(app_functions)
    refunding, _ = fail_every_attempt(run, shipping, ShippingFailedError("refused"), attempts=4)
    releasing = complete(run, refunding, {"status": "refunded"})
    assert inventory.reply(run, inventory.reply(run, releasing)).status is RuntimeStatus.Failed
    return [run]


def order_with_approval(app_functions: AppFunctions) -> list[EpisodeRun]:
    """A large order whose real approval child times out once, reminds, then gets a decision."""
    run, _, waiting = awaiting_approval(app_functions)
    (work,) = waiting.sub_orchestrations
    child, asking = start_child(app_functions, run, work)
    wait = complete(child, asking, "sent")
    reminding = child.episode(child.fired(wait.timers[0]))
    second_wait = complete(child, reminding, "reminded")
    child.episode(child.raised("ApprovalDecision", "not a decision"))
    decided = child.episode(child.raised("ApprovalDecision", '{"approved": true, "approver": "maria"}'))
    assert second_wait.timers
    assert decided.parent_notification is not None
    run.clock = child.clock
    charging = run.episode(decided.parent_notification.event)
    complete(run, complete(run, complete(run, charging, CHARGED), SHIPPED), "receipt")
    return [run, child]


def approval_auto_rejected(app_functions: AppFunctions) -> list[EpisodeRun]:
    run = workflow(app_functions, "approval_workflow", "order-D-1:approval")
    asking = run.start(
        client_input({"order_id": "D-1", "amount": "1500.00", "currency": "EUR", "timeout_s": 60})
    )
    wait = complete(run, asking, "sent")
    second_wait = complete(run, run.episode(run.fired(wait.timers[0])), "reminded")
    assert run.episode(run.fired(second_wait.timers[0])).status is RuntimeStatus.Completed
    return [run]


def ingestion(app_functions: AppFunctions) -> list[EpisodeRun]:
    """Three files in batches of two, one batch at a time, every batch a real child."""
    request = {"container": "ingestion-input", "prefix": "", "batch_size": 2, "parallel_batches": 1}
    run = workflow(app_functions, "ingestion_workflow", "ingest-d1")
    window = complete(
        run, run.start(client_input(request)), {"manifest": "ingest-d1/manifest.json", "count": 3}
    )
    runs = [run]
    for files in (["a.csv", "b.csv"], ["c.csv"]):
        (work,) = window.sub_orchestrations
        batch, _ = start_child(app_functions, run, work)
        fan_out = batch.episode(batch.completed(0, files))
        results = [{"file": name, "status": "failed" if name == "b.csv" else "ok"} for name in files]
        writing = batch.episode(
            *(batch.completed(a.task_id, r) for a, r in zip(fan_out.activities, results, strict=True))
        )
        summary = {
            "files": len(files),
            "failed": int("b.csv" in files),
            "batch_index": len(runs) - 1,
            "results": "x",
        }
        notification = complete(batch, writing, summary).parent_notification
        assert notification is not None
        run.clock = batch.clock
        window = run.episode(notification.event)
        runs.append(batch)
    assert complete(run, window, {"files": 3}).status is RuntimeStatus.Completed
    return runs


def monitor(app_functions: AppFunctions) -> list[EpisodeRun]:
    """An alert, a quiet poll, then the expiry: three generations."""
    state = {
        "device_id": "d-1",
        "threshold": 8.0,
        "interval_s": 60,
        "expires_at": (T0 + timedelta(seconds=90)).isoformat(),
    }
    run = workflow(app_functions, "device_monitor", "monitor-d-1")
    alerting = complete(run, run.start(client_input(state)), {"reading": {"value": 9.0}})
    sleeping = complete(run, alerting, "alert")
    runs = [run]
    continued = run.episode(run.fired(sleeping.timers[0]))
    generation, read = next_generation(app_functions, run, continued)
    runs.append(generation)
    sleeping = complete(generation, read, {"reading": {"value": 9.5}})
    last, read = next_generation(
        app_functions, generation, generation.episode(generation.fired(sleeping.timers[0]))
    )
    runs.append(last)
    assert complete(last, read, {"reading": None}).status is RuntimeStatus.Completed
    return runs


def monitor_stopped(app_functions: AppFunctions) -> list[EpisodeRun]:
    state = {
        "device_id": "d-1",
        "threshold": 8.0,
        "interval_s": 60,
        "expires_at": (T0 + timedelta(hours=1)).isoformat(),
    }
    run = workflow(app_functions, "device_monitor", "monitor-d-1")
    complete(run, run.start(client_input(state)), {"reading": {"value": 1.0}})
    assert run.episode(run.raised("Stop", {})).status is RuntimeStatus.Completed
    return [run]


SCENARIOS: dict[str, Callable[[AppFunctions], list[EpisodeRun]]] = {
    "order_completed": order_completed,
    "order_shipping_failed": order_shipping_failed,
    "order_with_approval": order_with_approval,
    "approval_auto_rejected": approval_auto_rejected,
    "ingestion": ingestion,
    "monitor": monitor,
    "monitor_stopped": monitor_stopped,
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_recorded_episode_reruns_to_the_same_result(app_functions: AppFunctions, scenario: str) -> None:
    for run in SCENARIOS[scenario](app_functions):
        assert len(run.episodes) >= 2
        for episode in run.episodes:
            again = run_episode(
                run.handle_of(run.orchestrator),
                history=episode.history,
                new_events=episode.inbound,
                now=episode.now,
                functions=FUNCTIONS,
            )
            assert again == episode.result


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_replaying_a_complete_history_asks_for_nothing_new(
    app_functions: AppFunctions, scenario: str
) -> None:
    for run in SCENARIOS[scenario](app_functions):
        final = run.episodes[-1].result.status
        assert final.is_terminal or final is RuntimeStatus.ContinuedAsNew
        answer = replay_history(run)

        allocated = [a.task_id for a in answer.actions if a.kind is not ActionKind.CONTINUE_AS_NEW]
        scheduled = [e["EventId"] for e in run.history if e["EventType"] in SCHEDULING_TYPES]
        assert allocated == scheduled
        if final is RuntimeStatus.Failed:
            assert answer.state["error"]
        else:
            assert answer.state["isDone"] is True
        assert pending(run) == PendingWork()


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_redelivered_events_are_dropped_without_new_work(app_functions: AppFunctions, scenario: str) -> None:
    """A host that delivers a completion twice (after a crash) gets an empty episode, nothing to do."""
    redelivered = 0
    for run in SCENARIOS[scenario](app_functions):
        for position, episode in enumerate(run.episodes[:-1]):
            history = run.episodes[position + 1].history
            completions = [e for e in episode.inbound if e["EventType"] != EventType.EventRaised]
            if not completions:
                continue
            again = run_episode(
                run.handle_of(run.orchestrator),
                history=history,
                new_events=completions,
                now=run.episodes[position + 1].now,
                functions=FUNCTIONS,
            )
            assert again.new_events == []
            assert (again.activities, again.timers, again.sub_orchestrations, again.entity_messages) == (
                [],
                [],
                [],
                [],
            )
            assert len(again.dropped_events) == len(completions)
            redelivered += 1
    assert redelivered > 0


def test_pending_work_of_an_interrupted_order_is_what_its_last_episode_asked_for(
    app_functions: AppFunctions,
) -> None:
    run, _, first = start(app_functions)
    assert pending(run).activities == first.activities

    reserving = complete(run, first, VALIDATED)
    assert pending(run).entity_messages == reserving.entity_messages

    run, _, charging = validated_and_reserved(app_functions)
    assert pending(run).activities == charging.activities

    run, _, waiting = awaiting_approval(app_functions)
    assert pending(run).sub_orchestrations == waiting.sub_orchestrations
