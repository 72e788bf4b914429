"""Activities run against the test session's real Azurite, through the app's own blob helper."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from azure.storage.blob import ContainerClient

from activities import blob_store

pytestmark = pytest.mark.azurite


@pytest.fixture(autouse=True)
def workflow_storage(storage_connection_string: str) -> Iterator[None]:
    """Point `WorkflowStorage` at the session's Azurite for the duration of each test."""
    blob_store.blob_service.cache_clear()
    blob_store._known_containers.clear()
    yield
    blob_store.blob_service.cache_clear()


@pytest.fixture
def order_id() -> str:
    return f"o{uuid.uuid4().hex[:10]}"


@pytest.fixture
def own_container() -> Iterator[ContainerClient]:
    """A container that belongs to this test alone."""
    name = f"t{uuid.uuid4().hex[:16]}"
    client = blob_store.container(name)
    yield client
    client.delete_container()
