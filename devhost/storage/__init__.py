"""Async Azure Storage access for the devhost: thin table/blob/queue wrappers, nothing Durable-specific.

Every SDK call goes through `storage_call`, the one place azure-core exceptions become `StorageError`s.
"""

from devhost.storage.blobs import BlobContainer
from devhost.storage.clients import StorageClients
from devhost.storage.connection import StorageAccount, parse_connection_string
from devhost.storage.counters import RequestCounter
from devhost.storage.errors import (
    StorageBadRequestError,
    StorageConfigurationError,
    StorageConflictError,
    StorageError,
    StorageEtagMismatchError,
    StorageForbiddenError,
    StorageNotFoundError,
    StorageUnavailableError,
    storage_call,
)
from devhost.storage.health import STORAGE_HEALTH, StorageHealth
from devhost.storage.queues import Queue, ReceivedMessage
from devhost.storage.retry import RetrySettings
from devhost.storage.table_wire import BatchOperation
from devhost.storage.tables import (
    Table,
    delete_op,
    insert_op,
    merge_op,
    odata_datetime,
    odata_string,
    upsert_op,
)

__all__ = [
    "STORAGE_HEALTH",
    "BatchOperation",
    "BlobContainer",
    "Queue",
    "ReceivedMessage",
    "RequestCounter",
    "RetrySettings",
    "StorageAccount",
    "StorageBadRequestError",
    "StorageClients",
    "StorageConfigurationError",
    "StorageConflictError",
    "StorageError",
    "StorageEtagMismatchError",
    "StorageForbiddenError",
    "StorageHealth",
    "StorageNotFoundError",
    "StorageUnavailableError",
    "Table",
    "delete_op",
    "insert_op",
    "merge_op",
    "odata_datetime",
    "odata_string",
    "parse_connection_string",
    "storage_call",
    "upsert_op",
]
