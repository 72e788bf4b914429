"""Table properties too large for a row, kept as gzip blobs in `<hub>-largemessages` like the provider.

A string property over 60 KiB counted as UTF-16 (`Encoding.Unicode.GetByteCount`, the provider's
`MaxTablePropertySizeInBytes`) is uploaded as gzip-compressed UTF-8 to
`<PartitionKey>/history-<RowKey>-<EventType>-<random X8>-<Property>.json.gz`; the row keeps
`<Property>: ""` and `<Property>BlobName`. Instances rows instead hold the blob's URL in the property.
"""

from __future__ import annotations

import asyncio
import gzip
import random
from typing import Any
from urllib.parse import unquote, urlsplit

from devhost.storage import BlobContainer

MAX_TABLE_PROPERTY_BYTES = 60 * 1024
# The provider's `VariableSizeEntityProperties`: the only properties it ever moves to blobs.
OFFLOADABLE_PROPERTIES = (
    "Name",
    "Input",
    "Result",
    "Output",
    "Reason",
    "Details",
    "Correlation",
    "FailureDetails",
    "Tags",
)
BLOB_NAME_SUFFIX = "BlobName"
_BLOB_NAME_COLUMNS = tuple((prop, prop + BLOB_NAME_SUFFIX) for prop in OFFLOADABLE_PROPERTIES)
_GZIP_LEVEL = 6


def exceeds_table_limit(value: str) -> bool:
    """True if `value` takes more than 60 KiB as UTF-16 (only long strings are encoded to find out)."""
    length = len(value)
    if length * 4 <= MAX_TABLE_PROPERTY_BYTES:
        return False
    if length * 2 > MAX_TABLE_PROPERTY_BYTES:
        return True
    return len(value.encode("utf-16-le")) > MAX_TABLE_PROPERTY_BYTES


def needs_offload(row: dict[str, Any]) -> bool:
    """True if any offloadable property of `row` is too large for a table."""
    for prop in OFFLOADABLE_PROPERTIES:
        value = row.get(prop)
        if isinstance(value, str) and exceeds_table_limit(value):
            return True
    return False


def has_offloaded(row: dict[str, Any]) -> bool:
    """True if a row read back has properties living in blobs (`<Property>BlobName` columns)."""
    return any(column in row for _, column in _BLOB_NAME_COLUMNS)


def blob_name(partition_key: str, row_key: str, event_type: str, prop: str) -> str:
    """The provider's blob name; the random part keeps a replayed episode from overwriting a live blob."""
    return f"{partition_key}/history-{row_key}-{event_type}-{random.getrandbits(31):08X}-{prop}.json.gz"


class LargePayloads:
    """Offloads and restores large properties in one task hub's large-message container."""

    __slots__ = ("_prefix_url", "container")

    def __init__(self, container: BlobContainer) -> None:
        self.container = container
        self._prefix_url = container.url + "/"

    async def offload(self, row: dict[str, Any]) -> list[str]:
        """Move the too-large properties of `row` to blobs (one upload each); the new blob names."""
        names: list[str] = []
        uploads = []
        for prop, column in _BLOB_NAME_COLUMNS:
            value = row.get(prop)
            if isinstance(value, str) and exceeds_table_limit(value):
                name = blob_name(row["PartitionKey"], row["RowKey"], row.get("EventType") or prop, prop)
                uploads.append(self.upload_text(name, value))
                row[prop] = ""
                row[column] = name
                names.append(name)
        await asyncio.gather(*uploads)
        return names

    async def restore(self, row: dict[str, Any]) -> list[str]:
        """Put offloaded properties back into `row` (one download each); the blob names read."""
        names: list[str] = []
        for prop, column in _BLOB_NAME_COLUMNS:
            name = row.pop(column, None)
            if name:
                row[prop] = await self.download_text(name)
                names.append(name)
        return names

    async def upload_text(self, name: str, text: str) -> None:
        """Store `text` gzip-compressed as blob `name`."""
        await self.container.upload(name, gzip.compress(text.encode("utf-8"), compresslevel=_GZIP_LEVEL))

    async def download_text(self, name: str) -> str:
        """The text of a gzip blob written by `upload_text` (or by the provider)."""
        return gzip.decompress(await self.container.download(name)).decode("utf-8")

    def url(self, name: str) -> str:
        """The absolute URL the Instances table stores for an offloaded Input/Output."""
        return self.container.blob_url(name)

    def name_from_url(self, value: str) -> str | None:
        """The blob name if `value` is the URL of a blob in this container, else None."""
        if not value.startswith(("http://", "https://")):
            return None
        if value.startswith(self._prefix_url):
            return unquote(value[len(self._prefix_url) :])
        marker = f"/{self.container.name}/"
        path = urlsplit(value).path
        return unquote(path.split(marker, 1)[1]) if marker in path else None

    async def delete(self, names: list[str]) -> int:
        """Delete blobs by name (concurrently); how many existed."""
        return await self.container.delete_blobs(names) if names else 0

    async def delete_instance_blobs(self, partition_key: str) -> int:
        """Delete every large-message blob of one instance (`<PartitionKey>/` prefix)."""
        return await self.delete(await self.container.list_names(partition_key + "/"))
