"""A fresh task hub on the test session's Azurite for each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from devhost.storage import StorageClients
from devhost.tracking import TaskHub
from tests.devhost.storage.conftest import storage  # noqa: F401 - the same clients fixture


@pytest.fixture
async def hub(storage: StorageClients, unique_name: str) -> AsyncIterator[TaskHub]:  # noqa: F811
    """A created task hub named after the test's unique name; the request counter starts at zero."""
    hub = TaskHub(storage, unique_name)
    await hub.create_if_missing()
    storage.counter.reset()
    yield hub
    await hub.delete()
