"""The one way activities reach Azure Storage: JSON and text blobs through the `WorkflowStorage` connection.

Locally `WorkflowStorage` is a connection string (Azurite: `UseDevelopmentStorage=true`). In Azure it
is identity-based, as Functions connections are: `WorkflowStorage__blobServiceUri` (or
`__accountName`) plus `__credential=managedidentity` and `__clientId` for the app's user-assigned
identity. No account key is ever configured in Azure.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.identity import DefaultAzureCredential, ManagedIdentityCredential
from azure.storage.blob import BlobServiceClient, ContainerClient, ContentSettings

from domain import names

CONNECTION_NAME = "WorkflowStorage"
RECEIPTS = names.RECEIPTS_CONTAINER
PAYMENTS = names.PAYMENTS_CONTAINER
SHIPMENTS = names.SHIPMENTS_CONTAINER
NOTIFICATIONS = names.NOTIFICATIONS_CONTAINER
TELEMETRY = names.TELEMETRY_CONTAINER
INGESTION_OUTPUT = names.INGESTION_OUTPUT_CONTAINER

# Azurite's documented development account; `UseDevelopmentStorage=true` means exactly this.
_AZURITE_DEV_CONNECTION = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
)
_JSON = ContentSettings(content_type="application/json")


class StorageConfigurationError(RuntimeError):
    """Neither a connection string nor an identity-based service URI is configured."""


def _setting(suffix: str = "") -> str | None:
    value = os.environ.get(CONNECTION_NAME + suffix, "").strip()
    return value or None


@functools.cache
def blob_service() -> BlobServiceClient:
    """The app's blob client, built once per process from the `WorkflowStorage` settings."""
    connection_string = _setting()
    if connection_string:
        if connection_string.replace(" ", "").lower() == "usedevelopmentstorage=true":
            connection_string = _AZURITE_DEV_CONNECTION
        return BlobServiceClient.from_connection_string(connection_string)
    account_url = _setting("__blobServiceUri")
    if not account_url and (account := _setting("__accountName")):
        account_url = f"https://{account}.blob.core.windows.net"
    if not account_url:
        raise StorageConfigurationError(
            f"Set {CONNECTION_NAME} (a connection string, locally) or {CONNECTION_NAME}__blobServiceUri "
            f"with {CONNECTION_NAME}__credential=managedidentity and {CONNECTION_NAME}__clientId (in Azure)."
        )
    credential: ManagedIdentityCredential | DefaultAzureCredential
    if (_setting("__credential") or "").lower() == "managedidentity":
        credential = ManagedIdentityCredential(client_id=_setting("__clientId"))
    else:
        credential = DefaultAzureCredential()
    return BlobServiceClient(account_url, credential=credential)


_known_containers: set[str] = set()


def source_container(name: str) -> ContainerClient:
    """A container someone else fills (ingestion input): never created by the app, must exist."""
    client = blob_service().get_container_client(name)
    if not client.exists():
        raise FileNotFoundError(f"container {name!r} does not exist")
    return client


def container(name: str) -> ContainerClient:
    """One of the app's own containers; created on first use in this process if missing."""
    client = blob_service().get_container_client(name)
    if name not in _known_containers:
        with contextlib.suppress(ResourceExistsError):
            client.create_container()
        _known_containers.add(name)
    return client


def read_json(container_name: str, blob_name: str) -> Any:
    """The parsed JSON of a blob, or None when the blob does not exist."""
    try:
        data = container(container_name).download_blob(blob_name).readall()
    except ResourceNotFoundError:
        return None
    return json.loads(data)


def write_json(container_name: str, blob_name: str, value: Any) -> str:
    """Write (or overwrite) a JSON blob; returns `container/blob`."""
    payload = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
    container(container_name).upload_blob(blob_name, payload, overwrite=True, content_settings=_JSON)
    return f"{container_name}/{blob_name}"


def create_json(container_name: str, blob_name: str, value: Any) -> tuple[bool, Any]:
    """Create a JSON blob only if it does not exist yet: the basis of every idempotent side effect.

    Returns `(True, value)` when this call created it, `(False, existing)` when it was already there.
    """
    payload = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
    try:
        container(container_name).upload_blob(blob_name, payload, overwrite=False, content_settings=_JSON)
    except ResourceExistsError:
        return False, read_json(container_name, blob_name)
    return True, value


def increment_counter(container_name: str, blob_name: str) -> int:
    """Atomically add one to a counter blob (optimistic concurrency on the ETag); returns the new value."""
    blob = container(container_name).get_blob_client(blob_name)
    while True:
        try:
            downloaded = blob.download_blob()
        except ResourceNotFoundError:
            try:
                blob.upload_blob(b"1", overwrite=False)
            except ResourceExistsError:
                continue
            return 1
        value = int(downloaded.readall() or b"0") + 1
        try:
            blob.upload_blob(
                str(value).encode(),
                overwrite=True,
                etag=downloaded.properties.etag,
                match_condition=MatchConditions.IfNotModified,
            )
        except ResourceModifiedError:
            continue
        return value
