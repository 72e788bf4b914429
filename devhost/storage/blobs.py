"""Thin async wrapper over one blob container: blobs as bytes, container leases, errors translated."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from urllib.parse import quote

from azure.storage.blob.aio import BlobLeaseClient, ContainerClient

from devhost.storage.errors import StorageConflictError, StorageNotFoundError, storage_call


class BlobContainer:
    """One container of the storage account (one request per method unless stated)."""

    __slots__ = ("_client", "name", "url")

    def __init__(self, client: ContainerClient) -> None:
        self._client = client
        self.name: str = client.container_name
        self.url: str = client.url.split("?", 1)[0]

    def blob_url(self, blob_name: str) -> str:
        """The absolute URL of a blob in this container (no request)."""
        return f"{self.url}/{quote(blob_name, safe='/~')}"

    async def create_if_missing(self) -> bool:
        """Create the container; False if it already existed."""
        try:
            with storage_call(f"create container {self.name}"):
                await self._client.create_container()
        except StorageConflictError:
            return False
        return True

    async def delete_if_exists(self, *, lease_id: str | None = None) -> bool:
        """Delete the container and its blobs; a leased container needs the lease id."""
        try:
            with storage_call(f"delete container {self.name}"):
                await self._client.delete_container(lease=lease_id)
        except StorageNotFoundError:
            return False
        return True

    async def upload(self, blob_name: str, data: bytes) -> None:
        """Create or overwrite a block blob in one request."""
        with storage_call(f"upload blob {self.name}/{blob_name}"):
            await self._client.upload_blob(blob_name, data, overwrite=True)

    async def download(self, blob_name: str) -> bytes:
        """The blob's content (StorageNotFoundError if missing)."""
        with storage_call(f"download blob {self.name}/{blob_name}"):
            downloader = await self._client.download_blob(blob_name)
            return await downloader.readall()

    async def delete_blob(self, blob_name: str) -> bool:
        """Delete one blob; False if it did not exist."""
        try:
            with storage_call(f"delete blob {self.name}/{blob_name}"):
                await self._client.delete_blob(blob_name)
        except StorageNotFoundError:
            return False
        return True

    async def delete_blobs(self, blob_names: Iterable[str]) -> int:
        """Delete blobs concurrently (one request each); returns how many existed."""
        deleted = await asyncio.gather(*(self.delete_blob(name) for name in blob_names))
        return sum(deleted)

    async def list_names(self, prefix: str) -> list[str]:
        """Names of the blobs starting with `prefix` (one request per 5,000 names); [] without container."""
        try:
            with storage_call(f"list blobs in {self.name}"):
                return [name async for name in self._client.list_blob_names(name_starts_with=prefix)]
        except StorageNotFoundError:
            return []

    async def acquire_lease(self, lease_id: str, duration_s: int) -> None:
        """Lease the container for 15-60 s (-1: infinite); StorageConflictError if leased by another id."""
        with storage_call(f"acquire lease on container {self.name}"):
            await BlobLeaseClient(self._client, lease_id=lease_id).acquire(lease_duration=duration_s)

    async def renew_lease(self, lease_id: str) -> None:
        """Renew our lease (StorageConflictError/StorageEtagMismatchError if it is no longer ours)."""
        with storage_call(f"renew lease on container {self.name}"):
            await BlobLeaseClient(self._client, lease_id=lease_id).renew()

    async def release_lease(self, lease_id: str) -> None:
        """Give the lease up so another holder can acquire it at once."""
        with storage_call(f"release lease on container {self.name}"):
            await BlobLeaseClient(self._client, lease_id=lease_id).release()

    async def break_lease(self) -> None:
        """End whoever's lease immediately (used when its holder is known to be dead)."""
        with storage_call(f"break lease on container {self.name}"):
            await BlobLeaseClient(self._client).break_lease(lease_break_period=0)
