"""The ingestion pipeline through the SDK's real replay: batch sub-orchestrations, bounded fan-out/fan-in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from activities.ingestion import summarize
from devhost.protocol import RuntimeStatus
from tests.app.orchestrators.harness import (
    AppFunctions,
    activity_input,
    child_completed,
    child_failed,
    client_input,
    complete,
    custom_status,
    only_activity,
    output,
    raised,
    start_child,
    stored_value,
    workflow,
)
from tests.support.episodes import EpisodeRun

RUN = "ingest-0123abcd"
MANIFEST = f"{RUN}/manifest.json"
REQUEST = {"container": "ingestion-input", "prefix": "day1/", "batch_size": 2, "parallel_batches": 2}


def ok(name: str, rows: int = 1) -> dict[str, Any]:
    """`process_csv_file`'s result for a good file."""
    return {
        "file": name,
        "status": "ok",
        "rows": rows,
        "valid": rows,
        "invalid": 0,
        "invalid_lines": [],
        "quantity": 2 * rows,
        "amount": f"{10 * rows}.00",
        "output": f"ingestion-output/{RUN}/clean/{name}",
    }


def corrupt(name: str) -> dict[str, Any]:
    return {
        "file": name,
        "status": "failed",
        "error": "[csv.corrupt] header must be order_id,sku,quantity,unit_price",
    }


def batch_summary(index: int, results: list[dict[str, Any]]) -> dict[str, Any]:
    """`write_batch_result`'s answer, from the app's own `summarize`."""
    return {**summarize(results), "batch_index": index, "results": f"{RUN}/batches/{index:05d}.json"}


def listed(
    app_functions: AppFunctions, count: int, request: dict[str, Any] = REQUEST
) -> tuple[EpisodeRun, Any]:
    run = workflow(app_functions, "ingestion_workflow", RUN)
    listing = run.start(client_input(request))
    return run, complete(run, listing, {"manifest": MANIFEST, "count": count})


def test_lists_the_files_into_a_manifest_first(app_functions: AppFunctions) -> None:
    run = workflow(app_functions, "ingestion_workflow", RUN)
    listing = run.start(client_input(REQUEST))

    assert only_activity(listing).name == "list_csv_files"
    assert activity_input(listing) == {"run_id": RUN, "container": "ingestion-input", "prefix": "day1/"}
    assert listing.sub_orchestrations == []
    assert custom_status(listing) is None


