"""The table wrapper against Azurite: one request per call, ETags, coded errors, paging."""

from __future__ import annotations

import pytest
from azure.data.tables import EdmType

from devhost.storage import (
    StorageBadRequestError,
    StorageClients,
    StorageConflictError,
    StorageEtagMismatchError,
    StorageNotFoundError,
    Table,
    delete_op,
    insert_op,
    merge_op,
    upsert_op,
)

pytestmark = pytest.mark.azurite


@pytest.fixture
async def table(storage: StorageClients, unique_name: str) -> Table:
    table = storage.table(unique_name)
    await table.create_if_missing()
    return table


async def test_create_and_delete_are_idempotent(storage: StorageClients, unique_name: str) -> None:
    table = storage.table(unique_name)

    assert await table.create_if_missing() is True
    assert await table.create_if_missing() is False
    await table.upsert({"PartitionKey": "p", "RowKey": "r"})
    await table.delete_if_exists()
    await table.delete_if_exists()

    with pytest.raises(StorageNotFoundError):
        await table.query("PartitionKey eq 'p'")


async def test_upsert_merges_by_default_and_replaces_on_request(table: Table) -> None:
    await table.upsert({"PartitionKey": "p", "RowKey": "r", "A": "1", "B": 2})
    await table.upsert({"PartitionKey": "p", "RowKey": "r", "B": 3})
    merged = await table.get("p", "r")
    await table.upsert({"PartitionKey": "p", "RowKey": "r", "C": True}, replace=True)
    replaced = await table.get("p", "r")

    assert merged is not None
    assert dict(merged) == {"PartitionKey": "p", "RowKey": "r", "A": "1", "B": 3}
    assert replaced is not None
    assert dict(replaced) == {"PartitionKey": "p", "RowKey": "r", "C": True}


async def test_get_returns_none_for_a_missing_entity_but_raises_for_a_missing_table(
    storage: StorageClients, table: Table, unique_name: str
) -> None:
    assert await table.get("p", "nothing") is None

    with pytest.raises(StorageNotFoundError) as caught:
        await storage.table(unique_name + "x").get("p", "r")
    assert caught.value.error_code == "TableNotFound"


async def test_insert_conflicts_and_update_checks_the_etag(table: Table) -> None:
    etag = await table.insert({"PartitionKey": "p", "RowKey": "r", "V": 1})

    with pytest.raises(StorageConflictError) as conflict:
        await table.insert({"PartitionKey": "p", "RowKey": "r", "V": 2})
    new_etag = await table.update({"PartitionKey": "p", "RowKey": "r", "V": 3}, etag=etag)
    with pytest.raises(StorageEtagMismatchError) as stale:
        await table.update({"PartitionKey": "p", "RowKey": "r", "V": 4}, etag=etag)

    assert conflict.value.status_code == 409
    assert conflict.value.error_code == "EntityAlreadyExists"
    assert new_etag != etag
    assert stale.value.status_code == 412
    stored = await table.get("p", "r")
    assert stored is not None
    assert stored["V"] == 3


async def test_delete_reports_whether_the_entity_existed(table: Table) -> None:
    await table.upsert({"PartitionKey": "p", "RowKey": "r"})

    assert await table.delete("p", "r") is True
    assert await table.delete("p", "r") is False


async def test_transactions_return_etags_and_fail_as_a_whole(table: Table) -> None:
    etags = await table.transact(
        [
            upsert_op({"PartitionKey": "p", "RowKey": "1", "V": 1}, replace=True),
            insert_op({"PartitionKey": "p", "RowKey": "s", "N": 1}),
        ]
    )
    sentinel = await table.get("p", "s")
    first_etag = etags[-1]
    assert sentinel is not None
    assert first_etag is not None
    assert first_etag == sentinel.metadata["etag"]

    await table.transact([merge_op({"PartitionKey": "p", "RowKey": "s", "N": 2}, etag=first_etag)])
    with pytest.raises(StorageEtagMismatchError) as stale:
        await table.transact(
            [
                upsert_op({"PartitionKey": "p", "RowKey": "2", "V": 2}, replace=True),
                merge_op({"PartitionKey": "p", "RowKey": "s", "N": 3}, etag=first_etag),
            ]
        )

    assert stale.value.error_code == "UpdateConditionNotSatisfied"
    assert await table.get("p", "2") is None, "a failed transaction writes nothing"
    await table.transact([delete_op("p", "1"), delete_op("p", "s")])
    assert await table.query("PartitionKey eq 'p'") == []


async def test_query_pages_continue_with_an_opaque_token(table: Table) -> None:
    for index in range(7):
        await table.upsert({"PartitionKey": f"i{index}", "RowKey": ""})

    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page, token = await table.query_page("PartitionKey ge 'i'", page_size=3, continuation=token)
        seen += [entity["PartitionKey"] for entity in page]
        pages += 1
        if token is None:
            break

    assert seen == [f"i{index}" for index in range(7)]
    assert pages == 3
    with pytest.raises(StorageBadRequestError, match="invalid continuation token"):
        await table.query_page("PartitionKey ge 'i'", page_size=3, continuation="not a token")


async def test_datetimes_keep_seven_fraction_digits(table: Table) -> None:
    await table.upsert(
        {"PartitionKey": "p", "RowKey": "t", "At": ("2026-11-25T19:10:31.5747511Z", EdmType.DATETIME)}
    )

    stored = await table.get("p", "t")

    assert stored is not None
    assert stored["At"].tables_service_value == "2026-11-25T19:10:31.5747511Z"


async def test_select_limits_the_columns(table: Table) -> None:
    await table.upsert({"PartitionKey": "p", "RowKey": "r", "A": "a", "B": "b"})

    rows = await table.query("PartitionKey eq 'p'", select=["RowKey", "B"])

    assert [dict(row) for row in rows] == [{"RowKey": "r", "B": "b"}]
