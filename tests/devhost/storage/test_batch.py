"""The hand-written `$batch` against Azurite: same rows as the SDK's, same failures, one counted request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from devhost.storage import (
    StorageClients,
    StorageConflictError,
    StorageEtagMismatchError,
    delete_op,
    insert_op,
    merge_op,
    upsert_op,
)

pytestmark = pytest.mark.azurite

ROW = {"EventType": "TaskScheduled", "EventId": 3, "IsPlayed": True, "Name": "o'brien", "Ratio": 0.5,
       "When": datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)}  # fmt: skip


async def _table(storage: StorageClients):
    table = storage.table("Batch" + uuid.uuid4().hex[:10])
    await table.create_if_missing()
    return table


async def test_rows_match_what_the_sdk_writes(storage: StorageClients) -> None:
    table = await _table(storage)
    await table.upsert({"PartitionKey": "sdk", "RowKey": "r1", **ROW}, replace=True)
    before = storage.counter.total
    etags = await table.transact([upsert_op({"PartitionKey": "lean", "RowKey": "r1", **ROW}, replace=True)])
    assert storage.counter.total == before + 1
    assert etags[0]
    sdk, lean = await table.get("sdk", "r1"), await table.get("lean", "r1")
    assert sdk is not None
    assert lean is not None
    assert {k: v for k, v in lean.items() if k != "PartitionKey"} == {
        k: v for k, v in sdk.items() if k != "PartitionKey"
    }


async def test_conditions_fail_the_whole_batch(storage: StorageClients) -> None:
    table = await _table(storage)
    sentinel = {"PartitionKey": "p", "RowKey": "sentinel", "ExecutionId": "e1"}
    (etag,) = await table.transact([insert_op(sentinel)])
    with pytest.raises(StorageConflictError):
        await table.transact(
            [upsert_op({"PartitionKey": "p", "RowKey": "a"}, replace=True), insert_op(sentinel)]
        )
    assert await table.get("p", "a") is None  # nothing of the failed batch was written
    (_, newer) = await table.transact(
        [upsert_op({"PartitionKey": "p", "RowKey": "b"}, replace=True), merge_op(sentinel, etag=etag or "")]
    )
    with pytest.raises(StorageEtagMismatchError) as stale:
        await table.transact([merge_op(sentinel, etag=etag or "")])
    assert stale.value.error_code == "UpdateConditionNotSatisfied"
    assert newer != etag
    await table.transact([delete_op("p", "b")])
    assert await table.get("p", "b") is None