def test_batches_run_as_sub_orchestrations_at_most_parallel_batches_at_once(
    app_functions: AppFunctions,
) -> None:
    run, first_window = listed(app_functions, count=5)  # 3 batches of at most 2 files, 2 at once

    assert custom_status(first_window) == {
        "step": "processing",
        "files_total": 5,
        "batches_total": 3,
        "batches_done": 0,
        "files_done": 0,
        "files_failed": 0,
    }
    assert first_window.activities == []
    assert [(w.name, w.instance_id) for w in first_window.sub_orchestrations] == [
        ("ingestion_batch", f"{RUN}:batch-00000"),
        ("ingestion_batch", f"{RUN}:batch-00001"),
    ]
    assert [stored_value(w.input) for w in first_window.sub_orchestrations] == [
        {
            "run_id": RUN,
            "container": "ingestion-input",
            "manifest": MANIFEST,
            "batch_index": 0,
            "offset": 0,
            "limit": 2,
        },
        {
            "run_id": RUN,
            "container": "ingestion-input",
            "manifest": MANIFEST,
            "batch_index": 1,
            "offset": 2,
            "limit": 2,
        },
    ]
    first, second = first_window.sub_orchestrations
    batch0 = batch_summary(0, [ok("day1/a.csv"), corrupt("day1/b.csv")])
    batch1 = batch_summary(1, [ok("day1/c.csv", 2), ok("day1/d.csv", 3)])

    half = run.episode(child_completed(run, second.task_id, batch1))
    assert (half.status, half.sub_orchestrations, half.activities) == (RuntimeStatus.Running, [], [])
    assert custom_status(half)["batches_done"] == 0  # the window is not done until all of it is

    second_window = run.episode(child_completed(run, first.task_id, batch0))
    assert custom_status(second_window) == {
        "step": "processing",
        "files_total": 5,
        "batches_total": 3,
        "batches_done": 2,
        "files_done": 4,
        "files_failed": 1,
    }
    (last,) = second_window.sub_orchestrations
    assert last.instance_id == f"{RUN}:batch-00002"
    assert stored_value(last.input)["offset"] == 4

    batch2 = batch_summary(2, [ok("day1/e.csv")])
    summarizing = run.episode(child_completed(run, last.task_id, batch2))
    assert custom_status(summarizing) == {
        "step": "summarizing",
        "files_total": 5,
        "batches_total": 3,
        "batches_done": 3,
    }
    assert only_activity(summarizing).name == "write_ingestion_summary"
    assert activity_input(summarizing) == {
        "run_id": RUN,
        "source": {"container": "ingestion-input", "prefix": "day1/"},
        "batches": [{"batch_index": i, "results": f"{RUN}/batches/{i:05d}.json"} for i in range(3)],
    }

    summary = {
        **summarize([ok("day1/a.csv"), corrupt("day1/b.csv")]),
        "summary": f"ingestion-output/{RUN}/summary.json",
    }
    done = complete(run, summarizing, summary)
    assert done.status is RuntimeStatus.Completed
    assert output(done) == summary
    assert custom_status(done) == {
        "step": "completed",
        "files_total": 5,
        "batches_total": 3,
        "batches_done": 3,
    }


def test_zero_files_go_straight_to_an_empty_summary(app_functions: AppFunctions) -> None:
    run, summarizing = listed(app_functions, count=0)

    assert summarizing.sub_orchestrations == []
    assert custom_status(summarizing) == {
        "step": "summarizing",
        "files_total": 0,
        "batches_total": 0,
        "batches_done": 0,
    }
    assert activity_input(summarizing)["batches"] == []
    done = complete(run, summarizing, {**summarize([]), "summary": f"ingestion-output/{RUN}/summary.json"})
    assert done.status is RuntimeStatus.Completed
    assert output(done)["files"] == 0


def test_the_batch_fans_out_over_its_files_and_writes_its_result(app_functions: AppFunctions) -> None:
    batch_input = {
        "run_id": RUN,
        "container": "ingestion-input",
        "manifest": MANIFEST,
        "batch_index": 1,
        "offset": 2,
        "limit": 2,
    }
    run = workflow(app_functions, "ingestion_batch", f"{RUN}:batch-00001")
    slicing = run.start(client_input(batch_input))
    assert only_activity(slicing).name == "read_manifest_slice"
    assert activity_input(slicing) == {"manifest": MANIFEST, "offset": 2, "limit": 2}

    fan_out = complete(run, slicing, ["day1/c.csv", "day1/d.csv"])
    assert [(a.name, a.task_id) for a in fan_out.activities] == [
        ("process_csv_file", 1),
        ("process_csv_file", 2),
    ]
    assert [activity_input(fan_out, i) for i in range(2)] == [
        {"run_id": RUN, "container": "ingestion-input", "name": "day1/c.csv"},
        {"run_id": RUN, "container": "ingestion-input", "name": "day1/d.csv"},
    ]

    # d's first attempt hits a storage error: only d is retried, after its own one-second timer
    retrying = run.episode(raised(run, fan_out.activities[1], ConnectionError("blob read timed out")))
    (timer,) = retrying.timers
    assert timer.fire_at == run.clock + timedelta(seconds=1)
    again = run.episode(run.fired(timer), run.completed(1, ok("day1/c.csv")))
    assert only_activity(again).name == "process_csv_file"
    assert activity_input(again)["name"] == "day1/d.csv"

    writing = complete(run, again, corrupt("day1/d.csv"))
    assert only_activity(writing).name == "write_batch_result"
    assert activity_input(writing) == {
        "run_id": RUN,
        "batch_index": 1,
        "results": [ok("day1/c.csv"), corrupt("day1/d.csv")],  # in file order, whichever finished first
    }
    summary = batch_summary(1, [ok("day1/c.csv"), corrupt("day1/d.csv")])
    done = complete(run, writing, summary)
    assert (done.status, output(done)) == (RuntimeStatus.Completed, summary)


