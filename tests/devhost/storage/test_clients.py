"""Request counting and retries of the account's clients, against Azurite and a port nobody listens on."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from azure.core.credentials import AzureNamedKeyCredential
from azure.data.tables import AccountSasPermissions, ResourceTypes, generate_account_sas

from devhost.storage import (
    RetrySettings,
    StorageClients,
    StorageConflictError,
    StorageForbiddenError,
    StorageUnavailableError,
    insert_op,
    upsert_op,
)
from tests.support.azurite import DEV_ACCOUNT, DEV_KEY, Azurite, free_port

pytestmark = pytest.mark.azurite


async def test_every_call_is_one_counted_request_per_service(
    storage: StorageClients, unique_name: str
) -> None:
    table, container, queue = (
        storage.table(unique_name),
        storage.container(unique_name),
        storage.queue(unique_name),
    )
    counter = storage.counter

    await table.create_if_missing()
    await table.upsert({"PartitionKey": "p", "RowKey": "r"})
    await table.get("p", "r")
    await table.get("p", "missing")
    await table.transact(
        [upsert_op({"PartitionKey": "p", "RowKey": str(n)}, replace=True) for n in range(50)]
    )
    await table.query_page("PartitionKey eq 'p'", page_size=10)
    assert counter.snapshot() == {"table": 6, "blob": 0, "queue": 0, "total": 6}

    await container.create_if_missing()
    await container.upload("a/b.json.gz", b"x" * 100_000)
    await container.download("a/b.json.gz")
    await queue.create_if_missing()
    await queue.send("m")
    await queue.receive()
    assert counter.reset() == {"table": 6, "blob": 3, "queue": 3, "total": 12}

    await table.query("PartitionKey eq 'p'", page_size=20)
    assert counter.snapshot() == {"table": 3, "blob": 0, "queue": 0, "total": 3}, "51 rows in pages of 20"


async def test_conflicts_are_not_retried(storage: StorageClients, unique_name: str) -> None:
    table = storage.table(unique_name)
    await table.create_if_missing()
    await table.transact([insert_op({"PartitionKey": "p", "RowKey": "sentinel"})])
    storage.counter.reset()

    with pytest.raises(StorageConflictError):
        await table.transact([insert_op({"PartitionKey": "p", "RowKey": "sentinel"})])

    assert storage.counter.total == 1


async def test_unreachable_storage_is_retried_then_reported_unavailable() -> None:
    port = free_port()
    connection = (
        f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
        f"BlobEndpoint=http://127.0.0.1:{port}/{DEV_ACCOUNT};QueueEndpoint=http://127.0.0.1:{port}/{DEV_ACCOUNT};"
        f"TableEndpoint=http://127.0.0.1:{port}/{DEV_ACCOUNT};"
    )
    retry = RetrySettings(retries=2, backoff_s=0.01, max_backoff_s=0.02)
    clients = await StorageClients.open(connection, retry=retry)
    started = time.monotonic()
    try:
        with pytest.raises(StorageUnavailableError) as table_down:
            await clients.table("Hub1History").transact(
                [upsert_op({"PartitionKey": "p", "RowKey": "0"}, replace=True)]
            )
        with pytest.raises(StorageUnavailableError):
            await clients.container("hub1-largemessages").upload("x", b"x")
        with pytest.raises(StorageUnavailableError):
            await clients.queue("hub1-workitems").send("x")
    finally:
        await clients.close()

    assert clients.counter.snapshot() == {"table": 3, "blob": 3, "queue": 3, "total": 9}
    assert table_down.value.code == "storage.unavailable"
    assert table_down.value.status_code is None
    assert "entity-group transaction on Hub1History failed" in str(table_down.value)
    assert time.monotonic() - started < 5


def sas_connection_string(azurite: Azurite, permission: AccountSasPermissions) -> str:
    """Azurite's table endpoint with an account SAS (no key) granting `permission`."""
    sas = generate_account_sas(
        AzureNamedKeyCredential(DEV_ACCOUNT, DEV_KEY),
        resource_types=ResourceTypes(service=True, object=True),
        permission=permission,
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    endpoints = [part for part in azurite.connection_string.split(";") if part.endswith(f"/{DEV_ACCOUNT}")]
    return ";".join([*endpoints, f"SharedAccessSignature={sas}"])


async def test_the_hand_built_writes_are_signed_with_a_shared_access_signature(
    azurite: Azurite, storage: StorageClients, unique_name: str
) -> None:
    await storage.table(unique_name).create_if_missing()  # with the key: an account SAS cannot create tables
    everything = AccountSasPermissions(read=True, write=True, delete=True, list=True, add=True, update=True)
    writer = await StorageClients.open(sas_connection_string(azurite, everything))
    reader = await StorageClients.open(sas_connection_string(azurite, AccountSasPermissions(read=True)))
    try:
        table = writer.table(unique_name)
        await table.insert({"PartitionKey": "p", "RowKey": "inserted"})
        await table.upsert({"PartitionKey": "p", "RowKey": "upserted", "Value": 1})
        await table.transact([upsert_op({"PartitionKey": "p", "RowKey": n}, replace=True) for n in "abc"])
        row = await table.get("p", "upserted")
        with pytest.raises(StorageForbiddenError):
            await reader.table(unique_name).upsert({"PartitionKey": "p", "RowKey": "refused"})
    finally:
        await writer.close()
        await reader.close()

    assert row is not None
    assert row["Value"] == 1
    assert writer.counter.total == 4
