"""Storage clients on the test session's Azurite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from devhost.storage import StorageClients


@pytest.fixture
async def storage(storage_connection_string: str) -> AsyncIterator[StorageClients]:
    """Clients for the session's Azurite with a fresh request counter."""
    clients = await StorageClients.open(storage_connection_string)
    yield clients
    await clients.close()