def test_a_storage_failure_after_every_retry_fails_the_batch(app_functions: AppFunctions) -> None:
    run = workflow(app_functions, "ingestion_batch", f"{RUN}:batch-00000")
    slicing = run.start(
        client_input(
            {
                "run_id": RUN,
                "container": "ingestion-input",
                "manifest": MANIFEST,
                "batch_index": 0,
                "offset": 0,
                "limit": 2,
            }
        )
    )
    for _ in range(3):
        failed = run.episode(
            raised(run, only_activity(slicing), FileNotFoundError(f"manifest {MANIFEST} is missing"))
        )
        slicing = run.episode(run.fired(failed.timers[0]))

    assert slicing.status is RuntimeStatus.Failed
    assert slicing.output is not None
    assert "Activity function 'read_manifest_slice' failed: FileNotFoundError" in slicing.output


def test_a_corrupt_file_flows_through_the_real_batch_into_the_progress_and_the_summary(
    app_functions: AppFunctions,
) -> None:
    run, first_window = listed(app_functions, count=3, request={**REQUEST, "parallel_batches": 1})
    (work,) = first_window.sub_orchestrations

    batch, slicing = start_child(app_functions, run, work)
    fan_out = complete(batch, slicing, ["day1/a.csv", "day1/b.csv"])
    file_a, file_b = fan_out.activities
    writing = batch.episode(
        batch.completed(file_b.task_id, corrupt("day1/b.csv")),
        batch.completed(file_a.task_id, ok("day1/a.csv")),
    )
    assert activity_input(writing)["results"] == [ok("day1/a.csv"), corrupt("day1/b.csv")]
    done = complete(batch, writing, batch_summary(0, activity_input(writing)["results"]))
    notification = done.parent_notification
    assert notification is not None
    assert (notification.instance_id, notification.event["TaskScheduledId"]) == (RUN, work.task_id)

    run.clock = batch.clock
    second_window = run.episode(notification.event)
    assert custom_status(second_window) == {
        "step": "processing",
        "files_total": 3,
        "batches_total": 2,
        "batches_done": 1,
        "files_done": 2,
        "files_failed": 1,
    }
    (last,) = second_window.sub_orchestrations
    assert last.instance_id == f"{RUN}:batch-00001"

    summarizing = run.episode(child_completed(run, last.task_id, batch_summary(1, [ok("day1/c.csv")])))
    assert activity_input(summarizing)["batches"] == [
        {"batch_index": 0, "results": f"{RUN}/batches/00000.json"},
        {"batch_index": 1, "results": f"{RUN}/batches/00001.json"},
    ]
    all_results = [ok("day1/a.csv"), corrupt("day1/b.csv"), ok("day1/c.csv")]
    summary = {**summarize(all_results), "summary": f"ingestion-output/{RUN}/summary.json"}
    done_run = complete(run, summarizing, summary)
    assert output(done_run)["failed_files"] == [
        {"file": "day1/b.csv", "error": corrupt("day1/b.csv")["error"]}
    ]
    assert (output(done_run)["succeeded"], output(done_run)["failed"]) == (2, 1)


def test_a_failed_batch_fails_the_run(app_functions: AppFunctions) -> None:
    run, first_window = listed(app_functions, count=3)
    first, _ = first_window.sub_orchestrations

    reason = "Orchestrator function 'ingestion_batch' failed: manifest missing"
    failed = run.episode(child_failed(run, first.task_id, reason))
    assert failed.status is RuntimeStatus.Failed
    assert failed.output is not None
    assert reason in failed.output
    assert (failed.activities, failed.sub_orchestrations) == ([], [])
