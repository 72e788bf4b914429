"""Thin async wrapper over one Azure table: one SDK call per method, errors translated, ETags returned.

Entities are the SDK's `TableEntity` dicts (values as azure-data-tables reads them: `str`, `int`,
`bool`, `TablesEntityDatetime`...). Writes take plain mappings; a value may be an `(text, EdmType)`
tuple to pick the EDM type explicitly (used for 7-digit `Edm.DateTime` values).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from azure.core import MatchConditions
from azure.data.tables import TableEntity, UpdateMode
from azure.data.tables.aio import TableClient

from devhost.storage.batch import submit_batch
from devhost.storage.entity_writes import insert_entity, upsert_entity
from devhost.storage.errors import (
    StorageBadRequestError,
    StorageConflictError,
    StorageNotFoundError,
    storage_call,
)
from devhost.storage.table_wire import BatchOperation, WireTable

MAX_BATCH_OPERATIONS = 100
_TABLE_NOT_FOUND = "TableNotFound"
_NO_OPTIONS: Mapping[str, Any] = {}


def upsert_op(entity: Mapping[str, Any], *, replace: bool) -> BatchOperation:
    """Insert-or-replace (PUT) or insert-or-merge (PATCH) without a condition."""
    return ("upsert", entity, {"mode": UpdateMode.REPLACE if replace else UpdateMode.MERGE})


def insert_op(entity: Mapping[str, Any]) -> BatchOperation:
    """Insert (POST); the whole transaction fails with 409 if the entity exists."""
    return ("create", entity, _NO_OPTIONS)


def merge_op(entity: Mapping[str, Any], *, etag: str) -> BatchOperation:
    """Merge with If-Match: the whole transaction fails with 412 if the entity changed since `etag`."""
    return (
        "update",
        entity,
        {"mode": UpdateMode.MERGE, "etag": etag, "match_condition": MatchConditions.IfNotModified},
    )


def delete_op(partition_key: str, row_key: str) -> BatchOperation:
    """Unconditional delete (the whole transaction fails with 404 if the entity is missing)."""
    return ("delete", {"PartitionKey": partition_key, "RowKey": row_key}, _NO_OPTIONS)


def odata_string(value: str) -> str:
    """A string literal for an OData `$filter` (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def odata_datetime(value: datetime) -> str:
    """A `datetime'...'` literal for an OData `$filter` (naive values are taken as UTC)."""
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return f"datetime'{utc:%Y-%m-%dT%H:%M:%S.%f}Z'"


class Table:
    """One table of the storage account."""

    __slots__ = ("_client", "_wire", "name")

    def __init__(self, client: TableClient, wire: WireTable) -> None:
        self._client = client
        self._wire = wire
        """Where the hot writes (upsert, insert, transactions) go, built by hand (see table_wire.py)."""
        self.name: str = client.table_name

    async def close(self) -> None:
        """Close the SDK client (its transport shares the account's session, which stays open)."""
        await self._client.close()

    async def create_if_missing(self) -> bool:
        """Create the table; False if it already existed (one request either way)."""
        try:
            with storage_call(f"create table {self.name}"):
                await self._client.create_table()
        except StorageConflictError:
            return False
        return True

    async def delete_if_exists(self) -> None:
        """Delete the table with its entities (no error if there is none)."""
        with storage_call(f"delete table {self.name}"):
            await self._client.delete_table()

    async def get(
        self, partition_key: str, row_key: str, *, select: list[str] | None = None
    ) -> TableEntity | None:
        """The entity, or None if it does not exist (a missing table still raises)."""
        try:
            with storage_call(f"get entity from {self.name}"):
                return await self._client.get_entity(partition_key, row_key, select=select)
        except StorageNotFoundError as exc:
            if exc.error_code == _TABLE_NOT_FOUND:
                raise
            return None

    async def upsert(self, entity: Mapping[str, Any], *, replace: bool = False) -> str:
        """Insert-or-merge (default) or insert-or-replace; returns the new ETag."""
        with storage_call(f"upsert entity into {self.name}"):
            return await upsert_entity(self._wire, entity, replace=replace)

    async def insert(self, entity: Mapping[str, Any]) -> str:
        """Insert a new entity (StorageConflictError if it exists); returns its ETag."""
        with storage_call(f"insert entity into {self.name}"):
            return await insert_entity(self._wire, entity)

    async def update(self, entity: Mapping[str, Any], *, etag: str, replace: bool = False) -> str:
        """Merge (default) or replace if unchanged since `etag` (else StorageEtagMismatchError)."""
        mode = UpdateMode.REPLACE if replace else UpdateMode.MERGE
        with storage_call(f"update entity in {self.name}"):
            metadata = await self._client.update_entity(
                entity, mode=mode, etag=etag, match_condition=MatchConditions.IfNotModified
            )
        return str(metadata["etag"])

    async def delete(self, partition_key: str, row_key: str) -> bool:
        """Delete unconditionally; False if the entity did not exist.

        A one-operation transaction, because the SDK's `delete_entity` hides the 404 that tells.
        """
        try:
            await self.transact([delete_op(partition_key, row_key)])
        except StorageNotFoundError as exc:
            if exc.error_code == _TABLE_NOT_FOUND:
                raise
            return False
        return True

    async def query(
        self, query_filter: str, *, select: list[str] | None = None, page_size: int = 1000
    ) -> list[TableEntity]:
        """Every entity matching an OData filter, reading pages of `page_size` (one request each)."""
        with storage_call(f"query {self.name}"):
            pages = self._client.query_entities(query_filter, select=select, results_per_page=page_size)
            return [entity async for entity in pages]

    async def query_page(
        self,
        query_filter: str,
        *,
        page_size: int,
        continuation: str | None = None,
        select: list[str] | None = None,
    ) -> tuple[list[TableEntity], str | None]:
        """One page of matches (one request) and the opaque token of the next page (None at the end)."""
        with storage_call(f"query {self.name}"):
            paged = self._client.query_entities(query_filter, select=select, results_per_page=page_size)
            # The tables SDK takes and returns its continuation token as a dict, not the declared str.
            pager = paged.by_page(continuation_token=cast(Any, _decode_token(continuation)))
            entities: list[TableEntity] = []
            async for page in pager:
                entities = [entity async for entity in page]
                break
            return entities, _encode_token(getattr(pager, "continuation_token", None))

    async def transact(self, operations: Sequence[BatchOperation]) -> list[str | None]:
        """Commit up to 100 operations on one partition atomically (one request); ETag per operation."""
        with storage_call(f"entity-group transaction on {self.name}"):
            return await submit_batch(self._wire, operations)


def _encode_token(token: Any) -> str | None:
    if not token:
        return None
    return base64.urlsafe_b64encode(json.dumps(token, separators=(",", ":")).encode()).decode()


def _decode_token(token: str | None) -> dict[str, Any] | None:
    if token is None:
        return None
    try:
        decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError as exc:
        raise StorageBadRequestError(f"invalid continuation token {token!r}") from exc
    return decoded
