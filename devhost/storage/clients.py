"""The account's async table, blob and queue clients, built once from a connection string.

All three share one aiohttp session (one connection pool), count every HTTP attempt in one
`RequestCounter`, and retry transient failures with one `RetrySettings`.
"""

from __future__ import annotations

import logging
from types import TracebackType

import aiohttp
from azure.core.pipeline.transport import AioHttpTransport
from azure.data.tables.aio import TableClient
from azure.storage.blob.aio import BlobServiceClient
from azure.storage.queue.aio import QueueServiceClient

from devhost.storage.blobs import BlobContainer
from devhost.storage.connection import StorageAccount, parse_connection_string
from devhost.storage.counters import RequestCounter
from devhost.storage.queues import Queue
from devhost.storage.retry import DoublingRetry, RetrySettings, TableRetryPolicy
from devhost.storage.table_wire import WireTable
from devhost.storage.tables import Table

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
MAX_CONNECTIONS = 64


class StorageClients:
    """Factory and owner of the per-resource wrappers; use `await StorageClients.open(...)`."""

    def __init__(
        self,
        account: StorageAccount,
        session: aiohttp.ClientSession,
        counter: RequestCounter,
        retry: RetrySettings,
    ) -> None:
        self.account = account
        self.counter = counter
        self._session = session
        self._retry = retry
        self._blob_service = BlobServiceClient(
            account.blob_endpoint,
            credential=account.credential,
            transport=self._transport(),
            retry_policy=DoublingRetry(retry),
            raw_request_hook=counter.hook("blob"),
        )
        self._queue_service = QueueServiceClient(
            account.queue_endpoint,
            credential=account.credential,
            transport=self._transport(),
            retry_policy=DoublingRetry(retry),
            raw_request_hook=counter.hook("queue"),
        )
        self._tables: dict[str, Table] = {}
        self._containers: dict[str, BlobContainer] = {}
        self._queues: dict[str, Queue] = {}

    @classmethod
    async def open(
        cls,
        connection_string: str,
        *,
        counter: RequestCounter | None = None,
        retry: RetrySettings | None = None,
    ) -> StorageClients:
        """Clients for the account in `connection_string` (no request is made yet)."""
        account = parse_connection_string(connection_string)
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS))
        logger.debug("storage account %s: tables at %s", account.name, account.table_endpoint)
        return cls(account, session, counter or RequestCounter(), retry or RetrySettings())

    def _transport(self) -> AioHttpTransport:
        return AioHttpTransport(
            session=self._session,
            session_owner=False,
            connection_timeout=CONNECT_TIMEOUT_S,
            read_timeout=READ_TIMEOUT_S,
        )

    def table(self, name: str) -> Table:
        """The wrapper of table `name` (created on first use, no request)."""
        table = self._tables.get(name)
        if table is None:
            client = TableClient(
                self.account.table_endpoint,
                name,
                credential=self.account.credential,
                transport=self._transport(),
                # A policy instance per pipeline: azure-core links each one to the next policy of its own.
                per_call_policies=[TableRetryPolicy(self._retry)],
                retry_total=0,  # the SDK's policy is replaced by TableRetryPolicy (see devhost.storage.retry)
                raw_request_hook=self.counter.hook("table"),
            )
            wire = WireTable(client, TableRetryPolicy(self._retry), self._transport())
            table = self._tables[name] = Table(client, wire)
        return table

    def container(self, name: str) -> BlobContainer:
        """The wrapper of blob container `name` (no request)."""
        container = self._containers.get(name)
        if container is None:
            container = self._containers[name] = BlobContainer(self._blob_service.get_container_client(name))
        return container

    def queue(self, name: str) -> Queue:
        """The wrapper of queue `name` (no request)."""
        queue = self._queues.get(name)
        if queue is None:
            queue = self._queues[name] = Queue(self._queue_service.get_queue_client(name))
        return queue

    async def close(self) -> None:
        """Close the clients and the shared session."""
        for table in self._tables.values():
            await table.close()
        await self._blob_service.close()
        await self._queue_service.close()
        await self._session.close()

    async def __aenter__(self) -> StorageClients:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
