"""Ingestion activities against real blobs: manifest, per-file processing, batch and run summaries."""

from __future__ import annotations

import pytest

from activities import blob_store
from activities.ingestion import is_safe_blob_name

pytestmark = pytest.mark.azurite

GOOD = b"order_id,sku,quantity,unit_price\no1,WIDGET-1,2,10.00\no2,GADGET,1,0.5\nbad row\no3,widget,1,1\n"


def test_list_writes_a_sorted_manifest_of_csv_files(user_function, own_container, order_id):
    for name in ("in/b.csv", "in/a.CSV", "in/notes.txt", "other/c.csv"):
        own_container.upload_blob(name, b"x")
    listing = user_function("list_csv_files")(
        request={"run_id": order_id, "container": own_container.container_name, "prefix": "in/"}
    )
    assert listing == {"manifest": f"{order_id}/manifest.json", "count": 2}
    manifest = blob_store.read_json(blob_store.INGESTION_OUTPUT, listing["manifest"])
    assert manifest["files"] == ["in/a.CSV", "in/b.csv"]
    sliced = user_function("read_manifest_slice")(
        request={"manifest": listing["manifest"], "offset": 1, "limit": 5}
    )
    assert sliced == ["in/b.csv"]


def test_process_aggregates_valid_rows_and_writes_a_clean_copy(user_function, own_container, order_id):
    own_container.upload_blob("good.csv", GOOD)
    result = user_function("process_csv_file")(
        request={"run_id": order_id, "container": own_container.container_name, "name": "good.csv"}
    )
    assert result["status"] == "ok"
    assert (result["rows"], result["valid"], result["invalid"]) == (4, 2, 2)
    assert result["invalid_lines"] == [4, 5]
    assert (result["quantity"], result["amount"]) == (3, "20.50")
    clean = (
        blob_store.container(blob_store.INGESTION_OUTPUT)
        .download_blob(f"{order_id}/clean/good.csv")
        .readall()
    )
    assert clean == b"order_id,sku,quantity,unit_price\no1,WIDGET-1,2,10.00\no2,GADGET,1,0.50\n"


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"\xff\xfe\x00garbage", "not UTF-8"), (b"a,b\n1,2\n", "header"), (b"", "empty")],
)
def test_a_corrupt_file_is_a_failed_result_not_an_exception(
    user_function, own_container, order_id, content, reason
):
    own_container.upload_blob("bad.csv", content)
    result = user_function("process_csv_file")(
        request={"run_id": order_id, "container": own_container.container_name, "name": "bad.csv"}
    )
    assert result["status"] == "failed"
    assert reason in result["error"]


def test_batch_and_run_summaries_combine_the_stored_results(user_function, order_id):
    ok = {
        "file": "a.csv",
        "status": "ok",
        "rows": 3,
        "valid": 2,
        "invalid": 1,
        "quantity": 5,
        "amount": "7.25",
    }
    failed = {"file": "b.csv", "status": "failed", "error": "header must be ..."}
    batch = user_function("write_batch_result")(
        batch={"run_id": order_id, "batch_index": 0, "results": [ok, failed]}
    )
    assert batch["results"] == f"{order_id}/batches/00000.json"
    assert (batch["files"], batch["succeeded"], batch["failed"], batch["amount"]) == (2, 1, 1, "7.25")
    assert batch["failed_files"] == [{"file": "b.csv", "error": "header must be ..."}]
    second = user_function("write_batch_result")(
        batch={"run_id": order_id, "batch_index": 1, "results": [ok]}
    )
    summary = user_function("write_ingestion_summary")(
        run={"run_id": order_id, "source": {"container": "c", "prefix": ""}, "batches": [second, batch]}
    )
    assert summary["summary"] == f"ingestion-output/{order_id}/summary.json"
    assert (summary["files"], summary["succeeded"], summary["failed"], summary["rows"]) == (3, 2, 1, 6)
    assert summary["amount"] == "14.50"
    stored = blob_store.read_json(blob_store.INGESTION_OUTPUT, f"{order_id}/summary.json")
    assert [r["file"] for r in stored["results"]] == ["a.csv", "b.csv", "a.csv"]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("in/ok.csv", True),
        ("in/../escape.csv", False),
        ("in/./dot.csv", False),
        ("in//x.csv", False),
        ("a\nb.csv", False),
    ],
)
def test_names_that_would_escape_the_run_folder_are_not_listed(name, safe):
    # Azurite refuses to store most of these names, so the rule is tested directly.
    assert is_safe_blob_name(name) is safe


def test_a_missing_source_container_is_an_error_not_created(user_function, order_id):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        user_function("list_csv_files")(
            request={"run_id": order_id, "container": "no-such-input", "prefix": ""}
        )
    assert not blob_store.blob_service().get_container_client("no-such-input").exists()
