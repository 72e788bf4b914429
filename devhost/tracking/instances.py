"""One task hub's `<Hub>Instances` table: `InstanceRecord` <-> row, upsert, get, query, delete.

Rows look like the provider's (PartitionKey = escaped instance id, RowKey = ""): `Name`, `Version`,
`Input`, `Output`, `CustomStatus` (the text "null" when unset), `CreatedTime`, `LastUpdatedTime`,
`CompletedTime` (`Edm.DateTime`), `RuntimeStatus` (name), `ExecutionId`, `TaskHubName`, `Generation`,
`Tags` ("null") and `ParentInstanceId` ("" for a top-level instance). An Input/Output over the table
limit is stored as a gzip blob whose URL takes the property's place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from devhost.protocol.types import InstanceRecord, RuntimeStatus
from devhost.storage import StorageConflictError, Table, odata_datetime, odata_string
from devhost.tracking.edm import datetime_to_edm, edm_to_datetime
from devhost.tracking.keys import escape_partition_key, unescape_partition_key
from devhost.tracking.payloads import BLOB_NAME_SUFFIX, LargePayloads, blob_name, exceeds_table_limit

_PAYLOAD_PROPERTIES = ("Input", "Output")
_NULL = "null"
_MAX_CODE_POINT = 0x10FFFF


def record_to_row(record: InstanceRecord, hub: str) -> dict[str, Any]:
    """The Instances row of `record` (large payloads not yet offloaded)."""
    row: dict[str, Any] = {
        "PartitionKey": escape_partition_key(record.instance_id),
        "RowKey": "",
        "Name": record.name,
        "Version": record.version,
        "RuntimeStatus": record.runtime_status.name,
        "ExecutionId": record.execution_id,
        "TaskHubName": hub,
        "Generation": record.generation,
        "Tags": _NULL,
        "ParentInstanceId": record.parent_instance_id or "",
        "CustomStatus": _NULL if record.custom_status is None else record.custom_status,
        "CreatedTime": datetime_to_edm(record.created_time),
        "LastUpdatedTime": datetime_to_edm(record.last_updated_time),
    }
    if record.input is not None:
        row["Input"] = record.input
    if record.output is not None:
        row["Output"] = record.output
    if record.completed_time is not None:
        row["CompletedTime"] = datetime_to_edm(record.completed_time)
    return row


def row_to_record(row: dict[str, Any]) -> InstanceRecord:
    """The record of an Instances row whose payloads are already restored."""
    custom_status = row.get("CustomStatus")
    completed = row.get("CompletedTime")
    return InstanceRecord(
        instance_id=unescape_partition_key(row["PartitionKey"]),
        name=row.get("Name") or "",
        execution_id=row.get("ExecutionId") or "",
        runtime_status=RuntimeStatus[row["RuntimeStatus"]],
        created_time=edm_to_datetime(row["CreatedTime"]),
        last_updated_time=edm_to_datetime(row["LastUpdatedTime"]),
        input=row.get("Input"),
        output=row.get("Output"),
        custom_status=None if custom_status in (None, _NULL) else custom_status,
        completed_time=edm_to_datetime(completed) if completed is not None else None,
        version=row.get("Version") or "",
        parent_instance_id=row.get("ParentInstanceId") or None,
        generation=int(row.get("Generation") or 0),
    )


def status_filter(
    *,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    statuses: Iterable[RuntimeStatus] | None = None,
    id_prefix: str | None = None,
) -> str:
    """The OData `$filter` the provider builds for an instance query (empty string: everything)."""
    clauses: list[str] = []
    if created_from is not None:
        clauses.append(f"CreatedTime ge {odata_datetime(created_from)}")
    if created_to is not None:
        clauses.append(f"CreatedTime le {odata_datetime(created_to)}")
    wanted = sorted({status.name for status in statuses or ()})
    if wanted:
        clauses.append("(" + " or ".join(f"RuntimeStatus eq {odata_string(name)}" for name in wanted) + ")")
    if id_prefix:
        low = escape_partition_key(id_prefix)
        clauses.append(f"PartitionKey ge {odata_string(low)}")
        if ord(low[-1]) < _MAX_CODE_POINT:
            high = low[:-1] + chr(ord(low[-1]) + 1)
            clauses.append(f"PartitionKey lt {odata_string(high)}")
    return " and ".join(clauses)


class InstanceStore:
    """Reads and writes Instances rows, one request per call unless a payload lives in a blob."""

    def __init__(self, table: Table, payloads: LargePayloads, hub: str) -> None:
        self.table = table
        self._payloads = payloads
        self._hub = hub

    async def upsert_instance(self, record: InstanceRecord, *, replace: bool = False) -> None:
        """Insert-or-merge the row (insert-or-replace with `replace`, e.g. for a new execution)."""
        await self.table.upsert(await self._row(record), replace=replace)

    async def insert_instance(self, record: InstanceRecord) -> bool:
        """Insert the row of a new instance; False (nothing written) if a row with its id exists."""
        try:
            await self.table.insert(await self._row(record))
        except StorageConflictError:
            return False
        return True

    async def _row(self, record: InstanceRecord) -> dict[str, Any]:
        """The record's row, with an Input/Output too large for a property offloaded to a blob."""
        row = record_to_row(record, self._hub)
        for prop in _PAYLOAD_PROPERTIES:
            value = row.get(prop)
            if value is not None and exceeds_table_limit(value):
                name = blob_name(row["PartitionKey"], "", prop, prop)
                await self._payloads.upload_text(name, value)
                row[prop] = self._payloads.url(name)
        return row

    async def get_instance(self, instance_id: str) -> InstanceRecord | None:
        """The instance's record, or None if there is no such instance."""
        row = await self.table.get(escape_partition_key(instance_id), "")
        if row is None:
            return None
        await self._restore_payloads(row)
        return row_to_record(row)

    async def query_instances(
        self,
        *,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        statuses: Iterable[RuntimeStatus] | None = None,
        id_prefix: str | None = None,
        page_size: int = 100,
        continuation_token: str | None = None,
    ) -> tuple[list[InstanceRecord], str | None]:
        """One page of matching instances (server-side filter) and the token of the next page."""
        query_filter = status_filter(
            created_from=created_from, created_to=created_to, statuses=statuses, id_prefix=id_prefix
        )
        rows, next_token = await self.table.query_page(
            query_filter or "RowKey eq ''", page_size=page_size, continuation=continuation_token
        )
        await asyncio.gather(*(self._restore_payloads(row) for row in rows))
        return [row_to_record(row) for row in rows], next_token

    async def delete_instance(self, instance_id: str) -> bool:
        """Delete the row (its blobs go with the history purge); False if there was none."""
        return await self.table.delete(escape_partition_key(instance_id), "")

    async def _restore_payloads(self, row: dict[str, Any]) -> None:
        for prop in _PAYLOAD_PROPERTIES:
            stored_name = row.pop(prop + BLOB_NAME_SUFFIX, None)
            value = row.get(prop)
            name = stored_name or (self._payloads.name_from_url(value) if isinstance(value, str) else None)
            if name:
                row[prop] = await self._payloads.download_text(name)
