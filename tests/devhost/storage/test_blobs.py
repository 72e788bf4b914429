"""The blob container wrapper against Azurite: bytes in and out, listing, container leases."""

from __future__ import annotations

import uuid

import pytest

from devhost.storage import BlobContainer, StorageClients, StorageConflictError, StorageNotFoundError

pytestmark = pytest.mark.azurite


@pytest.fixture
async def container(storage: StorageClients, unique_name: str) -> BlobContainer:
    container = storage.container(unique_name)
    await container.create_if_missing()
    return container


async def test_create_and_delete_report_whether_anything_changed(
    storage: StorageClients, unique_name: str
) -> None:
    container = storage.container(unique_name)

    assert await container.create_if_missing() is True
    assert await container.create_if_missing() is False
    assert await container.delete_if_exists() is True
    assert await container.delete_if_exists() is False


async def test_blobs_round_trip_and_list_by_prefix(container: BlobContainer) -> None:
    await container.upload("inst/a.json.gz", b"first")
    await container.upload("inst/a.json.gz", b"second")
    await container.upload("inst/b.json.gz", b"\x00\xff")
    await container.upload("inst2/c.json.gz", b"other instance")

    assert await container.download("inst/a.json.gz") == b"second"
    assert await container.download("inst/b.json.gz") == b"\x00\xff"
    assert await container.list_names("inst/") == ["inst/a.json.gz", "inst/b.json.gz"]


async def test_deletes_report_what_existed(container: BlobContainer) -> None:
    await container.upload("x/1", b"1")
    await container.upload("x/2", b"2")

    assert await container.delete_blob("x/1") is True
    assert await container.delete_blob("x/1") is False
    assert await container.delete_blobs(["x/1", "x/2"]) == 1
    with pytest.raises(StorageNotFoundError):
        await container.download("x/2")


async def test_listing_a_missing_container_is_empty(storage: StorageClients, unique_name: str) -> None:
    assert await storage.container(unique_name + "none").list_names("a/") == []


async def test_blob_url_points_at_the_blob(container: BlobContainer, storage: StorageClients) -> None:
    url = container.blob_url("inst id/history-1.json.gz")

    assert url == f"{storage.account.blob_endpoint}/{container.name}/inst%20id/history-1.json.gz"


async def test_container_leases_exclude_other_holders_until_released_or_broken(
    container: BlobContainer,
) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    await container.acquire_lease(first, 15)

    with pytest.raises(StorageConflictError) as held:
        await container.acquire_lease(second, 15)
    await container.renew_lease(first)
    await container.release_lease(first)
    await container.acquire_lease(second, 15)
    await container.break_lease()
    await container.acquire_lease(first, 15)

    assert held.value.error_code == "LeaseAlreadyPresent"
    with pytest.raises(StorageConflictError):
        await container.renew_lease(second)
    await container.release_lease(first)
