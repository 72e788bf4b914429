"""One task hub's `<Hub>History` table: load an instance's history, append an episode, delete it.

Writes follow `AzureTableTrackingStore.UpdateStateAsync`: the episode's rows are UpsertReplace'd in one
entity-group transaction together with the `sentinel` row, which is inserted by the first write and
merged with If-Match on its ETag afterwards, so a concurrent writer fails the whole batch (412, or 409
when both try to create the instance). Batches split only past 99 rows or ~3 MB, each carrying the
sentinel, the last one marking the checkpoint complete. A new execution (continue-as-new) writes from
RowKey 0 again over the old rows; loading stops at the first row of another execution, as the
provider's does, and the old execution's large-message blobs are deleted once the new one committed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from devhost.storage import BatchOperation, Table, delete_op, insert_op, merge_op, odata_string, upsert_op
from devhost.storage.tables import MAX_BATCH_OPERATIONS
from devhost.tracking.history_rows import event_to_row, row_to_event, sentinel_row
from devhost.tracking.keys import SENTINEL_ROW_KEY, escape_partition_key, history_row_key
from devhost.tracking.payloads import OFFLOADABLE_PROPERTIES, LargePayloads, has_offloaded, needs_offload

logger = logging.getLogger(__name__)

MAX_ROWS_PER_BATCH = 99
MAX_BATCH_BYTES = 3 * 1024 * 1024
_ROW_BYTES_ESTIMATE = 1024
_KEY_COLUMNS = ["PartitionKey", "RowKey"]


@dataclass(frozen=True)
class LoadedHistory:
    """The current execution's history of one instance.

    `etag` is the sentinel's (None for an instance never written: the next append creates it);
    `checkpoint_complete` is False only if a multi-batch episode was cut short by a crash.
    """

    execution_id: str | None
    events: list[dict[str, Any]]
    etag: str | None
    checkpoint_complete: bool = True


class HistoryStore:
    """Reads and writes History rows; keeps, per instance, the blob names of its current execution."""

    def __init__(self, table: Table, payloads: LargePayloads) -> None:
        self.table = table
        self._payloads = payloads
        self._execution_blobs: dict[str, list[str]] = {}

    async def load_history(self, instance_id: str) -> LoadedHistory:
        """The current execution's events (one query per 1,000 rows, plus one download per large value)."""
        rows = await self.table.query(f"PartitionKey eq {odata_string(escape_partition_key(instance_id))}")
        if not rows:
            self._execution_blobs.pop(instance_id, None)
            return LoadedHistory(execution_id=None, events=[], etag=None)
        sentinel = next((row for row in reversed(rows) if row["RowKey"] == SENTINEL_ROW_KEY), None)
        execution_id: str = (sentinel or rows[0])["ExecutionId"]
        events: list[dict[str, Any]] = []
        blobs: list[str] = []
        for row in rows:
            if row["ExecutionId"] != execution_id:
                break  # rows of an earlier execution that the current one has not overwritten yet
            if row is sentinel:
                continue
            if has_offloaded(row):
                blobs += await self._payloads.restore(row)
            events.append(row_to_event(row))
        self._remember_blobs(instance_id, blobs, replace=True)
        return LoadedHistory(
            execution_id=execution_id,
            events=events,
            etag=sentinel.metadata["etag"] if sentinel is not None else None,
            checkpoint_complete=bool(sentinel.get("IsCheckpointComplete", True)) if sentinel else True,
        )

    async def append_episode(
        self,
        instance_id: str,
        execution_id: str,
        start_seq: int,
        events: Sequence[dict[str, Any]],
        etag: str | None,
    ) -> str:
        """Write `events` at sequence numbers `start_seq`...; returns the sentinel's new ETag.

        One request for a normal episode. `etag` is the one from `load_history` or the previous append
        (None for a new instance). `start_seq == 0` with an ETag starts a new execution (continue-as-new,
        restart): it must come with a new `execution_id`. Raises StorageEtagMismatchError (412) or
        StorageConflictError (409) when another writer got there first (the failed batch writes nothing).
        """
        if not events:
            raise ValueError("append_episode needs at least one event")
        partition_key = escape_partition_key(instance_id)
        rows = [
            event_to_row(event, partition_key, history_row_key(start_seq + index), execution_id)
            for index, event in enumerate(events)
        ]
        new_blobs: list[str] = []
        for row in rows:
            if needs_offload(row):
                new_blobs += await self._payloads.offload(row)
        batches = _split_into_batches(rows)
        new_etag = ""
        for number, batch in enumerate(batches, start=1):
            sentinel = sentinel_row(partition_key, execution_id, checkpoint_complete=number == len(batches))
            ops = [upsert_op(row, replace=True) for row in batch]
            ops.append(merge_op(sentinel, etag=etag) if etag else insert_op(sentinel))
            etag = new_etag = await self._commit(instance_id, ops)
        if start_seq == 0:
            await self._delete_replaced_blobs(instance_id)
        self._remember_blobs(instance_id, new_blobs, replace=False)
        return new_etag

    async def delete_history(self, instance_id: str) -> int:
        """Delete every History row and large-message blob of an instance; the number of rows deleted."""
        partition_key = escape_partition_key(instance_id)
        rows = await self.table.query(f"PartitionKey eq {odata_string(partition_key)}", select=_KEY_COLUMNS)
        for start in range(0, len(rows), MAX_BATCH_OPERATIONS):
            chunk = rows[start : start + MAX_BATCH_OPERATIONS]
            await self.table.transact([delete_op(partition_key, row["RowKey"]) for row in chunk])
        await self._payloads.delete_instance_blobs(partition_key)
        self._execution_blobs.pop(instance_id, None)
        return len(rows)

    async def _commit(self, instance_id: str, ops: list[BatchOperation]) -> str:
        sentinel_etag = (await self.table.transact(ops))[-1]
        if sentinel_etag is None:
            raise RuntimeError(f"the history batch of {instance_id!r} returned no ETag for the sentinel")
        return sentinel_etag

    def _remember_blobs(self, instance_id: str, names: list[str], *, replace: bool) -> None:
        if replace and not names:
            self._execution_blobs.pop(instance_id, None)
        elif replace:
            self._execution_blobs[instance_id] = names
        elif names:
            self._execution_blobs.setdefault(instance_id, []).extend(names)

    async def _delete_replaced_blobs(self, instance_id: str) -> None:
        old = self._execution_blobs.pop(instance_id, None)
        if old:
            logger.debug(
                "deleting %s large-message blobs of the previous execution of %s", len(old), instance_id
            )
            await self._payloads.delete(old)


def _split_into_batches(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Rows in transactions of at most 99 (plus the sentinel) and ~3 MB, as the provider estimates them."""
    batches: list[list[dict[str, Any]]] = [[]]
    size = 0
    for row in rows:
        row_size = _estimated_bytes(row)
        if batches[-1] and (len(batches[-1]) == MAX_ROWS_PER_BATCH or size + row_size > MAX_BATCH_BYTES):
            batches.append([])
            size = 0
        batches[-1].append(row)
        size += row_size
    return batches


def _estimated_bytes(row: dict[str, Any]) -> int:
    """1 KiB for fixed-size columns plus UTF-16 bytes of the variable-size strings."""
    size = _ROW_BYTES_ESTIMATE
    for prop in OFFLOADABLE_PROPERTIES:
        value = row.get(prop)
        if isinstance(value, str):
            size += 2 * len(value)
    return size
