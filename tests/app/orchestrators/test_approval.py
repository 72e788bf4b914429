"""The approval workflow through the SDK's real replay: a decision racing a timer, reminder, auto-reject."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from devhost.protocol import EventType, ParentInstance, RuntimeStatus, TimerWork
from tests.app.orchestrators.harness import (
    AppFunctions,
    activity_input,
    canceled_timers,
    client_input,
    complete,
    custom_status,
    only_activity,
    output,
    workflow,
)
from tests.support.episodes import EpisodeRun

TIMEOUT_S = 3600
REQUEST = {"order_id": "B-1", "amount": "1500.00", "currency": "EUR", "timeout_s": TIMEOUT_S}
NOTICE = {**REQUEST, "instance_id": "order-B-1:approval"}
DECISION = {"approved": True, "approver": "maria", "comment": "known customer"}
PARENT = ParentInstance(
    name="order_workflow", instance_id="order-B-1", execution_id="order-exec", task_schedule_id=2
)


def waiting(app_functions: AppFunctions, request: dict[str, Any] = REQUEST) -> tuple[EpisodeRun, Any]:
    """Start the approval as the order's child and run until it waits for the first decision."""
    run = workflow(app_functions, "approval_workflow", "order-B-1:approval")
    asking = run.start(client_input(request), parent=PARENT)
    return run, complete(run, asking, "notifications/approvals/B-1/request.json")


def test_asks_the_approver_then_waits_for_a_decision_until_the_deadline(app_functions: AppFunctions) -> None:
    run = workflow(app_functions, "approval_workflow", "order-B-1:approval")
    asking = run.start(client_input(REQUEST), parent=PARENT)
    assert only_activity(asking).name == "request_approval"
    assert activity_input(asking) == NOTICE
    assert custom_status(asking) == {"step": "awaiting_decision", "order_id": "B-1"}
    assert asking.timers == []

    wait = complete(run, asking, "notifications/approvals/B-1/request.json")
    assert wait.status is RuntimeStatus.Running
    assert wait.timers == [TimerWork(1, run.clock + timedelta(seconds=TIMEOUT_S))]  # from the episode's time
    assert wait.activities == []


def test_a_decision_before_the_deadline_wins_and_the_timer_is_canceled(app_functions: AppFunctions) -> None:
    run, wait = waiting(app_functions)
    (timer,) = wait.timers

    decided = run.episode(run.raised("ApprovalDecision", DECISION), advance=timedelta(minutes=10))

    assert decided.status is RuntimeStatus.Completed
    assert output(decided) == {
        "approved": True,
        "decided_by": "maria",
        "reason": "known customer",
        "reminded": False,
    }
    assert custom_status(decided) == {"step": "decided", "order_id": "B-1", "approved": True}
    assert (decided.activities, decided.timers) == ([], [])
    assert canceled_timers(run) == [timer.timer_id]
    notification = decided.parent_notification
    assert notification is not None
    assert (notification.instance_id, notification.execution_id) == ("order-B-1", "order-exec")
    assert notification.event["EventType"] == EventType.SubOrchestrationInstanceCompleted
    assert notification.event["TaskScheduledId"] == 2
    assert json.loads(notification.event["Result"]) == output(decided)


def test_a_decision_sent_as_json_text_by_the_sdk_client_is_accepted(app_functions: AppFunctions) -> None:
    run, _ = waiting(app_functions)
    rejection = {"approved": False, "approver": "lee"}

    decided = run.episode(run.raised("ApprovalDecision", json.dumps(rejection)))

    assert decided.status is RuntimeStatus.Completed
    assert output(decided) == {
        "approved": False,
        "decided_by": "lee",
        "reason": "rejected",
        "reminded": False,
    }


def test_a_decision_raised_before_the_wait_is_buffered_and_decides_at_once(
    app_functions: AppFunctions,
) -> None:
    run = workflow(app_functions, "approval_workflow", "order-B-1:approval")
    asking = run.start(client_input(REQUEST), parent=PARENT)

    decided = run.episode(run.raised("ApprovalDecision", DECISION), run.completed(0, "sent"))

    assert decided.status is RuntimeStatus.Completed
    assert output(decided)["decided_by"] == "maria"
    assert asking.timers == []
    assert canceled_timers(run) == [1]


