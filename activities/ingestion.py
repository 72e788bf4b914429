"""Ingestion activities: list CSV blobs into a manifest, process one file, write batch and run summaries.

Large data stays in blobs (the manifest, cleaned files, per-batch results, the summary); only small
summaries travel through orchestration history.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import azure.durable_functions as df

from activities import blob_store
from domain.csv_orders import CorruptFileError, aggregate_csv, cleaned_csv

bp = df.Blueprint()
FAILED_FILES_IN_SUMMARY = 20


def is_safe_blob_name(name: str) -> bool:
    """Source names become output names (`{run}/clean/{name}`): no `.`/`..` segments, no control chars."""
    segments = name.split("/")
    return all(segment not in {"", ".", ".."} for segment in segments) and name.isprintable()


def run_path(run_id: str, name: str) -> str:
    return f"{run_id}/{name}"


@bp.activity_trigger(input_name="request")
def list_csv_files(request: dict) -> dict:
    """Write the run's manifest (every `.csv` blob under the prefix, sorted) and return its size."""
    source = blob_store.source_container(request["container"])
    names = sorted(
        blob.name
        for blob in source.list_blobs(name_starts_with=request.get("prefix") or None)
        if blob.name.lower().endswith(".csv") and is_safe_blob_name(blob.name)
    )
    manifest = run_path(request["run_id"], "manifest.json")
    blob_store.write_json(
        blob_store.INGESTION_OUTPUT,
        manifest,
        {"container": request["container"], "prefix": request.get("prefix", ""), "files": names},
    )
    return {"manifest": manifest, "count": len(names)}


@bp.activity_trigger(input_name="request")
def read_manifest_slice(request: dict) -> list:
    """The file names of one batch: `files[offset:offset+limit]` of the manifest."""
    manifest = blob_store.read_json(blob_store.INGESTION_OUTPUT, request["manifest"])
    if manifest is None:
        raise FileNotFoundError(f"manifest {request['manifest']} is missing")
    start = int(request["offset"])
    return list(manifest["files"][start : start + int(request["limit"])])


@bp.activity_trigger(input_name="request")
def process_csv_file(request: dict) -> dict:
    """Parse, validate and aggregate one file and write its cleaned copy.

    A corrupt file is a result (`status: failed`), not an exception, so it fails only its own branch of
    the fan-out; storage errors do raise, and the workflow's retry policy handles them.
    """
    name, run_id = request["name"], request["run_id"]
    data = blob_store.source_container(request["container"]).download_blob(name).readall()
    try:
        aggregate = aggregate_csv(data)
    except CorruptFileError as exc:
        return {"file": name, "status": "failed", "error": str(exc)}
    output = blob_store.container(blob_store.INGESTION_OUTPUT).upload_blob(
        run_path(run_id, f"clean/{name}"), cleaned_csv(aggregate), overwrite=True
    )
    return {
        "file": name,
        "status": "ok",
        "rows": aggregate.rows,
        "valid": aggregate.valid,
        "invalid": aggregate.invalid,
        "invalid_lines": aggregate.invalid_lines,
        "quantity": aggregate.quantity,
        "amount": str(aggregate.amount),
        "output": f"{blob_store.INGESTION_OUTPUT}/{output.blob_name}",
    }


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over per-file results; failed files are listed (the first few) with their reasons."""
    ok = [r for r in results if r.get("status") == "ok"]
    failed = [r for r in results if r.get("status") != "ok"]
    return {
        "files": len(results),
        "succeeded": len(ok),
        "failed": len(failed),
        "rows": sum(int(r["rows"]) for r in ok),
        "valid": sum(int(r["valid"]) for r in ok),
        "invalid": sum(int(r["invalid"]) for r in ok),
        "quantity": sum(int(r["quantity"]) for r in ok),
        "amount": str(sum((Decimal(r["amount"]) for r in ok), Decimal("0"))),
        "failed_files": [{"file": r["file"], "error": r.get("error", "")} for r in failed][
            :FAILED_FILES_IN_SUMMARY
        ],
    }


@bp.activity_trigger(input_name="batch")
def write_batch_result(batch: dict) -> dict:
    """Store a batch's per-file results and return its summary (small enough for history)."""
    path = run_path(batch["run_id"], f"batches/{int(batch['batch_index']):05d}.json")
    blob_store.write_json(blob_store.INGESTION_OUTPUT, path, batch["results"])
    return {**summarize(batch["results"]), "batch_index": batch["batch_index"], "results": path}


@bp.activity_trigger(input_name="run")
def write_ingestion_summary(run: dict) -> dict:
    """Combine every batch's stored results into `ingestion-output/{run_id}/summary.json`."""
    results: list[dict[str, Any]] = []
    for batch in sorted(run["batches"], key=lambda b: int(b["batch_index"])):
        stored = blob_store.read_json(blob_store.INGESTION_OUTPUT, batch["results"]) or []
        results.extend(stored)
    summary = summarize(results)
    document = {**summary, "run_id": run["run_id"], "source": run["source"], "results": results}
    path = blob_store.write_json(
        blob_store.INGESTION_OUTPUT, run_path(run["run_id"], "summary.json"), document
    )
    return {**summary, "summary": path}
