"""The ingestion benchmark's input files, and the plain script the pipeline is compared against.

The script does the pipeline's blob work directly, with the same thread count the host gives the
app's activities: list the CSV blobs, download each one, parse and validate it with
`domain.csv_orders`, upload its cleaned copy, then upload one summary.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from azure.storage.blob import BlobServiceClient, ContainerClient

from domain.csv_orders import EXPECTED_HEADER, CorruptFileError, aggregate_csv, cleaned_csv

INVALID_EVERY = 50
"""Every 50th row is invalid (negative quantity), so validation has something to reject."""


def orders_csv(file_index: int, size_bytes: int) -> bytes:
    """One order-line CSV file of about `size_bytes`."""
    lines = [",".join(EXPECTED_HEADER)]
    size = len(lines[0]) + 1
    row = 0
    while size < size_bytes:
        row += 1
        quantity = -1 if row % INVALID_EVERY == 0 else 1 + row % 9
        line = f"ORD-{file_index:04d}-{row:06d},SKU-{row % 997:04d},{quantity},{1 + row % 50}.{row % 100:02d}"
        lines.append(line)
        size += len(line) + 1
    return ("\n".join(lines) + "\n").encode()


def upload_inputs(connection: str, container: str, prefix: str, files: int, size_bytes: int) -> None:
    client = BlobServiceClient.from_connection_string(connection).get_container_client(container)
    client.create_container()
    for index in range(files):
        client.upload_blob(f"{prefix}orders-{index:04d}.csv", orders_csv(index, size_bytes), overwrite=True)


def _process(source: ContainerClient, target: ContainerClient, run_id: str, name: str) -> dict[str, Any]:
    data = source.download_blob(name).readall()
    try:
        aggregate = aggregate_csv(data)
    except CorruptFileError as exc:
        return {"file": name, "status": "failed", "error": str(exc)}
    target.upload_blob(f"{run_id}/clean/{name}", cleaned_csv(aggregate), overwrite=True)
    return {"file": name, "status": "ok", "rows": aggregate.rows, "valid": aggregate.valid}


def plain_script(
    connection: str, *, container: str, prefix: str, target_container: str, run_id: str, workers: int
) -> dict[str, Any]:
    """The pipeline's blob work without an orchestrator; returns the summary it uploaded."""
    service = BlobServiceClient.from_connection_string(connection)
    source = service.get_container_client(container)
    target = service.get_container_client(target_container)
    if not target.exists():
        target.create_container()
    names = sorted(b.name for b in source.list_blobs(name_starts_with=prefix) if b.name.endswith(".csv"))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda name: _process(source, target, run_id, name), names))
    ok = [r for r in results if r["status"] == "ok"]
    summary = {
        "files": len(results),
        "succeeded": len(ok),
        "rows": sum(r["rows"] for r in ok),
        "valid": sum(r["valid"] for r in ok),
    }
    document = {**summary, "results": results}
    target.upload_blob(f"{run_id}/summary.json", json.dumps(document).encode(), overwrite=True)
    return summary
