"""A task hub's storage: creates/deletes its tables and containers, purges instances, hands out stores.

Resources (names from `TaskHubNames`): `<Hub>History`, `<Hub>Instances`, `<hub>-largemessages` and
the app-lease container `<hub>-applease`. Creating is idempotent: four requests on every start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from devhost.protocol.types import RuntimeStatus
from devhost.storage import StorageClients, StorageEtagMismatchError
from devhost.tracking.history import HistoryStore
from devhost.tracking.instances import InstanceStore
from devhost.tracking.lease import LEASE_DURATION_S, RENEW_INTERVAL_S, HubLease
from devhost.tracking.names import TaskHubNames
from devhost.tracking.payloads import LargePayloads

logger = logging.getLogger(__name__)

_PURGE_PAGE_SIZE = 100
_PURGEABLE = frozenset(status for status in RuntimeStatus if status.is_terminal)


@dataclass(frozen=True)
class PurgeResult:
    """What a purge deleted."""

    instances_deleted: int
    history_rows_deleted: int


class TaskHub:
    """The storage of one task hub: `history`, `instances`, large payloads and the app lease."""

    def __init__(self, storage: StorageClients, name: str) -> None:
        self.names = TaskHubNames.for_hub(name)
        self.payloads = LargePayloads(storage.container(self.names.large_messages_container))
        self.history = HistoryStore(storage.table(self.names.history_table), self.payloads)
        self.instances = InstanceStore(storage.table(self.names.instances_table), self.payloads, name)
        self._lease_container = storage.container(self.names.lease_container)

    async def create_if_missing(self) -> None:
        """Create the tables and containers that do not exist yet (four requests)."""
        await asyncio.gather(
            self.history.table.create_if_missing(),
            self.instances.table.create_if_missing(),
            self.payloads.container.create_if_missing(),
            self._lease_container.create_if_missing(),
        )

    async def delete(self) -> None:
        """Delete every resource of the task hub, breaking a leftover app lease (tests, benchmarks)."""
        await asyncio.gather(
            self.history.table.delete_if_exists(),
            self.instances.table.delete_if_exists(),
            self.payloads.container.delete_if_exists(),
        )
        try:
            await self._lease_container.delete_if_exists()
        except StorageEtagMismatchError:  # 412 LeaseIdMissing: still leased
            await self._lease_container.break_lease()
            await self._lease_container.delete_if_exists()

    def lease(
        self,
        *,
        duration_s: int = LEASE_DURATION_S,
        renew_interval_s: float = RENEW_INTERVAL_S,
        on_lost: Callable[[], None] | None = None,
    ) -> HubLease:
        """The app lease of this task hub (not yet acquired)."""
        return HubLease(
            self._lease_container,
            self.names.lease_info_blob,
            duration_s=duration_s,
            renew_interval_s=renew_interval_s,
            on_lost=on_lost,
        )

    async def purge_instance(self, instance_id: str) -> PurgeResult:
        """Delete an instance's Instances row, History rows and large-message blobs."""
        deleted, rows = await asyncio.gather(
            self.instances.delete_instance(instance_id), self.history.delete_history(instance_id)
        )
        return PurgeResult(instances_deleted=int(deleted), history_rows_deleted=rows)

    async def purge_instances(
        self,
        *,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        statuses: Iterable[RuntimeStatus] | None = None,
    ) -> PurgeResult:
        """Purge every matching instance in a terminal status (the provider ignores other statuses)."""
        wanted = _PURGEABLE if statuses is None else _PURGEABLE.intersection(statuses)
        instances = rows = 0
        token: str | None = None
        while wanted:
            page, token = await self.instances.query_instances(
                created_from=created_from,
                created_to=created_to,
                statuses=wanted,
                page_size=_PURGE_PAGE_SIZE,
                continuation_token=token,
            )
            results = await asyncio.gather(*(self.purge_instance(record.instance_id) for record in page))
            instances += sum(result.instances_deleted for result in results)
            rows += sum(result.history_rows_deleted for result in results)
            if token is None:
                break
        logger.info("purged %s instances (%s history rows)", instances, rows)
        return PurgeResult(instances_deleted=instances, history_rows_deleted=rows)
