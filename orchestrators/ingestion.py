"""Ingestion pipeline (fan-out/fan-in over blobs) with bounded parallelism.

The file list goes to a manifest blob; files are processed in batches, each batch a sub-orchestration
that fans out over its files, and at most `parallel_batches` batches run at once. So a run over 10,000
files keeps every history small: the parent holds one event pair per batch, each child one per file.
A corrupt file fails only its own branch and is listed in the summary; progress is in `custom_status`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from domain import names
from domain.instance_ids import ingestion_batch_instance_id
from domain.models import IngestionBatchInput, IngestionRequest
from orchestrators.policies import STORAGE_RETRY

bp = df.Blueprint()


def _run_id(context: df.DurableOrchestrationContext) -> str:
    """The instance id names the run's output folder (`ingest-...` ids are valid blob path segments)."""
    return context.instance_id.replace(":", "-")


@bp.orchestration_trigger(context_name="context")
def ingestion_workflow(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    request = IngestionRequest.model_validate(context.get_input())
    run_id = _run_id(context)
    listing = yield context.call_activity_with_retry(
        names.LIST_CSV_FILES,
        STORAGE_RETRY,
        {"run_id": run_id, "container": request.container, "prefix": request.prefix},
    )
    total_files = int(listing["count"])
    batch_count = -(-total_files // request.batch_size)
    progress = {"step": "processing", "files_total": total_files, "batches_total": batch_count}
    summaries: list[dict[str, Any]] = []
    context.set_custom_status({**progress, "batches_done": 0, "files_done": 0, "files_failed": 0})
    for window_start in range(0, batch_count, request.parallel_batches):
        window = range(window_start, min(window_start + request.parallel_batches, batch_count))
        batches = [
            context.call_sub_orchestrator(
                names.INGESTION_BATCH,
                IngestionBatchInput(
                    run_id=run_id,
                    container=request.container,
                    manifest=listing["manifest"],
                    batch_index=index,
                    offset=index * request.batch_size,
                    limit=request.batch_size,
                ).model_dump(mode="json"),
                instance_id=ingestion_batch_instance_id(context.instance_id, index),
            )
            for index in window
        ]
        summaries.extend((yield context.task_all(batches)))
        context.set_custom_status(
            {
                **progress,
                "batches_done": len(summaries),
                "files_done": sum(int(s["files"]) for s in summaries),
                "files_failed": sum(int(s["failed"]) for s in summaries),
            }
        )
    context.set_custom_status({**progress, "step": "summarizing", "batches_done": len(summaries)})
    summary = yield context.call_activity_with_retry(
        names.WRITE_INGESTION_SUMMARY,
        STORAGE_RETRY,
        {
            "run_id": run_id,
            "source": {"container": request.container, "prefix": request.prefix},
            "batches": [{"batch_index": s["batch_index"], "results": s["results"]} for s in summaries],
        },
    )
    context.set_custom_status({**progress, "step": "completed", "batches_done": len(summaries)})
    return dict(summary)


@bp.orchestration_trigger(context_name="context")
def ingestion_batch(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    batch = IngestionBatchInput.model_validate(context.get_input())
    files = yield context.call_activity_with_retry(
        names.READ_MANIFEST_SLICE,
        STORAGE_RETRY,
        {"manifest": batch.manifest, "offset": batch.offset, "limit": batch.limit},
    )
    results = yield context.task_all(
        [
            context.call_activity_with_retry(
                names.PROCESS_CSV_FILE,
                STORAGE_RETRY,
                {"run_id": batch.run_id, "container": batch.container, "name": name},
            )
            for name in files
        ]
    )
    summary = yield context.call_activity_with_retry(
        names.WRITE_BATCH_RESULT,
        STORAGE_RETRY,
        {"run_id": batch.run_id, "batch_index": batch.batch_index, "results": results},
    )
    return dict(summary)