def test_an_invalid_decision_is_ignored_and_the_wait_continues_until_the_same_deadline(
    app_functions: AppFunctions,
) -> None:
    run, wait = waiting(app_functions)
    (first_timer,) = wait.timers

    ignored = run.episode(run.raised("ApprovalDecision", {"approved": "maybe"}), advance=timedelta(minutes=5))
    assert ignored.status is RuntimeStatus.Running
    assert custom_status(ignored) == {"step": "ignored_invalid_decision", "order_id": "B-1"}
    (second_timer,) = ignored.timers
    assert second_timer.fire_at == first_timer.fire_at  # the deadline does not move
    assert ignored.canceled_timer_ids == [first_timer.timer_id]

    not_json = run.episode(run.raised("ApprovalDecision", "not json {"))
    (third_timer,) = not_json.timers
    assert third_timer.fire_at == first_timer.fire_at
    assert not_json.canceled_timer_ids == [first_timer.timer_id, second_timer.timer_id]

    # The host still fires the canceled timers: only the live one counts, and the reminder goes out once.
    reminded = run.episode(*(run.fired(t) for t in (first_timer, second_timer, third_timer)))
    assert only_activity(reminded).name == "send_approval_reminder"


def test_a_timeout_sends_one_reminder_then_a_decision_in_the_second_wait_decides(
    app_functions: AppFunctions,
) -> None:
    run, wait = waiting(app_functions)
    (timer,) = wait.timers

    reminding = run.episode(run.fired(timer))
    assert only_activity(reminding).name == "send_approval_reminder"
    assert activity_input(reminding) == NOTICE
    assert custom_status(reminding) == {"step": "reminded", "order_id": "B-1"}

    second_wait = complete(run, reminding, "notifications/approvals/B-1/reminder.json")
    (second_timer,) = second_wait.timers
    assert second_timer.fire_at == run.clock + timedelta(seconds=TIMEOUT_S)  # a fresh wait from now

    decided = run.episode(run.raised("ApprovalDecision", {**DECISION, "comment": ""}))
    assert decided.status is RuntimeStatus.Completed
    assert output(decided) == {
        "approved": True,
        "decided_by": "maria",
        "reason": "approved",
        "reminded": True,
    }
    assert canceled_timers(run) == [second_timer.timer_id]


def test_two_timeouts_reject_automatically(app_functions: AppFunctions) -> None:
    run, wait = waiting(app_functions)
    reminding = run.episode(run.fired(wait.timers[0]))
    second_wait = complete(run, reminding, "notifications/approvals/B-1/reminder.json")

    rejected = run.episode(run.fired(second_wait.timers[0]))

    assert rejected.status is RuntimeStatus.Completed
    assert output(rejected) == {
        "approved": False,
        "decided_by": "system",
        "reason": "no decision before the deadline",
        "reminded": True,
    }
    assert custom_status(rejected) == {"step": "decided", "order_id": "B-1", "approved": False}
    assert rejected.activities == []
    assert canceled_timers(run) == []
    scheduled = [e["Name"] for e in run.history if e["EventType"] == EventType.TaskScheduled]
    assert scheduled == ["request_approval", "send_approval_reminder"]


def test_a_timeout_longer_than_six_days_waits_in_sub_timers_until_the_exact_deadline(
    app_functions: AppFunctions,
) -> None:
    week = 7 * 24 * 3600
    run, wait = waiting(app_functions, {**REQUEST, "timeout_s": week})
    deadline = run.clock + timedelta(seconds=week)
    (first_leg,) = wait.timers
    assert first_leg.fire_at == run.clock + timedelta(days=3)

    second = run.episode(run.fired(first_leg))
    assert second.activities == []
    (last_leg,) = second.timers  # four days left: less than six, so one more timer to the deadline
    assert last_leg.fire_at == deadline

    reminding = run.episode(run.fired(last_leg))
    assert only_activity(reminding).name == "send_approval_reminder"


def test_a_failing_notification_fails_the_approval_and_tells_the_order(app_functions: AppFunctions) -> None:
    run = workflow(app_functions, "approval_workflow", "order-B-1:approval")
    asking = run.start(client_input(REQUEST), parent=PARENT)
    for attempt in range(3):
        failed = run.episode(run.failed(only_activity(asking).task_id, "request_approval", "storage down"))
        asking = run.episode(run.fired(failed.timers[0]))
        if attempt < 2:
            assert only_activity(asking).name == "request_approval"

    assert asking.status is RuntimeStatus.Failed
    notification = asking.parent_notification
    assert notification is not None
    assert notification.event["EventType"] == EventType.SubOrchestrationInstanceFailed
    assert (
        "Activity function 'request_approval' failed: ValueError: storage down"
        in notification.event["Reason"]
    )
