"""Everything a request could change, captured so that "before" and "after" can be compared: every
instance and entity of the task hub, every blob the workflows write, and the seeded SKU's stock."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, fields
from typing import Any

from azure.storage.blob import BlobServiceClient

from activities import blob_store
from tests.e2e.clients import AppApi, ManagementApi
from tests.e2e.harness import request

APP_CONTAINERS = (
    blob_store.RECEIPTS,
    blob_store.PAYMENTS,
    blob_store.SHIPMENTS,
    blob_store.NOTIFICATIONS,
    blob_store.TELEMETRY,
    blob_store.INGESTION_OUTPUT,
)


@dataclass(frozen=True)
class Snapshot:
    instances: frozenset[tuple[str, str, str]]  # id, runtime status, last updated
    entities: str  # every entity with its state, as JSON
    containers: frozenset[str]
    blobs: frozenset[tuple[str, str, str]]  # container, name, etag
    stock: tuple[int, bytes]

    def differences(self, other: Snapshot) -> str:
        lines = []
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            if mine == theirs:
                continue
            if isinstance(mine, frozenset):
                lines.append(f"{item.name}: gone {sorted(mine - theirs)}, new {sorted(theirs - mine)}")
            else:
                lines.append(f"{item.name}: {mine!r} -> {theirs!r}")
        return "; ".join(lines)


@dataclass(frozen=True)
class StateReader:
    api: AppApi
    management: ManagementApi
    blobs: BlobServiceClient
    sku: str

    def take(self) -> Snapshot:
        instances = self.management.list_all(showInput="false")
        entities = request("GET", self.management.url("entities/", fetchState="true", top="1000"))
        assert entities.status == 200, entities
        stock = self.api.call("GET", f"inventory/{self.sku}")
        return Snapshot(
            instances=frozenset(
                (item["instanceId"], item["runtimeStatus"], item["lastUpdatedTime"]) for item in instances
            ),
            entities=json.dumps(sorted(entities.json(), key=json.dumps), sort_keys=True),
            containers=frozenset(container.name for container in self.blobs.list_containers()),
            blobs=frozenset(self._blobs()),
            stock=(stock.status, stock.body),
        )

    def _blobs(self) -> list[tuple[str, str, str]]:
        found: list[tuple[str, str, str]] = []
        for name in APP_CONTAINERS:
            container = self.blobs.get_container_client(name)
            if container.exists():
                found.extend((name, blob.name, str(blob.etag)) for blob in container.list_blobs())
        return found

    def settled(self, *, quiet_s: float = 1.0, timeout_s: float = 30.0) -> Snapshot:
        """A snapshot once nothing has changed for `quiet_s` (the seeded workflows reached their waits)."""
        deadline = time.monotonic() + timeout_s
        last = self.take()
        while time.monotonic() < deadline:
            time.sleep(quiet_s)
            current = self.take()
            if current == last:
                return current
            last = current
        raise AssertionError(f"the app did not settle in {timeout_s} s; last state: {last}")


def unchanged(before: Snapshot, after: Snapshot, context: Any) -> None:
    assert before == after, f"state changed: {before.differences(after)}; requests: {context}"
