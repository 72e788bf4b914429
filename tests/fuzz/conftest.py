"""The fuzzer's app: a devhost of its own (a private task hub, nothing else running in it), its OpenAPI
document, and a few seeded things for requests to collide with."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient
from hypothesis import HealthCheck, Phase, settings

from tests.e2e.clients import AppApi, ManagementApi
from tests.e2e.conftest import api, app_base_url, management, workflow_blobs
from tests.fuzz.operations import Seeds
from tests.fuzz.state import StateReader
from tests.fuzz.wire import RawClient

__all__ = ["api", "app_base_url", "management", "workflow_blobs"]  # this directory's own instances
CONCURRENT_REQUESTS = 6
FUZZ_SETTINGS = settings(
    deadline=None,
    database=None,  # every run explores afresh; a failure prints its requests and answers
    phases=[Phase.generate],  # shrinking would resend thousands of requests
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="session")
def openapi_document(api: AppApi) -> dict[str, Any]:
    result = api.call("GET", "openapi.json")
    assert result.status == 200, result
    document: dict[str, Any] = result.json()
    return document


@pytest.fixture(scope="session")
def seeds(api: AppApi) -> Seeds:
    """A stocked SKU, a completed order, an order waiting for approval and a running monitor."""
    seeded = Seeds(sku="SEED-1", done_order="seed-done", waiting_order="seed-wait", device="seed-dev")
    api.restock(seeded.sku, 1000)
    api.wait_stock(seeded.sku, 1000)
    line = {"sku": seeded.sku, "quantity": 1, "unit_price": 5}
    api.start("orders", {"order_id": seeded.done_order, "customer_id": "c-1", "lines": [line]})
    api.wait(f"order-{seeded.done_order}", lambda s: s["runtime_status"] == "Completed", what="completed")
    big = {**line, "quantity": 50, "unit_price": 25}
    api.start("orders", {"order_id": seeded.waiting_order, "customer_id": "c-1", "lines": [big]})
    api.wait(
        f"order-{seeded.waiting_order}",
        lambda s: (s["custom_status"] or {}).get("step") == "awaiting_approval",
        what="awaiting approval",
    )
    stored = api.call("POST", f"devices/{seeded.device}/readings", {"value": 1.5, "unit": "C"})
    assert stored.status == 201, stored
    api.start(f"devices/{seeded.device}/monitor", {"threshold": 100, "interval_s": 86400})
    api.wait(
        f"monitor-{seeded.device}",
        lambda s: (s["custom_status"] or {}).get("step") == "sleeping",
        what="its first poll done",
    )
    return seeded


@dataclass(frozen=True)
class FuzzTarget:
    """The app under fuzz: its document, a raw client, what was seeded and how to snapshot its state."""

    document: dict[str, Any]
    client: RawClient
    seeds: Seeds
    state: StateReader


@pytest.fixture(scope="session")
def fuzz_target(
    app_base_url: str, openapi_document: dict[str, Any], seeds: Seeds, workflow_blobs: BlobServiceClient
) -> Iterator[FuzzTarget]:
    state = StateReader(AppApi(app_base_url), ManagementApi(app_base_url), workflow_blobs, seeds.sku)
    prefix = openapi_document["servers"][0]["url"].strip("/")
    with ThreadPoolExecutor(CONCURRENT_REQUESTS) as pool:
        yield FuzzTarget(openapi_document, RawClient(app_base_url, prefix, pool), seeds, state)
