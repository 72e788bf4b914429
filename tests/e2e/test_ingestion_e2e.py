"""The ingestion pipeline over blobs uploaded to the app's storage first (README §3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient

from tests.e2e.clients import AppApi

pytestmark = pytest.mark.azurite

HEADER = b"order_id,sku,quantity,unit_price\n"
FILES = {
    "day1/a.csv": HEADER + b"o1,WIDGET-1,2,10.00\no2,WIDGET-2,1,5.50\n",
    "day1/b.csv": b"not,a,valid\nheader\n",
    "day1/c.csv": HEADER + b"o3,WIDGET-1,3,1.25\no4,widget-lower,1,1.00\no5,WIDGET-3,-1,2.00\n",
    "day1/notes.txt": b"not a csv file, not listed\n",
    "day2/d.csv": HEADER + b"o6,WIDGET-1,1,1.00\n",
}


@pytest.fixture
def input_container(workflow_blobs: BlobServiceClient, unique_name: str) -> Iterator[str]:
    container = workflow_blobs.create_container(unique_name)
    for name, data in FILES.items():
        container.upload_blob(name, data)
    yield unique_name
    container.delete_container()


def test_ingestion_processes_every_csv_under_the_prefix(api: AppApi, input_container: str) -> None:
    links = api.start(
        "ingestions",
        {"container": input_container, "prefix": "day1/", "batch_size": 1, "parallel_batches": 2},
    )
    instance_id = links["id"]
    assert instance_id.startswith("ingest-")
    progress: list[dict[str, Any]] = []

    def record_progress(status: dict[str, Any]) -> bool:
        if status["custom_status"] and status["custom_status"] not in progress:
            progress.append(status["custom_status"])
        return bool(status["runtime_status"] in {"Completed", "Failed", "Terminated"})

    status = api.wait(instance_id, record_progress, what="the end of the run")

    assert status["runtime_status"] == "Completed", status
    output = status["output"]
    assert output["summary"] == f"ingestion-output/{instance_id}/summary.json"
    assert {
        k: output[k] for k in ("files", "succeeded", "failed", "rows", "valid", "invalid", "quantity")
    } == {
        "files": 3,
        "succeeded": 2,
        "failed": 1,
        "rows": 5,
        "valid": 3,
        "invalid": 2,
        "quantity": 6,
    }
    assert output["amount"] == "29.25"
    assert [f["file"] for f in output["failed_files"]] == ["day1/b.csv"]
    assert "header must be" in output["failed_files"][0]["error"]
    final = status["custom_status"]
    assert final == {"step": "completed", "files_total": 3, "batches_total": 3, "batches_done": 3}
    steps = [p["step"] for p in progress]
    assert steps[-1] == "completed"
    assert set(steps) <= {"processing", "summarizing", "completed"}
    done = [p["batches_done"] for p in progress]
    assert done == sorted(done)
    for index in range(3):
        batch = api.instance(f"{instance_id}:batch-{index:05d}")
        assert batch is not None
        assert batch["runtime_status"] == "Completed", batch
        assert batch["name"] == "ingestion_batch"
        assert batch["output"]["files"] == 1


def test_an_empty_prefix_completes_with_nothing_to_do(api: AppApi, input_container: str) -> None:
    instance_id = api.start("ingestions", {"container": input_container, "prefix": "day9/"})["id"]

    status = api.wait_done(instance_id)

    assert status["runtime_status"] == "Completed", status
    assert (status["output"]["files"], status["output"]["failed_files"]) == (0, [])
    assert status["custom_status"]["batches_total"] == 0
